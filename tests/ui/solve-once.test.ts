// "Lesson solved" and its judged run come once per solve the learner makes: a lesson resumed
// (a reload, a revisit) with an attempt its progress already records as solved is no new solve
// (each reload of a solved fix-it lesson toasted again and added the same judged run to the
// progress file); solving it again after a reset is.
import { describe, expect, it } from 'vitest';
import { findLesson } from '../../src/lessons/loaded.ts';
import { openTerminals, progressAfterCheck } from '../../src/lessons/index.ts';
import { lessonOf } from '../../src/ui/lesson/lesson-state.svelte.ts';
import { LabMachine } from '../../src/ui/state/machine.svelte.ts';

const LESSON = findLesson('06-fix-it/01-too-open')!;

describe('a solve is new once', () => {
  it('a resumed solved attempt is no new solve; solving again after a reset is', async () => {
    const lab = new LabMachine({ mode: 'mica' });
    const course = lessonOf(lab);
    course.start(LESSON, { steps: LESSON.solution });
    expect(course.solved).toBe(true);
    // The first time (no progress says solved yet), it is the learner's solve.
    expect(course.newSolve(course.solved)).toBe(true);
    expect(course.newSolve(course.solved)).toBe(false);
    const progress = progressAfterCheck(undefined, {
      goals: course.goals,
      commands: LESSON.solution,
      now: '2026-12-05T16:00:00.000Z',
    });
    expect(progress.status).toBe('solved');

    // The page reloads: the same attempt is replayed from the progress.
    const again = lessonOf(new LabMachine({ mode: 'mica' }));
    again.start(LESSON, { steps: LESSON.solution, progress, undoable: true });
    expect(again.solved).toBe(true);
    expect(again.newSolve(again.solved)).toBe(false);

    // Reset lesson (the start, nothing done), then the goals all done again: a new solve.
    again.start(LESSON);
    expect(again.newSolve(again.solved)).toBe(false);
    const terminals = openTerminals(again.lab.machine);
    for (const step of LESSON.solution) terminals.execute(step);
    // The page publishes the machine's state after the commands (a microtask).
    await Promise.resolve();
    expect(again.solved).toBe(true);
    expect(again.newSolve(again.solved)).toBe(true);
  });
});
