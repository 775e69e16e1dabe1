/**
 * A shell session: a command table plus history, run one line at a time. Commands can be
 * disabled by name (a lesson may hide `smc`); `help` is generated from the table.
 *
 * Lines run synchronously, one at a time. A command whose code loads when first used
 * (`ShellCommand.needs`) is prepared first: whoever runs lines awaits `prepare(line)` and then
 * calls `execute(line)` once, so a line that waited still runs exactly once, in the order it
 * was typed, and records one history entry (the line editor keeps what is typed meanwhile).
 */
import { loadAll } from '../lib/lazy.ts';
import { didYouMean } from '../lib/suggest.ts';
import { tokenize } from './tokenize.ts';
import {
  codeNeeded,
  extraArgument,
  isUsageError,
  out,
  type OutputLine,
  type ShellCommand,
} from './types.ts';

/** A running shell. */
export interface ShellSession {
  /** Prompt text, e.g. `host$ `. */
  readonly prompt: string;
  /** Executes one line and returns what the terminal prints. Never throws. */
  execute(line: string): OutputLine[];
  /**
   * Loads the code `line`'s command needs (`ShellCommand.needs`) if it is not loaded yet:
   * a promise to await before `execute(line)`, or undefined when the line can run now.
   */
  prepare(line: string): Promise<void> | undefined;
  /** Lines entered so far, oldest first. */
  readonly history: readonly string[];
  /** Command names, for completion. */
  readonly commandNames: readonly string[];
  /** Completes a partial line: the candidate command names for its first word. */
  complete(partial: string): string[];
}

/** How a shell's output begins when a command threw: an emulator bug, never a spec outcome. */
export const INTERNAL_ERROR = 'internal emulator error (a bug, please report it)';

/** True when `output` reports an emulator bug (the page rolls the machine back then). */
export function isInternalError(output: readonly OutputLine[]): boolean {
  return output.some((l) => l.tone === 'error' && l.text.startsWith(INTERNAL_ERROR));
}

/**
 * `session` with its `execute` replaced; prompt, history, command names, completion and
 * `prepare` pass through (read live), names and completions only those `offers` keeps (a
 * lesson's switched-off commands). Wrappers (undo, a lesson's gate, `@realm` routing) use it
 * so that a wrapped session is still a plain ShellSession; one that sends a line elsewhere
 * passes `prepare` for it too.
 */
export function wrapSession(
  session: ShellSession,
  execute: (line: string) => OutputLine[],
  offers: (name: string) => boolean = () => true,
  prepare: (line: string) => Promise<void> | undefined = (line) => session.prepare(line),
): ShellSession {
  return {
    prepare,
    get prompt() {
      return session.prompt;
    },
    get history() {
      return session.history;
    },
    get commandNames() {
      return session.commandNames.filter(offers);
    },
    complete: (partial) => session.complete(partial).filter(offers),
    execute,
  };
}

/** Options for {@link createShell}. */
export interface ShellOptions {
  readonly prompt: string;
  /** Names of commands that are switched off (a lesson's restrictions). */
  readonly disabled?: readonly string[];
  /** Title line of `help`. */
  readonly title: string;
  /**
   * Whether a command of the table is offered now, read at each line (the page's lesson gate
   * switches commands off around a session it keeps): a command's hint then names only what
   * the learner can type. Absent: every command of the table that is not `disabled`.
   */
  readonly offers?: (name: string) => boolean;
}

/** Builds the generated `help` command for `table`. */
function helpCommand<Env>(table: readonly ShellCommand<Env>[], title: string): ShellCommand<Env> {
  return {
    name: 'help',
    usage: '[command]',
    maxArgs: 1,
    summary: 'list the commands, or explain one',
    run: ([name]) => {
      if (name === undefined) {
        const width = Math.max(...table.map((c) => `${c.name} ${c.usage}`.length));
        return [
          out.accent(title),
          ...table.map((c) => out.line(`  ${`${c.name} ${c.usage}`.padEnd(width)}  ${c.summary}`)),
          out.dim('Numbers may be hex (0x...) or decimal. "help <command>" explains one command.'),
        ];
      }
      const c = table.find((x) => x.name === name);
      if (!c) {
        const names = table.map((x) => x.name);
        return { usageError: `no command "${name}"${didYouMean(name, names)}` };
      }
      return [
        out.accent(`${c.name} ${c.usage}`),
        out.line(`  ${c.summary}`),
        ...(c.help ?? []).map((l) => out.line(`  ${l}`)),
      ];
    },
  };
}

/** `clear`: every terminal has it; it changes nothing on the machine. */
function clearCommand<Env>(): ShellCommand<Env> {
  return {
    name: 'clear',
    usage: '',
    summary: 'clear the terminal screen (the machine is unchanged)',
    run: (args) => (args.length > 0 ? { usageError: 'takes no arguments' } : [out.clear()]),
  };
}

/** Creates a shell over `commands` talking to `env`. */
export function createShell<Env>(
  commands: readonly ShellCommand<Env>[],
  env: Env,
  options: ShellOptions,
): ShellSession {
  const disabled = new Set(options.disabled ?? []);
  const enabled = commands.filter((c) => !disabled.has(c.name));
  const listed = [...enabled, clearCommand<Env>()];
  const table = [helpCommand(listed, options.title), ...listed];
  const history: string[] = [];
  const offered = () => table.map((c) => c.name);
  const prepare = (line: string): Promise<void> | undefined => {
    const tokens = tokenize(line.trim());
    if (!tokens.ok) return undefined;
    const [name, ...args] = tokens.words;
    const command = table.find((c) => c.name === name);
    return command ? loadAll(codeNeeded(command, args)) : undefined;
  };
  return {
    prompt: options.prompt,
    history,
    commandNames: table.map((c) => c.name),
    complete: (partial) =>
      partial.includes(' ')
        ? []
        : table.map((c) => c.name).filter((n) => n.startsWith(partial.trim())),
    prepare,
    execute(line) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return [];
      history.push(trimmed);
      const tokens = tokenize(trimmed);
      if (!tokens.ok) return [out.refused(`error: ${tokens.error}`)];
      const [name, ...args] = tokens.words;
      const command = table.find((c) => c.name === name);
      if (!command) {
        const hint = disabled.has(name!)
          ? `"${name}" is switched off in this lesson; here you have: ${offered()
              .filter((n) => n !== 'help' && n !== 'clear')
              .join(', ')} ("help" explains them).`
          : `unknown command "${name}"${didYouMean(name!, [...offered()])}. Type "help" to list the commands.`;
        return [out.refused(hint)];
      }
      const missing = codeNeeded(command, args).find((code) => !code.loaded);
      if (missing) {
        // A caller that did not await prepare(line): a bug of the caller, nothing has changed.
        return [
          out.error(
            `${INTERNAL_ERROR}: "${command.name}" needs ${missing.name}, which is not loaded yet (the line was not run)`,
          ),
        ];
      }
      try {
        const result =
          extraArgument(command, args, tokens.quoted.slice(1)) ??
          command.run(args, env, {
            quoted: tokens.quoted.slice(1),
            offers: (n) => table.some((c) => c.name === n) && (options.offers?.(n) ?? true),
          });
        if (isUsageError(result)) {
          return [
            out.refused(`${command.name}: ${result.usageError}`),
            out.dim(`usage: ${command.name} ${command.usage}`),
          ];
        }
        return [...result];
      } catch (error) {
        // Only emulator bugs throw; show them as such, never as a spec outcome.
        return [out.error(`${INTERNAL_ERROR}: ${String(error)}`)];
      }
    },
  };
}
