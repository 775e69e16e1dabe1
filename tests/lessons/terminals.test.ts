// Steps route to terminals: `@<realm> <line>` to that realm's shell, anything else to the host.
import { describe, expect, it } from 'vitest';
import { abi } from '../../src/emulator/index.ts';
import {
  createLessonMachine,
  decodeScenarioLink,
  encodeScenarioLink,
  makeScenario,
  openTerminals,
  parseStep,
  runScenario,
  snapshotSetup,
  startLesson,
  validateLesson,
} from '../../src/lessons/index.ts';
import { LESSONS } from '../../src/lessons/loaded.ts';

describe('parseStep', () => {
  it('routes @<realm> lines to that realm and everything else to the host', () => {
    expect(parseStep('  gpt ')).toEqual({ terminal: 'host', line: 'gpt' });
    expect(parseStep('@gw console "hi @there"')).toEqual({
      terminal: 'realm',
      realm: 'gw',
      line: 'console "hi @there"',
    });
  });

  it('refuses a malformed realm prefix with a message', () => {
    expect(parseStep('@GW config')).toEqual({
      terminal: 'invalid',
      error: '"@GW": realm names are lower case and exact, did you mean "@gw"?',
    });
    expect(parseStep('@g_w config')).toEqual({
      terminal: 'invalid',
      error: '"@g_w" is not "@<realm>" (a-z, 0-9, -, up to 16 characters)',
    });
    expect(parseStep('@gw')).toEqual({ terminal: 'invalid', error: 'nothing to type in realm gw' });
  });
});

describe('openTerminals', () => {
  it('opens realm terminals on first use and shows their prompts', () => {
    const terminals = openTerminals(createLessonMachine('cca'));
    const made = terminals.execute('realm create gw --image shell');
    expect(made.prompt).toBe('host$ ');
    const inside = terminals.execute('@gw config');
    expect(inside.prompt).toBe('gw# ');
    expect(inside.output.map((o) => o.text).join('\n')).toContain('config: RSI_SUCCESS');
    expect(terminals.opened).toEqual(['gw']);
    expect(terminals.execute('@Bad x').output[0]?.tone).toBe('error');
  });

  it('keeps host restrictions on the host terminal only', () => {
    const terminals = openTerminals(createLessonMachine('cca'), ['realm']);
    expect(terminals.execute('realm create gw').output[0]?.text).toContain('switched off');
  });
});

describe('scenarios with realm steps', () => {
  it('round-trip through a link and replay in the right terminals', async () => {
    const s = makeScenario({
      mode: 'cca',
      commands: ['realm create gw --image shell', '@gw console "hello host"'],
    });
    const decoded = decodeScenarioLink(encodeScenarioLink(s));
    expect(decoded).toEqual({ ok: true, value: s });
    const run = await runScenario(s);
    expect(run.transcript.map((t) => t.prompt)).toEqual(['host$ ', 'gw# ']);
    expect(run.transcript[1]?.output.map((o) => o.text).join('\n')).toContain('hello host');
  });
});

describe('validator on realm steps', () => {
  it('checks realm steps against the realm commands', () => {
    const good = LESSONS[LESSONS.length - 1]!;
    const problems = validateLesson({
      ...good,
      solution: ['@gw config', '@gw delegate 0x80000000', '@GW config'],
    });
    expect(problems.map((p) => `${p.field}: ${p.message}`)).toEqual([
      'solution[1]: uses "delegate", which is not a realm terminal command',
      'solution[2]: "@GW": realm names are lower case and exact, did you mean "@gw"?',
    ]);
  });
});

describe('snapshotSetup', () => {
  it('starts a lesson from a snapshot; goals see only what happens afterwards', () => {
    const base = LESSONS.find((l) => l.id === '01-worlds/02-granule-delegation')!;
    const scratch = createLessonMachine('cca');
    base.setup(scratch);
    scratch.smc(abi.SMC_RMI_GRANULE_DELEGATE, 0x8001_0000);
    const session = startLesson({ ...base, setup: snapshotSetup(scratch.snapshot()) });
    expect(session.machine.granuleOf(0x8001_0000).state).toBe('DELEGATED');
    const goals = Object.fromEntries(session.check().map((g) => [g.id, g.done]));
    // The delegation is part of the start state, so no host fault has been seen yet.
    expect(goals).toEqual({ 'read-before': false, delegated: true, 'host-fault': false });
    // This goal wants to see the delegation itself; a start state that already holds it
    // does not count, so the snapshot cannot hand the learner the goal.
    session.terminals.execute('read 0x80010000');
    expect(session.check().find((g) => g.id === 'host-fault')?.detail).toBe(
      '0x80010000 has not been delegated during this lesson',
    );
  });

  it('a refused snapshot is a lesson bug that surfaces at start', () => {
    const base = LESSONS[0]!;
    const broken = { ...base, setup: snapshotSetup({ format: 'nope' } as never) };
    expect(() => startLesson(broken)).toThrow('lesson setup: snapshot refused');
  });
});
