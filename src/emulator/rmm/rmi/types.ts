/**
 * Shapes shared by every RMI command family: the outcome value and the command-table row
 * (code-style.md principles 3 and 7). Outcomes are values; handlers never throw for an
 * architectural error.
 */
import type { RmiCommandName, RmiStatus } from '../../abi/rmi.ts';
import { RMI_SUCCESS } from '../../abi/rmi.ts';
import type { Ctx } from '../../context.ts';
import type { MachineState } from '../../state.ts';
import type { Failure } from '../conditions.ts';

/** What an RMI handler returns: X0 fields plus output registers X1... */
export interface RmiOutcome {
  readonly status: RmiStatus;
  readonly index?: number;
  /** X1.. outputs, in the order the command table names them. */
  readonly out?: readonly bigint[];
  /** The failure condition that decided, when status is not RMI_SUCCESS. */
  readonly failure?: Failure;
}

/** A handler: the registers X1.. in, an outcome out. */
export type RmiHandler = (ctx: Ctx, args: readonly bigint[]) => RmiOutcome;

/** One row of the RMI command table. */
export interface RmiCommandSpec {
  readonly fid: number;
  readonly name: RmiCommandName | string;
  /**
   * The spec section that defines the command (`DEN0137 B4.3.5`; an extension's own spec
   * for its commands). The spec tests' `describe`s are built from it and
   * tests/spec/spec-trail.test.ts holds source and test headers to it.
   */
  readonly section: string;
  /** Argument names for X1.., as the spec names them (the host shell uses them). */
  readonly args: readonly string[];
  /** Output names for X1.. beyond X0. */
  readonly results: readonly string[];
  /** One line for `help`. */
  readonly summary: string;
  readonly handler: RmiHandler;
  /**
   * Every granule (PA) the command takes out of DELEGATED when it succeeds, including those
   * named inside a parameter structure (REALM_CREATE's rtt_base, REC_CREATE's aux list). An
   * extension that holds DELEGATED granules checks this one list (hooks.ts beforeRmi); the
   * machine asserts after every successful call that no other granule left DELEGATED, so a
   * command cannot consume a granule it does not declare. Pure: reads state, emits nothing.
   */
  readonly consumes?: (state: MachineState, args: readonly bigint[]) => readonly number[];
}

/** The outcome for a condition that fired. */
export function refuse(failure: Failure): RmiOutcome {
  return { status: failure.status, index: failure.index, failure };
}

/** A successful outcome with optional outputs. */
export function success(...out: bigint[]): RmiOutcome {
  return { status: RMI_SUCCESS, out };
}
