/**
 * The verifier of a Mica group token (mica-spec.md §4.5), as a pure function: verify the CCA
 * token against the tenant's trust anchor and challenge (step 1), re-hash every streamed policy
 * blob into its REM0, identify each blob's realm by its Self hash label, recompute the group
 * RIM, REM0 and RPV in blob order from the tenant's reference values and compare them with the
 * token's claims (steps 2-3), check the blobs against the expected policies and flags and
 * against each other (step 4), then build the flow graph (realms + U) and decide whether every
 * path from the sensitive input to U passes through a designated sanitiser (steps 5-6).
 *
 * Design rationale: every input a conclusion rests on is explicit (issue 11 finding 3): the
 * trust anchor (the platform key, CPAK), the challenge, the platform's firmware reference
 * values and each member's RIM, RPV and expected policy. A missing input is never filled in:
 * the check it feeds is a skip naming the input, and a skip is never a pass, so the answer is
 * "not verified" (the relying party's one vocabulary, emulator attest/verdict.ts). The answer is
 * an ordered list of named checks plus the paths found, so a view can show "why" step by step;
 * on rejection by the path search the offending path is given edge by edge with the policy
 * fields that create each edge (flow.ts).
 */
import {
  attest,
  hostState,
  measure,
  type MachineState,
  type RmmHashAlgo,
} from '../../emulator/index.ts';
import { bytesEqual, concatBytes, fromHex, toHex } from '../../lib/bytes.ts';
import { GROUP_EPOCH_REM } from '../abi.ts';
import { checkAgreement, formatRefusal, type RealmPolicy } from '../agreement.ts';
import {
  UNTRUSTED,
  buildFlowGraph,
  findUnsanitisedPath,
  formatEdge,
  type FlowEdge,
  type FlowGraph,
} from '../flow.ts';
import type { Policy } from '../model.ts';
import { decodeRecord, encodeRecord } from '../record.ts';
import { aggregateGroup, epochOfSlot, type MemberValues } from '../monitor/group.ts';

/** What the verifier knows about one expected member of the pipeline (its reference values). */
export interface ExpectedMember {
  /** Display name (used as the flow-graph node). */
  readonly name: string;
  /** The hash label its policies use for it. */
  readonly hash: number;
  /** Reference RIM and RPV (64-byte slots, or the digest). */
  readonly rim: Uint8Array;
  readonly rpv: Uint8Array;
  /**
   * The policy the tenant expects this realm to have uploaded (compared byte for byte as a
   * record). Without it the member's policy is not checked, and the verdict is "not verified".
   */
  readonly policy?: Policy;
  /** Expected flags; default: the expected policy's. */
  readonly isGateway?: boolean;
  readonly strict?: boolean;
}

/**
 * The member the tenant expects for `name`: its expected `policy` (hash label and flags from
 * the policy's own entry) and the reference RIM and RPV of the realm the tenant built, given
 * as the RMM records them (hex). The one way callers (the scenarios, the host terminal) make
 * a member, so both appraise the same inputs.
 */
export function expectedMember(
  name: string,
  policy: Policy,
  reference: { readonly rim: string; readonly rpv: string },
): ExpectedMember {
  const vm = policy.vms[policy.self]!;
  return {
    name,
    hash: vm.hash,
    rim: fromHex(reference.rim)!,
    rpv: fromHex(reference.rpv)!,
    policy,
    isGateway: vm.isGateway,
    strict: vm.strict,
  };
}

/** The verifier's inputs besides the token and the blobs. Nothing here is guessed. */
export interface GroupExpectations {
  /**
   * Trust anchor: the public platform attestation key (CPAK) the platform token must be signed
   * with. Without it the platform signature is not checked (anyone's key would do): "not verified".
   */
  readonly anchor?: attest.EcPublicKey;
  /** How the views name the anchor ("the lab PUBLIC TEST CPAK"). */
  readonly anchorName?: string;
  /** The nonce the verifier sent; without it freshness is not checked: "not verified". */
  readonly challenge?: Uint8Array;
  /** Reference values of the platform's firmware; without them: "not verified". */
  readonly platform?: readonly attest.ReferenceSwComponent[];
  readonly members: readonly ExpectedMember[];
  /**
   * The realm that receives the sensitive input and the designated sanitisers (§4.5 step 6).
   * Without a source the path search is not run: "not verified".
   */
  readonly source?: string;
  readonly sanitisers: readonly string[];
  readonly trustAny?: boolean;
  /**
   * The newest configuration epoch the tenant has seen for this pipeline (issue 11 finding 5):
   * the `epoch` of its latest verified group token. A token with an older epoch attests a
   * configuration that was torn down since (a stage rebuilt, perhaps with another policy):
   * "rejected" as stale. Absent: this token's epoch is the newest the tenant knows.
   */
  readonly epoch?: number;
}

