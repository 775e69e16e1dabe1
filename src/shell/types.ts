/**
 * Shells are pure text-in/text-out: a line goes in, styled lines come out. The same
 * command tables drive the xterm terminals, the headless CLI and the lesson tests
 * (code-style.md principle 3: name, usage, help, handler; `help` is generated).
 */
import type { LazyCode } from '../lib/lazy.ts';
import { subcommandProblem } from '../lib/suggest.ts';

/** How a line should look; terminals map tones to colours, the CLI prints plain text. */
export type Tone = 'normal' | 'ok' | 'error' | 'warn' | 'dim' | 'accent';

/** One line of output. */
export interface OutputLine {
  readonly text: string;
  readonly tone?: Tone;
  /**
   * A request to the terminal rather than text: `clear` empties the screen and scrollback.
   * Text-only outputs (the CLI, transcripts) skip such lines.
   */
  readonly control?: 'clear';
  /**
   * The shell refused the line before running it (unknown or switched-off command, wrong
   * arguments, an unterminated quote): nothing changed. Replays of typed commands (lesson
   * checks, hand-ins) name such lines, which a goal list alone would pass over.
   */
  readonly refused?: true;
}

/** One shell command. `Env` is what the shell talks to (the machine, a realm, ...). */
export interface ShellCommand<Env> {
  readonly name: string;
  /** Usage after the name, e.g. `<pa> [len]`. */
  readonly usage: string;
  /** One-line summary for `help`. */
  readonly summary: string;
  /** Longer help for `help <name>`: lines of explanation and examples. */
  readonly help?: readonly string[];
  /**
   * Code loaded when first used that running the command may reach (issue 14: the token
   * code, the group verifier), for every line or for the line's arguments. The session's
   * `prepare` loads it before the line runs; a line whose code is not loaded yet is refused by
   * `execute` with nothing changed.
   */
  readonly needs?:
    readonly LazyCode<unknown>[] | ((args: readonly string[]) => readonly LazyCode<unknown>[]);
  /**
   * The most arguments the command takes, or, for a command with subcommands, the most each
   * subcommand takes after its own word (`{ read: 2 }`: `mem read <ipa> [len]`). The shell
   * refuses a line with more before the command runs, naming the first extra word, so a
   * stray word is never silently dropped. Absent (or a subcommand not listed): the command
   * reads its own arguments (text joined from words, repeated options).
   */
  readonly maxArgs?: number | Readonly<Record<string, number>>;
  /**
   * The last argument {@link maxArgs} allows may be text in quotes (`<hex|"text">`): extra
   * words after it unquoted are most likely that text, so the refusal shows the line with the
   * text quoted (`write 0x80020000 "my secret"`). For a command with subcommands, the
   * subcommands this holds for (`['extend']`).
   */
  readonly textLast?: true | readonly string[];
  /**
   * Runs the command. Returns output lines, or a {@link UsageError} when the arguments are
   * wrong: the shell then prints the message and the usage, and nothing has changed.
   */
  readonly run: (
    args: readonly string[],
    env: Env,
    meta: CommandMeta,
  ) => readonly OutputLine[] | UsageError;
}

/** The code `command` needs before it can run with `args` (see {@link ShellCommand.needs}). */
export function codeNeeded<Env>(
  command: ShellCommand<Env>,
  args: readonly string[],
): readonly LazyCode<unknown>[] {
  return typeof command.needs === 'function' ? command.needs(args) : (command.needs ?? []);
}

/** Facts about how the arguments were typed. */
export interface CommandMeta {
  /** quoted[i] is true when args[i] was written in quotes (text, not a number). */
  readonly quoted: readonly boolean[];
  /**
   * Whether this shell offers the command `name` (a lesson may switch commands off): a command
   * that suggests another one ("try delegate ...") suggests only what the learner can type.
   * Absent: every command is offered.
   */
  readonly offers?: (name: string) => boolean;
}

/** Returned by a command whose arguments are wrong. Nothing may have changed. */
export interface UsageError {
  readonly usageError: string;
}

/** Builds a usage error. */
export function usageError(message: string): UsageError {
  return { usageError: message };
}

/**
 * The usage error for a subcommand word that is none of `choices` (lib/suggest.ts
 * `subcommandProblem`: missing, or unknown with the nearest choice, and the choices).
 */
export function badSubcommand(sub: string | undefined, choices: readonly string[]): UsageError {
  return usageError(subcommandProblem(sub, choices));
}

/** A word that reads as hex bytes or a number: extra words after it are not its text. */
const HEX_WORD = /^(0x)?[0-9a-f]+$/i;

/**
 * The usage error for `args` beyond what `command` takes ({@link ShellCommand.maxArgs}), or
 * undefined when they fit.
 */
export function extraArgument<Env>(
  command: ShellCommand<Env>,
  args: readonly string[],
  quoted: readonly boolean[] = [],
): UsageError | undefined {
  const { maxArgs } = command;
  if (maxArgs === undefined) return undefined;
  const sub = typeof maxArgs === 'number' ? undefined : args[0];
  const max = typeof maxArgs === 'number' ? maxArgs : sub === undefined ? undefined : maxArgs[sub];
  if (max === undefined) return undefined;
  const skip = sub === undefined ? 0 : 1;
  const extra = args[skip + max];
  if (extra === undefined) return undefined;
  const what = sub === undefined ? command.name : `${command.name} ${sub}`;
  const takes =
    max === 0 ? 'takes no arguments' : `takes at most ${max} argument${max === 1 ? '' : 's'}`;
  const last = skip + max - 1;
  const text =
    (command.textLast === true || (sub !== undefined && command.textLast?.includes(sub))) &&
    max > 0 &&
    !quoted[last] &&
    !HEX_WORD.test(args[last] ?? '')
      ? `; text with spaces goes in quotes: ${[what, ...args.slice(skip, last), `"${args.slice(last).join(' ')}"`].join(' ')}`
      : '';
  return usageError(`unexpected argument "${extra}" ("${what}" ${takes})${text}`);
}

/** True when a command returned a usage error. */
export function isUsageError(x: readonly OutputLine[] | UsageError): x is UsageError {
  return 'usageError' in x;
}

/** Output helpers. */
export const out = {
  line: (text: string): OutputLine => ({ text }),
  ok: (text: string): OutputLine => ({ text, tone: 'ok' }),
  error: (text: string): OutputLine => ({ text, tone: 'error' }),
  warn: (text: string): OutputLine => ({ text, tone: 'warn' }),
  dim: (text: string): OutputLine => ({ text, tone: 'dim' }),
  accent: (text: string): OutputLine => ({ text, tone: 'accent' }),
  /** An error line saying the shell refused the line (see {@link OutputLine.refused}). */
  refused: (text: string): OutputLine => ({ text, tone: 'error', refused: true }),
  /** Asks the terminal to clear its screen (see {@link OutputLine.control}). */
  clear: (): OutputLine => ({ text: '', control: 'clear' }),
};
