// RMI_GRANULE_DELEGATE (DEN0137 B4.3.5; cca-spec.md §2.3): one test per failure label in
// spec order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import { abi, createMachine, type Machine } from '../../../src/emulator/index.ts';
import { specTitle } from '../spec-title.ts';

const DRAM = 0x8000_0000;

function delegate(m: Machine, pa: number | bigint) {
  const r = m.smc(abi.SMC_RMI_GRANULE_DELEGATE, pa);
  expect(m.checkInvariants()).toEqual([]);
  return r;
}

describe(specTitle('RMI_GRANULE_DELEGATE'), () => {
  it('gran_align: addr not 4 KiB aligned -> RMI_ERROR_INPUT', () => {
    const m = createMachine();
    const r = delegate(m, DRAM + 0x10);
    expect(r.x[0]).toBe(abi.packReturnCode(abi.RMI_ERROR_INPUT));
    expect(r.failure?.label).toBe('gran_align');
  });

  it('gran_bound: aligned addr outside delegable memory -> RMI_ERROR_INPUT', () => {
    const m = createMachine();
    for (const pa of [0x0600_0000, 0x1000, 0x1_0000_0000_0000n]) {
      const r = delegate(m, pa);
      expect(r.status).toBe('RMI_ERROR_INPUT');
      expect(r.failure?.label).toBe('gran_bound');
    }
  });

  it('gran_state: granule is DELEGATED, not UNDELEGATED -> RMI_ERROR_INPUT', () => {
    const m = createMachine();
    delegate(m, DRAM);
    const r = delegate(m, DRAM);
    expect(r.failure?.label).toBe('gran_state');
    expect(r.failure?.reason).toContain('is DELEGATED, expected UNDELEGATED');
    expect(m.checkInvariants()).toEqual([]);
  });

  it('gran_gpt: GPT entry not NS -> RMI_ERROR_INPUT', () => {
    // A board whose DRAM boots with a Secure carve-out that is (wrongly) marked delegable:
    // the RMM's own state says UNDELEGATED, but the GPT says SECURE.
    const m = createMachine({
      memoryMap: [
        { name: 'DRAM', base: DRAM, size: 0x10_0000, gpi: 'NS', delegable: true, description: '' },
        {
          name: 'Secure carve-out',
          base: 0x9000_0000,
          size: 0x1000,
          gpi: 'SECURE',
          delegable: true,
          description: '',
        },
      ],
    });
    const r = m.smc(abi.SMC_RMI_GRANULE_DELEGATE, 0x9000_0000);
    expect(r.status).toBe('RMI_ERROR_INPUT');
    expect(r.failure?.label).toBe('gran_gpt');
    expect(r.failure?.reason).toContain('SECURE');
  });

  it('success: state DELEGATED, GPI REALM, contents wiped, X0 = RMI_SUCCESS', () => {
    const m = createMachine();
    m.write(DRAM, new Uint8Array([1, 2, 3, 4]));
    const r = delegate(m, DRAM);
    expect(r.x[0]).toBe(BigInt(abi.RMI_SUCCESS));
    expect(m.granuleOf(DRAM).state).toBe('DELEGATED');
    expect(m.gpiOf(DRAM)).toBe('REALM');
    expect(m.state.memory[DRAM / abi.GRANULE_SIZE]).toBeUndefined();
    const kinds = m.ledger.filter((e) => e.seq > r.seq).map((e) => e.kind);
    expect(kinds).toEqual([
      'smc:call',
      'gpt:update',
      'smc:return',
      'granule:transition',
      'smc:return',
    ]);
  });

  it('success: the host can no longer read the granule (GPF, no bytes)', () => {
    const m = createMachine();
    delegate(m, DRAM);
    const read = m.read(DRAM, 16);
    expect(read.ok).toBe(false);
    expect(m.ledger.at(-1)).toMatchObject({ kind: 'gpf', pa: DRAM, gpi: 'REALM', actor: 'host' });
  });
});
