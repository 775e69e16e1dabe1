// P3 at scale (issue 10 item 4 and its P3 target): with 100k ledger events built by typed
// lines as the page types them (an undo checkpoint before each, the line recorded on the
// time-travel timeline), the cost a typed command pays beyond its own work, an undo, and a
// jump to a random ledger position (src/emulator/timeline.ts). Floors, measured in this run:
// the command's own work (the same lines with nothing around them) for the command, and one
// copy of the machine's state (what any rebuilt state costs at least) for undo and the jump.
import { lineStep, openTerminals, runTimeline } from '../src/lessons/index.ts';
import { createLabMachine } from '../src/shell/index.ts';
import type { Benchmark } from './index.ts';

const EVENTS = 100_000;
const SAMPLES = 200;
const DRAM_TOP = 0x8100_0000;
const GRANULE = 0x1000;
const TARGET_MS = 16;

/** The p-th percentile (0..1) of `xs`, in place. */
function percentile(xs: number[], p: number): number {
  xs.sort((a, b) => a - b);
  return xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
}

const ms = (x: number) => `${x.toFixed(2)} ms`;

export const TIMELINE_BENCHMARK: Benchmark = {
  name: `P3: typed command, undo and time travel at ${EVENTS / 1000}k ledger events`,
  run(print) {
    const live = createLabMachine();
    const timeline = runTimeline(
      { kind: 'fresh', mode: live.state.config.mode, gaps: live.state.config.gaps },
      live.ledger.length,
    );
    const terminals = openTerminals(live);
    let i = 0;
    const nextLine = () => {
      const pa = DRAM_TOP + (i % 128) * GRANULE;
      const line = `${i % 2 ? 'undelegate' : 'delegate'} 0x${pa.toString(16)}`;
      i++;
      return line;
    };
    /**
     * The page's path for one line: undo point, the line, the timeline record. While the run
     * is being built (`page` false) the undo point is taken only when the timeline keeps it.
     */
    const typed = (line: string, page = true) => {
      const at = live.ledger.length;
      const mark = timeline.length;
      const t0 = performance.now();
      const before = page || timeline.wantsCheckpoint(at) ? live.checkpoint() : undefined;
      const t1 = performance.now();
      terminals.execute(line);
      const t2 = performance.now();
      timeline.record(at, lineStep(line), before);
      const t3 = performance.now();
      return { before, mark, own: t2 - t1, around: t1 - t0 + (t3 - t2) };
    };
    for (const line of ['realm create alpha --net', 'realm create beta', 'run alpha']) typed(line);
    const build = performance.now();
    while (live.ledger.length < EVENTS) typed(nextLine(), false);
    print(
      `built ${live.ledger.length} events from ${timeline.length} typed lines in ${ms(performance.now() - build)}; ${timeline.checkpoints} checkpoints kept`,
    );

    // A typed command: what the page adds (undo checkpoint, timeline record) vs its own work.
    const own: number[] = [];
    const around: number[] = [];
    for (let k = 0; k < SAMPLES; k++) {
      const t = typed(nextLine());
      own.push(t.own);
      around.push(t.around);
    }
    const ownP95 = percentile(own, 0.95);
    print(
      `P3 typed command at 100k events: p95 ${ms(percentile(around, 0.95))} (p50 ${ms(percentile(around, 0.5))}) beyond the command's own work (floor: the command itself, p95 ${ms(ownP95)}) (target ${TARGET_MS} ms)`,
    );

    // The floor of undo and jump: one copy of the machine's state without its ledger.
    const copies: number[] = [];
    for (let k = 0; k < 20; k++) {
      const t = performance.now();
      const { ledger: _ledger, ...rest } = live.state;
      structuredClone(rest);
      copies.push(performance.now() - t);
    }
    const floor = percentile(copies, 0.5);

    // Undo: rewind to the checkpoint taken before the line, cut the timeline there.
    const undos: number[] = [];
    for (let k = 0; k < SAMPLES; k++) {
      const t = typed(nextLine());
      const t0 = performance.now();
      live.rewind(t.before!);
      timeline.truncate(t.mark);
      undos.push(performance.now() - t0);
    }
    print(
      `P3 undo at 100k events: p95 ${ms(percentile(undos, 0.95))} (p50 ${ms(percentile(undos, 0.5))}) (floor: one copy of the state, ${ms(floor)}) (target ${TARGET_MS} ms)`,
    );

    // Jump: the machine as of a random ledger position, rebuilt from a checkpoint plus replay.
    const jumps: number[] = [];
    let seed = 12345;
    for (let k = 0; k < SAMPLES; k++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const n = seed % live.ledger.length;
      const t0 = performance.now();
      const past = timeline.stateAt(n, live);
      jumps.push(performance.now() - t0);
      if (!past.ok) throw new Error(`jump to ${n}: ${past.error}`);
    }
    print(
      `P3 jump to ledger position at 100k events: p95 ${ms(percentile(jumps, 0.95))} (p50 ${ms(percentile(jumps, 0.5))}) (floor: one copy of the state, ${ms(floor)}) (target ${TARGET_MS} ms)`,
    );
  },
};
