/**
 * Judged runs (issue 13 "Attacks as challenges"; lab-ux.md §3.1 judged runs): what a learner's
 * run of a challenge or fix-it lesson came to, decided by the machine and written into the
 * progress file a student hands in. A run is the lesson's setup on a fresh machine followed by
 * the learner's steps (the emulator is deterministic, so replaying the steps is the run); its
 * verdict is read from the ledger since the setup by the provenance judge (mica-spec.md §1.3,
 * src/policy/judge.ts) and from the tenant's verifier on the group tokens the host kept (§4.5):
 *
 * - `leaked`: labelled bytes reached a host-visible place (the first such flow: who, where),
 *   other than through a sanitiser the tenant declared and the gateway it declared (by RIM);
 * - `rejected`: the tenant's verifier rejects a group token the host kept (the failed check);
 * - `blocked`: the machine refused a flow (the clause of the refusal that decided, by the rule
 *   the run report uses too, policy/judge.ts `decidingRefusal`: the first refusal that stopped
 *   an attack, else the first other refusal, the monitor's CLEAN last);
 * - `no-leak`: none of these: whatever ran stayed where the policies allow.
 *
 * Design rationale: the verdict is recomputed from the machine, never taken from what the
 * learner typed or what a script reported, so a hand-in cannot claim a run that did not happen:
 * the page records the run it just judged on its own machine with the steps that made it (from
 * the lesson's start), and `recheckRun` replays those steps on a fresh machine to check such a
 * record (`mica-lab lesson runs <file>`; tests/lessons/judged-runs.test.ts shows both agree,
 * and that a run edited to claim another verdict does not); the page does the same for every
 * run of a progress file it opens. The record's shape lives in save.ts (the file format); this
 * module is loaded only when a run is judged, so the page's first screen does not carry the
 * judge.
 */
import { isHostVisible, type LedgerEventOf } from '../emulator/index.ts';
import {
  bringsLabelledBytesIn,
  declaredPassage,
  judgeFlow,
  realmNamer,
  decidingRefusal,
  shortRule,
  type NameOf,
} from '../policy/index.ts';
import { tenantVerdicts, failedChecks } from './fixtures/video-pipeline.ts';
import { eventsOf } from './ledger-queries.ts';
import { playSteps, startLesson } from './runner.ts';
import type { JudgedRun } from './save.ts';
import type { GoalView, Lesson } from './schema.ts';

/** The verdict part of a judged run. */
export type RunJudgement = Pick<JudgedRun, 'stage' | 'verdict' | 'by' | 'detail'>;

