/**
 * The shared-granule table (mica-spec.md §3.2, §3.4): every protected shared mapping as
 * (pa, gpa, rd), upserted on (pa, rd), kept sorted by (rd, gpa, pa), at most SGT_MAX_ENTRIES,
 * stored across host-donated granules. Also the map count of a shared page (§8 item 13), and
 * CLEAN and the release of its FRESH claim when a page loses the last mapping that reaches it
 * (§3.7, §3.8).
 */
import { abi, rawRead, rawWrite, wipeGranule, type Ctx } from '../../emulator/index.ts';
import {
  SGT_ENTRY_SIZE,
  SGT_HEADER_SIZE,
  SGT_MAGIC,
  SGT_MAX_ENTRIES,
  SGT_VERSION,
} from '../abi.ts';
import { MONITOR, decide } from './common.ts';
import { gapOn, mica, type MicaState, type SgtEntry } from './state.ts';
import { hex } from '../../lib/hex.ts';
import { readLe, writeLe } from '../../lib/bytes.ts';

/** Entries the donated granules can hold (16-byte header, 24 bytes per entry). */
export function sgtCapacity(monitor: MicaState): number {
  const bytes = monitor.sgt.granules.length * abi.GRANULE_SIZE;
  return Math.max(
    0,
    Math.min(SGT_MAX_ENTRIES, Math.floor((bytes - SGT_HEADER_SIZE) / SGT_ENTRY_SIZE)),
  );
}

/**
 * The SGT as the RMM stores it across its donated granules (§3.2): a 16-byte header (u32
 * magic "SGTB", u32 version, u32 count, u32 reserved) then 24 bytes per entry (u64 pa, u64
 * gpa, u64 rd), little-endian, in table order.
 */
export function sgtBlob(entries: readonly SgtEntry[]): Uint8Array {
  const out = new Uint8Array(SGT_HEADER_SIZE + entries.length * SGT_ENTRY_SIZE);
  out.set(sgtHeader(entries.length));
  const v = new DataView(out.buffer);
  for (let i = 0; i < entries.length; i++)
    putEntry(v, SGT_HEADER_SIZE + i * SGT_ENTRY_SIZE, entries[i]!);
  return out;
}

/** The table's 16-byte header for `count` entries (u32 magic, version, count, reserved). */
function sgtHeader(count: number): Uint8Array {
  const out = new Uint8Array(SGT_HEADER_SIZE);
  writeLe(out, 0, 4, SGT_MAGIC);
  writeLe(out, 4, 4, SGT_VERSION);
  writeLe(out, 8, 4, count);
  return out;
}

/** Entry bytes of a small store (a few entries: what a prefault changes). */
const sgtScratch = new Uint8Array(8 * SGT_ENTRY_SIZE);

/** One 24-byte entry (u64 pa, gpa, rd) at byte `at` of `bytes` (every byte written). */
function putEntryBytes(bytes: Uint8Array, at: number, e: SgtEntry): void {
  writeLe(bytes, at, 8, e.pa);
  writeLe(bytes, at + 8, 8, e.gpa);
  writeLe(bytes, at + 16, 8, e.rd);
}

/** One 24-byte entry (u64 pa, gpa, rd) at byte `at` of `v`. */
function putEntry(v: DataView, at: number, e: SgtEntry): void {
  v.setBigUint64(at, BigInt(e.pa), true);
  v.setBigUint64(at + 8, BigInt(e.gpa), true);
  v.setBigUint64(at + 16, BigInt(e.rd), true);
}

/**
 * Writes the table into its granules (in address order), so what a learner inspects in the
 * SGT granules is the table the monitor uses; an empty table leaves them zeroed (§3.1
 * REALM_DESTROY). The RMM's own writes: no check, no log, no labels.
 *
 * `from` (default 0, the whole table) is the first entry that changed since the last store
 * (what {@link sgtUpsert} returns): when the table did not shrink, only the header and the
 * bytes from that entry on are written, so a prefault that appends one entry rewrites one or
 * two granules instead of all of them. The granules end up holding the same bytes either way.
 */
