/**
 * Failure conditions as ordered data (code-style.md principle 4; cca-spec.md §2.3). Each
 * command lists its conditions with the spec's labels in spec order; {@link firstFailure}
 * returns the first that fires. Where the spec gives only a partial order, the listing
 * order is kept and the command file says so.
 */
import type { RmiStatus } from '../abi/rmi.ts';

/** One failure condition. `fails` returns a plain-word reason when the condition holds. */
export interface FailureCondition<C> {
  /** The spec's label, e.g. `gran_align`, `rd_state`, `rtt_walk`. */
  readonly label: string;
  /** Status returned when it fires. */
  readonly status: RmiStatus;
  /** Index returned with the status (RMI_ERROR_RTT carries a level). Defaults to 0. */
  readonly index?: (c: C) => number;
  /** Reason the condition holds, or false. */
  readonly fails: (c: C) => string | false;
}

/** A condition that fired. */
export interface Failure {
  readonly label: string;
  readonly status: RmiStatus;
  readonly index: number;
  readonly reason: string;
  /**
   * The extension whose condition fired (its `MachineExtension` name, e.g. `mica`), set by the
   * machine when an extension refused the call; absent when the RMM's own condition fired.
   */
  readonly by?: string;
}

/** Evaluates `conditions` in order and returns the first that fires. */
export function firstFailure<C>(
  conditions: readonly FailureCondition<C>[],
  input: C,
): Failure | undefined {
  for (const condition of conditions) {
    const reason = condition.fails(input);
    if (reason !== false) {
      return {
        label: condition.label,
        status: condition.status,
        index: condition.index?.(input) ?? 0,
        reason,
      };
    }
  }
  return undefined;
}
