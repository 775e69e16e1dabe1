// Undo points at scale (issue 10: "every typed command at 100k ledger events costs ~320 ms
// before the command itself"): the page takes an undo point before every command. A
// checkpoint copies the state without the append-only ledger; a snapshot copies everything.
// The floor is structuredClone of the same state without the ledger, done in this run.
import { abi } from '../src/emulator/index.ts';
import { createLabMachine } from '../src/shell/index.ts';
import type { Benchmark } from './index.ts';

const EVENTS = 100_000;
const DRAM = 0x8000_0000;
const GRANULE = 0x1000;
const REPEAT = 20;

/** Median of `REPEAT` timings of `fn`, in milliseconds. */
function median(fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(REPEAT / 2)]!;
}

export const UNDO_BENCHMARK: Benchmark = {
  name: `undo point at ${EVENTS / 1000}k ledger events`,
  run(print) {
    const m = createLabMachine({ mode: 'mica' });
    for (let i = 0; m.ledger.length < EVENTS; i++) {
      const pa = DRAM + (i % 64) * GRANULE;
      m.smc(abi.SMC_RMI_GRANULE_DELEGATE, pa);
      m.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, pa);
    }
    const floor = median(() => {
      const { ledger: _ledger, ...rest } = m.state;
      structuredClone(rest);
    });
    const checkpoint = median(() => m.checkpoint());
    const point = m.checkpoint();
    const rewind = median(() => m.rewind(point));
    const snapshot = median(() => m.snapshot());
    const ratio = (x: number) => `${(x / floor).toFixed(1)}x floor`;
    print(`floor (structuredClone of the state without ledger): ${floor.toFixed(3)} ms`);
    print(`checkpoint: ${checkpoint.toFixed(3)} ms (${ratio(checkpoint)})`);
    print(`rewind:     ${rewind.toFixed(3)} ms (${ratio(rewind)})`);
    print(`snapshot (the old undo point): ${snapshot.toFixed(1)} ms (${ratio(snapshot)})`);
  },
};