export function storeSgt(ctx: Ctx, from = 0): void {
  const monitor = mica(ctx);
  const entries = monitor.sgt.entries;
  const granules = monitor.sgt.granules;
  if (from > 0 && granules.length > 0 && from <= entries.length) {
    const count = Number(readLe(rawRead(ctx.state, granules[0]!, SGT_HEADER_SIZE), 8, 4));
    if (count <= entries.length) {
      writeSgtBytes(ctx, granules, 0, sgtHeader(entries.length));
      const n = (entries.length - from) * SGT_ENTRY_SIZE;
      // A prefault appends one entry or so: the bytes go through a reused buffer.
      const part = n <= sgtScratch.length ? sgtScratch.subarray(0, n) : new Uint8Array(n);
      for (let i = from; i < entries.length; i++)
        putEntryBytes(part, (i - from) * SGT_ENTRY_SIZE, entries[i]!);
      writeSgtBytes(ctx, granules, SGT_HEADER_SIZE + from * SGT_ENTRY_SIZE, part);
      return;
    }
  }
  const blob = entries.length === 0 ? new Uint8Array(0) : sgtBlob(entries);
  granules.forEach((g, i) => {
    const chunk = blob.subarray(i * abi.GRANULE_SIZE, (i + 1) * abi.GRANULE_SIZE);
    if (chunk.length === 0) wipeGranule(ctx.state, g);
    else {
      const page = new Uint8Array(abi.GRANULE_SIZE);
      page.set(chunk);
      rawWrite(ctx.state, g, page);
    }
  });
}

/** Writes `bytes` at byte `offset` of the table as laid across `granules` (granule i holds bytes [i·4 KiB, (i+1)·4 KiB)). */
function writeSgtBytes(
  ctx: Ctx,
  granules: readonly number[],
  offset: number,
  bytes: Uint8Array,
): void {
  let done = 0;
  while (done < bytes.length) {
    const at = offset + done;
    const i = Math.floor(at / abi.GRANULE_SIZE);
    const within = at % abi.GRANULE_SIZE;
    const n = Math.min(bytes.length - done, abi.GRANULE_SIZE - within);
    rawWrite(ctx.state, granules[i]! + within, bytes.subarray(done, done + n));
    done += n;
  }
}

/** The bytes the SGT granules of `state` should hold (for the storage check). */
export function expectedSgtBytes(monitor: MicaState): Uint8Array {
  return monitor.sgt.entries.length === 0 ? new Uint8Array(0) : sgtBlob(monitor.sgt.entries);
}

function order(a: SgtEntry, b: SgtEntry): number {
  return a.rd - b.rd || a.gpa - b.gpa || a.pa - b.pa;
}

/**
 * Upserts (pa, gpa, rd) on key (pa, rd), keeping (rd, gpa, pa) order; false when the table is
 * full, else the index of the first entry that changed (for {@link storeSgt}).
 */
export function sgtUpsert(monitor: MicaState, entry: SgtEntry): number | false {
  const last = monitor.lastUpsert;
  monitor.lastUpsert = entry;
  let entries = monitor.sgt.entries;
  let first = entries.length;
  if (monitor.concurrent && gapOn(monitor, 'gap-sgt-race') && last && last.rd !== entry.rd) {
    // Both writers read the blob before the other wrote it back: the other's entry is lost.
    const lost = entries.findIndex((e) => e.pa === last.pa && e.rd === last.rd);
    if (lost >= 0) {
      entries = monitor.sgt.entries = entries.filter((_, i) => i !== lost);
      first = lost;
    }
  }
  // The realm's entries are one run of the sorted table: look for the key only there.
  let at = -1;
  for (
    let i = lowerBound(entries, { rd: entry.rd, gpa: -Infinity, pa: -Infinity });
    i < entries.length;
    i++
  ) {
    const e = entries[i]!;
    if (e.rd !== entry.rd) break;
    if (e.pa === entry.pa) {
      at = i;
      break;
    }
  }
  if (at >= 0) {
    entries.splice(at, 1);
    first = Math.min(first, at);
  } else if (entries.length >= sgtCapacity(monitor)) return false;
  const to = lowerBound(entries, entry);
  entries.splice(to, 0, entry);
  return Math.min(first, to);
}

