/**
 * The Mica monitor as a machine extension (mica-spec.md §3; product.md "three modes"), and
 * {@link createMicaMachine}, the one call the UI, lessons, shell and tests use to build a
 * machine in any of the three modes:
 *
 * - `cca`: plain RMM 1.0, no extension; the Mica FIDs answer SMCCC_NOT_SUPPORTED.
 * - `mica` (default): the intended design with every recommendation of §8.
 * - `mica-prototype`: the public prototype's behaviour; every gap of §6 is a named switch
 *   (MICA_GAPS), all on unless `gaps` says otherwise.
 */
import { checkMicaInvariants } from './invariants.ts';
import {
  createMachine,
  type Machine,
  type MachineExtension,
  type MachineMode,
  type MachineOptions,
  type RsiHandler,
} from '../../emulator/index.ts';
import {
  MICA_GAPS,
  SMC_RSI_ATTEST_TOKEN_CONTINUE_GROUP,
  SMC_RSI_ATTEST_TOKEN_INIT_GROUP,
  SMC_RSI_UPLOAD_POLICY,
  type MicaGap,
} from '../abi.ts';
import { ENFORCEMENT_HOOKS } from './enforce.ts';
import { continueGroup, initGroup } from './group.ts';
import { MICA_RMI_COMMANDS } from './rmi.ts';
import { MICA_EXT, initialMicaState } from './state.ts';
import { micaStateProblem } from './state-shape.ts';
import { UPLOAD_CODE } from './lazy.ts';

/**
 * The Mica RSI commands, tried before the built-in RSI table. The upload's code is loaded
 * when first used (./lazy.ts): whatever runs a realm loads it first.
 */
export const MICA_RSI: RsiHandler = (ctx, realm, rec, fid) => {
  switch (fid) {
    case SMC_RSI_UPLOAD_POLICY:
      return UPLOAD_CODE.get().uploadPolicy(ctx, realm, rec);
    case SMC_RSI_ATTEST_TOKEN_INIT_GROUP:
      return initGroup(ctx, realm, rec);
    case SMC_RSI_ATTEST_TOKEN_CONTINUE_GROUP:
      return continueGroup(ctx, realm, rec);
    default:
      return { kind: 'unhandled' };
  }
};

/** Options of {@link micaExtension}. */
export interface MicaExtensionOptions {
  readonly mode?: Exclude<MachineMode, 'cca'>;
  /** Prototype gaps switched on (default: all in prototype mode, none in Mica mode). */
  readonly gaps?: readonly MicaGap[];
}

/** The gaps in force for a mode (all of them in prototype mode unless listed). */
export function gapsFor(mode: MachineMode, gaps?: readonly string[]): MicaGap[] {
  if (mode !== 'mica-prototype') return [];
  const known = new Set<string>(MICA_GAPS);
  return gaps === undefined ? [...MICA_GAPS] : (gaps.filter((g) => known.has(g)) as MicaGap[]);
}

/** The monitor extension. */
export function micaExtension(options: MicaExtensionOptions = {}): MachineExtension {
  const mode = options.mode ?? 'mica';
  const gaps = options.gaps ?? gapsFor(mode);
  return {
    name: MICA_EXT,
    rmiCommands: MICA_RMI_COMMANDS,
    initialState: () => initialMicaState(mode, gaps),
    // Dormant on a CCA-only machine; a restored Mica snapshot brings its state back.
    activeIn: (config) => config.mode !== 'cca',
    rsi: MICA_RSI,
    invariants: checkMicaInvariants,
    validateState: micaStateProblem,
    ...ENFORCEMENT_HOOKS,
  };
}

/** Options of {@link createMicaMachine}: machine options plus the mode and gap switches. */
export interface MicaMachineOptions extends Omit<MachineOptions, 'mode' | 'gaps'> {
  readonly mode?: MachineMode;
  /** Gap switches (prototype mode); default all of MICA_GAPS. */
  readonly gaps?: readonly MicaGap[];
}

/**
 * Creates a machine in one of the three modes. The monitor is always wired in, dormant in
 * `cca` mode (its FIDs answer SMCCC_NOT_SUPPORTED, its hooks are not asked), so the same
 * machine can later restore a snapshot of any mode (undo, lesson starts, links).
 */
export function createMicaMachine(options: MicaMachineOptions = {}): Machine {
  const mode = options.mode ?? 'mica';
  const gaps = gapsFor(mode, options.gaps);
  const monitor = micaExtension({ mode: mode === 'cca' ? 'mica' : mode, gaps });
  const extensions = [monitor, ...(options.extensions ?? [])];
  return createMachine({ ...options, mode, gaps, extensions });
}
