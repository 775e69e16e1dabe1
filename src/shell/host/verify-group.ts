/**
 * Host `mica verify last [<example>]`: the tenant's verifier (mica-spec.md §4.5) appraises the
 * last group token a realm handed to the host (`attest group` in a realm terminal) with its
 * policy blobs, and prints every check, the verdict and, when the path search rejects, the
 * offending path edge by edge with the policy fields that create each edge (flow.ts).
 *
 * Design rationale: where the tenant's expectations come from. Nothing is read from the token
 * or the blobs under test: the trust anchor is the lab's PUBLIC TEST CPAK, the challenge is
 * the nonce the realm put in RSI_ATTEST_TOKEN_INIT_GROUP (recorded when the token was handed
 * over, as `attest verify last` does), the platform reference values are the lab firmware,
 * and the pipeline is the workflow example the tenant names: its realms (in order), the
 * sensitive source and the sanitisers, and each realm's expected policy, the example's file
 * with its hash labels bound to the reference RIM. Each expected member's reference RIM and
 * RPV are recomputed from the image and parameters the tenant asked for (reference.ts,
 * `state.host.intents`), never read from the RD of the realm the host built, so a host that
 * swapped an image at build time is rejected (issue 11). A realm of the example the tenant
 * never asked for has no reference values, so the command refuses rather than guess.
 */
import {
  LAB_ANCHOR_NAME,
  attest,
  labFirmware,
  tenantReference,
  type HostGroupToken,
  type Machine,
  type MachineState,
} from '../../emulator/index.ts';
import { fromHex } from '../../lib/bytes.ts';
import {
  WORKFLOW_EXAMPLES,
  declaredExpectations,
  decodeRecord,
  describeOffendingPath,
  examplePolicy,
  expectedMember,
  rememberGroupEpoch,
  micaOf,
  verifyGroup,
  type ExpectedMember,
  type GroupExpectations,
  type GroupVerdict,
  type WorkflowExample,
} from '../../policy/index.ts';
import { out, usageError, type OutputLine, type UsageError } from '../types.ts';

/** The tenant's expectations for `example` on the machine in `state`, or why there are none. */
export function tenantExpectations(
  state: Readonly<MachineState>,
  example: WorkflowExample,
  challenge: Uint8Array,
): GroupExpectations | UsageError {
  const m = micaOf(state);
  const firstCome = !m || m.gaps.includes('gap-first-come-labels');
  const refOf = (name: string) => tenantReference(state as MachineState, name.toLowerCase());
  const members: ExpectedMember[] = [];
  for (const [i, r] of example.realms.entries()) {
    const ref = refOf(r.name);
    if (!ref)
      return usageError(
        `the tenant expects a realm "${r.name.toLowerCase()}" (${example.id}) but never asked for one: its reference RIM and RPV are recomputed from the image and parameters it asked for`,
      );
    const bound = examplePolicy(example, i, firstCome ? undefined : (n) => refOf(n)?.rim);
    if (!bound.ok) return usageError(`example does not parse: ${bound.error}`);
    members.push(expectedMember(r.name.toLowerCase(), bound.value.policy, ref));
  }
  return {
    anchor: attest.TEST_CPAK_PUBLIC,
    anchorName: LAB_ANCHOR_NAME,
    challenge,
    platform: labFirmware(),
    members,
    source: example.source.toLowerCase(),
    sanitisers: example.sanitisers.map((s) => s.toLowerCase()),
    // The newest configuration epoch the tenant has seen (issue 11 finding 5).
    ...(state.host?.groupEpochs?.[example.id] !== undefined
      ? { epoch: state.host.groupEpochs[example.id] }
      : {}),
  };
}

/**
 * The tenant's verdict on a group token the host kept, expecting the pipeline `example`
 * (undefined when the tenant has no reference values for it: a realm of the example is missing).
 */
export function tenantVerdict(
  state: Readonly<MachineState>,
  kept: Readonly<HostGroupToken>,
  example: WorkflowExample,
): { verdict: GroupVerdict; expectations: GroupExpectations } | undefined {
  const expectations = tenantExpectations(
    state,
    example,
    fromHex(kept.challenge) ?? new Uint8Array(0),
  );
  if ('usageError' in expectations) return undefined;
  const token = fromHex(kept.token) ?? new Uint8Array(0);
  const blobs = kept.blobs.map((b) => fromHex(b) ?? new Uint8Array(0));
  return { verdict: verifyGroup(token, blobs, expectations), expectations };
}

/** The tenant's appraisal of the last group token the host holds (for the Chain tab). */
export interface KeptGroupAppraisal {
  /** What the tenant expects: a workflow example's id, or its declaration to the machine. */
  readonly expected: string;
  readonly realm: string;
  readonly token: Uint8Array;
  readonly blobs: readonly Uint8Array[];
  readonly expectations: GroupExpectations;
  readonly verdict: GroupVerdict;
}

/**
 * The last group token a realm handed to the host (`attest group` in a realm terminal),
 * appraised as the tenant would with `mica verify last`: with the expectations it declared to
 * the machine when there are some, else as the workflow example whose realms the token's
 * blobs name (a blob's Self label is one of the example's members, as the tenant asked for
 * them), preferring an example the tenant has verified a token of (its epoch is remembered),
 * then the one naming the most blobs, then the examples' order. The choice never looks at the outcome: a verifier
 * does not pick the expectations that accept. Undefined without a token or such an example.
 */
