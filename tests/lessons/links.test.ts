// Short links (issue 9): a link carries the recipe and the command log, not a snapshot. Every
// shipped lesson's solution run and every Pipeline view scenario encodes in under 2 KB,
// decodes to the same scenario, and replays to the same run; malformed links are refused with
// what was wrong and where.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { toBase64 } from '../../src/lib/bytes.ts';
import {
  SCENARIO_VERSION,
  SHORT_FRAGMENT,
  decodeScenarioLink,
  encodeScenarioLink,
  makeScenario,
  replaySolution,
  runScenario,
  type PipelineMode,
  PIPELINE_ATTACK_COUNT,
  isPipelineScenario,
} from '../../src/lessons/index.ts';
import { LESSONS, PIPELINE_SCENARIOS, runPipeline } from '../../src/lessons/loaded.ts';
import { deflateRaw, inflateRaw } from '../../src/lessons/deflate.ts';
import { shortFragment } from '../../src/ui/persist/links.ts';

/** The target: a link that fits in a chat message. */
const MAX_LINK = 2048;
/** A full URL's length with a typical origin in front of the fragment. */
const ORIGIN = 'https://mica-lab.example.org/lab/';

const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
const b64url = (bytes: Uint8Array) =>
  toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
function refused(link: string): string {
  const r = decodeScenarioLink(link);
  if (r.ok) throw new Error('expected a refusal');
  return r.error;
}
/** A `d` link around arbitrary JSON text. */
const dLink = (json: string) =>
  `${SHORT_FRAGMENT}d.${b64url(deflateRaw(new TextEncoder().encode(json)))}`;

