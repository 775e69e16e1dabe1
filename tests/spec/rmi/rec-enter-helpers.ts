// Re-exports for the REC_ENTER tests plus direct access to a REC record (to simulate what a
// second CPU would do, and to read registers).
import type { RecRecord } from '../../../src/emulator/index.ts';
import type { Lab } from './helpers.ts';
import { hex } from '../../../src/lib/hex.ts';

export {
  abi,
  encodeRecEnterFlags,
  listRealms,
  rttEntries,
  scriptedGuest,
  smcStop,
  SYSTEM_OFF_GUEST,
  type GuestEntry,
  type GuestScriptStep,
} from '../../../src/emulator/index.ts';

/** The live REC record at `rec` (tests may mutate it to simulate other CPUs). */
export function getRec(lab: Lab, rec: number): RecRecord {
  const record = lab.m.state.rmm.recs[hex(rec)];
  if (!record) throw new Error(`no REC at ${hex(rec)}`);
  return record;
}
