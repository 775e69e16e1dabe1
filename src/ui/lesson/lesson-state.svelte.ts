/**
 * The lesson being played on the lab's machine: which lesson, where its goals start in the
 * ledger, hints revealed, the next solution line, the learner's commands, and notices for
 * the page. Goals are `$derived` from the lab's ledger, so the checklist follows every
 * command, undo and restore without a subscription of its own.
 *
 * Design rationale: a lesson runs on the same machine as every other view (product.md "one
 * machine, one ledger"): starting one restores the lesson's start snapshot (built by the
 * lessons package's `prepareMachine` on a scratch machine) into the lab's machine. One
 * LessonState exists per LabMachine; `lessonOf(lab)` finds it, so the tabs, the terminal
 * deck's command gate and the session component share it without any of the colleague's
 * components having to create or pass it.
 */
import {
  checkGoals,
  disabledCommands,
  lessonWithholding,
  loadLesson,
  nextLessonId,
  openTerminals,
  refusedSteps,
  prepareMachine,
  type GoalStatus,
  type Lesson,
  type LessonProgress,
  type TranscriptEntry,
} from '../../lessons/index.ts';
import {
  adoptHeld,
  holdState,
  type HeldState,
  type MachineSnapshot,
  type MachineState,
} from '../../emulator/index.ts';
import { NO_WITHHOLDING, type OutputLine, type Withholding } from '../../shell/index.ts';
import type { LabMachine, Origin } from '../state/machine.svelte.ts';
import { SaveStore } from '../persist/save-store.svelte.ts';

/** A message for the page's notice area. */
export interface Notice {
  readonly id: number;
  readonly tone: 'info' | 'ok' | 'error';
  readonly title: string;
  readonly text: string;
}

/** Options of {@link LessonState.start}. */
export interface StartFrom {
  /** Resume from this machine state (a saved attempt, a shared scenario). */
  readonly snapshot?: MachineSnapshot;
  /** The learner's earlier commands: replayed on the setup when there is no snapshot. */
  readonly progress?: LessonProgress;
  /**
   * Steps to replay after the start state (a link's or the autosave's command log, with
   * `@<realm> <line>` for a realm's terminal); default: the progress's commands when there
   * is no snapshot.
   */
  readonly steps?: readonly string[];
  /**
   * Replay the steps as the learner's own commands, each that changes the machine an undo
   * step (resuming after a reload); otherwise they are the start, as an opened link's are,
   * which its opener undoes as one.
   */
  readonly undoable?: boolean;
}

const registry = new WeakMap<LabMachine, LessonState>();

/**
 * The page's Reset (header button, Alt+R): in a lesson, back to the lesson's start state (its
 * setup built, as its text describes), not to an empty machine the lesson never speaks of;
 * outside a lesson, back to boot. Both are undoable.
 */
export function resetInPlay(lab: LabMachine): void {
  const course = registry.get(lab);
  if (course?.lesson) course.reset();
  else lab.reset();
}

/** The lesson state of `lab`, created on first use. */
export function lessonOf(lab: LabMachine): LessonState {
  let state = registry.get(lab);
  if (!state) {
    state = new LessonState(lab);
    registry.set(lab, state);
  }
  return state;
}

export class LessonState {
  readonly lab: LabMachine;
  readonly store = new SaveStore();

  /** The lesson in play, if any. */
  lesson = $state.raw<Lesson | undefined>(undefined);
  /** Ledger sequence number where the lesson's setup ended; goals see only later events. */
  startSeq = $state.raw(0);
  /** Hints revealed in this lesson (in tier order). */
  hintsRevealed = $state(0);
  /** Index of the next solution line "insert" will type. */
  solutionStep = $state(0);
  /** Whether the reference solution was used in this lesson. */
  solutionShown = $state(false);
  /** Host commands the learner ran since the lesson started, oldest first. */
  commands = $state.raw<readonly string[]>([]);
  /**
   * True when the machine is the lesson's start plus {@link commands} (not a saved machine
   * the lesson went on from): then the commands are the run, and a judged run keeps them.
   */
  fromStart = $state(true);
  /** Title of a scenario loaded outside any lesson (a shared link, an attack demo). */
  scenarioTitle = $state.raw<string | undefined>(undefined);
  /** Notices for the page (bad links, unreadable saves, updates). */
  notices = $state.raw<readonly Notice[]>([]);
  /**
   * Puts a solution step on the input line of the terminal where it runs (set by the page
   * once its terminals are up); never presses Enter.
   */
  typist: ((step: string) => void) | undefined;

