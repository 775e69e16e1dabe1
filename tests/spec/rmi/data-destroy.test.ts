// RMI_DATA_DESTROY (DEN0137 B4.3.3; cca-spec.md §2.3, §3.4): one test per failure label in spec
// order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi, rttEntries } from '../../../src/emulator/index.ts';
import {
  GRANULE,
  Lab,
  UNPROTECTED,
  dataCreate,
  expectFailure,
  expectOk,
  mapTables,
  newRealm,
} from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const INPUT = 'RMI_ERROR_INPUT';

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

describe(specTitle('RMI_DATA_DESTROY'), () => {
  function mapped() {
    const s = setup();
    expectOk(s.call());
    return s;
  }

  it('rd_align -> RMI_ERROR_INPUT, top 0', () => {
    const s = mapped();
    const r = s.lab.call(abi.SMC_RMI_DATA_DESTROY, s.rd + 1, 0);
    expectFailure(r, 'rd_align', INPUT);
    expect(r.x[2]).toBe(0n);
  });

  it('rd_bound -> RMI_ERROR_INPUT', () => {
    expectFailure(mapped().lab.call(abi.SMC_RMI_DATA_DESTROY, 0x1000, 0), 'rd_bound', INPUT);
  });

  it('rd_state -> RMI_ERROR_INPUT', () => {
    const s = mapped();
    expectFailure(s.lab.call(abi.SMC_RMI_DATA_DESTROY, s.data, 0), 'rd_state', INPUT);
  });

  it('ipa_align -> RMI_ERROR_INPUT', () => {
    const s = mapped();
    expectFailure(s.lab.call(abi.SMC_RMI_DATA_DESTROY, s.rd, 8), 'ipa_align', INPUT);
  });

  it('ipa_bound -> RMI_ERROR_INPUT', () => {
    const s = mapped();
    expectFailure(s.lab.call(abi.SMC_RMI_DATA_DESTROY, s.rd, UNPROTECTED), 'ipa_bound', INPUT);
  });

  it('rtt_walk -> RMI_ERROR_RTT at the walk level, top = next live entry or end of RTT', () => {
    const s = mapped();
    const r = s.lab.call(abi.SMC_RMI_DATA_DESTROY, s.rd, 0x20_0000);
    expectFailure(r, 'rtt_walk', 'RMI_ERROR_RTT', 2);
    expect(r.x[2]).toBe(0x4000_0000n);
  });

  it('rtte_state: entry UNASSIGNED -> RMI_ERROR_RTT 3, top = next live entry', () => {
    const s = mapped();
    dataCreate(s.lab, s.rd, 0x5000);
    const r = s.lab.call(abi.SMC_RMI_DATA_DESTROY, s.rd, 0x1000);
    expectFailure(r, 'rtte_state', 'RMI_ERROR_RTT', 3);
    expect(r.x[2]).toBe(0x5000n);
  });

  it('success: DATA -> DELEGATED (wiped), RIPAS RAM -> DESTROYED, X1 = data, X2 = top', () => {
    const s = mapped();
    // The granule holds the realm's copy of the 0x5a source page: the wipe has bytes to remove.
    expect(s.lab.m.state.memory[s.data / GRANULE]?.some((b) => b === 0x5a)).toBe(true);
    const r = s.lab.call(abi.SMC_RMI_DATA_DESTROY, s.rd, 0);
    expectOk(r);
    expect(s.lab.m.ledger.findLast((e) => e.kind === 'granule:transition')).toMatchObject({
      pa: s.data,
      from: 'DATA',
      to: 'DELEGATED',
      wiped: true,
    });
    expect(r.x[1]).toBe(BigInt(s.data));
    expect(r.x[2]).toBe(0x20_0000n);
    expect(s.lab.m.granuleOf(s.data).state).toBe('DELEGATED');
    expect(s.lab.m.state.memory[s.data / GRANULE]).toBeUndefined();
    expect(rttEntries(s.lab.m.state, s.rd, 0, GRANULE)[0]!.entry).toEqual({
      state: 'UNASSIGNED',
      ripas: 'DESTROYED',
    });
    expect(s.lab.m.checkInvariants()).toEqual([]);
  });

  it('success: RIPAS EMPTY stays EMPTY', () => {
    const s = setup();
    expectOk(s.unknown());
    expectOk(s.lab.call(abi.SMC_RMI_DATA_DESTROY, s.rd, 0));
    expect(rttEntries(s.lab.m.state, s.rd, 0, GRANULE)[0]!.entry).toEqual({
      state: 'UNASSIGNED',
      ripas: 'EMPTY',
    });
  });
});
