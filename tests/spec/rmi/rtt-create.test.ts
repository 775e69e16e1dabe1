// RMI_RTT_CREATE (DEN0137 B4.3.15; cca-spec.md §2.3, §3.4): one test per failure label in spec
// order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi, realmRtts, rttEntries } from '../../../src/emulator/index.ts';
import {
  GRANULE,
  Lab,
  UNPROTECTED,
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

describe(specTitle('RMI_RTT_CREATE'), () => {
  function create(lab: Lab, rd: number, rtt: number, ipa: number, level: number | bigint) {
    return lab.call(abi.SMC_RMI_RTT_CREATE, rd, rtt, ipa, level);
  }

  it('rd_align -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = realm();
    expectFailure(create(lab, rd + 1, lab.delegated(), 0, 2), 'rd_align', INPUT);
  });

  it('rd_bound -> RMI_ERROR_INPUT', () => {
    const { lab } = realm();
    expectFailure(create(lab, 0x2000, lab.delegated(), 0, 2), 'rd_bound', INPUT);
  });

  it('rd_state -> RMI_ERROR_INPUT', () => {
    const { lab } = realm();
    const d = lab.delegated();
    expectFailure(create(lab, d, lab.delegated(), 0, 2), 'rd_state', INPUT);
  });

  it('level_bound: the starting level, or beyond 3 -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = realm();
    expectFailure(create(lab, rd, lab.delegated(), 0, 1), 'level_bound', INPUT);
    expectFailure(create(lab, rd, lab.delegated(), 0, 4), 'level_bound', INPUT);
    expectFailure(create(lab, rd, lab.delegated(), 0, -1n), 'level_bound', INPUT);
  });

  it('ipa_align: not aligned to the parent entry size -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = realm();
    expectFailure(create(lab, rd, lab.delegated(), L2, 2), 'ipa_align', INPUT);
  });

  it('ipa_bound: beyond the IPA space -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = realm();
    expectFailure(create(lab, rd, lab.delegated(), 2 ** 40, 2), 'ipa_bound', INPUT);
  });

  it('rtt_align -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = realm();
    expectFailure(create(lab, rd, lab.delegated() + 8, 0, 2), 'rtt_align', INPUT);
  });

  it('rtt_bound -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = realm();
    expectFailure(create(lab, rd, 0x0600_0000, 0, 2), 'rtt_bound', INPUT);
  });

  it('rtt_state: rtt granule UNDELEGATED -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = realm();
    expectFailure(create(lab, rd, lab.alloc(), 0, 2), 'rtt_state', INPUT);
  });

  it('rtt_bound2: rtt >= 2^48 without LPA2 -> RMI_ERROR_INPUT', () => {
    const high = 2 ** 48;
    const lab = new Lab({
      memoryMap: [
        ...abi.DEFAULT_MEMORY_MAP,
        { name: 'High', base: high, size: 0x4000, gpi: 'NS', delegable: true, description: '' },
      ],
    });
    const { rd } = newRealm(lab);
    lab.call(abi.SMC_RMI_GRANULE_DELEGATE, high);
    expectFailure(create(lab, rd, high, 0, 2), 'rtt_bound2', INPUT);
  });

  it('rtt_walk: no level-2 RTT when creating a level-3 one -> RMI_ERROR_RTT 1', () => {
    const { lab, rd } = realm();
    expectFailure(create(lab, rd, lab.delegated(), 0, 3), 'rtt_walk', 'RMI_ERROR_RTT', 1);
  });

  it('rtte_state: the parent entry is already a TABLE -> RMI_ERROR_RTT (parent level)', () => {
    const { lab, rd } = realm();
    mapTables(lab, rd, 0, 2);
    expectFailure(create(lab, rd, lab.delegated(), 0, 2), 'rtte_state', 'RMI_ERROR_RTT', 1);
  });

  it('success: RTT created, parent TABLE, children unfold the parent (RIPAS kept)', () => {
    const { lab, rd } = realm();
    initRipas(lab, rd, 0, L2);
    const rtt = lab.delegated();
    expectOk(create(lab, rd, rtt, 0, 3));
    expect(lab.m.granuleOf(rtt)).toMatchObject({ state: 'RTT', realm: rd, refcount: 0 });
    const leaves = rttEntries(lab.m.state, rd, 0, L2);
    expect(leaves).toHaveLength(512);
    expect(
      leaves.every(
        (l) => l.level === 3 && l.entry.state === 'UNASSIGNED' && l.entry.ripas === 'RAM',
      ),
    ).toBe(true);
    expect(realmRtts(lab.m.state, rd).map((r) => r.level)).toEqual([1, 1, 2, 3]);
  });

  it('success: works in the unprotected half (children UNASSIGNED_NS)', () => {
    const { lab, rd } = realm();
    mapTables(lab, rd, UNPROTECTED, 3);
    expect(rttEntries(lab.m.state, rd, UNPROTECTED, UNPROTECTED + GRANULE)[0]).toMatchObject({
      level: 3,
      entry: { state: 'UNASSIGNED_NS' },
    });
  });
});
