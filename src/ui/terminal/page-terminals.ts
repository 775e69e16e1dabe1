/**
 * The page's terminals as plain sessions (no DOM): the host shell with the lesson's
 * restrictions and undo, and one undoable shell per realm. The host takes
 * `@<realm> <line>` exactly as the CLI and the lessons do (src/lessons/terminals.ts): the
 * line runs in that realm's session and the host shows it under the realm's prompt. Every
 * command's output ends with the lesson goals it completed, so a fault a lesson asked for
 * reads as the outcome wanted.
 *
 * Kept out of the Svelte components so the property tests drive exactly what the page
 * drives (issue 9: "no internal error, ever" through the page-level session).
 */
import { parseStep } from '../../lessons/index.ts';
import {
  createHostShell,
  createRealmShell,
  out,
  wrapSession,
  type ShellSession,
} from '../../shell/index.ts';
import { restrictToLesson } from '../lesson/gate.ts';
import { lessonOf } from '../lesson/lesson-state.svelte.ts';
import type { LabMachine } from '../state/machine.svelte.ts';
import type { EditorSession } from './line-editor.ts';

/**
 * The host terminal's session and the realm terminals' sessions of one lab. Their
 * `pending` says what a typed line must wait for (a lesson's module loading, then the code
 * the line's command needs, `ShellSession.prepare`).
 */
export interface PageTerminals {
  readonly host: EditorSession;
  /** The session of realm `name`'s terminal (created on first use, then kept). */
  realm(name: string): EditorSession;
}

/** Options of {@link openPageTerminals}. */
export interface PageTerminalOptions {
  /** Called with `@<realm> <line>` for every line run in a realm terminal. */
  readonly onRealmStep?: (step: string) => void;
}

/** Opens the terminals of `lab`'s machine as the page shows them. */
export function openPageTerminals(
  lab: LabMachine,
  options: PageTerminalOptions = {},
): PageTerminals {
  const course = lessonOf(lab);
  const pendingFor = (session: ShellSession) => (line: string) =>
    course.pending() ?? session.prepare(line);
  const realms = new Map<string, EditorSession>();
  const realm = (name: string): EditorSession => {
    let session = realms.get(name);
    if (session) return session;
    const inner = lab.undoable(
      createRealmShell(lab.machine, name, { withheld: () => course.withheld }),
      name,
    );
    const wrapped = wrapSession(inner, (line) => {
      const output = [...inner.execute(line), ...course.goalLines()];
      const trimmed = line.trim();
      if (trimmed !== '' && !trimmed.startsWith('#')) options.onRealmStep?.(`@${name} ${trimmed}`);
      return output;
    });
    session = Object.assign(wrapped, { pending: pendingFor(wrapped) });
    realms.set(name, session);
    return session;
  };
  // The lesson's gate refuses a switched-off command; the shell's own hints ("Try delegate")
  // read the same restrictions, so they never suggest one.
  const offered = (name: string) => !course.disabled.includes(name);
  const hostShell = lab.undoable(
    restrictToLesson(lab, createHostShell(lab.machine, { offers: offered })),
  );
  const host = wrapSession(
    hostShell,
    (line) => {
      const step = parseStep(line, lab.realmNames);
      if (step.terminal === 'host') return hostShell.execute(line);
      if (step.terminal === 'invalid') return [out.error(step.error)];
      const target = realm(step.realm);
      return [out.accent(`${target.prompt}${step.line}`), ...target.execute(step.line)];
    },
    undefined,
    (line) => {
      const step = parseStep(line);
      if (step.terminal === 'host') return hostShell.prepare(line);
      return step.terminal === 'realm' ? realm(step.realm).prepare(step.line) : undefined;
    },
  );
  return { host: Object.assign(host, { pending: pendingFor(host) }), realm };
}
