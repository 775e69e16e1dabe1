/**
 * Time travel (issue 10 item 4): the machine as of any ledger event, rebuilt from periodic
 * checkpoints plus re-execution of the recorded steps, never stored per event.
 *
 * "The state as of event N" (position N, 0 <= N <= ledger length) is the machine's state at
 * the moment its (N+1)-th event was appended, with the ledger cut after event N: every change
 * made before that next event, none made after it. Inside a command (a REC_ENTER running a
 * guest emits many events) that is the state between two of its events, which is what the
 * machine really went through; at the last position it is the live state ("now").
 *
 * Design rationale: the state is plain data mutated in many places (the RMM, the monitor, the
 * host's VMM bookkeeping), so recording deltas would mean instrumenting every writer, and a
 * copy per event would cost the machine's size per event. The emulator is deterministic (the
 * property scenario links already rely on), so a run is its start (a recipe that builds it
 * from nothing: a fresh machine, a lesson's setup, a pipeline scenario) followed by steps
 * (typed lines) recorded with the ledger position where each began. A checkpoint (the page's
 * undo point, `Machine.checkpoint`) is kept at a step's start when at least `spacing` events
 * have passed since the last one kept, so going back costs one checkpoint adoption plus at
 * most `spacing` events of replay, whatever the length of the run. The replay is checked: the
 * event it stops at must equal the recorded one, or the answer is an error naming the event,
 * never a state that did not happen.
 */
import { jsonEqual } from '../lib/json-equal.ts';
import { EmulatorBug } from '../lib/assert.ts';
import { gpiOf } from './hw/gpt.ts';
import type { LedgerEvent } from './ledger.ts';
import type { Machine, MachineCheckpoint, MachineView } from './machine.ts';
import { granuleAt } from './rmm/granule.ts';
import { copyStateWithoutLedger, type MachineState } from './state.ts';

/** How a timeline re-executes its run. */
export interface TimelineSource {
  /**
   * Builds the run's start from nothing, calling `watch` with the machine before it emits its
   * first event (a start may build its own machine: a pipeline scenario does). Undefined when
   * the start has no recipe (a state loaded from an old link or a file): then only the
   * positions after the start can be rebuilt, from the steps' checkpoints.
   */
  readonly start?: (watch: (machine: Machine) => void) => Machine;
  /** A new machine built as the live one was, to adopt a checkpoint of it. */
  readonly scratch: () => Machine;
}

/** A step of the run after its start (a typed line): re-executes it on `machine`. */
export type ReplayStep = (machine: Machine) => void;

/** The machine as of a ledger position, or why it cannot be shown. */
export type PastState =
  | {
      readonly ok: true;
      /** A detached copy (or, when `now`, the live state itself): read it, never mutate it. */
      readonly state: Readonly<MachineState>;
      readonly position: number;
      /** The position is the end of the ledger: the live machine. */
      readonly now: boolean;
    }
  | { readonly ok: false; readonly error: string };

/** Options of {@link Timeline}. */
export interface TimelineOptions {
  /** Events between two kept checkpoints (default {@link TIMELINE_SPACING}). */
  readonly spacing?: number;
  /** Checkpoints kept at most; beyond, every other is dropped and the spacing doubles. */
  readonly maxCheckpoints?: number;
}

/** Default events between kept checkpoints: a jump replays at most about this many. */
export const TIMELINE_SPACING = 128;
/** Default number of checkpoints a timeline keeps. */
export const TIMELINE_MAX_CHECKPOINTS = 1024;
/** Rebuilt states kept for repeated looks (stepping back and forth over the same events). */
const CACHE_SIZE = 16;

interface StepRecord {
  /** Ledger length when the step began. */
  readonly start: number;
  readonly run: ReplayStep;
  /** The machine at `start`, when kept. */
  checkpoint?: MachineCheckpoint;
}

/** Thrown from a replay's ledger listener once the wanted state is copied: stops the replay. */
class ReplayStop extends Error {}

/**
 * The time-travel index of one run of one machine. The owner tells it about the run: the
 * start (constructor), each step as it is executed live (`record`), undo (`truncate`); a
 * restore that replaces the ledger needs a new timeline. `stateAt(n, live)` rebuilds.
 */
export class Timeline {
  readonly #source: TimelineSource;
  readonly #maxCheckpoints: number;
  #spacing: number;
  /** Ledger length after the start; undefined until the start's steps are indexed. */
  #startEnd: number | undefined;
  #steps: StepRecord[] = [];
  /** Steps executed before the timeline knew their positions (an opened link's). */
  #pending: ReplayStep[];
  #lastKept = Number.NEGATIVE_INFINITY;
  #kept = 0;
  #broken: string | undefined;
  readonly #cache = new Map<number, Readonly<MachineState>>();

