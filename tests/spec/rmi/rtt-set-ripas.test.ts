// RMI_RTT_SET_RIPAS (DEN0137 B4.3.21; cca-spec.md §2.3, §3.4, §4.3): one test per failure label in
// spec order, each set up so that every earlier condition passes, then the success rules. The realm
// side of a RIPAS change (RSI_IPA_STATE_SET, RIPAS_CHANGE exit, response) is here too.
import { describe, expect, it } from 'vitest';
import { abi, rttEntries, scriptedGuest, smcStop } from '../../../src/emulator/index.ts';
import { getRec } from './rec-enter-helpers.ts';
import {
  GRANULE,
  Lab,
  activeRealm,
  enter,
  expectFailure,
  expectOk,
  newRun,
  setEnter,
} from './helpers.ts';
import { encodeRecEnterFlags } from '../../../src/emulator/index.ts';
import { specTitle } from '../spec-title.ts';

const INPUT = 'RMI_ERROR_INPUT';
const L2 = 0x20_0000;

describe(specTitle('RMI_RTT_SET_RIPAS'), () => {
  /** An active realm whose REC asked for RIPAS `value` over [base, top). */
  function requested(base: number, top: number, value: number, flags = 0) {
    const lab = new Lab({
      guest: scriptedGuest([
        (rec) => smcStop(rec, abi.SMC_RSI_IPA_STATE_SET, base, top, value, flags),
      ]),
    });
    const { rd, rec } = activeRealm(lab);
    const run = newRun(lab);
    const { exit } = enter(lab, rec, run);
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_RIPAS_CHANGE));
    const set = (o: Partial<{ rd: number; rec: number; base: number; top: number }> = {}) =>
      lab.call(abi.SMC_RMI_RTT_SET_RIPAS, o.rd ?? rd, o.rec ?? rec, o.base ?? base, o.top ?? top);
    return { lab, rd, rec, run, exit, set };
  }

  it('rd_align -> RMI_ERROR_INPUT', () => {
    const s = requested(0, 2 * GRANULE, abi.RSI_EMPTY);
    expectFailure(s.set({ rd: s.rd + 1 }), 'rd_align', INPUT);
  });

  it('rd_bound -> RMI_ERROR_INPUT', () => {
    expectFailure(requested(0, GRANULE, abi.RSI_EMPTY).set({ rd: 0x1000 }), 'rd_bound', INPUT);
  });

  it('rd_state -> RMI_ERROR_INPUT', () => {
    const s = requested(0, GRANULE, abi.RSI_EMPTY);
    expectFailure(s.set({ rd: s.rec }), 'rd_state', INPUT);
  });

  it('rec_align -> RMI_ERROR_INPUT', () => {
    const s = requested(0, GRANULE, abi.RSI_EMPTY);
    expectFailure(s.set({ rec: s.rec + 1 }), 'rec_align', INPUT);
  });

  it('rec_bound -> RMI_ERROR_INPUT', () => {
    expectFailure(requested(0, GRANULE, abi.RSI_EMPTY).set({ rec: 0 }), 'rec_bound', INPUT);
  });

  it('rec_gran_state -> RMI_ERROR_INPUT', () => {
    const s = requested(0, GRANULE, abi.RSI_EMPTY);
    expectFailure(s.set({ rec: s.rd }), 'rec_gran_state', INPUT);
  });

  it('rec_state: REC running -> RMI_ERROR_REC', () => {
    const s = requested(0, GRANULE, abi.RSI_EMPTY);
    getRec(s.lab, s.rec).state = 'RUNNING';
    expectFailure(s.set(), 'rec_state', 'RMI_ERROR_REC');
    getRec(s.lab, s.rec).state = 'READY';
  });

  it('rec_owner: REC of another realm -> RMI_ERROR_REC', () => {
    const s = requested(0, GRANULE, abi.RSI_EMPTY);
    const other = activeRealm(s.lab);
    expectFailure(s.set({ rd: other.rd }), 'rec_owner', 'RMI_ERROR_REC');
  });

  it('size_valid -> RMI_ERROR_INPUT', () => {
    expectFailure(requested(0, GRANULE, abi.RSI_EMPTY).set({ top: 0 }), 'size_valid', INPUT);
  });

  it('base_bound: base is not where the request continues -> RMI_ERROR_INPUT', () => {
    const s = requested(0, 2 * GRANULE, abi.RSI_EMPTY);
    expectFailure(s.set({ base: GRANULE }), 'base_bound', INPUT);
  });

  it('top_bound: top beyond the request -> RMI_ERROR_INPUT', () => {
    const s = requested(0, 2 * GRANULE, abi.RSI_EMPTY);
    expectFailure(s.set({ top: 3 * GRANULE }), 'top_bound', INPUT);
  });

  it('base_align: unaligned base in a 2 MiB entry whose RIPAS differs -> RMI_ERROR_RTT 2', () => {
    const s = requested(L2 + GRANULE, L2 + 2 * GRANULE, abi.RSI_RAM);
    expectFailure(s.set(), 'base_align', 'RMI_ERROR_RTT', 2);
  });

  it('top_gran_align -> RMI_ERROR_INPUT', () => {
    const s = requested(0, 2 * GRANULE, abi.RSI_EMPTY);
    expectFailure(s.set({ top: 0x1800 }), 'top_gran_align', INPUT);
  });

  it('no_progress: a 2 MiB entry only partly requested -> RMI_ERROR_RTT 2', () => {
    const s = requested(L2, L2 + GRANULE, abi.RSI_RAM);
    expectFailure(s.set(), 'no_progress', 'RMI_ERROR_RTT', 2);
  });

  it('no_progress: DESTROYED without RSI_CHANGE_DESTROYED -> RMI_ERROR_RTT 3', () => {
    const s = requested(0, GRANULE, abi.RSI_RAM);
    expectOk(s.lab.call(abi.SMC_RMI_DATA_DESTROY, s.rd, 0));
    expectFailure(s.set(), 'no_progress', 'RMI_ERROR_RTT', 3);
  });

  it('success: RAM -> EMPTY on ASSIGNED and UNASSIGNED, out_top; the realm sees SUCCESS + ACCEPT', () => {
    const s = requested(0, 2 * GRANULE, abi.RSI_EMPTY);
    expect([s.exit.ripasBase, s.exit.ripasTop, s.exit.ripasValue]).toEqual([0n, 0x2000n, 0n]);
    const r = s.set();
    expectOk(r);
    expect(r.x[1]).toBe(0x2000n);
    const entries = rttEntries(s.lab.m.state, s.rd, 0, 2 * GRANULE).map((e) => e.entry);
    expect(entries).toEqual([
      expect.objectContaining({ state: 'ASSIGNED', ripas: 'EMPTY' }),
      { state: 'UNASSIGNED', ripas: 'EMPTY' },
    ]);
    expectOk(enter(s.lab, s.rec, s.run).r);
    expect(getRec(s.lab, s.rec).gprs.slice(0, 3)).toEqual(['0x0', '0x2000', '0x0']);
  });

  it('success: the host may REJECT; the realm sees RSI_REJECT', () => {
    const s = requested(0, GRANULE, abi.RSI_RAM);
    setEnter(s.lab, s.run, { flags: encodeRecEnterFlags({ ripasReject: true }) });
    expectOk(enter(s.lab, s.rec, s.run).r);
    expect(getRec(s.lab, s.rec).gprs.slice(0, 3)).toEqual(['0x0', '0x0', '0x1']);
    // With no request outstanding nothing can be applied.
    expectFailure(s.set(), 'top_bound', INPUT);
  });

  it('success: DESTROYED -> RAM with RSI_CHANGE_DESTROYED', () => {
    const s = requested(0, GRANULE, abi.RSI_RAM, abi.RSI_CHANGE_DESTROYED);
    expectOk(s.lab.call(abi.SMC_RMI_DATA_DESTROY, s.rd, 0));
    expectOk(s.set());
    expect(rttEntries(s.lab.m.state, s.rd, 0, 1)[0]!.entry).toEqual({
      state: 'UNASSIGNED',
      ripas: 'RAM',
    });
  });
});
