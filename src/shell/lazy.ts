/**
 * The code the shells load when first used (issue 14): the code a realm's run may reach
 * (run-code.ts: the attestation code, emulator attest/lazy.ts, and the monitor's policy
 * upload, policy monitor/lazy.ts), the tenant's group verifier (host/verify-group.ts) and
 * the realm `policy` command's parser and examples (realm/policy-run.ts). The page loads each
 * when a line needs it (`ShellSession.prepare`); programs without a first screen to keep
 * small (the CLI, the unit tests, the benchmarks) load all of it once before running lines.
 */
import { loadAll, type LazyCode } from '../lib/lazy.ts';
import { GROUP_VERIFIER } from './host/mica.ts';
import { POLICY_COMMAND_CODE } from './realm/policy.ts';
import { REALM_RUN_CODE } from './run-code.ts';

/** Every code a shell command may need (`ShellCommand.needs`). */
export const SHELL_LAZY_CODE: readonly LazyCode<unknown>[] = [
  ...REALM_RUN_CODE,
  GROUP_VERIFIER,
  POLICY_COMMAND_CODE,
];

/** Loads every code a shell command may need; resolves at once when all is loaded. */
export async function loadShellCode(): Promise<void> {
  await loadAll(SHELL_LAZY_CODE);
}
