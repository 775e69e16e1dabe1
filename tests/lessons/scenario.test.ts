// Scenario links: round trips, and a clear refusal (never an exception) for anything else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { abi, createMachine } from '../../src/emulator/index.ts';
import { toBase64 } from '../../src/lib/bytes.ts';
import {
  SCENARIO_FRAGMENT,
  decodeScenarioLink,
  encodeScenarioLink,
  makeScenario,
  runScenario,
  type Scenario,
} from '../../src/lessons/index.ts';
import { CATALOGUE, findLesson } from '../../src/lessons/loaded.ts';
import { lzCompress, lzDecompress } from '../../src/lessons/lz.ts';

/** A bare `j` payload for arbitrary JSON text. */
function jLink(json: string): string {
  const b64 = toBase64(new TextEncoder().encode(json));
  return SCENARIO_FRAGMENT + 'j.' + b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function refused(link: string): string {
  const r = decodeScenarioLink(link);
  if (r.ok) throw new Error('expected a refusal');
  return r.error;
}

const base = makeScenario({ lesson: '01-worlds/02-granule-delegation', commands: ['gpt'] });

const arbScenario: fc.Arbitrary<Scenario> = fc
  .record(
    {
      lesson: fc.constantFrom(
        '01-worlds/01-address-spaces',
        '01-worlds/03-wiping',
        '01-worlds/04-failure-conditions',
      ),
      commands: fc.array(fc.string({ maxLength: 60 }), { maxLength: 20 }),
      title: fc.string({ maxLength: 40 }),
      notes: fc.string({ maxLength: 200, unit: 'grapheme' }),
    },
    { requiredKeys: ['commands'] },
  )
  .map((f) => makeScenario(f));

describe('scenario links', () => {
  it('round-trip random scenarios exactly', () => {
    fc.assert(
      fc.property(arbScenario, (s) => {
        const link = encodeScenarioLink(s);
        expect(link.startsWith(SCENARIO_FRAGMENT)).toBe(true);
        expect(link).toMatch(/^#\/scenario\/d\.[A-Za-z0-9_-]*$/);
        expect(decodeScenarioLink(link)).toEqual({ ok: true, value: s });
        expect(decodeScenarioLink(`https://lab.example/mica/${link}`)).toEqual({
          ok: true,
          value: s,
        });
      }),
    );
  });

  it('round-trip a scenario carrying a machine snapshot, compressed', () => {
    const machine = createMachine({ mode: 'cca' });
    machine.smc(abi.SMC_RMI_GRANULE_DELEGATE, 0x8000_0000);
    machine.write(0x8000_1000, new TextEncoder().encode('frame 0001'.repeat(50)));
    const s = makeScenario({ mode: 'cca', snapshot: machine.snapshot(), commands: ['gpt'] });
    const link = encodeScenarioLink(s);
    expect(link.startsWith(SCENARIO_FRAGMENT + 'd.')).toBe(true);
    expect(link.length).toBeLessThan(JSON.stringify(s).length);
    expect(decodeScenarioLink(link)).toEqual({ ok: true, value: s });
  });

  it('random strings never throw and are refused with a message', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const r = decodeScenarioLink(text);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.length).toBeGreaterThan(10);
      }),
    );
  });

  it('random mutations of a valid link never throw', () => {
    const link = encodeScenarioLink(base);
    fc.assert(
      fc.property(
        fc.nat({ max: link.length - 1 }),
        fc.nat({ max: 6 }),
        fc.string({ maxLength: 4 }),
        (at, cut, insert) => {
          const mutated = link.slice(0, at) + insert + link.slice(at + cut);
          const r = decodeScenarioLink(mutated);
          if (!r.ok) expect(r.error).not.toBe('');
          else expect(r.value.format).toBe('mica-lab/scenario');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('random byte payloads behind both codecs never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('j', 'z'), (bytes, codec) => {
        const b64 = toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        const r = decodeScenarioLink(`${SCENARIO_FRAGMENT}${codec}.${b64}`);
        expect(r.ok).toBe(false);
      }),
    );
  });

  it('refuses each kind of bad input with a message naming the problem', () => {
    expect(refused('')).toContain('the link is empty');
    expect(refused('https://x/#/lesson/01')).toContain(
      'does not start with "#/s/" or "#/scenario/"',
    );
    expect(refused('#/scenario/eyJmb3')).toContain('no encoding marker');
    expect(refused('#/scenario/q.abc')).toContain('unknown encoding "q"');
    expect(refused('#/scenario/j.abc*def')).toContain(
      'bad base64url at character 4 of the data ("*")',
    );
    expect(refused('#/scenario/j.abcde')).toContain('impossible length (5 characters)');
    expect(refused('#/scenario/z.AAAA')).toContain('compressed data is corrupt at byte');
    expect(refused('#/scenario/j.__8')).toContain('not UTF-8');
    expect(refused(jLink('{"format":'))).toContain('not JSON');
    expect(refused(jLink('[1,2]'))).toContain('must be a JSON object, not an array');
    const json = (patch: Record<string, unknown>) => jLink(JSON.stringify({ ...base, ...patch }));
    expect(refused(json({ format: 'lgb/level' }))).toContain(
      '"format" is string "lgb/level", expected "mica-lab/scenario"',
    );
    expect(refused(json({ version: 3 }))).toContain(
      'scenario version 3 was made by a newer Mica Lab',
    );
    expect(refused(json({ version: 0 }))).toContain('"version" is number 0');
    expect(refused(json({ extra: 1 }))).toContain('unknown field "extra"');
    expect(refused(json({ mode: 'turbo' }))).toContain('"mode" is string "turbo"');
    expect(refused(json({ lesson: '09-nope/01-x' }))).toContain('unknown lesson "09-nope/01-x"');
    // A typo of a lesson's id names the lesson meant.
    expect(refused(json({ lesson: '01-worlds/03-wipng' }))).toContain(
      'unknown lesson "01-worlds/03-wipng" (did you mean "01-worlds/03-wiping"?)',
    );
    const planned = CATALOGUE.find((e) => e.status === 'planned')?.id;
    if (planned)
      expect(refused(json({ lesson: planned }))).toContain('is planned, not playable yet');
    expect(refused(json({ mode: 'mica' }))).toContain('runs in "cca"');
    expect(refused(json({ commands: 'gpt' }))).toContain(
      '"commands" is string "gpt", expected a list',
    );
    expect(refused(json({ commands: ['gpt', 7] }))).toContain('"commands[1]" is number 7');
    expect(refused(json({ title: 5 }))).toContain('"title" is number 5');
    expect(refused(json({ snapshot: { format: 'x' } }))).toContain('"snapshot": "format" is');
  });
});