describe('every shipped lesson state fits in a short link and replays the same run', () => {
  test.each(LESSONS.map((l) => [l.id, l] as const))('%s', async (_, lesson) => {
    const scenario = makeScenario({ lesson: lesson.id, commands: lesson.solution });
    const link = ORIGIN + shortFragment(scenario);
    expect(link.length).toBeLessThan(MAX_LINK);
    expect(link).toMatch(/#\/s\/d\.[A-Za-z0-9_-]+$/);
    const decoded = decodeScenarioLink(link);
    expect(decoded).toEqual({ ok: true, value: scenario });
    if (!decoded.ok) return;
    const replayed = await runScenario(decoded.value);
    const reference = replaySolution(lesson);
    expect(replayed.goals?.every((g) => g.done)).toBe(true);
    expect(replayed.goals).toEqual(reference.goals);
    // The same run: same ledger (kinds, in order) and the same granule states.
    const kinds = (m: typeof replayed.machine) => m.ledger.map((e) => e.kind).join(',');
    expect(kinds(replayed.machine)).toBe(kinds(reference.session.machine));
    expect(sha256(replayed.machine.state.granules)).toBe(
      sha256(reference.session.machine.state.granules),
    );
  });
});

const MODES: readonly PipelineMode[] = ['mica', 'mica-prototype'];

describe('every pipeline scenario fits in a short link', () => {
  const cases = PIPELINE_SCENARIOS.flatMap((s) => MODES.map((mode) => [s.number, mode] as const));
  test.each(cases)('scenario %i in %s', (n, mode) => {
    const scenario = makeScenario({ mode, pipeline: n, commands: [] });
    const link = ORIGIN + shortFragment(scenario);
    expect(link.length).toBeLessThan(MAX_LINK);
    expect(decodeScenarioLink(link)).toEqual({ ok: true, value: scenario });
  });

  test.each(PIPELINE_SCENARIOS.map((s) => [s.number] as const))(
    'scenario %i (mica) replays to the same state, outcome and group verdict',
    async (n) => {
      const direct = runPipeline(n, 'mica');
      const decoded = decodeScenarioLink(
        shortFragment(makeScenario({ mode: 'mica', pipeline: n, commands: [] })),
      );
      if (!decoded.ok) throw new Error(decoded.error);
      const run = await runScenario(decoded.value);
      expect(sha256(run.machine.snapshot().state)).toBe(sha256(direct.machine.snapshot().state));
      expect(run.pipeline?.outcome).toBe(direct.result.outcome);
      expect(run.pipeline?.rule).toBe(direct.result.rule);
      expect(run.pipeline?.verdict?.verdict.text).toBe(direct.result.verdict?.verdict.text);
      expect(run.pipeline?.verdict?.members).toEqual(direct.result.verdict?.members);
    },
  );

  test('a prototype run with steps typed after it replays them in their terminals', async () => {
    const scenario = makeScenario({
      mode: 'mica-prototype',
      pipeline: 0,
      commands: ['realm list', '@gateway measure read'],
    });
    const decoded = decodeScenarioLink(shortFragment(scenario));
    if (!decoded.ok) throw new Error(decoded.error);
    const run = await runScenario(decoded.value);
    expect(run.transcript.map((t) => t.prompt)).toEqual(['host$ ', 'gateway# ']);
    expect(run.pipeline?.outcome).toBe('clean');
  });
});

describe('gap switches', () => {
  test('a prototype machine with some gaps closed round-trips and is built with them', async () => {
    const scenario = makeScenario({
      mode: 'mica-prototype',
      gaps: ['gap-first-come-labels'],
      commands: [],
    });
    const decoded = decodeScenarioLink(encodeScenarioLink(scenario));
    expect(decoded).toEqual({ ok: true, value: scenario });
    if (decoded.ok) {
      expect((await runScenario(decoded.value)).machine.state.config.gaps).toEqual([
        'gap-first-come-labels',
      ]);
    }
  });
});

describe('malformed links are refused with what is wrong and where', () => {
  const good = shortFragment(
    makeScenario({ lesson: '01-worlds/02-granule-delegation', commands: ['gpt'] }),
  );

  test('transport layers', () => {
    expect(refused('https://x/#/lesson/01')).toContain('does not start with "#/s/"');
    expect(refused('#/s/x.abc')).toContain('unknown encoding "x"');
    expect(refused(`${good.slice(0, 12)}*${good.slice(13)}`)).toMatch(
      /bad base64url at character \d+ of the data \("\*"\)/,
    );
    // Cut off in the middle of the compressed data.
    expect(refused(good.slice(0, good.length - 12))).toMatch(/ends early|cut off|corrupt/);
    expect(refused(`${SHORT_FRAGMENT}d.`)).toContain('no compressed data');
    expect(
      refused(`${SHORT_FRAGMENT}d.${b64url(new Uint8Array([0xff, 0xff, 0xff, 0xff]))}`),
    ).toMatch(/corrupt in bytes 1-4 of 4 .*altered/);
  });

  test('a link that unpacks to too much is stopped', () => {
    const bomb = `${SHORT_FRAGMENT}d.${b64url(deflateRaw(new Uint8Array(9 * 1024 * 1024)))}`;
    expect(refused(bomb)).toContain('unpacks to more than');
  });

  test('content layers name the field', () => {
    expect(refused(dLink('{"format":"mica-lab/scenario"'))).toContain('not JSON');
    const v = `"format":"mica-lab/scenario","version":${SCENARIO_VERSION}`;
    expect(refused(dLink(`{${v},"mode":"mica","commands":[],"pipeline":99}`))).toContain(
      '"pipeline" is number 99; expected 0 (the video pipeline) or an attack number',
    );
    expect(refused(dLink(`{${v},"mode":"cca","commands":[],"pipeline":1}`))).toContain(
      '"pipeline" needs a Mica mode',
    );
    expect(
      refused(dLink(`{${v},"mode":"mica-prototype","commands":[],"gaps":["gap-nope"]}`)),
    ).toContain('"gaps[0]" is string "gap-nope", not a prototype gap');
    expect(refused(dLink(`{${v},"mode":"mica","commands":[],"gaps":[]}`))).toContain(
      'apply only to "mica-prototype"',
    );
    expect(refused(dLink(`{${v},"mode":"mica","commands":["gpt",7]}`))).toContain(
      '"commands[1]" is number 7',
    );
    expect(
      refused(
        dLink(
          '{"format":"mica-lab/scenario","version":1,"mode":"mica","commands":[],"pipeline":0}',
        ),
      ),
    ).toContain('unknown field "pipeline" in a version 1 scenario');
    expect(refused(dLink(`{"format":"mica-lab/scenario","version":3,"mode":"mica"}`))).toContain(
      'made by a newer Mica Lab',
    );
  });

  test('the codec round-trips and agrees with the platform deflate-raw', async () => {
    const text = new TextEncoder().encode('realm create gw --net\n'.repeat(40));
    const back = inflateRaw(deflateRaw(text));
    expect(back.ok && back.bytes).toEqual(text);
    const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
    const platform = new Uint8Array(await new Response(stream).arrayBuffer());
    const fromPlatform = inflateRaw(platform);
    expect(fromPlatform.ok && fromPlatform.bytes).toEqual(text);
  });
});

describe('pipeline scenarios by number', () => {
  test('links are checked against the attack count the workflows define, without loading them', () => {
    expect(PIPELINE_SCENARIOS.map((s) => s.number)).toEqual(
      Array.from({ length: PIPELINE_ATTACK_COUNT + 1 }, (_, n) => n),
    );
    expect(isPipelineScenario(PIPELINE_ATTACK_COUNT + 1)).toBe(false);
  });
});
