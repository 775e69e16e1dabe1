// The RMI command table against the spec's command summary (DEN0137 B4.3; cca-spec.md
// §2.2): every RMI 1.0 command is present once with its FID and argument/result counts.
import { describe, expect, it } from 'vitest';
import { abi, createMachine, RMI_COMMANDS } from '../../../src/emulator/index.ts';
import { hex } from '../../../src/lib/hex.ts';

/** Inputs (X1..) and outputs beyond X0 per command, as cca-spec.md §2.2 lists them. */
const SPEC_ARITY: Record<abi.RmiCommandName, readonly [number, number]> = {
  RMI_VERSION: [1, 2],
  RMI_GRANULE_DELEGATE: [1, 0],
  RMI_GRANULE_UNDELEGATE: [1, 0],
  RMI_DATA_CREATE: [5, 0],
  RMI_DATA_CREATE_UNKNOWN: [3, 0],
  RMI_DATA_DESTROY: [2, 2],
  RMI_REALM_ACTIVATE: [1, 0],
  RMI_REALM_CREATE: [2, 0],
  RMI_REALM_DESTROY: [1, 0],
  RMI_REC_CREATE: [3, 0],
  RMI_REC_DESTROY: [1, 0],
  RMI_REC_ENTER: [2, 0],
  RMI_RTT_CREATE: [4, 0],
  RMI_RTT_DESTROY: [3, 2],
  RMI_RTT_MAP_UNPROTECTED: [4, 0],
  RMI_RTT_READ_ENTRY: [3, 4],
  RMI_RTT_UNMAP_UNPROTECTED: [3, 1],
  RMI_PSCI_COMPLETE: [3, 0],
  RMI_FEATURES: [1, 1],
  RMI_RTT_FOLD: [3, 1],
  RMI_REC_AUX_COUNT: [1, 1],
  RMI_RTT_INIT_RIPAS: [3, 1],
  RMI_RTT_SET_RIPAS: [4, 1],
};

describe('RMI command table', () => {
  it('has exactly the spec commands, each once, with the spec FIDs', () => {
    const table = Object.fromEntries(RMI_COMMANDS.map((c) => [c.name, c.fid]));
    expect(table).toEqual(abi.RMI_SPEC_FIDS);
    expect(new Set(RMI_COMMANDS.map((c) => c.fid)).size).toBe(RMI_COMMANDS.length);
  });

  it.each(Object.entries(SPEC_ARITY))(
    '%s has the spec argument and result counts',
    (name, [args, results]) => {
      const row = RMI_COMMANDS.find((c) => c.name === name);
      expect(row?.args).toHaveLength(args);
      expect(row?.results).toHaveLength(results);
      expect(row?.summary).toMatch(/\S/);
    },
  );

  it('every FID is in the RMI range and the unused ones return SMCCC_NOT_SUPPORTED', () => {
    for (const c of RMI_COMMANDS) {
      expect(c.fid).toBeGreaterThanOrEqual(abi.SMC_RMI_FID_MIN);
      expect(c.fid).toBeLessThanOrEqual(abi.SMC_RMI_FID_MAX);
    }
    const m = createMachine();
    const used = new Set(RMI_COMMANDS.map((c) => c.fid));
    const unused: number[] = [];
    for (let fid = abi.SMC_RMI_FID_MIN; fid <= abi.SMC_RMI_FID_MAX; fid++) {
      if (!used.has(fid)) unused.push(fid);
    }
    expect(unused.length).toBeGreaterThan(0);
    for (const fid of unused) expect(m.smc(fid).status, hex(fid)).toBe('SMCCC_NOT_SUPPORTED');
  });

  it('the machine answers every spec command with an RMI status and its result registers', () => {
    const m = createMachine();
    for (const c of RMI_COMMANDS) {
      const r = m.smc(c.fid);
      expect(r.status).toMatch(/^RMI_/);
      expect(r.x).toHaveLength(1 + c.results.length);
      expect(m.checkInvariants()).toEqual([]);
    }
  });
});
