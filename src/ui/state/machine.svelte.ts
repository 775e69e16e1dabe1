/**
 * The lab's reactive view of one emulated machine.
 *
 * Design rationale: the Machine is plain data behind a facade and must never be wrapped in
 * a deep `$state` proxy (every granule read would pay proxy costs, and the emulator mutates
 * its own arrays). This class keeps the machine in a plain field, listens to its `ledger`
 * and `restore` events, and publishes immutable snapshots through `$state.raw` fields that
 * are reassigned, never mutated. Views derive everything else with `$derived`; a getter
 * such as {@link LabMachine.state} reads the published value it depends on, so a `$derived`
 * that calls it re-runs after each batch of events without naming that dependency itself.
 *
 * Undo: every command that changes the machine is preceded by a machine checkpoint; undo
 * restores the newest one. A command changed the machine when it appended to the ledger or,
 * without a ledger event, changed what software outside the machine keeps in its state (the
 * host's bookkeeping, the tenant's declarations: {@link bookkeepingChanged}). Reset restores the boot snapshot and is itself undoable, and so
 * is anything else that replaces the machine's state (a pipeline run, an opened link), by
 * name: "undo: back to the state before "Run attack 19"".
 *
 * Recipe: `origin` says where the machine's state came from (a fresh machine, a lesson's
 * setup, a Pipeline view scenario, a snapshot with no recipe) and `steps` lists every line
 * typed since, in any terminal (`@<realm> <line>` for a realm's), so the state can be shared
 * as a short link that replays the steps (src/ui/persist/session.ts).
 */
import {
  createLabMachine,
  isInternalError,
  wrapSession,
  type LabMachineOptions,
} from '../../shell/index.ts';
import { createContext } from 'svelte';
import {
  lineStep,
  restrictionsOf,
  runTimeline,
  type Lesson,
  type PipelineRunner,
  type RunStart,
} from '../../lessons/index.ts';
import {
  ATTESTATION_CODE,
  abi,
  adoptHeld,
  holdState,
  type HeldState,
  appraiseLastToken,
  hostRealms,
  realmOf,
  type Appraisal,
  type LedgerEvent,
  type Machine,
  type MachineCheckpoint,
  type MachineMode,
  type MachineOptions,
  type MachineSnapshot,
  type MachineState,
  type Timeline,
} from '../../emulator/index.ts';
import type { OutputLine, ShellSession } from '../../shell/index.ts';
import { readRealms, type RealmView } from '../realms/realm-view.ts';
import {
  NO_GRANULES,
  NO_INDICES,
  bootGranule,
  diffGranules,
  readChanged,
  type GranuleInfo,
  type GranuleMap,
} from './granules.ts';
import { hex } from '../../lib/hex.ts';
import { jsonEqual } from '../../lib/json-equal.ts';

export type { GranuleInfo } from './granules.ts';

/** Where the machine's current state came from, before the `steps` typed since. */
export type Origin =
  /** A fresh machine of the current mode and gap switches. */
  | { readonly kind: 'fresh' }
  /** Lesson `id`'s setup (src/lessons `prepareMachine`). */
  | { readonly kind: 'lesson'; readonly id: string }
  /** The Pipeline view's scenario `scenario` (0 = no attack) run in `mode`. */
  | { readonly kind: 'pipeline'; readonly scenario: number; readonly mode: MachineMode }
  /** A state with no recipe: an old link's or a save file's snapshot. */
  | { readonly kind: 'snapshot'; readonly snapshot: MachineSnapshot };

/**
 * How the machine comes back to a state: a machine checkpoint (state without the
 * append-only ledger: cheap, the common case before a command, valid while the ledger goes
 * on), or the same checkpoint with the ledger it was taken on (before anything that replaces
 * the ledger: reset, Run, an opened link). The ledger's events never change once appended and
 * a replacement starts a new list, so keeping the old list costs no copy; going back is a
 * checkpoint adoption (emulator `Machine.adopt`), not a snapshot's serialisation and restore.
 */
export type UndoPoint =
  | { readonly kind: 'checkpoint'; readonly checkpoint: MachineCheckpoint }
  | { readonly kind: 'history'; readonly held: HeldState };

