// One way to build a machine (issue 9): the page keeps one machine and restores each
// lesson's start state into it. Whatever mode the page's machine was built in, every
// lesson's reference solution must run there exactly as on the lesson's own machine: no
// internal error, every goal done.
import { describe, expect, it } from 'vitest';
import { SMC_RMI_REALM_PD } from '../../src/policy/abi.ts';
import { createLabMachine } from '../../src/shell/index.ts';
import { checkGoals, openTerminals, prepareMachine } from '../../src/lessons/index.ts';
import { LESSONS } from '../../src/lessons/loaded.ts';
import type { MachineMode } from '../../src/emulator/index.ts';

const MODES: readonly MachineMode[] = ['cca', 'mica', 'mica-prototype'];

describe('a lesson restored into the page machine plays like on its own machine', () => {
  for (const built of MODES) {
    it.each(LESSONS.map((l) => [l.id, l] as const))(
      `page machine built in ${built} mode: %s`,
      (_id, lesson) => {
        const page = createLabMachine({ mode: built });
        const { machine, startSeq } = prepareMachine(lesson);
        expect(page.restore(machine.snapshot())).toEqual({ ok: true });
        expect(page.state.config.mode).toBe(lesson.mode);
        const terminals = openTerminals(page);
        const errors = lesson.solution.flatMap((step) =>
          terminals
            .execute(step)
            .output.filter((o) => /internal|bug/i.test(o.text))
            .map((o) => `${step}: ${o.text}`),
        );
        expect(errors).toEqual([]);
        const missing = checkGoals(lesson.goals, page, startSeq).filter((g) => !g.done);
        expect(missing.map((g) => `${g.id}: ${g.detail}`)).toEqual([]);
        expect(page.checkInvariants()).toEqual([]);
      },
    );
  }
});

describe('the monitor follows the restored mode', () => {
  it('is dormant on a CCA-only state: its FIDs answer SMCCC_NOT_SUPPORTED', () => {
    const page = createLabMachine({ mode: 'mica' });
    expect(page.smc(SMC_RMI_REALM_PD, 0).status).not.toBe('SMCCC_NOT_SUPPORTED');
    expect(page.restore(createLabMachine({ mode: 'cca' }).snapshot())).toEqual({ ok: true });
    expect(page.smc(SMC_RMI_REALM_PD, 0).status).toBe('SMCCC_NOT_SUPPORTED');
    expect(page.restore(createLabMachine({ mode: 'mica' }).snapshot())).toEqual({ ok: true });
    expect(page.smc(SMC_RMI_REALM_PD, 0).status).not.toBe('SMCCC_NOT_SUPPORTED');
  });

  it('refuses a snapshot whose mode contradicts the monitor state, and changes nothing', () => {
    const page = createLabMachine({ mode: 'cca' });
    const snap = createLabMachine({ mode: 'mica' }).snapshot() as {
      state: { config: { mode: string } };
    };
    snap.state.config.mode = 'cca';
    const before = JSON.stringify(page.snapshot());
    const result = page.restore(snap);
    expect(result).toEqual({
      ok: false,
      error: 'state.config.mode: "cca" does not match the state of the "mica" extension',
    });
    expect(JSON.stringify(page.snapshot())).toBe(before);
  });
});
