// RMI_REC_DESTROY (DEN0137 B4.3.13; cca-spec.md §2.3, §3.3): one test per failure label in spec
// order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi, listRealms, listRecs } from '../../../src/emulator/index.ts';
import { Lab, expectFailure, expectOk, newRealm, newRec } from './helpers.ts';
import { hex } from '../../../src/lib/hex.ts';
import { specTitle } from '../spec-title.ts';

const INPUT = 'RMI_ERROR_INPUT';

describe(specTitle('RMI_REC_DESTROY'), () => {
  it('rec_align -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const rec = newRec(lab, rd);
    expectFailure(lab.call(abi.SMC_RMI_REC_DESTROY, rec + 1), 'rec_align', INPUT);
  });

  it('rec_bound -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    expectFailure(lab.call(abi.SMC_RMI_REC_DESTROY, 0), 'rec_bound', INPUT);
  });

  it('rec_gran_state: granule is an RD -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    expectFailure(lab.call(abi.SMC_RMI_REC_DESTROY, rd), 'rec_gran_state', INPUT);
  });

  it('rec_state: the REC is running (on another CPU) -> RMI_ERROR_REC', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const rec = newRec(lab, rd);
    // One CPU is modelled; another CPU running the REC is simulated by its state.
    lab.m.state.rmm.recs[hex(rec)]!.state = 'RUNNING';
    expectFailure(lab.call(abi.SMC_RMI_REC_DESTROY, rec), 'rec_state', 'RMI_ERROR_REC');
  });

  it('success: REC and aux granules DELEGATED and wiped, num_recs decremented', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const rec = newRec(lab, rd);
    const aux = listRecs(lab.m.state)[0]!.aux;
    const before = lab.m.ledger.length;
    expectOk(lab.call(abi.SMC_RMI_REC_DESTROY, rec));
    const released = lab.m.ledger.slice(before).filter((e) => e.kind === 'granule:transition');
    for (const pa of [rec, ...aux]) {
      expect(lab.m.granuleOf(pa).state).toBe('DELEGATED');
      expect(released.find((e) => e.pa === pa)).toMatchObject({ to: 'DELEGATED', wiped: true });
    }
    expect(lab.m.checkInvariants()).toEqual([]);
    expect(listRealms(lab.m.state)[0]).toMatchObject({ numRecs: 0, recIndex: 1 });
    expectOk(lab.call(abi.SMC_RMI_REALM_DESTROY, rd));
  });
});
