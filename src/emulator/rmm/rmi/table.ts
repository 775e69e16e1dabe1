/**
 * The RMI command table: one row per command (code-style.md principle 3), built from the
 * command families. tests/spec/rmi/table.test.ts compares it with the spec's FID list.
 *
 * Where this RMM departs from DEN0137 1.0-rel0 or chooses between compliant behaviours
 * (cca-spec.md §7 "Known divergences"), in one place:
 * - Implementation values (abi/rmm-impl.ts): no LPA2/SVE/PMU, S2SZ up to 48 bits, 16-bit
 *   VMIDs, RecAuxCount 2 (TF-RMM: 16), at most 15 RECs per realm (TF-RMM: 1023).
 * - RTT entries are typed records (HIPAS x RIPAS) in `state.rmm.rtts`, not descriptors in
 *   the RTT granule's bytes, which stay zero. Levels 0..3 with 1..16 starting tables work.
 * - Failure order: spec listing order, except the REC_ENTER REC/realm checks in TF-RMM's
 *   order and `data_bound2` after `rd_state` (cca-spec.md §2.1). DATA_CREATE refuses
 *   reserved `flags` first under the label `flags_valid` (TF-RMM); RmiRealmParams with
 *   num_bps or num_wps 0 fail `params_valid`. `addr_bound` of MAP_UNPROTECTED cannot fire
 *   without LPA2 (`attr_valid` refuses an OA above bit 47 first).
 * - RTT_INIT_RIPAS and RTT_SET_RIPAS change whole entries only and INIT_RIPAS stops at the
 *   first entry that is not UNASSIGNED (TF-RMM); RTT_DESTROY of an unprotected-half table
 *   leaves UNASSIGNED_NS. DATA_CREATE_UNKNOWN pages read as zero (the spec says unknown).
 * - One CPU: a REC is RUNNING only inside its own REC_ENTER, so `rec_state` refusals are
 *   reached only when a test or lesson marks a REC as running on another CPU.
 */
import { DATA_COMMANDS } from './data.ts';
import { FEATURES_COMMANDS } from './features.ts';
import { GRANULE_COMMANDS } from './granule.ts';
import { PSCI_COMMANDS } from './psci.ts';
import { REALM_COMMANDS } from './realm.ts';
import { REC_COMMANDS } from './rec.ts';
import { RIPAS_COMMANDS } from './ripas.ts';
import { RTT_COMMANDS } from './rtt.ts';
import type { RmiCommandSpec } from './types.ts';
import { VERSION_COMMANDS } from './version.ts';

/** Every RMI command the RMM implements, in FID order. */
export const RMI_COMMANDS: readonly RmiCommandSpec[] = [
  ...VERSION_COMMANDS,
  ...FEATURES_COMMANDS,
  ...GRANULE_COMMANDS,
  ...REALM_COMMANDS,
  ...REC_COMMANDS,
  ...DATA_COMMANDS,
  ...RTT_COMMANDS,
  ...RIPAS_COMMANDS,
  ...PSCI_COMMANDS,
].sort((a, b) => a.fid - b.fid);

/** Looks up a command row by FID. */
export function rmiCommandByFid(
  fid: number,
  table: readonly RmiCommandSpec[] = RMI_COMMANDS,
): RmiCommandSpec | undefined {
  return table.find((c) => c.fid === fid);
}
