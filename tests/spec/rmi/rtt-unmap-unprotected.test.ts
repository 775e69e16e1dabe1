// RMI_RTT_UNMAP_UNPROTECTED (DEN0137 B4.3.22; cca-spec.md §2.3, §3.4, §4.3): one test per failure
// label in spec order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi, rttEntries } from '../../../src/emulator/index.ts';
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

describe(specTitle('RMI_RTT_UNMAP_UNPROTECTED'), () => {
  function mapped() {
    const s = setup();
    expectOk(s.map());
    return s;
  }

  it('rd_align -> RMI_ERROR_INPUT', () => {
    const s = mapped();
    expectFailure(s.unmap({ rd: s.rd + 1 }), 'rd_align', INPUT);
  });

  it('rd_bound -> RMI_ERROR_INPUT', () => {
    expectFailure(mapped().unmap({ rd: 0 }), 'rd_bound', INPUT);
  });

  it('rd_state -> RMI_ERROR_INPUT', () => {
    const s = mapped();
    expectFailure(s.unmap({ rd: s.lab.delegated() }), 'rd_state', INPUT);
  });

  it('level_bound -> RMI_ERROR_INPUT', () => {
    expectFailure(mapped().unmap({ level: 7 }), 'level_bound', INPUT);
  });

  it('ipa_align -> RMI_ERROR_INPUT', () => {
    expectFailure(mapped().unmap({ ipa: UNPROTECTED + 1 }), 'ipa_align', INPUT);
  });

  it('ipa_bound -> RMI_ERROR_INPUT', () => {
    expectFailure(mapped().unmap({ ipa: GRANULE }), 'ipa_bound', INPUT);
  });

  it('rtt_walk -> RMI_ERROR_RTT at the walk level, X1 = top', () => {
    const r = mapped().unmap({ ipa: UNPROTECTED + 0x4000_0000 });
    expectFailure(r, 'rtt_walk', 'RMI_ERROR_RTT', 1);
    expect(r.x[1]).toBe(BigInt(2 ** 40));
  });

  it('rtte_state: entry not ASSIGNED_NS -> RMI_ERROR_RTT 3, X1 = next mapped IPA', () => {
    const s = mapped();
    const r = s.unmap({ ipa: UNPROTECTED - 0 + GRANULE });
    expectFailure(r, 'rtte_state', 'RMI_ERROR_RTT', 3);
    expect(r.x[1]).toBe(BigInt(UNPROTECTED + 0x20_0000));
  });

  it('success: UNASSIGNED_NS, X1 = top', () => {
    const s = mapped();
    const r = s.unmap();
    expectOk(r);
    expect(r.x[1]).toBe(BigInt(UNPROTECTED + 0x20_0000));
    expect(rttEntries(s.lab.m.state, s.rd, UNPROTECTED, UNPROTECTED + 1)[0]!.entry).toEqual({
      state: 'UNASSIGNED_NS',
    });
  });
});