/** Everything undo needs to come back to a state: the machine, its origin and steps. */
export interface Checkpoint {
  readonly point: UndoPoint;
  readonly origin: Origin;
  readonly steps: readonly string[];
}

/** One step that undo can take back. */
export interface UndoEntry extends Checkpoint {
  /** What the learner typed (or "reset", "Run attack 19", ...). */
  readonly label: string;
  /** Puts back the views' own state (the lesson, the pipeline result) after the restore. */
  readonly onUndo?: () => void;
  /** The timeline's length before the command (undo cuts the timeline back to it). */
  readonly mark?: number;
}

/** Granules that changed in the latest update, for a short highlight. */
export interface Highlight {
  readonly indices: ReadonlySet<number>;
  /** Increments on every update so views can restart an animation. */
  readonly stamp: number;
}

/** Display names of the machine modes (product.md). */
export const MODE_LABELS: Readonly<Record<MachineMode, string>> = {
  cca: 'CCA only',
  mica: 'Mica',
  'mica-prototype': 'Mica prototype',
};

/** How many steps undo remembers (the oldest commands are forgotten first). */
const UNDO_LIMIT = 100;

type NoticeListener = (lines: readonly OutputLine[]) => void;

export class LabMachine {
  /** The emulator itself. Plain field: never proxied. Drive it only through its facade. */
  readonly machine: Machine;

  /** Every ledger event, oldest first; a new array after each batch of events. */
  ledger = $state.raw<readonly LedgerEvent[]>([]);
  /** Granules whose GPI or RMM state differ from boot, by granule index. */
  changed = $state.raw<GranuleMap>(NO_GRANULES);
  /** The granules that changed in the latest update. */
  highlight = $state.raw<Highlight>({ indices: NO_INDICES, stamp: 0 });
  /** The machine mode (a restore may bring another one). */
  mode = $state.raw<MachineMode>('mica');
  /** The RMM's realms with their RECs and RTT trees (fresh copies after each update). */
  realms = $state.raw<readonly RealmView[]>([]);
  /** Names the host's VMM gave its realms (one terminal each), in creation order. */
  realmNames = $state.raw<readonly string[]>([]);
  /** The last attestation token a realm handed to the host, as hex. */
  lastToken = $state.raw<string | undefined>(undefined);
  /** The challenge (hex) the realm asked that token for, as the emulator recorded it. */
  lastChallenge = $state.raw<string | undefined>(undefined);
  /**
   * The relying party's appraisal of `lastToken` (recorded challenge, lab anchor, the
   * realm's reference values): the one result the Token and Chain tabs render, from the
   * same call as the host terminal's "attest verify last".
   */
  lastAppraisal = $state.raw<Appraisal | undefined>(undefined);
  /** RD of the realm the learner is looking at (views follow it). */
  selectedRealm = $state<number>();
  /** Why the start snapshot could not be used, if it could not. */
  readonly startError: string | undefined;
  /** Undo steps, oldest first. */
  undoStack = $state.raw<readonly UndoEntry[]>([]);
  /** Where the machine's state came from (see the file comment). */
  origin = $state.raw<Origin>({ kind: 'fresh' });
  /** The lines typed since `origin`, oldest first: host lines, or `@<realm> <line>`. */
  steps = $state.raw<readonly string[]>([]);

  /**
   * The machine's state as of the latest publish. Reading it inside a `$derived` re-runs
   * the derivation after every batch of machine events and every restore.
   */
  get state(): Readonly<MachineState> {
    return this.#published.state;
  }

  /**
   * The time-travel index of the current run (src/emulator/timeline.ts): a new one on every
   * `rebase`, each typed line recorded, undo cutting it back. Plain field: never proxied.
   */
  timeline: Timeline;
  /**
   * The loaded lesson of id `id`, for replaying a lesson's setup (lessons load on demand; the
   * page's lesson state sets this).
   */
  lessonLookup: (id: string) => Lesson | undefined = () => undefined;
  /** `runPipeline`, once the pipeline's code is loaded, for replaying a pipeline run. */
  pipelineRunner: PipelineRunner | undefined;