/**
 * The group verifier's checks, in report order, with the title every view shows and the §4.5
 * step they come from. The CCA token's own checks are split so that each input's check stands
 * alone: `anchor` (platform signature), `challenge` (freshness), `firmware` (platform
 * software components) and `token` (everything that needs no input: structure, claims, RAK
 * binding, realm signature, profiles). The token's RIM / RPV / REM checks are the `group-*`
 * checks, compared with values recomputed from the members' reference values.
 */
export const GROUP_CHECKS = [
  { id: 'token', title: 'CCA token structure and signatures', step: 1 },
  { id: 'anchor', title: 'platform signature (trust anchor)', step: 1 },
  { id: 'challenge', title: 'challenge freshness', step: 1 },
  { id: 'firmware', title: 'platform firmware', step: 1 },
  { id: 'epoch', title: 'configuration is current', step: 1 },
  { id: 'blobs', title: 'policy blobs readable', step: 2 },
  { id: 'identity', title: 'each blob names its realm', step: 3 },
  { id: 'group-rim', title: 'group RIM recomputed', step: 3 },
  { id: 'group-rem0', title: 'group REM0 (policies) recomputed', step: 3 },
  { id: 'group-rpv', title: 'group RPV recomputed', step: 3 },
  { id: 'policies', title: 'policies are the expected ones', step: 4 },
  { id: 'flags', title: 'gateway and strict flags', step: 4 },
  { id: 'membership', title: 'members are the expected realms', step: 4 },
  { id: 'agreement', title: 'neighbours agree (§2.5-§2.7)', step: 4 },
  { id: 'flow', title: 'every path to U passes the sanitiser', step: 5 },
] as const;

/** A group check's id. */
export type GroupCheckId = (typeof GROUP_CHECKS)[number]['id'];

/** One step of the verdict. */
export interface GroupCheck {
  readonly id: GroupCheckId;
  readonly title: string;
  /** pass, fail, or skip (an input was missing or an earlier step failed; never a pass). */
  readonly status: attest.CheckStatus;
  readonly reason: string;
  readonly spec: string;
}

/**
 * One policy blob compared with what the tenant expects of its member (§4.5 steps 2-4), so a
 * view can say which blob broke the chain: it decodes, names an expected realm, and is byte
 * for byte that realm's expected policy (the bytes whose hash the RMM extended into REM0).
 */
export interface BlobFinding {
  /** Position in the stream (blob order). */
  readonly index: number;
  /** The member it names, or `?`. */
  readonly member: string;
  /** pass, fail, or skip (no expected policy given for the member). */
  readonly status: attest.CheckStatus;
  readonly reason: string;
}

/** The verifier's answer. */
export interface GroupVerdict {
  /** verified / rejected / not verified, in the relying party's words (attest/verdict.ts). */
  readonly kind: attest.VerdictKind;
  /** The full verdict: text ("rejected: 1 failed (...)"), summary, failed and missing checks. */
  readonly verdict: attest.Verdict<GroupCheck>;
  /** The deciding reason: the first failure, else the first skipped check's, else a summary. */
  readonly reason: string;
  readonly checks: readonly GroupCheck[];
  /** Member names in blob order (caller first); `?` for an unidentified blob. */
  readonly members: readonly string[];
  /** Each blob against its member's expected policy, in blob order. */
  readonly blobFindings: readonly BlobFinding[];
  readonly graph?: FlowGraph;
  /** Every simple path from the source to U (at most 32). */
  readonly paths: readonly (readonly FlowEdge[])[];
  /** The offending path, edge by edge, when the path search rejects. */
  readonly offending?: { readonly path: readonly FlowEdge[]; readonly message: string };
  /** The CCA verifier's report on the token, with the anchor and challenge given here. */
  readonly token: attest.VerifierReport;
  /**
   * The configuration epoch the token attests (its REM3 slot), if it carries one: keep it and
   * pass it as `GroupExpectations.epoch` next time, so a verdict cannot outlive it.
   */
  readonly epoch?: number;
}

