/**
 * Physical memory pages (cca-spec.md §1.1: the PA space is granules of 4 KiB). A machine keeps
 * the bytes of each granule that was ever written non-zero as one 4 KiB page in
 * `state.memory`; this file makes those pages.
 *
 * Design rationale: a `Uint8Array` of its own costs an off-heap allocation and its tracking
 * (~2.8 µs per 4 KiB page in V8, against ~0.2 µs for a view), which made the first chunk of a
 * stream, which creates the 64 pages of a 256 KiB object at once, cost more than the next ten
 * (issue 10 P4). Pages are views carved from slabs of {@link SLAB_PAGES} pages instead. A page
 * is only ever used through its own view (`set`, `fill`, `subarray`, `slice`; never its
 * `buffer`), so pages sharing a slab cannot see each other. A slab lives as long as any of its
 * pages, so at most {@link SLAB_PAGES} - 1 dead pages stay behind per live one.
 * `structuredClone` would copy a view's whole slab: copies of a machine's memory (checkpoints,
 * time travel) go through {@link copyPages}, which packs the copied pages into one new slab.
 *
 * A writer that is about to create several pages in a row (a bulk copy or a device's write
 * into a buffer never written before) says how many: they are carved one after another from
 * one slab sized for them (up to {@link RUN_PAGES}), so the object they belong to is one run
 * of adjacent pages that one `set` copies and one view lends (rmm/bulk.ts `lend`). Pages
 * written together are one object's and are wiped together, so such a slab does not keep
 * more dead neighbours alive than a small one. The free end of the slab it replaces is
 * left unused, and so are the places of the row's zero pages (never stored): at most the
 * bytes the writer was writing anyway.
 */
import { GRANULE_SIZE } from '../abi/gpt.ts';

/** Pages per slab: 64 KiB, so a live page keeps at most 60 KiB of dead neighbours. */
export const SLAB_PAGES = 16;
/**
 * The most pages one slab is sized for when a writer creates pages in a row: 1 MiB, four of
 * the 256 KiB shared objects of mica-spec §5.1.
 */
export const RUN_PAGES = 256;

let slab = new ArrayBuffer(0);
/** Pages in the current slab, and the next free one. */
let size = 0;
let next = 0;

/**
 * A new zero-filled 4 KiB page; `ahead` is how many pages (this one included) the caller is
 * about to create in a row, carved adjacent from one slab when the current one has no room
 * for them all.
 */
export function newPage(ahead = 1): Uint8Array {
  // A longer row is cut into slabs of RUN_PAGES: this page's part of it runs to the next cut.
  const want = ((Math.max(ahead, 1) - 1) % RUN_PAGES) + 1;
  if (next + want > size) {
    size = Math.max(SLAB_PAGES, want);
    slab = new ArrayBuffer(size * GRANULE_SIZE);
    next = 0;
  }
  return new Uint8Array(slab, GRANULE_SIZE * next++, GRANULE_SIZE);
}

/**
 * True when view `b` starts where view `a` ends in the same slab: two pages (or page runs)
 * that one `set` can cover together.
 */
export function follows(a: Uint8Array, b: Uint8Array): boolean {
  return b.buffer === a.buffer && b.byteOffset === a.byteOffset + a.length;
}

/**
 * A copy of `memory` (granule index -> page): the same keys in the same order, each page's
 * bytes copied into one new buffer shared by the copies only.
 */
export function copyPages(
  memory: Readonly<Record<number, Uint8Array>>,
): Record<number, Uint8Array> {
  const keys = Object.keys(memory);
  const buffer = new ArrayBuffer(keys.length * GRANULE_SIZE);
  const out: Record<number, Uint8Array> = {};
  keys.forEach((key, i) => {
    const page = new Uint8Array(buffer, i * GRANULE_SIZE, GRANULE_SIZE);
    page.set(memory[Number(key)]!);
    out[Number(key)] = page;
  });
  return out;
}
