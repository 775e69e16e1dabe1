// RMI_REC_ENTER (DEN0137 B4.3.14; cca-spec.md §2.3, §2.5): one test per failure label in
// spec order (each set up so every earlier condition passes), then the exit/entry protocol
// with scripted guests: WFI, PSCI, emulatable MMIO, stage 2 aborts, SEA, host calls.
import { describe, expect, it } from 'vitest';
import {
  abi,
  encodeRecEnterFlags,
  getRec,
  listRealms,
  rttEntries,
  scriptedGuest,
  smcStop,
  SYSTEM_OFF_GUEST,
  type GuestEntry,
  type GuestScriptStep,
} from './rec-enter-helpers.ts';
import { getField } from '../../../src/lib/bits.ts';
import {
  GRANULE,
  Lab,
  UNPROTECTED,
  activeRealm,
  enter,
  expectFailure,
  expectOk,
  mapTables,
  newRealm,
  newRec,
  newRun,
  setEnter,
} from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const INPUT = 'RMI_ERROR_INPUT';
const REC = 'RMI_ERROR_REC';

function labWith(steps: readonly GuestScriptStep[]): Lab {
  return new Lab({ guest: scriptedGuest(steps) });
}

describe(specTitle('RMI_REC_ENTER'), () => {
  it('run_align -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rec } = activeRealm(lab);
    expectFailure(lab.call(abi.SMC_RMI_REC_ENTER, rec, newRun(lab) + 8), 'run_align', INPUT);
  });

  it('run_bound -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rec } = activeRealm(lab);
    expectFailure(lab.call(abi.SMC_RMI_REC_ENTER, rec, 0x0400_0000), 'run_bound', INPUT);
  });

  it('run_pas: RecRun in Realm PAS -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rec } = activeRealm(lab);
    expectFailure(lab.call(abi.SMC_RMI_REC_ENTER, rec, lab.delegated()), 'run_pas', INPUT);
  });

  it('rec_align -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rec } = activeRealm(lab);
    expectFailure(lab.call(abi.SMC_RMI_REC_ENTER, rec + 4, newRun(lab)), 'rec_align', INPUT);
  });

  it('rec_bound -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    activeRealm(lab);
    expectFailure(lab.call(abi.SMC_RMI_REC_ENTER, 0x1000, newRun(lab)), 'rec_bound', INPUT);
  });

  it('rec_gran_state: granule is an RD -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = activeRealm(lab);
    expectFailure(lab.call(abi.SMC_RMI_REC_ENTER, rd, newRun(lab)), 'rec_gran_state', INPUT);
  });

  it('realm_new: the realm is NEW -> (RMI_ERROR_REALM, 0)', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const rec = newRec(lab, rd);
    expectFailure(enter(lab, rec, newRun(lab)).r, 'realm_new', 'RMI_ERROR_REALM', 0);
  });

  it('system_off: the realm is SYSTEM_OFF -> (RMI_ERROR_REALM, 1)', () => {
    const lab = new Lab({ guest: SYSTEM_OFF_GUEST });
    const { rec } = activeRealm(lab);
    const run = newRun(lab);
    expectOk(enter(lab, rec, run).r);
    const r = enter(lab, rec, run).r;
    expectFailure(r, 'system_off', 'RMI_ERROR_REALM', 1);
    expect(r.x[0]).toBe(0x102n);
  });

  it('rec_state: the REC is running on another CPU -> RMI_ERROR_REC', () => {
    const lab = new Lab();
    const { rec } = activeRealm(lab);
    getRec(lab, rec).state = 'RUNNING';
    expectFailure(enter(lab, rec, newRun(lab)).r, 'rec_state', REC);
  });

  it('rec_runnable: the REC is NOT_RUNNABLE -> RMI_ERROR_REC', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    newRec(lab, rd, 0);
    const second = newRec(lab, rd, 1, { flags: BigInt(abi.RMI_NOT_RUNNABLE) });
    expectOk(lab.call(abi.SMC_RMI_REALM_ACTIVATE, rd));
    expectFailure(enter(lab, second, newRun(lab)).r, 'rec_runnable', REC);
  });

  it('rec_mmio: emul_mmio without an emulatable abort -> RMI_ERROR_REC', () => {
    const lab = new Lab();
    const { rec } = activeRealm(lab);
    const run = newRun(lab, { flags: encodeRecEnterFlags({ emulMmio: true }) });
    expectFailure(enter(lab, rec, run).r, 'rec_mmio', REC);
  });

  it('rec_gicv3: HCR bits the host may not set, or an LR with HW = 1 -> RMI_ERROR_REC', () => {
    const lab = new Lab();
    const { rec } = activeRealm(lab);
    expectFailure(enter(lab, rec, newRun(lab, { gicv3Hcr: 1n })).r, 'rec_gicv3', REC);
    const lrs = [0n, 1n << 61n];
    expectFailure(enter(lab, rec, newRun(lab, { gicv3Lrs: lrs })).r, 'rec_gicv3', REC);
    expectOk(enter(lab, rec, newRun(lab, { gicv3Hcr: abi.ICH_HCR_EL2_HOST_MASK })).r);
  });

  it('rec_psci: a PSCI request waits for RMI_PSCI_COMPLETE -> RMI_ERROR_REC', () => {
    const lab = labWith([(rec) => smcStop(rec, abi.PSCI_CPU_ON_AARCH64, 1, 0x2000, 0)]);
    const { rd } = newRealm(lab);
    const rec0 = newRec(lab, rd, 0);
    newRec(lab, rd, 1, { flags: BigInt(abi.RMI_NOT_RUNNABLE) });
    expectOk(lab.call(abi.SMC_RMI_REALM_ACTIVATE, rd));
    const run = newRun(lab);
    const { exit } = enter(lab, rec0, run);
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_PSCI));
    expectFailure(enter(lab, rec0, run).r, 'rec_psci', REC);
  });

  it('success: the idle guest sleeps in WFI until an interrupt (RMI_EXIT_IRQ), PC advanced', () => {
    const lab = new Lab();
    const { rec } = activeRealm(lab);
    const { r, exit } = enter(lab, rec, newRun(lab));
    expectOk(r);
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_IRQ));
    expect(exit.gprs.every((g) => g === 0n)).toBe(true);
    expect(getRec(lab, rec)).toMatchObject({ state: 'READY', pc: '0x1004' });
  });

  it('success: trapped WFI exits RMI_EXIT_SYNC with EC WFx, TI 0', () => {
    const lab = new Lab();
    const { rec } = activeRealm(lab);
    const { exit } = enter(
      lab,
      rec,
      newRun(lab, { flags: encodeRecEnterFlags({ trapWfi: true }) }),
    );
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_SYNC));
    expect(getField(exit.esr, abi.ESR_EL2_EC)).toBe(BigInt(abi.ESR_EL2_EC_WFX));
    expect(getField(exit.esr, abi.ESR_EL2_WFX_TI)).toBe(0n);
  });

  it('success: PSCI_SYSTEM_OFF makes an RMI_EXIT_PSCI exit with the FID and powers off', () => {
    const lab = new Lab({ guest: SYSTEM_OFF_GUEST });
    const { rec } = activeRealm(lab);
    const { exit } = enter(lab, rec, newRun(lab, { gicv3Hcr: 2n }));
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_PSCI));
    expect(exit.gprs[0]).toBe(BigInt(abi.PSCI_SYSTEM_OFF));
    expect(exit.gprs.slice(1).every((g) => g === 0n)).toBe(true);
    expect(exit.gicv3Hcr).toBe(2n);
    expect(listRealms(lab.m.state)[0]!.state).toBe('SYSTEM_OFF');
  });

  it('success: an emulatable MMIO read exits with ISV/SAS/HPFAR/FAR and completes with emul_mmio', () => {
    const ipa = UNPROTECTED + 0x1008;
    const lab = labWith([
      { kind: 'access', access: 'read', ipa, size: 4, register: 5, signExtend: true },
    ]);
    const { rd, rec } = activeRealm(lab);
    mapTables(lab, rd, UNPROTECTED, 3);
    const run = newRun(lab);
    const { exit } = enter(lab, rec, run);
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_SYNC));
    expect(getField(exit.esr, abi.ESR_EL2_EC)).toBe(BigInt(abi.ESR_EL2_EC_DATA_ABORT));
    expect(getField(exit.esr, abi.ESR_EL2_ABORT_ISV)).toBe(1n);
    expect(getField(exit.esr, abi.ESR_EL2_ABORT_SAS)).toBe(2n);
    expect(getField(exit.esr, abi.ESR_EL2_ABORT_WNR)).toBe(0n);
    expect(getField(exit.esr, abi.ESR_EL2_ABORT_SRT)).toBe(0n);
    expect(exit.hpfar).toBe(BigInt(ipa - 8) >> 8n);
    expect(exit.far).toBe(8n);
    setEnter(lab, run, { flags: encodeRecEnterFlags({ emulMmio: true }), gprs: [0x8000_0001n] });
    expectOk(enter(lab, rec, run).r);
    const r = getRec(lab, rec);
    expect(r.gprs[5]).toBe('0xffffffff80000001');
    expect(r.pc).toBe('0x1008');
  });

  it('success: an emulatable MMIO write puts the value in exit.gprs[0]', () => {
    const ipa = UNPROTECTED + 0x2000;
    const lab = labWith([
      { kind: 'access', access: 'write', ipa, size: 8, register: 1, value: 0x1234n },
    ]);
    const { rd, rec } = activeRealm(lab);
    mapTables(lab, rd, UNPROTECTED, 3);
    const { exit } = enter(lab, rec, newRun(lab));
    expect(getField(exit.esr, abi.ESR_EL2_ABORT_WNR)).toBe(1n);
    expect(exit.gprs[0]).toBe(0x1234n);
  });

  it('success: protected RAM without DATA is a non-emulatable abort; RIPAS EMPTY gets an SEA', () => {
    const seen: GuestEntry[] = [];
    const lab = labWith([
      { kind: 'access', access: 'read', ipa: 0x40_0000, size: 8, register: 0 },
      (_rec, entry) => {
        seen.push(entry);
        return { kind: 'access', access: 'read', ipa: 0x1000, size: 8, register: 0 };
      },
    ]);
    const { rec } = activeRealm(lab);
    // IPA 0x40_0000 has RIPAS EMPTY: SEA, no exit; IPA 0x1000 is RAM but UNASSIGNED: exit.
    const { exit } = enter(lab, rec, newRun(lab));
    expect(seen[0]?.sea).toEqual({ ipa: 0x40_0000 });
    expect(getField(exit.esr, abi.ESR_EL2_ABORT_ISV)).toBe(0n);
    expect(getField(exit.esr, abi.ESR_EL2_ABORT_FSC)).toBe(
      BigInt(abi.ESR_EL2_ABORT_FSC_TRANSLATION_FAULT_L0 + 3),
    );
    expect(exit.far).toBe(0n);
    expect(exit.hpfar).toBe(0x10n);
  });

  it('success: the realm reads its own DATA page through stage 2 without an exit', () => {
    const lab = labWith([{ kind: 'access', access: 'read', ipa: 0, size: 8, register: 3 }]);
    const { rec } = activeRealm(lab);
    const { exit } = enter(lab, rec, newRun(lab));
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_IRQ));
    expect(getRec(lab, rec).gprs[3]).toBe('0x0');
    expect(lab.m.ledger.some((e) => e.kind === 'mem:access' && e.actor.startsWith('realm:'))).toBe(
      true,
    );
  });

  it('success: RSI_HOST_CALL exits with imm and gprs, and the host answer is copied back', () => {
    const lab = labWith([(rec) => smcStop(rec, abi.SMC_RSI_HOST_CALL, 0x100)]);
    const { rd, rec } = activeRealm(lab);
    const mapped = rttEntries(lab.m.state, rd, 0, 1)[0]!.entry;
    const data = mapped.state === 'ASSIGNED' ? mapped.pa : 0;
    // Put imm 7 and X0 = 42 into the realm's RsiHostCall at IPA 0x100 (as the realm would).
    const page = lab.m.state.memory[data / GRANULE] ?? new Uint8Array(GRANULE);
    page[0x100] = 7;
    page[0x108] = 42;
    lab.m.state.memory[data / GRANULE] = page;
    const run = newRun(lab);
    const { exit } = enter(lab, rec, run);
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_HOST_CALL));
    expect(exit.imm).toBe(7n);
    expect(exit.gprs[0]).toBe(42n);
    setEnter(lab, run, { gprs: [99n, 98n] });
    expectOk(enter(lab, rec, run).r);
    expect(lab.m.state.memory[data / GRANULE]![0x108]).toBe(99);
    expect(lab.m.state.memory[data / GRANULE]![0x110]).toBe(98);
    expect(getRec(lab, rec).gprs[0]).toBe('0x0');
  });

  it('success: a guest that never stops is interrupted by an RMI_EXIT_IRQ', () => {
    const lab = new Lab({
      guest: {
        name: 'busy',
        run: () => ({ kind: 'access', access: 'read', ipa: 0, size: 1, register: 0 }),
      },
    });
    const { rec } = activeRealm(lab);
    expect(enter(lab, rec, newRun(lab)).exit.exitReason).toBe(BigInt(abi.RMI_EXIT_IRQ));
  });
});
