/**
 * Realm translation tables (stage 2, 4 KiB granule): geometry, the configuration check
 * RttConfigIsValid, the walk, and read-only views (spec A5.5, B4.3.9 `rtt_num_level`;
 * cca-spec.md §2.3 "RTT geometry" and §3.4).
 *
 * Design rationale: RTT entries are kept as typed records in `state.rmm.rtts` (HIPAS x
 * RIPAS as the spec's abstract states) rather than as raw descriptors in the granule's
 * bytes, so the RTT diagram, the invariants and the walk read the same plain data. The RTT
 * granule itself stays zero (it is Realm PAS, so nobody else can look). Levels 0..3 with
 * 1..16 concatenated starting tables are modelled; LPA2 (level -1, 52-bit IPAs) is not
 * offered, and RttConfigIsValid rejects what needs it.
 */
import { assert } from '../../lib/assert.ts';
import { GRANULE_SHIFT, GRANULE_SIZE } from '../abi/gpt.ts';
import {
  MAX_IPA_BITS,
  MIN_IPA_BITS,
  RTT_MIN_STARTING_LEVEL,
  RTT_PAGE_LEVEL,
  S2TTES_PER_S2TT,
  S2TTE_STRIDE,
  S2TT_MAX_CONCAT_BITS,
} from '../abi/rmi.ts';
import type { MachineState, RealmRecord, RttEntry, RttRecord } from '../state.ts';
import { hex } from '../../lib/hex.ts';

/** 0x-hex key of a PA in the rmm records. */
export function paKey(pa: number): string {
  return hex(pa);
}

/** log2 of the IPA range one entry of a level-`level` RTT maps (L3 12, L2 21, L1 30, L0 39). */
export function levelShift(level: number): number {
  return GRANULE_SHIFT + S2TTE_STRIDE * (RTT_PAGE_LEVEL - level);
}

/** {@link entrySize} of levels 0..3, computed once (every walk asks for each level it visits). */
const ENTRY_SIZES: readonly number[] = [0, 1, 2, 3].map((level) => 2 ** levelShift(level));

/** Bytes of IPA one entry of a level-`level` RTT maps. */
export function entrySize(level: number): number {
  return ENTRY_SIZES[level] ?? 2 ** levelShift(level);
}

/** Bytes of IPA one whole level-`level` RTT maps. */
export function tableSpan(level: number): number {
  return entrySize(level) * S2TTES_PER_S2TT;
}

/** True when `value` is a multiple of `size` (both exact in a JS number). */
export function isAligned(value: number, size: number): boolean {
  return value % size === 0;
}

/**
 * Number of concatenated starting-level RTTs for an IPA width and starting level
 * (TF-RMM s2_num_root_rtts): 2^(ipaWidth - bits one starting table resolves), at least 1.
 */
export function numStartingRtts(ipaWidth: number, startLevel: number): number {
  const resolved = levelShift(startLevel) + S2TTE_STRIDE;
  return ipaWidth > resolved ? 2 ** (ipaWidth - resolved) : 1;
}

/**
 * RttConfigIsValid(ipa_width, rtt_level_start, rtt_num_start) without LPA2 (TF-RMM
 * validate_ipa_bits_and_sl + s2_num_root_rtts): width in [MIN_IPA_BITS, MAX_IPA_BITS],
 * starting level 0..3, the width reachable from that level with at most 16 concatenated
 * tables, and the number of starting tables exactly what that width needs. Returns a reason
 * when invalid.
 */
export function rttConfigProblem(
  ipaWidth: number,
  levelStart: number,
  numStart: number,
): string | undefined {
  if (ipaWidth < MIN_IPA_BITS || ipaWidth > MAX_IPA_BITS) {
    return `IPA width ${ipaWidth} is outside ${MIN_IPA_BITS}..${MAX_IPA_BITS}`;
  }
  if (!Number.isInteger(levelStart) || levelStart < RTT_MIN_STARTING_LEVEL) {
    return `starting level ${levelStart} needs LPA2 or is not a level`;
  }
  if (levelStart > RTT_PAGE_LEVEL) return `starting level ${levelStart} is beyond level 3`;
  const minBits = levelShift(levelStart) + 1;
  const maxBits = levelShift(levelStart) + S2TTE_STRIDE + S2TT_MAX_CONCAT_BITS;
  if (ipaWidth < minBits || ipaWidth > maxBits) {
    return `a ${ipaWidth}-bit IPA space cannot start at level ${levelStart} (needs ${minBits}..${maxBits} bits)`;
  }
  const needed = numStartingRtts(ipaWidth, levelStart);
  if (numStart !== needed) {
    return `a ${ipaWidth}-bit IPA space starting at level ${levelStart} needs ${needed} starting RTT(s), not ${numStart}`;
  }
  return undefined;
}

/** True when `ipa` is in the protected half of the realm's IPA space. */
export function isProtectedIpa(realm: Readonly<RealmRecord>, ipa: number): boolean {
  return ipa < 2 ** (realm.ipaWidth - 1);
}

/** True when `ipa` is inside the realm's IPA space at all. */
export function inIpaSpace(realm: Readonly<RealmRecord>, ipa: number): boolean {
  return ipa >= 0 && ipa < 2 ** realm.ipaWidth;
}

/** The RTT record at `pa`; an emulator bug if absent. */
export function rttAt(state: MachineState, pa: number): RttRecord {
  const rtt = state.rmm.rtts[paKey(pa)];
  // Messages are built only when an assertion fails (hot path: every walk).
  if (!rtt) assert(false, `no RTT record at ${paKey(pa)}`);
  return rtt;
}

