// RMI_GRANULE_UNDELEGATE (DEN0137 B4.3.6; cca-spec.md §2.3): failure labels in spec order,
// then success (GPT_NS, UNDELEGATED, contents wiped).
import { describe, expect, it } from 'vitest';
import { abi, createMachine } from '../../../src/emulator/index.ts';
import { GRANULE, Lab, dataCreate, expectOk, newRealm } from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const DRAM = 0x8000_0000;

describe(specTitle('RMI_GRANULE_UNDELEGATE'), () => {
  it('gran_align: addr not 4 KiB aligned -> RMI_ERROR_INPUT', () => {
    const m = createMachine();
    const r = m.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, DRAM + 1);
    expect(r.failure?.label).toBe('gran_align');
    expect(r.status).toBe('RMI_ERROR_INPUT');
    expect(m.checkInvariants()).toEqual([]);
  });

  it('gran_bound: addr outside delegable memory -> RMI_ERROR_INPUT', () => {
    const m = createMachine();
    const r = m.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, 0x0608_0000);
    expect(r.failure?.label).toBe('gran_bound');
    expect(r.status).toBe('RMI_ERROR_INPUT');
    expect(m.checkInvariants()).toEqual([]);
  });

  it('gran_state: granule is UNDELEGATED, not DELEGATED -> RMI_ERROR_INPUT', () => {
    const m = createMachine();
    const r = m.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, DRAM);
    expect(r.failure?.label).toBe('gran_state');
    expect(r.failure?.reason).toContain('is UNDELEGATED, expected DELEGATED');
    expect(m.checkInvariants()).toEqual([]);
  });

  it('success: UNDELEGATED, GPI NS; a granule that held realm data reads back as zeroes', () => {
    // The granule carries a realm's DATA first (DATA_CREATE from a page of secrets), is
    // destroyed back to DELEGATED, then undelegated: the host must not see one byte of it.
    const lab = new Lab();
    const { rd } = newRealm(lab);
    const secret = new TextEncoder().encode('secret!!'.repeat(GRANULE / 8));
    const data = dataCreate(lab, rd, 0, secret);
    expectOk(lab.call(abi.SMC_RMI_DATA_DESTROY, rd, 0));
    const r = lab.call(abi.SMC_RMI_GRANULE_UNDELEGATE, data);
    expect(r.status).toBe('RMI_SUCCESS');
    expect(lab.m.granuleOf(data).state).toBe('UNDELEGATED');
    expect(lab.m.gpiOf(data)).toBe('NS');
    const read = lab.m.read(data, GRANULE);
    expect(read.ok).toBe(true);
    expect(read.ok && read.bytes.some((b) => b !== 0)).toBe(false);
    const last = lab.m.ledger.findLast((e) => e.kind === 'granule:transition');
    expect(last).toMatchObject({ from: 'DELEGATED', to: 'UNDELEGATED', wiped: true });
  });
});
