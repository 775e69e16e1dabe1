// The lab's persistence and link helpers (src/ui/persist): the autosave never drops a save it
// cannot read, short scenario links round-trip and lesson routes parse. (Lesson markdown is
// tested in markdown.test.ts.)
import { describe, expect, test } from 'vitest';
import { emptySave, makeScenario, serializeSave } from '../../src/lessons/index.ts';
import { decodeFragment, lessonRoute, shortFragment } from '../../src/ui/persist/links.ts';
import { CORRUPT_PREFIX, SAVE_KEY, SaveStore } from '../../src/ui/persist/save-store.svelte.ts';

function memory(): Map<string, string> & {
  getItem(k: string): string | null;
  setItem(k: string, v: string): void;
} {
  const map = new Map<string, string>();
  return Object.assign(map, {
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
  });
}

describe('SaveStore', () => {
  test('restores a save it wrote', () => {
    const backend = memory();
    const a = new SaveStore(backend);
    a.setProgress('01-worlds/01-address-spaces', {
      status: 'solved',
      goalsDone: ['x'],
      hintsRevealed: 2,
      solutionShown: false,
      commands: ['gpt'],
      solvedAt: '2026-11-25T10:00:00.000Z',
    });
    expect(a.write()).toBeUndefined();
    const b = new SaveStore(backend);
    expect(b.load()).toEqual({ kind: 'restored', warnings: [] });
    expect(b.save.progress['01-worlds/01-address-spaces']?.hintsRevealed).toBe(2);
  });

  test('keeps an unreadable save aside under its own key and says why', () => {
    const backend = memory();
    backend.setItem(SAVE_KEY, '{"format":"mica-lab/save","version":1,"savedAt":"nope"');
    const store = new SaveStore(backend);
    const outcome = store.load();
    expect(outcome.kind).toBe('corrupt');
    if (outcome.kind !== 'corrupt') return;
    expect(outcome.error).toContain('not JSON');
    expect(outcome.keptAs.startsWith(CORRUPT_PREFIX)).toBe(true);
    expect(backend.getItem(outcome.keptAs)).toContain('"savedAt":"nope"');
  });

  test('a save from a newer lab is refused, not overwritten silently', () => {
    const backend = memory();
    backend.setItem(SAVE_KEY, serializeSave({ ...emptySave(), version: 9 as 1 }));
    const outcome = new SaveStore(backend).load();
    expect(outcome.kind).toBe('corrupt');
    if (outcome.kind === 'corrupt') expect(outcome.error).toContain('newer Mica Lab');
  });
});

describe('links', () => {
  test('a short link round-trips a scenario', () => {
    const scenario = makeScenario({ lesson: '01-worlds/02-granule-delegation', commands: ['gpt'] });
    const fragment = shortFragment(scenario);
    expect(fragment.startsWith('#/s/')).toBe(true);
    const back = decodeFragment(fragment);
    expect(back.ok && back.value.lesson).toBe('01-worlds/02-granule-delegation');
  });

  test('bad links are refused with the reason', () => {
    expect(decodeFragment('#/s/')).toEqual({
      ok: false,
      error: 'the link is empty: no scenario data after "#/s/"',
    });
    const bad = decodeFragment('#/s/z.ab*c');
    expect(!bad.ok && bad.error).toContain('bad base64url at character 3');
  });

  test('lesson routes', () => {
    expect(lessonRoute('#/lesson/01-worlds/02-granule-delegation')).toBe(
      '01-worlds/02-granule-delegation',
    );
    expect(lessonRoute('#/')).toBeUndefined();
  });
});
