/**
 * Time travel over a lab run (issue 10 item 4, issue 14): binds the emulator's timeline
 * (src/emulator/timeline.ts) to the lab's recipe of a run, the same recipe a scenario link
 * carries (ARCHITECTURE.md "Scenario links"): a start (a fresh machine, a lesson's setup, a
 * Pipeline view scenario) followed by typed lines, `@<realm> <line>` for a realm's.
 *
 * Design rationale: the start is rebuilt exactly as the page built it (a lesson's setup or a
 * pipeline run on their own machine, restored into a lab machine), and a line is replayed
 * through `openTerminals`, the one step router, with the restrictions the page typed it under.
 */
import {
  Timeline,
  adoptHeld,
  holdState,
  type Machine,
  type MachineMode,
  type ReplayStep,
  type TimelineOptions,
  type TimelineSource,
} from '../emulator/index.ts';
import { createLabMachine } from '../shell/index.ts';
import { adoptRun, type PipelineMode } from './pipeline-ids.ts';
import type { PipelineRun } from './pipeline.ts';
import { createLessonMachine } from './runner.ts';
import { disabledCommands, type Lesson } from './schema.ts';
import { openTerminals } from './terminals.ts';

/** `runPipeline` of src/lessons/pipeline.ts, watching the workflow's machine. */
export type PipelineRunner = (
  n: number,
  mode: PipelineMode,
  watch: (machine: Machine) => void,
) => PipelineRun;

/** Where a run started (the page's `Origin`, with what a replay needs). */
export type RunStart =
  /** A fresh machine of `mode` with its prototype `gaps`. */
  | { readonly kind: 'fresh'; readonly mode: MachineMode; readonly gaps: readonly string[] }
  /**
   * Lesson `id`'s setup. Lessons load on demand, so the start names a way to find the loaded
   * lesson when the replay runs (the page's lesson state holds it).
   */
  | {
      readonly kind: 'lesson';
      readonly id: string;
      readonly lesson: () => Lesson | undefined;
    }
  /**
   * Pipeline view scenario `scenario` (0 = no attack) in `mode`. The pipeline's code loads on
   * demand, so the start names a way to find its `runPipeline` when the replay runs.
   */
  | {
      readonly kind: 'pipeline';
      readonly scenario: number;
      readonly mode: PipelineMode;
      readonly runner: () => PipelineRunner | undefined;
    }
  /** A state loaded with no recipe (an old link, a save file's snapshot). */
  | { readonly kind: 'loaded' };

/** The host commands a run's lines were typed under (a lesson's restrictions, else none). */
export function restrictionsOf(start: RunStart): readonly string[] {
  const lesson = start.kind === 'lesson' ? start.lesson() : undefined;
  return lesson ? disabledCommands(lesson) : [];
}

/**
 * A typed line (`@<realm> <line>` for a realm's) as a replayable step, typed under the host
 * commands `disabled` switched off (a list, or a function asked when the step replays).
 */
export function lineStep(
  line: string,
  disabled: readonly string[] | (() => readonly string[]) = [],
): ReplayStep {
  return (machine) => {
    const off = typeof disabled === 'function' ? disabled() : disabled;
    openTerminals(machine, off).execute(line);
  };
}

/** Puts `built`'s state into a lab machine, as the page puts a lesson's start into its own. */
function intoLabMachine(built: Machine): Machine {
  const lab = createLabMachine({ mode: built.state.config.mode });
  const adopted = adoptHeld(lab, holdState(built));
  if (!adopted.ok) throw new Error(`time travel: the start does not fit: ${adopted.error}`);
  return lab;
}

/** How to rebuild a run that began at `start`. */
export function runSource(start: RunStart): TimelineSource {
  const scratch = () => createLabMachine();
  switch (start.kind) {
    case 'fresh':
      return {
        scratch,
        start(watch) {
          const m = createLessonMachine(start.mode, start.gaps);
          watch(m);
          return m;
        },
      };
    case 'lesson': {
      return {
        scratch,
        start(watch) {
          const lesson = start.lesson();
          if (lesson?.id !== start.id) {
            throw new Error(`time travel: lesson ${start.id} is not loaded`);
          }
          const m = createLessonMachine(lesson.mode);
          watch(m);
          lesson.setup(m);
          return intoLabMachine(m);
        },
      };
    }
    case 'pipeline':
      return {
        scratch,
        start(watch) {
          const runPipeline = start.runner();
          if (!runPipeline) throw new Error('time travel: the pipeline code is not loaded');
          const run = runPipeline(start.scenario, start.mode, watch);
          const lab = createLabMachine({ mode: start.mode });
          const adopted = adoptRun(lab, run);
          if (!adopted.ok)
            throw new Error(`time travel: the run does not fit the machine: ${adopted.error}`);
          return lab;
        },
      };
    case 'loaded':
      return { scratch };
  }
}

/**
 * The timeline of a run that began at `start` and then played `lines`, on a live machine
 * that now has `ledgerLength` ledger events. Lines typed later are added with `record`.
 */
export function runTimeline(
  start: RunStart,
  ledgerLength: number,
  lines: readonly string[] = [],
  options: TimelineOptions = {},
): Timeline {
  return new Timeline(
    runSource(start),
    ledgerLength,
    lines.map((line) => lineStep(line, () => restrictionsOf(start))),
    options,
  );
}
