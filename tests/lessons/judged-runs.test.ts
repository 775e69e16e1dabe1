// Judged runs in the progress file (issue 13: "a progress file a student can hand in lists
// solved lessons and judged runs"): each challenge or fix-it run is judged by the machine
// (leaked / blocked by a clause / the verifier rejects / no leak), replaying the learner's steps
// on a fresh machine gives the verdict the live session gives, a wrong route is judged as what
// it was, and the save file keeps the runs through a round trip and refuses a bad one by path.
import { describe, expect, it } from 'vitest';
import {
  describeRecheck,
  judgeAttempt,
  judgeView,
  recheckRun,
} from '../../src/lessons/judged-run.ts';
import {
  JUDGED_PARTS,
  emptySave,
  parseSave,
  playSteps,
  serializeSave,
  startLesson,
  withJudgedRun,
  type JudgedRun,
  type Lesson,
} from '../../src/lessons/index.ts';
import { LESSONS, findLesson } from '../../src/lessons/loaded.ts';
import { rebuildLines, VIDEO_LINES, IN_BAR0 } from '../../src/lessons/fixtures/policy-pipeline.ts';

const NOW = '2026-12-05T03:00:00.000Z';

function lesson(id: string): Lesson {
  const found = findLesson(id);
  if (!found) throw new Error(`no lesson ${id}`);
  return found;
}

const short = (r: JudgedRun) => `${r.stage} ${r.verdict} ${r.by}`;

describe('a judged run is the machine’s verdict on the run', () => {
  it('every challenge and fix-it solution is judged, and what decided is named', () => {
    const judged = LESSONS.filter((l) => JUDGED_PARTS.includes(l.part)).map((l) => [
      l.id,
      short(judgeAttempt(l, l.solution, NOW)),
    ]);
    expect(Object.fromEntries(judged)).toEqual({
      '05-attacks/01-late-join': '- no-leak ',
      '05-attacks/02-copy-to-host': 'encoder blocked CF3',
      // The refused RSI_IPA_STATE_SET (§6 row 2: CF BLOCK on SMC class 0x17) decides; the
      // write through the alias that was never shared, refused by CF3 after it, does not.
      '05-attacks/03-private-to-shared': 'encoder blocked CF1',
      '05-attacks/04-host-call': 'encoder blocked CF1',
      '05-attacks/05-host-in-the-middle': 'encoder blocked Mem1.mappings.VM2',
      '05-attacks/06-leftovers': 'Mica monitor blocked CLEAN',
      '05-attacks/07-substitution': 'impostor leaked mmio → exit.gprs[0] (emulated MMIO write)',
      '05-attacks/08-gap-caught': 'spy leaked mmio → exit.gprs[0] (emulated MMIO write)',
      '05-attacks/09-gap-uncaught': 'storage leaked mmio → exit.gprs[0] (emulated MMIO write)',
      '06-fix-it/01-too-open': 'encoder blocked CF3',
      '06-fix-it/02-any-window': '- no-leak ',
      '06-fix-it/03-exception-rule': 'encoder blocked CF3',
      '06-fix-it/04-bypass': 'encoder blocked CF3',
    });
  });

  it('a wrong route is judged as what it was: the fix-it draft redeployed leaks again', () => {
    const run = judgeAttempt(
      lesson('06-fix-it/03-exception-rule'),
      [
        ...rebuildLines('encoder'),
        '@encoder policy upload fix-no-exception',
        ...VIDEO_LINES,
        `@encoder console @${IN_BAR0} 8`,
      ],
      NOW,
    );
    expect(run).toMatchObject({
      lesson: '06-fix-it/03-exception-rule',
      stage: 'encoder',
      verdict: 'leaked',
      judgedAt: NOW,
    });
    expect(run.detail).toMatch(/LEAK: encoder handed video to the host/);
  });

  it('the verifier’s rejection is the verdict when nothing leaked or was stopped', () => {
    const l = lesson('05-attacks/07-substitution');
    // The substitute joins and a token is taken, but the frame is never touched.
    const steps = l.solution.filter((s) => !/console|copy|mem read/.test(s));
    const run = judgeAttempt(l, steps, NOW);
    expect(run.verdict).toBe('rejected');
    expect(run.by).toContain('group-rim');
  });

  it('the page’s judgement of its live session equals the replay on a fresh machine', () => {
    const l = lesson('05-attacks/02-copy-to-host');
    const session = startLesson(l);
    playSteps(session.terminals, l.solution);
    const live = judgeView({
      machine: session.machine,
      ledger: session.machine.ledger.filter((e) => e.seq > session.startSeq),
    });
    const { judgedAt: _at, lesson: _id, steps, ...replayed } = judgeAttempt(l, l.solution, NOW);
    expect(steps).toEqual(l.solution);
    expect(live).toEqual(replayed);
  });
});

