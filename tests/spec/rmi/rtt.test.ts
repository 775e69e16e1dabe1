// RMI_RTT_CREATE (B4.3.15), RMI_RTT_DESTROY (B4.3.16), RMI_RTT_FOLD (B4.3.17) and
// RMI_RTT_READ_ENTRY (B4.3.19) (cca-spec.md §2.3, §3.4): one test per failure label in spec
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
  initRipas,
  mapTables,
  newRealm,
} from './helpers.ts';

const INPUT = 'RMI_ERROR_INPUT';
const L2 = 0x20_0000;
const L1 = 0x4000_0000;

function realm() {
  const lab = new Lab();
  const { rd } = newRealm(lab);
  return { lab, rd };
}

describe('RMI_RTT_CREATE', () => {
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

describe('RMI_RTT_DESTROY', () => {
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

describe('RMI_RTT_FOLD', () => {
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
});

describe('RMI_RTT_READ_ENTRY', () => {
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