  /**
   * A timeline for a run whose start was built and whose `steps` were then executed on the
   * live machine, which now has `ledgerLength` events. With no steps the start ends there;
   * with steps their positions are found by one replay, the first time they are needed.
   */
  constructor(
    source: TimelineSource,
    ledgerLength: number,
    steps: readonly ReplayStep[] = [],
    options: TimelineOptions = {},
  ) {
    this.#source = source;
    this.#spacing = options.spacing ?? TIMELINE_SPACING;
    this.#maxCheckpoints = options.maxCheckpoints ?? TIMELINE_MAX_CHECKPOINTS;
    this.#pending = [...steps];
    this.#startEnd = steps.length === 0 ? ledgerLength : undefined;
  }

  /** Ledger length at the end of the run's start (indexes pending steps when needed). */
  get startEnd(): number | undefined {
    this.#index();
    return this.#startEnd;
  }

  /** Steps recorded so far (a mark for {@link truncate}). */
  get length(): number {
    return this.#steps.length + this.#pending.length;
  }

  /** Checkpoints kept now (for the bench and tests). */
  get checkpoints(): number {
    return this.#kept;
  }

  /**
   * Whether the timeline keeps a checkpoint for a step beginning at ledger length `start`
   * (the owner takes one before running the step only then; the page always has one, its
   * undo point).
   */
  wantsCheckpoint(start: number): boolean {
    return this.#startEnd !== undefined && start - this.#lastKept >= this.#spacing;
  }

  /**
   * Records a step the live machine has just executed: it began at ledger length `start`,
   * where the machine's state was `checkpoint` (taken before the step; kept when
   * {@link wantsCheckpoint} says so). Record every step, also those that appended no event:
   * a step can change the state without one (the host queueing a tenant's packet).
   */
  record(start: number, run: ReplayStep, checkpoint?: MachineCheckpoint): void {
    this.#cache.clear();
    if (this.#startEnd === undefined) {
      this.#pending.push(run);
      return;
    }
    const step: StepRecord = { start, run };
    this.#steps.push(step);
    if (checkpoint && this.wantsCheckpoint(start)) {
      if (checkpoint.ledgerLength !== start) {
        throw new EmulatorBug(
          `timeline: a checkpoint at ledger length ${checkpoint.ledgerLength} recorded for a step at ${start}`,
        );
      }
      step.checkpoint = checkpoint;
      this.#keep(step);
    }
  }

