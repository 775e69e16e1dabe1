// Steps route to terminals: `@<realm> <line>` to that realm's shell, anything else to the host.
import { describe, expect, it } from 'vitest';
import {
  LESSONS,
  createLessonMachine,
  decodeScenarioLink,
  encodeScenarioLink,
  makeScenario,
  openTerminals,
  parseStep,
  runScenario,
  validateLesson,
} from '../../src/lessons/index.ts';

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
      error: '"@GW" is not "@<realm>" (a-z, 0-9, -, up to 16 characters)',
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
  it('round-trip through a link and replay in the right terminals', () => {
    const s = makeScenario({
      mode: 'cca',
      commands: ['realm create gw --image shell', '@gw console "hello host"'],
    });
    const decoded = decodeScenarioLink(encodeScenarioLink(s));
    expect(decoded).toEqual({ ok: true, value: s });
    const run = runScenario(s);
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
      'solution[2]: "@GW" is not "@<realm>" (a-z, 0-9, -, up to 16 characters)',
    ]);
  });
});
