// The REC exit/entry protocol beyond the REC_ENTER failure labels (cca-spec.md §2.5, §3.4,
// §4.2): SEA injection, unprotected mappings, permission faults, host-call retries, PSCI
// calls the RMM answers itself (DEN0137 A4.3.7: also one naming the caller, as TF-RMM), and
// CPU_OFF.
import { describe, expect, it } from 'vitest';
import {
  abi,
  encodeRecEnterFlags,
  mpidrOfIndex,
  scriptedGuest,
  smcStop,
  type GuestEntry,
  type GuestScriptStep,
} from '../../src/emulator/index.ts';
import { getField } from '../../src/lib/bits.ts';
import { getRec } from '../spec/rmi/rec-enter-helpers.ts';
import {
  Lab,
  UNPROTECTED,
  activeRealm,
  enter,
  expectFailure,
  expectOk,
  mapTables,
  newRun,
  setEnter,
} from '../spec/rmi/helpers.ts';
import { hex } from '../../src/lib/hex.ts';

/** A lab whose guest plays `steps`, recording what each run was told. */
function scripted(steps: readonly GuestScriptStep[]) {
  const entries: GuestEntry[] = [];
  const recorded = steps.map((step): GuestScriptStep => (rec, entry, realm) => {
    entries.push(entry);
    return typeof step === 'function' ? step(rec, entry, realm) : step;
  });
  return { lab: new Lab({ guest: scriptedGuest(recorded) }), entries };
}