  /**
   * The live machine went back to before step number `mark` (undo; `mark` is the
   * {@link length} before that step was recorded): that step and every later one are gone.
   */
  truncate(mark: number): void {
    this.#cache.clear();
    const known = this.#steps.length;
    if (mark >= known) {
      this.#pending.splice(mark - known);
      return;
    }
    this.#pending = [];
    for (const s of this.#steps.splice(mark)) if (s.checkpoint) this.#kept--;
    this.#lastKept = Number.NEGATIVE_INFINITY;
    for (let i = this.#steps.length - 1; i >= 0; i--) {
      if (this.#steps[i]!.checkpoint) {
        this.#lastKept = this.#steps[i]!.start;
        break;
      }
    }
  }

  /**
   * The machine as of position `n` (see the file comment) of `live`, the machine this
   * timeline records. Never changes `live`.
   */
  stateAt(n: number, live: Machine): PastState {
    const events = live.ledger;
    if (!Number.isInteger(n) || n < 0 || n > events.length) {
      return { ok: false, error: `position ${n} is outside the ledger (0..${events.length})` };
    }
    if (n === events.length) return { ok: true, state: live.state, position: n, now: true };
    try {
      this.#index(live);
    } catch (error) {
      this.#broken = `replaying the run failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (this.#broken) return { ok: false, error: this.#broken };
    const cached = this.#cache.get(n);
    if (cached) return { ok: true, state: cached, position: n, now: false };
    let rebuilt: PastState;
    try {
      rebuilt = this.#rebuild(n, events);
    } catch (error) {
      // A replay that throws (a start whose lesson is no longer loaded) shows no state.
      const why = error instanceof Error ? error.message : String(error);
      return { ok: false, error: `replaying the run failed: ${why}` };
    }
    if (!rebuilt.ok) return rebuilt;
    if (this.#cache.size >= CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(n, rebuilt.state);
    return { ok: true, state: rebuilt.state, position: n, now: false };
  }

  #keep(step: StepRecord): void {
    this.#kept++;
    this.#lastKept = step.start;
    if (this.#kept <= this.#maxCheckpoints) return;
    // Too many: keep every other one and space the next ones twice as far.
    let odd = false;
    for (const s of this.#steps) {
      if (!s.checkpoint) continue;
      if (odd) {
        delete s.checkpoint;
        this.#kept--;
      }
      odd = !odd;
    }
    this.#spacing *= 2;
  }

  /** Finds the positions of steps executed before the timeline knew them: one replay. */
  #index(live?: Machine): void {
    if (this.#startEnd !== undefined || this.#broken) return;
    const start = this.#source.start;
    if (!start) {
      this.#broken =
        'the run started from a loaded state with no recipe, so its past cannot be rebuilt';
      return;
    }
    const m = start(() => {});
    this.#startEnd = m.ledger.length;
    const pending = this.#pending;
    this.#pending = [];
    for (const run of pending) {
      const at = m.ledger.length;
      const checkpoint = this.wantsCheckpoint(at) ? m.checkpoint() : undefined;
      run(m);
      this.record(at, run, checkpoint);
    }
    if (live && m.ledger.length !== live.ledger.length) {
      this.#broken = `replaying the run's recipe gives ${m.ledger.length} ledger events, the machine has ${live.ledger.length}: its past cannot be rebuilt`;
    }
  }

  #rebuild(n: number, events: readonly LedgerEvent[]): PastState {
    const startEnd = this.#startEnd!;
    let captured: Readonly<MachineState> | undefined;
    let problem: string | undefined;
    let watched: Machine | undefined;
    let off: (() => void) | undefined;
    const watch = (m: Machine) => {
      off?.();
      watched = m;
      off = m.on('ledger', (again) => {
        if (captured || problem) throw new ReplayStop();
        const at = m.ledger.length - 1;
        const recorded = events[at];
        if (!recorded || !sameEvent(again, recorded)) {
          problem = `the replay diverged at event ${again.seq}: it emitted ${describe(again)} where the ledger has ${recorded ? describe(recorded) : 'nothing'}`;
          throw new ReplayStop();
        }
        if (at !== n) return;
        captured = copyAsOf(m.state, events, n);
        throw new ReplayStop();
      });
    };
    const replay = (body: () => void) => {
      try {
        body();
      } catch (error) {
        if (!(error instanceof ReplayStop)) throw error;
      }
    };
    if (n < startEnd) {
      const start = this.#source.start;
      if (!start) return { ok: false, error: 'this part of the run was loaded with no recipe' };
      replay(() => start(watch));
    } else {
      const steps = this.#steps;
      // The step containing event n+1: the last that began at or before position n.
      let lo = 0;
      let hi = steps.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (steps[mid]!.start <= n) lo = mid;
        else hi = mid - 1;
      }
      let from = lo;
      while (from >= 0 && !steps[from]!.checkpoint) from--;
      let m: Machine;
      if (from < 0) {
        const start = this.#source.start;
        if (!start) return { ok: false, error: 'this part of the run was loaded with no recipe' };
        m = start(() => {});
        from = 0;
      } else {
        m = this.#source.scratch();
        const adopted = m.adopt(steps[from]!.checkpoint!, events);
        if (!adopted.ok) return adopted;
      }
      watch(m);
      for (let i = from; i <= lo && !captured && !problem; i++) {
        replay(() => steps[i]!.run(m));
      }
    }
    off?.();
    void watched;
    if (problem) return { ok: false, error: problem };
    if (!captured) {
      return {
        ok: false,
        error: `the replay ended before event ${events[n]!.seq}: its past cannot be rebuilt`,
      };
    }
    return { ok: true, state: captured, position: n, now: false };
  }
}

/** A detached copy of `state` as of position `n` of the recorded `events`. */
function copyAsOf(
  state: Readonly<MachineState>,
  events: readonly LedgerEvent[],
  n: number,
): MachineState {
  const { ledger: _ledger, ...rest } = state;
  return {
    ...copyStateWithoutLedger(rest),
    ledger: { events: events.slice(0, n), nextSeq: events[n]!.seq },
  };
}

/** An event in a few words, for a divergence message. */
function describe(e: LedgerEvent): string {
  return JSON.stringify(e).slice(0, 160);
}

/** Whether a replayed event is the recorded one (replay only: the live machine never asks). */
function sameEvent(a: LedgerEvent, b: LedgerEvent): boolean {
  return a.seq === b.seq && a.kind === b.kind && jsonEqual(a, b);
}

/** A read-only machine view of a state (a past one): what the diagrams read. */
export function viewOf(state: Readonly<MachineState>): MachineView {
  return {
    state,
    gpiOf: (pa) => gpiOf(state as MachineState, pa),
    granuleOf: (pa) => granuleAt(state as MachineState, pa),
  };
}
