// Time travel (issue 10 item 4; ARCHITECTURE.md "Time travel"): the machine rebuilt as of a
// ledger position from checkpoints plus replay equals the machine recorded live at that
// position, "as of event N" meaning the state when event N+1 was appended, ledger cut at N.
import { describe, expect, it } from 'vitest';
import { rng } from '../lib/xorshift.ts';
import {
  adoptRun,
  lineStep,
  openTerminals,
  runTimeline,
  type RunStart,
} from '../../src/lessons/index.ts';
import { runPipeline } from '../../src/lessons/pipeline.ts';
import { createLabMachine } from '../../src/shell/index.ts';
import { watchingWorkflows } from '../../src/workflows/index.ts';
import type { Machine, MachineState } from '../../src/emulator/index.ts';

const EVENTS = Number(process.env.TIMELINE_EVENTS ?? 100_000);
const POSITIONS = 40;
const DRAM = 0x8000_0000;

/** A state as one string (pages as base64), to compare large states quickly and exactly. */
function canonical(state: Readonly<MachineState>): string {
  return JSON.stringify(state, (_key, value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value,
  );
}

/** The state as of position `n` by the definition, copied while the machine runs. */
function copyAsOf(m: Machine, n: number): MachineState {
  const { ledger, ...rest } = m.state;
  return {
    ...structuredClone(rest),
    ledger: { events: ledger.events.slice(0, n), nextSeq: ledger.events[n]!.seq },
  };
}

/**
 * Records, on `m`, the state as of each position in `targets` as the machine passes it (at the
 * append of the next event). Returns the recordings; positions rewound are dropped by `forget`.
 */
function recorder(m: Machine, targets: ReadonlySet<number>) {
  const seen = new Map<number, MachineState>();
  const off = m.on('ledger', () => {
    const n = m.ledger.length - 1;
    if (targets.has(n)) seen.set(n, copyAsOf(m, n));
  });
  const forget = (from: number) => {
    for (const n of [...seen.keys()]) if (n >= from) seen.delete(n);
  };
  return { seen, off, forget };
}

describe('time travel: the state rebuilt at a ledger position equals the state recorded live there', () => {
  it(`holds at ${POSITIONS} random positions of a ${EVENTS / 1000}k-event run with undo`, () => {
    const r = rng(20261204);
    const live = createLabMachine();
    const start: RunStart = { kind: 'fresh', mode: 'mica', gaps: live.state.config.gaps };
    const timeline = runTimeline(start, live.ledger.length);
    const targets = new Set<number>();
    while (targets.size < POSITIONS) targets.add(r.int(EVENTS));
    const rec = recorder(live, targets);
    const terminals = openTerminals(live);
    /** Types `line` as the page does; with `undo`, takes it back afterwards if it did anything. */
    const type = (line: string, undo = false) => {
      const at = live.ledger.length;
      const mark = timeline.length;
      const before = undo || timeline.wantsCheckpoint(at) ? live.checkpoint() : undefined;
      terminals.execute(line);
      timeline.record(at, lineStep(line), before);
      if (undo && before && live.ledger.length > at) {
        expect(live.rewind(before)).toEqual({ ok: true });
        timeline.truncate(mark);
        rec.forget(at);
      }
    };
    // A varied run: realms with devices, tenant input travelling with its label, guest stores,
    // host writes and granules going back and forth, and now and then an undo.
    type('realm create alpha --net');
    type('realm create beta');
    for (let i = 0; live.ledger.length < EVENTS; i++) {
      const pa = DRAM + 0x100_0000 + r.int(256) * 0x1000;
      const step = r.int(20);
      const undo = r.int(50) === 0;
      if (step === 0) {
        type(`tenant send alpha "frame ${i}"`);
        type('@alpha net recv 0x1000', undo);
      } else if (step === 1) type(`@beta mem write 0x2000 "${i}"`, undo);
      else if (step === 2) type(`run ${r.pick(['alpha', 'beta'])}`, undo);
      else if (step === 3) type(`write 0x${(pa + 0x10).toString(16)} "${i}"`, undo);
      else if (step < 12) type(`delegate 0x${pa.toString(16)}`, undo);
      else type(`undelegate 0x${pa.toString(16)}`, undo);
    }
    rec.off();
    expect(rec.seen.size).toBe(POSITIONS);
    expect(timeline.checkpoints).toBeGreaterThan(0);
    for (const n of [...rec.seen.keys()].sort((a, b) => a - b)) {
      const past = timeline.stateAt(n, live);
      if (!past.ok) throw new Error(`position ${n}: ${past.error}`);
      expect(past.now).toBe(false);
      expect(canonical(past.state), `position ${n}`).toBe(canonical(rec.seen.get(n)!));
    }
    // The newest position is the live machine itself.
    const now = timeline.stateAt(live.ledger.length, live);
    expect(now.ok && now.now && now.state === live.state).toBe(true);
  }, 300_000);

  it('holds inside a pipeline attack run, at its blocked flow and after lines typed on it', () => {
    const targets = new Set<number>();
    // First pass to learn the run's length and its blocked flow, then record live.
    const probe = runPipeline(1, 'mica').machine.ledger;
    const blocked = probe.find((e) => e.kind === 'flow' && e.decision.verdict === 'blocked')!;
    for (const n of [0, 1, blocked.seq, Math.floor(probe.length / 2), probe.length - 1]) {
      targets.add(n);
    }
    const seen = new Map<number, MachineState>();
    const run = watchingWorkflows(
      (m) => {
        m.on('ledger', () => {
          const n = m.ledger.length - 1;
          if (targets.has(n)) seen.set(n, copyAsOf(m, n));
        });
      },
      () => runPipeline(1, 'mica'),
    );
    const live = createLabMachine();
    expect(adoptRun(live, run)).toEqual({ ok: true });
    const timeline = runTimeline(
      { kind: 'pipeline', scenario: 1, mode: 'mica', runner: () => runPipeline },
      live.ledger.length,
    );
    expect(timeline.startEnd).toBe(probe.length);
    // Lines typed after the run: their positions come from checkpoints of the live machine.
    const after = new Set([live.ledger.length, live.ledger.length + 3]);
    const rec = recorder(live, after);
    const terminals = openTerminals(live);
    for (const line of ['delegate 0x81000000', 'undelegate 0x81000000']) {
      const at = live.ledger.length;
      const before = live.checkpoint();
      terminals.execute(line);
      timeline.record(at, lineStep(line), before);
    }
    rec.off();
    for (const [n, state] of [...seen, ...rec.seen]) {
      const past = timeline.stateAt(n, live);
      if (!past.ok) throw new Error(`position ${n}: ${past.error}`);
      expect(canonical(past.state), `position ${n}`).toBe(canonical(state));
    }
    // As of the blocked flow, the ledger ends with it.
    const atBlock = timeline.stateAt(blocked.seq, live);
    expect(atBlock.ok && atBlock.state.ledger.events.at(-1)).toEqual(blocked);
  }, 60_000);

  it('finds the positions of lines played before it knew them (an opened link) by one replay', () => {
    const live = createLabMachine();
    const start: RunStart = { kind: 'fresh', mode: 'mica', gaps: live.state.config.gaps };
    const lines = ['realm create r1', 'delegate 0x81000000', 'run r1', '@r1 mem write 0x2000 "x"'];
    const targets = new Set([5, 200, 320, 330]);
    const rec = recorder(live, targets);
    const terminals = openTerminals(live);
    for (const line of lines) terminals.execute(line);
    rec.off();
    const timeline = runTimeline(start, live.ledger.length, lines, { spacing: 8 });
    for (const [n, state] of rec.seen) {
      const past = timeline.stateAt(n, live);
      if (!past.ok) throw new Error(`position ${n}: ${past.error}`);
      expect(canonical(past.state), `position ${n}`).toBe(canonical(state));
    }
    expect(timeline.startEnd).toBe(0);
  });

  it('says the replay diverged rather than show a state that did not happen', () => {
    const live = createLabMachine();
    const start: RunStart = { kind: 'fresh', mode: 'mica', gaps: live.state.config.gaps };
    const timeline = runTimeline(start, 0);
    const before = live.checkpoint();
    openTerminals(live).execute('delegate 0x81000000');
    // The step recorded is not the one that ran: its replay delegates another granule.
    timeline.record(0, lineStep('delegate 0x81001000'), before);
    const past = timeline.stateAt(3, live);
    expect(past.ok).toBe(false);
    expect(!past.ok && past.error).toMatch(
      /the replay diverged at event 1: it emitted .*0x81001000.* where the ledger has .*0x81000000/,
    );
  });

  it('refuses positions before a start loaded with no recipe, and outside the ledger', () => {
    const live = createLabMachine();
    openTerminals(live).execute('delegate 0x81000000');
    const timeline = runTimeline({ kind: 'loaded' }, live.ledger.length, ['run r1']);
    const past = timeline.stateAt(1, live);
    expect(!past.ok && past.error).toMatch(/loaded state with no recipe/);
    const outside = timeline.stateAt(live.ledger.length + 1, live);
    expect(!outside.ok && outside.error).toMatch(/outside the ledger/);
  });
});
