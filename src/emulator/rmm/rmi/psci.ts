/**
 * RMI_PSCI_COMPLETE (DEN0137 B4.3.7; cca-spec.md §2.3, §4.2): the host completes a PSCI
 * CPU_ON or AFFINITY_INFO that a realm REC forwarded with an RMI_EXIT_PSCI exit. All
 * conditions return RMI_ERROR_INPUT and the spec gives no ordering; they are listed in spec
 * order. The results reach the calling REC's registers at its next entry.
 */
import { hex64, s64 } from '../../../lib/bits.ts';
import {
  PSCI_AFFINITY_INFO_AARCH64,
  PSCI_AFFINITY_INFO_OFF,
  PSCI_AFFINITY_INFO_ON,
  PSCI_ALREADY_ON,
  PSCI_COMPLETE_CLEARED_GPRS,
  PSCI_CPU_ON_AARCH64,
  PSCI_DENIED,
  PSCI_SUCCESS,
} from '../../abi/psci.ts';
import { REC_NUM_GPRS, RMI_ERROR_INPUT, SMC_RMI_PSCI_COMPLETE } from '../../abi/rmi.ts';
import type { Ctx } from '../../context.ts';
import type { RecRecord } from '../../state.ts';
import { firstFailure, type FailureCondition } from '../conditions.ts';
import { setGpr } from '../guest.ts';
import { alignCondition, boundCondition, recAt, stateCondition } from './common.ts';
import { refuse, success, type RmiCommandSpec } from './types.ts';

interface CompleteInput {
  readonly ctx: Ctx;
  readonly calling: bigint;
  readonly target: bigint;
  readonly status: bigint;
}

function pendingOf(c: CompleteInput) {
  const pending = recAt(c.ctx, c.calling).pending;
  return pending.kind === 'psci' ? pending : undefined;
}

/** RMI_PSCI_COMPLETE failure conditions, spec order. */
export const PSCI_COMPLETE_CONDITIONS: readonly FailureCondition<CompleteInput>[] = [
  {
    label: 'alias',
    status: RMI_ERROR_INPUT,
    fails: (c) =>
      c.calling === c.target && `calling_rec and target_rec are the same, ${hex64(c.calling)}`,
  },
  alignCondition('calling_align', 'calling_rec', (c) => c.calling),
  boundCondition('calling_bound', 'calling_rec', (c) => c.calling),
  stateCondition('calling_state', 'calling_rec', (c) => c.calling, 'REC'),
  alignCondition('target_align', 'target_rec', (c) => c.target),
  boundCondition('target_bound', 'target_rec', (c) => c.target),
  stateCondition('target_state', 'target_rec', (c) => c.target, 'REC'),
  {
    label: 'pending',
    status: RMI_ERROR_INPUT,
    fails: (c) => !pendingOf(c) && `the REC at ${hex64(c.calling)} has no PSCI request waiting`,
  },
  {
    label: 'owner',
    status: RMI_ERROR_INPUT,
    fails: (c) =>
      recAt(c.ctx, c.calling).owner !== recAt(c.ctx, c.target).owner &&
      `the RECs at ${hex64(c.calling)} and ${hex64(c.target)} belong to different realms`,
  },
  {
    label: 'target',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const wanted = pendingOf(c)!.target;
      const mpidr = recAt(c.ctx, c.target).mpidr;
      return (
        BigInt(wanted) !== BigInt(mpidr) &&
        `the realm asked about MPIDR ${wanted}, but target_rec has MPIDR ${mpidr}`
      );
    },
  },
  {
    label: 'status',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const status = s64(c.status);
      if (status === BigInt(PSCI_SUCCESS)) return false;
      const cpuOn = pendingOf(c)!.fid === PSCI_CPU_ON_AARCH64;
      if (status === BigInt(PSCI_DENIED) && cpuOn && !recAt(c.ctx, c.target).runnable) {
        return false;
      }
      return `status ${status} is not permitted here (PSCI_SUCCESS, or PSCI_DENIED for CPU_ON of a stopped REC)`;
    },
  },
];

/** Applies the host's answer: the target may start, the caller gets its PSCI result. */
function complete(caller: RecRecord, target: RecRecord, status: bigint): void {
  const pending = caller.pending;
  if (pending.kind !== 'psci') return;
  let result = s64(status);
  if (pending.fid === PSCI_CPU_ON_AARCH64 && result === BigInt(PSCI_SUCCESS)) {
    if (target.runnable) result = BigInt(PSCI_ALREADY_ON);
    else {
      target.pc = pending.entry;
      target.gprs = Array.from({ length: REC_NUM_GPRS }, () => hex64(0));
      setGpr(target, 0, BigInt(pending.contextId));
      target.runnable = true;
    }
  }
  if (pending.fid === PSCI_AFFINITY_INFO_AARCH64) {
    result = BigInt(target.runnable ? PSCI_AFFINITY_INFO_ON : PSCI_AFFINITY_INFO_OFF);
  }
  setGpr(caller, 0, result);
  for (const n of PSCI_COMPLETE_CLEARED_GPRS) setGpr(caller, n, 0);
  caller.pending = { kind: 'none' };
}

/** PSCI family. */
export const PSCI_COMMANDS: readonly RmiCommandSpec[] = [
  {
    fid: SMC_RMI_PSCI_COMPLETE,
    name: 'RMI_PSCI_COMPLETE',
    section: 'DEN0137 B4.3.7',
    args: ['calling_rec', 'target_rec', 'status'],
    results: [],
    summary: 'complete a PSCI CPU_ON / AFFINITY_INFO a REC forwarded to the host',
    handler(ctx, [calling = 0n, target = 0n, status = 0n]) {
      const input = { ctx, calling, target, status };
      const failure = firstFailure(PSCI_COMPLETE_CONDITIONS, input);
      if (failure) return refuse(failure);
      complete(recAt(ctx, calling), recAt(ctx, target), status);
      return success();
    },
  },
];