describe('runScenario', () => {
  it('replays commands on the lesson setup and reports the lesson goals', async () => {
    const run = await runScenario(
      makeScenario({
        lesson: '01-worlds/02-granule-delegation',
        commands: [...findLesson('01-worlds/02-granule-delegation')!.solution],
      }),
    );
    expect(run.goals?.every((g) => g.done)).toBe(true);
    expect(run.transcript[1]?.output[0]?.text).toContain('RMI_SUCCESS');
  });

  it('starts from a snapshot when one is given, with the lesson restrictions', async () => {
    const machine = createMachine({ mode: 'cca' });
    machine.smc(abi.SMC_RMI_GRANULE_DELEGATE, 0x8002_0000);
    const run = await runScenario(
      makeScenario({
        lesson: '01-worlds/01-address-spaces',
        snapshot: machine.snapshot(),
        commands: ['read 0x80020000', 'delegate 0x80030000'],
      }),
    );
    expect(run.transcript[0]?.output[0]?.text).toContain('Granule Protection Fault');
    expect(run.transcript[1]?.output[0]?.text).toContain('switched off');
    expect(run.goals?.find((g) => g.id === 'gpf-realm')?.done).toBe(true);
  });

  it('without a lesson runs a plain host shell in the scenario mode', async () => {
    const run = await runScenario(
      makeScenario({ mode: 'mica-prototype', commands: ['delegate 0x80000000'] }),
    );
    expect(run.machine.state.config.mode).toBe('mica-prototype');
    expect(run.goals).toBeUndefined();
    expect(run.machine.granuleOf(0x8000_0000).state).toBe('DELEGATED');
  });
});

describe('lz codec', () => {
  it('round-trips random and repetitive data', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2000 }),
          fc
            .tuple(fc.uint8Array({ minLength: 1, maxLength: 20 }), fc.nat({ max: 400 }))
            .map(([unit, n]) => {
              const out = new Uint8Array(unit.length * n);
              for (let i = 0; i < n; i++) out.set(unit, i * unit.length);
              return out;
            }),
        ),
        (data) => {
          const r = lzDecompress(lzCompress(data));
          expect(r.ok && [...r.bytes]).toEqual([...data]);
        },
      ),
    );
  });

  it('compresses long runs with long matches', () => {
    const zeros = new Uint8Array(10000);
    expect(lzCompress(zeros).length).toBeLessThan(200);
  });

  it('refuses corrupt input with the byte position, never throwing', () => {
    expect(lzDecompress(new Uint8Array([]))).toEqual({
      ok: false,
      error: 'compressed data is corrupt at byte 0: the length header is cut off',
    });
    expect(lzDecompress(Uint8Array.from([5, 0b1, 0, 0]))).toEqual({
      ok: false,
      error: 'compressed data is corrupt at byte 2: a match reaches back 1 byte, before the start',
    });
    expect(lzDecompress(Uint8Array.from([0xff, 0xff, 0xff, 0x7f]))).toMatchObject({ ok: false });
    expect(lzDecompress(Uint8Array.from([1, 0, 65, 66]))).toEqual({
      ok: false,
      error: 'compressed data is corrupt at byte 3: 1 unexpected trailing bytes',
    });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const r = lzDecompress(bytes);
        if (!r.ok) expect(r.error).toMatch(/^compressed data is corrupt at byte \d+/);
      }),
    );
  });
});
