// RMI_RTT_FOLD (DEN0137 B4.3.17; cca-spec.md §2.3, §3.4): one test per failure label in spec order,
// each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi, realmRtts, rttEntries } from '../../../src/emulator/index.ts';
import {
  GRANULE,
  Lab,
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
const L1 = 0x4000_0000;

function realm() {
  const lab = new Lab();
  const { rd } = newRealm(lab);
  return { lab, rd };
}

describe(specTitle('RMI_RTT_FOLD'), () => {
  function fold(lab: Lab, rd: number, ipa: number, level: number) {
    return lab.call(abi.SMC_RMI_RTT_FOLD, rd, ipa, level);
  }
  function withTables() {
    const r = realm();
    mapTables(r.lab, r.rd, 0, 3);
    return r;
  }

  it('rd_align -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = withTables();
    expectFailure(fold(lab, rd + 4, 0, 3), 'rd_align', INPUT);
  });

  it('rd_bound -> RMI_ERROR_INPUT', () => {
    const { lab } = withTables();
    expectFailure(fold(lab, 0x1000, 0, 3), 'rd_bound', INPUT);
  });

  it('rd_state -> RMI_ERROR_INPUT', () => {
    const { lab } = withTables();
    expectFailure(fold(lab, lab.delegated(), 0, 3), 'rd_state', INPUT);
  });

  it('level_bound -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = withTables();
    expectFailure(fold(lab, rd, 0, 5), 'level_bound', INPUT);
  });

  it('ipa_align -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = withTables();
    expectFailure(fold(lab, rd, GRANULE, 3), 'ipa_align', INPUT);
  });

  it('ipa_bound -> RMI_ERROR_INPUT', () => {
    const { lab, rd } = withTables();
    expectFailure(fold(lab, rd, 2 ** 41, 3), 'ipa_bound', INPUT);
  });

  it('rtt_walk -> RMI_ERROR_RTT at the walk level', () => {
    const { lab, rd } = withTables();
    expectFailure(fold(lab, rd, L1, 3), 'rtt_walk', 'RMI_ERROR_RTT', 1);
  });

  it('rtte_state: parent not a TABLE -> RMI_ERROR_RTT', () => {
    const { lab, rd } = withTables();
    expectFailure(fold(lab, rd, L2, 3), 'rtte_state', 'RMI_ERROR_RTT', 2);
  });

  it('rtt_homo: entries differ -> RMI_ERROR_RTT at the RTT level', () => {
    const { lab, rd } = withTables();
    dataCreate(lab, rd, GRANULE);
    const r = fold(lab, rd, 0, 3);
    expectFailure(r, 'rtt_homo', 'RMI_ERROR_RTT', 3);
    expect(r.failure?.reason).toMatch(/not homogeneous/);
  });

  it('success: a homogeneous UNASSIGNED RTT folds into its parent entry (RIPAS kept)', () => {
    const { lab, rd } = realm();
    initRipas(lab, rd, 0, L2);
    mapTables(lab, rd, 0, 3);
    const rtt3 = realmRtts(lab.m.state, rd).find((t) => t.level === 3)!.rtt;
    const r = fold(lab, rd, 0, 3);
    expectOk(r);
    expect(r.x[1]).toBe(BigInt(rtt3));
    expect(lab.m.granuleOf(rtt3).state).toBe('DELEGATED');
    expect(rttEntries(lab.m.state, rd, 0, 1)[0]).toMatchObject({
      level: 2,
      entry: { state: 'UNASSIGNED', ripas: 'RAM' },
    });
  });

  it('success: 512 contiguous DATA pages fold into a 2 MiB ASSIGNED block and unfold again', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    mapTables(lab, rd, 0, 3);
    // A 2 MiB aligned run of delegated granules for the block's output address.
    lab.alloc(L2);
    const first = lab.alloc(L2);
    for (let i = 0; i < 512; i++) {
      const pa = first + i * GRANULE;
      if (i > 0) expect(lab.alloc()).toBe(pa);
      expectOk(lab.call(abi.SMC_RMI_GRANULE_DELEGATE, pa));
      expectOk(lab.call(abi.SMC_RMI_DATA_CREATE_UNKNOWN, rd, pa, i * GRANULE));
    }
    expectOk(fold(lab, rd, 0, 3));
    const [block] = rttEntries(lab.m.state, rd, 0, 1);
    expect(block).toMatchObject({
      level: 2,
      entry: { state: 'ASSIGNED', pa: first, ripas: 'EMPTY' },
    });
    // DATA_DESTROY of a block-mapped IPA reports the block's level and top = ipa.
    const d = lab.call(abi.SMC_RMI_DATA_DESTROY, rd, 0);
    expectFailure(d, 'rtt_walk', 'RMI_ERROR_RTT', 2);
    expect(d.x[2]).toBe(0n);
    expectOk(lab.call(abi.SMC_RMI_RTT_CREATE, rd, lab.delegated(), 0, 3));
    expect(rttEntries(lab.m.state, rd, 0, L2)[511]).toMatchObject({
      level: 3,
      entry: { state: 'ASSIGNED', pa: first + 511 * GRANULE },
    });
  });
  it('success: 512 contiguous NS mappings fold into an ASSIGNED_NS block; RTT_CREATE unfolds it', () => {
    const { lab, rd } = realm();
    const ns = 2 ** 39; // the first unprotected IPA
    mapTables(lab, rd, ns, 3);
    const oa = 0x8020_0000; // 2 MiB aligned; the RMM does not check that it is NS memory
    const attr = 0xc0 + 0x18;
    for (let i = 0; i < 512; i++) {
      expectOk(
        lab.call(abi.SMC_RMI_RTT_MAP_UNPROTECTED, rd, ns + i * GRANULE, 3, oa + i * GRANULE + attr),
      );
    }
    expectOk(fold(lab, rd, ns, 3));
    const read = lab.call(abi.SMC_RMI_RTT_READ_ENTRY, rd, ns, 2);
    expect(read.x.slice(1)).toEqual([2n, BigInt(abi.RMI_ASSIGNED), BigInt(oa + attr), 0n]);
    expectOk(lab.call(abi.SMC_RMI_RTT_CREATE, rd, lab.delegated(), ns, 3));
    expect(rttEntries(lab.m.state, rd, ns + L2 - GRANULE, ns + L2)[0]!.entry).toEqual({
      state: 'ASSIGNED_NS',
      pa: oa + L2 - GRANULE,
      attr,
    });
  });
});
