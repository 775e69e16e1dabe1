/**
 * The verifier of a Mica group token (mica-spec.md §4.5), as a pure function: verify the CCA
 * token (the emulator's explaining verifier), re-hash every streamed policy blob into its
 * REM0, identify each blob's realm by its Self hash label, recompute the group RIM, REM0 and
 * RPV in blob order and compare them with the token's claims, check the blobs against the
 * expected policies and flags and against each other (the agreement check), then build the
 * flow graph (realms + U) and decide whether every path from the sensitive input to U passes
 * through a designated sanitiser.
 *
 * Design rationale: the answer is a list of named checks plus the paths found, so a view can
 * show "why" step by step; on rejection by the path search the offending path is given edge by
 * edge with the policy fields that create each edge (flow.ts).
 */
import { attest, measure, type RmmHashAlgo } from '../../emulator/index.ts';
import { bytesEqual, concatBytes, toHex } from '../../lib/bytes.ts';
import { RECORD_SIZE } from '../abi.ts';
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
import { aggregateGroup, type MemberValues } from '../monitor/group.ts';

/** What the verifier knows about one expected member of the pipeline. */
export interface ExpectedMember {
  /** Display name (used as the flow-graph node). */
  readonly name: string;
  /** The hash label its policies use for it. */
  readonly hash: number;
  /** Reference RIM and RPV (64-byte slots, or the digest). */
  readonly rim: Uint8Array;
  readonly rpv: Uint8Array;
  /** The policy the tenant expects this realm to have uploaded (compared byte for byte as a record). */
  readonly policy?: Policy;
  readonly isGateway?: boolean;
  readonly strict?: boolean;
}

/** The verifier's inputs besides the token and the blobs. */
export interface GroupExpectations {
  readonly challenge?: Uint8Array;
  readonly members: readonly ExpectedMember[];
  /** The realm that receives the sensitive input and the designated sanitisers (§4.5 step 6). */
  readonly source: string;
  readonly sanitisers: readonly string[];
  readonly trustAny?: boolean;
}

/** One step of the verdict. */
export interface GroupCheck {
  readonly id:
    | 'token'
    | 'blobs'
    | 'identity'
    | 'group-rim'
    | 'group-rem0'
    | 'group-rpv'
    | 'policies'
    | 'flags'
    | 'membership'
    | 'agreement'
    | 'flow';
  readonly ok: boolean;
  readonly reason: string;
}

/** The verifier's answer. */
export interface GroupVerdict {
  readonly verdict: 'accept' | 'reject';
  /** First failing check's reason, or a summary. */
  readonly reason: string;
  readonly checks: readonly GroupCheck[];
  /** Member names in blob order (caller first); `?` for an unidentified blob. */
  readonly members: readonly string[];
  readonly graph?: FlowGraph;
  /** Every simple path from the source to U (at most 32). */
  readonly paths: readonly (readonly FlowEdge[])[];
  /** The offending path, edge by edge, when the path search rejects. */
  readonly offending?: { readonly path: readonly FlowEdge[]; readonly message: string };
  readonly token: attest.VerifierReport;
}

