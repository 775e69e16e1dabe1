/**
 * The machine every terminal talks to: the lab guest model plus, by default, the Mica monitor
 * (mica-spec.md §3; product.md "three modes"). The CLI shell and the UI build their machine
 * here so the host and realm terminals see the same monitor the lessons and tests use.
 */
import { GUEST_MODEL, type Machine } from '../emulator/index.ts';
import { createMicaMachine, type MicaMachineOptions } from '../policy/index.ts';

/** Options of {@link createLabMachine}: the mode (default `mica`), gap switches, machine options. */
export type LabMachineOptions = Omit<MicaMachineOptions, 'guest'>;

/** A machine for the terminals: lab guest model, Mica monitor unless `mode: 'cca'`. */
export function createLabMachine(options: LabMachineOptions = {}): Machine {
  return createMicaMachine({ guest: GUEST_MODEL, mode: 'mica', ...options });
}
