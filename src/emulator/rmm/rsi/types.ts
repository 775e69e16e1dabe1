/**
 * Shapes shared by the RSI command families (RMM 1.0-rel0 DEN0137 B5.3; cca-spec.md §4.1):
 * the command-table row and helpers to build the realm's return registers. Failure
 * conditions reuse the RMI runner (conditions.ts `firstFailure`); their `status` is an
 * RsiCommandReturnCode (RSI_ERROR_INPUT 1, RSI_ERROR_STATE 2, ...), which shares the numeric
 * range of the RMI codes but is named with RSI_STATUS_NAMES.
 */
import { u64 } from '../../../lib/bits.ts';
import type { Ctx } from '../../context.ts';
import type { RealmRecord, RecRecord } from '../../state.ts';
import type { Failure, FailureCondition } from '../conditions.ts';
import type { RsiResult } from '../guest.ts';

/** What an RSI handler gets: the calling REC, its realm, and X1.. of the SMC. */
export interface RsiCall {
  readonly ctx: Ctx;
  readonly realm: RealmRecord;
  readonly rec: RecRecord;
  /** X1..X17 as the realm set them. */
  readonly x: readonly bigint[];
}

/** An RSI handler's answer, with the failure condition that decided (if any). */
export type RsiOutcome = RsiResult & { readonly failure?: Failure };

/** One row of the RSI command table. */
export interface RsiCommandSpec {
  readonly fid: number;
  /** Spec name, e.g. RSI_MEASUREMENT_READ (or SMCCC_VERSION for the SMCCC query). */
  readonly name: string;
  /** The spec section that defines the command (`DEN0137 B5.3.10`), as on RMI rows. */
  readonly section: string;
  /** Argument names for X1.., as the spec names them. */
  readonly args: readonly string[];
  /** Output names for X1.. beyond X0. */
  readonly results: readonly string[];
  /** One line for `help`. */
  readonly summary: string;
  readonly handler: (call: RsiCall) => RsiOutcome;
}

/** A failure condition of an RSI command (status is an RSI return code). */
export type RsiFailureCondition<C> = FailureCondition<C>;

/** Completes the SMC with X0 = `status` and X1.. = `out`. */
export function rsiReturn(status: number, ...out: (bigint | number)[]): RsiOutcome {
  return { kind: 'return', x: [status, ...out].map((v) => u64(v)) };
}

/** Completes the SMC with the status of a failure condition that fired. */
export function rsiRefuse(failure: Failure): RsiOutcome {
  return { kind: 'return', x: [u64(failure.status)], failure };
}

/** X`n` of the call (X1 is `x[0]`); absent registers read as zero. */
export function xn(call: RsiCall, n: number): bigint {
  return call.x[n - 1] ?? 0n;
}