describe('the progress file lists judged runs', () => {
  const run: JudgedRun = {
    lesson: '05-attacks/02-copy-to-host',
    stage: 'encoder',
    verdict: 'blocked',
    by: 'CF3',
    detail:
      'encoder tried to hand data to the host (MMIO exit registers): blocked by its policy, rule CF3',
    judgedAt: NOW,
  };

  it('a run appended to the save survives the file round trip', () => {
    const save = withJudgedRun(withJudgedRun(emptySave(NOW), run), { ...run, verdict: 'leaked' });
    const parsed = parseSave(serializeSave(save));
    expect(parsed.ok && parsed.value.save.judgedRuns).toEqual(save.judgedRuns);
    expect(parsed.ok && parsed.value.warnings).toEqual([]);
  });

  it('a file without judged runs (written before they existed) still reads, with none', () => {
    const parsed = parseSave(serializeSave(emptySave(NOW)));
    expect(parsed.ok && parsed.value.save.judgedRuns).toBeUndefined();
  });

  it('a bad run is refused with its path; a run of an unknown lesson is kept with a warning', () => {
    const withBad = (bad: Record<string, unknown>) =>
      parseSave(JSON.stringify({ ...emptySave(NOW), judgedRuns: [run, { ...run, ...bad }] }));
    const verdict = withBad({ verdict: 'escaped' });
    expect(!verdict.ok && verdict.error).toMatch(
      /^"judgedRuns\[1\]\.verdict" is string "escaped"; expected "leaked"/,
    );
    const when = withBad({ judgedAt: 'yesterday' });
    expect(!when.ok && when.error).toMatch(/^"judgedRuns\[1\]\.judgedAt"/);
    const list = parseSave(JSON.stringify({ ...emptySave(NOW), judgedRuns: {} }));
    expect(!list.ok && list.error).toMatch(/"judgedRuns" is .*expected a list/);
    const steps = withBad({ steps: ['ok', 7] });
    expect(!steps.ok && steps.error).toMatch(
      /^"judgedRuns\[1\]\.steps\[1\]" is number 7, expected a string/,
    );
    const unknown = withBad({ lesson: '09-later/01-unknown' });
    expect(unknown.ok && unknown.value.warnings).toEqual([
      'a judged run of "09-later/01-unknown", a lesson this lab does not have, was kept',
    ]);
  });
});

describe('a run in a progress file is judged again from its steps', () => {
  const challenge = lesson('05-attacks/04-host-call');

  it('a run the page recorded with its steps agrees with a fresh machine', async () => {
    const session = startLesson(challenge);
    playSteps(session.terminals, challenge.solution);
    const ledger = session.machine.ledger.filter((e) => e.seq > session.startSeq);
    const live: JudgedRun = {
      lesson: challenge.id,
      ...judgeView({ machine: session.machine, ledger }),
      judgedAt: NOW,
      steps: [...challenge.solution],
    };
    expect(recheckRun(live, challenge)).toEqual({ kind: 'agrees', run: live });
  });

  it('a run edited to claim another verdict differs, with what the machine says', () => {
    const honest = judgeAttempt(challenge, challenge.solution, NOW);
    const forged = { ...honest, verdict: 'leaked' as const, by: 'ns-memory → NS memory' };
    const r = recheckRun(forged, challenge);
    expect(r.kind).toBe('differs');
    expect(r.kind === 'differs' && r.machine).toMatchObject({
      verdict: honest.verdict,
      by: honest.by,
      stage: honest.stage,
    });
    // The same claim with the steps of a run that did not happen: differs too.
    const noRun = { ...honest, steps: ['help'] };
    expect(recheckRun(noRun, challenge).kind).toBe('differs');
  });

  it('a file judged before the first stopping refusal decided still opens: same block, another clause named now, kept and said', () => {
    const l = lesson('05-attacks/03-private-to-shared');
    const current = judgeAttempt(l, l.solution, NOW);
    // What the lessons' judge recorded before (it named the last refusal): the CF3 refusal of
    // the write through the alias, after the refused RSI_IPA_STATE_SET that decides now.
    const before: JudgedRun = {
      ...current,
      by: 'CF3',
      detail:
        'encoder tried to hand data to the host (MMIO exit registers): blocked by its policy, rule CF3',
    };
    const parsed = parseSave(serializeSave(withJudgedRun(emptySave(NOW), before)));
    const kept = parsed.ok ? (parsed.value.save.judgedRuns ?? []) : [];
    expect(kept).toEqual([before]);
    const r = recheckRun(kept[0]!, l);
    expect(r.kind).toBe('renamed');
    expect(r.kind === 'renamed' && r.machine).toMatchObject({
      verdict: 'blocked',
      by: 'CF1',
      stage: 'encoder',
    });
    expect(describeRecheck(r, 0)).toMatch(
      /^≈ \[0\] .*the file says blocked by CF3 \(encoder\); the machine agrees it was blocked and still refuses CF3 \(encoder\), but this lab now names CF1 \(encoder\) as the refusal that decided.*the file is kept as it is/,
    );
    // A clause the machine never refused in the run is no earlier name for it: it differs.
    expect(recheckRun({ ...before, by: 'CF4' }, l).kind).toBe('differs');
    expect(recheckRun({ ...before, stage: 'moderator' }, l).kind).toBe('differs');
  });

  it('a run without steps, or of a lesson this lab lacks, is not checked and says why', () => {
    const { steps: _dropped, ...bare } = judgeAttempt(challenge, challenge.solution, NOW);
    const r = recheckRun(bare, challenge);
    expect(r.kind === 'unchecked' && r.reason).toMatch(/keeps no steps/);
    const other = recheckRun({ ...bare, lesson: '09-later/01-unknown' }, undefined);
    expect(other.kind === 'unchecked' && other.reason).toMatch(/no lesson "09-later\/01-unknown"/);
  });
});