  /**
   * Every goal of the lesson, evaluated on the machine as it is now: re-run after every
   * batch of machine events and every restore (`lab.state` tracks them), sharing the
   * evaluation the terminal's goal line made for the same ledger ({@link LessonState.tickedNow}).
   */
  readonly goals: readonly GoalStatus[] = $derived.by(() =>
    this.#evaluate(this.lab.state, this.lesson, this.startSeq),
  );
  readonly solved = $derived(this.goals.length > 0 && this.goals.every((g) => g.done));
  /** Host commands switched off in this lesson. */
  readonly disabled: readonly string[] = $derived(this.lesson ? disabledCommands(this.lesson) : []);
  /** The shipped policy files this lesson withholds (it asks the learner to write them). */
  readonly withheld: Withholding = $derived(
    this.lesson ? lessonWithholding(this.lesson) : NO_WITHHOLDING,
  );
  /** The id of the playable lesson after this one, if any. */
  readonly next = $derived(this.lesson ? nextLessonId(this.lesson.id) : undefined);

  #start: HeldState | undefined;
  #noticeId = 0;
  /** What typed commands wait for: a lesson's module loading and its start. */
  #pending: Promise<unknown> | undefined;
  /** Goal ids done after the latest command (see {@link LessonState.tickedNow}). */
  #doneBefore: readonly string[] = [];
  /** Goals the latest command completed, for the terminal and the results log. */
  lastTicked: readonly GoalStatus[] = [];
  /** Whether the goals were all done at the last {@link LessonState.newSolve}. */
  #wasSolved = false;

  constructor(lab: LabMachine) {
    this.lab = lab;
    // Time travel replays a lesson's setup: the lesson loaded here is the one it needs.
    lab.lessonLookup = (id) => (this.lesson?.id === id ? this.lesson : undefined);
  }

