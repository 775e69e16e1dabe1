// RMI_RTT_INIT_RIPAS (B4.3.18) and RMI_RTT_SET_RIPAS (B4.3.20) (cca-spec.md §2.3, §3.4,
// §4.3, §5.5): one test per failure label in spec order, then the success rules, including
// the realm side of a RIPAS change (RSI_IPA_STATE_SET, RIPAS_CHANGE exit, response).
import { describe, expect, it } from 'vitest';
import {
  abi,
  listRealms,
  rttEntries,
  scriptedGuest,
  smcStop,
} from '../../../src/emulator/index.ts';
import { getRec } from './rec-enter-helpers.ts';
import {
  GRANULE,
  Lab,
  activeRealm,
  dataCreate,
  enter,
  expectFailure,
  expectOk,
  mapTables,
  newRealm,
  newRun,
  setEnter,
} from './helpers.ts';
import { encodeRecEnterFlags } from '../../../src/emulator/index.ts';

const INPUT = 'RMI_ERROR_INPUT';
const L2 = 0x20_0000;

describe('RMI_RTT_INIT_RIPAS', () => {
  function setup() {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    mapTables(lab, rd, 0, 3);
    const init = (base: number, top: number, r = rd) =>
      lab.call(abi.SMC_RMI_RTT_INIT_RIPAS, r, base, top);
    return { lab, rd, init };
  }

  it('rd_align -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.init(0, GRANULE, s.rd + 1), 'rd_align', INPUT);
  });

  it('rd_bound -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.init(0, GRANULE, 0x1000), 'rd_bound', INPUT);
  });

  it('rd_state -> RMI_ERROR_INPUT', () => {
    const s = setup();
    expectFailure(s.init(0, GRANULE, s.lab.delegated()), 'rd_state', INPUT);
  });

  it('size_valid: top <= base -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().init(GRANULE, GRANULE), 'size_valid', INPUT);
  });

  it('top_bound: top beyond the protected range -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().init(0, 2 ** 39 + GRANULE), 'top_bound', INPUT);
  });

  it('realm_state: realm ACTIVE -> RMI_ERROR_REALM', () => {
    const s = setup();
    expectOk(s.lab.call(abi.SMC_RMI_REALM_ACTIVATE, s.rd));
    expectFailure(s.init(0, GRANULE), 'realm_state', 'RMI_ERROR_REALM');
  });

  it('base_align: base not aligned to the level where the walk stopped -> RMI_ERROR_RTT', () => {
    const s = setup();
    expectFailure(s.init(L2 + GRANULE, L2 + 2 * GRANULE), 'base_align', 'RMI_ERROR_RTT', 2);
  });

  it('rtte_state: the first entry is ASSIGNED -> RMI_ERROR_RTT at the walk level', () => {
    const s = setup();
    dataCreate(s.lab, s.rd, 0);
    expectFailure(s.init(0, GRANULE), 'rtte_state', 'RMI_ERROR_RTT', 3);
  });

  it('top_gran_align: top not 4 KiB aligned -> RMI_ERROR_INPUT', () => {
    expectFailure(setup().init(0, 0x1800), 'top_gran_align', INPUT);
  });

  it('no_progress: a 2 MiB entry does not fit in [base, top) -> RMI_ERROR_RTT 2', () => {
    expectFailure(setup().init(L2, L2 + GRANULE), 'no_progress', 'RMI_ERROR_RTT', 2);
  });

  it('success: RIPAS RAM per whole entry, out_top, one RIM extension per entry', () => {
    const s = setup();
    const rim0 = listRealms(s.lab.m.state)[0]!.rim;
    // Stops at the first non-UNASSIGNED entry (TF-RMM) and at the end of the level-3 RTT.
    dataCreate(s.lab, s.rd, 3 * GRANULE);
    const rim1 = listRealms(s.lab.m.state)[0]!.rim;
    const r = s.init(0, 8 * GRANULE);
    expectOk(r);
    expect(r.x[1]).toBe(BigInt(3 * GRANULE));
    const ripas = rttEntries(s.lab.m.state, s.rd, 0, 4 * GRANULE).map(
      (e) => 'ripas' in e.entry && e.entry.ripas,
    );
    expect(ripas).toEqual(['RAM', 'RAM', 'RAM', 'RAM']);
    expect(listRealms(s.lab.m.state)[0]!.rim).not.toBe(rim1);
    expect(rim1).not.toBe(rim0);
    // A range through to the end of the level-3 RTT ends at its boundary.
    expect(s.init(4 * GRANULE, 2 * L2).x[1]).toBe(BigInt(L2));
    // 2 MiB entries at level 2 are processed whole.
    expect(s.init(L2, 3 * L2).x[1]).toBe(BigInt(3 * L2));
  });

  it('success: the RIM depends on the RTT level the walk stops at', () => {
    const a = setup();
    const b = setup();
    expectOk(a.init(L2, 2 * L2)); // one level-2 entry
    mapTables(b.lab, b.rd, L2, 3);
    let at = L2;
    while (at < 2 * L2) at = Number(b.init(at, 2 * L2).x[1]); // 512 level-3 entries
    expect(listRealms(a.lab.m.state)[0]!.rim).not.toBe(listRealms(b.lab.m.state)[0]!.rim);
  });
});

describe('RMI_RTT_SET_RIPAS', () => {
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
