/**
 * `mica-lab shell`: the host shell, headless. Commands come from `-c "<cmd>; <cmd>"` or
 * from standard input, one per line; the output is exactly what the terminal prints
 * (prompt and command echoed, then the output lines), without colours. A line
 * `@<realm> <command>` is typed into that realm's terminal (src/shell/realm) instead.
 */
import { openTerminals } from '../../lessons/index.ts';
import { createLabMachine, splitCommands, type OutputLine } from '../../shell/index.ts';
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
  for (const l of lines) if (l.control === undefined) io.stdout(l.text + '\n');
}

/** The shell subcommand. */
export const SHELL_COMMAND: CliCommand = {
  name: 'shell',
  usage: 'shell [-c "<cmd>; <cmd>"] [--strict]',
  summary: 'run the host shell headless (commands from -c or stdin; "@<realm> <cmd>" for a realm)',
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
    const terminals = openTerminals(createLabMachine());
    const lines =
      script !== undefined
        ? splitCommands(script)
        : io.stdin
          ? (await readAll(io.stdin)).split('\n')
          : [];
    let failed = false;
    // `@<realm> <command>` types into that realm's terminal instead of the host's; the
    // routing is the lessons' and the page's (src/lessons/terminals.ts).
    for (const line of lines) {
      if (line.trim() === '') continue;
      const { prompt, line: command, output } = terminals.execute(line);
      io.stdout(`${prompt}${command}\n`);
      if (output.some((l) => l.tone === 'error')) failed = true;
      print(io, output);
    }
    return strict && failed ? 1 : 0;
  },
};