export function keptGroupAppraisal(state: Readonly<MachineState>): KeptGroupAppraisal | undefined {
  const kept = state.host?.groupTokens?.at(-1);
  if (!kept) return undefined;
  const challenge = fromHex(kept.challenge) ?? new Uint8Array(0);
  const token = fromHex(kept.token) ?? new Uint8Array(0);
  const blobs = kept.blobs.map((b) => fromHex(b) ?? new Uint8Array(0));
  const appraised = (expected: string, expectations: GroupExpectations): KeptGroupAppraisal => ({
    expected,
    realm: kept.realm,
    token,
    blobs,
    expectations,
    verdict: verifyGroup(token, blobs, expectations),
  });
  const declared = declaredExpectations(state, challenge);
  if (declared !== undefined && !('problem' in declared))
    return appraised('what the tenant declared to this machine', declared);
  const selves = blobs.map((b) => {
    const d = decodeRecord(b);
    return d.ok ? d.policy.vms[d.policy.self]?.hash : undefined;
  });
  const seen = state.host?.groupEpochs ?? {};
  let chosen: { example: WorkflowExample; expectations: GroupExpectations } | undefined;
  let best = 0;
  for (const example of WORKFLOW_EXAMPLES) {
    const e = tenantExpectations(state, example, challenge);
    if ('usageError' in e) continue;
    const hashes = new Set(e.members.map((m) => m.hash));
    const named = selves.filter((h) => h !== undefined && hashes.has(h)).length;
    if (named === 0) continue;
    // An example the tenant verified a token of first, then the one naming the most blobs
    // (an outsider's blob names none: 05-attacks/08's spy), in the examples' order.
    const score = (example.id in seen ? selves.length + 1 : 0) + named;
    if (score > best) {
      best = score;
      chosen = { example, expectations: e };
    }
  }
  return chosen && appraised(chosen.example.id, chosen.expectations);
}

const ICON = { pass: '✓', fail: '✗', skip: '–' } as const;

/**
 * `mica verify last [<example>]`. With an example, the tenant expects that pipeline (its files,
 * the realms it asked for). Without one, it uses the expectations the tenant declared to this
 * machine (`state.tenant`, as a scenario run records them before its first host step), when
 * the machine holds any.
 */
export function verifyLastGroup(
  machine: Machine,
  args: readonly string[],
): OutputLine[] | UsageError {
  const [source, id, extra] = args;
  if (source !== 'last') return usageError('expected "verify last [<example>]"');
  if (extra !== undefined) return usageError(`unexpected argument "${extra}"`);
  const ids = WORKFLOW_EXAMPLES.map((e) => e.id).join(', ');
  const example = id === undefined ? undefined : WORKFLOW_EXAMPLES.find((e) => e.id === id);
  if (id !== undefined && !example) return usageError(`no example "${id}" (examples: ${ids})`);
  const last = machine.state.host?.groupTokens?.at(-1);
  if (!last)
    return usageError(
      'no realm has handed over a group token yet (run "attest group random" in a realm terminal)',
    );
  const challenge = fromHex(last.challenge) ?? new Uint8Array(0);
  let expectations: GroupExpectations;
  let expected: string;
  if (example) {
    const e = tenantExpectations(machine.state, example, challenge);
    if ('usageError' in e) return e;
    expectations = e;
    expected = `${example.id} (${e.members.map((m) => m.name).join(' → ')}), its files bound to their RIMs`;
  } else {
    const declared = declaredExpectations(machine.state, challenge);
    if (declared === undefined)
      return usageError(
        `name the pipeline the tenant expects: mica verify last <example> (${ids}); this machine holds no expectations the tenant declared (a scenario run records them)`,
      );
    if ('problem' in declared) return usageError(declared.problem);
    expectations = declared;
    expected = `what the tenant declared to this machine (${declared.members.map((m) => m.name).join(' → ')}), by RIM`;
  }
  const token = fromHex(last.token) ?? new Uint8Array(0);
  const blobs = last.blobs.map((b) => fromHex(b) ?? new Uint8Array(0));
  const v = verifyGroup(token, blobs, expectations);
  const known = example && machine.state.host?.groupEpochs?.[example.id];
  const remembered = example && rememberGroupEpoch(machine.state, example.id, v);
  const lines: OutputLine[] = [
    out.dim(
      `  group token of ${token.length} bytes + ${blobs.length} blob(s) from realm "${last.realm}"; trust anchor: ${LAB_ANCHOR_NAME}; challenge: the nonce "${last.realm}" sent with INIT_GROUP`,
    ),
    out.dim(
      `  expected: ${expected}; sensitive input at ${expectations.source ?? '(none declared)'}, sanitiser ${expectations.sanitisers.join(', ') || '(none)'}`,
    ),
  ];
  for (const c of v.checks) {
    const tone = c.status === 'pass' ? out.ok : c.status === 'fail' ? out.error : out.warn;
    lines.push(tone(`${ICON[c.status]} ${c.title}: ${c.reason}`));
  }
  const path = describeOffendingPath(v);
  if (path.length > 0) {
    lines.push(out.error('  offending path, edge by edge:'));
    path.forEach((e, i) => lines.push(out.error(`    ${i + 1}. ${e}`)));
  }
  const tone = v.kind === 'verified' ? out.ok : v.kind === 'rejected' ? out.error : out.warn;
  lines.push(tone(`Verdict: ${v.verdict.text}; ${attest.countsText(v.verdict)}`));
  if (example && remembered !== undefined && remembered !== known)
    lines.push(
      out.dim(
        `  the tenant now remembers configuration epoch ${remembered} of ${example.id}: an older group token of it is stale from here on`,
      ),
    );
  return lines;
}
