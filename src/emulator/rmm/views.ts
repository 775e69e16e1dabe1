/**
 * Read-only views of the RMM's realms, RECs and RTTs for the shells, diagrams and lesson
 * goals (cca-spec.md §3). They return the plain records of the state tree: callers must
 * not mutate them (drive the machine through RMI instead).
 */
import type { MachineState, RealmRecord, RecRecord, RttRecord } from '../state.ts';
import { paKey } from './rtt.ts';

/** Every realm, in RD address order. */
export function listRealms(state: MachineState): readonly Readonly<RealmRecord>[] {
  return Object.values(state.rmm.realms).sort((a, b) => a.rd - b.rd);
}

/** The realm whose RD is at `rd`, if any. */
export function realmOf(state: MachineState, rd: number): Readonly<RealmRecord> | undefined {
  return state.rmm.realms[paKey(rd)];
}

/** The RECs of the realm at `rd` (all RECs when omitted), in REC index order. */
export function listRecs(state: MachineState, rd?: number): readonly Readonly<RecRecord>[] {
  return Object.values(state.rmm.recs)
    .filter((r) => rd === undefined || r.owner === rd)
    .sort((a, b) => a.owner - b.owner || a.index - b.index);
}

/** The REC at `rec`, if any. */
export function recOf(state: MachineState, rec: number): Readonly<RecRecord> | undefined {
  return state.rmm.recs[paKey(rec)];
}

/** The RTT at `rtt`, if any. */
export function rttOf(state: MachineState, rtt: number): Readonly<RttRecord> | undefined {
  return state.rmm.rtts[paKey(rtt)];
}
