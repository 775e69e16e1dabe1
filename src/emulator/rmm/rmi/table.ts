/**
 * The RMI command table: one row per command (code-style.md principle 3), built from the
 * command families. tests/spec/rmi/table.test.ts compares it with the spec's FID list.
 */
import { GRANULE_COMMANDS } from './granule.ts';
import type { RmiCommandSpec } from './types.ts';
import { VERSION_COMMANDS } from './version.ts';

/** Every RMI command the RMM implements. */
export const RMI_COMMANDS: readonly RmiCommandSpec[] = [...VERSION_COMMANDS, ...GRANULE_COMMANDS];

/** Looks up a command row by FID. */
export function rmiCommandByFid(
  fid: number,
  table: readonly RmiCommandSpec[] = RMI_COMMANDS,
): RmiCommandSpec | undefined {
  return table.find((c) => c.fid === fid);
}
