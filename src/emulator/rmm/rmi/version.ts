/**
 * RMI_VERSION (DEN0137 B4.3.23; cca-spec.md §2.3): no failure conditions. If the requested
 * version is not supported the status is RMI_ERROR_INPUT; X1/X2 give the lowest and
 * highest supported versions (TF-RMM 1.0: both 1.0).
 */
import { RMI_ABI_VERSION, RMI_ERROR_INPUT, RMI_SUCCESS, SMC_RMI_VERSION } from '../../abi/rmi.ts';
import type { RmiCommandSpec } from './types.ts';

/** Version family. */
export const VERSION_COMMANDS: readonly RmiCommandSpec[] = [
  {
    fid: SMC_RMI_VERSION,
    name: 'RMI_VERSION',
    section: 'DEN0137 B4.3.23',
    args: ['req'],
    results: ['lower', 'higher'],
    summary: 'negotiate the RMI ABI version (1.0 = 0x10000)',
    handler: (_ctx, [req = 0n]) => ({
      status: req === BigInt(RMI_ABI_VERSION) ? RMI_SUCCESS : RMI_ERROR_INPUT,
      out: [BigInt(RMI_ABI_VERSION), BigInt(RMI_ABI_VERSION)],
    }),
  },
];
