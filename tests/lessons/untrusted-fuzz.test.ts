// Untrusted input cannot hurt (issue 11; ARCHITECTURE.md "Scenario links"): scenario links and
// imported progress files are fuzzed on their own, each with FUZZ_RUNS mutants (default 10,000)
// of real ones: characters changed, inserted, deleted or cut off in the link text, and values
// replaced at random JSON paths of the decoded scenario or the save file (then re-encoded, so
// the mutant reaches the field checks). For every mutant the decoder never throws (a hang is
// caught by the test timeout; no test asserts wall-clock time), and a refusal says where the problem is (the layer, the field path or the
// character position); nothing is changed by a refusal (the decoders are pure, and the
// machine a learner has stays as it was). Crafted cases cover the issue's recipes: a link
// claiming mode "mica" with prototype gaps, a v1 snapshot whose monitor state has them on.
//
// Cost: a mutant is decoded in well under 1 ms (inflate, JSON, field checks); the mutants of
// the one snapshot-carrying link restore a whole Mica machine (~0.3 s each), so they are a
// slice (RUNS / 400), aimed at the config and the monitor's state.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeScenarioLink,
  encodeScenarioLink,
  makeScenario,
  parseSave,
  serializeSave,
  emptySave,
  withProgress,
  type Scenario,
} from '../../src/lessons/index.ts';
import { deflateSync } from 'fflate';
import { toBase64 } from '../../src/lib/bytes.ts';
import { createLabMachine } from '../../src/shell/index.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
/** Mutants of the snapshot-carrying link: each restores a whole Mica machine (~0.3 s). */
const SNAPSHOT_RUNS = Math.max(10, Math.ceil(RUNS / 400));
const DIR = new URL('../fixtures/links/', import.meta.url);

/** Real links: recipes of every kind, and one old snapshot-carrying link. */
const RECIPES: readonly Scenario[] = [
  makeScenario({ mode: 'mica', commands: ['realm create gateway', '@gateway policy show'] }),
  makeScenario({ mode: 'cca', commands: ['rmi delegate 0x80000000'], title: 'by hand' }),
  makeScenario({
    mode: 'mica-prototype',
    gaps: ['gap-no-clean', 'gap-prot-ignored'],
    commands: ['mica status'],
  }),
  makeScenario({ mode: 'mica', pipeline: 0, commands: [] }),
  makeScenario({ mode: 'mica', lesson: '04-mica/02-enforce', commands: ['mica status'] }),
];
const LINKS = RECIPES.map(encodeScenarioLink);
const OLD_LINK = readFileSync(new URL('v1-lesson-04-mica--02-enforce.txt', DIR), 'utf8').trim();

/** Where a link refusal may point: the layer that refused, a field path or a position. */
const LOCATED_LINK =
  /(^the link|^a scenario link|^unknown encoding|^bad base64url at character \d+|^the base64url data|^the decoded data|^inflate|^scenario version|^a scenario must be|^unknown field "|^"[a-z]+[.[\]"a-z0-9]*|^the (deflate|DEFLATE|compressed)|^lz|cut off|altered)/;

const REPLACEMENTS: readonly unknown[] = [
  null,
  0,
  -1,
  0.5,
  2 ** 53,
  'x',
  '',
  'mica',
  'mica-prototype',
  ['gap-no-clean'],
  [],
  {},
  true,
  undefined,
];

type Path = readonly (string | number)[];

function pathsOf(v: unknown, at: Path, out: Path[]): void {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out));
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
  }
}

/** A copy of `root` with the value at `path` replaced (or deleted, for undefined). */
function replaced(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let parent = copy;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = value;
  return copy;
}

