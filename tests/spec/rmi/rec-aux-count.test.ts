// RMI_REC_AUX_COUNT (DEN0137 B4.3.11; cca-spec.md §2.3): one test per failure label in spec order,
// each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi } from '../../../src/emulator/index.ts';
import { GRANULE, Lab, expectFailure, expectOk, newRealm } from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const INPUT = 'RMI_ERROR_INPUT';

describe(specTitle('RMI_REC_AUX_COUNT'), () => {
  it('rd_align -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    expectFailure(lab.call(abi.SMC_RMI_REC_AUX_COUNT, rd + GRANULE / 2), 'rd_align', INPUT);
  });

  it('rd_bound -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    expectFailure(lab.call(abi.SMC_RMI_REC_AUX_COUNT, 0x1c09_0000), 'rd_bound', INPUT);
  });

  it('rd_state -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    expectFailure(lab.call(abi.SMC_RMI_REC_AUX_COUNT, lab.alloc()), 'rd_state', INPUT);
  });

  it('success: X1 = the lab RecAuxCount', () => {
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const r = lab.call(abi.SMC_RMI_REC_AUX_COUNT, rd);
    expectOk(r);
    expect(r.x[1]).toBe(BigInt(abi.LAB_REC_AUX_COUNT));
  });
});
