/**
 * The ledger list's incremental index (src/ui/ledger/ledger-view.ts LedgerIndex; issue 14,
 * scrubbing a long ledger): at every prefix of a real run, with any filter and window, its
 * rows and counts are those of reading the prefix whole, as the list did before the index;
 * growing the ledger, looking at a prefix (the past) and replacing it (a restore) keep that.
 */
import { describe, expect, test } from 'vitest';
import type { LedgerEvent } from '../../src/emulator/index.ts';
import { openTerminals } from '../../src/lessons/index.ts';
import { createLabMachine } from '../../src/shell/index.ts';
import {
  ALL_GROUPS,
  KIND_GROUPS,
  LedgerIndex,
  describe as describeEvent,
  groupOf,
  ledgerRows,
  type LedgerRow,
} from '../../src/ui/ledger/ledger-view.ts';

/** The rows of `events` read whole, as the list built them before the index. */
function readWhole(events: readonly LedgerEvent[], groups: ReadonlySet<string>, limit: number) {
  const depth = new Map<number, number>();
  const returns = new Map<number, LedgerEvent>();
  for (const e of events) {
    depth.set(e.seq, e.parent === undefined ? 0 : (depth.get(e.parent) ?? -1) + 1);
    if (e.kind === 'smc:return') returns.set(e.call, e);
  }
  const shown = (kind: string) => groups.has(groupOf(kind));
  const rows: { seq: number; depth: number; returnSeq?: number; summary: string }[] = [];
  for (const e of events) {
    if (!shown(e.kind)) continue;
    if (e.kind === 'smc:return' && depth.has(e.call) && shown('smc:call')) continue;
    const ret = e.kind === 'smc:call' ? returns.get(e.seq) : undefined;
    rows.push({
      seq: e.seq,
      depth: depth.get(e.seq)!,
      summary: describeEvent(e, true).summary,
      ...(ret ? { returnSeq: ret.seq } : {}),
    });
  }
  const hidden = Math.max(0, rows.length - limit);
  const counts: Record<string, number> = {};
  for (const g of KIND_GROUPS) counts[g.id] = 0;
  for (const e of events) counts[groupOf(e.kind)]!++;
  return { rows: rows.slice(hidden), hidden, counts };
}

const brief = (rows: readonly LedgerRow[]) =>
  rows.map((r) => ({
    seq: r.seq,
    depth: r.depth,
    summary: r.summary,
    ...(r.returnSeq !== undefined ? { returnSeq: r.returnSeq } : {}),
  }));

/** A run with calls, nested events, faults and flows. */
function run(): LedgerEvent[] {
  const machine = createLabMachine();
  const terminals = openTerminals(machine);
  for (const line of [
    'realm create a --net',
    'run a',
    '@a mem write 0x4000 "hello"',
    '@a copy 0x4000 0x5000 16',
    'delegate 0x80000000',
    'read 0x80000000',
    'undelegate 0x80001000',
  ]) {
    terminals.execute(line);
  }
  return [...machine.ledger];
}

describe('the ledger index', () => {
  const events = run();

  test('rows and counts at any prefix, filter and window equal reading the prefix whole', () => {
    const index = new LedgerIndex().sync(events);
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let k = 0; k < 300; k++) {
      const n = next(events.length + 1);
      const groups = new Set(KIND_GROUPS.filter(() => next(3) > 0).map((g) => g.id));
      const limit = 1 + next(80);
      const want = readWhole(events.slice(0, n), groups, limit);
      const got = index.rows(n, groups, limit);
      expect(brief(got.rows), `prefix ${n}, ${[...groups].join(' ')}`).toEqual(want.rows);
      expect(got.hidden).toBe(want.hidden);
      expect(index.counts(n)).toEqual(want.counts);
    }
  });

  test('a call folds in its return only when the return is in the prefix', () => {
    const callAt = events.findIndex((e) => e.kind === 'smc:call' && e.parent === undefined);
    const returnAt = events.findIndex(
      (e) => e.kind === 'smc:return' && e.call === events[callAt]!.seq,
    );
    const index = new LedgerIndex().sync(events);
    const before = index.rows(returnAt, ALL_GROUPS).rows.find((r) => r.seq === events[callAt]!.seq);
    const after = index
      .rows(returnAt + 1, ALL_GROUPS)
      .rows.find((r) => r.seq === events[callAt]!.seq);
    expect(before?.returnSeq).toBeUndefined();
    expect(after?.returnSeq).toBe(events[returnAt]!.seq);
  });

  test('learning a growing ledger, a prefix of it, and another ledger gives the rows of each', () => {
    const index = new LedgerIndex();
    const half = events.slice(0, events.length >> 1);
    index.sync(half);
    expect(index.length).toBe(half.length);
    index.sync(events);
    expect(index.length).toBe(events.length);
    // A prefix (the past) is answered from what is known.
    index.sync(half);
    expect(index.length).toBe(events.length);
    // Another ledger (a restore: other event objects) is learned again.
    const other = run();
    index.sync(other.slice(0, 40));
    expect(index.length).toBe(40);
    expect(brief(index.rows(40, ALL_GROUPS).rows)).toEqual(
      brief(ledgerRows(other.slice(0, 40), undefined, Infinity).rows),
    );
  });
});
