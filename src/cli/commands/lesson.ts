/**
 * `mica-lab lesson`: the lesson catalogue, headless. `list` prints the course, `show <id>`
 * prints a lesson as an instructor sees it (text, goals, hints, solution), and
 * `check <id>` plays commands on the lesson's setup and prints each goal with ✓/✗, so a
 * lesson can be solved, judged or debugged from a terminal or CI, and `runs <progress.json>`
 * judges every run a progress file lists again on a fresh machine (what a student hands in
 * cannot claim a run that did not happen).
 * Exit codes: 0 success (check: every goal done; runs: every run agrees), 1 check not passed
 * (runs: one differs or cannot be checked), 2 bad usage or an unreadable file.
 */
import { splitCommands, type OutputLine } from '../../shell/index.ts';
import { describeRecheck, recheckRun, rechecked } from '../../lessons/judged-run.ts';
import {
  PARTS,
  disabledCommands,
  lessonGlossary,
  parseSave,
  saveFileText,
  refusedSteps,
  replayCommands,
  type GoalStatus,
  type Lesson,
  type TranscriptEntry,
} from '../../lessons/index.ts';
import { CATALOGUE, findEntry, findLesson } from '../../lessons/loaded.ts';
import type { CliCommand, CliIo } from '../types.ts';
import { cannotRead } from '../read-error.ts';
import { lessonTypo } from '../../lessons/catalogue.ts';
import { subcommandProblem } from '../../lib/suggest.ts';

const USAGE =
  'lesson list | show <id> | check <id> [--solution | -c "<cmds>"] [-v] | runs <progress.json>';

/** Reads all of standard input as text. */
export async function readStdin(stdin: CliIo['stdin']): Promise<string> {
  if (!stdin) return '';
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

/** Prints a replay as the terminal showed it: prompt and command, then its output. */
export function printTranscript(io: CliIo, transcript: readonly TranscriptEntry[]): void {
  for (const step of transcript) {
    io.stdout(`${step.prompt}${step.line}\n`);
    for (const l of step.output as readonly OutputLine[]) io.stdout(l.text + '\n');
  }
}

/** Without -v the commands' output is not printed: names the commands the shell refused. */
function noteRefusals(io: CliIo, transcript: readonly TranscriptEntry[]): void {
  const note = refusedSteps(transcript);
  if (note) io.stdout(`note: ${note} (-v prints every command's output)\n`);
}

/** Prints a goal checklist; returns true when every goal is done. */
export function printGoals(io: CliIo, goals: readonly GoalStatus[]): boolean {
  for (const g of goals) {
    io.stdout(`${g.done ? '✓' : '✗'} ${g.title}\n    ${g.detail}\n`);
  }
  const done = goals.filter((g) => g.done).length;
  io.stdout(`${done}/${goals.length} goals done\n`);
  return done === goals.length;
}

function usage(io: CliIo, message: string): number {
  io.stderr(`mica-lab lesson: ${message}\nusage: mica-lab ${USAGE}\n`);
  return 2;
}

/** Resolves a playable lesson id, or prints why not and returns undefined. */
export function lessonOrUsage(io: CliIo, id: string | undefined, who: string): Lesson | undefined {
  if (id === undefined) {
    io.stderr(`mica-lab ${who}: missing <id>; "mica-lab lesson list" shows them\n`);
    return undefined;
  }
  const entry = findEntry(id);
  if (!entry) {
    io.stderr(
      `mica-lab ${who}: no lesson "${id}"${lessonTypo(id)}; "mica-lab lesson list" shows them\n`,
    );
    return undefined;
  }
  if (entry.status !== 'ready') {
    io.stderr(`mica-lab ${who}: lesson "${id}" is planned, not playable yet\n`);
    return undefined;
  }
  return entry;
}

function list(io: CliIo): number {
  for (const part of PARTS) {
    io.stdout(`${part.id}  ${part.title}${part.status === 'planned' ? '  (planned)' : ''}\n`);
    for (const e of CATALOGUE.filter((x) => x.part === part.id)) {
      io.stdout(`  ${e.id.padEnd(40)} ${e.title}${e.status === 'planned' ? '  (planned)' : ''}\n`);
    }
  }
  return 0;
}

/** The lesson's terms with their definitions, as the page's Lesson pane lists them. */
function terms(lesson: Lesson): string[] {
  const { entries, unknown } = lessonGlossary(lesson.glossary);
  return [
    ...entries.map((e) => `  ${e.term}${e.mica ? ' (Mica)' : ''}: ${e.definition}`),
    ...unknown.map((t) => `  ${t}: not in the glossary (GLOSSARY.md)`),
  ];
}

function show(io: CliIo, lesson: Lesson): number {
  const off = disabledCommands(lesson);
  const lines = [
    `# ${lesson.title}`,
    `id: ${lesson.id}    mode: ${lesson.mode}`,
    `commands switched off: ${off.length > 0 ? off.join(', ') : 'none'}`,
    '',
    lesson.summary,
    '',
    'Objectives:',
    ...lesson.objectives.map((o) => `  - ${o}`),
    lesson.body.trimEnd(),
    '',
    'Goals:',
    ...lesson.goals.map((g) => `  [${g.id}] ${g.title}`),
    '',
    'Hints:',
    ...lesson.hints.map((h) => `  (${h.tier}) ${h.text}`),
    '',
    'Reference solution:',
    ...lesson.solution.map((s) => `  ${s}`),
    '',
    'Terms:',
    ...terms(lesson),
    'Spec references:',
    ...lesson.specRefs.map((r) => `  ${r.source} ${r.section}: ${r.title}`),
  ];
  io.stdout(lines.join('\n') + '\n');
  return 0;
}

async function check(args: readonly string[], io: CliIo): Promise<number> {
  const [id, ...rest] = args;
  const lesson = lessonOrUsage(io, id, 'lesson check');
  if (!lesson) return 2;
  let commands: string[] | undefined;
  let verbose = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--solution') {
      if (commands) return usage(io, 'give --solution or -c, not both');
      commands = [...lesson.solution];
    } else if (a === '-c') {
      const script = rest[++i];
      if (script === undefined)
        return usage(io, '-c needs a command string, e.g. -c "gpt; read 0x80000000"');
      if (commands) return usage(io, 'give --solution or -c, not both');
      commands = splitCommands(script);
    } else if (a === '-v' || a === '--verbose') verbose = true;
    else return usage(io, `unknown option "${a}"`);
  }
  commands ??= (await readStdin(io.stdin)).split('\n');
  const replay = replayCommands(lesson, commands);
  if (verbose) printTranscript(io, replay.transcript);
  io.stdout(`${lesson.id}: ${lesson.title}\n`);
  const solved = printGoals(io, replay.goals);
  if (!verbose) noteRefusals(io, replay.transcript);
  return solved ? 0 : 1;
}

