/**
 * Physical memory: sparse 4 KiB granules, every access checked by the granule protection
 * check for its initiator, and logged. A refused access is a GPF event and returns a fault
 * value; no byte is read or written (cca-spec.md §1.2 "Typical outcomes").
 */
import { GRANULE_SIZE, type Gpi, type Pas, type SecurityState } from '../abi/gpt.ts';
import type { MemoryRegion } from '../abi/platform.ts';
import type { Ctx } from '../context.ts';
import { UNNUMBERED, type Actor, type Decision } from '../ledger.ts';
import type { MachineState } from '../state.ts';
import { gpcAllows, gpiOf, gptWriteCount } from './gpt.ts';
import { clearGranuleLabels, clearLabels, setLabel } from './labels.ts';
import { granuleBase, granuleIndex, regionOf } from './memory-map.ts';
import { follows, newPage } from './pages.ts';
import { allZero } from '../../lib/bytes.ts';
import { hex } from '../../lib/hex.ts';

/** The granule size, read once (every access below walks granules). */
const G = GRANULE_SIZE;

/** Who is accessing and through which PAS. */
export interface Initiator {
  readonly actor: Actor;
  readonly world: SecurityState;
  readonly pas: Pas;
}

/** A fault that stopped an access. */
export interface AccessFault {
  readonly kind: 'gpf' | 'no-memory';
  /** First faulting PA. */
  readonly pa: number;
  readonly reason: string;
}

/** Result of a read. */
export type ReadResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly fault: AccessFault };

/** Result of a write. */
export type WriteResult =
  { readonly ok: true } | { readonly ok: false; readonly fault: AccessFault };

/** Initiators used throughout the machine. */
export const HOST: Initiator = { actor: 'host', world: 'NS', pas: 'NS' };
export const RMM_VIA_NS: Initiator = { actor: 'rmm', world: 'REALM', pas: 'NS' };
export const RMM_VIA_REALM: Initiator = { actor: 'rmm', world: 'REALM', pas: 'REALM' };

/** Checks every granule in [pa, pa+len) for `who`; returns the first fault or undefined. */
export function checkAccess(
  state: MachineState,
  who: Initiator,
  pa: number,
  len: number,
): AccessFault | undefined {
  const first = Math.floor(pa / G);
  const last = Math.floor((pa + Math.max(len, 1) - 1) / G);
  const multi = last > first;
  const cached = admitted;
  if (
    multi &&
    cached.gpt === state.gpt &&
    cached.writes === gptWriteCount() &&
    cached.world === who.world &&
    cached.pas === who.pas &&
    first >= cached.first &&
    last <= cached.last
  )
    return undefined;
  // The region of the granule checked last: a long access looks the map up once per region.
  let region: MemoryRegion | undefined;
  for (let g = first; g <= last; g++) {
    const at = Math.max(pa, g * G);
    if (!region || at < region.base || at >= region.base + region.size) {
      region = regionOf(state.config.memoryMap, at);
      if (!region) {
        return { kind: 'no-memory', pa: at, reason: `no memory or device at ${hex(at)}` };
      }
    }
    // gpiOf (hw/gpt.ts): the granule's GPT entry, else its region's boot GPI.
    const gpi = state.gpt[g] ?? region.gpi;
    if (!gpcAllows(who.world, who.pas, gpi)) {
      return {
        kind: 'gpf',
        pa: at,
        reason: `granule ${hex(granuleBase(g))} has GPI ${gpi}, which ${GPI_ADMITS[gpi]}; this was a ${who.actor} access through the ${who.pas} PAS`,
      };
    }
  }
  if (multi) {
    cached.gpt = state.gpt;
    cached.writes = gptWriteCount();
    cached.world = who.world;
    cached.pas = who.pas;
    cached.first = first;
    cached.last = last;
  }
  return undefined;
}

/**
 * The last range of more than one granule the check admitted, as a GPC cache keeps it (Arm
 * ARM D9.4): a device's bulk write into the same buffer is checked once, not once per granule
 * per packet. Valid for the same GPT object (a restored state has another) while no GPT write
 * happened since (hw/gpt.ts `gptWriteCount`), for the same world and PAS.
 */
const admitted: {
  gpt: object | undefined;
  writes: number;
  world: string;
  pas: string;
  first: number;
  last: number;
} = { gpt: undefined, writes: -1, world: '', pas: '', first: 0, last: -1 };

/** What each GPI lets through, in words (cca-spec.md §1.2). */
const GPI_ADMITS: Readonly<Record<Gpi, string>> = {
  NS: 'admits only Non-secure PAS accesses',
  REALM: 'admits only Realm PAS accesses',
  SECURE: 'admits only Secure PAS accesses',
  ROOT: 'admits only Root PAS accesses (EL3)',
  ANY: 'admits every PAS',
  NO_ACCESS: 'admits no access at all',
};

