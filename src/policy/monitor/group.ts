/**
 * Group attestation (mica-spec.md §4.3): group discovery through the SGT (the connected
 * component of the realm—page graph, caller first, BFS over the (rd, gpa, pa)-sorted
 * entries, at most GROUP_MAX realms), rolling aggregation of RIM, REM0 and RPV, a standard
 * CCA token built with the aggregated values, then streaming of the token followed by each
 * member's 2184-byte policy blob (RSI_ATTEST_TOKEN_INIT_GROUP / CONTINUE_GROUP).
 *
 * The token's REM3 slot carries the group's configuration epoch (issue 11 finding 5): the
 * newest upload order among the members, so a token names the configuration instance it
 * attests and a verifier can tell it from a rebuilt one.
 *
 * Design rationale: discovery uses SGT connectivity, not the policies (§8 item 14), so a
 * realm the host wired in behind the policies' back shows up in the token (attack 6 caught by
 * the verifier). The aggregation is exposed as a pure function the verifier re-runs.
 */
import {
  ATTESTATION_CODE,
  abi,
  measure,
  type Ctx,
  type RealmRecord,
  type RecRecord,
  type RmmHashAlgo,
  type RsiResult,
} from '../../emulator/index.ts';
import { concatBytes, fromHex, toHex } from '../../lib/bytes.ts';
import {
  GROUP_BLOB_SIZE,
  GROUP_EPOCH_REM,
  GROUP_EPOCH_SIZE,
  GROUP_EPOCH_TAG,
  GROUP_MAX,
  RECORD_SIZE,
} from '../abi.ts';
import { HOST_END, decide, privatePa, realmEnd } from './common.ts';
import { mica, policyOf, type MicaState } from './state.ts';
import { guestStore } from '../../emulator/index.ts';
import { hex } from '../../lib/hex.ts';

/** §4.3 step 1: the realms connected to `rd` through shared pages, caller first. */
export function discoverGroup(monitor: MicaState, rd: number): number[] {
  const entries = [...monitor.sgt.entries].sort(
    (a, b) => a.rd - b.rd || a.gpa - b.gpa || a.pa - b.pa,
  );
  const group = [rd];
  for (let i = 0; i < group.length && group.length < GROUP_MAX; i++) {
    const pages = new Set(entries.filter((e) => e.rd === group[i]).map((e) => e.pa));
    for (const e of entries) {
      if (group.length >= GROUP_MAX) break;
      if (pages.has(e.pa) && !group.includes(e.rd)) group.push(e.rd);
    }
  }
  return group;
}

/** One member's measurement slots (64 bytes each). */
export interface MemberValues {
  readonly rim: Uint8Array;
  readonly rem0: Uint8Array;
  readonly rpv: Uint8Array;
}

/** §4.3 step 2: rolling extension, caller first. Returns 64-byte slots (zero-padded). */
export function aggregateGroup(algo: RmmHashAlgo, members: readonly MemberValues[]): MemberValues {
  const len = measure.digestLength(algo);
  const pad = (b: Uint8Array) => {
    const out = new Uint8Array(64);
    out.set(b.subarray(0, 64));
    return out;
  };
  let [rim, rem0, rpv] = [members[0]!.rim, members[0]!.rem0, members[0]!.rpv].map(pad) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  const step = (acc: Uint8Array, peer: Uint8Array) =>
    pad(measure.rhash(algo, concatBytes(acc.subarray(0, len), pad(peer))));
  for (const peer of members.slice(1)) {
    rim = step(rim, peer.rim);
    rem0 = step(rem0, peer.rem0);
    rpv = step(rpv, peer.rpv);
  }
  return { rim, rem0, rpv };
}

/** The 2184-byte blob of a member (zeros for an empty PD). */
export function memberBlob(monitor: MicaState, rd: number): Uint8Array {
  const r = monitor.realms[hex(rd)];
  return r && r.record !== '' ? fromHex(r.record)! : new Uint8Array(RECORD_SIZE);
}

/**
 * The group's configuration epoch (issue 11 finding 5): the newest upload order among the
 * members. Upload orders only grow (MicaState.uploads), and a stage torn down and rebuilt
 * must upload again, so a rebuilt group always has a larger epoch than any token taken
 * before: the verifier compares it with the newest epoch the tenant has seen.
 */
export function groupEpoch(monitor: MicaState, members: readonly number[]): number {
  return Math.max(0, ...members.map((rd) => monitor.realms[hex(rd)]?.order ?? 0));
}

/** The 64-byte measurement slot that carries `epoch` in a group token (REM3). */
export function epochSlot(epoch: number): Uint8Array {
  const slot = new Uint8Array(abi.MEASUREMENT_SIZE);
  slot.set(new TextEncoder().encode(GROUP_EPOCH_TAG));
  let v = BigInt(epoch);
  for (let i = 0; i < GROUP_EPOCH_SIZE; i++, v >>= 8n) {
    slot[GROUP_EPOCH_TAG.length + i] = Number(v & 0xffn);
  }
  return slot;
}

