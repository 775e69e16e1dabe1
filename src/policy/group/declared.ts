/**
 * The tenant's group verifier (mica-spec.md §4.5) as the machine keeps it (issue 10 "a judge
 * that reads only the machine"): the expectations the tenant declared to the machine by RIM
 * (`state.tenant`, emulator provenance.ts `declareRealm` with `expects`), applied to a group
 * token the host kept (`state.host.groupTokens`), so a verdict is recomputed from a restored
 * snapshot alone, with nothing from the script that made the run.
 *
 * Design rationale: one record of what the tenant said, read the same way by every judge. Each
 * realm the tenant declared with `expects` is an expected member: the declaration's key is its
 * reference RIM, `expects` its reference RPV and its expected policy (a record, as group token
 * blobs carry it). The realm declared `source` starts the path search, those declared
 * `sanitiser` are its sanitisers. The trust anchor and the platform's firmware are the lab's
 * one platform (its PUBLIC TEST CPAK and firmware, as every verifier view of the lab uses);
 * the challenge is the nonce the realm sent with the token, kept with it. Nothing missing is
 * filled in: a declaration whose policy does not decode makes the token "not verified" with
 * that reason, and so does a missing source or challenge (verifyGroup's skips).
 */
import {
  LAB_ANCHOR_NAME,
  attest,
  labFirmware,
  type DeclaredExpectation,
  type HostGroupToken,
  type MachineState,
} from '../../emulator/index.ts';
import { fromHex, toHex } from '../../lib/bytes.ts';
import type { Policy } from '../model.ts';
import { decodeRecord, encodeRecord } from '../record.ts';
import {
  expectedMember,
  unappraised,
  verifyGroup,
  type ExpectedMember,
  type GroupExpectations,
  type GroupVerdict,
} from './verify.ts';

/**
 * What the tenant declares its verifier expects of a realm: `policy` as a record and the
 * reference RPV of what it asked for (undefined when the policy does not encode as a record).
 */
export function declareExpectation(
  policy: Policy,
  reference: { readonly rpv: string },
): DeclaredExpectation | undefined {
  const enc = encodeRecord(policy);
  return enc.ok ? { rpv: reference.rpv, policy: toHex(enc.bytes) } : undefined;
}

/**
 * The tenant's expectations as declared to the machine in `state`, for a token sent with
 * `challenge`: undefined when the tenant declared none (no realm with `expects`), `problem`
 * when a declaration cannot be used (located by the realm's name and RIM).
 */
export function declaredExpectations(
  state: Pick<Readonly<MachineState>, 'tenant'>,
  challenge: Uint8Array | undefined,
): GroupExpectations | { readonly problem: string } | undefined {
  const members: ExpectedMember[] = [];
  const sanitisers: string[] = [];
  let source: string | undefined;
  for (const [rim, d] of Object.entries(state.tenant ?? {})) {
    if (d.roles.includes('source')) source = d.name;
    if (d.roles.includes('sanitiser') && !sanitisers.includes(d.name)) sanitisers.push(d.name);
    if (!d.expects) continue;
    const decoded = decodeRecord(fromHex(d.expects.policy) ?? new Uint8Array(0));
    if (!decoded.ok)
      return {
        problem: `the policy the tenant declared for ${d.name} (RIM ${rim.slice(0, 16)}…) is not a policy record (${decoded.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}), so its blob cannot be checked`,
      };
    members.push(expectedMember(d.name, decoded.policy, { rim, rpv: d.expects.rpv }));
  }
  if (members.length === 0) return undefined;
  return {
    anchor: attest.TEST_CPAK_PUBLIC,
    anchorName: LAB_ANCHOR_NAME,
    ...(challenge ? { challenge } : {}),
    platform: labFirmware(),
    members,
    ...(source === undefined ? {} : { source }),
    sanitisers,
  };
}

/**
 * The tenant's verdict on the group token `kept`, with the expectations it declared to the
 * machine (see the file header); undefined when it declared none, so a caller may use its own
 * (the lab's free terminals: the workflow example the learner names).
 */
export function declaredVerdict(
  state: Pick<Readonly<MachineState>, 'tenant'>,
  kept: Readonly<HostGroupToken>,
): GroupVerdict | undefined {
  const token = fromHex(kept.token) ?? new Uint8Array(0);
  const expectations = declaredExpectations(state, fromHex(kept.challenge));
  if (expectations === undefined) return undefined;
  if ('problem' in expectations) return unappraised(token, expectations.problem);
  const blobs = kept.blobs.map((b) => fromHex(b) ?? new Uint8Array(0));
  return verifyGroup(token, blobs, expectations);
}