/** The decision of every access the check lets through (one shared, never-changed object). */
const GPC_ALLOWED: Decision = {
  verdict: 'allowed',
  rule: 'gpc',
  reason: 'the GPI of every granule admits this PAS',
};

function logAccess(
  ctx: Ctx,
  who: Initiator,
  op: 'read' | 'write',
  pa: number,
  len: number,
  fault: AccessFault | undefined,
): void {
  ctx.emit({
    kind: 'mem:access',
    actor: who.actor,
    world: who.world,
    pas: who.pas,
    op,
    pa,
    len,
    decision: fault
      ? { verdict: 'blocked', rule: fault.kind === 'gpf' ? 'gpc' : 'bus', reason: fault.reason }
      : GPC_ALLOWED,
    parent: undefined,
    seq: UNNUMBERED,
  });
  if (fault?.kind === 'gpf') {
    ctx.emit({
      kind: 'gpf',
      actor: who.actor,
      world: who.world,
      pas: who.pas,
      op,
      pa: fault.pa,
      gpi: gpiOf(ctx.state, fault.pa),
    });
  }
}

/** Reads bytes without any check or log: for the RMM's own metadata and for invariants. */
export function rawRead(state: MachineState, pa: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let done = 0;
  while (done < len) {
    const at = pa + done;
    const g = Math.floor(at / G);
    const offset = at - g * G;
    const n = Math.min(len - done, G - offset);
    const page = state.memory[g];
    if (page) out.set(page.subarray(offset, offset + n), done);
    done += n;
  }
  return out;
}

/**
 * `len` bytes at address `at` of some address space, read page by page through `translate`
 * (the PA of an address, or undefined when it is not mapped): a guest's view of its memory
 * without the guest, for the tenant's checks and the views. No ledger event, no granule
 * protection check: callers decide what a translation may reach. Undefined if any page of the
 * range is unmapped.
 */
export function readTranslated(
  state: MachineState,
  at: number,
  len: number,
  translate: (address: number) => number | undefined,
): Uint8Array | undefined {
  const out = new Uint8Array(len);
  let done = 0;
  while (done < len) {
    const pa = translate(at + done);
    if (pa === undefined) return undefined;
    const n = Math.min(len - done, GRANULE_SIZE - (pa % GRANULE_SIZE));
    out.set(rawRead(state, pa, n), done);
    done += n;
  }
  return out;
}

/**
 * Writes bytes without any check or log. Zero pages are dropped to keep state sparse. The
 * overwritten bytes lose their provenance labels (a writer that moves labelled data adds
 * them back, hw/labels.ts), or, for the device of a declared source only
 * (provenance.ts `receiveAtSource`), carry exactly `label` from now on.
 */
export function rawWrite(state: MachineState, pa: number, bytes: Uint8Array, label?: string): void {
  if (label === undefined) clearLabels(state, pa, bytes.length);
  else setLabel(state, pa, bytes.length, label);
  const runs = lastRuns;
  if (
    runs.memory === state.memory &&
    runs.pa === pa &&
    runs.length === bytes.length &&
    runs.wipes === wipes
  ) {
    // The same whole pages as the last write (a device's next packet into its buffer).
    for (let k = 0, done = 0; k < runs.views.length; k++) {
      const view = runs.views[k]!;
      view.set(bytes.subarray(done, done + view.length));
      done += view.length;
    }
    return;
  }
  // The runs of a write of more than one whole page, while every page is there (an absent page
  // left absent because its bytes are zero ends them).
  let views: Uint8Array[] | undefined =
    pa % G === 0 && bytes.length % G === 0 && bytes.length > G ? [] : undefined;
  let done = 0;
  while (done < bytes.length) {
    const at = pa + done;
    const g = Math.floor(at / G);
    const offset = at - g * G;
    const n = Math.min(bytes.length - done, G - offset);
    let page = state.memory[g];
    if (!page) {
      if (allZero(bytes, done, done + n)) {
        views = undefined;
        done += n;
        continue;
      }
      page = state.memory[g] = newPage(Math.ceil((offset + bytes.length - done) / G));
    }
    if (n === G) {
      // Whole pages that are adjacent views of one slab (hw/pages.ts) take one copy for the
      // run: a device's bulk write moves 64 pages with a few copies and no view per page.
      const run = adjacentPages(state, g, page, (bytes.length - done) / G);
      const view = run > 1 ? new Uint8Array(page.buffer, page.byteOffset, run * G) : page;
      view.set(bytes.subarray(done, done + view.length));
      if (views) keepRun(views, view);
      done += view.length;
      continue;
    }
    // A struct within one page (an RmiRecRun half at every REC entry) needs no view of it.
    if (n === bytes.length) page.set(bytes, offset);
    else page.set(bytes.subarray(done, done + n), offset);
    done += n;
  }
  // Whole pages, all present: the next write of this range reuses the runs (a page stays its
  // granule's until a wipe, and `wipes` counts those).
  if (views) lastRuns = { memory: state.memory, pa, length: bytes.length, wipes, views };
}

