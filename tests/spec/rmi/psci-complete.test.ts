// RMI_PSCI_COMPLETE (DEN0137 B4.3.7; cca-spec.md §2.3, §4.2): one test per failure label
// in spec order, then the success rules for CPU_ON and AFFINITY_INFO.
import { describe, expect, it } from 'vitest';
import {
  abi,
  mpidrOfIndex,
  scriptedGuest,
  smcStop,
  type GuestScriptStep,
} from '../../../src/emulator/index.ts';
import { u64 } from '../../../src/lib/bits.ts';
import { getRec } from './rec-enter-helpers.ts';
import {
  Lab,
  activeRealm,
  enter,
  expectFailure,
  expectOk,
  initRipas,
  newRealm,
  newRec,
  newRun,
} from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const INPUT = 'RMI_ERROR_INPUT';
const CPU_ON: GuestScriptStep = (rec) =>
  smcStop(rec, abi.PSCI_CPU_ON_AARCH64, mpidrOfIndex(1), 0x3000, 0x55);

/** Realm with REC 0 (runnable), REC 1 and 2 (stopped); REC 0 has asked PSCI `step`. */
function pending(step: GuestScriptStep = CPU_ON) {
  const lab = new Lab({ guest: scriptedGuest([step]) });
  const { rd } = newRealm(lab);
  initRipas(lab, rd, 0, 0x20_0000);
  const stopped = { flags: BigInt(abi.RMI_NOT_RUNNABLE) };
  const rec0 = newRec(lab, rd, 0);
  const rec1 = newRec(lab, rd, 1, stopped);
  const rec2 = newRec(lab, rd, 2, stopped);
  expectOk(lab.call(abi.SMC_RMI_REALM_ACTIVATE, rd));
  const run = newRun(lab);
  const { exit } = enter(lab, rec0, run);
  const complete = (calling: number, target: number, status: number | bigint = abi.PSCI_SUCCESS) =>
    lab.call(abi.SMC_RMI_PSCI_COMPLETE, calling, target, u64(status));
  return { lab, rd, rec0, rec1, rec2, run, exit, complete };
}

describe(specTitle('RMI_PSCI_COMPLETE'), () => {
  it('alias: calling_rec == target_rec -> RMI_ERROR_INPUT', () => {
    const s = pending();
    expectFailure(s.complete(s.rec0, s.rec0), 'alias', INPUT);
  });

  it('calling_align -> RMI_ERROR_INPUT', () => {
    const s = pending();
    expectFailure(s.complete(s.rec0 + 1, s.rec1), 'calling_align', INPUT);
  });

  it('calling_bound -> RMI_ERROR_INPUT', () => {
    const s = pending();
    expectFailure(s.complete(0x1000, s.rec1), 'calling_bound', INPUT);
  });

  it('calling_state: calling_rec is an RD -> RMI_ERROR_INPUT', () => {
    const s = pending();
    expectFailure(s.complete(s.rd, s.rec1), 'calling_state', INPUT);
  });

  it('target_align -> RMI_ERROR_INPUT', () => {
    const s = pending();
    expectFailure(s.complete(s.rec0, s.rec1 + 2), 'target_align', INPUT);
  });

  it('target_bound -> RMI_ERROR_INPUT', () => {
    const s = pending();
    expectFailure(s.complete(s.rec0, 0x0400_0000), 'target_bound', INPUT);
  });

  it('target_state -> RMI_ERROR_INPUT', () => {
    const s = pending();
    expectFailure(s.complete(s.rec0, s.lab.delegated()), 'target_state', INPUT);
  });

  it('pending: the calling REC asked nothing -> RMI_ERROR_INPUT', () => {
    const s = pending();
    expectFailure(s.complete(s.rec1, s.rec0), 'pending', INPUT);
  });

  it('owner: the RECs belong to different realms -> RMI_ERROR_INPUT', () => {
    const s = pending();
    const other = activeRealm(s.lab);
    expectFailure(s.complete(s.rec0, other.rec), 'owner', INPUT);
  });

  it('target: target_rec is not the MPIDR the realm named -> RMI_ERROR_INPUT', () => {
    const s = pending();
    expectFailure(s.complete(s.rec0, s.rec2), 'target', INPUT);
  });

  it('status: a status the host may not give -> RMI_ERROR_INPUT', () => {
    const s = pending();
    expectFailure(s.complete(s.rec0, s.rec1, abi.PSCI_INVALID_PARAMETERS), 'status', INPUT);
  });

  it('success: CPU_ON starts the target at the entry point with X0 = context id', () => {
    const s = pending();
    expect(s.exit.exitReason).toBe(BigInt(abi.RMI_EXIT_PSCI));
    expect(s.exit.gprs.slice(0, 3)).toEqual([BigInt(abi.PSCI_CPU_ON_AARCH64), 1n, 0n]);
    expectOk(s.complete(s.rec0, s.rec1));
    expect(getRec(s.lab, s.rec1)).toMatchObject({ runnable: true, pc: '0x3000' });
    expect(getRec(s.lab, s.rec1).gprs[0]).toBe('0x55');
    expect(getRec(s.lab, s.rec0).gprs.slice(0, 4)).toEqual(['0x0', '0x0', '0x0', '0x0']);
    expectOk(enter(s.lab, s.rec0, s.run).r);
    expectOk(enter(s.lab, s.rec1, newRun(s.lab)).r);
  });

  it('success: PSCI_DENIED for a stopped target reaches the caller', () => {
    const s = pending();
    expectOk(s.complete(s.rec0, s.rec1, abi.PSCI_DENIED));
    expect(getRec(s.lab, s.rec0).gprs[0]).toBe('0xfffffffffffffffd');
    expect(getRec(s.lab, s.rec1).runnable).toBe(false);
  });

  it('success: AFFINITY_INFO reports OFF for a stopped target', () => {
    const s = pending((rec) => smcStop(rec, abi.PSCI_AFFINITY_INFO_AARCH64, mpidrOfIndex(1), 0));
    expectOk(s.complete(s.rec0, s.rec1));
    expect(getRec(s.lab, s.rec0).gprs[0]).toBe('0x1');
  });
});