/** First index of the sorted `entries` not ordered before `key`. */
function lowerBound(entries: readonly SgtEntry[], key: SgtEntry): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order(entries[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** SGT entries of realm `rd`. */
export function sgtOf(monitor: MicaState, rd: number): SgtEntry[] {
  return monitor.sgt.entries.filter((e) => e.rd === rd);
}

/** Number of realm mappings of page `pa` (the shared page's map count). */
export function mapCount(monitor: MicaState, pa: number): number {
  let n = 0;
  for (const r of Object.values(monitor.realms)) {
    for (const mapping of Object.values(r.mappings)) if (mapping.pa === pa) n++;
  }
  return n;
}

/** Tags the DELEGATED granule at `pa` as a mapped shared page. */
export function tagShared(ctx: Ctx, pa: number): void {
  const g = ctx.state.granules[Math.floor(pa / abi.GRANULE_SIZE)];
  if (g && g.state === 'DELEGATED') g.ext = 'mica:shared';
}

/** Number of realm mappings of page `pa` whose stage 2 leaf reaches it (ACTIVE, §3.4 step 4). */
export function activeMapCount(monitor: MicaState, pa: number): number {
  let n = 0;
  for (const r of Object.values(monitor.realms)) {
    for (const mapping of Object.values(r.mappings))
      if (mapping.pa === pa && mapping.state === 'ACTIVE') n++;
  }
  return n;
}

/**
 * After a page lost a mapping (`active`: an ACTIVE one). When the page's region has lost its
 * last mapping (no realm's stage 2 leaf reaches the page: a DUMMY mapping shows its realm the
 * dummy page, §3.4 step 3, and maps no region), its FRESH claim goes (§3.8 "release on unmap")
 * and CLEAN wipes it (§3.7 "when a shared region loses its last mapping"; the prototype keeps
 * the stale bytes). The page leaves the shared state (untagged, or `mica:stale` in the
 * prototype, which the invariants admit) only once no mapping at all is left: a realm that
 * prefaulted it and never activated it still lists it in the SGT.
 */
export function afterUnmap(ctx: Ctx, pa: number, active: boolean): void {
  const monitor = mica(ctx);
  const left = mapCount(monitor, pa);
  if (left > 0 && (!active || activeMapCount(monitor, pa) > 0)) return;
  const g = ctx.state.granules[Math.floor(pa / abi.GRANULE_SIZE)];
  if (!g || g.state !== 'DELEGATED' || g.ext !== 'mica:shared') return;
  const claim = monitor.fresh[hex(pa)];
  delete monitor.fresh[hex(pa)];
  const released = claim === undefined ? '' : `; its FRESH claim for ${claim} goes (§3.8)`;
  const lost =
    left === 0
      ? 'lost its last mapping'
      : `lost its region's last mapping (${left} dummy mapping(s) of realms that never activated it keep it shared)`;
  if (gapOn(monitor, 'gap-no-clean')) {
    if (left === 0) g.ext = 'mica:stale';
    decide(
      ctx,
      'clean',
      MONITOR,
      { kind: 'memory', name: 'shared page', address: pa },
      {
        verdict: 'allowed',
        rule: 'gap-no-clean',
        reason: `page ${hex(pa)} ${lost} and keeps its contents (prototype: no CLEAN)${released}`,
      },
    );
    return;
  }
  wipeGranule(ctx.state, pa);
  if (left === 0) delete g.ext;
  decide(
    ctx,
    'clean',
    MONITOR,
    { kind: 'memory', name: 'shared page', address: pa },
    {
      verdict: 'blocked',
      rule: 'CLEAN',
      reason: `page ${hex(pa)} ${lost}: the monitor zeroed it before anyone can reuse it (§3.7)${released}`,
    },
  );
}

/** Removes every trace of realm `rd` (REALM_DESTROY, §3.1): SGT, mappings, registry, ranges. */
export function purgeRealm(ctx: Ctx, rd: number): void {
  const monitor = mica(ctx);
  ctx.translations?.flush();
  const r = monitor.realms[hex(rd)];
  // Each page the realm mapped, and whether one of its mappings of it was ACTIVE.
  const pages = new Map<number, boolean>();
  for (const mapping of Object.values(r?.mappings ?? {}))
    pages.set(mapping.pa, pages.get(mapping.pa) === true || mapping.state === 'ACTIVE');
  monitor.sgt.entries = monitor.sgt.entries.filter((e) => e.rd !== rd);
  monitor.registry = monitor.registry.filter((e) => e.rd !== rd);
  monitor.ranges = monitor.ranges.filter((e) => e.rd !== rd);
  if (r) {
    for (const pa of [r.pd, r.dummy]) {
      const g = pa ? ctx.state.granules[Math.floor(pa / abi.GRANULE_SIZE)] : undefined;
      if (g?.ext) {
        wipeGranule(ctx.state, pa);
        delete g.ext;
      }
    }
  }
  delete monitor.realms[hex(rd)];
  for (const [pa, active] of pages) afterUnmap(ctx, pa, active);
  // An empty SGT leaves its granules zeroed (§3.1 REALM_DESTROY); they stay registered.
  storeSgt(ctx);
}
