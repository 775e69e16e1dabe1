/**
 * Machine invariants, checked after every command in tests (code-style.md principle 6;
 * cca-spec.md §3.1 and §7 item 3). Each returns the violations it finds as sentences;
 * an empty list means the machine is consistent.
 */
import { isZero } from '../lib/bytes.ts';
import { GRANULE_SIZE } from './abi/gpt.ts';
import { gpiOf } from './hw/gpt.ts';
import { granuleBase, regionOf } from './hw/memory-map.ts';
import { rawRead } from './hw/memory.ts';
import type { MachineState } from './state.ts';

/** One invariant: a name and a checker returning violations. */
export interface Invariant {
  readonly name: string;
  readonly check: (state: MachineState) => string[];
}

function hex(pa: number): string {
  return '0x' + pa.toString(16);
}

/** The invariants of the skeleton machine; later families append theirs. */
export const INVARIANTS: Invariant[] = [
  {
    name: 'delegated granules are zero',
    check: (state) =>
      Object.entries(state.granules)
        .filter(([, g]) => g.state === 'DELEGATED')
        .map(([i]) => granuleBase(Number(i)))
        .filter((pa) => !isZero(rawRead(state, pa, GRANULE_SIZE)))
        .map((pa) => `DELEGATED granule ${hex(pa)} holds non-zero bytes`),
  },
  {
    name: 'the GPT agrees with every granule state',
    check: (state) => {
      const out: string[] = [];
      for (const [i, g] of Object.entries(state.granules)) {
        const pa = granuleBase(Number(i));
        if (gpiOf(state, pa) !== 'REALM') {
          out.push(`granule ${hex(pa)} is ${g.state} but its GPI is ${gpiOf(state, pa)}`);
        }
      }
      for (const i of Object.keys(state.gpt)) {
        const pa = granuleBase(Number(i));
        const gpi = gpiOf(state, pa);
        if (gpi === 'REALM' && !state.granules[Number(i)]) {
          out.push(`granule ${hex(pa)} has GPI REALM but the RMM thinks it UNDELEGATED`);
        }
        if (!regionOf(state.config.memoryMap, pa)?.delegable) {
          out.push(`GPT entry of non-delegable granule ${hex(pa)} was changed`);
        }
      }
      return out;
    },
  },
];

/** Runs every invariant; returns all violations. */
export function checkInvariants(state: MachineState): string[] {
  return INVARIANTS.flatMap((inv) => inv.check(state).map((v) => `${inv.name}: ${v}`));
}
