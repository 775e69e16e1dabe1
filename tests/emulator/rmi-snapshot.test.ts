// Snapshot and restore with realms (code-style.md principle 8): a machine with a running
// realm survives a JSON round trip, and the restored machine carries on identically.
import { describe, expect, it } from 'vitest';
import { abi, createMachine, listRealms, listRecs, rttEntries } from '../../src/emulator/index.ts';
import { Lab, activeRealm, enter, expectOk, newRun } from '../spec/rmi/helpers.ts';

describe('snapshot/restore with a realm', () => {
  it('round-trips realms, RECs and RTTs through JSON', () => {
    const lab = new Lab();
    const { rd, rec } = activeRealm(lab);
    const run = newRun(lab);
    expectOk(enter(lab, rec, run).r);
    const json = JSON.stringify(lab.m.snapshot());
    const m2 = createMachine();
    expect(m2.restore(JSON.parse(json))).toEqual({ ok: true });
    expect(m2.checkInvariants()).toEqual([]);
    expect(listRealms(m2.state)).toEqual(listRealms(lab.m.state));
    expect(listRecs(m2.state)).toEqual(listRecs(lab.m.state));
    expect(rttEntries(m2.state, rd)).toEqual(rttEntries(lab.m.state, rd));
    // Both machines answer the next commands the same way.
    const a = lab.m.smc(abi.SMC_RMI_REC_ENTER, rec, run);
    const b = m2.smc(abi.SMC_RMI_REC_ENTER, rec, run);
    expect(b.x).toEqual(a.x);
    expect(m2.read(run, 0x1000)).toEqual(lab.m.read(run, 0x1000));
    expect(JSON.stringify(m2.snapshot().state.rmm)).toBe(
      JSON.stringify(lab.m.snapshot().state.rmm),
    );
  });

  it('restoring an earlier snapshot undoes realm destruction', () => {
    const lab = new Lab();
    const { rd, rec } = activeRealm(lab);
    const before = lab.m.snapshot();
    expectOk(lab.call(abi.SMC_RMI_REC_DESTROY, rec));
    expect(listRecs(lab.m.state)).toEqual([]);
    expect(lab.m.restore(before)).toEqual({ ok: true });
    expect(listRecs(lab.m.state, rd)).toHaveLength(1);
    expect(lab.m.checkInvariants()).toEqual([]);
  });
});
