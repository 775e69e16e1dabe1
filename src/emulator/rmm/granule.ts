/**
 * The RMM granule state machine (spec A2.2.3; cca-spec.md §3.1). Only
 * {@link transitionGranule} changes a granule's state, and it refuses a wrong `from`:
 * a refusal there is an emulator bug, because every command checks the state first
 * through its failure conditions.
 */
import type { GranuleState } from '../abi/rmi.ts';
import { assert } from '../../lib/assert.ts';
import type { Ctx } from '../context.ts';
import { granuleBase, granuleIndex } from '../hw/memory-map.ts';
import { wipeGranule } from '../hw/memory.ts';
import type { GranuleRecord, MachineState } from '../state.ts';
import { hex } from '../../lib/hex.ts';

/** The transitions the spec allows (cca-spec.md §3.1 table), as from -> allowed targets. */
export const GRANULE_TRANSITIONS: Readonly<Record<GranuleState, readonly GranuleState[]>> = {
  UNDELEGATED: ['DELEGATED'],
  DELEGATED: ['UNDELEGATED', 'RD', 'REC', 'REC_AUX', 'DATA', 'RTT'],
  RD: ['DELEGATED'],
  REC: ['DELEGATED'],
  REC_AUX: ['DELEGATED'],
  DATA: ['DELEGATED'],
  RTT: ['DELEGATED'],
};

/** The RMM's record for the granule at `pa` (UNDELEGATED when it has none). */
export function granuleAt(state: MachineState, pa: number): Readonly<GranuleRecord> {
  return state.granules[granuleIndex(pa)] ?? { state: 'UNDELEGATED', refcount: 0 };
}

/** The state of the granule at `pa`. */
export function granuleState(state: MachineState, pa: number): GranuleState {
  return granuleAt(state, pa).state;
}

/**
 * Moves the granule at `pa` from `from` to `to`, wiping it whenever it enters or leaves
 * DELEGATED ("every path through DELEGATED wipes contents"), and logs the transition.
 */
export function transitionGranule(
  ctx: Ctx,
  pa: number,
  from: GranuleState,
  to: GranuleState,
  command: string,
  owner?: number,
): void {
  // A granule changing hands (delegate, undelegate, RTT, DATA, RD) may change a translation.
  ctx.translations?.flush();
  const index = granuleIndex(pa);
  const current = granuleState(ctx.state, pa);
  if (current !== from) assert(false, `${command}: granule ${hex(pa)} is ${current}, not ${from}`);
  if (!GRANULE_TRANSITIONS[from].includes(to))
    assert(false, `${command}: ${from} -> ${to} is not a transition`);
  const wiped = from === 'DELEGATED' || to === 'DELEGATED';
  if (wiped) wipeGranule(ctx.state, pa);
  if (to === 'UNDELEGATED') delete ctx.state.granules[index];
  else {
    const record: GranuleRecord = { state: to, refcount: 0 };
    if (owner !== undefined && to !== 'DELEGATED') record.realm = owner;
    ctx.state.granules[index] = record;
  }
  ctx.emit({ kind: 'granule:transition', pa: granuleBase(index), from, to, command, wiped });
}
