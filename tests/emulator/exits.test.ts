// The REC exit protocol, one exit reason at a time (cca-spec.md §2.5, §3.4, §4.1-4.2): what
// RmiRecExit holds, what the RMM does with RmiRecEnter on the next entry, and the outcomes
// that never reach the host (SEA, undefined exception). Guests are scripted (rmm/guest.ts).
import { describe, expect, it } from 'vitest';
import { getField } from '../../src/lib/bits.ts';
import {
  abi,
  mpidrOfIndex,
  scriptedGuest,
  smcStop,
  type GuestEntry,
  type GuestScriptStep,
  type RecRecord,
} from '../../src/emulator/index.ts';
import {
  Lab,
  UNPROTECTED,
  activeRealm,
  dataCreate,
  enter,
  expectOk,
  initRipas,
  newRealm,
  newRec,
  newRun,
  setEnter,
} from '../spec/rmi/helpers.ts';
import { hex } from '../../src/lib/hex.ts';

const EC = (esr: bigint): number => Number(getField(esr, abi.ESR_EL2_EC));
const ISV = (esr: bigint): number => Number(getField(esr, abi.ESR_EL2_ABORT_ISV));
const WNR = (esr: bigint): number => Number(getField(esr, abi.ESR_EL2_ABORT_WNR));

function setup(steps: GuestScriptStep[]) {
  const lab = new Lab({ guest: scriptedGuest(steps) });
  const realm = activeRealm(lab);
  const run = newRun(lab);
  const recOf = (): RecRecord => lab.m.state.rmm.recs[hex(realm.rec)]!;
  return { lab, realm, run, recOf };
}

const wfi: GuestScriptStep = { kind: 'wfi' };

describe('RMI_EXIT_SYNC: data aborts', () => {
  it('protected RAM with nothing mapped: non-emulatable abort, only EC, FSC and HPFAR, PC kept', () => {
    const { lab, realm, run, recOf } = setup([
      { kind: 'access', access: 'read', ipa: 0x5008, size: 8, register: 3 },
    ]);
    const pc = recOf().pc;
    const { exit } = enter(lab, realm.rec, run);
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_SYNC));
    expect(EC(exit.esr)).toBe(abi.ESR_EL2_EC_DATA_ABORT);
    expect(ISV(exit.esr)).toBe(0);
    expect(exit.hpfar).toBe(0x50n);
    expect(exit.far).toBe(0n);
    expect(exit.gprs.every((g) => g === 0n)).toBe(true);
    expect(recOf().pc).toBe(pc);
  });

  it('unprotected IPA with nothing mapped: emulatable write, value in gprs[0]; emul_mmio advances the PC', () => {
    const { lab, realm, run, recOf } = setup([
      {
        kind: 'access',
        access: 'write',
        ipa: UNPROTECTED + 0x9000010,
        size: 4,
        register: 5,
        value: 0xabcdn,
      },
      wfi,
    ]);
    const pc = BigInt(recOf().pc);
    const { exit } = enter(lab, realm.rec, run);
    expect(EC(exit.esr)).toBe(abi.ESR_EL2_EC_DATA_ABORT);
    expect([ISV(exit.esr), WNR(exit.esr)]).toEqual([1, 1]);
    expect(Number(getField(exit.esr, abi.ESR_EL2_ABORT_SAS))).toBe(2);
    expect(exit.far).toBe(0x10n);
    expect(exit.gprs[0]).toBe(0xabcdn);
    setEnter(lab, run, { flags: 1n << BigInt(abi.RMI_REC_ENTER_FLAGS_EMUL_MMIO) });
    const next = enter(lab, realm.rec, run);
    expect(next.exit.exitReason).toBe(BigInt(abi.RMI_EXIT_IRQ));
    // The write completed (+4), then the WFI (+4).
    expect(BigInt(recOf().pc)).toBe(pc + 8n);
  });

  it('emulated read: the host value from enter.gprs[0] lands in the destination register', () => {
    const { lab, realm, run, recOf } = setup([
      { kind: 'access', access: 'read', ipa: UNPROTECTED + 0x9000000, size: 2, register: 7 },
      wfi,
    ]);
    const { exit } = enter(lab, realm.rec, run);
    expect([ISV(exit.esr), WNR(exit.esr)]).toEqual([1, 0]);
    setEnter(lab, run, {
      flags: 1n << BigInt(abi.RMI_REC_ENTER_FLAGS_EMUL_MMIO),
      gprs: [0x12345678n],
    });
    enter(lab, realm.rec, run);
    expect(BigInt(recOf().gprs[7]!)).toBe(0x5678n);
  });

  it('an RSI memory argument that is not mapped: stage 2 fault exit, the SMC is not completed', () => {
    const { lab, realm, run, recOf } = setup([
      (rec) => smcStop(rec, abi.SMC_RSI_REALM_CONFIG, 0x7000),
    ]);
    const pc = recOf().pc;
    const { exit } = enter(lab, realm.rec, run);
    expect(EC(exit.esr)).toBe(abi.ESR_EL2_EC_DATA_ABORT);
    expect(exit.hpfar).toBe(0x70n);
    expect(recOf().pc).toBe(pc);
  });
});

