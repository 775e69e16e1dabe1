// The save file: round trips, migrations from older versions, and clear refusals.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SAVE_FORMAT,
  SAVE_MAX_BYTES,
  emptySave,
  makeScenario,
  parseSave,
  progressAfterCheck,
  replayCommands,
  saveFileText,
  saveSizeProblem,
  serializeSave,
  withProgress,
  type LabSave,
  type LessonProgress,
} from '../../src/lessons/index.ts';
import { findLesson } from '../../src/lessons/loaded.ts';

const progress: LessonProgress = {
  status: 'solved',
  goalsDone: ['read-before', 'delegated', 'host-fault'],
  hintsRevealed: 2,
  solutionShown: false,
  commands: ['read 0x80010000', 'delegate 0x80010000', 'read 0x80010000'],
  solvedAt: '2026-11-25T09:30:00.000Z',
};

function refused(text: string): string {
  const r = parseSave(text);
  if (r.ok) throw new Error('expected a refusal');
  return r.error;
}

const arbProgress: fc.Arbitrary<LessonProgress> = fc.record(
  {
    status: fc.constantFrom('started' as const, 'solved' as const),
    goalsDone: fc.array(fc.string({ maxLength: 12 }), { maxLength: 5 }),
    hintsRevealed: fc.nat({ max: 3 }),
    solutionShown: fc.boolean(),
    commands: fc.array(fc.string({ maxLength: 40 }), { maxLength: 10 }),
    solvedAt: fc
      .date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  { requiredKeys: ['status', 'goalsDone', 'hintsRevealed', 'solutionShown', 'commands'] },
);

describe('save file', () => {
  it('round-trips random progress, settings and the current scenario', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('01-worlds/01-address-spaces', '01-worlds/03-wiping'),
          arbProgress,
        ),
        fc.record({
          theme: fc.constantFrom('system' as const, 'dark' as const, 'light' as const),
          projector: fc.boolean(),
          reducedMotion: fc.constantFrom('system' as const, 'reduce' as const),
          screenReader: fc.boolean(),
          assessment: fc.boolean(),
        }),
        fc.option(fc.array(fc.string({ maxLength: 30 }), { maxLength: 5 }), { nil: undefined }),
        (byLesson, settings, commands) => {
          const save: LabSave = {
            ...emptySave('2026-11-25T10:00:00.000Z'),
            settings,
            progress: byLesson,
            ...(commands
              ? { current: makeScenario({ lesson: '01-worlds/03-wiping', commands }) }
              : {}),
          };
          expect(parseSave(serializeSave(save))).toEqual({
            ok: true,
            value: { save, warnings: [] },
          });
        },
      ),
    );
  });

  it('keeps progress for lessons it does not know, with a warning', () => {
    const save = withProgress(emptySave(), '07-future/01-x', progress);
    const r = parseSave(serializeSave(save));
    expect(r.ok && r.value.save.progress['07-future/01-x']).toEqual(progress);
    expect(r.ok && r.value.warnings).toEqual([
      'progress for "07-future/01-x", a lesson this lab does not have, was kept',
    ]);
  });

  it('runs the migration hook from older versions', () => {
    // Pretend this lab writes version 3 and version 1 stored hints as a list of tiers.
    const v1 = {
      format: SAVE_FORMAT,
      version: 1,
      savedAt: '2026-01-01T00:00:00Z',
      progress: {
        '01-worlds/03-wiping': { ...progress, hintsRevealed: undefined, hints: ['nudge'] },
      },
    };
    const migrations = {
      1: (old: Record<string, unknown>) => {
        const p = old.progress as Record<string, Record<string, unknown>>;
        const progress = Object.fromEntries(
          Object.entries(p).map(([id, { hints, ...rest }]) => [
            id,
            { ...rest, hintsRevealed: (hints as unknown[]).length },
          ]),
        );
        return { ...old, progress };
      },
      2: (old: Record<string, unknown>) => ({ ...old, settings: { projector: true } }),
    };
    const r = parseSave(JSON.stringify(v1), { migrations, currentVersion: 3 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.migratedFrom).toBe(1);
    expect(r.value.save.progress['01-worlds/03-wiping']?.hintsRevealed).toBe(1);
    expect(r.value.save.settings.projector).toBe(true);
    const gap = parseSave(JSON.stringify(v1), {
      migrations: { 1: migrations[1] },
      currentVersion: 3,
    });
    expect(gap).toEqual({
      ok: false,
      error: 'no migration from save version 2 to 3; this file cannot be read',
    });
  });

  it('a setting the lab cannot use falls back to its default with a warning; the progress is kept', () => {
    // One bad display setting (a hand-edited "neon" theme) refused the whole save, and the lab
    // started without the learner's progress.
    const good = JSON.parse(
      serializeSave(withProgress(emptySave(), '01-worlds/03-wiping', progress)),
    );
    const read = parseSave(
      JSON.stringify({ ...good, settings: { theme: 'neon', projector: true, assessment: 'yes' } }),
    );
    if (!read.ok) throw new Error(read.error);
    expect(read.value.save.progress['01-worlds/03-wiping']).toEqual(progress);
    expect(read.value.save.settings).toMatchObject({
      theme: 'system',
      projector: true,
      assessment: false,
    });
    expect(read.value.warnings).toEqual([
      '"settings.theme" is string "neon", not "system" or "dark" or "light": "system" is used',
      '"settings.assessment" is string "yes", not true or false: false is used',
    ]);
    const notObject = parseSave(JSON.stringify({ ...good, settings: 3 }));
    if (!notObject.ok) throw new Error(notObject.error);
    expect(notObject.value.warnings[0]).toContain('"settings" is number 3, not an object');
  });

  it('refuses bad files with a message naming the problem', () => {
    const good = JSON.parse(
      serializeSave(withProgress(emptySave(), '01-worlds/03-wiping', progress)),
    );
    const json = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
    expect(refused('{')).toContain('not JSON');
    expect(refused('[]')).toContain('must be a JSON object, not an array');
    expect(refused(json({ format: 'mica-lab/scenario' }))).toContain('not a Mica Lab save file');
    expect(refused(json({ version: 9 }))).toContain(
      'save version 9 was written by a newer Mica Lab',
    );
    expect(refused(json({ version: '1' }))).toContain('"version" is string "1"');
    expect(refused(json({ savedAt: 'yesterday' }))).toContain('"savedAt" is string "yesterday"');
    expect(refused(json({ progress: [] }))).toContain('"progress" is an array');
    const p = (patch: Record<string, unknown>) =>
      json({ progress: { '01-worlds/03-wiping': { ...progress, ...patch } } });
    expect(refused(p({ status: 'done' }))).toContain('"progress.01-worlds/03-wiping.status"');
    expect(refused(p({ commands: ['gpt', 1] }))).toContain(
      '"progress.01-worlds/03-wiping.commands[1]" is number 1',
    );
    expect(refused(p({ hintsRevealed: -1 }))).toContain('hintsRevealed" is number -1');
    expect(refused(p({ solutionShown: 'no' }))).toContain('solutionShown" is string "no"');
    expect(
      refused(
        json({ current: { format: 'mica-lab/scenario', version: 1, mode: 'cca', commands: 3 } }),
      ),
    ).toContain('the current scenario: "current.commands" is number 3');
  });

  it('a missing field is named missing, not "undefined undefined"', () => {
    const good = JSON.parse(serializeSave(emptySave()));
    const { format: _format, ...noFormat } = good;
    expect(refused(JSON.stringify(noFormat))).toBe(
      '"format" is missing, expected "mica-lab/save": this is not a Mica Lab save file',
    );
    const { savedAt: _savedAt, ...noTime } = good;
    expect(refused(JSON.stringify(noTime))).toContain('"savedAt" is missing');
    expect(refused(JSON.stringify({ ...good, current: { mode: 'cca', commands: [] } }))).toContain(
      '"current.format" is missing',
    );
  });

  it('a file that is not JSON is refused at its line and column', () => {
    const text = serializeSave(withProgress(emptySave(), '01-worlds/03-wiping', progress));
    const lines = text.split('\n');
    // A hand edit that dropped a comma at the end of line 3.
    const edited = [...lines.slice(0, 2), lines[2]!.replace(/,$/, ''), ...lines.slice(3)];
    expect(refused(edited.join('\n'))).toMatch(/^the file is not JSON: line 4, column 3: /);
    expect(refused(text.slice(0, 50))).toMatch(/^the file is not JSON: line \d+, column \d+: /);
  });

  it('a file far larger than any save is refused by its size, before it is parsed', () => {
    expect(saveSizeProblem(SAVE_MAX_BYTES)).toBeUndefined();
    expect(saveSizeProblem(2 * 1024 ** 3)).toBe(
      'the file is 2048.0 MiB; a save file is at most 32.0 MiB, so this is not one',
    );
    expect(refused(' '.repeat(SAVE_MAX_BYTES + 1))).toMatch(/^the file is 32\.0 MiB; a save file/);
  });

  it('a binary file is refused as not text, naming the first byte that is not, before JSON', () => {
    // Read as text, a picture was refused as `found "\uFFFD"`.
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    const notText = (bytes: Uint8Array): string => {
      const r = saveFileText(bytes);
      if (r.ok) throw new Error('expected a refusal');
      return r.error;
    };
    expect(notText(png)).toBe(
      'it is not a text file (byte 0x89 at offset 0 is not UTF-8): a Mica Lab save file is JSON text',
    );
    expect(notText(png)).not.toContain('\uFFFD');
    // Valid UTF-8 with a control byte JSON cannot hold, after a multi-byte character.
    expect(notText(new TextEncoder().encode('{"a":"é\u0000"}'))).toContain(
      'byte 0x00 at offset 8 is binary data',
    );
    // Latin-1 text: the byte that is not UTF-8 is named where it is.
    expect(notText(new Uint8Array([0x7b, 0x22, 0xe9, 0x22, 0x7d]))).toContain(
      'byte 0xe9 at offset 2 is not UTF-8',
    );
  });

  it('a save file with a byte order mark and U+FFFD in its text is text, and loses nothing', () => {
    const save = withProgress(emptySave('2026-11-25T10:00:00.000Z'), '01-worlds/03-wiping', {
      ...progress,
      commands: ['# the \uFFFD sign, 🔒 and é are text'],
    });
    const bytes = new TextEncoder().encode(`\uFEFF${serializeSave(save)}`);
    const text = saveFileText(bytes);
    expect(text.ok).toBe(true);
    if (!text.ok) return;
    const back = parseSave(text.value);
    expect(back.ok && back.value.save).toEqual(save);
  });

  it('random text never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const r = parseSave(text);
        if (!r.ok) expect(r.error.length).toBeGreaterThan(10);
      }),
    );
  });
});

