// Undo takes back the command the learner typed last whenever it changed the machine, also
// when the change is only in what software outside the machine keeps in its state (the host
// VMM's bookkeeping: a packet `tenant send` queued on a realm's network device): such a
// command appends no ledger event, and undo used to skip it and take back the command before.
// A lesson resumed after a reload replays the learner's commands as undo steps: a reload
// used to leave Undo with nothing to take back.
import { describe, expect, test } from 'vitest';
import { findLesson } from '../../src/lessons/loaded.ts';
import { createHostShell, createRealmShell } from '../../src/shell/index.ts';
import { lessonOf } from '../../src/ui/lesson/lesson-state.svelte.ts';
import { LabMachine } from '../../src/ui/state/machine.svelte.ts';

describe('undo takes back every command that changed the machine', () => {
  test('a tenant send (host bookkeeping, no ledger event) is its own undo step', () => {
    const lab = new LabMachine({ mode: 'mica' });
    const host = lab.undoable(createHostShell(lab.machine));
    host.execute('realm create gw --net');
    const seq = lab.machine.state.ledger.nextSeq;
    host.execute('tenant send gw "frame 0001"');
    expect(lab.machine.state.ledger.nextSeq).toBe(seq);
    expect(lab.nextUndo).toBe('tenant send gw "frame 0001"');
    expect(lab.undo()).toBe(true);
    // The realm the learner built is still there; only the queued packet went.
    expect(lab.machine.state.host?.realms.gw).toBeDefined();
    expect(lab.nextUndo).toBe('realm create gw --net');
  });

  test('a realm terminal’s command is named with its realm: undo says which terminal it takes back', () => {
    const lab = new LabMachine({ mode: 'mica' });
    const host = lab.undoable(createHostShell(lab.machine));
    host.execute('realm create gw');
    const gw = lab.undoable(createRealmShell(lab.machine, 'gw'), 'gw');
    gw.execute('mem write 0x1000 "A"');
    expect(lab.nextUndo).toBe('@gw mem write 0x1000 "A"');
  });

  test('a command that changes nothing (help, mica status) is no undo step', () => {
    const lab = new LabMachine({ mode: 'mica' });
    const host = lab.undoable(createHostShell(lab.machine));
    host.execute('realm create gw --net');
    host.execute('help');
    host.execute('mica status');
    expect(lab.nextUndo).toBe('realm create gw --net');
  });

  test('a lesson resumed after a reload replays the learner’s commands as undo steps', () => {
    const lab = new LabMachine({ mode: 'mica' });
    const course = lessonOf(lab);
    const steps = ['tenant send gateway "frame 0001"', '@gateway net recv 0x1000', 'help'];
    course.start(findLesson('06-fix-it/01-too-open')!, { steps, undoable: true });
    expect(lab.steps).toEqual(steps);
    expect(lab.undoStack.map((e) => e.label)).toEqual(steps.slice(0, 2));
    const received = JSON.stringify(lab.machine.state.host);
    expect(lab.undo()).toBe(true);
    expect(JSON.stringify(lab.machine.state.host)).not.toBe(received);
    expect(lab.steps).toEqual(steps.slice(0, 1));
    expect(lab.nextUndo).toBe(steps[0]);
    // An opened link's steps stay its start: its opener undoes the link as one.
    const other = new LabMachine({ mode: 'mica' });
    lessonOf(other).start(findLesson('06-fix-it/01-too-open')!, { steps });
    expect(other.undoStack).toEqual([]);
    expect(other.steps).toEqual(steps);
  });

  test('a lesson reset says so in the terminals, as Reset and Undo do', () => {
    const lab = new LabMachine({ mode: 'cca' });
    const printed: string[] = [];
    lab.onNotice((lines) => printed.push(...lines.map((l) => l.text)));
    const course = lessonOf(lab);
    course.start(findLesson('01-worlds/03-wiping')!);
    const host = lab.undoable(createHostShell(lab.machine));
    host.execute('write 0x80020000 "my secret"');
    printed.length = 0;
    course.reset();
    expect(printed).toEqual([
      'reset lesson: "Why wiping matters: what is left after a round trip" is back at its start state (undo brings your work back)',
    ]);
    expect(lab.undo()).toBe(true);
    expect(printed.at(-1)).toBe('undo: back to the state before "lesson reset"');
  });

  test('starting another lesson leaves no undo step that cannot be taken back', () => {
    const lab = new LabMachine({ mode: 'cca' });
    const course = lessonOf(lab);
    course.start(findLesson('01-worlds/03-wiping')!);
    const host = lab.undoable(createHostShell(lab.machine));
    host.execute('write 0x80020000 "x"');
    expect(lab.nextUndo).toBe('write 0x80020000 "x"');
    // Next lesson: the machine's state is replaced; Undo offered the write and then said
    // "cannot take back ...: the ledger was replaced since this undo point was taken".
    course.start(findLesson('01-worlds/04-failure-conditions')!);
    expect(lab.nextUndo).toBeUndefined();
    expect(lab.undo()).toBe(false);
  });
});
