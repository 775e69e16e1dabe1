// The granule state machine (cca-spec.md §3.1): every transition of the table happens
// through the RMI command named there, wipes on every path through DELEGATED, and a
// transition the table does not allow is an emulator bug.
import { describe, expect, it } from 'vitest';
import { abi, listRecs } from '../../src/emulator/index.ts';
import { EmulatorBug } from '../../src/lib/assert.ts';
import { transitionGranule } from '../../src/emulator/rmm/granule.ts';
import { contextOf } from '../../src/emulator/machine.ts';
import {
  GRANULE,
  Lab,
  dataCreate,
  expectOk,
  mapTables,
  newRealm,
  newRec,
} from '../spec/rmi/helpers.ts';

/** The (from, to, command) of every granule:transition event after ledger position `seq`. */
function transitions(lab: Lab, seq = 0): string[] {
  return lab.m.ledger
    .filter((e) => e.seq > seq && e.kind === 'granule:transition')
    .map((e) => (e.kind === 'granule:transition' ? `${e.from}->${e.to} ${e.command}` : ''));
}

describe('granule transitions (cca-spec.md §3.1)', () => {
  it('covers every row of the transition table through its command', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    mapTables(lab, rd, 0, 3);
    const data = dataCreate(lab, rd, 0);
    const rec = newRec(lab, rd);
    const aux = listRecs(lab.m.state)[0]!.aux;
    expectOk(lab.call(abi.SMC_RMI_REC_DESTROY, rec));
    expectOk(lab.call(abi.SMC_RMI_DATA_DESTROY, rd, 0));
    expectOk(lab.call(abi.SMC_RMI_RTT_DESTROY, rd, 0, 3));
    // The level-2 RTT at 0 now holds one DESTROYED entry: not homogeneous, so destroy it;
    // a fresh level-2 RTT elsewhere is homogeneous and folds.
    expectOk(lab.call(abi.SMC_RMI_RTT_DESTROY, rd, 0, 2));
    mapTables(lab, rd, 0x4000_0000, 2);
    expectOk(lab.call(abi.SMC_RMI_RTT_FOLD, rd, 0x4000_0000, 2));
    expectOk(lab.call(abi.SMC_RMI_REALM_DESTROY, rd));
    for (const pa of [data, rec, ...aux, rd]) {
      expectOk(lab.call(abi.SMC_RMI_GRANULE_UNDELEGATE, pa));
    }
    const seen = new Set(transitions(lab));
    for (const row of [
      'UNDELEGATED->DELEGATED RMI_GRANULE_DELEGATE',
      'DELEGATED->UNDELEGATED RMI_GRANULE_UNDELEGATE',
      'DELEGATED->RD RMI_REALM_CREATE',
      'DELEGATED->RTT RMI_REALM_CREATE',
      'RD->DELEGATED RMI_REALM_DESTROY',
      'RTT->DELEGATED RMI_REALM_DESTROY',
      'DELEGATED->DATA RMI_DATA_CREATE',
      'DATA->DELEGATED RMI_DATA_DESTROY',
      'DELEGATED->REC RMI_REC_CREATE',
      'DELEGATED->REC_AUX RMI_REC_CREATE',
      'REC->DELEGATED RMI_REC_DESTROY',
      'REC_AUX->DELEGATED RMI_REC_DESTROY',
      'DELEGATED->RTT RMI_RTT_CREATE',
      'RTT->DELEGATED RMI_RTT_DESTROY',
      'RTT->DELEGATED RMI_RTT_FOLD',
    ]) {
      expect(seen, row).toContain(row);
    }
  });

  it('wipes realm contents before the host can see the granule again', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const secret = new Uint8Array(GRANULE).fill(0x42);
    const data = dataCreate(lab, rd, 0, secret);
    expect(lab.m.read(data, 16).ok).toBe(false);
    expectOk(lab.call(abi.SMC_RMI_DATA_DESTROY, rd, 0));
    expectOk(lab.call(abi.SMC_RMI_GRANULE_UNDELEGATE, data));
    const read = lab.m.read(data, GRANULE);
    expect(read.ok && read.bytes.every((b) => b === 0)).toBe(true);
  });

  it('refuses a transition from the wrong state or outside the table as an EmulatorBug', () => {
    const lab = new Lab();
    const pa = lab.delegated();
    expect(() =>
      transitionGranule(contextOf(lab.m), pa, 'UNDELEGATED', 'DELEGATED', 'test'),
    ).toThrow(EmulatorBug);
    expect(() => transitionGranule(contextOf(lab.m), pa, 'DELEGATED', 'DELEGATED', 'test')).toThrow(
      EmulatorBug,
    );
  });
});
