/**
 * The RMI command table: one row per command (code-style.md principle 3), built from the
 * command families. tests/spec/rmi/table.test.ts compares it with the spec's FID list.
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
