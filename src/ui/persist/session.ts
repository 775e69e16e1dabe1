/**
 * What "the scenario on screen" is, for the autosave, the progress file and links, and how
 * a scenario from a link or a file is put back on the lab's machine.
 *
 * A scenario carries the machine snapshot (exact, and small once the link codec compresses
 * it) plus the lesson id when a lesson is in play, so opening it resumes the lesson with its
 * goals. Commands in a shared scenario are replayed through a host shell with the lesson's
 * restrictions, never typed over what the learner is writing.
 */
import { createMachine } from '../../emulator/index.ts';
import { disabledCommands, findLesson, makeScenario, type Scenario } from '../../lessons/index.ts';
import { createHostShell } from '../../shell/index.ts';
import type { LessonState } from '../lesson/lesson-state.svelte.ts';

/** The scenario on screen: the machine as it is, and the lesson if one is in play. */
export function currentScenario(course: LessonState): Scenario {
  const snapshot = course.lab.machine.snapshot();
  const mode = snapshot.state.config.mode;
  const lesson = course.lesson && course.lesson.mode === mode ? course.lesson : undefined;
  return makeScenario({
    mode,
    snapshot,
    ...(lesson ? { lesson: lesson.id, title: lesson.title } : {}),
    ...(!lesson && course.scenarioTitle ? { title: course.scenarioTitle } : {}),
  });
}

/** Whether there is anything worth restoring on the next visit. */
export function worthSaving(course: LessonState): boolean {
  return course.lesson !== undefined || course.scenarioTitle !== undefined;
}

/**
 * Puts `scenario` on the lab's machine: the lesson (from the snapshot, or its setup), else
 * the snapshot (or a fresh machine of its mode); then replays its commands. Returns how many
 * commands were replayed.
 */
export function applyScenario(course: LessonState, scenario: Scenario): number {
  const lesson = scenario.lesson === undefined ? undefined : findLesson(scenario.lesson);
  if (lesson) {
    course.start(lesson, scenario.snapshot ? { snapshot: scenario.snapshot } : {});
  } else {
    const snapshot = scenario.snapshot ?? createMachine({ mode: scenario.mode }).snapshot();
    course.lab.machine.restore(snapshot);
    course.leave();
  }
  if (!lesson) course.scenarioTitle = scenario.title ?? 'Shared scenario';
  const commands = scenario.commands.filter((l) => l.trim() !== '');
  if (commands.length > 0) {
    const shell = createHostShell(course.lab.machine, {
      disabled: lesson ? disabledCommands(lesson) : [],
    });
    for (const line of commands) {
      shell.execute(line);
      if (lesson) course.record(line);
    }
  }
  return commands.length;
}
