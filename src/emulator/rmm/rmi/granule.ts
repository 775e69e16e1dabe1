/**
 * RMI granule commands: RMI_GRANULE_DELEGATE (DEN0137 B4.3.5) and RMI_GRANULE_UNDELEGATE
 * (DEN0137 B4.3.6); cca-spec.md §2.3. Failure conditions in spec listing order; the spec gives no ordering
 * between them and all return RMI_ERROR_INPUT.
 */
import {
  RMI_ERROR_INPUT,
  SMC_RMI_GRANULE_DELEGATE,
  SMC_RMI_GRANULE_UNDELEGATE,
} from '../../abi/rmi.ts';
import { E_RMM_OK } from '../../abi/rmm-el3.ts';
import { assert } from '../../../lib/assert.ts';
import type { Ctx } from '../../context.ts';
import { gtsiDelegate, gtsiUndelegate } from '../../el3/gtsi.ts';
import { gpiOf } from '../../hw/gpt.ts';
import { regionOf, toPa } from '../../hw/memory-map.ts';
import { firstFailure, type FailureCondition } from '../conditions.ts';
import { granuleState, transitionGranule } from '../granule.ts';
import { pasOf } from './common.ts';
import { refuse, success, type RmiCommandSpec } from './types.ts';
import { hex64 } from '../../../lib/bits.ts';

interface GranuleInput {
  readonly ctx: Ctx;
  readonly addr: bigint;
  /** `addr` as a PA, undefined when no board address can be that large. */
  readonly pa: number | undefined;
}

const granAlign: FailureCondition<GranuleInput> = {
  label: 'gran_align',
  status: RMI_ERROR_INPUT,
  fails: ({ addr }) =>
    addr % 0x1000n !== 0n && `addr ${hex64(addr)} is not aligned to a 4 KiB granule`,
};

const granBound: FailureCondition<GranuleInput> = {
  label: 'gran_bound',
  status: RMI_ERROR_INPUT,
  fails: ({ ctx, addr, pa }) => {
    const region = pa === undefined ? undefined : regionOf(ctx.state.config.memoryMap, pa);
    if (region?.delegable) return false;
    return region
      ? `addr ${hex64(addr)} is in "${region.name}", which is not delegable memory`
      : `addr ${hex64(addr)} is outside every memory region of the board`;
  },
};

function granState(expected: 'UNDELEGATED' | 'DELEGATED'): FailureCondition<GranuleInput> {
  return {
    label: 'gran_state',
    status: RMI_ERROR_INPUT,
    fails: ({ ctx, pa }) => {
      const state = granuleState(ctx.state, pa!);
      return state !== expected && `granule ${hex64(pa!)} is ${state}, expected ${expected}`;
    },
  };
}

const granGpt: FailureCondition<GranuleInput> = {
  label: 'gran_gpt',
  status: RMI_ERROR_INPUT,
  fails: ({ ctx, pa }) => {
    const gpi = gpiOf(ctx.state, pa!);
    return gpi !== 'NS' && `the GPT entry of granule ${hex64(pa!)} is ${gpi}, expected NS`;
  },
};

/** RMI_GRANULE_DELEGATE failure conditions, spec order. */
export const DELEGATE_CONDITIONS = [granAlign, granBound, granState('UNDELEGATED'), granGpt];
/** RMI_GRANULE_UNDELEGATE failure conditions, spec order. */
export const UNDELEGATE_CONDITIONS = [granAlign, granBound, granState('DELEGATED')];

/** Granule family. */
export const GRANULE_COMMANDS: readonly RmiCommandSpec[] = [
  {
    fid: SMC_RMI_GRANULE_DELEGATE,
    name: 'RMI_GRANULE_DELEGATE',
    section: 'DEN0137 B4.3.5',
    args: ['addr'],
    results: [],
    summary: 'give a granule to the RMM: GPI NS -> REALM, state DELEGATED, wiped',
    handler(ctx, [addr = 0n]) {
      const input = { ctx, addr, pa: toPa(addr) };
      const failure = firstFailure(DELEGATE_CONDITIONS, input);
      if (failure) return refuse(failure);
      const pa = input.pa!;
      // EL3 refuses only what gran_gpt already caught, so a refusal here is impossible.
      const result = gtsiDelegate(ctx, pa);
      if (result !== E_RMM_OK)
        assert(false, `GTSI_DELEGATE refused ${hex64(pa)} after the RMM checks`);
      transitionGranule(ctx, pa, 'UNDELEGATED', 'DELEGATED', 'RMI_GRANULE_DELEGATE');
      return success();
    },
  },
  {
    fid: SMC_RMI_GRANULE_UNDELEGATE,
    name: 'RMI_GRANULE_UNDELEGATE',
    section: 'DEN0137 B4.3.6',
    args: ['addr'],
    results: [],
    summary: 'return a DELEGATED granule to the host: wiped, GPI REALM -> NS',
    consumes: (_state, [addr = 0n]) => pasOf([addr]),
    handler(ctx, [addr = 0n]) {
      const input = { ctx, addr, pa: toPa(addr) };
      const failure = firstFailure(UNDELEGATE_CONDITIONS, input);
      if (failure) return refuse(failure);
      const pa = input.pa!;
      // Wipe before the PAS changes so no realm byte ever becomes host-visible.
      transitionGranule(ctx, pa, 'DELEGATED', 'UNDELEGATED', 'RMI_GRANULE_UNDELEGATE');
      const result = gtsiUndelegate(ctx, pa);
      // TF-RMM panics if EL3 refuses here; for us it is an emulator bug.
      if (result !== E_RMM_OK) assert(false, `GTSI_UNDELEGATE refused ${hex64(pa)}`);
      return success();
    },
  },
];