  /** Label of the step undo would take back. */
  readonly nextUndo = $derived(this.undoStack.at(-1)?.label);
  readonly modeLabel = $derived(MODE_LABELS[this.mode]);

  /** A fresh wrapper per publish, so readers of {@link LabMachine.state} see every batch. */
  #published: { readonly state: Readonly<MachineState> };
  readonly #boot: MachineSnapshot;
  readonly #bootOrigin: Origin;
  readonly #unsubscribe: (() => void)[] = [];
  #notices: readonly NoticeListener[] = [];
  /** Announcements made before any terminal listened. */
  #pending: readonly OutputLine[] = [];
  #flushQueued = false;
  #granulesDirty = true;
  #appraisalKey = '';

  /**
   * Creates the machine; `start` (a scenario's snapshot) replaces the boot state, and reset
   * returns to it. Throws nothing: a bad start snapshot is reported through `startError`.
   */
  constructor(options: MachineOptions = {}, start?: MachineSnapshot) {
    // The terminals' machine: the lab guest model inside realms and, unless the mode is
    // 'cca', the Mica monitor, exactly as the CLI shell and the lessons build it.
    this.machine = createLabMachine(options as LabMachineOptions);
    this.#published = $state.raw({ state: this.machine.state });
    if (start) {
      const restored = this.machine.restore(start);
      if (!restored.ok) this.startError = restored.error;
    }
    this.#boot = this.machine.snapshot();
    this.#bootOrigin =
      start && !this.startError ? { kind: 'snapshot', snapshot: this.#boot } : { kind: 'fresh' };
    this.origin = this.#bootOrigin;
    this.timeline = this.#newTimeline();
    this.#unsubscribe.push(
      this.machine.on('ledger', (event) => {
        if (event.kind === 'gpt:update' || event.kind === 'granule:transition') {
          this.#granulesDirty = true;
        }
        this.#queueFlush();
      }),
      this.machine.on('restore', () => {
        this.#granulesDirty = true;
        this.#queueFlush();
      }),
    );
    this.#flush();
  }

  /** The memory map of the board. */
  get memoryMap(): readonly abi.MemoryRegion[] {
    return this.machine.state.config.memoryMap;
  }

  /** What the lab knows about the granule at `pa` (reactive through `changed`). */
  granule(pa: number): GranuleInfo {
    return this.changed.get(Math.floor(pa / abi.GRANULE_SIZE)) ?? bootGranule(this.memoryMap, pa);
  }

  /**
   * Wraps a shell session so that every command that changes the machine can be undone and
   * every line is kept in `steps` (as `@<terminal> <line>` unless `terminal` is the host).
   * The wrapped session is still a plain ShellSession: terminals stay generic.
   */
  undoable(session: ShellSession, terminal = 'host'): ShellSession {
    return wrapSession(session, (line) => {
      const text = line.trim();
      const step = terminal === 'host' ? text : `@${terminal} ${text}`;
      return this.#command(text, step, () => session.execute(line));
    });
  }

