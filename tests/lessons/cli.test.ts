// `mica-lab lesson` and `mica-lab scenario`, driven in-process through their CliCommand.
import { describe, expect, it } from 'vitest';
import { LESSON_COMMAND } from '../../src/cli/commands/lesson.ts';
import { SCENARIO_COMMAND } from '../../src/cli/commands/scenario.ts';
import type { CliCommand, CliIo } from '../../src/cli/types.ts';
import { CATALOGUE, LESSONS, findLesson } from '../../src/lessons/loaded.ts';
import { judgeAttempt } from '../../src/lessons/judged-run.ts';
import {
  emptySave,
  glossaryEntry,
  serializeSave,
  type JudgedRun,
} from '../../src/lessons/index.ts';
import { ATTEST_LESSON_ID, ATTEST_TERMS } from './attest-terms.ts';

/** An outlined lesson, while the course still has one (the course is being filled in). */
const PLANNED = CATALOGUE.find((e) => e.status === 'planned')?.id;

async function cli(
  command: CliCommand,
  args: string[],
  options: { stdin?: string; files?: Record<string, string> } = {},
) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    stdout: (s) => stdout.push(s),
    stderr: (s) => stderr.push(s),
    readFile: async (path) => {
      const text = options.files?.[path];
      if (text === undefined) throw new Error(`ENOENT: no such file '${path}'`);
      return new TextEncoder().encode(text);
    },
    writeFile: async () => {},
    ...(options.stdin !== undefined ? { stdin: [options.stdin] } : {}),
  };
  const code = await command.run(args, io);
  return { code, out: stdout.join(''), err: stderr.join('') };
}

