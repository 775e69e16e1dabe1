// The ledger timeline's filters and stepping (issue 14 "Time travel"): a step visits only the
// events a filter keeps, position N being event N, and there is nothing past either end.
import { describe, expect, it } from 'vitest';
import { openTerminals } from '../../src/lessons/index.ts';
import { createLabMachine } from '../../src/shell/index.ts';
import {
  NO_FILTER,
  countMatches,
  isBlocked,
  matches,
  nextMatch,
} from '../../src/ui/timeline/timeline-model.ts';

function run() {
  const m = createLabMachine();
  const t = openTerminals(m);
  for (const line of ['realm create r1', 'delegate 0x80000000', 'read 0x80000000', 'run r1']) {
    t.execute(line);
  }
  return m;
}

describe('timeline filters and steps', () => {
  const machine = run();
  const events = machine.ledger;

  it('a step with no filter moves one event; none past either end', () => {
    expect(nextMatch(events, 5, 1, NO_FILTER)).toBe(6);
    expect(nextMatch(events, 5, -1, NO_FILTER)).toBe(4);
    expect(nextMatch(events, 1, -1, NO_FILTER)).toBeUndefined();
    expect(nextMatch(events, events.length, 1, NO_FILTER)).toBeUndefined();
  });

  it('blocked only visits refusals: the host read of a delegated granule faults', () => {
    const filter = { ...NO_FILTER, blockedOnly: true };
    const n = nextMatch(events, 0, 1, filter)!;
    expect(n).toBeDefined();
    expect(isBlocked(events[n - 1]!)).toBe(true);
    expect(countMatches(events, filter)).toBe(events.filter(isBlocked).length);
    expect(events.filter(isBlocked).some((e) => e.kind === 'gpf')).toBe(true);
  });

  it('a kind group and a realm keep only their events', () => {
    const gpt = { ...NO_FILTER, group: 'gpt' };
    for (const e of events) expect(matches(e, gpt)).toBe(e.kind === 'gpt:update');
    const rd = Number(Object.values(machine.state.host!.realms)[0]!.rd);
    const realm = { ...NO_FILTER, realm: { rd, name: 'r1' } };
    const kept = events.filter((e) => matches(e, realm));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.some((e) => e.kind === 'realm:access')).toBe(true);
    const nobody = { ...NO_FILTER, realm: { rd: rd + 0x1000 } };
    expect(events.filter((e) => matches(e, nobody))).toEqual([]);
  });
});
