// The spec trail of the conformance tests: a command's `describe` names the section its
// command-table row carries (RMI_COMMANDS, RSI_COMMANDS, RSI_EXIT_CALLS), so a test can never
// cite another section than the source. tests/spec/spec-trail.test.ts checks the headers.
import { RMI_COMMANDS, RSI_COMMANDS, RSI_EXIT_CALLS } from '../../src/emulator/index.ts';

/** Every command row with its section: RMI, RSI and the RSI exit-protocol calls. */
export const COMMAND_ROWS: readonly { readonly name: string; readonly section: string }[] = [
  ...RMI_COMMANDS,
  ...RSI_COMMANDS,
  ...RSI_EXIT_CALLS,
];

/** The section of command `name` from its table row; throws for a name with no row. */
export function sectionOf(name: string): string {
  const row = COMMAND_ROWS.find((c) => c.name === name);
  if (!row) throw new Error(`no command-table row for ${name}`);
  return row.section;
}

/** The `describe` title of command `name`: `RMI_GRANULE_DELEGATE (DEN0137 B4.3.5)`. */
export function specTitle(name: string): string {
  return `${name} (${sectionOf(name)})`;
}
