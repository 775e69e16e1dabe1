// What the machine keeps of a device's last bulk write (hw/memory.ts: the GPC result of the
// range, the page runs it went to; hw/labels.ts: the range a declared source labelled) lets the
// next packet into the same buffer skip the per-granule work, and is never used after a change
// it depends on: a GPT write (Arm ARM D9.4, the GPC cache is invalidated with the table), a
// wipe of one of its pages, a label changed anywhere.
import { describe, expect, it } from 'vitest';
import { abi, labelsIn, rawRead, wipeGranule } from '../../src/emulator/index.ts';
import { G, INPUT, bulkRealm } from '../mica/bulk-realm.ts';

const PACKET = 4 * G;

describe('a cached GPC result is not used after a GPT write', () => {
  it('the host delegates a granule of a range it wrote: its next write of the range is refused', () => {
    const { m } = bulkRealm();
    const dram = m.state.config.memoryMap.find((r) => r.name === 'DRAM')!;
    const base = dram.base + dram.size - 8 * G;
    expect(m.write(base, new Uint8Array(2 * G).fill(1)).ok).toBe(true);
    const delegated = m.smc(abi.SMC_RMI_GRANULE_DELEGATE, base + G);
    expect(delegated.status).toBe('RMI_SUCCESS');
    const again = m.write(base, new Uint8Array(2 * G).fill(2));
    expect(again.ok).toBe(false);
    // No byte of a refused write lands (cca-spec.md §1.2).
    expect([...rawRead(m.state, base, 1)]).toEqual([1]);
  });
});

describe("a device's next packet into the same buffer", () => {
  it('lands whole after one of the buffer pages was wiped', () => {
    const { m, host, h, pa } = bulkRealm();
    host.tenantSend(h, new Uint8Array(PACKET).fill(5));
    const second = pa(INPUT + G);
    wipeGranule(m.state, second);
    host.tenantSend(h, new Uint8Array(PACKET).fill(6));
    expect(m.state.memory[second / G]).toBeDefined();
    expect([...rawRead(m.state, second, 2)]).toEqual([6, 6]);
    expect(labelsIn(m.state, second, G)).toEqual(['video']);
  });

  it('is labelled whole after the host overwrote part of the buffer unlabelled', () => {
    const { m, host, h, pa } = bulkRealm();
    host.tenantSend(h, new Uint8Array(PACKET).fill(5));
    const first = pa(INPUT);
    expect(m.write(first + 8, new Uint8Array(16).fill(9)).ok).toBe(true);
    expect(labelsIn(m.state, first + 8, 16)).toEqual([]);
    host.tenantSend(h, new Uint8Array(PACKET).fill(6));
    expect(labelsIn(m.state, first + 8, 16)).toEqual(['video']);
    expect([...rawRead(m.state, first + 8, 2)]).toEqual([6, 6]);
  });
});

describe('the page runs a whole-page write keeps', () => {
  it('hold each page of the next write where it belongs, whatever order the pages were made in', () => {
    // The host writes pages 2, 0 and 3 of a buffer alone first, so the slab holds them in
    // that order and page 1 comes after them: the runs the first whole write keeps break
    // where the pages stop following each other. Every page of the next two writes, each
    // page a different byte, must land on its own granule.
    const { m } = bulkRealm();
    const dram = m.state.config.memoryMap.find((r) => r.name === 'DRAM')!;
    const base = dram.base + dram.size - 8 * G;
    for (const p of [2, 0, 3])
      expect(m.write(base + p * G, new Uint8Array(G).fill(1)).ok).toBe(true);
    for (const first of [10, 20, 30]) {
      const bytes = new Uint8Array(PACKET);
      for (let p = 0; p < 4; p++) bytes.fill(first + p, p * G, (p + 1) * G);
      expect(m.write(base, bytes).ok).toBe(true);
      const landed = [0, 1, 2, 3].map((p) => [
        ...rawRead(m.state, base + p * G, 1),
        ...rawRead(m.state, base + p * G + G - 1, 1),
      ]);
      expect(landed).toEqual([0, 1, 2, 3].map((p) => [first + p, first + p]));
    }
  });
});