describe('outcomes that never reach the host', () => {
  it('RIPAS EMPTY: the RMM injects an SEA into the realm, no exit', () => {
    const seen: GuestEntry[] = [];
    const { lab, realm, run } = setup([
      { kind: 'access', access: 'read', ipa: 0x400000, size: 8, register: 1 },
      (_rec, entry) => {
        seen.push(entry);
        return wfi as { kind: 'wfi' };
      },
    ]);
    const { exit } = enter(lab, realm.rec, run);
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_IRQ));
    expect(seen[0]?.sea).toEqual({ ipa: 0x400000 });
    const access = lab.m.ledger.find((e) => e.kind === 'realm:access');
    expect(access).toMatchObject({
      outcome: 'sea',
      decision: { verdict: 'blocked', rule: 'stage2:sea' },
    });
  });

  it('HVC: an undefined-instruction exception is injected, no exit', () => {
    const seen: GuestEntry[] = [];
    const { lab, realm, run } = setup([
      { kind: 'hvc' },
      (_rec, entry) => {
        seen.push(entry);
        return wfi as { kind: 'wfi' };
      },
    ]);
    expect(enter(lab, realm.rec, run).exit.exitReason).toBe(BigInt(abi.RMI_EXIT_IRQ));
    expect(seen[0]?.undef).toBe(true);
  });
});

describe('RMI_EXIT_SYNC: trapped WFI and RMI_EXIT_IRQ', () => {
  it('WFI with trap_wfi: SYNC exit with EC WFx, TI = WFI', () => {
    const { lab, realm, run } = setup([wfi]);
    setEnter(lab, run, { flags: 1n << BigInt(abi.RMI_REC_ENTER_FLAGS_TRAP_WFI) });
    const { exit } = enter(lab, realm.rec, run);
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_SYNC));
    expect(EC(exit.esr)).toBe(abi.ESR_EL2_EC_WFX);
    expect(Number(getField(exit.esr, abi.ESR_EL2_WFX_TI))).toBe(abi.ESR_EL2_WFX_TI_WFI);
  });

  it('WFI without the trap: RMI_EXIT_IRQ with esr 0', () => {
    const { lab, realm, run } = setup([wfi]);
    const { exit } = enter(lab, realm.rec, run);
    expect([exit.exitReason, exit.esr]).toEqual([BigInt(abi.RMI_EXIT_IRQ), 0n]);
  });
});

