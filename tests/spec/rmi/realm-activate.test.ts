// RMI_REALM_ACTIVATE (DEN0137 B4.3.8; cca-spec.md §2.3, §3.2): one test per failure label in spec
// order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi, listRealms } from '../../../src/emulator/index.ts';
import { GRANULE, Lab, expectFailure, expectOk, initRipas, newRealm } from './helpers.ts';
import { specTitle } from '../spec-title.ts';

describe(specTitle('RMI_REALM_ACTIVATE'), () => {
  it('rd_align: rd not aligned -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    expectFailure(lab.call(abi.SMC_RMI_REALM_ACTIVATE, rd + 4), 'rd_align', 'RMI_ERROR_INPUT');
  });

  it('rd_bound: rd outside tracked memory -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    expectFailure(lab.call(abi.SMC_RMI_REALM_ACTIVATE, 0x1000), 'rd_bound', 'RMI_ERROR_INPUT');
  });

  it('rd_state: granule is not an RD -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rtts } = newRealm(lab);
    const r = lab.call(abi.SMC_RMI_REALM_ACTIVATE, rtts[0]!);
    expectFailure(r, 'rd_state', 'RMI_ERROR_INPUT');
    expect(r.failure?.reason).toMatch(/is RTT, expected RD/);
  });

  it('realm_state: realm is not NEW -> RMI_ERROR_REALM', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    expectOk(lab.call(abi.SMC_RMI_REALM_ACTIVATE, rd));
    expectFailure(lab.call(abi.SMC_RMI_REALM_ACTIVATE, rd), 'realm_state', 'RMI_ERROR_REALM');
  });

  it('success: realm ACTIVE and its RIM frozen', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    initRipas(lab, rd, 0, 0x200000);
    const rim = listRealms(lab.m.state)[0]!.rim;
    expectOk(lab.call(abi.SMC_RMI_REALM_ACTIVATE, rd));
    expect(listRealms(lab.m.state)[0]).toMatchObject({ state: 'ACTIVE', rim });
    // NEW-only measured operations are now refused and the RIM does not move.
    expectFailure(
      lab.call(abi.SMC_RMI_RTT_INIT_RIPAS, rd, 0, GRANULE),
      'realm_state',
      'RMI_ERROR_REALM',
    );
    expect(listRealms(lab.m.state)[0]!.rim).toBe(rim);
  });
});
