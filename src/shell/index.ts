/** The shells' public entry: pure text in, text out. */
export { createHostShell, HOST_COMMANDS, type HostEnv } from './host/index.ts';
export {
  INTERNAL_ERROR,
  createShell,
  isInternalError,
  wrapSession,
  type ShellSession,
  type ShellOptions,
} from './session.ts';
export { tokenize, splitCommands } from './tokenize.ts';
export type { OutputLine, Tone, ShellCommand, CommandMeta, UsageError } from './types.ts';
export { out, usageError, isUsageError, badSubcommand } from './types.ts';
export { describeSmc, describeEffects } from './host/describe.ts';
export { parseU64, parseAddr, parseData, parseHex, type Parsed } from './args.ts';
export {
  createRealmShell,
  NO_WITHHOLDING,
  REALM_COMMANDS,
  withholds,
  type RealmEnv,
  type Withholding,
} from './realm/index.ts';
export { policyUploadLine } from './realm/policy.ts';
export { examplePolicyText } from './realm/policy-run.ts';
export { createLabMachine, type LabMachineOptions } from './machine.ts';
export { SHELL_LAZY_CODE, loadShellCode } from './lazy.ts';
export { tenantExpectations, tenantVerdict } from './host/verify-group.ts';
