/**
 * The realm shell: what software inside one realm can do, one session per realm (the
 * realm's terminal). Built from the command families in this folder; `help` is generated.
 * Every command queues guest operations and has the host's VMM run the realm until it is
 * idle (run.ts), so each line shows what the realm saw and, dimmed, the exits the host
 * handled. Spec: cca-spec.md §4 (RSI, PSCI), §2.5 (exits).
 */
import type { Machine } from '../../emulator/index.ts';
import { REALM_RUN_CODE } from '../run-code.ts';
import { createShell, type ShellSession } from '../session.ts';
import { codeNeeded, type ShellCommand } from '../types.ts';
import { DEVICE_COMMANDS } from './devices.ts';
import { MEMORY_COMMANDS } from './memory.ts';
import { POLICY_SHELL_COMMANDS } from './policy.ts';
import { PSCI_SHELL_COMMANDS } from './psci.ts';
import { RSI_SHELL_COMMANDS } from './rsi.ts';
import type { RealmEnv, Withholding } from './run.ts';

export type { RealmEnv, Withholding } from './run.ts';
export { NO_WITHHOLDING, withholds } from './run.ts';
export { exitLine, runOps } from './run.ts';

/**
 * Every realm command, in help order. Each runs the realm until it is idle, and the realm's
 * program may ask for a token (the attester image) or upload its policy on the way, so each
 * needs the code a realm's run may reach (loaded when a realm terminal first runs a line).
 */
export const REALM_COMMANDS: readonly ShellCommand<RealmEnv>[] = [
  ...MEMORY_COMMANDS,
  ...RSI_SHELL_COMMANDS,
  ...PSCI_SHELL_COMMANDS,
  ...DEVICE_COMMANDS,
  ...POLICY_SHELL_COMMANDS,
].map((command) => ({
  ...command,
  needs: (args: readonly string[]) => [...REALM_RUN_CODE, ...codeNeeded(command, args)],
}));

/**
 * Creates the terminal session of the realm the VMM calls `realm` on `machine` (which must
 * run the lab guest model: `createMachine({ guest: GUEST_MODEL })`).
 */
export function createRealmShell(
  machine: Machine,
  realm: string,
  options: {
    disabled?: readonly string[];
    /** The example files a lesson withholds ({@link RealmEnv.withheld}). */
    withheld?: () => Withholding;
  } = {},
): ShellSession {
  const { withheld, disabled } = options;
  return createShell(
    REALM_COMMANDS,
    { machine, realm, ...(withheld ? { withheld } : {}) },
    {
      prompt: `${realm}# `,
      title: `Realm shell (${realm}: software inside the realm, talking to the RMM with RSI) commands:`,
      ...(disabled ? { disabled } : {}),
    },
  );
}
