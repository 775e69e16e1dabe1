/**
 * Internal assertions. A failed assertion is an emulator bug, never an architectural
 * outcome: spec failures are returned as values (status codes, refusals), see
 * ARCHITECTURE.md "Outcomes are values".
 */

/** Thrown only when the emulator contradicts itself. The UI shows these as bugs. */
export class EmulatorBug extends Error {
  override name = 'EmulatorBug';
}

/**
 * Throws {@link EmulatorBug} when `condition` is false. On a hot path write
 * `if (!condition) assert(false, \`...\`)` so a formatted message is built only on failure.
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new EmulatorBug(message);
}

/** Marks a branch the type system proves unreachable. */
export function unreachable(value: never, what = 'value'): never {
  throw new EmulatorBug(`unexpected ${what}: ${JSON.stringify(value)}`);
}
