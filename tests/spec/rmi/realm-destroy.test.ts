// RMI_REALM_DESTROY (DEN0137 B4.3.10; cca-spec.md §2.3, §3.2): one test per failure label in spec
// order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi, listRealms } from '../../../src/emulator/index.ts';
import { hex } from '../../../src/lib/hex.ts';
import {
  Lab,
  dataCreate,
  expectFailure,
  expectOk,
  initRipas,
  mapTables,
  newRealm,
  newRec,
} from './helpers.ts';
import { specTitle } from '../spec-title.ts';

describe(specTitle('RMI_REALM_DESTROY'), () => {
  it('rd_align: rd not aligned -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    expectFailure(lab.call(abi.SMC_RMI_REALM_DESTROY, rd + 1), 'rd_align', 'RMI_ERROR_INPUT');
  });

  it('rd_bound: rd outside tracked memory -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    expectFailure(lab.call(abi.SMC_RMI_REALM_DESTROY, 0x0400_0000), 'rd_bound', 'RMI_ERROR_INPUT');
  });

  it('rd_state: granule is DELEGATED -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    expectFailure(
      lab.call(abi.SMC_RMI_REALM_DESTROY, lab.delegated()),
      'rd_state',
      'RMI_ERROR_INPUT',
    );
  });

  it('realm_live: the realm has a REC -> RMI_ERROR_REALM', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    newRec(lab, rd);
    expectFailure(lab.call(abi.SMC_RMI_REALM_DESTROY, rd), 'realm_live', 'RMI_ERROR_REALM');
  });

  it('realm_live: a starting RTT has a TABLE entry -> RMI_ERROR_REALM', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    mapTables(lab, rd, 0, 2);
    const r = lab.call(abi.SMC_RMI_REALM_DESTROY, rd);
    expectFailure(r, 'realm_live', 'RMI_ERROR_REALM');
    expect(r.failure?.reason).toMatch(/ASSIGNED or TABLE/);
  });

  it('success: RD and starting RTTs become DELEGATED (wiped), VMID free again', () => {
    const lab = new Lab();
    const { rd, rtts } = newRealm(lab, { vmid: 9n });
    initRipas(lab, rd, 0, 0x200000);
    dataCreate(lab, rd, 0);
    // Tear the realm down completely, as a host must: DATA, then RTTs, then the realm.
    expectOk(lab.call(abi.SMC_RMI_DATA_DESTROY, rd, 0));
    expectOk(lab.call(abi.SMC_RMI_RTT_DESTROY, rd, 0, 3));
    expectOk(lab.call(abi.SMC_RMI_RTT_DESTROY, rd, 0, 2));
    const before = lab.m.ledger.length;
    expectOk(lab.call(abi.SMC_RMI_REALM_DESTROY, rd));
    const released = lab.m.ledger.slice(before).filter((e) => e.kind === 'granule:transition');
    for (const pa of [rd, ...rtts]) {
      expect(lab.m.granuleOf(pa).state).toBe('DELEGATED');
      expect(released.find((e) => e.pa === pa)).toMatchObject({ to: 'DELEGATED', wiped: true });
    }
    expect(lab.m.checkInvariants()).toEqual([]);
    expect(listRealms(lab.m.state)).toEqual([]);
    expect(Object.keys(lab.m.state.rmm.rtts)).toEqual([]);
    newRealm(lab, { vmid: 9n });
  });

  it('success: works from SYSTEM_OFF too', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    expectOk(lab.call(abi.SMC_RMI_REALM_ACTIVATE, rd));
    lab.m.state.rmm.realms[hex(rd)]!.state = 'SYSTEM_OFF';
    expectOk(lab.call(abi.SMC_RMI_REALM_DESTROY, rd));
    expect(lab.m.granuleOf(rd).state).toBe('DELEGATED');
    expect(listRealms(lab.m.state)).toEqual([]);
    expect(lab.m.checkInvariants()).toEqual([]);
  });
});
