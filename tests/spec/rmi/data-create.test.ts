// RMI_DATA_CREATE (DEN0137 B4.3.1; cca-spec.md §2.3, §3.4, §5.3): one test per failure label in
// spec order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi, listRealms, rttEntries } from '../../../src/emulator/index.ts';
import {
  GRANULE,
  Lab,
  UNPROTECTED,
  dataCreate,
  expectFailure,
  expectOk,
  initRipas,
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

describe(specTitle('RMI_DATA_CREATE'), () => {
  it('flags_valid (TF-RMM, reserved encoding): flags 2 -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().call({ flags: 2 }), 'flags_valid', INPUT);
  });

  it('src_align -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.call({ src: s.src + 1 }), 'src_align', INPUT);
  });

  it('src_bound -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().call({ src: 0x0400_0000 }), 'src_bound', INPUT);
  });

  it('src_pas: src is Realm PAS -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.call({ src: s.lab.delegated() }), 'src_pas', INPUT);
  });

  it('data_align -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.call({ data: s.data + 0x800 }), 'data_align', INPUT);
  });

  it('data_bound -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().call({ data: 0x0600_0000 }), 'data_bound', INPUT);
  });

  it('data_state: data granule UNDELEGATED -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.call({ data: s.lab.alloc() }), 'data_state', INPUT);
  });

  it('rd_align -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.call({ rd: s.rd + 8 }), 'rd_align', INPUT);
  });

  it('rd_bound -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().call({ rd: 0x1000 }), 'rd_bound', INPUT);
  });

  it('rd_state: rd is DELEGATED -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.call({ rd: s.lab.delegated() }), 'rd_state', INPUT);
  });

  it('data_bound2 (after rd_state): data >= 2^48 without LPA2 -> RMI_ERROR_INPUT', () => {
    const s = setup(highLab());
    expect(s.lab.call(abi.SMC_RMI_GRANULE_DELEGATE, HIGH).status).toBe('RMI_SUCCESS');
    expectFailure(s.call({ data: HIGH }), 'data_bound2', INPUT);
  });

  it('ipa_align -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().call({ ipa: 0x10 }), 'ipa_align', INPUT);
  });

  it('ipa_bound: unprotected (and unmapped) ipa -> RMI_ERROR_INPUT, not an RTT error', () => {
    expectFailure(setup().call({ ipa: UNPROTECTED }), 'ipa_bound', INPUT);
  });

  it('realm_state: realm ACTIVE -> RMI_ERROR_REALM', () => {
    const s = setup();
    expectOk(s.lab.call(abi.SMC_RMI_REALM_ACTIVATE, s.rd));
    expectFailure(s.call(), 'realm_state', 'RMI_ERROR_REALM');
  });

  it('rtt_walk: no level-3 RTT for the ipa -> RMI_ERROR_RTT, index = walk level', () => {
    const s = setup();
    expectFailure(s.call({ ipa: 0x4000_0000 }), 'rtt_walk', 'RMI_ERROR_RTT', 1);
    expectFailure(s.call({ ipa: 0x20_0000 }), 'rtt_walk', 'RMI_ERROR_RTT', 2);
  });

  it('rtte_state: the entry is ASSIGNED already -> RMI_ERROR_RTT index 3', () => {
    const s = setup();
    expectOk(s.call());
    expectFailure(s.call({ data: s.lab.delegated() }), 'rtte_state', 'RMI_ERROR_RTT', 3);
  });

  it('success: DATA granule with the source contents, RTTE ASSIGNED RAM, RIM extended', () => {
    const s = setup();
    const rim = listRealms(s.lab.m.state)[0]!.rim;
    expectOk(s.call());
    expect(s.lab.m.granuleOf(s.data)).toMatchObject({ state: 'DATA', realm: s.rd });
    expect(s.lab.m.state.memory[s.data / GRANULE]?.[7]).toBe(0x5a);
    expect(rttEntries(s.lab.m.state, s.rd, 0, GRANULE)[0]!.entry).toEqual({
      state: 'ASSIGNED',
      ripas: 'RAM',
      pa: s.data,
    });
    expect(listRealms(s.lab.m.state)[0]!.rim).not.toBe(rim);
    expect(s.lab.m.read(s.data, 16).ok).toBe(false);
  });

  it('success: the §5.7 known-answer RIM after INIT_RIPAS, DATA_CREATE and REC_CREATE', async () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    initRipas(lab, rd, 0, GRANULE, 3);
    expect(listRealms(lab.m.state)[0]!.rim.slice(0, 64)).toBe(
      '5e99b1e6b2ebb03fe15c9e109929780b9becf1a9154e6f8b64cfd9b988cc1b5f',
    );
    dataCreate(lab, rd, 0x1000);
    expect(listRealms(lab.m.state)[0]!.rim.slice(0, 64)).toBe(
      '67766adbfcbc71ea5f41a8d35d9941be7515664cc54d3c95c00cd223db8019bc',
    );
    const { newRec } = await import('./helpers.ts');
    newRec(lab, rd, 0, { pc: 0x1000n });
    expect(listRealms(lab.m.state)[0]!.rim.slice(0, 64)).toBe(
      '29add99f161169ba85af98b52d3ce55b5d70381a0cdb141dd74a836e394e3d58',
    );
  });
});