/** REM0 of a realm that uploaded `blob` once from the zero start (§4.5 step 2), 64-byte slot. */
export function rem0OfBlob(algo: RmmHashAlgo, blob: Uint8Array): Uint8Array {
  const z = new Uint8Array(measure.digestLength(algo));
  const out = new Uint8Array(64);
  out.set(measure.rhash(algo, concatBytes(z, blob)));
  return out;
}

function slot(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  out.set(b.subarray(0, 64));
  return out;
}

/** Every simple path from `from` to `to` (bounded). */
function allPaths(graph: FlowGraph, from: string, to: string, limit = 32): FlowEdge[][] {
  const out: FlowEdge[][] = [];
  const walk = (node: string, seen: Set<string>, path: FlowEdge[]) => {
    if (out.length >= limit) return;
    if (node === to && path.length > 0) {
      out.push([...path]);
      return;
    }
    for (const e of graph.edges) {
      if (e.from !== node || seen.has(e.to)) continue;
      seen.add(e.to);
      path.push(e);
      walk(e.to, seen, path);
      path.pop();
      seen.delete(e.to);
    }
  };
  walk(from, new Set([from]), []);
  return out;
}

const SPEC_GROUP = 'mica-spec.md §4.5';

/**
 * Which checks of the CCA verifier (emulator attest/verify.ts) feed which group check, and what
 * a pass means in words. The RIM, RPV and REM checks are absent: the group-* checks do them.
 */
const TOKEN_PARTS: ReadonlyArray<{
  readonly id: 'token' | 'anchor' | 'challenge' | 'firmware';
  readonly from: readonly attest.CheckId[];
  readonly passed: (e: GroupExpectations) => string;
}> = [
  {
    id: 'token',
    from: [
      'wrapper',
      'platform-cose',
      'platform-claim',
      'realm-cose',
      'realm-claim',
      'rak',
      'realm-signature',
      'binding',
      'profile',
      'internal',
    ],
    passed: () =>
      'structure and claims are well formed, the realm token is signed by the RAK in claim 44237, and the platform token binds that RAK (its challenge is the RAK hash)',
  },
  {
    id: 'anchor',
    from: ['platform-signature'],
    passed: (e) => `the platform token is signed by ${e.anchorName ?? 'the given trust anchor'}`,
  },
  {
    id: 'challenge',
    from: ['freshness'],
    passed: () => 'the token carries the nonce the verifier sent',
  },
  {
    id: 'firmware',
    from: ['sw-components'],
    passed: () => 'the platform firmware measurements are the endorsed ones',
  },
];

/** One group check from the CCA checks it stands for: any fail fails, else any skip skips. */
function fromToken(
  part: (typeof TOKEN_PARTS)[number],
  report: attest.VerifierReport,
  e: GroupExpectations,
): { status: attest.CheckStatus; reason: string } {
  const lines = report.checks.filter((c) => part.from.includes(c.id));
  const failed = lines.filter((c) => c.status === 'fail');
  const skipped = lines.filter((c) => c.status === 'skip');
  if (failed.length > 0) {
    return { status: 'fail', reason: failed.map((c) => `${c.title}: ${c.reason}`).join('; ') };
  }
  if (skipped.length > 0 || lines.length === 0) {
    const first = skipped[0];
    return { status: 'skip', reason: first ? first.reason : 'the token could not be read' };
  }
  return { status: 'pass', reason: part.passed(e) };
}

