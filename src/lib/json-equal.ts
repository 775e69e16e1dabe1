/**
 * Equality of JSON-like values as JSON sees them (a field holding `undefined` is absent, an array's
 * `undefined` is null; key order does not matter), without building the JSON text: the time-travel replay compares every
 * re-run ledger event with the recorded one, once per event while a learner scrubs.
 * Not part of any Arm specification.
 */

/** Whether `a` and `b` are the same JSON value (fields set to `undefined` count as absent). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    // In an array JSON writes `undefined` as null.
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let fields = 0;
  for (const key in x) {
    const value = x[key];
    if (value === undefined) continue;
    fields++;
    if (!jsonEqual(value, y[key])) return false;
  }
  for (const key in y) if (y[key] !== undefined) fields--;
  return fields === 0;
}
