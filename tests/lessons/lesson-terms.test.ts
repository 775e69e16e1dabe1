// The lesson pane's Terms (src/lessons/glossary.ts `lessonGlossary`): a lesson shows exactly the
// terms it lists, in its order, each once, each with the definition GLOSSARY.md gives (the
// entry itself, not a copy); a term the glossary lacks is reported, never dropped in silence.
import { describe, expect, it } from 'vitest';
import {
  GLOSSARY,
  glossaryEntry,
  lessonGlossary,
  validateLesson,
} from '../../src/lessons/index.ts';
import { LESSONS, findLesson } from '../../src/lessons/loaded.ts';
import { ATTEST_LESSON_ID, ATTEST_TERMS } from './attest-terms.ts';

describe('lessonGlossary', () => {
  it('a lesson shows its terms in the order it lists them', () => {
    const attest = findLesson(ATTEST_LESSON_ID)!;
    expect([...ATTEST_TERMS].sort(), 'the pinned order is not alphabetical').not.toEqual(
      ATTEST_TERMS,
    );
    expect(lessonGlossary(attest.glossary).entries.map((e) => e.term)).toEqual(ATTEST_TERMS);
  });

  it('every lesson shows every term it lists, each defined by the glossary entry itself', () => {
    for (const lesson of LESSONS) {
      const { entries, unknown } = lessonGlossary(lesson.glossary);
      expect(unknown, lesson.id).toEqual([]);
      expect(lesson.glossary.length, `${lesson.id} lists no terms`).toBeGreaterThan(0);
      expect(
        entries.map((e) => e.term),
        lesson.id,
      ).toEqual(lesson.glossary);
      for (const entry of entries) {
        // The same object as GLOSSARY's row: one source of truth, no copy to drift.
        expect(GLOSSARY).toContain(entry);
        expect(entry.definition.trim().length, entry.term).toBeGreaterThan(0);
      }
    }
  });

  it('a Mica term keeps its mark, so the pane can tell it from an Arm CCA term', () => {
    const [sgt, rem] = lessonGlossary(['SGT', 'REM']).entries;
    expect(sgt?.mica).toBe(true);
    expect(rem?.mica).toBeUndefined();
  });

  it('a repeated term is shown once, at its first place', () => {
    const terms = lessonGlossary(['REM', 'RIM', 'REM']).entries.map((e) => e.term);
    expect(terms).toEqual(['REM', 'RIM']);
  });

  it('a term the glossary lacks is reported, not dropped', () => {
    const { entries, unknown } = lessonGlossary(['Flux capacitor', 'SGT', 'rem']);
    expect(entries).toEqual([glossaryEntry('SGT')]);
    expect(unknown).toEqual(['Flux capacitor', 'rem']);
  });

  it('the validator refuses a term listed twice, naming both places', () => {
    const lesson = LESSONS[0]!;
    const twice = { ...lesson, glossary: [...lesson.glossary, lesson.glossary[0]!] };
    expect(validateLesson(twice)).toEqual([
      {
        lessonId: lesson.id,
        field: `glossary[${lesson.glossary.length}]`,
        message: `"${lesson.glossary[0]}" is listed twice (first at glossary[0])`,
      },
    ]);
  });
});
