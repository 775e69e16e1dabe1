// The page's side of short links (src/ui/persist/session.ts): the scenario on screen is a
// recipe (lesson, pipeline scenario, mode and gaps) plus the steps typed in every terminal;
// opening its link on another lab rebuilds the same machine, the same menu choice and the
// same Chain evidence. A pipeline Run over a hand-built machine is undoable by name.
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { decodeScenarioLink } from '../../src/lessons/index.ts';
import { findLesson } from '../../src/lessons/loaded.ts';
import { createHostShell, createRealmShell, type OutputLine } from '../../src/shell/index.ts';
import { lessonOf } from '../../src/ui/lesson/lesson-state.svelte.ts';
import { shortFragment } from '../../src/ui/persist/links.ts';
import { applyScenario, currentScenario } from '../../src/ui/persist/session.ts';
import { demoOf } from '../../src/ui/pipeline/demo.svelte.ts';
import { LabMachine } from '../../src/ui/state/machine.svelte.ts';

const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** Copies the link of `lab` and opens it on a fresh lab, as two browsers would. */
async function reopen(lab: LabMachine): Promise<{ link: string; other: LabMachine }> {
  const link = shortFragment(currentScenario(lessonOf(lab)));
  const decoded = decodeScenarioLink(link);
  if (!decoded.ok) throw new Error(decoded.error);
  const other = new LabMachine({ mode: 'mica' });
  await applyScenario(lessonOf(other), decoded.value, { undoLabel: 'open the scenario link' });
  return { link, other };
}

describe('a link from the page reproduces the run', () => {
  test('attack 19: same state, attack 19 in the menu, the group token in the Chain', async () => {
    const lab = new LabMachine({ mode: 'mica' });
    await demoOf(lab).run(19, 'mica');
    const { link, other } = await reopen(lab);
    expect(link.length).toBeLessThan(200);
    const demo = demoOf(other);
    expect(demo.choice).toBe(19);
    // The Mode menu is the machine's mode (no copy in the demo state).
    expect(other.machine.state.config.mode).toBe('mica');
    expect(demo.result?.verdict).toBeDefined();
    expect(demo.result).toEqual(demoOf(lab).result);
    expect(sha256(other.machine.snapshot().state)).toBe(sha256(lab.machine.snapshot().state));
    expect(lessonOf(other).scenarioTitle).toMatch(/^Attack 19: .* \(mica\)$/);
  });

  test('a lesson with host and realm steps: same lesson, same goals, same steps', async () => {
    const lesson = findLesson('02-realms/05-attest')!;
    const lab = new LabMachine({ mode: 'mica' });
    const course = lessonOf(lab);
    course.start(lesson);
    const host = lab.undoable(createHostShell(lab.machine));
    const realms = new Map<string, ReturnType<LabMachine['undoable']>>();
    for (const step of lesson.solution) {
      const m = /^@(\S+)\s+(.*)$/.exec(step);
      if (!m) host.execute(step);
      else {
        if (!realms.has(m[1]!)) {
          realms.set(m[1]!, lab.undoable(createRealmShell(lab.machine, m[1]!), m[1]!));
        }
        realms.get(m[1]!)!.execute(m[2]!);
      }
    }
    expect(lab.steps).toEqual(lesson.solution);
    expect(course.solved).toBe(true);
    const { link, other } = await reopen(lab);
    expect(link.length).toBeLessThan(2048);
    const again = lessonOf(other);
    expect(again.lesson?.id).toBe(lesson.id);
    expect(other.steps).toEqual(lesson.solution);
    expect(again.goals.map((g) => g.done)).toEqual(course.goals.map((g) => g.done));
  });

  test('a fresh prototype machine keeps its mode and typed steps', async () => {
    const lab = new LabMachine({ mode: 'mica-prototype' });
    lab.undoable(createHostShell(lab.machine)).execute('delegate 0x80000000');
    const { other } = await reopen(lab);
    expect(other.machine.state.config.mode).toBe('mica-prototype');
    expect(other.steps).toEqual(['delegate 0x80000000']);
    expect(sha256(other.machine.state.gpt)).toBe(sha256(lab.machine.state.gpt));
  });

  test('opening a link is undoable: the opener gets their machine back', async () => {
    const lab = new LabMachine({ mode: 'mica' });
    await demoOf(lab).run(19, 'mica');
    const { other } = await reopen(lab);
    expect(other.nextUndo).toBe('open the scenario link');
    other.undo();
    expect(demoOf(other).result).toBeUndefined();
    expect(other.origin).toEqual({ kind: 'fresh' });
  });
});

