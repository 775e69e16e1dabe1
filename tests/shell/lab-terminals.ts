/**
 * Test helper: the host and realm terminals of a lab machine, driven by lines as
 * `mica-lab shell` types them (`@<realm> <line>` for a realm). Uses the one step router,
 * `openTerminals` (src/lessons/terminals.ts), instead of a copy of it.
 */
import { openTerminals } from '../../src/lessons/index.ts';
import { createLabMachine, type LabMachineOptions } from '../../src/shell/index.ts';

/** A lab machine and `type(line)`, which returns the terminal's output as text. */
export function labTerminals(options: LabMachineOptions = {}) {
  const machine = createLabMachine(options);
  const terminals = openTerminals(machine);
  const type = (line: string): string =>
    terminals
      .execute(line)
      .output.map((l) => l.text)
      .join('\n');
  return { machine, type };
}