/** §4.5: verifies a group token and its blobs against the tenant's expectations. */
export function verifyGroup(
  token: Uint8Array,
  blobs: readonly Uint8Array[],
  expectations: GroupExpectations,
): GroupVerdict {
  const found = new Map<GroupCheckId, { status: attest.CheckStatus; reason: string }>();
  const check = (id: GroupCheckId, status: attest.CheckStatus, reason: string) =>
    void found.set(id, { status, reason });
  const judge = (id: GroupCheckId, ok: boolean, reason: string) =>
    check(id, ok ? 'pass' : 'fail', reason);

  // Step 1: the CCA token, with exactly the inputs the caller gave.
  const report = attest.verifyCcaToken(token, {
    ...(expectations.anchor ? { cpak: expectations.anchor } : {}),
    ...(expectations.challenge ? { challenge: expectations.challenge } : {}),
    ...(expectations.platform ? { referenceValues: { swComponents: expectations.platform } } : {}),
  });
  for (const part of TOKEN_PARTS) {
    const r = fromToken(part, report, expectations);
    check(part.id, r.status, r.reason);
  }
  const claims = report.realm;
  // The configuration's lifetime (issue 11 finding 5): the token names its configuration
  // epoch; one older than the newest the tenant has seen attests a torn-down configuration.
  const epoch = epochOfSlot(claims?.rems?.[GROUP_EPOCH_REM]);
  const known = expectations.epoch;
  check(
    'epoch',
    epoch === undefined || (known !== undefined && epoch < known) ? 'fail' : 'pass',
    epoch === undefined
      ? `the token's REM${GROUP_EPOCH_REM} carries no configuration epoch, so the verifier cannot tell whether what it attests still exists`
      : known !== undefined && epoch < known
        ? `stale: the token attests configuration epoch ${epoch}, but the tenant has seen epoch ${known}: a member was torn down and rebuilt since, so this verdict no longer describes the pipeline`
        : known === undefined
          ? `configuration epoch ${epoch}, the newest the tenant has seen (remember it: an older one later means a rebuilt stage)`
          : `configuration epoch ${epoch}, not older than the newest the tenant has seen (${known})`,
  );
  const algo: RmmHashAlgo = claims?.hashAlgo === 'sha-256' ? 'sha-256' : 'sha-512';
  const len = measure.digestLength(algo);

  // Step 2-3: decode, identify, recompute.
  const decoded = blobs.map((b) => decodeRecord(b));
  const bad = decoded.findIndex((d) => !d.ok);
  judge(
    'blobs',
    bad < 0 && blobs.length > 0,
    bad >= 0
      ? `blob ${bad} is not a record the RMM could have written`
      : blobs.length === 0
        ? 'no policy blob followed the token'
        : `${blobs.length} policy blob(s) decode`,
  );
  const policies = decoded.map((d) => (d.ok ? d.policy : undefined));
  const members = policies.map((p) => {
    const hash = p?.vms[p.self]?.hash;
    return expectations.members.find((e) => e.hash === hash);
  });
  const unknown = members.findIndex((m) => m === undefined);
  judge(
    'identity',
    unknown < 0,
    unknown >= 0
      ? `blob ${unknown} (Self hash ${policies[unknown]?.vms[policies[unknown]!.self]?.hash?.toString(16) ?? '?'}) is not a realm the tenant expects`
      : `blobs are ${members.map((m) => m!.name).join(', ')}`,
  );
  const names = members.map((m) => m?.name ?? '?');
  const groupIds = ['group-rim', 'group-rem0', 'group-rpv'] as const;
  if (unknown < 0 && claims && blobs.length > 0) {
    const values: MemberValues[] = members.map((m, i) => ({
      rim: slot(m!.rim),
      rem0: rem0OfBlob(algo, blobs[i]!),
      rpv: slot(m!.rpv),
    }));
    const agg = aggregateGroup(algo, values);
    const cmp = (
      id: (typeof groupIds)[number],
      claim: Uint8Array | undefined,
      want: Uint8Array,
      n: number,
      what: string,
    ) => {
      const ok = claim !== undefined && bytesEqual(claim.subarray(0, n), want.subarray(0, n));
      judge(
        id,
        ok,
        ok
          ? `${what} recomputed from the members' reference values in blob order matches the claim`
          : `${what} recomputed from the expected members in blob order is ${toHex(want.subarray(0, 8))}..., the token says ${claim ? toHex(claim.subarray(0, 8)) : 'nothing'}...: wrong code, wrong policy, or an extra or missing realm`,
      );
    };
    cmp('group-rim', claims.rim, agg.rim, len, 'group RIM');
    cmp('group-rem0', claims.rems?.[0], agg.rem0, len, 'group REM0 (policies)');
    cmp('group-rpv', claims.rpv, agg.rpv, 64, 'group RPV');
  } else {
    const why = !claims
      ? 'the realm claims could not be read'
      : blobs.length === 0
        ? 'no policy blob followed the token'
        : `blob ${unknown} is not an expected realm, so it has no reference values`;
    for (const id of groupIds) check(id, 'skip', `not recomputed: ${why}`);
  }
  // Step 4: expected policies, flags, membership, agreement.
  const wrongPolicy = members.findIndex((m, i) => {
    if (!m?.policy) return false;
    const want = encodeRecord(m.policy);
    return !want.ok || !bytesEqual(want.bytes, blobs[i]!);
  });
  const noPolicy = members.filter((m) => m !== undefined && !m.policy).map((m) => m!.name);
  const blobFindings = blobs.map((blob, index): BlobFinding => {
    const m = members[index];
    const at = { index, member: names[index]! };
    if (!decoded[index]!.ok) {
      return {
        ...at,
        status: 'fail',
        reason: `blob ${index} is not a record the RMM could have written`,
      };
    }
    if (!m)
      return {
        ...at,
        status: 'fail',
        reason: `blob ${index} names a realm the tenant does not expect`,
      };
    if (!m.policy)
      return { ...at, status: 'skip', reason: `no expected policy given for ${m.name}` };
    const want = encodeRecord(m.policy);
    if (!want.ok)
      return { ...at, status: 'fail', reason: `${m.name}'s expected policy does not encode` };
    const differs = firstDifference(want.bytes, blob);
    return differs < 0
      ? {
          ...at,
          status: 'pass',
          reason: `${m.name}'s blob is byte for byte the policy the tenant expects`,
        }
      : {
          ...at,
          status: 'fail',
          reason: `${m.name}'s blob differs from the policy the tenant expects at byte ${differs} (0x${(blob[differs] ?? 0).toString(16).padStart(2, '0')}, expected 0x${(want.bytes[differs] ?? 0).toString(16).padStart(2, '0')}), so its hash in REM0 is not the expected one`,
        };
  });
  check(
    'policies',
    wrongPolicy >= 0 ? 'fail' : noPolicy.length > 0 ? 'skip' : 'pass',
    wrongPolicy >= 0
      ? `${names[wrongPolicy]}'s blob is not the policy the tenant expects`
      : noPolicy.length > 0
        ? `no expected policy given for ${noPolicy.join(', ')}`
        : 'every blob is byte for byte the policy the tenant expects',
  );
  const flagsOf = (m: ExpectedMember) => {
    const own = m.policy?.vms[m.policy.self];
    return { isGateway: m.isGateway ?? own?.isGateway, strict: m.strict ?? own?.strict };
  };
  const wrongFlag = members.findIndex((m, i) => {
    const vm = policies[i]?.vms[policies[i]!.self];
    if (m === undefined || vm === undefined) return false;
    const want = flagsOf(m);
    return (
      (want.isGateway !== undefined && want.isGateway !== vm.isGateway) ||
      (want.strict !== undefined && want.strict !== vm.strict)
    );
  });
  const noFlags = members
    .filter((m) => m !== undefined)
    .filter((m) => {
      const want = flagsOf(m);
      return want.isGateway === undefined || want.strict === undefined;
    })
    .map((m) => m.name);
  check(
    'flags',
    wrongFlag >= 0 ? 'fail' : noFlags.length > 0 ? 'skip' : 'pass',
    wrongFlag >= 0
      ? `${names[wrongFlag]}'s is-gateway / strict flags are not as expected`
      : noFlags.length > 0
        ? `no expected is-gateway / strict flags given for ${noFlags.join(', ')}`
        : 'gateway and strict flags as expected',
  );
  const missing = expectations.members.filter((e) => !members.includes(e));
  judge(
    'membership',
    missing.length === 0 && unknown < 0,
    missing.length > 0
      ? `expected realm(s) ${missing.map((e) => e.name).join(', ')} are not in the group the RMM found`
      : unknown >= 0
        ? `blob ${unknown} is a realm the tenant does not expect`
        : 'the group is exactly the expected pipeline',
  );
  const set: RealmPolicy[] = policies.flatMap((p, i) =>
    p ? [{ policy: p, name: names[i]! }] : [],
  );
  const agreement = checkAgreement(set);
  judge(
    'agreement',
    agreement.ok,
    agreement.ok
      ? 'all blobs agree on every shared object'
      : agreement.refusals.map(formatRefusal).join('; '),
  );
  // Steps 5-6: the flow graph.
  const graph = buildFlowGraph(set, { trustAny: expectations.trustAny ?? false });
  const source = expectations.source;
  const paths = source === undefined ? [] : allPaths(graph, source, UNTRUSTED);
  const search =
    source === undefined
      ? undefined
      : findUnsanitisedPath(graph, { source, sanitisers: expectations.sanitisers });
  if (!search)
    check(
      'flow',
      'skip',
      'the tenant named no realm its sensitive input starts from, so no path to U was searched',
    );
  else
    judge(
      'flow',
      search.ok,
      search.ok
        ? `every path from ${source} to U passes ${expectations.sanitisers.join(' or ')}`
        : search.message,
    );
  const checks: GroupCheck[] = GROUP_CHECKS.flatMap((c) => {
    const r = found.get(c.id);
    return r ? [{ id: c.id, title: c.title, ...r, spec: `${SPEC_GROUP} step ${c.step}` }] : [];
  });
  const verdict = attest.verdictOfChecks(checks);
  const deciding = verdict.failed[0] ?? verdict.missing[0];
  return {
    kind: verdict.kind,
    verdict,
    reason: deciding
      ? `${deciding.title}: ${deciding.reason}`
      : "the chain of custody holds: every check ran with the tenant's inputs and passed",
    checks,
    members: names,
    blobFindings,
    graph,
    paths,
    ...(!search || search.ok ? {} : { offending: { path: search.path, message: search.message } }),
    token: report,
    ...(epoch === undefined ? {} : { epoch }),
  };
}

