// The policy editor on a realm that already holds an accepted policy (upload:one-shot,
// mica-spec.md §3.3): it tells the learner a way that works. In a fix-it lesson the accepted
// file came with the lesson's start, which Undo and Reset lesson both keep, so the way is a
// redeploy; an upload the learner typed can also be undone.
import { describe, expect, it } from 'vitest';
import { findLesson } from '../../src/lessons/loaded.ts';
import { micaDecisions, realmNamer } from '../../src/policy/index.ts';
import { createRealmShell } from '../../src/shell/index.ts';
import { lessonOf } from '../../src/ui/lesson/lesson-state.svelte.ts';
import { oneShotAdvice, previewFor } from '../../src/ui/policy/editor-model.ts';
import { LabMachine } from '../../src/ui/state/machine.svelte.ts';
import { parsePolicy } from '../../src/policy/index.ts';

/** The editor's inputs for `realm`: its last accepted upload's ledger event. */
function acceptedSeq(lab: LabMachine, realm: string): number | undefined {
  const nameOf = realmNamer(lab.machine.state);
  return micaDecisions(lab.machine.ledger, 'allowed')
    .filter((d) => d.channel === 'policy-upload' && nameOf(d.source.name) === realm)
    .at(-1)?.seq;
}

const ANY_POLICY = parsePolicy(
  '{ "Self": "VM1", "VM1": { "hash": 0x0, "is-gateway": false, "strict": true } }',
);

describe('one upload per realm: the editor names a way that works', () => {
  it('an upload the lesson setup made is redeployed, not undone (06-fix-it/02)', () => {
    const lab = new LabMachine({ mode: 'mica' });
    const course = lessonOf(lab);
    course.start(findLesson('06-fix-it/02-any-window')!);
    expect(ANY_POLICY.ok).toBe(true);
    if (!ANY_POLICY.ok) return;
    expect(previewFor(lab.machine.state, 'encoder', ANY_POLICY.policy)?.kind).toBe(
      'already-uploaded',
    );
    const text = oneShotAdvice('encoder', acceptedSeq(lab, 'encoder'), course.startSeq);
    expect(text).toContain('realm destroy encoder, realm create encoder');
    expect(text).not.toContain('Undo (Alt+Z) back');
  });

  it('an upload the learner typed can be undone, or redeployed (06-fix-it/01)', () => {
    const lab = new LabMachine({ mode: 'mica' });
    const course = lessonOf(lab);
    const lesson = findLesson('06-fix-it/01-too-open')!;
    course.start(lesson);
    // The fixed encoder file, as the editor's Upload types it (the solution's first line).
    const upload = lesson.solution[0]!;
    expect(upload.startsWith('@encoder policy upload ')).toBe(true);
    lab
      .undoable(createRealmShell(lab.machine, 'encoder'), 'encoder')
      .execute(upload.slice('@encoder '.length));
    const seq = acceptedSeq(lab, 'encoder');
    expect(seq).toBeGreaterThan(course.startSeq);
    const text = oneShotAdvice('encoder', seq, course.startSeq);
    expect(text).toContain('Undo (Alt+Z) back to before that upload');
    expect(text).toContain('realm destroy encoder');
    // Outside a lesson every upload was typed, or came with a Run or a link Undo takes back.
    expect(oneShotAdvice('encoder', seq, undefined)).toContain('Undo (Alt+Z)');
  });
});
