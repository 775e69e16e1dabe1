// The lesson validator: broken lessons are reported field by field, each problem with the
// lesson id and the field, all problems at once.
import { describe, expect, it } from 'vitest';
import {
  PARTS,
  disabledCommands,
  hostCommandNames,
  formatProblem,
  validateCatalogue,
  validateLesson,
  type Lesson,
  type LessonProblem,
} from '../../src/lessons/index.ts';
import { LESSONS } from '../../src/lessons/loaded.ts';

const good = LESSONS[0]!;

/** A copy of a valid lesson with some fields replaced (possibly by wrong types). */
function broken(patch: Record<string, unknown>): unknown {
  return { ...good, ...patch };
}

function fields(problems: readonly LessonProblem[]): string[] {
  return problems.map((p) => p.field);
}

describe('validateLesson', () => {
  it('accepts a well-formed lesson', () => {
    expect(validateLesson(good)).toEqual([]);
  });

  it('rejects a non-object, naming its position', () => {
    expect(validateLesson('nope', 7)).toEqual([
      { lessonId: '(entry 7)', field: '', message: 'is not an object' },
    ]);
  });

  it('reports a bad id and a part that disagrees with the id', () => {
    const a = validateLesson(broken({ id: 'worlds/intro' }));
    expect(a).toContainEqual(expect.objectContaining({ lessonId: 'worlds/intro', field: 'id' }));
    const b = validateLesson(broken({ part: '02-realms' }));
    expect(b).toEqual([
      {
        lessonId: good.id,
        field: 'part',
        message: `is "02-realms" but the id says "01-worlds"`,
      },
    ]);
  });

  it('reports every problem at once, each with the lesson id and the field', () => {
    const problems = validateLesson(
      broken({
        title: '',
        objectives: [],
        mode: 'turbo',
        setup: 'not a function',
        goals: [],
        glossary: ['Flux capacitor'],
      }),
    );
    expect(problems.every((p) => p.lessonId === good.id)).toBe(true);
    expect(fields(problems)).toEqual([
      'title',
      'objectives',
      'mode',
      'setup',
      'goals',
      'glossary[0]',
    ]);
    expect(problems.map(formatProblem)).toContain(
      `${good.id}: glossary[0]: "Flux capacitor" is not a GLOSSARY.md term`,
    );
  });

  it('reports a title too long for the lesson list', () => {
    const problems = validateLesson(broken({ title: 'x'.repeat(100) }));
    expect(problems).toEqual([
      { lessonId: good.id, field: 'title', message: 'is 100 characters; at most 72' },
    ]);
  });

  it('reports unknown and contradictory command restrictions', () => {
    const problems = validateLesson(
      broken({ commands: { allowed: ['read', 'frobnicate'], disabled: ['help'] } }),
    );
    expect(fields(problems)).toEqual([
      'commands',
      'commands.allowed[1]',
      'commands.disabled[0]',
      // The solution uses `gpt`, which `allowed` no longer lists.
      'solution[0]',
    ]);
  });

  it('reports withheld realms no shipped example has a file for', () => {
    const problems = validateLesson(
      broken({ withheld: ['encoder', 'nobody', 'video-moderation/encoder'] }),
    );
    expect(fields(problems)).toEqual(['withheld[1]', 'withheld[2]']);
    expect(problems[0]!.message).toMatch(
      /"nobody" is no realm of a shipped example \(gateway, encoder/,
    );
    const drafts = validateLesson(
      broken({ withheld: ['encoder'], drafts: ['fix-too-open', 'nope'] }),
    );
    expect(fields(drafts)).toEqual(['drafts[1]']);
    expect(drafts[0]!.message).toMatch(/"nope" is not a shipped example/);
  });

  it('reports goals with bad ids, duplicate ids, no title or no check', () => {
    const check = () => ({ done: false, detail: '' });
    const problems = validateLesson(
      broken({
        goals: [
          { id: 'Read NS', title: 't', check },
          { id: 'a', title: 't', check },
          { id: 'a', title: '', check: 'yes' },
          { id: 'b', title: 't', check: (_a: unknown, _b: unknown) => _a },
          7,
        ],
      }),
    );
    expect(fields(problems)).toEqual([
      'goals[0].id',
      'goals[2].id',
      'goals[2].title',
      'goals[2].check',
      'goals[3].check',
      'goals[4]',
    ]);
  });

  it('reports hints with unknown tiers, out of order, empty or with a tier missing', () => {
    const problems = validateLesson(
      broken({
        hints: [
          { tier: 'stronger', text: 'b' },
          { tier: 'nudge', text: 'a' },
          { tier: 'spoiler', text: 'c' },
          { tier: 'stronger', text: '' },
        ],
      }),
    );
    expect(problems).toEqual([
      {
        lessonId: good.id,
        field: 'hints[1].tier',
        message: '"nudge" comes after a stronger hint; order by tier',
      },
      {
        lessonId: good.id,
        field: 'hints[2].tier',
        message: 'must be one of nudge, stronger, near-solution, not "spoiler"',
      },
      { lessonId: good.id, field: 'hints[3].text', message: 'must be a non-empty string' },
      {
        lessonId: good.id,
        field: 'hints',
        message: 'needs at least one hint of tier near-solution',
      },
    ]);
  });

  it('reports solution lines that are not one available command', () => {
    const problems = validateLesson(
      broken({
        solution: ['gpt; read 0x80000000', 'delegate 0x80000000', 'write 0x80000000 "oops', ''],
      }),
    );
    expect(problems).toEqual([
      { lessonId: good.id, field: 'solution[3]', message: 'must be a non-empty string' },
      { lessonId: good.id, field: 'solution[0]', message: 'must hold exactly one command' },
      {
        lessonId: good.id,
        field: 'solution[1]',
        message: `uses "delegate", which is not available in this lesson's shell`,
      },
      {
        lessonId: good.id,
        field: 'solution[2]',
        message: 'unterminated " quote opened at column 18',
      },
    ]);
  });

  it('reports malformed spec references', () => {
    const problems = validateLesson(
      broken({ specRefs: [{ source: 'Wikipedia', section: '', title: 'x' }, null] }),
    );
    expect(fields(problems)).toEqual(['specRefs[0].source', 'specRefs[0].section', 'specRefs[1]']);
  });

  it('an explain-after-solve note is optional, but never empty or not text', () => {
    expect(validateLesson(broken({ explain: 'The GPT decided (cca-spec.md §1.2).' }))).toEqual([]);
    expect(fields(validateLesson(broken({ explain: '  ' })))).toEqual(['explain']);
    expect(fields(validateLesson(broken({ explain: 42 })))).toEqual(['explain']);
  });

  it('accepts a planned entry with no goals, but still checks its id and title', () => {
    expect(
      validateLesson({
        status: 'planned',
        id: '02-realms/01-build',
        part: '02-realms',
        title: 'Build a realm',
        summary: 'RD and RTT.',
      }),
    ).toEqual([]);
    expect(
      fields(validateLesson({ status: 'planned', id: '02-realms/01-build', part: '02-realms' })),
    ).toEqual(['title', 'summary']);
  });
});

describe('validateCatalogue', () => {
  const planned = (id: string) => ({
    status: 'planned',
    id,
    part: id.split('/')[0],
    title: 'T',
    summary: 'S',
  });

  it('reports duplicate and out-of-order ids and unknown parts', () => {
    const problems = validateCatalogue(PARTS, [
      planned('02-realms/02-measure'),
      planned('02-realms/01-build'),
      planned('02-realms/01-build'),
      planned('09-nowhere/01-x'),
    ]);
    expect(problems.map(formatProblem)).toEqual([
      '02-realms/01-build: id: is out of order: it must sort after "02-realms/02-measure"',
      '02-realms/01-build: id: is used twice in the catalogue',
      '02-realms/01-build: id: is out of order: it must sort after "02-realms/01-build"',
      '09-nowhere/01-x: part: "09-nowhere" is not a catalogue part',
    ]);
  });

  it('refuses a playable lesson inside a planned part, and checks the parts', () => {
    const moved: Lesson = { ...good, id: '04-mica/01-declare', part: '04-mica' };
    // 04-mica is playable now; mark it planned here to exercise the rule.
    const parts = PARTS.map((p) => (p.id === '04-mica' ? { ...p, status: 'planned' } : p));
    const problems = validateCatalogue(
      [...parts, { id: 'Attacks', title: '', summary: 's', status: 'maybe' }],
      [moved],
    );
    expect(problems.map(formatProblem)).toEqual([
      'Attacks: id: must look like "01-worlds", not "Attacks"',
      'Attacks: title: must be a non-empty string',
      'Attacks: status: must be "ready" or "planned"',
      '04-mica/01-declare: status: is "ready" but its part "04-mica" is planned',
    ]);
  });
});

describe('disabledCommands', () => {
  it('turns an allow-list into the list of switched-off host commands', () => {
    const off = disabledCommands({ commands: { allowed: ['gpt', 'read'] } });
    expect(off).toEqual(hostCommandNames().filter((n) => n !== 'gpt' && n !== 'read'));
    expect(off).toContain('delegate');
    expect(off).not.toContain('help');
    expect(disabledCommands({ commands: { disabled: ['smc'] } })).toEqual(['smc']);
    expect(disabledCommands({ commands: {} })).toEqual([]);
  });
});
