// One run, one set of leaks (product.md "Every view ... reads from one emulator and its
// ledger"; mica-spec.md §1.3): for every shipped scenario file, the flows the run's judge calls
// leaks (workflows/run.ts), the flows the Pipeline view draws as leaks (pipeline-model.ts) and
// the flows behind the Data view's stolen findings (data-model.ts) are the same flows. Attack 10
// in the prototype once read "No leak" in the Data view while the judge named the next tenant
// that read the video's leftovers. The same holds for the built-in attacks of mica-spec §6 in
// every mode: their `leaks` count is the number of flows the two views call leaks. All of them
// read one rule, policy/judge.ts `runLeaks` (the Pipeline through `judgeFlow`'s `leakOf`).
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/workflows/scenario-file.ts';
import { runScenarioFile } from '../../src/workflows/run.ts';
import { ATTACKS, runAttack } from '../../src/workflows/attacks.ts';
import { buildDataModel } from '../../src/ui/data/data-model.ts';
import { buildPipeline } from '../../src/ui/pipeline/pipeline-model.ts';

const DIR = new URL('../../scenarios/', import.meta.url);
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

/** Distinct sequence numbers, ascending. */
function seqs(xs: Iterable<number>): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

describe('the judge, the Pipeline view and the Data view name the same leaks', () => {
  it('there are shipped files to check', () => {
    expect(FILES.length).toBeGreaterThan(50);
  });
  for (const file of FILES) {
    it(file, () => {
      const loaded = loadScenarioFile(readFileSync(new URL(file, DIR), 'utf8'));
      if (!loaded.ok) throw new Error(loaded.error.message);
      const r = runScenarioFile(loaded.scenario);
      const m = r.machine;
      // Register-held bytes (no flow: the RMM handed them to a load) are the judge's alone.
      const judged = seqs(
        r.leaks.filter((l) => l.seq !== Number.MAX_SAFE_INTEGER).map((l) => l.seq),
      );
      const data = seqs(
        buildDataModel(m, m.ledger)
          .host.filter((h) => h.kind === 'leak')
          .flatMap((h) => h.seqs),
      );
      expect(data).toEqual(judged);
      const drawn = seqs(
        buildPipeline(m.state, m.ledger)
          .flows.filter((f) => f.leak)
          .map((f) => f.seq),
      );
      expect(drawn).toEqual(judged);
    });
  }
});

describe('the built-in attacks, the Pipeline view and the Data view name the same leaks', () => {
  for (const mode of ['mica', 'mica-prototype', 'cca'] as const)
    it(`every attack of §6 (${mode})`, () => {
      for (const a of ATTACKS) {
        const r = runAttack(a.number, mode);
        const m = r.workflow.machine;
        const data = seqs(
          buildDataModel(m, m.ledger)
            .host.filter((h) => h.kind === 'leak')
            .flatMap((h) => h.seqs),
        );
        const drawn = seqs(
          buildPipeline(m.state, m.ledger)
            .flows.filter((f) => f.leak)
            .map((f) => f.seq),
        );
        expect(drawn, `attack ${a.number}`).toEqual(data);
        expect(r.leaks, `attack ${a.number}`).toBe(data.length);
      }
    });
});