describe('mica-lab lesson', () => {
  it('list prints every part and lesson, planned ones marked', async () => {
    const r = await cli(LESSON_COMMAND, ['list']);
    expect(r.code).toBe(0);
    for (const l of LESSONS) expect(r.out).toContain(l.id);
    if (PLANNED) expect(r.out).toMatch(new RegExp(`${PLANNED} .*\\(planned\\)`));
  });

  it('show prints the text, goals, hints in tiers and the solution', async () => {
    const r = await cli(LESSON_COMMAND, ['show', '01-worlds/04-failure-conditions']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('[three-labels]');
    expect(r.out).toContain('(near-solution)');
    expect(r.out).toContain('Reference solution:\n  delegate 0x80000001');
  });

  it('show lists the terms with their glossary definitions, as the Lesson pane does', async () => {
    const r = await cli(LESSON_COMMAND, ['show', ATTEST_LESSON_ID]);
    const block = r.out.slice(r.out.indexOf('Terms:\n'), r.out.indexOf('Spec references:'));
    const lines = block.trimEnd().split('\n').slice(1);
    expect(lines.map((l) => l.slice(2, l.indexOf(': ')))).toEqual(ATTEST_TERMS);
    expect(lines[ATTEST_TERMS.indexOf('REM')]).toBe(`  REM: ${glossaryEntry('REM')!.definition}`);
  });

  it.each(LESSONS.map((l) => l.id))('check %s --solution exits 0 with every goal ✓', async (id) => {
    const r = await cli(LESSON_COMMAND, ['check', id, '--solution']);
    expect(r.out).not.toContain('✗');
    expect(r.code).toBe(0);
  });

  it('check -c prints ✓/✗ per goal with its detail and exits 1 when not all are done', async () => {
    const r = await cli(LESSON_COMMAND, [
      'check',
      '01-worlds/02-granule-delegation',
      '-c',
      'read 0x80010000; delegate 0x80010000',
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('✓ Read the granule at 0x80010000');
    expect(r.out).toContain('✗ After delegating it');
    expect(r.out).toContain('no host read of 0x80010000 since it was delegated');
    expect(r.out).toContain('2/3 goals done');
  });

  it('check without -v names the commands the shell refused, not only the goals', async () => {
    const r = await cli(LESSON_COMMAND, [
      'check',
      '01-worlds/02-granule-delegation',
      '-c',
      'read 0x80010000; delegat 0x80010000; gpt',
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      'note: 1 of 3 commands were refused by the shell and did not run, the first "delegat 0x80010000": unknown command "delegat" (did you mean "delegate"?)',
    );
    const clean = await cli(LESSON_COMMAND, [
      'check',
      '01-worlds/02-granule-delegation',
      '--solution',
    ]);
    expect(clean.out).not.toContain('note:');
  });

  it('check reads commands from stdin, and -v prints the transcript', async () => {
    const r = await cli(LESSON_COMMAND, ['check', '01-worlds/04-failure-conditions', '-v'], {
      stdin: 'delegate 0x80000001\ndelegate 0x6000000\nundelegate 0x80000000\n',
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain('host$ delegate 0x80000001\nRMI_GRANULE_DELEGATE(addr=0x80000001)');
  });

  it('check -v shows realm terminal steps with the realm prompt', async () => {
    const r = await cli(LESSON_COMMAND, [
      'check',
      '03-pipeline-cca/01-host-sees',
      '--solution',
      '-v',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('gw# console @0x1000 32\n');
    expect(r.out).toContain('host$ rtt gw 0x1000\n');
  });

  it('usage errors exit 2 with a message', async () => {
    const cases: [string[], string][] = [
      [[], 'missing subcommand'],
      [['frob'], 'unknown subcommand "frob"'],
      [['show'], 'missing <id>'],
      [['show', '09-x/01-y'], 'no lesson "09-x/01-y"; "mica-lab lesson list" shows them'],
      [
        ['check', '01-worlds/02-granule-delegaton'],
        'no lesson "01-worlds/02-granule-delegaton" (did you mean "01-worlds/02-granule-delegation"?)',
      ],
      ...(PLANNED
        ? [[['check', PLANNED], 'is planned, not playable yet'] as [string[], string]]
        : []),
      [['check', '01-worlds/03-wiping', '-c'], '-c needs a command string'],
      [['check', '01-worlds/03-wiping', '--solution', '-c', 'gpt'], 'not both'],
      [['check', '01-worlds/03-wiping', '--fast'], 'unknown option "--fast"'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(LESSON_COMMAND, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(message);
    }
  });
});

describe('mica-lab lesson runs', () => {
  const challenge = findLesson('05-attacks/04-host-call')!;
  const honest = judgeAttempt(challenge, challenge.solution, '2026-12-05T03:00:00.000Z');
  const file = (runs: readonly JudgedRun[]) =>
    serializeSave({ ...emptySave('2026-12-05T03:00:00.000Z'), judgedRuns: runs });

  it('every run judged again agrees: exit 0, one ✓ line each', async () => {
    const r = await cli(LESSON_COMMAND, ['runs', 'p.json'], {
      files: { 'p.json': file([honest]) },
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `✓ [0] 05-attacks/04-host-call 2026-12-05T03:00:00.000Z: the file says ${honest.verdict} by ${honest.by} (${honest.stage}); the machine agrees`,
    );
    expect(r.out).toContain('1/1 judged runs agree with the machine');
  });

  it('a forged verdict and a run without steps: exit 1, each said', async () => {
    const { steps: _s, ...bare } = honest;
    const r = await cli(LESSON_COMMAND, ['runs', 'p.json'], {
      files: { 'p.json': file([{ ...honest, verdict: 'no-leak', by: '' }, bare]) },
    });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ \[0\] .*the file says no-leak \(encoder\); the machine says blocked/);
    expect(r.out).toMatch(/\? \[1\] .*not checked: the run keeps no steps/);
    expect(r.out).toContain('0/2 judged runs agree with the machine');
  });

  it('a run judged by the earlier rule (another clause of the same block) agrees: exit 0, a ≈ line', async () => {
    const l = findLesson('05-attacks/03-private-to-shared')!;
    const current = judgeAttempt(l, l.solution, '2026-12-05T03:00:00.000Z');
    const r = await cli(LESSON_COMMAND, ['runs', 'p.json'], {
      files: { 'p.json': file([{ ...current, by: 'CF3' }]) },
    });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /≈ \[0\] 05-attacks\/03-private-to-shared .*the file says blocked by CF3 \(encoder\); .* now names CF1 \(encoder\)/,
    );
    expect(r.out).toContain('1/1 judged runs agree with the machine');
  });

  it('an unreadable or malformed file: exit 2 with the reason and where', async () => {
    const missing = await cli(LESSON_COMMAND, ['runs', 'nope.json']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read "nope.json"/);
    const bad = await cli(LESSON_COMMAND, ['runs', 'p.json'], {
      files: {
        'p.json': JSON.stringify({ ...emptySave(), judgedRuns: [{ ...honest, steps: 3 }] }),
      },
    });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/p\.json is not a progress file: "judgedRuns\[0\]\.steps" is number 3/);
    expect((await cli(LESSON_COMMAND, ['runs'])).code).toBe(2);
  });
});

describe('mica-lab scenario', () => {
  it('link makes a fragment that run replays, with the lesson goals', async () => {
    const made = await cli(SCENARIO_COMMAND, [
      'link',
      '-c',
      'read 0x80010000 8; delegate 0x80010000; read 0x80010000',
      '--lesson',
      '01-worlds/02-granule-delegation',
      '--title',
      'Delegation demo',
      '--base',
      'https://lab.example/mica/#/lesson/x',
    ]);
    expect(made.code).toBe(0);
    const link = made.out.trim();
    expect(link).toMatch(/^https:\/\/lab\.example\/mica\/#\/scenario\/d\.[A-Za-z0-9_-]+$/);
    const ran = await cli(SCENARIO_COMMAND, ['run', link]);
    expect(ran.code).toBe(0);
    expect(ran.out).toContain('# Delegation demo');
    expect(ran.out).toContain('host$ delegate 0x80010000\nRMI_GRANULE_DELEGATE');
    expect(ran.out).toContain('3/3 goals done');
  });

  it('run reads a file holding a link or scenario JSON; show prints the JSON', async () => {
    const link = (await cli(SCENARIO_COMMAND, ['link', '-c', 'delegate 0x80000000'])).out.trim();
    const json = (await cli(SCENARIO_COMMAND, ['show', link])).out;
    expect(JSON.parse(json)).toMatchObject({ mode: 'mica', commands: ['delegate 0x80000000'] });
    for (const content of [link + '\n', json]) {
      const r = await cli(SCENARIO_COMMAND, ['run', 'demo.txt'], {
        files: { 'demo.txt': content },
      });
      expect(r.code).toBe(0);
      expect(r.out).toContain('UNDELEGATED -> DELEGATED');
    }
  });

  it('run exits 1 when the scenario names a lesson whose goals are not all done', async () => {
    const link = (
      await cli(SCENARIO_COMMAND, ['link', '--lesson', '01-worlds/03-wiping'], { stdin: 'gpt\n' })
    ).out.trim();
    const r = await cli(SCENARIO_COMMAND, ['run', link]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('0/3 goals done');
  });

  it('refuses bad links, files and options with exit 2 and a message', async () => {
    const cases: [string[], string][] = [
      [[], 'missing subcommand'],
      [['run'], '"run" needs a link or a file'],
      [['run', '#/scenario/j.ab*c'], 'refused: bad base64url at character 3'],
      [['run', 'missing.txt'], 'cannot read "missing.txt"'],
      [['link', '--lesson', '09-x/01-y', '-c', 'gpt'], 'unknown lesson "09-x/01-y"'],
      [
        ['link', '--lesson', '01-worlds/03-wipng', '-c', 'gpt'],
        'unknown lesson "01-worlds/03-wipng" (did you mean "01-worlds/03-wiping"?)',
      ],
      [['link', '--mode', 'turbo', '-c', 'gpt'], '--mode must be one of cca, mica, mica-prototype'],
      [['link', '--title'], '--title needs a value'],
      [['link', '--nope', 'x'], 'unknown option "--nope"'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(SCENARIO_COMMAND, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toContain(message);
    }
    const notJson = await cli(SCENARIO_COMMAND, ['run', 'x.json'], {
      files: { 'x.json': '{ nope' },
    });
    expect(notJson.code).toBe(2);
    expect(notJson.err).toContain('"x.json" is not JSON');
  });

  it('a scenario file that is not JSON is refused at its line and column', async () => {
    const text = '{\n  "format": "mica-lab/scenario",\n  "version": 2\n  "mode": "mica"\n}';
    const r = await cli(SCENARIO_COMMAND, ['run', 'x.json'], { files: { 'x.json': text } });
    expect(r.code).toBe(2);
    expect(r.err).toContain('"x.json" is not JSON: line 4, column 3: expected "," or "}"');
  });
});