describe('RMI_EXIT_PSCI', () => {
  it('SYSTEM_OFF: gprs[0] = FID, nothing else; the realm is SYSTEM_OFF and cannot be entered', () => {
    const { lab, realm, run } = setup([(rec) => smcStop(rec, abi.PSCI_SYSTEM_OFF, 0x1234)]);
    const { exit } = enter(lab, realm.rec, run);
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_PSCI));
    expect(exit.gprs[0]).toBe(BigInt(abi.PSCI_SYSTEM_OFF));
    expect(exit.gprs.slice(1).every((g) => g === 0n)).toBe(true);
    const again = lab.call(abi.SMC_RMI_REC_ENTER, realm.rec, run);
    expect([again.status, again.index]).toEqual(['RMI_ERROR_REALM', 1]);
  });

  it('CPU_ON: gprs[1] = target MPIDR, entry point and context id not revealed; PSCI_COMPLETE starts the target', () => {
    const lab = new Lab({
      guest: scriptedGuest([
        (rec) => smcStop(rec, abi.PSCI_CPU_ON_AARCH64, mpidrOfIndex(1), 0x2000, 0x77),
        wfi,
      ]),
    });
    const realm = realmWithTwoRecs(lab);
    const run = newRun(lab);
    const { exit } = enter(lab, realm.rec, run);
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_PSCI));
    expect(exit.gprs.slice(0, 3)).toEqual([BigInt(abi.PSCI_CPU_ON_AARCH64), mpidrOfIndex(1), 0n]);
    const blocked = lab.call(abi.SMC_RMI_REC_ENTER, realm.rec, run);
    expect(blocked.failure?.label).toBe('rec_psci');
    expectOk(lab.call(abi.SMC_RMI_PSCI_COMPLETE, realm.rec, realm.rec1, abi.PSCI_SUCCESS));
    const target = lab.m.state.rmm.recs[hex(realm.rec1)]!;
    expect([target.runnable, target.pc, target.gprs[0]]).toEqual([true, '0x2000', '0x77']);
  });
});

/** An ACTIVE realm with REC 0 runnable and REC 1 waiting for PSCI_CPU_ON. */
function realmWithTwoRecs(lab: Lab): { rd: number; rec: number; rec1: number } {
  const { rd } = newRealm(lab);
  initRipas(lab, rd, 0, 0x200000);
  dataCreate(lab, rd, 0);
  const rec = newRec(lab, rd, 0);
  const rec1 = newRec(lab, rd, 1, { flags: BigInt(abi.RMI_NOT_RUNNABLE) });
  expectOk(lab.call(abi.SMC_RMI_REALM_ACTIVATE, rd));
  return { rd, rec, rec1 };
}

describe('RMI_EXIT_RIPAS_CHANGE', () => {
  it('ripas_base/top/value say what the realm asked; after RTT_SET_RIPAS the realm gets X1 = new base, X2 = ACCEPT', () => {
    const { lab, realm, run, recOf } = setup([
      (rec) => smcStop(rec, abi.SMC_RSI_IPA_STATE_SET, 0x3000, 0x5000, abi.RSI_EMPTY, 0),
      wfi,
    ]);
    const { exit } = enter(lab, realm.rec, run);
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_RIPAS_CHANGE));
    expect([exit.ripasBase, exit.ripasTop, exit.ripasValue]).toEqual([
      0x3000n,
      0x5000n,
      BigInt(abi.RSI_EMPTY),
    ]);
    // IPA 0..2 MiB has a level 3 RTT (the DATA page at 0 needed one): one call does it all.
    const r = lab.call(abi.SMC_RMI_RTT_SET_RIPAS, realm.rd, realm.rec, 0x3000, 0x5000);
    expectOk(r);
    const newBase = r.x[1]!;
    expect(newBase).toBe(0x5000n);
    setEnter(lab, run, {});
    enter(lab, realm.rec, run);
    expect(recOf().gprs.slice(0, 3).map(BigInt)).toEqual([
      BigInt(abi.RSI_SUCCESS),
      newBase,
      BigInt(abi.RSI_ACCEPT),
    ]);
  });
});

describe('RMI_EXIT_HOST_CALL', () => {
  it('imm and gprs come from RsiHostCall; enter.gprs are copied back into it', () => {
    const { lab, realm, run } = setup([
      { kind: 'access', access: 'write', ipa: 0x100, size: 2, register: 1, value: 7n },
      { kind: 'access', access: 'write', ipa: 0x108, size: 8, register: 1, value: 0x55n },
      (rec) => smcStop(rec, abi.SMC_RSI_HOST_CALL, 0x100),
      { kind: 'access', access: 'read', ipa: 0x108, size: 8, register: 9 },
      wfi,
    ]);
    const { exit } = enter(lab, realm.rec, run);
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_HOST_CALL));
    expect([exit.imm, exit.gprs[0]]).toEqual([7n, 0x55n]);
    setEnter(lab, run, { gprs: [0x99n] });
    enter(lab, realm.rec, run);
    const rec = lab.m.state.rmm.recs[hex(realm.rec)]!;
    expect(BigInt(rec.gprs[0]!)).toBe(BigInt(abi.RSI_SUCCESS));
    expect(BigInt(rec.gprs[9]!)).toBe(0x99n);
  });
});
