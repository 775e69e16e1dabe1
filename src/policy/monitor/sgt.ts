/**
 * The shared-granule table (mica-spec.md §3.2, §3.4): every protected shared mapping as
 * (pa, gpa, rd), upserted on (pa, rd), kept sorted by (rd, gpa, pa), at most SGT_MAX_ENTRIES,
 * stored across host-donated granules. Also the map count of a shared page (§8 item 13) and
 * CLEAN when a page loses its last mapping (§3.7).
 */
import { abi, rawWrite, wipeGranule, type Ctx } from '../../emulator/index.ts';
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
  const v = new DataView(out.buffer);
  v.setUint32(0, SGT_MAGIC, true);
  v.setUint32(4, SGT_VERSION, true);
  v.setUint32(8, entries.length, true);
  entries.forEach((e, i) => {
    const at = SGT_HEADER_SIZE + i * SGT_ENTRY_SIZE;
    v.setBigUint64(at, BigInt(e.pa), true);
    v.setBigUint64(at + 8, BigInt(e.gpa), true);
    v.setBigUint64(at + 16, BigInt(e.rd), true);
  });
  return out;
}

/**
 * Writes the table into its granules (in address order), so what a learner inspects in the
 * SGT granules is the table the monitor uses; an empty table leaves them zeroed (§3.1
 * REALM_DESTROY). The RMM's own writes: no check, no log, no labels.
 */
export function storeSgt(ctx: Ctx): void {
  const monitor = mica(ctx);
  const blob = monitor.sgt.entries.length === 0 ? new Uint8Array(0) : sgtBlob(monitor.sgt.entries);
  monitor.sgt.granules.forEach((g, i) => {
    const chunk = blob.subarray(i * abi.GRANULE_SIZE, (i + 1) * abi.GRANULE_SIZE);
    if (chunk.length === 0) wipeGranule(ctx.state, g);
    else {
      const page = new Uint8Array(abi.GRANULE_SIZE);
      page.set(chunk);
      rawWrite(ctx.state, g, page);
    }
  });
}

/** The bytes the SGT granules of `state` should hold (for the storage check). */
export function expectedSgtBytes(monitor: MicaState): Uint8Array {
  return monitor.sgt.entries.length === 0 ? new Uint8Array(0) : sgtBlob(monitor.sgt.entries);
}

function order(a: SgtEntry, b: SgtEntry): number {
  return a.rd - b.rd || a.gpa - b.gpa || a.pa - b.pa;
}

/** Upserts (pa, gpa, rd) on key (pa, rd); false when the table is full. */
export function sgtUpsert(monitor: MicaState, entry: SgtEntry): boolean {
  const last = monitor.lastUpsert;
  monitor.lastUpsert = entry;
  if (monitor.concurrent && gapOn(monitor, 'gap-sgt-race') && last && last.rd !== entry.rd) {
    // Both writers read the blob before the other wrote it back: the other's entry is lost.
    monitor.sgt.entries = monitor.sgt.entries.filter(
      (e) => !(e.pa === last.pa && e.rd === last.rd),
    );
  }
  const at = monitor.sgt.entries.findIndex((e) => e.pa === entry.pa && e.rd === entry.rd);
  if (at >= 0) {
    monitor.sgt.entries[at] = entry;
  } else {
    if (monitor.sgt.entries.length >= sgtCapacity(monitor)) return false;
    monitor.sgt.entries.push(entry);
  }
  monitor.sgt.entries.sort(order);
  return true;
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

/**
 * After a page lost mappings: CLEAN wipes it when none is left (Mica; the prototype keeps
 * the stale bytes, which the tag `mica:stale` admits for the invariants).
 */
export function afterUnmap(ctx: Ctx, pa: number): void {
  const monitor = mica(ctx);
  if (mapCount(monitor, pa) > 0) return;
  const g = ctx.state.granules[Math.floor(pa / abi.GRANULE_SIZE)];
  if (!g || g.state !== 'DELEGATED' || g.ext !== 'mica:shared') return;
  delete monitor.fresh[hex(pa)];
  if (gapOn(monitor, 'gap-no-clean')) {
    g.ext = 'mica:stale';
    decide(
      ctx,
      'clean',
      MONITOR,
      { kind: 'memory', name: 'shared page', address: pa },
      {
        verdict: 'allowed',
        rule: 'gap-no-clean',
        reason: `page ${hex(pa)} lost its last mapping and keeps its contents (prototype: no CLEAN)`,
      },
    );
    return;
  }
  wipeGranule(ctx.state, pa);
  delete g.ext;
  decide(
    ctx,
    'clean',
    MONITOR,
    { kind: 'memory', name: 'shared page', address: pa },
    {
      verdict: 'blocked',
      rule: 'CLEAN',
      reason: `page ${hex(pa)} lost its last mapping: the monitor zeroed it before anyone can reuse it (§3.7)`,
    },
  );
}

/** Removes every trace of realm `rd` (REALM_DESTROY, §3.1): SGT, mappings, registry, ranges. */
export function purgeRealm(ctx: Ctx, rd: number): void {
  const monitor = mica(ctx);
  const r = monitor.realms[hex(rd)];
  const pages = r ? [...new Set(Object.values(r.mappings).map((mapping) => mapping.pa))] : [];
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
  for (const pa of pages) afterUnmap(ctx, pa);
  // An empty SGT leaves its granules zeroed (§3.1 REALM_DESTROY); they stay registered.
  storeSgt(ctx);
}
