/**
 * RSI_IPA_STATE_GET (DEN0137 B5.3.5), range form of 1.0-rel0 (cca-spec.md §4.1, §3.4): the
 * RIPAS of `base` and `out_top`, the end of the run of entries with that same RIPAS, capped
 * at `top`. RSI_IPA_STATE_SET (DEN0137 B5.3.6), which makes a REC exit, lives with the exit protocol
 * (realm-calls.ts).
 */
import { hex64 } from '../../../lib/bits.ts';
import { GRANULE_SIZE } from '../../abi/gpt.ts';
import { type Ripas } from '../../abi/rmi.ts';
import {
  RSI_DESTROYED,
  RSI_EMPTY,
  RSI_ERROR_INPUT,
  RSI_RAM,
  RSI_SUCCESS,
  SMC_RSI_IPA_STATE_GET,
} from '../../abi/rsi.ts';
import type { Ctx } from '../../context.ts';
import type { RealmRecord } from '../../state.ts';
import { firstFailure } from '../conditions.ts';
import { entrySize, walkRtt } from '../rtt.ts';
import {
  rsiRefuse,
  rsiReturn,
  xn,
  type RsiCall,
  type RsiCommandSpec,
  type RsiFailureCondition,
} from './types.ts';

/** RsiRipas encoding (spec B5.4.9). */
export const RSI_RIPAS_ENCODING: Readonly<Record<Ripas, number>> = {
  EMPTY: RSI_EMPTY,
  RAM: RSI_RAM,
  DESTROYED: RSI_DESTROYED,
};

function protectedTop(realm: Readonly<RealmRecord>): bigint {
  return 2n ** BigInt(realm.ipaWidth - 1);
}

/**
 * The range checks the two RIPAS commands share, spec order: `[base, top)` in X1/X2 must be
 * granule aligned, non-empty and inside the protected IPA space. The spec names the top's
 * alignment `end_align` for RSI_IPA_STATE_GET and `top_align` for RSI_IPA_STATE_SET.
 */
export function ipaRangeConditions(
  topLabel: 'end_align' | 'top_align',
): RsiFailureCondition<RsiCall>[] {
  return [
    {
      label: 'base_align',
      status: RSI_ERROR_INPUT,
      fails: (c) =>
        xn(c, 1) % BigInt(GRANULE_SIZE) !== 0n && `base ${hex64(xn(c, 1))} is not 4 KiB aligned`,
    },
    {
      label: topLabel,
      status: RSI_ERROR_INPUT,
      fails: (c) =>
        xn(c, 2) % BigInt(GRANULE_SIZE) !== 0n && `top ${hex64(xn(c, 2))} is not 4 KiB aligned`,
    },
    {
      label: 'size_valid',
      status: RSI_ERROR_INPUT,
      fails: (c) =>
        xn(c, 2) <= xn(c, 1) && `top ${hex64(xn(c, 2))} is not above base ${hex64(xn(c, 1))}`,
    },
    {
      label: 'rgn_bound',
      status: RSI_ERROR_INPUT,
      fails: (c) =>
        xn(c, 2) > protectedTop(c.realm) &&
        `the range ends above ${hex64(protectedTop(c.realm))}, outside the protected IPA space`,
    },
  ];
}

/** RSI_IPA_STATE_GET failure conditions, spec order. */
export const IPA_STATE_GET_CONDITIONS: readonly RsiFailureCondition<RsiCall>[] =
  ipaRangeConditions('end_align');

/** The RIPAS of the protected IPA `ipa` and the end of the RTT entry holding it. */
export function ripasAt(
  ctx: Ctx,
  realm: Readonly<RealmRecord>,
  ipa: number,
): { readonly ripas: Ripas; readonly entryTop: number } {
  const walk = walkRtt(ctx.state, realm, ipa);
  const e = walk.entry;
  // Protected entries always carry a RIPAS; the unprotected states cannot appear here.
  const ripas = e.state === 'UNASSIGNED' || e.state === 'ASSIGNED' ? e.ripas : 'EMPTY';
  return { ripas, entryTop: walk.entryBase + entrySize(walk.level) };
}

/** The IPA-state family (realm-side query). */
export const IPA_STATE_COMMANDS: readonly RsiCommandSpec[] = [
  {
    fid: SMC_RSI_IPA_STATE_GET,
    name: 'RSI_IPA_STATE_GET',
    section: 'DEN0137 B5.3.5',
    args: ['base', 'top'],
    results: ['out_top', 'ripas'],
    summary: 'RIPAS of base, and where the run of that RIPAS ends (at most top)',
    handler(call) {
      const failure = firstFailure(IPA_STATE_GET_CONDITIONS, call);
      if (failure) return rsiRefuse(failure);
      const base = Number(xn(call, 1));
      const top = Number(xn(call, 2));
      const first = ripasAt(call.ctx, call.realm, base);
      let at = first.entryTop;
      while (at < top) {
        const next = ripasAt(call.ctx, call.realm, at);
        if (next.ripas !== first.ripas) break;
        at = next.entryTop;
      }
      return rsiReturn(RSI_SUCCESS, Math.min(at, top), RSI_RIPAS_ENCODING[first.ripas]);
    },
  },
];
