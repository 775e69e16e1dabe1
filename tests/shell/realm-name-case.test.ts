// Realm names are lower case and matched exactly everywhere, as the shells' command names are
// (`REALM` gets "did you mean realm"): `realm create RG`, `@RG ...`, `realm show RG`, a scenario
// link's `@RG` step and a workflow scenario file's `"realm": "Encoder"` are each refused with
// what was wrong, where, which realms exist, and the lower-case name suggested.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createLessonMachine,
  decodeScenarioLink,
  encodeScenarioLink,
  makeScenario,
  openTerminals,
  refusedSteps,
  runScenario,
} from '../../src/lessons/index.ts';
import { createHostShell } from '../../src/shell/index.ts';
import { createLabMachine } from '../../src/shell/machine.ts';
import { loadScenarioFile } from '../../src/workflows/scenario-file.ts';

const text = (lines: readonly { text: string }[]) => lines.map((l) => l.text).join('\n');

const CASE_HINT = /realm names are lower case/;

describe('realm names are lower case and exact at every entry point', () => {
  it('host shell: realm create RG is refused, saying names are lower case and suggesting rg', () => {
    const host = createHostShell(createLabMachine());
    const made = text(host.execute('realm create RG'));
    expect(made).toContain(
      '"RG" is not a realm name (a-z, 0-9, -, up to 16 characters): realm names are lower case, did you mean "rg"?',
    );
  });

  it('host shell: show, destroy and run of RG name the realms that exist and suggest rg', () => {
    const host = createHostShell(createLabMachine());
    host.execute('realm create rg');
    const hint =
      'no realm "RG" (realms: rg): realm names are lower case and exact, did you mean "rg"?';
    expect(text(host.execute('realm show RG'))).toContain(hint);
    expect(text(host.execute('realm destroy RG'))).toContain(hint);
    expect(text(host.execute('run RG'))).toContain(hint);
    // An unrelated name gets no case hint.
    expect(text(host.execute('realm show other'))).not.toMatch(CASE_HINT);
  });

  it('@RG typed in the host terminal is refused, with @rg suggested and the realms listed', () => {
    const terminals = openTerminals(createLessonMachine('cca'));
    terminals.execute('realm create rg --image shell');
    const step = terminals.execute('@RG config');
    expect(step.output).toHaveLength(1);
    expect(step.output[0]).toMatchObject({
      refused: true,
      text: '"@RG": realm names are lower case and exact, did you mean "@rg"? (realms: rg)',
    });
    expect(terminals.opened).toEqual([]);
    expect(text(terminals.execute('@rg config').output)).toContain('config: RSI_SUCCESS');
  });

  it('a scenario link with an @RG step replays it as refused, and says which step and why', async () => {
    const s = makeScenario({ mode: 'cca', commands: ['realm create rg', '@RG config'] });
    const decoded = decodeScenarioLink(encodeScenarioLink(s));
    if (!decoded.ok) throw new Error(decoded.error);
    const run = await runScenario(decoded.value);
    expect(refusedSteps(run.transcript)).toBe(
      '1 of 2 commands were refused by the shell and did not run, the first "@RG config": "@RG": realm names are lower case and exact, did you mean "@rg"? (realms: rg)',
    );
  });

  it('a workflow scenario file naming "Encoder" in a step is refused at that key, suggesting encoder', () => {
    const file = readFileSync(
      new URL('../../scenarios/attack-05-unlisted-pre-mica.json', import.meta.url),
      'utf8',
    );
    const l = loadScenarioFile(file.replace('"realm": "encoder"', '"realm": "Encoder"'));
    expect(l.ok).toBe(false);
    if (l.ok) return;
    expect(l.error.path).toBe('host[2].realm');
    expect(l.error.message).toBe(
      'no realm "Encoder" (realms: gateway, encoder, moderator, storage, intruder): realm names are lower case and exact, did you mean "encoder"?',
    );
  });

  it('a workflow scenario file whose input arrives at "Gateway" is refused at that key, suggesting gateway', () => {
    const file = readFileSync(
      new URL('../../scenarios/attack-05-unlisted-pre-mica.json', import.meta.url),
      'utf8',
    );
    const l = loadScenarioFile(
      file.replace(
        '"label": "video",\n      "realm": "gateway"',
        '"label": "video",\n      "realm": "Gateway"',
      ),
    );
    expect(l.ok).toBe(false);
    if (l.ok) return;
    expect(l.error.path).toBe('inputs[0].realm');
    expect(l.error.message).toBe(
      'no realm "Gateway" (realms: gateway, encoder, moderator, storage): realm names are lower case and exact, did you mean "gateway"?',
    );
  });

  it('a workflow scenario file adding a realm named "Intruder" is refused as the shell refuses it', () => {
    const file = readFileSync(
      new URL('../../scenarios/attack-05-unlisted-pre-mica.json', import.meta.url),
      'utf8',
    );
    const l = loadScenarioFile(file.replace('"name": "intruder"', '"name": "Intruder"'));
    expect(l.ok).toBe(false);
    if (l.ok) return;
    expect(l.error.path).toBe('host[1].name');
    expect(l.error.message).toBe(
      '"Intruder" is not a realm name (a-z, 0-9, -, up to 16 characters): realm names are lower case, did you mean "intruder"?',
    );
  });
});
