/**
 * Failure conditions of the two RSI commands that make REC exits, RSI_IPA_STATE_SET
 * (DEN0137 B5.3.6) and RSI_HOST_CALL (DEN0137 B5.3.4), as ordered data with the spec's labels
 * (cca-spec.md §4.1). The commands themselves are part of the exit protocol and run in
 * realm-calls.ts, which evaluates these lists first; a refusal is logged like any RSI call.
 */
import { getField, hex64 } from '../../../lib/bits.ts';
import {
  RSI_EMPTY,
  RSI_ERROR_INPUT,
  RSI_HOST_CALL_SIZE,
  RSI_IPA_STATE_SET_RIPAS,
  RSI_RAM,
  RSI_STATUS_NAMES,
  SMC_RSI_HOST_CALL,
  SMC_RSI_IPA_STATE_SET,
} from '../../abi/rsi.ts';
import { SMC_REGISTER_COUNT } from '../../abi/smccc.ts';
import type { Ctx } from '../../context.ts';
import type { RealmRecord, RecRecord } from '../../state.ts';
import type { Failure } from '../conditions.ts';
import { gpr } from '../guest.ts';
import { inIpaSpace, isProtectedIpa } from '../rtt.ts';
import { realmActor } from '../stage2.ts';
import { ipaRangeConditions } from './ipa-state.ts';
import { xn, type RsiCall, type RsiFailureCondition } from './types.ts';

/**
 * The rows of the two exit-protocol commands (they have no handler in the RSI table): FID,
 * name and the spec section, as every RSI_COMMANDS row carries it.
 */
export const RSI_EXIT_CALLS: readonly {
  readonly fid: number;
  readonly name: string;
  readonly section: string;
}[] = [
  { fid: SMC_RSI_IPA_STATE_SET, name: 'RSI_IPA_STATE_SET', section: 'DEN0137 B5.3.6' },
  { fid: SMC_RSI_HOST_CALL, name: 'RSI_HOST_CALL', section: 'DEN0137 B5.3.4' },
];

/** RSI_IPA_STATE_SET failure conditions, spec order. */
export const IPA_STATE_SET_CONDITIONS: readonly RsiFailureCondition<RsiCall>[] = [
  ...ipaRangeConditions('top_align'),
  {
    label: 'ripas_valid',
    status: RSI_ERROR_INPUT,
    fails: (c) => {
      const ripas = Number(getField(xn(c, 3), RSI_IPA_STATE_SET_RIPAS));
      return (
        ripas !== RSI_EMPTY &&
        ripas !== RSI_RAM &&
        `RIPAS ${ripas} cannot be requested (only EMPTY 0 or RAM 1)`
      );
    },
  },
];

/** RSI_HOST_CALL failure conditions, spec order. */
export const HOST_CALL_CONDITIONS: readonly RsiFailureCondition<RsiCall>[] = [
  {
    label: 'addr_align',
    status: RSI_ERROR_INPUT,
    fails: (c) =>
      xn(c, 1) % BigInt(RSI_HOST_CALL_SIZE) !== 0n &&
      `addr ${hex64(xn(c, 1))} is not 256-byte aligned`,
  },
  {
    label: 'addr_bound',
    status: RSI_ERROR_INPUT,
    fails: (c) => {
      const ipa = xn(c, 1);
      const ok =
        ipa < 2n ** 53n && inIpaSpace(c.realm, Number(ipa)) && isProtectedIpa(c.realm, Number(ipa));
      return !ok && `addr ${hex64(ipa)} is not a protected IPA of this realm`;
    },
  },
];

/** The RsiCall view of the SMC the REC is making. */
export function rsiCallOf(ctx: Ctx, realm: RealmRecord, rec: RecRecord): RsiCall {
  const x = Array.from({ length: SMC_REGISTER_COUNT - 1 }, (_, i) => gpr(rec, i + 1));
  return { ctx, realm, rec, x };
}

/** Logs a refused exit-protocol RSI call (`smc:call` + `smc:return` with the label). */
export function logRsiRefusal(
  ctx: Ctx,
  call: RsiCall,
  fid: number,
  name: string,
  failure: Failure,
): void {
  const event = ctx.emit({
    kind: 'smc:call',
    world: 'REALM',
    caller: realmActor(call.realm),
    fid: hex64(fid),
    name,
    args: call.x.slice(0, 4).map(hex64),
  });
  ctx.emit({
    kind: 'smc:return',
    call: event.seq,
    name,
    results: [hex64(failure.status)],
    status: RSI_STATUS_NAMES[failure.status] ?? String(failure.status),
    index: 0,
    failure: { label: failure.label, reason: failure.reason },
  });
}