  /**
   * Starts `lesson` on the lab's machine: its setup (or `from.snapshot`), then the learner's
   * earlier commands when resuming without a snapshot. Keeps hints already counted.
   */
  start(lesson: Lesson, from: StartFrom = {}): void {
    const { machine, startSeq } = prepareMachine(lesson);
    // The setup's machine was built here: held and adopted, never serialised (a saved or
    // linked state is untrusted and is restored, with its validation).
    this.#start = holdState(machine);
    const restored = from.snapshot
      ? this.lab.machine.restore(from.snapshot)
      : adoptHeld(this.lab.machine, this.#start);
    if (!restored.ok) {
      this.notify('error', 'The saved state was refused', restored.error);
      adoptHeld(this.lab.machine, this.#start);
    }
    // The machine's state was replaced: the commands typed before cannot be taken back.
    this.lab.dropUnreachable();
    const snapshot = restored.ok ? from.snapshot : undefined;
    const commands = (from.steps ?? (snapshot ? [] : from.progress?.commands) ?? []).filter(
      (line) => line.trim() !== '',
    );
    // Route `@<realm> <line>` steps to the realm's terminal, as the page's terminals do; when
    // resuming, each is played as if typed again, so Undo takes them back after a reload.
    const terminals = openTerminals(
      this.lab.machine,
      disabledCommands(lesson),
      lessonWithholding(lesson),
    );
    const origin: Origin = snapshot
      ? { kind: 'snapshot', snapshot }
      : { kind: 'lesson', id: lesson.id };
    const play = (step: string) => terminals.execute(step);
    let transcript: TranscriptEntry[];
    if (from.undoable) transcript = this.lab.replay(origin, commands, play);
    else {
      transcript = commands.map(play);
      this.lab.rebase(origin, commands);
    }
    const refused = refusedSteps(transcript);
    this.lesson = lesson;
    this.startSeq = startSeq;
    this.commands = commands;
    this.fromStart = snapshot === undefined;
    this.hintsRevealed = from.progress?.hintsRevealed ?? 0;
    this.solutionShown = from.progress?.solutionShown ?? false;
    this.solutionStep = 0;
    this.scenarioTitle = undefined;
    this.#doneBefore = this.#evaluate()
      .filter((g) => g.done)
      .map((g) => g.id);
    this.lastTicked = [];
    // A resumed attempt the progress already records as solved is no new solve.
    this.#wasSolved =
      lesson.goals.length > 0 &&
      this.#doneBefore.length === lesson.goals.length &&
      from.progress?.status === 'solved';
    this.lab.announce([
      { text: '' },
      { text: `──── Lesson: ${lesson.title} ────`, tone: 'accent' },
      { text: `  (${lesson.id}; goals in the Lesson tab)`, tone: 'dim' },
      // Replayed commands print nothing: one the shell refused is said, never passed over.
      ...(refused ? [{ text: `  replayed: ${refused}`, tone: 'warn' as const }] : []),
    ]);
  }

  /** The latest evaluation and what it was made for (see {@link LessonState.#evaluate}). */
  #evaluated:
    | {
        readonly state: Readonly<MachineState>;
        readonly length: number;
        readonly lesson: Lesson;
        readonly startSeq: number;
        readonly goals: readonly GoalStatus[];
      }
    | undefined;

  /**
   * Every goal of `lesson`, evaluated on the machine whose state is `state` (synchronous).
   * Checking goals reads the whole ledger, so one evaluation serves every reader of the same
   * machine state: between commands the state object stays and its ledger only grows, while
   * a restore or rewind replaces the object, so the object and the ledger's length say
   * whether anything changed since.
   */
  #evaluate(
    state: Readonly<MachineState> = this.lab.machine.state,
    lesson = this.lesson,
    startSeq = this.startSeq,
  ): readonly GoalStatus[] {
    if (!lesson) return [];
    const length = state.ledger.events.length;
    const last = this.#evaluated;
    if (
      last !== undefined &&
      last.state === state &&
      last.length === length &&
      last.lesson === lesson &&
      last.startSeq === startSeq
    ) {
      return last.goals;
    }
    const goals = checkGoals(lesson.goals, this.lab.machine, startSeq);
    this.#evaluated = { state, length, lesson, startSeq, goals };
    return goals;
  }

  /**
   * Call after each command: returns (and keeps in `lastTicked`) the goals that command
   * completed, so a fault the lesson asked for reads as the outcome wanted, not a failure.
   */
  tickedNow(): readonly GoalStatus[] {
    const goals = this.#evaluate();
    this.lastTicked = goals.filter((g) => g.done && !this.#doneBefore.includes(g.id));
    this.#doneBefore = goals.filter((g) => g.done).map((g) => g.id);
    return this.lastTicked;
  }

  /** Output lines naming the goals the latest command completed (empty when none). */
  goalLines(): OutputLine[] {
    return this.tickedNow().map((g) => ({ text: `✓ lesson goal reached: ${g.title}`, tone: 'ok' }));
  }

  /**
   * Starts the lesson with id `id` once its module has loaded; false when there is no such
   * playable lesson. Commands typed meanwhile wait ({@link LessonState.pending}).
   */
  startById(id: string, from: StartFrom = {}): Promise<boolean> {
    return this.whileLoading(
      loadLesson(id).then((lesson) => {
        if (!lesson) return false;
        this.start(lesson, from);
        return true;
      }),
    );
  }

  /**
   * Whether the goals, all done now (`solved`), were not at the previous call: a solve to
   * celebrate and record as a judged run. A lesson resumed (a reload, a revisit) with the
   * attempt its progress already records as solved is not one: each reload of a solved
   * fix-it lesson said "Lesson solved" and added the same judged run to the progress file.
   */
  newSolve(solved: boolean): boolean {
    const fresh = solved && !this.#wasSolved;
    this.#wasSolved = solved;
    return fresh;
  }

  /**
   * Marks `work` (a module loading, then the machine replaced) as something typed commands
   * must wait for, and returns it.
   */
  whileLoading<T>(work: Promise<T>): Promise<T> {
    this.#pending = work;
    const settled = () => {
      if (this.#pending === work) this.#pending = undefined;
    };
    work.then(settled, settled);
    return work;
  }

  /** What a command typed now must wait for, if anything (see `EditorSession.pending`). */
  pending(): Promise<unknown> | undefined {
    return this.#pending;
  }

  /**
   * Back to the lesson's start state (progress, hints and solved status are kept). Undoable:
   * Undo puts the machine, the commands typed and the solution step back.
   */
  reset(): void {
    if (!this.lesson || !this.#start) return;
    const before = this.lab.checkpoint();
    const kept = {
      commands: this.commands,
      fromStart: this.fromStart,
      solutionStep: this.solutionStep,
      doneBefore: this.#doneBefore,
    };
    adoptHeld(this.lab.machine, this.#start);
    this.lab.rebase({ kind: 'lesson', id: this.lesson.id });
    this.commands = [];
    this.fromStart = true;
    this.solutionStep = 0;
    this.#doneBefore = [];
    this.lab.remember('lesson reset', before, () => {
      this.commands = kept.commands;
      this.fromStart = kept.fromStart;
      this.solutionStep = kept.solutionStep;
      this.#doneBefore = kept.doneBefore;
    });
    // The terminals keep the lines typed before: without a line of their own they would go on
    // showing goals reached and bytes written that the machine no longer has.
    this.lab.announce([
      {
        text: `reset lesson: "${this.lesson.title}" is back at its start state (undo brings your work back)`,
        tone: 'accent',
      },
    ]);
    this.notify(
      'info',
      'Lesson reset',
      `“${this.lesson.title}” is back at its start state (Undo brings your work back).`,
    );
  }

  /**
   * What is needed to put this lesson state back (an undo of a pipeline run or an opened
   * link that replaced it): call the returned function.
   */
  capture(): () => void {
    const saved = {
      lesson: this.lesson,
      startSeq: this.startSeq,
      hintsRevealed: this.hintsRevealed,
      solutionStep: this.solutionStep,
      solutionShown: this.solutionShown,
      commands: this.commands,
      fromStart: this.fromStart,
      scenarioTitle: this.scenarioTitle,
      start: this.#start,
      doneBefore: this.#doneBefore,
    };
    return () => {
      this.lesson = saved.lesson;
      this.startSeq = saved.startSeq;
      this.hintsRevealed = saved.hintsRevealed;
      this.solutionStep = saved.solutionStep;
      this.solutionShown = saved.solutionShown;
      this.commands = saved.commands;
      this.fromStart = saved.fromStart;
      this.scenarioTitle = saved.scenarioTitle;
      this.#start = saved.start;
      this.#doneBefore = saved.doneBefore;
    };
  }

  /** Leaves the lesson (the machine stays as it is: free play). */
  leave(): void {
    this.lesson = undefined;
    this.commands = [];
  }

  /** Reveals the next hint tier; returns false when all are shown. */
  revealHint(): boolean {
    const total = this.lesson?.hints.length ?? 0;
    if (this.hintsRevealed >= total) return false;
    this.hintsRevealed++;
    return true;
  }

  /**
   * Types the next line of the reference solution into the terminal where it runs, without
   * Enter: the learner reads it and runs it (lab-ux.md §0 item 3).
   */
  insertSolutionLine(): string | undefined {
    const line = this.lesson?.solution[this.solutionStep];
    if (line === undefined || !this.typist) return undefined;
    this.typist(line);
    this.solutionShown = true;
    // No wrap-around: after the last line the button says so (re-inserting a refused upload
    // into a solved lesson only confused).
    this.solutionStep += 1;
    return line;
  }

  /** Records a host command the learner ran (called by the terminal's command gate). */
  record(line: string): void {
    const trimmed = line.trim();
    if (trimmed !== '' && !trimmed.startsWith('#')) this.commands = [...this.commands, trimmed];
  }

  /** Shows a notice; returns its id. Errors stay until dismissed. */
  notify(tone: Notice['tone'], title: string, text: string): number {
    const id = ++this.#noticeId;
    this.notices = [...this.notices.filter((n) => n.title !== title), { id, tone, title, text }];
    return id;
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((n) => n.id !== id);
  }
}