/** Splits a CONTINUE_GROUP stream into the token and `count` trailing blobs. */
export function splitGroupStream(
  stream: Uint8Array,
  count: number,
): { token: Uint8Array; blobs: Uint8Array[] } {
  const tokenLen = stream.length - count * RECORD_SIZE;
  const blobs = Array.from({ length: count }, (_, i) =>
    stream.slice(tokenLen + i * RECORD_SIZE, tokenLen + (i + 1) * RECORD_SIZE),
  );
  return { token: stream.slice(0, tokenLen), blobs };
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

/** §4.5: verifies a group token and its blobs against the tenant's expectations. */
export function verifyGroup(
  token: Uint8Array,
  blobs: readonly Uint8Array[],
  expectations: GroupExpectations,
): GroupVerdict {
  const checks: GroupCheck[] = [];
  const check = (id: GroupCheck['id'], ok: boolean, reason: string) =>
    checks.push({ id, ok, reason });
  const report = attest.verifyCcaToken(token, {
    ...(expectations.challenge ? { challenge: expectations.challenge } : {}),
  });
  const failed = report.checks.filter((c) => c.status === 'fail');
  check(
    'token',
    report.verdict !== 'fail',
    report.verdict === 'fail'
      ? `the CCA token does not verify: ${failed.map((c) => c.reason).join('; ')}`
      : 'platform token, RAK binding, realm signature and challenge verify',
  );
  const claims = report.realm;
  const algo: RmmHashAlgo = claims?.hashAlgo === 'sha-256' ? 'sha-256' : 'sha-512';
  const len = measure.digestLength(algo);

  // Step 2-3: decode, identify, recompute.
  const decoded = blobs.map((b) => decodeRecord(b));
  const bad = decoded.findIndex((d) => !d.ok);
  check(
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
  check(
    'identity',
    unknown < 0,
    unknown >= 0
      ? `blob ${unknown} (Self hash ${policies[unknown]?.vms[policies[unknown]!.self]?.hash?.toString(16) ?? '?'}) is not a realm the tenant expects`
      : `blobs are ${members.map((m) => m!.name).join(', ')}`,
  );
  const names = members.map((m) => m?.name ?? '?');
  if (unknown < 0 && claims && blobs.length > 0) {
    const values: MemberValues[] = members.map((m, i) => ({
      rim: slot(m!.rim),
      rem0: rem0OfBlob(algo, blobs[i]!),
      rpv: slot(m!.rpv),
    }));
    const agg = aggregateGroup(algo, values);
    const cmp = (
      id: 'group-rim' | 'group-rem0' | 'group-rpv',
      claim: Uint8Array | undefined,
      want: Uint8Array,
      n: number,
      what: string,
    ) => {
      const ok = claim !== undefined && bytesEqual(claim.subarray(0, n), want.subarray(0, n));
      check(
        id,
        ok,
        ok
          ? `${what} matches the claim`
          : `${what} recomputed from the expected members in blob order is ${toHex(want.subarray(0, 8))}..., the token says ${claim ? toHex(claim.subarray(0, 8)) : 'nothing'}...: wrong code, wrong policy, or an extra or missing realm`,
      );
    };
    cmp('group-rim', claims.rim, agg.rim, len, 'group RIM');
    cmp('group-rem0', claims.rems?.[0], agg.rem0, len, 'group REM0 (policies)');
    cmp('group-rpv', claims.rpv, agg.rpv, 64, 'group RPV');
  }
  // Step 4: expected policies, flags, membership, agreement.
  const wrongPolicy = members.findIndex((m, i) => {
    if (!m?.policy) return false;
    const want = encodeRecord(m.policy);
    return !want.ok || !bytesEqual(want.bytes, blobs[i]!);
  });
  check(
    'policies',
    wrongPolicy < 0,
    wrongPolicy >= 0
      ? `${names[wrongPolicy]}'s blob is not the policy the tenant expects`
      : 'every blob is the expected policy',
  );
  const wrongFlag = members.findIndex((m, i) => {
    const vm = policies[i]?.vms[policies[i]!.self];
    return (
      m !== undefined &&
      vm !== undefined &&
      ((m.isGateway !== undefined && m.isGateway !== vm.isGateway) ||
        (m.strict !== undefined && m.strict !== vm.strict))
    );
  });
  check(
    'flags',
    wrongFlag < 0,
    wrongFlag >= 0
      ? `${names[wrongFlag]}'s is-gateway / strict flags are not as expected`
      : 'gateway and strict flags as expected',
  );
  const missing = expectations.members.filter((e) => !members.includes(e));
  check(
    'membership',
    missing.length === 0 && unknown < 0,
    missing.length > 0
      ? `expected realm(s) ${missing.map((e) => e.name).join(', ')} are not in the group the RMM found`
      : 'the group is exactly the expected pipeline',
  );
  const set: RealmPolicy[] = policies.flatMap((p, i) =>
    p ? [{ policy: p, name: names[i]! }] : [],
  );
  const agreement = checkAgreement(set);
  check(
    'agreement',
    agreement.ok,
    agreement.ok
      ? 'all blobs agree on every shared object'
      : agreement.refusals.map(formatRefusal).join('; '),
  );
  // Steps 5-6: the flow graph.
  const graph = buildFlowGraph(set, { trustAny: expectations.trustAny ?? false });
  const paths = allPaths(graph, expectations.source, UNTRUSTED);
  const search = findUnsanitisedPath(graph, {
    source: expectations.source,
    sanitisers: expectations.sanitisers,
  });
  check(
    'flow',
    search.ok,
    search.ok
      ? `every path from ${expectations.source} to U passes ${expectations.sanitisers.join(' or ')}`
      : search.message,
  );
  const firstFail = checks.find((c) => !c.ok);
  return {
    verdict: firstFail ? 'reject' : 'accept',
    reason: firstFail ? firstFail.reason : 'accepted: the chain of custody holds',
    checks,
    members: names,
    graph,
    paths,
    ...(search.ok ? {} : { offending: { path: search.path, message: search.message } }),
    token: report,
  };
}

/** The offending path in words, one edge per line. */
export function describeOffendingPath(v: GroupVerdict): string[] {
  return v.offending ? v.offending.path.map(formatEdge) : [];
}
