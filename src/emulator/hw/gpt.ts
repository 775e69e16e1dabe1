/**
 * The Granule Protection Table and the Granule Protection Check (Arm ARM D9.4; cca-spec.md
 * §1.2). Simplified as cca-spec.md §7 allows: a flat per-granule GPI map (no L0/L1
 * descriptors or GPT caching) and a GPF reported as a ledger event rather than an ESR.
 * Only EL3 writes the GPT (setGpi is called from el3/ only).
 */
import type { Gpi, Pas, SecurityState } from '../abi/gpt.ts';
import { PAS_OF_STATE } from '../abi/gpt.ts';
import type { Ctx } from '../context.ts';
import type { MachineState } from '../state.ts';
import { granuleBase, granuleIndex, regionOf } from './memory-map.ts';

/** The GPI of the granule holding `pa`; NO_ACCESS outside every region. */
export function gpiOf(state: MachineState, pa: number): Gpi {
  const override = state.gpt[granuleIndex(pa)];
  if (override) return override;
  return regionOf(state.config.memoryMap, pa)?.gpi ?? 'NO_ACCESS';
}

/**
 * The granule protection check: may `world` access `pa` through `pas`?
 * `allowed = pas ∈ PAS(world) && (gpi == ANY || gpi == pas)` (cca-spec.md §1.2; NSO is not
 * modelled).
 */
export function gpcAllows(world: SecurityState, pas: Pas, gpi: Gpi): boolean {
  if (!PAS_OF_STATE[world].includes(pas)) return false;
  return gpi === 'ANY' || gpi === pas;
}

/** GPT writes so far, in any machine ({@link gptWriteCount}). */
let gptWrites = 0;

/**
 * A number that changes with every GPT write (`setGpi` is the only one): a GPC result cached
 * while it stays the same is still the table's (Arm ARM D9.4: GPT information may be cached,
 * and a GPT update is followed by its invalidation, TLBI PAALL).
 */
export function gptWriteCount(): number {
  return gptWrites;
}

/** EL3 only: sets the GPI of the granule at `pa`, logging the change. */
export function setGpi(ctx: Ctx, pa: number, gpi: Gpi): void {
  ctx.translations?.flush();
  gptWrites++;
  const index = granuleIndex(pa);
  const from = gpiOf(ctx.state, pa);
  const boot = regionOf(ctx.state.config.memoryMap, pa)?.gpi;
  if (gpi === boot) delete ctx.state.gpt[index];
  else ctx.state.gpt[index] = gpi;
  ctx.emit({ kind: 'gpt:update', pa: granuleBase(index), from, to: gpi });
}
