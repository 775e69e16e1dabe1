// RMI_RTT_INIT_RIPAS (DEN0137 B4.3.18; cca-spec.md §2.3, §3.4, §5.5): one test per failure label in
// spec order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi, listRealms, rttEntries } from '../../../src/emulator/index.ts';
import {
  GRANULE,
  Lab,
  dataCreate,
  expectFailure,
  expectOk,
  mapTables,
  newRealm,
} from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const INPUT = 'RMI_ERROR_INPUT';
const L2 = 0x20_0000;

describe(specTitle('RMI_RTT_INIT_RIPAS'), () => {
  function setup() {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    mapTables(lab, rd, 0, 3);
    const init = (base: number, top: number, r = rd) =>
      lab.call(abi.SMC_RMI_RTT_INIT_RIPAS, r, base, top);
    return { lab, rd, init };
  }

  it('rd_align -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.init(0, GRANULE, s.rd + 1), 'rd_align', INPUT);
  });

  it('rd_bound -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.init(0, GRANULE, 0x1000), 'rd_bound', INPUT);
  });

  it('rd_state -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.init(0, GRANULE, s.lab.delegated()), 'rd_state', INPUT);
  });

  it('size_valid: top <= base -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().init(GRANULE, GRANULE), 'size_valid', INPUT);
  });

  it('top_bound: top beyond the protected range -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().init(0, 2 ** 39 + GRANULE), 'top_bound', INPUT);
  });

  it('realm_state: realm ACTIVE -> RMI_ERROR_REALM', () => {
    const s = setup();
    expectOk(s.lab.call(abi.SMC_RMI_REALM_ACTIVATE, s.rd));
    expectFailure(s.init(0, GRANULE), 'realm_state', 'RMI_ERROR_REALM');
  });

  it('base_align: base not aligned to the level where the walk stopped -> RMI_ERROR_RTT', () => {
    const s = setup();
    expectFailure(s.init(L2 + GRANULE, L2 + 2 * GRANULE), 'base_align', 'RMI_ERROR_RTT', 2);
  });

  it('rtte_state: the first entry is ASSIGNED -> RMI_ERROR_RTT at the walk level', () => {
    const s = setup();
    dataCreate(s.lab, s.rd, 0);
    expectFailure(s.init(0, GRANULE), 'rtte_state', 'RMI_ERROR_RTT', 3);
  });

  it('top_gran_align: top not 4 KiB aligned -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().init(0, 0x1800), 'top_gran_align', INPUT);
  });

  it('no_progress: a 2 MiB entry does not fit in [base, top) -> RMI_ERROR_RTT 2', () => {
    expectFailure(setup().init(L2, L2 + GRANULE), 'no_progress', 'RMI_ERROR_RTT', 2);
  });

  it('success: RIPAS RAM per whole entry, out_top, one RIM extension per entry', () => {
    const s = setup();
    const rim0 = listRealms(s.lab.m.state)[0]!.rim;
    // Stops at the first non-UNASSIGNED entry (TF-RMM) and at the end of the level-3 RTT.
    dataCreate(s.lab, s.rd, 3 * GRANULE);
    const rim1 = listRealms(s.lab.m.state)[0]!.rim;
    const r = s.init(0, 8 * GRANULE);
    expectOk(r);
    expect(r.x[1]).toBe(BigInt(3 * GRANULE));
    const ripas = rttEntries(s.lab.m.state, s.rd, 0, 4 * GRANULE).map(
      (e) => 'ripas' in e.entry && e.entry.ripas,
    );
    expect(ripas).toEqual(['RAM', 'RAM', 'RAM', 'RAM']);
    expect(listRealms(s.lab.m.state)[0]!.rim).not.toBe(rim1);
    expect(rim1).not.toBe(rim0);
    // A range through to the end of the level-3 RTT ends at its boundary.
    expect(s.init(4 * GRANULE, 2 * L2).x[1]).toBe(BigInt(L2));
    // 2 MiB entries at level 2 are processed whole.
    expect(s.init(L2, 3 * L2).x[1]).toBe(BigInt(3 * L2));
  });

  it('success: the RIM depends on the RTT level the walk stops at', () => {
    const a = setup();
    const b = setup();
    expectOk(a.init(L2, 2 * L2)); // one level-2 entry
    mapTables(b.lab, b.rd, L2, 3);
    let at = L2;
    while (at < 2 * L2) at = Number(b.init(at, 2 * L2).x[1]); // 512 level-3 entries
    expect(listRealms(a.lab.m.state)[0]!.rim).not.toBe(listRealms(b.lab.m.state)[0]!.rim);
  });
});
