/**
 * Memory arguments of RSI commands (cca-spec.md §4.1 "Memory-argument behaviour"; TF-RMM
 * runtime/rsi/*.c): for RSI_REALM_CONFIG and RSI_ATTESTATION_TOKEN_CONTINUE the RMM walks
 * the realm's RTTs for the IPA. RIPAS EMPTY -> RSI_ERROR_INPUT. RIPAS RAM or DESTROYED but
 * not mapped -> the SMC is not completed: a REC exit that looks like a stage 2 translation
 * fault at that IPA (PC not advanced), so the host maps memory and the realm re-executes.
 */
import { GRANULE_SIZE } from '../../abi/gpt.ts';
import type { Ctx } from '../../context.ts';
import type { RealmRecord } from '../../state.ts';
import { walkRtt } from '../rtt.ts';
import { abortExit } from '../stage2.ts';
import type { RecExit } from '../structs.ts';
import { hex } from '../../../lib/hex.ts';

/** Where a protected IPA argument leads. */
export type RealmGranule =
  /** Mapped RAM: the granule's PA (Realm PAS). */
  | { readonly kind: 'pa'; readonly pa: number }
  /** RIPAS EMPTY: the command fails with RSI_ERROR_INPUT. */
  | { readonly kind: 'empty'; readonly reason: string }
  /** Not mapped: exit to the host with a fabricated stage 2 fault, PC not advanced. */
  | { readonly kind: 'exit'; readonly exit: Partial<RecExit> };

/** Resolves the granule at the protected, aligned IPA `ipa` (checked by the caller). */
export function realmGranule(ctx: Ctx, realm: Readonly<RealmRecord>, ipa: number): RealmGranule {
  const walk = walkRtt(ctx.state, realm, ipa);
  const e = walk.entry;
  if ((e.state === 'UNASSIGNED' || e.state === 'ASSIGNED') && e.ripas === 'EMPTY') {
    return { kind: 'empty', reason: `IPA ${hex(ipa)} has RIPAS EMPTY` };
  }
  if (e.state === 'ASSIGNED' && e.ripas === 'RAM') {
    const pa = e.pa + (ipa - walk.entryBase);
    return { kind: 'pa', pa: pa - (pa % GRANULE_SIZE) };
  }
  return { kind: 'exit', exit: abortExit(walk, ipa, 'write', false) };
}