/** `runs <file>`: every judged run of a progress file, judged again on a fresh machine. */
async function runs(args: readonly string[], io: CliIo): Promise<number> {
  if (args.length !== 1) return usage(io, '"runs" takes one progress file');
  const path = args[0]!;
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(path);
  } catch (error) {
    io.stderr(`mica-lab lesson runs: ${cannotRead(path, error)}\n`);
    return 2;
  }
  const text = saveFileText(bytes);
  const parsed = text.ok ? parseSave(text.value) : text;
  if (!parsed.ok) {
    io.stderr(`mica-lab lesson runs: ${path} is not a progress file: ${parsed.error}\n`);
    return 2;
  }
  const list = parsed.value.save.judgedRuns ?? [];
  if (list.length === 0) {
    io.stdout(`${path}: no judged runs\n`);
    return 0;
  }
  let agreed = 0;
  for (const [i, run] of list.entries()) {
    const r = recheckRun(run, findLesson(run.lesson));
    if (rechecked(r)) agreed++;
    io.stdout(`${describeRecheck(r, i)}\n`);
  }
  io.stdout(`${agreed}/${list.length} judged runs agree with the machine\n`);
  return agreed === list.length ? 0 : 1;
}

/** The lesson subcommand. */
export const LESSON_COMMAND: CliCommand = {
  name: 'lesson',
  usage: USAGE,
  summary:
    'list, show or check lessons (check: replay commands, "@<realm> <cmd>" in a realm terminal; print goals ✓/✗)',
  async run(args, io) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'list':
        if (rest.length > 0) return usage(io, `"list" takes no arguments`);
        return list(io);
      case 'show': {
        if (rest.length > 1) return usage(io, `"show" takes one lesson id`);
        const lesson = lessonOrUsage(io, rest[0], 'lesson show');
        return lesson ? show(io, lesson) : 2;
      }
      case 'check':
        return check(rest, io);
      case 'runs':
        return runs(rest, io);
      default:
        return usage(io, subcommandProblem(sub, ['list', 'show', 'check', 'runs']));
    }
  },
};