/**
 * The answer on `token` when the tenant has no expectations to verify it with (no reference
 * values, policies or source declared, `reason` says which): every check is skipped with that
 * reason, never passed, so the verdict is "not verified" and says why.
 */
export function unappraised(token: Uint8Array, reason: string): GroupVerdict {
  const checks: GroupCheck[] = GROUP_CHECKS.map((c) => ({
    id: c.id,
    title: c.title,
    status: 'skip',
    reason,
    spec: `${SPEC_GROUP} step ${c.step}`,
  }));
  const verdict = attest.verdictOfChecks(checks);
  return {
    kind: verdict.kind,
    verdict,
    reason,
    checks,
    members: [],
    blobFindings: [],
    paths: [],
    token: attest.verifyCcaToken(token),
  };
}

/** The first offset where `a` and `b` differ (a length difference counts), or -1. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/**
 * The configuration epoch the tenant may remember from `v` (issue 11 finding 5): the token's
 * epoch when the token is authentic and fresh (its own checks, the trust anchor and the
 * challenge passed), whatever the policy checks said: a rebuilt stage whose policy the tenant
 * rejects still makes every older token stale. Undefined otherwise, so a forged or replayed
 * token cannot move the tenant's epoch.
 */
export function authenticEpoch(v: GroupVerdict): number | undefined {
  const passed = (id: GroupCheckId) => v.checks.some((c) => c.id === id && c.status === 'pass');
  return passed('token') && passed('anchor') && passed('challenge') ? v.epoch : undefined;
}

/**
 * Remembers the newest authentic epoch of `v` for `pipeline` (the example id) in the tenant's
 * record (`state.host.groupEpochs`) and returns the epoch now remembered. Every face that
 * verifies a group token for the tenant (`mica verify last`, a pipeline Run) calls it, so the
 * next verification of that pipeline rejects older tokens.
 */
export function rememberGroupEpoch(
  state: MachineState,
  pipeline: string,
  v: GroupVerdict,
): number | undefined {
  const epoch = authenticEpoch(v);
  const host = hostState(state);
  const known = host.groupEpochs?.[pipeline];
  if (epoch !== undefined && epoch > (known ?? 0)) (host.groupEpochs ??= {})[pipeline] = epoch;
  return host.groupEpochs?.[pipeline];
}

/** The offending path in words, one edge per line. */
export function describeOffendingPath(v: GroupVerdict): string[] {
  return v.offending ? v.offending.path.map(formatEdge) : [];
}
