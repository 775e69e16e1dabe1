// Undo takes back the command the learner typed last whenever it changed the machine, also
// when the change is only in what software outside the machine keeps in its state (the host
// VMM's bookkeeping: a packet `tenant send` queued on a realm's network device): such a
// command appends no ledger event, and undo used to skip it and take back the command before.
import { describe, expect, test } from 'vitest';
import { createHostShell } from '../../src/shell/index.ts';
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

  test('a command that changes nothing (help, mica status) is no undo step', () => {
    const lab = new LabMachine({ mode: 'mica' });
    const host = lab.undoable(createHostShell(lab.machine));
    host.execute('realm create gw --net');
    host.execute('help');
    host.execute('mica status');
    expect(lab.nextUndo).toBe('realm create gw --net');
  });
});
