/**
 * The host shell: what the hypervisor (NS-EL2) can do. Built from the command families
 * in this folder; `help` is generated.
 */
import type { Machine } from '../../emulator/index.ts';
import { createShell, type ShellOptions, type ShellSession } from '../session.ts';
import type { ShellCommand } from '../types.ts';
import { ATTEST_COMMANDS } from './attest.ts';
import { MEMORY_COMMANDS } from './memory.ts';
import { HOST_MICA_COMMANDS } from './mica.ts';
import { HOST_REALM_COMMANDS } from './realm.ts';
import { RMI_COMMANDS } from './rmi.ts';
import { RUN_COMMANDS } from './run.ts';
import { TENANT_COMMANDS } from './tenant.ts';

/** What host commands talk to. */
export interface HostEnv {
  readonly machine: Machine;
}

/** Every host command, in help order. */
export const HOST_COMMANDS: readonly ShellCommand<HostEnv>[] = [
  ...MEMORY_COMMANDS,
  ...RMI_COMMANDS,
  ...HOST_REALM_COMMANDS,
  ...RUN_COMMANDS,
  ...ATTEST_COMMANDS,
  ...HOST_MICA_COMMANDS,
  ...TENANT_COMMANDS,
];

/** Creates a host shell over `machine`. */
export function createHostShell(
  machine: Machine,
  options: Pick<ShellOptions, 'disabled' | 'offers'> = {},
): ShellSession {
  return createShell(
    HOST_COMMANDS,
    { machine },
    {
      prompt: 'host$ ',
      title: 'Host shell (NS-EL2 hypervisor) commands:',
      ...options,
    },
  );
}
