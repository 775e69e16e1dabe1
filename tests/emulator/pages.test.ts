// Memory pages carved from shared slabs (emulator hw/pages.ts): a page is only ever its own 4
// KiB, whatever shares its slab, and a copy of a machine's memory (checkpoint, rewind, time
// travel) holds exactly the copied pages' bytes, independent of the original's.
import { describe, expect, it } from 'vitest';
import { abi, createMachine, rawRead, rawWrite } from '../../src/emulator/index.ts';
import { RUN_PAGES, SLAB_PAGES, copyPages, follows, newPage } from '../../src/emulator/hw/pages.ts';
import { copyStateWithoutLedger } from '../../src/emulator/state.ts';

const G = abi.GRANULE_SIZE;
const DRAM = 0x8000_0000;

describe('a page is its own 4 KiB, whatever shares its slab', () => {
  it('writes to one page of a slab reach no other page', () => {
    const pages = Array.from({ length: 2 * SLAB_PAGES }, () => newPage());
    pages.forEach((p, i) => p.fill(i + 1));
    pages.forEach((p, i) => {
      expect(p.length).toBe(G);
      expect(p.every((b) => b === i + 1)).toBe(true);
    });
  });

  it('a new page reads as zeroes', () => {
    for (let i = 0; i < SLAB_PAGES + 1; i++) expect(newPage().every((b) => b === 0)).toBe(true);
  });
});

describe('pages created in a row are one run of adjacent pages (one set copies them, one view lends them)', () => {
  it('a row of 64 pages after a part-used slab: each page follows the one before', () => {
    newPage(); // the current slab is part used
    const row = Array.from({ length: 64 }, (_, k) => newPage(64 - k));
    for (let k = 1; k < row.length; k++) expect(follows(row[k - 1]!, row[k]!)).toBe(true);
  });

  it(`a row longer than ${RUN_PAGES} pages is cut into runs of ${RUN_PAGES}`, () => {
    const n = RUN_PAGES + 3;
    const row = Array.from({ length: n }, (_, k) => newPage(n - k));
    const cuts = row.flatMap((p, k) => (k > 0 && !follows(row[k - 1]!, p) ? [k] : []));
    expect(cuts).toEqual([3]);
  });

  it('pages created one at a time still share slabs of SLAB_PAGES', () => {
    const row = Array.from({ length: SLAB_PAGES }, () => newPage());
    expect(new Set(row.map((p) => p.buffer)).size).toBeLessThanOrEqual(2);
    for (const p of row) expect(p.buffer.byteLength).toBe(SLAB_PAGES * G);
  });
});

describe('a copy of memory holds exactly the copied pages, independent of the original', () => {
  it('copyPages keeps keys, order and bytes, and shares no byte with the original', () => {
    const memory: Record<number, Uint8Array> = {};
    for (const g of [7, 3, 12]) memory[g] = newPage().fill(g);
    const copy = copyPages(memory);
    expect(Object.keys(copy)).toEqual(Object.keys(memory));
    for (const g of [7, 3, 12]) expect(copy[g]).toEqual(memory[g]);
    memory[3]!.fill(0xee);
    copy[7]!.fill(0xdd);
    expect(copy[3]!.every((b) => b === 3)).toBe(true);
    expect(memory[7]!.every((b) => b === 7)).toBe(true);
  });

  it('a checkpoint copy is a machine of its own: later writes on either side do not cross', () => {
    const m = createMachine();
    rawWrite(m.state, DRAM, new Uint8Array(3 * G).fill(0x11));
    const copy = copyStateWithoutLedger(m.state);
    // Only the written pages are copied, each a page of its own (not the slab behind it).
    expect(Object.keys(copy.memory)).toEqual(Object.keys(m.state.memory));
    for (const page of Object.values(copy.memory)) expect(page.byteLength).toBe(G);
    // What the copy allocated: its pages' bytes, not the slabs the originals are carved from.
    const buffers = new Set(Object.values(copy.memory).map((p) => p.buffer));
    const allocated = [...buffers].reduce((sum, b) => sum + b.byteLength, 0);
    expect(allocated).toBe(Object.keys(copy.memory).length * G);
    rawWrite(m.state, DRAM + G, new Uint8Array(4).fill(0x22));
    expect([...rawRead(copy as typeof m.state, DRAM + G, 4)]).toEqual([0x11, 0x11, 0x11, 0x11]);
    copy.memory[DRAM / G]!.fill(0x33);
    expect([...rawRead(m.state, DRAM, 2)]).toEqual([0x11, 0x11]);
  });
});
