/**
 * `mica-lab shell`: the host shell, headless. Commands come from `-c "<cmd>; <cmd>"` or
 * from standard input, one per line; the output is exactly what the terminal prints
 * (prompt and command echoed, then the output lines), without colours.
 */
import { GUEST_MODEL, createMachine } from '../../emulator/index.ts';
import { createHostShell, splitCommands, type OutputLine } from '../../shell/index.ts';
import type { CliCommand, CliIo } from '../types.ts';

async function readAll(
  stdin: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
): Promise<string> {
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of stdin)
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return text;
}

function print(io: CliIo, lines: readonly OutputLine[]): void {
  for (const l of lines) io.stdout(l.text + '\n');
}

/** The shell subcommand. */
export const SHELL_COMMAND: CliCommand = {
  name: 'shell',
  usage: 'shell [-c "<cmd>; <cmd>"] [--strict]',
  summary: 'run the host shell headless (commands from -c or stdin, one per line)',
  async run(args, io) {
    let script: string | undefined;
    let strict = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === '-c') {
        script = args[++i];
        if (script === undefined) {
          io.stderr(
            'mica-lab shell: -c needs a command string, e.g. -c "delegate 0x80000000; gpt"\n',
          );
          return 2;
        }
      } else if (a === '--strict') strict = true;
      else {
        io.stderr(`mica-lab shell: unknown option "${a}"\nusage: mica-lab ${this.usage}\n`);
        return 2;
      }
    }
    const machine = createMachine({ guest: GUEST_MODEL });
    const shell = createHostShell(machine);
    const lines =
      script !== undefined
        ? splitCommands(script)
        : io.stdin
          ? (await readAll(io.stdin)).split('\n')
          : [];
    let failed = false;
    for (const line of lines) {
      if (line.trim() === '') continue;
      io.stdout(`${shell.prompt}${line.trim()}\n`);
      const output = shell.execute(line);
      if (output.some((l) => l.tone === 'error')) failed = true;
      print(io, output);
    }
    return strict && failed ? 1 : 0;
  },
};
