// RMI_RTT_MAP_UNPROTECTED (DEN0137 B4.3.19; cca-spec.md §2.3, §3.4, §4.3): one test per failure
// label in spec order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi, rttEntries } from '../../../src/emulator/index.ts';
import { Lab, UNPROTECTED, expectFailure, expectOk, mapTables, newRealm } from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const INPUT = 'RMI_ERROR_INPUT';
/** S2AP read + write (bits 7:6) and MemAttr 0b001 (bits 4:2). */
const RW = 0xc0 + 0x04;

function setup() {
  const lab = new Lab();
  const { rd } = newRealm(lab);
  mapTables(lab, rd, UNPROTECTED, 3);
  const ns = lab.alloc();
  const map = (o: Partial<{ rd: number; ipa: number; level: number; desc: bigint }> = {}) =>
    lab.call(
      abi.SMC_RMI_RTT_MAP_UNPROTECTED,
      o.rd ?? rd,
      o.ipa ?? UNPROTECTED,
      o.level ?? 3,
      o.desc ?? BigInt(ns + RW),
    );
  const unmap = (o: Partial<{ rd: number; ipa: number; level: number }> = {}) =>
    lab.call(abi.SMC_RMI_RTT_UNMAP_UNPROTECTED, o.rd ?? rd, o.ipa ?? UNPROTECTED, o.level ?? 3);
  return { lab, rd, ns, map, unmap };
}

describe(specTitle('RMI_RTT_MAP_UNPROTECTED'), () => {
  it('attr_valid: bits outside the host fields, or MemAttr 0b100 -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.map({ desc: BigInt(s.ns) + (1n << 55n) }), 'attr_valid', INPUT);
    expectFailure(s.map({ desc: BigInt(s.ns) + 0x10n }), 'attr_valid', INPUT);
  });

  it('rd_align -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.map({ rd: s.rd + 1 }), 'rd_align', INPUT);
  });

  it('rd_bound -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().map({ rd: 0x1000 }), 'rd_bound', INPUT);
  });

  it('rd_state -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.map({ rd: s.lab.alloc() }), 'rd_state', INPUT);
  });

  it('level_bound: level 0 or 4 -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.map({ level: 0 }), 'level_bound', INPUT);
    expectFailure(s.map({ level: 4 }), 'level_bound', INPUT);
  });

  it('addr_align: output address not aligned to the level -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.map({ level: 2 }), 'addr_align', INPUT);
  });

  it('addr_bound: cannot fire without LPA2, attr_valid refuses an OA >= 2^48 first', () => {
    // The host-controlled OA field ends at bit 47, so a wider OA already fails attr_valid.
    const s = setup();
    expectFailure(s.map({ desc: (1n << 48n) + BigInt(RW) }), 'attr_valid', INPUT);
  });

  it('ipa_align -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.map({ ipa: UNPROTECTED + 8 }), 'ipa_align', INPUT);
  });

  it('ipa_bound: protected ipa, or beyond the IPA space -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.map({ ipa: 0 }), 'ipa_bound', INPUT);
    expectFailure(s.map({ ipa: 2 ** 40 }), 'ipa_bound', INPUT);
  });

  it('rtt_walk: no level-3 RTT there -> RMI_ERROR_RTT at the walk level', () => {
    const s = setup();
    expectFailure(s.map({ ipa: UNPROTECTED + 0x20_0000 }), 'rtt_walk', 'RMI_ERROR_RTT', 2);
  });

  it('rtte_state: already ASSIGNED_NS -> RMI_ERROR_RTT 3', () => {
    const s = setup();
    expectOk(s.map());
    expectFailure(s.map(), 'rtte_state', 'RMI_ERROR_RTT', 3);
  });

  it('success: ASSIGNED_NS with the host attributes; the RMM does not check the OA is NS', () => {
    const s = setup();
    const realmPage = s.lab.delegated();
    expectOk(s.map({ desc: BigInt(realmPage + RW) }));
    expect(rttEntries(s.lab.m.state, s.rd, UNPROTECTED, UNPROTECTED + 1)[0]!.entry).toEqual({
      state: 'ASSIGNED_NS',
      pa: realmPage,
      attr: RW,
    });
  });
});
