// The free sandbox (issue 13 "A free sandbox with every scenario available"): its start offers
// every shipped scenario file through the loader the Pipeline view's Scenario menu uses, and
// its one goal, "explore", is done exactly when the machine has judged a run: for every shipped
// file, run on a fresh machine and put into the sandbox as the page's Run does, the goal is done
// and names the verdict the file's own run report reached, and the lesson's judge names the
// same deciding clause as the report (one rule for both, "all views show one verdict") (FILE_ONLY lists the runs whose
// verdict the file's host model keeps outside the machine: the group token); an empty
// machine, or realms built with no tenant data moving, leave it open.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startLesson, type Lesson } from '../../src/lessons/index.ts';
import { findLesson } from '../../src/lessons/loaded.ts';
import { judgeView } from '../../src/lessons/judged-run.ts';
import { REFUSED_FILES, SCENARIO_MENU } from '../../src/ui/pipeline/scenario-files.ts';
import { runScenarioFile } from '../../src/workflows/run.ts';

const SANDBOX = findLesson('08-sandbox/01-every-scenario') as Lesson;

const SHIPPED = readdirSync(new URL('../../scenarios/', import.meta.url))
  .filter((n) => n.endsWith('.json'))
  .map((n) => n.replace(/\.json$/, ''))
  .sort();

/** The report's outcome in the progress file's verdict words. */
const VERDICT = { leak: 'leaked', blocked: 'blocked', rejected: 'rejected', 'no-leak': 'no-leak' };

/**
 * Runs whose report would decide from what the file tells its own judge and verifier and the
 * machine does not hold, with what the machine's judge says instead (checked, so a change
 * shows). None is left: the tenant declares its realms by RIM, with what its group verifier
 * expects of each (RPV, policy) and where its path search starts (`state.tenant`), and the
 * host keeps every group token it hands the verifier (`state.host.groupTokens`), so attacks 13
 * (a substitute), 17 (a lying blob) and 19 (a hidden member) are judged from the restored
 * machine alone, in the order both judges use (leak, a refusal that stopped an attack, the
 * verifier's rejection, any other refusal, no leak).
 */
const FILE_ONLY: Readonly<Record<string, { done: boolean; verdict?: string }>> = {};

describe('the sandbox lesson', () => {
  it('is the last lesson of the course, a sandbox, with one explore goal', () => {
    expect(SANDBOX.sandbox).toBe(true);
    expect(SANDBOX.goals.map((g) => g.id)).toEqual(['explore']);
  });

  it('offers every shipped scenario file: the menu’s loader takes all of them', () => {
    expect(REFUSED_FILES).toEqual([]);
    const offered = SCENARIO_MENU.flatMap((g) => g.files.map((f) => f.id)).sort();
    expect(offered).toEqual(SHIPPED);
  });

  // All views show one verdict: both judges choose the deciding refusal by one rule
  // (policy/judge.ts `decidingRefusal`), so the lesson names the clause the report names.
  it.each(SCENARIO_MENU.flatMap((g) => g.files.map((f) => [f.id, f] as const)))(
    '%s run as the page runs it: explore is done with the run report’s verdict and deciding clause',
    (_id, file) => {
      const report = runScenarioFile(file);
      const session = startLesson(SANDBOX);
      expect(session.check()[0]?.done).toBe(false);
      const restored = session.machine.restore(report.machine.snapshot());
      expect(restored.ok).toBe(true);
      const [explore] = session.check();
      const known = FILE_ONLY[file.id];
      expect(explore?.done).toBe(known?.done ?? true);
      if (!explore?.done) return;
      const ledger = session.machine.ledger.filter((e) => e.seq > session.startSeq);
      const judged = judgeView({ machine: session.machine, ledger });
      expect(judged.verdict).toBe(known?.verdict ?? VERDICT[report.outcome.outcome]);
      if (known) return;
      // The clause of the refusal that decided (attack 1 in Mica: `is-gateway`, not the CF3
      // refusal of the exit the removed mapping caused), or the verifier's first failed check.
      const { outcome, clause, check } = report.outcome;
      if (outcome === 'blocked') expect(judged.by).toBe(clause);
      if (outcome === 'rejected') expect(judged.by.split(', ')[0]).toBe(check);
      expect(explore.detail).toContain('judged: ');
    },
  );

  it('realms built with no tenant data moving are not a judged run', () => {
    const session = startLesson(SANDBOX);
    for (const line of ['realm create gateway --net', 'realm create encoder'])
      session.terminals.execute(line);
    session.terminals.execute('mica share Mem1 gateway:0 encoder:0');
    session.terminals.execute('@gateway policy upload video-moderation');
    expect(session.check()[0]).toMatchObject({ done: false });
  });
});
