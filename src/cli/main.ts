/**
 * `mica-lab`: the same emulator, headless, for instructors and CI. A table of subcommands;
 * `--help` is generated. Exit codes: 0 success, 1 the check failed, 2 bad usage.
 */
import { loadShellCode } from '../shell/index.ts';
import { CLI_COMMANDS } from './commands/index.ts';
import type { CliIo } from './types.ts';
import { didYouMean } from '../lib/suggest.ts';

function help(io: CliIo): void {
  io.stdout('mica-lab: the Mica Lab emulator (Arm CCA + Mica) without a browser\n\n');
  io.stdout('usage: mica-lab <command> [arguments]\n\ncommands:\n');
  for (const c of CLI_COMMANDS) io.stdout(`  mica-lab ${c.usage}\n      ${c.summary}\n`);
  io.stdout('  mica-lab --help\n      this text\n');
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    help(io);
    return name === undefined ? 2 : 0;
  }
  const command = CLI_COMMANDS.find((c) => c.name === name);
  if (!command) {
    const names = CLI_COMMANDS.map((c) => c.name);
    io.stderr(
      `mica-lab: unknown command "${name}"${didYouMean(name, names)}. Try "mica-lab --help".\n`,
    );
    return 2;
  }
  // No first screen to keep small: the code the shells load when first used, loaded now.
  await loadShellCode();
  return command.run(rest, io);
}