/** Judges the run whose events since its start are `view.ledger` (see the file header). */
export function judgeView(view: GoalView): RunJudgement {
  const state = view.machine.state;
  const nameOf = realmNamer(state);
  const flows = eventsOf(view.ledger, 'flow');
  // The allowed way out (§4.5 step 6): bytes marked by a sanitiser the tenant declared to the
  // machine, handed out by the realm it declared its gateway (both by measurement, never by the
  // name the host gave a realm).
  const passage = declaredPassage(state);
  const judged = flows.map((e) => ({ e, j: judgeFlow(e, nameOf, passage) }));
  const leak = judged.find(({ j }) => j.outcome === 'leak');
  if (leak)
    return {
      stage: leak.j.actor,
      verdict: 'leaked',
      by: `${leak.e.channel} → ${nameOf(leak.e.destination.name)}`,
      detail: leak.j.text,
    };
  // The rule of the run report too (policy/judge.ts `decidingRefusal`): the first refusal that
  // stopped an attack, else the first other refusal once the tenant's data moves, CLEAN last.
  const deciding = decidingRefusal(flows);
  const stopped = deciding && judged.find(({ e }) => e === deciding.event);
  // Without a declared member the tenant named no realms, and the verdict could not consider
  // which realms its data reached (mica-spec §1.3 "any realm not named"): say so.
  const unjudged =
    passage.members === undefined
      ? receivers(
          judged.map(({ e }) => e),
          nameOf,
        )
      : [];
  const caveat =
    unjudged.length > 0
      ? `; the tenant declared no realms, so the realms its data reached (${unjudged.join(', ')}) were not judged against a list (mica-spec §1.3)`
      : '';
  const block = stopped && {
    stage: stopped.j.actor,
    verdict: 'blocked' as const,
    by: shortRule(stopped.j.clause),
    detail: stopped.j.text + caveat,
  };
  // A refusal that stopped an attack (labelled bytes, a realm refused into the group) outranks
  // the tenant's verifier; its rejection of a group token the host kept (with the expectations
  // the machine holds: policy/group/declared.ts, else the lab's) outranks any other refusal.
  // The order of workflows/run.ts (policy/judge.ts `decidingRefusal`).
  if (block && deciding.stopsAnAttack) return block;
  const rejected = tenantVerdicts(view.machine).find((v) => v.verdict.kind === 'rejected');
  if (rejected)
    return {
      stage: 'group token',
      verdict: 'rejected',
      by: failedChecks(rejected.verdict).join(', '),
      detail: `${rejected.verdict.verdict.text}: ${rejected.verdict.reason}`,
    };
  if (block) return block;
  // Refusals before the run's first labelled flow (`decidingRefusal` does not count them).
  const early = judged.filter(({ j }) => j.outcome === 'blocked').length;
  const sanitised = judged.filter(
    ({ e, j }) => j.outcome === 'allowed' && e.labels.length > 0 && isHostVisible(e.destination),
  ).length;
  return {
    stage: '-',
    verdict: 'no-leak',
    by: '',
    detail:
      (sanitised > 0
        ? `the judge finds no leak: labelled bytes left only through ${passage.sanitisers.join(', ')} (sanitised) and ${Object.values(passage.gateways).join(', ')} (${sanitised} flow(s))`
        : early > 0
          ? `no flow was refused once the tenant's data moved (${early} refusal(s) before it, a stage's own set-up, do not count) and the judge finds no leak`
          : 'no flow was refused and the judge finds no leak') + caveat,
  };
}

/** The realms labelled bytes were allowed into (the declared source's arrival aside), by name. */
function receivers(flows: readonly LedgerEventOf<'flow'>[], nameOf: NameOf): string[] {
  const names: string[] = [];
  for (const e of flows) {
    if (!bringsLabelledBytesIn(e)) continue;
    const name = nameOf(e.destination.name);
    if (!names.includes(name)) names.push(name);
  }
  return names;
}

/** The run of `lesson` from its setup on a fresh machine with the learner's `steps`. */
function replay(lesson: Lesson, steps: readonly string[]): GoalView {
  const session = startLesson(lesson);
  playSteps(session.terminals, steps);
  const ledger = session.machine.ledger.filter((e) => e.seq > session.startSeq);
  return { machine: session.machine, ledger };
}

/**
 * Judges `lesson` run from its setup on a fresh machine with the learner's `steps`
 * (`@<realm> <line>` for a realm terminal), as of `now`; the run keeps its steps.
 */
export function judgeAttempt(
  lesson: Lesson,
  steps: readonly string[],
  now = new Date().toISOString(),
): JudgedRun {
  return {
    lesson: lesson.id,
    ...judgeView(replay(lesson, steps)),
    judgedAt: now,
    steps: [...steps],
  };
}

/** Every refusal of the run in `view`, as a judged run names one: who acted, which clause. */
function refusalsOf(view: GoalView): Pick<JudgedRun, 'stage' | 'by'>[] {
  const nameOf = realmNamer(view.machine.state);
  const passage = declaredPassage(view.machine.state);
  return eventsOf(view.ledger, 'flow')
    .filter((e) => e.decision.verdict === 'blocked')
    .map((e) => {
      const j = judgeFlow(e, nameOf, passage);
      return { stage: j.actor, by: shortRule(j.clause) };
    });
}

