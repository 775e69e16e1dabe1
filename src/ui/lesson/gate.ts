/**
 * The lesson's command restrictions on the host terminal (a lesson may switch commands
 * off). Wraps the host shell session (`wrapSession`, with the lesson's commands offered): a switched-off command
 * is refused with the lesson named, completion and `help` leave it out, and every line the
 * learner runs is recorded for the lesson's progress.
 *
 * The wrapper reads the lesson state at each call, so starting or leaving a lesson changes
 * the restrictions of the running terminal without recreating it.
 */
import {
  out,
  tokenize,
  wrapSession,
  type OutputLine,
  type ShellSession,
} from '../../shell/index.ts';
import type { LabMachine } from '../state/machine.svelte.ts';
import { lessonOf } from './lesson-state.svelte.ts';

/** `session` (the host shell) with the current lesson's restrictions of `lab` applied. */
export function restrictToLesson(lab: LabMachine, session: ShellSession): ShellSession {
  const state = lessonOf(lab);
  const allowed = (name: string) => !state.disabled.includes(name);
  return wrapSession(
    session,
    (line): OutputLine[] => {
      const tokens = tokenize(line.trim());
      const [name, ...args] = tokens.ok ? tokens.words : [];
      if (name !== undefined && !allowed(name)) {
        state.record(line);
        return [
          out.refused(`"${name}" is switched off in the lesson “${state.lesson?.title ?? ''}”.`),
          out.dim(`Available here: ${session.commandNames.filter(allowed).join(', ')}`),
        ];
      }
      const output = [...session.execute(line), ...state.goalLines()];
      state.record(line);
      if (name === 'help' && args.length === 0 && state.disabled.length > 0) {
        // Drop the switched-off commands' lines from the generated table.
        return output.filter((l) => {
          const first = /^\s{2}(\S+)/.exec(l.text)?.[1];
          return first === undefined || allowed(first);
        });
      }
      return output;
    },
    allowed,
  );
}
