/**
 * What "the scenario on screen" is, for the autosave, the progress file and links, and how
 * a scenario from a link, a file or the autosave is put back on the lab's machine.
 *
 * A scenario is a recipe, not a state: where the machine's state came from (the lab's
 * `origin`: a lesson's setup, a Pipeline view scenario, a fresh machine of a mode and gap
 * switches) plus the steps typed since in every terminal (`steps`, `@<realm> <line>` for a
 * realm's). Opening it rebuilds the start with the same code the page uses (the lesson's
 * `prepareMachine`, `runPipeline`, `createLessonMachine`) and replays the steps through the
 * same shells with the lesson's restrictions, so it reproduces the same run, the same menus
 * and the same Chain evidence, in a link of a few hundred characters. Only a state with no
 * recipe (an old link's or a save file's snapshot) still carries its snapshot.
 */
import {
  courseRow,
  createLessonMachine,
  loadLesson,
  loadPipeline,
  makeScenario,
  openTerminals,
  playSteps,
  refusedSteps,
  type Lesson,
  type LessonProgress,
  type Scenario,
} from '../../lessons/index.ts';
import { micaAbi } from '../../policy/index.ts';
import { loadShellCode, type OutputLine } from '../../shell/index.ts';
import type { LessonState } from '../lesson/lesson-state.svelte.ts';
import type { DemoState } from '../pipeline/demo.svelte.ts';

/** The gap switches on the machine, unless they are its mode's default. */
function nonDefaultGaps(course: LessonState): string[] | undefined {
  const { mode, gaps } = course.lab.machine.state.config;
  if (mode !== 'mica-prototype') return undefined;
  const all = micaAbi.MICA_GAPS;
  const same = gaps.length === all.length && all.every((g) => gaps.includes(g));
  return same ? undefined : [...gaps];
}

/** The scenario on screen: the machine's origin and the steps typed since. */
export function currentScenario(course: LessonState): Scenario {
  const { origin, steps } = course.lab;
  const mode = course.lab.machine.state.config.mode;
  const commands = [...steps];
  switch (origin.kind) {
    case 'lesson': {
      const row = courseRow(origin.id);
      if (row?.status === 'ready')
        return makeScenario({ lesson: row.id, mode: row.mode, commands });
      break;
    }
    case 'pipeline':
      if (origin.mode !== 'cca') {
        return makeScenario({ mode: origin.mode, pipeline: origin.scenario, commands });
      }
      break;
    case 'snapshot': {
      const snapshot = origin.snapshot;
      const snapMode = snapshot.state.config.mode;
      const lesson = course.lesson?.mode === snapMode ? course.lesson : undefined;
      return makeScenario({
        mode: snapMode,
        snapshot,
        commands,
        ...(lesson ? { lesson: lesson.id } : {}),
        ...(!lesson && course.scenarioTitle ? { title: course.scenarioTitle } : {}),
      });
    }
    case 'fresh':
      break;
  }
  const gaps = nonDefaultGaps(course);
  return makeScenario({
    mode,
    commands,
    ...(gaps ? { gaps } : {}),
    ...(course.scenarioTitle ? { title: course.scenarioTitle } : {}),
  });
}

/** Whether there is anything worth restoring on the next visit. */
export function worthSaving(course: LessonState): boolean {
  return course.lesson !== undefined || course.scenarioTitle !== undefined;
}

/** Options of {@link applyScenario}. */
export interface ApplyOptions {
  /**
   * Makes the replacement undoable under this name ("open the scenario link"); without it
   * (the autosave on a fresh page) there is nothing to go back to.
   */
  readonly undoLabel?: string;
  /** The learner's saved progress in the scenario's lesson (hints used, ...). */
  readonly progress?: LessonProgress;
  /**
   * Types lines into the visible host terminal, as if the learner had (each then undoable
   * on its own). Given, a scenario with neither a lesson nor a pipeline run has its steps
   * typed there after the one undoable replacement, instead of replayed silently: the
   * transcript shows them, and undo takes them back one by one before it goes back to what
   * the learner had.
   */
  readonly typeSteps?: (lines: readonly string[]) => void;
}

