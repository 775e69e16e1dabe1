// Workflow scenario files (issue 12 "Scenarios"): every shipped file loads; every refusal names
// the line, column and key path; unknown versions are refused as "made by a newer Mica Lab";
// and ≥10k mutated files never make the loader throw or give an unlocated refusal.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLocatedJson } from '../../src/lib/located-json.ts';
import {
  SCENARIO_FILE_VERSION,
  SCENARIO_GROUPS,
  formatScenarioError,
  loadScenarioFile,
} from '../../src/workflows/scenario-file.ts';
import { ATTACKS } from '../../src/workflows/attacks.ts';

const DIR = new URL('../../scenarios/', import.meta.url);
const NAMES = readdirSync(DIR)
  .filter((n) => n.endsWith('.json'))
  .sort();
const TEXTS = NAMES.map((n) => readFileSync(new URL(n, DIR), 'utf8'));
const HONEST = readFileSync(new URL('video-honest-proto.json', DIR), 'utf8');

function refusal(text: string) {
  const l = loadScenarioFile(text);
  if (l.ok) throw new Error('expected a refusal');
  return l.error;
}

/** The 1-based line and column of the first occurrence of `needle` in `text`. */
function where(text: string, needle: string) {
  const i = text.indexOf(needle);
  const before = text.slice(0, i).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

describe('shipped scenario files', () => {
  it('every file in scenarios/ loads, and its id is its file name', () => {
    expect(NAMES.length).toBeGreaterThan(40);
    NAMES.forEach((name, i) => {
      const l = loadScenarioFile(TEXTS[i]!);
      if (!l.ok) throw new Error(formatScenarioError(name, l.error));
      expect(`${l.scenario.id}.json`).toBe(name);
    });
  });

  it('every §6 attack has its own scenario in Mica and in prototype mode', () => {
    const loaded = TEXTS.map((t) => loadScenarioFile(t)).flatMap((l) => (l.ok ? [l.scenario] : []));
    for (const a of ATTACKS)
      for (const mode of ['mica', 'mica-prototype'] as const)
        expect(
          loaded.some((s) => s.attack === a.number && s.mode === mode),
          `attack ${a.number} in ${mode}`,
        ).toBe(true);
  });

  it('both workflows run honest, the CCA-only pipelines leak, and every menu group has members', () => {
    const loaded = TEXTS.map((t) => loadScenarioFile(t)).flatMap((l) => (l.ok ? [l.scenario] : []));
    for (const wf of ['video-publish', 'llm-guardrail-locked'])
      for (const mode of ['mica', 'mica-prototype'] as const)
        expect(
          loaded.some(
            (s) =>
              s.workflow === wf &&
              s.mode === mode &&
              s.group === 'honest' &&
              s.expect.outcome === 'no-leak',
          ),
        ).toBe(true);
    expect(loaded.filter((s) => s.mode === 'cca' && s.expect.outcome === 'leak').length).toBe(2);
    for (const g of SCENARIO_GROUPS)
      expect(
        loaded.some((s) => s.group === g),
        g,
      ).toBe(true);
  });
});

describe('the loader refuses with a location', () => {
  it('a newer version is refused as made by a newer Mica Lab, at the version value', () => {
    const text = HONEST.replace('"version": 1', `"version": ${SCENARIO_FILE_VERSION + 1}`);
    const e = refusal(text);
    expect(e.path).toBe('version');
    expect(e.message).toMatch(/made by a newer Mica Lab/);
    expect(e.position).toEqual(where(text, String(SCENARIO_FILE_VERSION + 1)));
  });

  it('the version is checked before any other field', () => {
    const text = HONEST.replace('"version": 1', '"version": 9').replace(
      '"mode": "mica-prototype"',
      '"mode": "warp"',
    );
    expect(refusal(text).path).toBe('version');
  });

  it('another format is refused as not a workflow scenario (a scenario link is not one)', () => {
    const e = refusal('{"format": "mica-lab/scenario", "version": 2, "commands": []}');
    expect(e.message).toMatch(/this is a scenario link .* run it with "mica-lab scenario run"/);
    expect(refusal('{"format": "other", "version": 1}').message).toMatch(
      /not a workflow scenario file/,
    );
  });

  it('an unknown key names its path, line and column', () => {
    const text = HONEST.replace('"program": "honest",', '"program": "honest", "colour": "red",');
    const e = refusal(text);
    expect(e.path).toBe('realms[0].colour');
    expect(e.position).toEqual(where(text, '"red"'));
    expect(formatScenarioError('f.json', e)).toMatch(
      /^f\.json:\d+:\d+: realms\[0\]\.colour: unknown key/,
    );
  });

  it('an unknown program, realm, object or step is refused by name', () => {
    expect(refusal(HONEST.replace('"program": "honest"', '"program": "teleport"')).message).toMatch(
      /no program "teleport"/,
    );
    expect(refusal(HONEST.replace('"name": "encoder"', '"name": "decoder"')).message).toMatch(
      /realm #2 of video-publish is "encoder"/,
    );
    expect(refusal(HONEST.replace('"do": "run-app"', '"do": "fly"')).path).toBe('host[1].do');
    const bad = HONEST.replace(
      '"do": "run-app"',
      '"do": "map-shared", "realm": "encoder", "object": "Mem9", "window": 2',
    );
    expect(refusal(bad)).toMatchObject({ path: 'host[1].object' });
  });

  it('a text input for the video workflow is refused (it sends its own video), not ignored', () => {
    const text = HONEST.replace('"realm": "gateway"', '"realm": "gateway", "text": "hi"');
    expect(refusal(text)).toMatchObject({ path: 'inputs[0].text' });
  });

  it('gap switches outside prototype mode are refused (a "mica" file cannot switch gaps on)', () => {
    const text = HONEST.replace(
      '"mode": "mica-prototype"',
      '"mode": "mica", "gaps": ["gap-no-clean"]',
    );
    expect(refusal(text).message).toMatch(/gap switches belong to mode mica-prototype/);
  });

  it('a policy text that does not parse is refused with its own position', () => {
    const text = readFileSync(new URL('video-honest-mica.json', DIR), 'utf8').replace(
      '"{",',
      '"{ oops",',
    );
    const e = refusal(text);
    expect(e.path).toBe('realms[0].policy');
    expect(e.message).toMatch(/the policy text does not parse: 1:\d+/);
  });

  it('a JSON syntax error gives its line and column', () => {
    const e = refusal('{\n  "format": "mica-lab/workflow-scenario",\n  "version" 1\n}');
    expect(e.position).toEqual({ line: 3, column: 13 });
    expect(e.message).toMatch(/expected ":"/);
  });
});

describe('fuzz: mutated scenario files', () => {
  /** A small deterministic PRNG (mulberry32). */
  function rng(seed: number) {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const PIECES = [
    '{',
    '}',
    '[',
    ']',
    ',',
    ':',
    '"',
    '\\',
    'null',
    '1e999',
    '-0',
    '"x"',
    '\n',
    '"version": 2',
    '"__proto__": {}',
    '"do": "attest"',
    '"gaps": []',
    '"mode": "cca"',
  ];
  const VALUES = [
    null,
    true,
    0,
    -1,
    1.5,
    2 ** 53,
    '',
    'x',
    'honest',
    'Mem1',
    [],
    {},
    ['gateway'],
    { do: 'setup-all' },
  ];

  /** Replaces a random value somewhere in the tree. */
  function mutateTree(v: unknown, r: () => number, depth = 0): unknown {
    if (depth > 0 && r() < 0.15) return VALUES[Math.floor(r() * VALUES.length)];
    if (Array.isArray(v)) {
      if (v.length === 0) return v;
      const i = Math.floor(r() * v.length);
      const copy = [...v];
      if (r() < 0.1) copy.splice(i, 1);
      else copy[i] = mutateTree(v[i], r, depth + 1);
      return copy;
    }
    if (v && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length === 0) return v;
      const k = keys[Math.floor(r() * keys.length)]!;
      const copy: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      if (r() < 0.1) delete copy[k];
      else copy[k] = mutateTree(copy[k], r, depth + 1);
      return copy;
    }
    return VALUES[Math.floor(r() * VALUES.length)];
  }

  it('10k mutants: no exception, every refusal located inside the text, acceptances well-formed', () => {
    const r = rng(12);
    let accepted = 0;
    const N = 10_000;
    for (let n = 0; n < N; n++) {
      const base = TEXTS[Math.floor(r() * TEXTS.length)]!;
      let text: string;
      const kind = r();
      if (kind < 0.4) {
        const parsed = parseLocatedJson(base);
        if (!parsed.ok) throw new Error('a shipped file does not parse');
        text = JSON.stringify(mutateTree(parsed.value, r), null, r() < 0.5 ? 2 : undefined);
      } else {
        text = base;
        const edits = 1 + Math.floor(r() * 3);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(r() * text.length);
          const op = r();
          if (op < 0.33) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 8));
          else if (op < 0.66)
            text = text.slice(0, at) + PIECES[Math.floor(r() * PIECES.length)] + text.slice(at);
          else
            text =
              text.slice(0, at) + String.fromCharCode(Math.floor(r() * 128)) + text.slice(at + 1);
        }
      }
      const l = loadScenarioFile(text);
      if (l.ok) {
        accepted++;
        expect(l.scenario.realms.length).toBeGreaterThan(0);
        continue;
      }
      const lines = text.split('\n');
      const { line, column } = l.error.position;
      expect(line).toBeGreaterThanOrEqual(1);
      expect(line).toBeLessThanOrEqual(lines.length);
      expect(column).toBeGreaterThanOrEqual(1);
      expect(column).toBeLessThanOrEqual(lines[line - 1]!.length + 1);
      expect(l.error.message.length).toBeGreaterThan(0);
    }
    // Some mutants are still valid files (a changed title, a different realm program...).
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(N);
  });

  it('hostile nesting is refused, not a stack overflow', () => {
    const e = refusal('['.repeat(100_000));
    expect(e.message).toMatch(/nested deeper than/);
  });
});
