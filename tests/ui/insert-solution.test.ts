// "Insert solution line" (lab-ux.md §0 item 3): each press types the next line of the
// reference solution, without running it; after the last line there is nothing more to insert
// (it used to wrap to line 1 and re-type, for example, a refused upload into a solved lesson).
import { describe, expect, it } from 'vitest';
import { LESSONS } from '../../src/lessons/loaded.ts';
import { lessonOf } from '../../src/ui/lesson/lesson-state.svelte.ts';
import { LabMachine } from '../../src/ui/state/machine.svelte.ts';

describe('insert solution line', () => {
  it('types each line once, in order, and nothing after the last', () => {
    const lesson = LESSONS.find((l) => l.mode === 'cca' && l.solution.length >= 2)!;
    const lab = new LabMachine({ mode: 'cca' });
    const course = lessonOf(lab);
    course.start(lesson);
    const typed: string[] = [];
    course.typist = (line) => typed.push(line);
    for (let i = 0; i < lesson.solution.length; i++) course.insertSolutionLine();
    expect(typed).toEqual(lesson.solution);
    expect(course.solutionStep).toBe(lesson.solution.length);
    expect(course.insertSolutionLine()).toBeUndefined();
    expect(typed).toEqual(lesson.solution);
  });
});
