/**
 * `mica-lab scenario`: shareable scenarios, headless. `run` decodes a link (or reads a file
 * holding a link or scenario JSON), replays it on a fresh machine and prints the transcript,
 * plus the lesson's goals when the scenario names one; `link` turns commands into a link
 * fragment; `show` prints a link's scenario as JSON.
 * Exit codes: 0 success, 1 the scenario's lesson goals are not all done, 2 bad usage or a
 * link/file the lab refuses (the message says what is wrong).
 */
import { splitCommands } from '../../shell/index.ts';
import {
  MACHINE_MODES,
  decodeScenarioLink,
  encodeScenarioLink,
  makeScenario,
  pipelineLabel,
  runScenario,
  scenarioFromJson,
  type Decoded,
  type Scenario,
} from '../../lessons/index.ts';
import type { MachineMode } from '../../emulator/index.ts';
import type { CliCommand, CliIo } from '../types.ts';
import { printGoals, printTranscript, readStdin } from './lesson.ts';
import { cannotRead } from '../read-error.ts';
import { textOfFile } from '../../lib/text-file.ts';
import { subcommandProblem } from '../../lib/suggest.ts';
import { jsonSyntaxProblem } from '../../lib/located-json.ts';

const USAGE =
  'scenario run <link-or-file> | show <link-or-file> | link [-c "<cmds>"] [--lesson <id>] [--mode <mode>] [--title <t>] [--notes <n>] [--base <url>]';

function usage(io: CliIo, message: string): number {
  io.stderr(`mica-lab scenario: ${message}\nusage: mica-lab ${USAGE}\n`);
  return 2;
}

/** A link (URL, fragment, or bare `d.` payload, or an older `j.`/`z.` one) rather than a file name. */
function looksLikeLink(arg: string): boolean {
  return /^(https?:|#|[djz]\.)/.test(arg) || arg.includes('#/scenario/') || arg.includes('#/s/');
}

/** Decodes a link argument, or reads a file holding a link or scenario JSON. */
async function loadScenario(arg: string, io: CliIo): Promise<Decoded<Scenario>> {
  if (looksLikeLink(arg)) return decodeScenarioLink(arg);
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(arg);
  } catch (error) {
    return { ok: false, error: cannotRead(arg, error) };
  }
  const read = textOfFile(bytes);
  if (!read.ok)
    return {
      ok: false,
      error: `"${arg}" is ${read.error}: a scenario file is JSON or a link, as text`,
    };
  const text = read.value;
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return decodeScenarioLink(trimmed);
  try {
    return scenarioFromJson(JSON.parse(trimmed));
  } catch (error) {
    return { ok: false, error: `"${arg}" is not JSON: ${jsonSyntaxProblem(text, error)}` };
  }
}

async function run(args: readonly string[], io: CliIo, print: 'run' | 'show'): Promise<number> {
  const [arg, extra] = args;
  if (arg === undefined) return usage(io, `"${print}" needs a link or a file`);
  if (extra !== undefined) return usage(io, `unexpected argument "${extra}"`);
  const loaded = await loadScenario(arg, io);
  if (!loaded.ok) {
    io.stderr(`mica-lab scenario: refused: ${loaded.error}\n`);
    return 2;
  }
  const scenario = loaded.value;
  if (print === 'show') {
    io.stdout(JSON.stringify(scenario, null, 2) + '\n');
    return 0;
  }
  if (scenario.title) io.stdout(`# ${scenario.title}\n`);
  if (scenario.notes) io.stdout(`${scenario.notes.trimEnd()}\n`);
  io.stdout(
    `mode: ${scenario.mode}${scenario.lesson ? `    lesson: ${scenario.lesson}` : ''}${scenario.pipeline !== undefined ? `    start: ${pipelineLabel(scenario.pipeline)}` : ''}${scenario.snapshot ? '    start: snapshot' : ''}\n`,
  );
  const result = await runScenario(scenario);
  if (result.pipeline) {
    const p = result.pipeline;
    io.stdout(`${p.outcome}${p.rule ? ` by ${p.rule}` : ''}: ${p.reason.split('\n')[0]}\n`);
  }
  printTranscript(io, result.transcript);
  if (!result.goals) return 0;
  return printGoals(io, result.goals) ? 0 : 1;
}

async function link(args: readonly string[], io: CliIo): Promise<number> {
  let script: string | undefined;
  let lesson: string | undefined;
  let mode: string | undefined;
  let title: string | undefined;
  let notes: string | undefined;
  let base = '';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = args[i + 1];
    if (!['-c', '--lesson', '--mode', '--title', '--notes', '--base'].includes(a)) {
      return usage(io, `unknown option "${a}"`);
    }
    if (value === undefined) return usage(io, `${a} needs a value`);
    i++;
    if (a === '-c') script = value;
    else if (a === '--lesson') lesson = value;
    else if (a === '--mode') mode = value;
    else if (a === '--title') title = value;
    else if (a === '--notes') notes = value;
    else base = value;
  }
  if (mode !== undefined && !MACHINE_MODES.includes(mode as MachineMode)) {
    return usage(io, `--mode must be one of ${MACHINE_MODES.join(', ')}`);
  }
  const commands = splitCommands(script ?? (await readStdin(io.stdin)));
  const scenario = makeScenario({
    commands,
    ...(lesson !== undefined ? { lesson } : {}),
    ...(mode !== undefined ? { mode: mode as MachineMode } : {}),
    ...(title !== undefined ? { title } : {}),
    ...(notes !== undefined ? { notes } : {}),
  });
  // Validate exactly as a reader would, so a link this prints always opens.
  const checked = scenarioFromJson(JSON.parse(JSON.stringify(scenario)));
  if (!checked.ok) return usage(io, checked.error);
  io.stdout(base.replace(/#.*$/, '') + encodeScenarioLink(checked.value) + '\n');
  return 0;
}

/** The scenario subcommand. */
export const SCENARIO_COMMAND: CliCommand = {
  name: 'scenario',
  usage: USAGE,
  summary: 'replay a scenario link or file, show it, or make a link from commands',
  async run(args, io) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'run':
        return run(rest, io, 'run');
      case 'show':
        return run(rest, io, 'show');
      case 'link':
        return link(rest, io);
      default:
        return usage(io, subcommandProblem(sub, ['run', 'show', 'link']));
    }
  },
};