describe('REC exit/entry protocol', () => {
  it('inject_sea after an unprotected data abort delivers an SEA instead of emulating', () => {
    const { lab, entries } = scripted([
      { kind: 'access', access: 'read', ipa: UNPROTECTED, size: 8, register: 2 },
      { kind: 'wfi' },
    ]);
    const { rd, rec } = activeRealm(lab);
    mapTables(lab, rd, UNPROTECTED, 3);
    const run = newRun(lab);
    enter(lab, rec, run);
    setEnter(lab, run, { flags: encodeRecEnterFlags({ injectSea: true, emulMmio: true }) });
    expectOk(enter(lab, rec, run).r);
    expect(entries[1]?.sea).toEqual({ ipa: UNPROTECTED });
    expect(getRec(lab, rec).pc).toBe('0x1004'); // the faulting load was not completed
  });

  it('an instruction fetch from an unprotected IPA gets an SEA, never an exit', () => {
    const { lab, entries } = scripted([
      { kind: 'access', access: 'fetch', ipa: UNPROTECTED, size: 4, register: 0 },
      { kind: 'irq' },
    ]);
    const { rec } = activeRealm(lab);
    expect(enter(lab, rec, newRun(lab)).exit.exitReason).toBe(BigInt(abi.RMI_EXIT_IRQ));
    expect(entries[1]?.sea).toEqual({ ipa: UNPROTECTED });
  });

  it('ASSIGNED_NS memory is read through the NS PAS; a read-only mapping faults a write', () => {
    const { lab } = scripted([
      { kind: 'access', access: 'read', ipa: UNPROTECTED + 8, size: 1, register: 4 },
      { kind: 'access', access: 'write', ipa: UNPROTECTED, size: 1, register: 4, value: 1n },
    ]);
    const { rd, rec } = activeRealm(lab);
    mapTables(lab, rd, UNPROTECTED, 3);
    const shared = lab.nsPage(new Uint8Array(0x1000).fill(0x77));
    const readOnly = 0x40 + 0x18; // S2AP read only, MemAttr 0b110
    expectOk(lab.call(abi.SMC_RMI_RTT_MAP_UNPROTECTED, rd, UNPROTECTED, 3, shared + readOnly));
    const { exit } = enter(lab, rec, newRun(lab));
    expect(getRec(lab, rec).gprs[4]).toBe('0x77');
    const fsc = getField(exit.esr, abi.ESR_EL2_ABORT_FSC);
    expect(fsc).toBe(BigInt(abi.ESR_EL2_ABORT_FSC_PERMISSION_FAULT_L0 + 3));
    expect(getField(exit.esr, abi.ESR_EL2_ABORT_ISV)).toBe(1n);
    expect(exit.gprs[0]).toBe(1n);
  });

  it('RSI_HOST_CALL at an unmapped RAM IPA exits SYNC without completing the SMC', () => {
    const { lab } = scripted([(rec) => smcStop(rec, abi.SMC_RSI_HOST_CALL, 0x10_0000)]);
    const { rec } = activeRealm(lab);
    const { exit } = enter(lab, rec, newRun(lab));
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_SYNC));
    expect(exit.hpfar).toBe(0x10_0000n >> 8n);
    expect(getRec(lab, rec).pc).toBe('0x1000');
    expect(getRec(lab, rec).pending).toEqual({ kind: 'none' });
  });

  it('PSCI_VERSION and RSI calls with bad arguments are answered without an exit', () => {
    const { lab } = scripted([
      (rec) => smcStop(rec, abi.PSCI_VERSION),
      (rec) => {
        expect(rec.gprs[0]).toBe('0x10001');
        return smcStop(rec, abi.SMC_RSI_IPA_STATE_SET, 0x1001, 0x2000, abi.RSI_RAM, 0);
      },
      (rec) => {
        expect(rec.gprs[0]).toBe(hex(abi.RSI_ERROR_INPUT));
        return smcStop(rec, abi.PSCI_AFFINITY_INFO_AARCH64, mpidrOfIndex(5), 0);
      },
      (rec) => {
        expect(rec.gprs[0]).toBe('0xfffffffffffffffe'); // PSCI_INVALID_PARAMETERS
        return { kind: 'irq' };
      },
    ]);
    const { rec } = activeRealm(lab);
    expect(enter(lab, rec, newRun(lab)).exit.exitReason).toBe(BigInt(abi.RMI_EXIT_IRQ));
    expect(getRec(lab, rec).pc).toBe('0x100c');
  });

  it('PSCI_AFFINITY_INFO or PSCI_CPU_ON naming the caller itself is answered by the RMM (ON, PSCI_ALREADY_ON): no exit, no request waiting for an RMI_PSCI_COMPLETE that alias refuses', () => {
    const { lab } = scripted([
      (rec) => smcStop(rec, abi.PSCI_AFFINITY_INFO_AARCH64, mpidrOfIndex(0), 0),
      (rec) => {
        expect(BigInt(rec.gprs[0]!)).toBe(BigInt(abi.PSCI_AFFINITY_INFO_ON));
        expect(rec.pending).toEqual({ kind: 'none' });
        return smcStop(rec, abi.PSCI_CPU_ON_AARCH64, mpidrOfIndex(0), 0x1000, 0);
      },
      (rec) => {
        expect(BigInt.asIntN(64, BigInt(rec.gprs[0]!))).toBe(BigInt(abi.PSCI_ALREADY_ON));
        return { kind: 'irq' };
      },
    ]);
    const { rec } = activeRealm(lab);
    const run = newRun(lab);
    expect(enter(lab, rec, run).exit.exitReason).toBe(BigInt(abi.RMI_EXIT_IRQ));
    expect(getRec(lab, rec).pc).toBe('0x1008');
    expect(getRec(lab, rec).pending).toEqual({ kind: 'none' });
    // The REC can be entered again: nothing waits for the host.
    expectOk(enter(lab, rec, run).r);
  });

  it('PSCI_CPU_OFF stops the REC: the next entry fails rec_runnable', () => {
    const { lab } = scripted([(rec) => smcStop(rec, abi.PSCI_CPU_OFF)]);
    const { rec } = activeRealm(lab);
    const run = newRun(lab);
    const { exit } = enter(lab, rec, run);
    expect(exit.exitReason).toBe(BigInt(abi.RMI_EXIT_PSCI));
    expect(exit.gprs[0]).toBe(BigInt(abi.PSCI_CPU_OFF));
    expectFailure(enter(lab, rec, run).r, 'rec_runnable', 'RMI_ERROR_REC');
  });
});
