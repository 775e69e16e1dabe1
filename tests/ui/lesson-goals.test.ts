// Goals are evaluated once per batch of machine events (issue 15): the terminal's goal line
// after a command and the Lesson pane's reactive list read one evaluation (checking goals
// walks the whole ledger), and a new command, an undo or a restore evaluates again.
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { abi } from '../../src/emulator/index.ts';
import { LESSONS } from '../../src/lessons/loaded.ts';
import type { Lesson } from '../../src/lessons/schema.ts';
import { lessonOf } from '../../src/ui/lesson/lesson-state.svelte.ts';
import { LabMachine } from '../../src/ui/state/machine.svelte.ts';

/** A lesson whose one goal counts how often it is checked. */
function countingLesson(): { lesson: Lesson; checks: () => number } {
  const base = LESSONS.find((l) => l.mode === 'cca') ?? LESSONS[0]!;
  let checks = 0;
  const lesson: Lesson = {
    ...base,
    goals: [
      {
        id: 'delegated',
        title: 'Delegate a granule.',
        check: ({ ledger }) => {
          checks++;
          const done = ledger.some(
            (e) => e.kind === 'smc:call' && e.name === 'RMI_GRANULE_DELEGATE',
          );
          return { done, detail: done ? 'delegated' : 'not yet' };
        },
      },
    ],
  };
  return { lesson, checks: () => checks };
}

async function afterFlush(): Promise<void> {
  await Promise.resolve();
  flushSync();
}

describe('one goal evaluation per ledger batch', () => {
  it('the terminal line and the pane share one evaluation of a command; the next command evaluates again', async () => {
    const lab = new LabMachine({ mode: 'cca' });
    const course = lessonOf(lab);
    const { lesson, checks } = countingLesson();
    course.start(lesson);
    await afterFlush();
    expect(course.goals.map((g) => g.done)).toEqual([false]);
    const atStart = checks();

    lab.machine.smc(abi.SMC_RMI_GRANULE_DELEGATE, 0x8000_0000);
    expect(course.goalLines().map((l) => l.text)).toEqual([
      '✓ lesson goal reached: Delegate a granule.',
    ]);
    await afterFlush();
    expect(course.goals.map((g) => g.done)).toEqual([true]);
    expect(checks() - atStart).toBe(1);

    lab.machine.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, 0x8000_0000);
    await afterFlush();
    expect(course.goals.map((g) => g.done)).toEqual([true]);
    expect(course.goalLines()).toEqual([]);
    expect(checks() - atStart).toBe(2);
  });

  it('an undo (a rewind to a checkpoint) is a new batch: the goals are checked again', async () => {
    const lab = new LabMachine({ mode: 'cca' });
    const course = lessonOf(lab);
    const { lesson } = countingLesson();
    course.start(lesson);
    const before = lab.machine.checkpoint();
    lab.machine.smc(abi.SMC_RMI_GRANULE_DELEGATE, 0x8000_0000);
    await afterFlush();
    expect(course.goals.map((g) => g.done)).toEqual([true]);
    expect(lab.machine.rewind(before).ok).toBe(true);
    await afterFlush();
    expect(course.goals.map((g) => g.done)).toEqual([false]);
  });
});
