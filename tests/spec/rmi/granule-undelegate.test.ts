// RMI_GRANULE_UNDELEGATE (DEN0137 B4.3.3; cca-spec.md §2.3): failure labels in spec order,
// then success (GPT_NS, UNDELEGATED, contents wiped).
import { describe, expect, it } from 'vitest';
import { abi, createMachine } from '../../../src/emulator/index.ts';

const DRAM = 0x8000_0000;

describe('RMI_GRANULE_UNDELEGATE', () => {
  it('gran_align: addr not 4 KiB aligned -> RMI_ERROR_INPUT', () => {
    const m = createMachine();
    const r = m.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, DRAM + 1);
    expect(r.failure?.label).toBe('gran_align');
    expect(r.x[0]).toBe(1n);
  });

  it('gran_bound: addr outside delegable memory -> RMI_ERROR_INPUT', () => {
    const m = createMachine();
    const r = m.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, 0x0608_0000);
    expect(r.failure?.label).toBe('gran_bound');
  });

  it('gran_state: granule is UNDELEGATED, not DELEGATED -> RMI_ERROR_INPUT', () => {
    const m = createMachine();
    const r = m.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, DRAM);
    expect(r.failure?.label).toBe('gran_state');
    expect(r.failure?.reason).toContain('is UNDELEGATED, expected DELEGATED');
    expect(m.checkInvariants()).toEqual([]);
  });

  it('success: UNDELEGATED, GPI NS, wiped; the host reads zeroes', () => {
    const m = createMachine();
    m.smc(abi.SMC_RMI_GRANULE_DELEGATE, DRAM);
    const r = m.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, DRAM);
    expect(r.status).toBe('RMI_SUCCESS');
    expect(m.granuleOf(DRAM).state).toBe('UNDELEGATED');
    expect(m.gpiOf(DRAM)).toBe('NS');
    const read = m.read(DRAM, 8);
    expect(read.ok && Array.from(read.bytes)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(m.checkInvariants()).toEqual([]);
  });
});
