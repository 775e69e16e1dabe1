// RMI_RTT_READ_ENTRY (DEN0137 B4.3.20; cca-spec.md §2.3, §3.4): one test per failure label in spec
// order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi } from '../../../src/emulator/index.ts';
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
const L2 = 0x20_0000;

function realm() {
  const lab = new Lab();
  const { rd } = newRealm(lab);
  return { lab, rd };
}

describe(specTitle('RMI_RTT_READ_ENTRY'), () => {
  function read(lab: Lab, rd: number, ipa: number, level: number) {
    return lab.call(abi.SMC_RMI_RTT_READ_ENTRY, rd, ipa, level);
  }

  it('rd_align -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = realm();
    expectFailure(read(lab, rd + 1, 0, 1), 'rd_align', INPUT);
  });

  it('rd_bound -> RMI_ERROR_INPUT', () => {
    const { lab } = realm();
    expectFailure(read(lab, 0x1000, 0, 1), 'rd_bound', INPUT);
  });

  it('rd_state -> RMI_ERROR_INPUT', () => {
    const { lab } = realm();
    expectFailure(read(lab, lab.delegated(), 0, 1), 'rd_state', INPUT);
  });

  it('level_bound: below the starting level -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = realm();
    expectFailure(read(lab, rd, 0, 0), 'level_bound', INPUT);
  });

  it('ipa_align: not aligned to the level -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = realm();
    expectFailure(read(lab, rd, GRANULE, 2), 'ipa_align', INPUT);
  });

  it('ipa_bound -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = realm();
    expectFailure(read(lab, rd, 2 ** 40, 1), 'ipa_bound', INPUT);
  });

  it('success: walk level, state, desc and RIPAS for each kind of entry', () => {
    const { lab, rd } = realm();
    expect(read(lab, rd, 0, 3).x).toEqual([0n, 1n, 0n, 0n, 0n]);
    initRipas(lab, rd, 0, L2, 3);
    const data = dataCreate(lab, rd, 0);
    expect(read(lab, rd, 0, 1).x).toEqual([0n, 1n, 2n, expect.any(BigInt), 0n]);
    expect(read(lab, rd, 0, 3).x).toEqual([0n, 3n, 1n, BigInt(data), 1n]);
    expect(read(lab, rd, GRANULE, 3).x).toEqual([0n, 3n, 0n, 0n, 1n]);
    mapTables(lab, rd, UNPROTECTED, 3);
    const ns = lab.alloc();
    expectOk(lab.call(abi.SMC_RMI_RTT_MAP_UNPROTECTED, rd, UNPROTECTED, 3, ns + 0x44));
    expect(read(lab, rd, UNPROTECTED, 3).x).toEqual([0n, 3n, 1n, BigInt(ns + 0x44), 0n]);
    expect(read(lab, rd, UNPROTECTED + GRANULE, 3).x).toEqual([0n, 3n, 0n, 0n, 0n]);
  });
});
