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