  /**
   * Plays `steps` on the machine, now at `origin`, as if the learner typed each again (a
   * resumed lesson's commands after a reload): each joins `steps` and the timeline, and each
   * that changes the machine is an undo step, as it was when it was typed. `run` executes a
   * step in its terminal and returns what it printed with it.
   */
  replay<R extends { readonly output: readonly OutputLine[] }>(
    origin: Origin,
    steps: readonly string[],
    run: (step: string) => R,
  ): R[] {
    this.rebase(origin);
    return steps.map((step) => {
      let result!: R;
      const output = this.#command(step.trim(), step.trim(), () => {
        result = run(step);
        return [...result.output];
      });
      // The machine was put back after an internal error: say so with the step's output.
      return isInternalError(result.output) ? { ...result, output } : result;
    });
  }

  /**
   * Runs one command line (`text`, as typed; `step`, as the recipe records it: `@<realm>
   * <line>` for a realm's) through `run`, which executes it. A line that is not empty or a
   * comment joins `steps` and the timeline; a command that changed the machine is an undo step
   * named `step` (a realm's line says which realm); one that met an internal error is taken
   * back at once.
   */
  #command(text: string, step: string, run: () => OutputLine[]): OutputLine[] {
    const before = this.checkpoint('command');
    const seq = this.machine.state.ledger.nextSeq;
    const at = this.machine.ledger.length;
    const mark = this.timeline.length;
    const output = run();
    if (isInternalError(output)) {
      // A command that threw may have stopped half-way (a REC left running): never
      // keep a machine an emulator bug left inconsistent; say so under the error.
      this.#back(before.point);
      return [
        ...output,
        { text: 'The machine was put back as it was before this command.', tone: 'dim' },
      ];
    }
    if (text !== '' && !text.startsWith('#')) {
      this.steps = [...before.steps, step];
      // Every line, also one that appended nothing: it may have changed the state.
      const point = before.point.kind === 'checkpoint' ? before.point.checkpoint : undefined;
      const start = runStartOf(this.origin, this.machine.state, this);
      this.timeline.record(
        at,
        lineStep(step, () => restrictionsOf(start)),
        point,
      );
    }
    if (
      this.machine.state.ledger.nextSeq !== seq ||
      bookkeepingChanged(checkpointOf(before.point).state, this.machine.state)
    ) {
      this.#pushUndo(step, before, undefined, mark);
    }
    return output;
  }

  /**
   * The state as it is now, for an undo entry. `command` takes a cheap machine checkpoint,
   * valid until the next restore (the page's commands); `replace` (default) keeps the ledger
   * with it, for anything that is about to replace the machine's state.
   */
  checkpoint(use: 'command' | 'replace' = 'replace'): Checkpoint {
    const point: UndoPoint =
      use === 'command'
        ? { kind: 'checkpoint', checkpoint: this.machine.checkpoint() }
        : { kind: 'history', held: holdState(this.machine) };
    return { point, origin: this.origin, steps: this.steps };
  }

  /**
   * Says the machine's state now comes from `origin` with `steps` played since (after a
   * lesson start, a pipeline run, an opened link). Does not touch the machine.
   */
  rebase(origin: Origin, steps: readonly string[] = []): void {
    this.origin = origin;
    this.steps = steps;
    this.timeline = this.#newTimeline();
  }

  /** A timeline for the run now on the machine: `origin` then `steps`. */
  #newTimeline(): Timeline {
    const start = runStartOf(this.origin, this.machine.state, this);
    return runTimeline(start, this.machine.ledger.length, [...this.steps]);
  }

  /**
   * Makes a replacement of the machine's state undoable by name: `before` is the checkpoint
   * taken before it, `onUndo` puts the views' own state back after undo restores it.
   */
  remember(label: string, before: Checkpoint, onUndo?: () => void): void {
    this.#pushUndo(label, before, onUndo);
  }

  /**
   * Drops the undo steps that can no longer be taken back: a command's cheap checkpoint is
   * valid only on the ledger it was taken on, and the machine's state was just replaced (a
   * lesson started). Undo then offers only what it can do; it used to offer the previous
   * lesson's last command and answer "the ledger was replaced since this undo point".
   */
  dropUnreachable(): void {
    this.undoStack = this.undoStack.filter((e) => e.point.kind === 'history');
  }

  /** Takes back the latest command. Returns false when there is nothing to undo. */
  undo(): boolean {
    const entry = this.undoStack.at(-1);
    if (!entry) return false;
    const result = this.#back(entry.point);
    if (!result.ok) {
      // Steps taken before the machine was replaced (a Run, a link) can no longer be undone:
      // drop them and say why, rather than failing at every Alt+Z.
      this.dropUnreachable();
      this.#notify([
        { text: `undo: cannot take back "${entry.label}": ${result.error}`, tone: 'error' },
      ]);
      return false;
    }
    this.undoStack = this.undoStack.slice(0, -1);
    if (entry.point.kind === 'checkpoint' && entry.mark !== undefined) {
      // The same run, one command shorter: the timeline keeps its checkpoints.
      this.origin = entry.origin;
      this.steps = entry.steps;
      this.timeline.truncate(entry.mark);
    } else this.rebase(entry.origin, entry.steps);
    entry.onUndo?.();
    this.#notify([{ text: `undo: back to the state before "${entry.label}"`, tone: 'accent' }]);
    return true;
  }

  /** Restores the boot state. Undo brings the previous state back. */
  reset(): void {
    const before = this.checkpoint();
    const result = this.machine.restore(this.#boot);
    if (!result.ok) {
      this.#notify([{ text: `reset failed: ${result.error}`, tone: 'error' }]);
      return;
    }
    this.rebase(this.#bootOrigin);
    this.#pushUndo('reset', before);
    this.#notify([
      { text: 'reset: the machine is back at boot (undo brings it back)', tone: 'accent' },
    ]);
  }

  /**
   * Prints `lines` in every terminal (a lesson's title when it starts). Before any terminal
   * is up (a lesson route opened on page load), the first one to subscribe prints them.
   */
  announce(lines: readonly OutputLine[]): void {
    if (this.#notices.length === 0) this.#pending = [...this.#pending, ...lines];
    else this.#notify(lines);
  }

  /**
   * Puts a fresh machine of `mode` in place (the header and the Pipeline's Mode menu both
   * read `mode` back from the machine). Undo brings the previous machine back, and then
   * calls `onUndo` (the views put their own state back).
   */
  switchMode(mode: MachineMode, onUndo?: () => void): void {
    if (mode === this.mode) return;
    const before = this.checkpoint();
    const result = this.machine.restore(createLabMachine({ mode }).snapshot());
    if (!result.ok) {
      this.#notify([{ text: `mode change failed: ${result.error}`, tone: 'error' }]);
      return;
    }
    this.rebase({ kind: 'fresh' });
    this.#pushUndo(`mode ${MODE_LABELS[mode]}`, before, onUndo);
    this.#notify([
      {
        text: `mode: a fresh ${MODE_LABELS[mode]} machine (undo brings the previous one back)`,
        tone: 'accent',
      },
    ]);
  }

  /** Subscribes to lab notices (undo, reset) that terminals print; returns unsubscribe. */
  onNotice(fn: NoticeListener): () => void {
    if (this.#pending.length > 0) {
      fn(this.#pending);
      this.#pending = [];
    }
    this.#notices = [...this.#notices, fn];
    return () => {
      this.#notices = this.#notices.filter((f) => f !== fn);
    };
  }

  /** Stops listening to the machine. */
  dispose(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#notices = [];
  }

  #pushUndo(label: string, before: Checkpoint, onUndo?: () => void, mark?: number): void {
    const entry: UndoEntry = {
      label,
      ...before,
      ...(onUndo ? { onUndo } : {}),
      ...(mark !== undefined ? { mark } : {}),
    };
    const stack = [...this.undoStack, entry];
    while (stack.length > UNDO_LIMIT) {
      // The oldest command goes first, before any replacement (an opened link, a Run,
      // reset): that is the way back to what the learner had, and a link's hundred typed
      // commands would otherwise push it out. A replacement goes when no command is left.
      const oldest = stack.findIndex((e) => e.mark !== undefined);
      stack.splice(oldest >= 0 && oldest < stack.length - 1 ? oldest : 0, 1);
    }
    this.undoStack = stack;
  }

  /** Puts the machine back at `point`. */
  #back(point: UndoPoint): { ok: true } | { ok: false; error: string } {
    return point.kind === 'checkpoint'
      ? this.machine.rewind(point.checkpoint)
      : adoptHeld(this.machine, point.held);
  }

  #notify(lines: readonly OutputLine[]): void {
    for (const fn of this.#notices) fn(lines);
  }

  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => this.#flush());
  }

  /** Publishes the machine's current state as fresh immutable values. */
  #flush(): void {
    this.#flushQueued = false;
    const state = this.machine.state;
    this.ledger = state.ledger.events.slice();
    this.#published = { state };
    this.mode = state.config.mode;
    // Realm records change on calls that move no granule (ACTIVATE, REC_ENTER): re-read
    // them whenever there are any (or were: a restore may have removed them).
    if (this.realms.length > 0 || Object.keys(state.rmm.realms).length > 0) {
      this.realms = readRealms(this.machine);
    }
    // A realm the host destroyed has no terminal (its record stays for `realm list`); a
    // realm built again under its name gets a fresh one.
    const names = hostRealms(this.machine)
      .filter((r) => realmOf(state, r.rd) !== undefined)
      .map((r) => r.name);
    if (names.join('\n') !== this.realmNames.join('\n')) this.realmNames = names;
    this.lastToken = state.host?.lastToken;
    this.lastChallenge = state.host?.lastChallenge;
    const key = appraisalKey(state);
    if (key !== this.#appraisalKey) {
      if (state.host?.lastToken !== undefined && !ATTESTATION_CODE.loaded) {
        // A token came with a restored state before any command loaded the verifier:
        // appraise it once the code is here (the Token and Chain tabs wait for it too).
        this.lastAppraisal = undefined;
        void ATTESTATION_CODE.load().then(
          () => this.#queueFlush(),
          () => undefined,
        );
      } else {
        this.#appraisalKey = key;
        this.lastAppraisal = appraiseLastToken(state);
      }
    }
    if (!this.#granulesDirty) return;
    this.#granulesDirty = false;
    const next = readChanged(this.machine);
    const differ = diffGranules(this.changed, next);
    this.changed = next;
    if (differ.size > 0) this.highlight = { indices: differ, stamp: this.highlight.stamp + 1 };
  }
}

