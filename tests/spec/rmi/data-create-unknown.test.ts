// RMI_DATA_CREATE_UNKNOWN (DEN0137 B4.3.2; cca-spec.md §2.3, §3.4): one test per failure label in
// spec order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi, listRealms, rttEntries } from '../../../src/emulator/index.ts';
import {
  GRANULE,
  Lab,
  UNPROTECTED,
  expectFailure,
  expectOk,
  mapTables,
  newRealm,
} from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const INPUT = 'RMI_ERROR_INPUT';
const HIGH = 2 ** 48;

/** A board with extra delegable memory above 2^48, for the `*_bound2` (LPA2) checks. */
function highLab(): Lab {
  return new Lab({
    memoryMap: [
      ...abi.DEFAULT_MEMORY_MAP,
      { name: 'High DRAM', base: HIGH, size: 0x10000, gpi: 'NS', delegable: true, description: '' },
    ],
  });
}

/** A NEW realm with a level-3 RTT over IPA 0 and valid DATA_CREATE arguments. */
function setup(lab = new Lab()) {
  const { rd } = newRealm(lab);
  mapTables(lab, rd, 0);
  const data = lab.delegated();
  const src = lab.nsPage(new Uint8Array(GRANULE).fill(0x5a));
  const call = (
    args: Partial<{ rd: number; data: number; ipa: number; src: number; flags: number }> = {},
  ) =>
    lab.call(
      abi.SMC_RMI_DATA_CREATE,
      args.rd ?? rd,
      args.data ?? data,
      args.ipa ?? 0,
      args.src ?? src,
      args.flags ?? abi.RMI_MEASURE_CONTENT,
    );
  const unknown = (args: Partial<{ rd: number; data: number; ipa: number }> = {}) =>
    lab.call(abi.SMC_RMI_DATA_CREATE_UNKNOWN, args.rd ?? rd, args.data ?? data, args.ipa ?? 0);
  return { lab, rd, data, src, call, unknown };
}

describe(specTitle('RMI_DATA_CREATE_UNKNOWN'), () => {
  it('data_align -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.unknown({ data: s.data + 4 }), 'data_align', INPUT);
  });

  it('data_bound -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().unknown({ data: 0x1c09_0000 }), 'data_bound', INPUT);
  });

  it('data_state: data is an RD -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.unknown({ data: s.rd }), 'data_state', INPUT);
  });

  it('rd_align -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.unknown({ rd: s.rd + 2 }), 'rd_align', INPUT);
  });

  it('rd_bound -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().unknown({ rd: 0x0600_0000 }), 'rd_bound', INPUT);
  });

  it('rd_state -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.unknown({ rd: s.data }), 'rd_state', INPUT);
  });

  it('data_bound2 -> RMI_ERROR_INPUT', () => {
    const s = setup(highLab());
    s.lab.call(abi.SMC_RMI_GRANULE_DELEGATE, HIGH);
    expectFailure(s.unknown({ data: HIGH }), 'data_bound2', INPUT);
  });

  it('ipa_align -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().unknown({ ipa: 0xfff }), 'ipa_align', INPUT);
  });

  it('ipa_bound -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().unknown({ ipa: UNPROTECTED + GRANULE }), 'ipa_bound', INPUT);
  });

  it('rtt_walk -> RMI_ERROR_RTT at the walk level', () => {
    expectFailure(setup().unknown({ ipa: 0x20_0000 }), 'rtt_walk', 'RMI_ERROR_RTT', 2);
  });

  it('rtte_state -> RMI_ERROR_RTT 3', () => {
    const s = setup();
    expectOk(s.unknown());
    expectFailure(s.unknown({ data: s.lab.delegated() }), 'rtte_state', 'RMI_ERROR_RTT', 3);
  });

  it('success: DATA mapped with RIPAS unchanged, no RIM change, works when ACTIVE', () => {
    const s = setup();
    expectOk(s.lab.call(abi.SMC_RMI_REALM_ACTIVATE, s.rd));
    const rim = listRealms(s.lab.m.state)[0]!.rim;
    expectOk(s.unknown());
    expect(rttEntries(s.lab.m.state, s.rd, 0, GRANULE)[0]!.entry).toEqual({
      state: 'ASSIGNED',
      ripas: 'EMPTY',
      pa: s.data,
    });
    expect(listRealms(s.lab.m.state)[0]!.rim).toBe(rim);
  });
});