describe('Run on a hand-built machine', () => {
  test('says what it replaced and undo brings the machine back by name', async () => {
    const lab = new LabMachine({ mode: 'mica' });
    const printed: string[] = [];
    lab.onNotice((lines: readonly OutputLine[]) => printed.push(...lines.map((l) => l.text)));
    lab.undoable(createHostShell(lab.machine)).execute('delegate 0x80000000');
    const built = sha256(lab.machine.snapshot().state);
    await demoOf(lab).run(0, 'mica');
    const notice = lessonOf(lab).notices.find((n) => n.title === 'Your machine was replaced');
    expect(notice?.text).toContain(
      '“Run video pipeline” replaced the machine you built (1 command)',
    );
    expect(lab.nextUndo).toBe('Run video pipeline');
    expect(lab.undo()).toBe(true);
    expect(printed).toContain('undo: back to the state before "Run video pipeline"');
    expect(sha256(lab.machine.snapshot().state)).toBe(built);
    expect(lab.steps).toEqual(['delegate 0x80000000']);
    expect(demoOf(lab).result).toBeUndefined();
  });

  test('a run on an untouched machine replaces nothing worth a notice', async () => {
    const lab = new LabMachine({ mode: 'mica' });
    await demoOf(lab).run(0, 'mica');
    expect(lessonOf(lab).notices).toEqual([]);
    expect(lab.nextUndo).toBe('Run video pipeline');
  });
});

describe('replayed commands the shell refused are said, never passed over', () => {
  test('a link or progress file whose steps include a typo names it on the lab', async () => {
    const { makeScenario } = await import('../../src/lessons/index.ts');
    for (const scenario of [
      makeScenario({ mode: 'cca', lesson: '01-worlds/03-wiping', commands: ['gpt', 'frob'] }),
      makeScenario({ mode: 'mica', commands: ['gpt', 'delegate 0xzz', 'frob'] }),
    ]) {
      const lab = new LabMachine({ mode: 'mica' });
      const notices: string[] = [];
      lab.onNotice((lines) => notices.push(...lines.map((l) => l.text)));
      await applyScenario(lessonOf(lab), scenario, { undoLabel: 'open the scenario link' });
      const refused = scenario.commands.length - 1;
      expect(notices.join('\n')).toMatch(
        new RegExp(
          `replayed: ${refused} of ${scenario.commands.length} commands were refused by the shell`,
        ),
      );
    }
  });
});

describe('a link with only commands types them, after one undoable checkpoint', () => {
  test('a hundred and more typed commands never push the way back to the learner’s machine out of undo', async () => {
    const { makeScenario } = await import('../../src/lessons/index.ts');
    const lab = new LabMachine({ mode: 'mica' });
    const host = lab.undoable(createHostShell(lab.machine));
    host.execute('delegate 0x80000000');
    // 120 typed commands, each undoable: undo remembers 100 steps, and the link's own
    // checkpoint was the oldest but one, so it went first and the learner's machine was lost.
    const commands = Array.from(
      { length: 120 },
      (_, i) => `delegate 0x${(0x8010_0000 + i * 0x1000).toString(16)}`,
    );
    const typed: string[] = [];
    await applyScenario(lessonOf(lab), makeScenario({ mode: 'mica', commands }), {
      undoLabel: 'open the scenario link',
      typeSteps: (lines) => lines.forEach((line) => (typed.push(line), host.execute(line))),
    });
    expect(typed).toEqual(commands);
    expect(lab.steps).toEqual(commands);
    expect(lab.machine.gpiOf(0x8000_0000)).toBe('NS');
    let undone = 0;
    while (lab.nextUndo !== 'open the scenario link' && lab.undo()) undone++;
    expect(undone).toBeGreaterThan(0);
    expect(lab.undo()).toBe(true);
    expect(lab.machine.gpiOf(0x8000_0000)).toBe('REALM');
    expect(lab.machine.gpiOf(0x8010_0000)).toBe('NS');
    expect(lab.steps).toEqual(['delegate 0x80000000']);
  });
});
