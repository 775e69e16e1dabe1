// RMI_REC_CREATE (DEN0137 B4.3.12; cca-spec.md §2.3, §3.3, §5.4): one test per failure label in
// spec order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import {
  abi,
  encodeRecParams,
  listRealms,
  listRecs,
  mpidrOfIndex,
  type RecParams,
} from '../../../src/emulator/index.ts';
import { Lab, expectFailure, expectOk, newRealm, newRec } from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const INPUT = 'RMI_ERROR_INPUT';

/** Everything REC_CREATE needs, valid unless overridden. */
function attempt(lab: Lab, rd: number, overrides: Partial<RecParams> = {}) {
  const rec = lab.delegated();
  const aux = Array.from({ length: abi.LAB_REC_AUX_COUNT }, () => BigInt(lab.delegated()));
  const params = lab.nsPage(
    encodeRecParams({
      flags: BigInt(abi.RMI_RUNNABLE),
      mpidr: 0n,
      pc: 0x1000n,
      numAux: BigInt(abi.LAB_REC_AUX_COUNT),
      aux,
      ...overrides,
    }),
  );
  return {
    rec,
    aux,
    params,
    create: (r = rec, p = params, d = rd) => lab.call(abi.SMC_RMI_REC_CREATE, d, r, p),
  };
}

describe(specTitle('RMI_REC_CREATE'), () => {
  it('params_align -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const a = attempt(lab, rd);
    expectFailure(a.create(a.rec, a.params + 0x10), 'params_align', INPUT);
  });

  it('params_bound -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const a = attempt(lab, rd);
    expectFailure(a.create(a.rec, 0x0608_0000), 'params_bound', INPUT);
  });

  it('params_pas: params in a delegated granule -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const a = attempt(lab, rd);
    expectFailure(a.create(a.rec, lab.delegated()), 'params_pas', INPUT);
  });

  it('rec_align -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const a = attempt(lab, rd);
    expectFailure(a.create(a.rec + 8), 'rec_align', INPUT);
  });

  it('rec_bound -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const a = attempt(lab, rd);
    expectFailure(a.create(0x2000), 'rec_bound', INPUT);
  });

  it('rec_state: rec granule UNDELEGATED -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const a = attempt(lab, rd);
    expectFailure(a.create(lab.alloc()), 'rec_state', INPUT);
  });

  it('rd_align -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const a = attempt(lab, rd);
    expectFailure(a.create(a.rec, a.params, rd + 1), 'rd_align', INPUT);
  });

  it('rd_bound -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const a = attempt(lab, rd);
    expectFailure(a.create(a.rec, a.params, 0x0600_0000), 'rd_bound', INPUT);
  });

  it('rd_state: rd is an RTT -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd, rtts } = newRealm(lab);
    const a = attempt(lab, rd);
    expectFailure(a.create(a.rec, a.params, rtts[0]), 'rd_state', INPUT);
  });

  it('realm_state: realm ACTIVE -> RMI_ERROR_REALM', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    expectOk(lab.call(abi.SMC_RMI_REALM_ACTIVATE, rd));
    expectFailure(attempt(lab, rd).create(), 'realm_state', 'RMI_ERROR_REALM');
  });

  it('num_recs: the realm already has 2^MAX_RECS_ORDER - 1 RECs -> RMI_ERROR_REALM', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const max = 2 ** abi.LAB_MAX_RECS_ORDER - 1;
    for (let i = 0; i < max; i++) newRec(lab, rd, i);
    const r = attempt(lab, rd, { mpidr: mpidrOfIndex(max) }).create();
    expectFailure(r, 'num_recs', 'RMI_ERROR_REALM');
  });

  it('mpidr_index: RECs out of MPIDR order, or RES0 bits set -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    expectFailure(attempt(lab, rd, { mpidr: 1n }).create(), 'mpidr_index', INPUT);
    expectFailure(attempt(lab, rd, { mpidr: 0x10n }).create(), 'mpidr_index', INPUT);
    newRec(lab, rd, 0);
    expectFailure(attempt(lab, rd, { mpidr: 0n }).create(), 'mpidr_index', INPUT);
  });

  it('num_aux: not RMI_REC_AUX_COUNT -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    expectFailure(attempt(lab, rd, { numAux: 1n }).create(), 'num_aux', INPUT);
  });

  it('aux_align -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const a = attempt(lab, rd);
    const params = lab.nsPage(
      encodeRecParams({ numAux: 2n, aux: [a.aux[0]!, a.aux[1]! + 4n], flags: 1n }),
    );
    expectFailure(a.create(a.rec, params), 'aux_align', INPUT);
  });

  it('aux_alias: an aux granule is the REC or listed twice -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const a = attempt(lab, rd);
    const twice = lab.nsPage(encodeRecParams({ numAux: 2n, aux: [a.aux[0]!, a.aux[0]!] }));
    expectFailure(a.create(a.rec, twice), 'aux_alias', INPUT);
    const self = lab.nsPage(encodeRecParams({ numAux: 2n, aux: [BigInt(a.rec), a.aux[0]!] }));
    expectFailure(a.create(a.rec, self), 'aux_alias', INPUT);
  });

  it('aux_state: an aux granule is not DELEGATED -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const a = attempt(lab, rd);
    const params = lab.nsPage(
      encodeRecParams({ numAux: 2n, aux: [a.aux[0]!, BigInt(lab.alloc())] }),
    );
    expectFailure(a.create(a.rec, params), 'aux_state', INPUT);
  });

  it('success: REC READY, aux REC_AUX, registers from params, counters advanced', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const a = attempt(lab, rd, { pc: 0x8000n, gprs: [1n, 2n, 3n] });
    expectOk(a.create());
    expect(lab.m.granuleOf(a.rec)).toMatchObject({ state: 'REC', realm: rd });
    for (const aux of a.aux) expect(lab.m.granuleOf(Number(aux)).state).toBe('REC_AUX');
    const [rec] = listRecs(lab.m.state, rd);
    expect(rec).toMatchObject({
      state: 'READY',
      runnable: true,
      pc: '0x8000',
      index: 0,
      mpidr: '0x0',
    });
    expect(rec!.gprs.slice(0, 4)).toEqual(['0x1', '0x2', '0x3', '0x0']);
    expect(rec!.gprs).toHaveLength(31);
    expect(listRealms(lab.m.state)[0]).toMatchObject({ recIndex: 1, numRecs: 1 });
    expect(lab.m.granuleOf(rd).refcount).toBe(1);
  });

  it('success: only a runnable REC extends the RIM', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const rim0 = listRealms(lab.m.state)[0]!.rim;
    expectOk(attempt(lab, rd, { flags: BigInt(abi.RMI_NOT_RUNNABLE) }).create());
    expect(listRealms(lab.m.state)[0]!.rim).toBe(rim0);
    expect(listRecs(lab.m.state)[0]!.runnable).toBe(false);
    expectOk(attempt(lab, rd, { mpidr: 1n }).create());
    expect(listRealms(lab.m.state)[0]!.rim).not.toBe(rim0);
  });
});