/** What judging a recorded run again came to ({@link recheckRun}). */
export type Recheck =
  | { readonly kind: 'agrees'; readonly run: JudgedRun }
  | {
      /**
       * The machine reaches the recorded verdict (blocked) and still makes the recorded
       * refusal (the same stage and clause), but names another refusal as the one that
       * decided: the file was judged by an earlier rule of this lab (before the first refusal
       * that stopped an attack decided, policy/judge.ts `decidingRefusal`). The run agrees.
       */
      readonly kind: 'renamed';
      readonly run: JudgedRun;
      readonly machine: RunJudgement;
    }
  | { readonly kind: 'differs'; readonly run: JudgedRun; readonly machine: RunJudgement }
  | { readonly kind: 'unchecked'; readonly run: JudgedRun; readonly reason: string };

/**
 * Judges a run from a progress file again: its lesson's setup on a fresh machine, then its
 * steps (the emulator is deterministic, so that is the run). It agrees when the machine reaches
 * the recorded verdict, stage and deciding clause or path; it is `renamed` when the verdict is
 * the same block and the recorded refusal is still one the machine makes, but another refusal
 * decides now (a file saved before the deciding refusal was the first that stopped an attack:
 * the run is the same, only the clause it is named by changed); a run without steps, or of a
 * lesson this lab does not have, cannot be checked and says why. The detail sentence is not
 * compared (its words may change between versions of the lab; what it states is in the other
 * fields). The recorded run itself is never changed.
 */
export function recheckRun(run: JudgedRun, lesson: Lesson | undefined): Recheck {
  if (!lesson) return { kind: 'unchecked', run, reason: `this lab has no lesson "${run.lesson}"` };
  if (!run.steps)
    return {
      kind: 'unchecked',
      run,
      reason:
        'the run keeps no steps (it went on from a saved machine, or the file predates steps)',
    };
  const view = replay(lesson, run.steps);
  const again = judgeView(view);
  const same = again.verdict === run.verdict && again.stage === run.stage && again.by === run.by;
  if (same) return { kind: 'agrees', run };
  const machine = {
    stage: again.stage,
    verdict: again.verdict,
    by: again.by,
    detail: again.detail,
  };
  const stillRefused =
    run.verdict === 'blocked' &&
    again.verdict === 'blocked' &&
    refusalsOf(view).some((r) => r.stage === run.stage && r.by === run.by);
  return { kind: stillRefused ? 'renamed' : 'differs', run, machine };
}

/** True when a re-checked run agrees with the machine (`agrees`, or `renamed`: same verdict). */
export function rechecked(r: Recheck): boolean {
  return r.kind === 'agrees' || r.kind === 'renamed';
}

/**
 * One line about re-checked run `i` of a progress file (`✓`, `≈`, `✗` or `?`, the run, what
 * the file says and what the machine says), as `mica-lab lesson runs` prints it and the page
 * shows it.
 */
export function describeRecheck(r: Recheck, i: number): string {
  const { run } = r;
  const said = `${run.verdict}${run.by ? ` by ${run.by}` : ''} (${run.stage})`;
  const head = `[${i}] ${run.lesson} ${run.judgedAt}: the file says ${said}`;
  if (r.kind === 'agrees')
    return `✓ ${head}; the machine agrees (${run.steps?.length ?? 0} step(s) replayed)`;
  if (r.kind === 'renamed') {
    const m = r.machine;
    return `≈ ${head}; the machine agrees it was blocked and still refuses ${run.by} (${run.stage}), but this lab now names ${m.by} (${m.stage}) as the refusal that decided: the first refusal that stopped the attack, where the file was judged by an earlier rule (the file is kept as it is)`;
  }
  if (r.kind === 'differs') {
    const m = r.machine;
    return `✗ ${head}; the machine says ${m.verdict}${m.by ? ` by ${m.by}` : ''} (${m.stage}): ${m.detail}`;
  }
  return `? ${head}; not checked: ${r.reason}`;
}
