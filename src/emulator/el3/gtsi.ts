/**
 * EL3 Granule Transition Service (TF-A GTSI; cca-spec.md §1.3): the only writer of the GPT.
 * The RMM calls RMM_GTSI_DELEGATE / RMM_GTSI_UNDELEGATE; the checks run in the order the
 * RMM-EL3 spec lists them (E_RMM_BAD_ADDR, then E_RMM_BAD_PAS).
 */
import {
  E_RMM_BAD_ADDR,
  E_RMM_BAD_PAS,
  E_RMM_NAMES,
  E_RMM_OK,
  RMM_GTSI_DELEGATE,
  RMM_GTSI_UNDELEGATE,
} from '../abi/rmm-el3.ts';
import type { Ctx } from '../context.ts';
import { gpiOf, setGpi } from '../hw/gpt.ts';
import { isGranuleAligned, regionOf } from '../hw/memory-map.ts';
import { hex64 } from '../../lib/bits.ts';

type GtsiResult = typeof E_RMM_OK | typeof E_RMM_BAD_ADDR | typeof E_RMM_BAD_PAS;

function gtsi(ctx: Ctx, delegate: boolean, pa: number): GtsiResult {
  const fid = delegate ? RMM_GTSI_DELEGATE : RMM_GTSI_UNDELEGATE;
  const name = delegate ? 'RMM_GTSI_DELEGATE' : 'RMM_GTSI_UNDELEGATE';
  const call = ctx.emit({
    kind: 'smc:call',
    world: 'REALM',
    caller: 'rmm',
    fid: hex64(fid),
    name,
    args: [hex64(pa)],
  });
  const result = ctx.within(call.seq, (): GtsiResult => {
    const region = regionOf(ctx.state.config.memoryMap, pa);
    if (!isGranuleAligned(pa) || !region?.delegable) return E_RMM_BAD_ADDR;
    const expected = delegate ? 'NS' : 'REALM';
    if (gpiOf(ctx.state, pa) !== expected) return E_RMM_BAD_PAS;
    setGpi(ctx, pa, delegate ? 'REALM' : 'NS');
    return E_RMM_OK;
  });
  ctx.emit({
    kind: 'smc:return',
    parent: call.parent,
    call: call.seq,
    name,
    results: [hex64(result)],
    status: E_RMM_NAMES[result] ?? String(result),
    index: 0,
  });
  return result;
}

/** RMM_GTSI_DELEGATE: GPI NS -> REALM. */
export function gtsiDelegate(ctx: Ctx, pa: number): GtsiResult {
  return gtsi(ctx, true, pa);
}

/** RMM_GTSI_UNDELEGATE: GPI REALM -> NS. */
export function gtsiUndelegate(ctx: Ctx, pa: number): GtsiResult {
  return gtsi(ctx, false, pa);
}
