/**
 * The machine every terminal talks to: the lab guest model plus, by default, the Mica monitor
 * (mica-spec.md §3; product.md "three modes"). The CLI shell and the UI build their machine
 * here so the host and realm terminals see the same monitor the lessons and tests use.
 */
import { GUEST_MODEL, addHostAbortHandler, type Machine } from '../emulator/index.ts';
import { createMicaMachine, type MicaMachineOptions } from '../policy/index.ts';
import { sharedAbort } from './host/mica.ts';

/** Options of {@link createLabMachine}: the mode (default `mica`), gap switches, machine options. */
export type LabMachineOptions = Omit<MicaMachineOptions, 'guest'>;

/**
 * A machine for the terminals: lab guest model, Mica monitor unless `mode: 'cca'`, and a VMM
 * that answers touches of the protected windows `mica share` wired (shell/host/mica.ts).
 */
export function createLabMachine(options: LabMachineOptions = {}): Machine {
  const machine = createMicaMachine({ guest: GUEST_MODEL, mode: 'mica', ...options });
  addHostAbortHandler(machine, sharedAbort);
  return machine;
}
