// The timeline's banner names what refused the event it shows (issue 14 "point at the moment
// the encoder's leak was blocked"), and the realm filter knows a Mica realm by the name the
// pipeline's flows use for it (flows name realms "encoder", not by RD).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { micaOf } from '../../src/policy/index.ts';
import { describe as describeEvent } from '../../src/ui/ledger/ledger-view.ts';
import { knownRealmName } from '../../src/ui/state/realm-names.ts';
import {
  NO_FILTER,
  eventHeadline,
  isBlocked,
  nextMatch,
} from '../../src/ui/timeline/timeline-model.ts';
import { loadScenarioFile } from '../../src/workflows/scenario-file.ts';
import { runScenarioFile } from '../../src/workflows/run.ts';

function run(name: string) {
  const text = readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8');
  const l = loadScenarioFile(text);
  if (!l.ok) throw new Error(l.error.message);
  return runScenarioFile(l.scenario).machine;
}

describe('the event a timeline position shows, in words', () => {
  const machine = run('attack-01-copy-to-ns-mica');
  const events = machine.ledger;

  it('a blocked flow names the rule and the reason that blocked it', () => {
    const n = nextMatch(events, events.length, -1, { ...NO_FILTER, blockedOnly: true })!;
    const e = events[n - 1]!;
    expect(isBlocked(e)).toBe(true);
    const line = eventHeadline(e);
    expect(line.startsWith(describeEvent(e).summary)).toBe(true);
    expect(line).toMatch(/; blocked by .+: \S/);
  });

  it('an event that was not refused is its summary alone', () => {
    const e = events.find((x) => !isBlocked(x))!;
    expect(eventHeadline(e)).toBe(describeEvent(e).summary);
  });

  it('a Mica realm is known by its name, so a realm filter keeps the flows that name it', () => {
    const names = Object.values(micaOf(machine.state)?.realms ?? {}).map((r) => r.rd);
    const named = names.map((rd) => knownRealmName(machine.state, rd));
    expect(named).toContain('encoder');
    const encoder = names[named.indexOf('encoder')]!;
    const filter = { ...NO_FILTER, blockedOnly: true, realm: { rd: encoder, name: 'encoder' } };
    expect(nextMatch(events, events.length, -1, filter)).toBeDefined();
    const byRdOnly = { ...NO_FILTER, blockedOnly: true, realm: { rd: encoder } };
    const viaFlow = nextMatch(events, events.length, -1, filter)!;
    // The blocked flow names the encoder, not its RD: without the name a filter misses it.
    if (events[viaFlow - 1]!.kind === 'flow') {
      expect(nextMatch(events, events.length, -1, byRdOnly)).not.toBe(viaFlow);
    }
  });

  it('a realm the host destroyed keeps the name the host gave it (the timeline still names it)', () => {
    const copy = structuredClone(machine.state);
    const [key, realm] = Object.entries(micaOf(copy)?.realms ?? {})[0]!;
    const rd = Number(key);
    // Gone from the host's live records and from the monitor; only the host's name record stays.
    delete micaOf(copy)!.realms[key];
    const state = { ...copy, host: { ...copy.host!, realms: {}, names: { [key]: 'kept' } } };
    expect(knownRealmName(state, rd)).toBe('kept');
    expect(realm.name).toBeDefined();
  });
});