/** Where a walk stopped. */
export interface RttWalk {
  /** Level of the RTT holding `entry`. */
  readonly level: number;
  /** PA of the RTT holding `entry`. */
  readonly rtt: number;
  /** Index of `entry` in that RTT. */
  readonly index: number;
  readonly entry: RttEntry;
  /** First IPA the entry maps. */
  readonly entryBase: number;
}

/**
 * Walks the realm's RTTs for `ipa` from the starting level towards `targetLevel`, stopping
 * at the first entry that is not TABLE or at `targetLevel` (spec RttWalk). `ipa` must be in
 * the realm's IPA space.
 */
export function walkRtt(
  state: MachineState,
  realm: Readonly<RealmRecord>,
  ipa: number,
  targetLevel: number = RTT_PAGE_LEVEL,
): RttWalk {
  if (!inIpaSpace(realm, ipa))
    assert(false, `walk of IPA ${paKey(ipa)} outside the realm's IPA space`);
  let level = realm.rttLevelStart;
  const startIndex = Math.floor(ipa / entrySize(level));
  let rttPa = realm.rttBase + Math.floor(startIndex / S2TTES_PER_S2TT) * GRANULE_SIZE;
  for (;;) {
    const rtt = rttAt(state, rttPa);
    const index = Math.floor((ipa - rtt.base) / entrySize(level));
    const entry = rtt.entries[index];
    if (!entry) assert(false, `RTT ${paKey(rttPa)} has no entry ${index}`);
    if (entry.state !== 'TABLE' || level >= targetLevel) {
      return { level, rtt: rttPa, index, entry, entryBase: rtt.base + index * entrySize(level) };
    }
    rttPa = entry.pa;
    level += 1;
  }
}

/** A fresh table of 512 copies of `entry`. */
export function uniformEntries(make: (index: number) => RttEntry): RttEntry[] {
  const out: RttEntry[] = [];
  for (let i = 0; i < S2TTES_PER_S2TT; i++) out.push(make(i));
  return out;
}

/** True when an entry makes its RTT live (spec RttIsLive: ASSIGNED or TABLE). */
export function isLiveEntry(entry: RttEntry): boolean {
  return entry.state === 'ASSIGNED' || entry.state === 'TABLE';
}

/** Number of live entries: the RTT granule's reference count. */
export function liveEntryCount(rtt: Readonly<RttRecord>): number {
  let live = 0;
  for (const entry of rtt.entries) if (isLiveEntry(entry)) live++;
  return live;
}

/** The starting-level RTT PAs of a realm. */
export function startingRtts(realm: Readonly<RealmRecord>): number[] {
  return Array.from({ length: realm.rttNumStart }, (_, i) => realm.rttBase + i * GRANULE_SIZE);
}

/**
 * RttSkipNonLiveEntries: the IPA of the first live entry at or after the walked entry in
 * the same RTT, or the end of that RTT (the `top` output of DATA_DESTROY / RTT_DESTROY /
 * UNMAP_UNPROTECTED, TF-RMM s2tt_skip_non_live_entries). `live` defaults to RttIsLive.
 */
export function skipNonLiveEntries(
  state: MachineState,
  walk: RttWalk,
  live: (entry: RttEntry) => boolean = isLiveEntry,
): number {
  const rtt = rttAt(state, walk.rtt);
  const size = entrySize(walk.level);
  for (let i = walk.index; i < rtt.entries.length; i++) {
    if (live(rtt.entries[i]!)) return rtt.base + i * size;
  }
  return rtt.base + rtt.entries.length * size;
}

/** Sets the RTT granule's reference count to its number of live entries. */
export function syncRefcount(state: MachineState, rttPa: number): void {
  const record = state.granules[rttPa / GRANULE_SIZE];
  if (record?.state !== 'RTT') assert(false, `granule ${paKey(rttPa)} is not an RTT`);
  record.refcount = liveEntryCount(rttAt(state, rttPa));
}

/** One mapping as the RTT views report it. */
export interface RttEntryView {
  readonly ipa: number;
  readonly level: number;
  /** PA of the RTT holding the entry. */
  readonly rtt: number;
  readonly entry: Readonly<RttEntry>;
}

/**
 * Leaf entries (anything but TABLE) of the realm at `rd` that overlap [base, top), in IPA
 * order, each at the level where it lives. For diagrams and lesson goals.
 */
export function rttEntries(
  state: MachineState,
  rd: number,
  base = 0,
  top = Number.MAX_SAFE_INTEGER,
): RttEntryView[] {
  const realm = state.rmm.realms[paKey(rd)];
  if (!realm) return [];
  const out: RttEntryView[] = [];
  const visit = (rttPa: number): void => {
    const rtt = rttAt(state, rttPa);
    const size = entrySize(rtt.level);
    rtt.entries.forEach((entry, i) => {
      const ipa = rtt.base + i * size;
      if (ipa >= top || ipa + size <= base) return;
      if (entry.state === 'TABLE') visit(entry.pa);
      else out.push({ ipa, level: rtt.level, rtt: rttPa, entry });
    });
  };
  for (const pa of startingRtts(realm)) visit(pa);
  return out;
}

/** Every RTT of a realm (starting tables first, then depth-first), for diagrams. */
export function realmRtts(state: MachineState, rd: number): RttRecord[] {
  return Object.values(state.rmm.rtts)
    .filter((r) => r.realm === rd)
    .sort((a, b) => a.level - b.level || a.base - b.base);
}
