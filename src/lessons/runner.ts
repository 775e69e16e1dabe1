/**
 * The lesson runner: starts a lesson on a fresh machine (its mode, its setup), gives the
 * learner a host shell with the lesson's restrictions, and checks the goals on demand.
 * Pure: no DOM, no timers. The UI, the CLI and the catalogue test drive the same code, so
 * "solved in the browser" and "solved in CI" mean the same thing.
 *
 * Goals see only the ledger events after the setup (`startSeq`), so whatever the setup did
 * can never tick a goal. Undo and reset in the UI are snapshot restores of `machine`; the
 * start sequence number stays valid because restore keeps ledger numbering.
 */
import type { Machine, MachineMode, MachineSnapshot } from '../emulator/index.ts';
import { createLabMachine, type OutputLine, type ShellSession } from '../shell/index.ts';
import { micaAbi } from '../policy/index.ts';
import {
  disabledCommands,
  lessonWithholding,
  type Goal,
  type GoalView,
  type Lesson,
} from './schema.ts';
import { openTerminals, type Terminals } from './terminals.ts';

/** One goal's state, ready for the checklist. */
export interface GoalStatus {
  readonly id: string;
  readonly title: string;
  readonly done: boolean;
  readonly detail: string;
}

/** A lesson in progress. */
export interface LessonSession {
  readonly lesson: Lesson;
  readonly machine: Machine;
  /** The host shell, with the lesson's commands switched off. */
  readonly shell: ShellSession;
  /** The host shell and the realm terminals (`terminals.realm(name)`); steps route by `@`. */
  readonly terminals: Terminals;
  /** Sequence number of the last ledger event of the setup (0 when it emitted none). */
  readonly startSeq: number;
  /** Evaluates every goal now. Never throws. */
  check(): GoalStatus[];
  /** True when every goal is done. */
  solved(): boolean;
}

/**
 * Evaluates `goals` against `machine`, showing them only ledger events after `startSeq`.
 * A goal whose check throws is a lesson bug; it is reported as not done, with the error,
 * rather than taking the lesson pane down.
 */
export function checkGoals(
  goals: readonly Goal[],
  machine: Machine,
  startSeq: number,
): GoalStatus[] {
  const ledger = machine.ledger.filter((e) => e.seq > startSeq);
  const view: GoalView = { machine, ledger };
  return goals.map((goal) => {
    try {
      const { done, detail } = goal.check(view);
      return { id: goal.id, title: goal.title, done, detail };
    } catch (error) {
      return {
        id: goal.id,
        title: goal.title,
        done: false,
        detail: `this goal's check failed (a lesson bug, please report it): ${String(error)}`,
      };
    }
  });
}

/**
 * A machine as the lab builds one ({@link createLabMachine}, the one factory): the given
 * mode and the lab's guest model. The UI and the CLI shell create theirs the same way, so a
 * lesson behaves identically everywhere, including after its snapshot is restored into the
 * page's machine. `gaps` are the prototype gap switches (default: the mode's).
 */
export function createLessonMachine(mode: MachineMode, gaps?: readonly string[]): Machine {
  const known = gaps?.filter((g): g is micaAbi.MicaGap =>
    (micaAbi.MICA_GAPS as readonly string[]).includes(g),
  );
  return createLabMachine({ mode, ...(known ? { gaps: known } : {}) });
}

/**
 * A lesson setup that starts from a machine snapshot (for start states too long to build
 * command by command). A snapshot the machine refuses is a lesson bug: the catalogue test
 * runs every setup, so it fails there, not in front of a class.
 */
export function snapshotSetup(snapshot: MachineSnapshot): (machine: Machine) => void {
  return (machine) => {
    const restored = machine.restore(snapshot);
    if (!restored.ok) throw new Error(`lesson setup: snapshot refused: ${restored.error}`);
  };
}

/** Options for {@link startLesson}. */
export interface StartOptions {
  /**
   * Start from this state instead of the lesson's setup (a shared scenario, a saved
   * attempt). It must already be validated (see scenarioFromJson): a snapshot the machine
   * refuses is a caller bug.
   */
  readonly snapshot?: MachineSnapshot;
}

/**
 * Creates the lesson's machine and builds its start state (the snapshot if given, else the
 * lesson's setup); returns the machine and the start sequence number.
 */
export function prepareMachine(
  lesson: Lesson,
  options: StartOptions = {},
): { machine: Machine; startSeq: number } {
  const machine = createLessonMachine(lesson.mode);
  if (options.snapshot) {
    const restored = machine.restore(options.snapshot);
    if (!restored.ok) throw new Error(`startLesson: unvalidated snapshot: ${restored.error}`);
  } else lesson.setup(machine);
  const last = machine.ledger[machine.ledger.length - 1];
  return { machine, startSeq: last?.seq ?? 0 };
}

/** Starts `lesson` on a fresh machine (or from `options.snapshot`). */
export function startLesson(lesson: Lesson, options: StartOptions = {}): LessonSession {
  const { machine, startSeq } = prepareMachine(lesson, options);
  const terminals = openTerminals(machine, disabledCommands(lesson), lessonWithholding(lesson));
  const check = () => checkGoals(lesson.goals, machine, startSeq);
  return {
    lesson,
    machine,
    shell: terminals.host,
    terminals,
    startSeq,
    check,
    solved: () => check().every((g) => g.done),
  };
}

/** One step of a replay: the prompt of its terminal, the line typed, what it printed. */
export interface TranscriptEntry {
  /** `host$ ` or `<realm># `; empty for a malformed `@` step. */
  readonly prompt: string;
  readonly line: string;
  readonly output: readonly OutputLine[];
}

/** Plays `steps` (host lines, or `@<realm> <line>`) through `terminals`, skipping blanks. */
export function playSteps(terminals: Terminals, steps: readonly string[]): TranscriptEntry[] {
  return steps.filter((step) => step.trim() !== '').map((step) => terminals.execute(step));
}

/**
 * How many of the replayed `transcript`'s commands the shell refused (a typo, wrong
 * arguments: nothing ran) and the first with its reason, for whoever replayed them without
 * showing their output (a progress file, a link, `mica-lab lesson check`); undefined when none.
 */
export function refusedSteps(transcript: readonly TranscriptEntry[]): string | undefined {
  const refused = transcript.filter((step) => step.output.some((l) => l.refused));
  const first = refused[0];
  if (!first) return undefined;
  const why = first.output.find((l) => l.refused)!.text;
  return `${refused.length} of ${transcript.length} commands were refused by the shell and did not run, the first "${first.line}": ${why}`;
}

/** The result of playing commands through a lesson's shell. */
export interface Replay {
  readonly session: LessonSession;
  readonly transcript: readonly TranscriptEntry[];
  readonly goals: readonly GoalStatus[];
  readonly solved: boolean;
}

/**
 * Starts `lesson` and plays `steps`, one command each: host lines, or `@<realm> <line>` for
 * a realm's terminal.
 */
export function replayCommands(lesson: Lesson, steps: readonly string[]): Replay {
  const session = startLesson(lesson);
  const transcript = playSteps(session.terminals, steps);
  const goals = session.check();
  return { session, transcript, goals, solved: goals.every((g) => g.done) };
}

/** Plays the lesson's reference solution on a fresh machine (what CI does for every lesson). */
export function replaySolution(lesson: Lesson): Replay {
  return replayCommands(lesson, lesson.solution);
}

/** The hints up to and including the `count`-th, in reveal order (for a "hint" button). */
export function revealHints(lesson: Lesson, count: number): Lesson['hints'] {
  return lesson.hints.slice(0, Math.max(0, count));
}