/** The epoch a group token's REM3 slot carries, or undefined when it holds none. */
export function epochOfSlot(slot: Uint8Array | undefined): number | undefined {
  const tag = new TextEncoder().encode(GROUP_EPOCH_TAG);
  if (!slot || slot.length < tag.length + GROUP_EPOCH_SIZE) return undefined;
  if (tag.some((b, i) => slot[i] !== b)) return undefined;
  let v = 0n;
  for (let i = GROUP_EPOCH_SIZE - 1; i >= 0; i--) v = (v << 8n) | BigInt(slot[tag.length + i]!);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

function values(realm: RealmRecord): MemberValues {
  return { rim: fromHex(realm.rim)!, rem0: fromHex(realm.rems[0]!)!, rpv: fromHex(realm.rpv)! };
}

/**
 * Splits a CONTINUE_GROUP stream (the token, then one blob per member, as INIT_GROUP builds it)
 * into the token and `count` trailing blobs.
 */
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

/** RSI_ATTEST_TOKEN_INIT_GROUP: x1..x8 = challenge. */
export function initGroup(ctx: Ctx, realm: RealmRecord, rec: RecRecord): RsiResult {
  const monitor = mica(ctx);
  const challenge = new Uint8Array(64);
  for (let i = 0; i < 8; i++) {
    const v = BigInt(rec.gprs[1 + i] ?? '0');
    for (let b = 0; b < 8; b++) challenge[i * 8 + b] = Number((v >> BigInt(8 * b)) & 0xffn);
  }
  const members = discoverGroup(monitor, realm.rd).filter((rd) => ctx.state.rmm.realms[hex(rd)]);
  const agg = aggregateGroup(
    realm.hashAlgo,
    members.map((rd) => values(ctx.state.rmm.realms[hex(rd)]!)),
  );
  const token = ATTESTATION_CODE.get().buildCcaToken({
    challenge,
    rpv: agg.rpv,
    rim: agg.rim,
    // REM1-REM2 are the caller's; REM3 carries the configuration epoch (GROUP_EPOCH_REM).
    rems: [
      agg.rem0,
      ...realm.rems.slice(1, GROUP_EPOCH_REM).map((h) => fromHex(h)!),
      epochSlot(groupEpoch(monitor, members)),
    ],
    hashAlgo: realm.hashAlgo,
  });
  const blobs = members.map((rd) => memberBlob(monitor, rd));
  const stream = concatBytes(token, ...blobs);
  monitor.attest[hex(rec.rec)] = { stream: toHex(stream), sent: 0, members };
  // §8 item 14: also name realms the members' policies list that the SGT did not connect.
  const memberHashes = new Set(
    members.map((rd) => monitor.registry.find((e) => e.rd === rd)?.hash),
  );
  const named = new Set<string>();
  for (const rd of members) {
    const r = monitor.realms[hex(rd)];
    const p = r ? policyOf(r) : undefined;
    for (const mem of p?.mems ?? []) {
      for (const mapping of mem.mappings) {
        const vm = mapping.vm === 'ANY' ? undefined : p!.vms[mapping.vm];
        if (vm && !memberHashes.has(vm.hash)) named.add(`${vm.name} (${hex(vm.hash)})`);
      }
    }
  }
  decide(ctx, 'group-token', realmEnd(ctx, realm.rd), HOST_END, {
    verdict: 'allowed',
    rule: 'group:discovery',
    reason:
      `group of ${members.length} realm(s) found through the SGT: ${members.map((rd) => monitor.realms[hex(rd)]?.name ?? hex(rd)).join(', ')}` +
      (named.size > 0
        ? `; named in their policies but not in the group: ${[...named].join(', ')}`
        : ''),
  });
  return {
    kind: 'return',
    x: [
      BigInt(abi.RSI_SUCCESS),
      BigInt(token.length + members.length * GROUP_BLOB_SIZE),
      BigInt(members.length),
      BigInt(GROUP_BLOB_SIZE),
    ],
  };
}

/** RSI_ATTEST_TOKEN_CONTINUE_GROUP: x1 = buffer IPA, x2 = offset, x3 = size. */
export function continueGroup(ctx: Ctx, realm: RealmRecord, rec: RecRecord): RsiResult {
  const monitor = mica(ctx);
  const st = monitor.attest[hex(rec.rec)];
  const err = (code: number) => ({ kind: 'return' as const, x: [BigInt(code), 0n] });
  if (!st) return err(abi.RSI_ERROR_STATE);
  const ipa = Number(BigInt(rec.gprs[1] ?? '0'));
  const offset = Number(BigInt(rec.gprs[2] ?? '0'));
  const size = Number(BigInt(rec.gprs[3] ?? '0'));
  if (offset >= abi.GRANULE_SIZE || offset + size > abi.GRANULE_SIZE)
    return err(abi.RSI_ERROR_INPUT);
  const pa = privatePa(ctx, realm, ipa);
  if (typeof pa === 'string') return err(abi.RSI_ERROR_INPUT);
  // Only the part this call sends is decoded (the stream is hex in the state).
  const n = Math.min(size, st.stream.length / 2 - st.sent);
  if (n <= 0) {
    delete monitor.attest[hex(rec.rec)];
    return { kind: 'return', x: [BigInt(abi.RSI_SUCCESS), 0n] };
  }
  guestStore(ctx, realm, ipa + offset, fromHex(st.stream.slice(2 * st.sent, 2 * (st.sent + n)))!);
  st.sent += n;
  return { kind: 'return', x: [BigInt(abi.RSI_INCOMPLETE), BigInt(n)] };
}
