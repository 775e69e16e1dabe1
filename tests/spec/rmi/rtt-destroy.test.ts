// RMI_RTT_DESTROY (DEN0137 B4.3.16; cca-spec.md §2.3, §3.4): one test per failure label in spec
// order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi, realmRtts, rttEntries } from '../../../src/emulator/index.ts';
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
const L2 = 0x20_0000;
const L1 = 0x4000_0000;

function realm() {
  const lab = new Lab();
  const { rd } = newRealm(lab);
  return { lab, rd };
}

describe(specTitle('RMI_RTT_DESTROY'), () => {
  function destroy(lab: Lab, rd: number, ipa: number, level: number) {
    return lab.call(abi.SMC_RMI_RTT_DESTROY, rd, ipa, level);
  }
  function withTables() {
    const r = realm();
    mapTables(r.lab, r.rd, 0, 3);
    return r;
  }

  it('rd_align -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = withTables();
    expectFailure(destroy(lab, rd + 4, 0, 3), 'rd_align', INPUT);
  });

  it('rd_bound -> RMI_ERROR_INPUT', () => {
    const { lab } = withTables();
    expectFailure(destroy(lab, 0x1000, 0, 3), 'rd_bound', INPUT);
  });

  it('rd_state -> RMI_ERROR_INPUT', () => {
    const { lab } = withTables();
    expectFailure(destroy(lab, lab.alloc(), 0, 3), 'rd_state', INPUT);
  });

  it('level_bound -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = withTables();
    expectFailure(destroy(lab, rd, 0, 1), 'level_bound', INPUT);
  });

  it('ipa_align -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = withTables();
    expectFailure(destroy(lab, rd, GRANULE, 3), 'ipa_align', INPUT);
  });

  it('ipa_bound -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = withTables();
    expectFailure(destroy(lab, rd, 2 ** 40, 3), 'ipa_bound', INPUT);
  });

  it('rtt_walk: no level-2 RTT there -> RMI_ERROR_RTT 1, X2 = walk top', () => {
    const { lab, rd } = withTables();
    const r = destroy(lab, rd, L1, 3);
    expectFailure(r, 'rtt_walk', 'RMI_ERROR_RTT', 1);
    expect(r.x[2]).toBe(BigInt(UNPROTECTED)); // the end of the first starting RTT
  });

  it('rtte_state: parent entry is not a TABLE -> RMI_ERROR_RTT (parent level), X2 = top', () => {
    const { lab, rd } = withTables();
    const r = destroy(lab, rd, L2, 3);
    expectFailure(r, 'rtte_state', 'RMI_ERROR_RTT', 2);
    expect(r.x[2]).toBe(BigInt(L1));
  });

  it('rtt_live: the RTT maps DATA -> RMI_ERROR_RTT at the RTT level, X2 = ipa', () => {
    const { lab, rd } = withTables();
    dataCreate(lab, rd, 0x3000);
    const r = destroy(lab, rd, 0, 3);
    expectFailure(r, 'rtt_live', 'RMI_ERROR_RTT', 3);
    expect(r.x[2]).toBe(0n);
    expectFailure(destroy(lab, rd, 0, 2), 'rtt_live', 'RMI_ERROR_RTT', 2);
  });

  it('success: RTT -> DELEGATED, parent UNASSIGNED DESTROYED, X1 = rtt, X2 = top', () => {
    const { lab, rd } = withTables();
    const rtt3 = realmRtts(lab.m.state, rd).find((t) => t.level === 3)!.rtt;
    const r = destroy(lab, rd, 0, 3);
    expectOk(r);
    expect(r.x[1]).toBe(BigInt(rtt3));
    expect(r.x[2]).toBe(BigInt(L1));
    expect(lab.m.granuleOf(rtt3).state).toBe('DELEGATED');
    expect(rttEntries(lab.m.state, rd, 0, GRANULE)[0]).toMatchObject({
      level: 2,
      entry: { state: 'UNASSIGNED', ripas: 'DESTROYED' },
    });
  });

  it('success: ASSIGNED_NS entries do not make an RTT live; unprotected parent UNASSIGNED_NS', () => {
    const { lab, rd } = realm();
    mapTables(lab, rd, UNPROTECTED, 3);
    const ns = lab.alloc();
    expectOk(lab.call(abi.SMC_RMI_RTT_MAP_UNPROTECTED, rd, UNPROTECTED, 3, ns + 0xc0));
    expectOk(destroy(lab, rd, UNPROTECTED, 3));
    expect(rttEntries(lab.m.state, rd, UNPROTECTED, UNPROTECTED + 1)[0]).toMatchObject({
      level: 2,
      entry: { state: 'UNASSIGNED_NS' },
    });
  });
});
