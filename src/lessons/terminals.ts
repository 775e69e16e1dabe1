/**
 * The terminals of a lesson or scenario: the host shell plus one shell per realm, opened on
 * demand. Solutions, scenario commands and saved progress are plain lines; a line that
 * starts with `@<realm> ` is typed in that realm's terminal, any other line in the host's.
 * Keeping steps as strings keeps links, save files and `mica-lab ... -c "a; @r1 b"` simple,
 * and no host command or realm name can start with `@`.
 */
import { hostRealms, type Machine } from '../emulator/index.ts';
import {
  NO_WITHHOLDING,
  REALM_COMMANDS,
  createHostShell,
  createRealmShell,
  out,
  type OutputLine,
  type ShellSession,
  type Withholding,
} from '../shell/index.ts';

/** A realm terminal step: `@<realm> <command>`. Realm names follow `realm create`. */
const REALM_STEP = /^@([a-z0-9-]{1,16})(?:\s+(.*))?$/;

/** The realm name of a step whose name has an upper-case letter, refused with its hint. */
const CASED_REALM = /^@([A-Za-z0-9-]{1,16})(?:\s|$)/;

/** Where a step is typed. */
export type Step =
  | { readonly terminal: 'host'; readonly line: string }
  | { readonly terminal: 'realm'; readonly realm: string; readonly line: string }
  | { readonly terminal: 'invalid'; readonly error: string };

/**
 * Splits a step into its terminal and the line typed there. Realm names are lower case and
 * matched exactly (emulator `realmNameProblem`), so `@RG` is refused, with `@rg` suggested
 * and, when `realms` (the realms that exist) is given, which ones do.
 */
export function parseStep(step: string, realms?: readonly string[]): Step {
  const text = step.trim();
  if (!text.startsWith('@')) return { terminal: 'host', line: text };
  const m = REALM_STEP.exec(text);
  if (!m) {
    const cased = CASED_REALM.exec(text)?.[1];
    if (cased !== undefined) return { terminal: 'invalid', error: casedRealm(cased, realms) };
    return {
      terminal: 'invalid',
      error: `"${text.split(/\s/)[0]}" is not "@<realm>" (a-z, 0-9, -, up to 16 characters)`,
    };
  }
  const line = (m[2] ?? '').trim();
  if (line === '') return { terminal: 'invalid', error: `nothing to type in realm ${m[1]}` };
  return { terminal: 'realm', realm: m[1]!, line };
}

/** Why `@<name>` with an upper-case letter is refused, and the realm it may have meant. */
function casedRealm(name: string, realms: readonly string[] | undefined): string {
  const lower = name.toLowerCase();
  const known = realms === undefined ? '' : ` (realms: ${realms.join(', ') || 'none yet'})`;
  return `"@${name}": realm names are lower case and exact, did you mean "@${lower}"?${known}`;
}

/** The command names a realm terminal offers (`help` included). */
export function realmCommandNames(): string[] {
  return ['help', ...REALM_COMMANDS.map((c) => c.name)];
}

/** The host terminal and the realm terminals of one machine. */
export interface Terminals {
  readonly host: ShellSession;
  /** The terminal of realm `name` (created on first use). */
  realm(name: string): ShellSession;
  /** Names of the realm terminals opened so far. */
  readonly opened: readonly string[];
  /** Runs one step in its terminal; returns the prompt shown and the output. */
  execute(step: string): { prompt: string; line: string; output: OutputLine[] };
}

/**
 * Opens the terminals of `machine`; `hostDisabled` switches host commands off and the realm
 * terminals refuse the shipped policy files `withheld` names (a lesson's restrictions,
 * schema.ts `lessonWithholding`).
 */
export function openTerminals(
  machine: Machine,
  hostDisabled: readonly string[] = [],
  withheld: Withholding = NO_WITHHOLDING,
): Terminals {
  const host = createHostShell(machine, { disabled: hostDisabled });
  const realms = new Map<string, ShellSession>();
  const realm = (name: string): ShellSession => {
    let shell = realms.get(name);
    if (!shell)
      realms.set(name, (shell = createRealmShell(machine, name, { withheld: () => withheld })));
    return shell;
  };
  return {
    host,
    realm,
    get opened() {
      return [...realms.keys()];
    },
    execute(step) {
      const parsed = parseStep(
        step,
        hostRealms(machine).map((r) => r.name),
      );
      if (parsed.terminal === 'invalid') {
        return { prompt: '', line: step.trim(), output: [out.refused(parsed.error)] };
      }
      const shell = parsed.terminal === 'host' ? host : realm(parsed.realm);
      return { prompt: shell.prompt, line: parsed.line, output: shell.execute(parsed.line) };
    },
  };
}
