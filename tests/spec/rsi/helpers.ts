// Shared set-up for the RSI conformance tests: a machine running the lab guest model, a
// realm built by the host's VMM (42-bit IPA, 16 pages of RAM), and `rsi(fid, ...args)`, which
// has the guest issue SMC #0 from inside the realm and returns X0..X10 as the realm saw
// them. Every call goes through RMI_REC_ENTER and the VMM's exit handling.
import { expect } from 'vitest';
import {
  GUEST_MODEL,
  createMachine,
  createRealm,
  enqueueGuestOps,
  runRealm,
  takeGuestResults,
  type GuestOp,
  type GuestResult,
  type HostRealm,
  type Machine,
  type RealmRecord,
} from '../../../src/emulator/index.ts';
import { hex } from '../../../src/lib/hex.ts';

/** A machine with one realm the VMM built. */
export interface RsiLab {
  readonly m: Machine;
  readonly realm: HostRealm;
  /** The RMM's record of the realm. */
  rmm(): RealmRecord;
  /** Issues SMC #0 from the realm with X0 = fid, X1.. = args; returns X0..X10. */
  rsi(fid: number, ...args: (number | bigint)[]): bigint[];
  /** Runs guest operations and returns their results. */
  ops(...ops: GuestOp[]): GuestResult[];
}

/** Builds the lab (image `shell`: the guest waits for operations). */
export function rsiLab(
  options: { hashAlgo?: 'sha-256' | 'sha-512'; ipaWidth?: number } = {},
): RsiLab {
  const m = createMachine({ guest: GUEST_MODEL });
  const created = createRealm(m, { name: 'r', ...options });
  if (!created.ok) throw new Error(created.error);
  const realm = created.realm;
  const rec = realm.recs[0]!;
  const ops = (...list: GuestOp[]): GuestResult[] => {
    enqueueGuestOps(m.state, rec, list);
    const report = runRealm(m, 'r');
    expect(report.stop, report.error).toBe('idle');
    expect(m.checkInvariants()).toEqual([]);
    return takeGuestResults(m.state, rec).filter((r) => r.op !== 'boot');
  };
  ops();
  return {
    m,
    realm,
    rmm: () => m.state.rmm.realms[hex(realm.rd)]!,
    ops,
    rsi(fid, ...args) {
      const [result] = ops({
        op: 'smc',
        fid,
        args: args.map((a) => hex(BigInt(a))),
      });
      expect(result?.ok).toBe(true);
      return Array.from({ length: 11 }, (_, i) => BigInt(result?.values[`x${i}`] ?? '0'));
    },
  };
}

/** The RSI call events (smc:return from a realm) in the ledger, last first. */
export function lastRsiReturn(m: Machine, name: string) {
  const found = [...m.ledger].reverse().find((e) => e.kind === 'smc:return' && e.name === name);
  if (found?.kind !== 'smc:return') throw new Error(`no ${name} in the ledger`);
  return found;
}

/** Asserts that the last `name` call failed with `label` and X0 = `status`. */
export function expectRsiFailure(
  lab: RsiLab,
  x: readonly bigint[],
  name: string,
  label: string,
  status: number,
): void {
  expect(x[0]).toBe(BigInt(status));
  const ret = lastRsiReturn(lab.m, name);
  expect(ret.failure?.label).toBe(label);
  expect(ret.failure?.reason).toMatch(/\S/);
}