/**
 * Puts `scenario` on the lab's machine: the lesson (its setup, or the snapshot), else the
 * pipeline scenario's run, else the snapshot or a fresh machine of its mode and gap
 * switches; then replays its steps in their terminals (or, see `typeSteps`, types them into
 * the visible one). Resolves to how many steps were replayed or typed, once the lesson's module (if it names one) has loaded; commands typed meanwhile
 * wait. The scenario must be validated (decodeScenarioLink / parseSave do that).
 */
export function applyScenario(
  course: LessonState,
  scenario: Scenario,
  options: ApplyOptions = {},
): Promise<number> {
  const lesson = scenario.lesson === undefined ? undefined : loadLesson(scenario.lesson);
  const pipeline =
    scenario.pipeline !== undefined && scenario.mode !== 'cca' ? loadPipeline() : undefined;
  // The steps replay at once: the code the shells load when first used comes first, and the
  // Pipeline view's demo state (its module is not on the first screen) is put back on undo.
  const applied = course.whileLoading(
    Promise.all([lesson, pipeline, loadShellCode(), import('../pipeline/demo.svelte.ts')]).then(
      ([loaded, code, , { demoOf }]) =>
        applyLoaded(course, scenario, loaded, code?.runPipeline, demoOf(course.lab), options),
    ),
  );
  // Typed once the loading has settled (commands typed before it wait, and say so), after
  // the replacement's undo entry: each typed line then pushes its own.
  return applied.then(({ count, toType }) => {
    if (toType.length) options.typeSteps?.(toType);
    return count;
  });
}

/** What {@link applyLoaded} did: steps replayed or to type, and the steps to type. */
interface Applied {
  readonly count: number;
  readonly toType: readonly string[];
}

function applyLoaded(
  course: LessonState,
  scenario: Scenario,
  lesson: Lesson | undefined,
  runPipeline: Awaited<ReturnType<typeof loadPipeline>>['runPipeline'] | undefined,
  demo: DemoState,
  options: ApplyOptions,
): Applied {
  const lab = course.lab;
  const before = lab.checkpoint();
  const putLessonBack = course.capture();
  const putDemoBack = demo.capture();
  const steps = scenario.commands.filter((l) => l.trim() !== '');
  const typed = options.typeSteps !== undefined && !lesson && scenario.pipeline === undefined;
  if (lesson) {
    course.start(lesson, {
      steps,
      ...(scenario.snapshot ? { snapshot: scenario.snapshot } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
    });
  } else {
    if (scenario.pipeline !== undefined && scenario.mode !== 'cca') {
      if (!runPipeline || !demo.loadWith(runPipeline, scenario.pipeline, scenario.mode))
        return { count: 0, toType: [] };
    } else {
      const start =
        scenario.snapshot ?? createLessonMachine(scenario.mode, scenario.gaps).snapshot();
      lab.machine.restore(start);
      course.leave();
      course.scenarioTitle = scenario.title ?? 'Shared scenario';
      lab.rebase(
        scenario.snapshot ? { kind: 'snapshot', snapshot: scenario.snapshot } : { kind: 'fresh' },
      );
    }
    if (typed) {
      lab.announce(scenarioLines(scenario, steps.length));
    } else {
      const refused = refusedSteps(playSteps(openTerminals(lab.machine), steps));
      lab.rebase(lab.origin, steps);
      // Replayed commands print nothing: one the shell refused is said, never passed over.
      if (refused) lab.announce([{ text: `replayed: ${refused}`, tone: 'warn' }]);
    }
  }
  if (options.undoLabel) {
    lab.remember(options.undoLabel, before, () => {
      putLessonBack();
      putDemoBack();
    });
  }
  return { count: steps.length, toType: typed ? steps : [] };
}

/** How many of a scenario's notes lines the terminal shows when it opens. */
const NOTES_SHOWN = 6;

/** What the terminals print when a scenario whose steps are typed in opens. */
function scenarioLines(scenario: Scenario, steps: number): OutputLine[] {
  const lines: OutputLine[] = [
    { text: '' },
    { text: `Scenario: ${scenario.title ?? 'untitled'}`, tone: 'accent' },
  ];
  const notes = (scenario.notes ?? '').split('\n').filter(Boolean).slice(0, NOTES_SHOWN);
  for (const line of notes) lines.push({ text: `  ${line}`, tone: 'dim' });
  if (steps) lines.push({ text: `  typing its ${steps} commands:`, tone: 'dim' });
  return lines;
}