describe('progressAfterCheck', () => {
  const lesson = findLesson('01-worlds/02-granule-delegation')!;
  const half = ['read 0x80010000', 'delegate 0x80010000'];
  const all = [...half, 'read 0x80010000'];

  it('records the goals done and the commands; solved once every goal is done', () => {
    const started = progressAfterCheck(undefined, {
      goals: replayCommands(lesson, half).goals,
      commands: half,
      hintsRevealed: 1,
      now: '2026-11-25T10:00:00.000Z',
    });
    expect(started).toEqual({
      status: 'started',
      goalsDone: ['read-before', 'delegated'],
      hintsRevealed: 1,
      solutionShown: false,
      commands: half,
    });
    const solved = progressAfterCheck(started, {
      goals: replayCommands(lesson, all).goals,
      commands: all,
      now: '2026-11-25T10:05:00.000Z',
    });
    expect(solved).toMatchObject({ status: 'solved', solvedAt: '2026-11-25T10:05:00.000Z' });
    expect(solved.hintsRevealed).toBe(1);
  });

  it('never un-solves a lesson or forgets a shown solution', () => {
    const solved = progressAfterCheck(undefined, {
      goals: replayCommands(lesson, all).goals,
      commands: all,
      solutionShown: true,
      now: '2026-11-25T10:00:00.000Z',
    });
    const reset = progressAfterCheck(solved, {
      goals: replayCommands(lesson, []).goals,
      commands: [],
      now: '2026-11-25T11:00:00.000Z',
    });
    expect(reset).toMatchObject({
      status: 'solved',
      solvedAt: '2026-11-25T10:00:00.000Z',
      solutionShown: true,
      goalsDone: [],
    });
  });
});