function linkOf(json: unknown): string {
  // Level 1: any raw DEFLATE stream is a valid link payload, and the fastest keeps runs cheap.
  const bytes = deflateSync(new TextEncoder().encode(JSON.stringify(json) ?? 'undefined'), {
    level: 1,
  });
  return `#/s/d.${toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=#/ %é\n';

/** A text mutation: change, insert, delete or cut at `at` (modulo the length). */
function mutateText(text: string, kind: number, at: number, ch: number): string {
  const i = at % (text.length + 1);
  const c = ALPHABET[ch % ALPHABET.length]!;
  switch (kind % 5) {
    case 0:
      return text.slice(0, i) + c + text.slice(i + 1);
    case 1:
      return text.slice(0, i) + c + text.slice(i);
    case 2:
      return text.slice(0, i) + text.slice(i + 1 + (ch % 8));
    case 3:
      return text.slice(0, i);
    default:
      return text.slice(0, i) + text.slice(i, i + 1 + (ch % 16)) + text.slice(i);
  }
}

/** Decodes `link`, checking the contract; returns whether it was accepted. */
function decodeChecked(link: string): boolean {
  const d = decodeScenarioLink(link);
  if (d.ok) {
    // Accepted: a scenario the lab can run (its mode and gaps agree, the lesson exists).
    expect(['cca', 'mica', 'mica-prototype']).toContain(d.value.mode);
    if (d.value.gaps !== undefined) expect(d.value.mode).toBe('mica-prototype');
    return true;
  }
  expect(typeof d.error).toBe('string');
  expect(d.error).toMatch(LOCATED_LINK);
  expect(d.error).not.toMatch(/internal error|TypeError|undefined is not/);
  return false;
}

describe('scenario links are untrusted input (issue 11)', () => {
  it(`text mutants of real links: never throw, refusals located (${RUNS} mutants)`, () => {
    const stats = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: LINKS.length - 1 }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (which, kind, at, ch) => {
          const link = mutateText(LINKS[which]!, kind, at, ch);
          stats[decodeChecked(link) ? 'accepted' : 'refused']++;
        },
      ),
      { numRuns: RUNS, seed: 11 },
    );
    expect(stats.refused).toBeGreaterThan(RUNS / 2);
  });

  it(`field mutants of real scenarios, re-encoded: never throw, refusals located (${RUNS} mutants)`, () => {
    const jsons = RECIPES.map((s) => JSON.parse(JSON.stringify(s)) as unknown);
    const paths = jsons.map((j) => {
      const out: Path[] = [];
      pathsOf(j, [], out);
      return out;
    });
    const stats = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: RECIPES.length - 1 }),
        fc.nat(),
        fc.integer({ min: 0, max: REPLACEMENTS.length - 1 }),
        (which, pick, replacement) => {
          const list = paths[which]!;
          const mutant = replaced(
            jsons[which],
            list[pick % list.length]!,
            REPLACEMENTS[replacement],
          );
          stats[decodeChecked(linkOf(mutant)) ? 'accepted' : 'refused']++;
        },
      ),
      { numRuns: RUNS, seed: 12 },
    );
    expect(stats.refused).toBeGreaterThan(RUNS / 4);
    expect(stats.accepted).toBeGreaterThan(0);
  });

  it('a link claiming mode "mica" with prototype gaps is refused, by field', () => {
    const recipe = { ...JSON.parse(JSON.stringify(RECIPES[0])), gaps: ['gap-no-clean'] };
    const d = decodeScenarioLink(linkOf(recipe));
    expect(d).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^"gaps" is given but gap switches apply only to "mica-prototype"/,
      ),
    });
  });

  it('an old link whose Mica snapshot has prototype gaps in mode "mica" is refused where it is wrong', () => {
    const d = decodeScenarioLink(OLD_LINK);
    expect(d.ok).toBe(true);
    const json = JSON.parse(JSON.stringify(d.ok ? d.value : {})) as {
      snapshot: { state: { ext: { mica: { gaps: string[] } } } };
    };
    json.snapshot.state.ext.mica.gaps = ['gap-no-clean'];
    const bad = decodeScenarioLink(linkOf({ ...json, version: 1 }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error).toMatch(/^"snapshot": state\.ext\.mica/);
      expect(bad.error).toMatch(/gap/);
    }
  });

  it(`field mutants of an old snapshot-carrying link: never throw, refusals located (${SNAPSHOT_RUNS} mutants)`, () => {
    const d = decodeScenarioLink(OLD_LINK);
    if (!d.ok) throw new Error(d.error);
    const json = { ...(JSON.parse(JSON.stringify(d.value)) as { snapshot: unknown }), version: 1 };
    const all: Path[] = [];
    pathsOf(json.snapshot, ['snapshot'], all);
    // The config and the monitor's state: what a link could lie about.
    const paths = all.filter(
      (p) => (p[2] === 'config' || (p[3] === 'mica' && p[4] !== 'realms')) && p.length <= 7,
    );
    // A learner's machine, which no refused link may touch.
    const machine = createLabMachine({ mode: 'mica' });
    const before = JSON.stringify(machine.snapshot());
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: REPLACEMENTS.length - 1 }), (pick, r) => {
        const mutant = replaced(json, paths[pick % paths.length]!, REPLACEMENTS[r]);
        decodeChecked(linkOf(mutant));
      }),
      { numRuns: SNAPSHOT_RUNS, seed: 13 },
    );
    expect(JSON.stringify(machine.snapshot())).toBe(before);
  });
});

describe('imported progress files are untrusted input (issue 11)', () => {
  const save = {
    ...withProgress(emptySave('2026-01-01T00:00:00.000Z'), '04-mica/02-enforce', {
      status: 'started',
      goalsDone: [],
      hintsRevealed: 1,
      solutionShown: false,
      commands: ['mica status'],
    }),
    current: RECIPES[2]!,
  };
  const text = serializeSave(save);
  const LOCATED_SAVE =
    /^(the file is not JSON|a save file must be|"[a-zA-Z]+[.[\]"a-zA-Z0-9_/-]*|save version|no migration|migrating from|the current scenario: )/;

  function parseChecked(t: string): boolean {
    const p = parseSave(t);
    if (p.ok) return true;
    expect(p.error).toMatch(LOCATED_SAVE);
    expect(p.error).not.toMatch(/internal error|TypeError|undefined is not/);
    return false;
  }

  it('the real file reads back', () => {
    expect(parseChecked(text)).toBe(true);
  });

  it(`text and field mutants of a real file: never throw, refusals located (${RUNS} mutants)`, () => {
    const json = JSON.parse(text) as unknown;
    const paths: Path[] = [];
    pathsOf(json, [], paths);
    const stats = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: REPLACEMENTS.length - 1 }),
        (asText, kind, at, ch, r) => {
          const t = asText
            ? mutateText(text, kind, at, ch)
            : (JSON.stringify(replaced(json, paths[at % paths.length]!, REPLACEMENTS[r])) ?? '');
          stats[parseChecked(t) ? 'accepted' : 'refused']++;
        },
      ),
      { numRuns: RUNS, seed: 14 },
    );
    expect(stats.refused).toBeGreaterThan(RUNS / 4);
    expect(stats.accepted).toBeGreaterThan(0);
  });
});
