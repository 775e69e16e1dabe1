/**
 * Reading the GPT map's granules (src/ui/state/granules.ts): two readings of a granule show
 * the same when its GPI, RMM state and owner agree (cca-spec.md §1.2 GPI, §3.1 granule states),
 * which is what lets the map redraw only the cells that changed; the diff of two readings
 * names exactly the granules that differ.
 */
import { describe, expect, it } from 'vitest';
import { abi, viewOf } from '../../src/emulator/index.ts';
import { createHostShell, createLabMachine } from '../../src/shell/index.ts';
import { diffGranules, readChanged, sameGranule } from '../../src/ui/state/granules.ts';

const DRAM_BASE = 0x8000_0000;

function readingAfter(...lines: string[]) {
  const machine = createLabMachine();
  const host = createHostShell(machine);
  for (const line of lines) host.execute(line);
  return readChanged(viewOf(machine.state));
}

describe('granule readings', () => {
  it('a granule reads the same in two readings when GPI, state and owner agree', () => {
    const a = readingAfter('delegate 0x80000000');
    const b = readingAfter('delegate 0x80000000');
    const index = DRAM_BASE / abi.GRANULE_SIZE;
    expect(a.get(index)).not.toBe(b.get(index));
    expect(sameGranule(a.get(index)!, b.get(index)!)).toBe(true);
  });

  it('a different GPI, state, owner or granule does not read the same', () => {
    const index = DRAM_BASE / abi.GRANULE_SIZE;
    const info = readingAfter('delegate 0x80000000').get(index)!;
    expect(sameGranule(info, { ...info, gpi: 'NS' })).toBe(false);
    expect(sameGranule(info, { ...info, state: 'RD' })).toBe(false);
    expect(sameGranule(info, { ...info, realm: DRAM_BASE + abi.GRANULE_SIZE })).toBe(false);
    expect(sameGranule(info, { ...info, index: index + 1 })).toBe(false);
  });

  it('the diff of two readings names the granules delegated or undelegated between them', () => {
    const before = readingAfter('delegate 0x80000000');
    const after = readingAfter('delegate 0x80001000');
    const first = DRAM_BASE / abi.GRANULE_SIZE;
    expect([...diffGranules(before, after)].sort()).toEqual([first, first + 1]);
    expect(diffGranules(before, before).size).toBe(0);
  });
});
