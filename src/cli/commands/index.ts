// The CLI's subcommand table. Add a subcommand: write src/cli/commands/<name>.ts exporting a
// CliCommand and list it here; `mica-lab --help` is generated from this list.
import type { CliCommand } from '../types.ts';
import { ATTEST_COMMAND } from './attest.ts';
import { LESSON_COMMAND } from './lesson.ts';
import { MICA_COMMAND } from './mica.ts';
import { POLICY_COMMAND } from './policy.ts';
import { RUN_COMMAND } from './run.ts';
import { SCENARIO_COMMAND } from './scenario.ts';
import { SHELL_COMMAND } from './shell.ts';
import { VERIFY_COMMAND } from './verify.ts';

export const CLI_COMMANDS: readonly CliCommand[] = [
  SHELL_COMMAND,
  VERIFY_COMMAND,
  ATTEST_COMMAND,
  POLICY_COMMAND,
  LESSON_COMMAND,
  SCENARIO_COMMAND,
  RUN_COMMAND,
  MICA_COMMAND,
];