/** The machine checkpoint of an undo point. */
function checkpointOf(point: UndoPoint): MachineCheckpoint {
  return point.kind === 'checkpoint' ? point.checkpoint : point.held.checkpoint;
}

/**
 * Whether a command changed what software outside the machine keeps in the machine's state,
 * which no ledger event records: the host's VMM bookkeeping (a packet `tenant send` queued on
 * a realm's network device, the group tokens it kept, the configuration epoch the tenant's
 * verifier remembers after `mica verify`) and the tenant's declarations. Everything else
 * changes only through the machine's front door, which logs each change, so a command that
 * appended nothing and changed neither of these changed nothing (`help`, `mica status`).
 */
export function bookkeepingChanged(
  before: Omit<MachineState, 'ledger'>,
  after: Readonly<MachineState>,
): boolean {
  return !jsonEqual(before.host, after.host) || !jsonEqual(before.tenant, after.tenant);
}

/** Where a run began, as time travel replays it (a fresh machine takes the state's mode). */
function runStartOf(
  origin: Origin,
  state: MachineState,
  lab: Pick<LabMachine, 'lessonLookup' | 'pipelineRunner'>,
): RunStart {
  switch (origin.kind) {
    case 'fresh':
      return { kind: 'fresh', mode: state.config.mode, gaps: state.config.gaps };
    case 'lesson':
      return { kind: 'lesson', id: origin.id, lesson: () => lab.lessonLookup(origin.id) };
    case 'pipeline':
      return origin.mode === 'cca'
        ? { kind: 'loaded' }
        : {
            kind: 'pipeline',
            scenario: origin.scenario,
            mode: origin.mode,
            runner: () => lab.pipelineRunner,
          };
    case 'snapshot':
      return { kind: 'loaded' };
  }
}

/**
 * What the appraisal of the last token depends on: the token, its challenge, its realm and
 * whether that realm (its reference values) still exists.
 */
function appraisalKey(state: MachineState): string {
  const host = state.host;
  if (!host?.lastToken) return '';
  const realm = host.lastTokenRealm === undefined ? undefined : host.realms[host.lastTokenRealm];
  const rd = realm ? hex(realm.rd) : undefined;
  const reference = rd ? (state.rmm.realms[rd]?.rim ?? '') : '';
  return [host.lastToken, host.lastChallenge ?? '', host.lastTokenRealm ?? '', reference].join('|');
}

const [getLab, setLab] = createContext<LabMachine>();

/** The lab machine of the current page (set by App). */
export { getLab, setLab };