/**
 * The page runs the last whole-page write of more than one page went to (views of slabs,
 * hw/pages.ts), while its memory object is the state's and no granule was wiped since.
 */
let lastRuns: {
  readonly memory: object | undefined;
  readonly pa: number;
  readonly length: number;
  readonly wipes: number;
  readonly views: readonly Uint8Array[];
} = { memory: undefined, pa: 0, length: 0, wipes: -1, views: [] };

/**
 * Appends `view` to `runs`, or extends the last run when `view` follows it in its slab: a
 * first write creates its pages one by one (each page's neighbour does not exist yet when it
 * is written), and its runs must still be the slab runs the next write copies at once.
 */
function keepRun(runs: Uint8Array[], view: Uint8Array): void {
  const last = runs[runs.length - 1];
  if (last && follows(last, view))
    runs[runs.length - 1] = new Uint8Array(last.buffer, last.byteOffset, last.length + view.length);
  else runs.push(view);
}

/**
 * How many of the granules from `g` on (at most `most`, at least 1) have pages that follow
 * `page` directly in its slab: page `g + k` is the view `k` pages after `page` in one buffer.
 */
function adjacentPages(state: MachineState, g: number, page: Uint8Array, most: number): number {
  const buffer = page.buffer;
  let run = 1;
  while (run < most) {
    const next = state.memory[g + run];
    if (next === undefined || next.buffer !== buffer) break;
    if (next.byteOffset !== page.byteOffset + run * G) break;
    run++;
  }
  return run;
}

/** Granule wipes so far, in any machine ({@link wipeCount}). */
let wipes = 0;

/**
 * A number that changes whenever a granule is wiped, the only way a page leaves
 * `state.memory` (a page, once there, is written in place): a page looked up while it stays
 * the same is still its granule's (the bulk ops keep the pages of their cached translations,
 * rmm/tlb.ts). A replacement of the whole state is not counted: it flushes those caches.
 */
export function wipeCount(): number {
  return wipes;
}

/** Zero-fills a whole granule (the wipe on every path through DELEGATED). */
export function wipeGranule(state: MachineState, pa: number): void {
  delete state.memory[granuleIndex(pa)];
  wipes++;
  clearGranuleLabels(state, pa);
}

/** A checked, logged read by `who`. */
export function physRead(ctx: Ctx, who: Initiator, pa: number, len: number): ReadResult {
  const fault = checkAccess(ctx.state, who, pa, len);
  logAccess(ctx, who, 'read', pa, len, fault);
  return fault ? { ok: false, fault } : { ok: true, bytes: rawRead(ctx.state, pa, len) };
}

/** Zeroes, lent for reads of absent pages by {@link physReadLent} (never written). */
const ZERO_GRANULE = new Uint8Array(GRANULE_SIZE);

/**
 * A checked, logged read like {@link physRead} whose bytes are lent, not copied: `use` gets a
 * view of memory (zeroes for an absent page) that is valid only during the call and must not be
 * kept or changed; `arg` is handed to it as it is (so a caller needs no closure per read). For
 * the RMM's decode-at-once reads of host structures on a hot path (the RmiRecRun of every
 * REC_ENTER). Returns the fault, if the check refused the read.
 */
export function physReadLent<T>(
  ctx: Ctx,
  who: Initiator,
  pa: number,
  len: number,
  use: (bytes: Uint8Array, arg: T) => void,
  arg: T,
): AccessFault | undefined {
  const fault = checkAccess(ctx.state, who, pa, len);
  logAccess(ctx, who, 'read', pa, len, fault);
  if (fault) return fault;
  const g = granuleIndex(pa);
  const offset = pa - granuleBase(g);
  if (offset + len > GRANULE_SIZE) {
    use(rawRead(ctx.state, pa, len), arg);
    return undefined;
  }
  const page = ctx.state.memory[g] ?? ZERO_GRANULE;
  // A whole granule (RmiRecRun on every REC_ENTER) is lent as the page itself: no view made.
  use(offset === 0 && len === GRANULE_SIZE ? page : page.subarray(offset, offset + len), arg);
  return undefined;
}

/** The result of every write that completed (one shared, never-changed object). */
const WRITE_OK: WriteResult = { ok: true };

/**
 * A checked, logged write by `who`; `label` only for the device of a declared source
 * ({@link rawWrite}).
 */
export function physWrite(
  ctx: Ctx,
  who: Initiator,
  pa: number,
  bytes: Uint8Array,
  label?: string,
): WriteResult {
  const fault = checkAccess(ctx.state, who, pa, bytes.length);
  logAccess(ctx, who, 'write', pa, bytes.length, fault);
  if (fault) return { ok: false, fault };
  rawWrite(ctx.state, pa, bytes, label);
  return WRITE_OK;
}
