/**
 * Helpers for reading untrusted JSON (links, save files) with messages a person can act on.
 */

/** True for a plain JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Longest value quoted in a message. */
const QUOTE_MAX = 40;

/**
 * Names a JSON value for a message: `an array`, `number 7`, `string "abc"` (shortened), and
 * an absent field (`undefined`, which JSON cannot hold) `missing`, so `"format" is missing`.
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const text = JSON.stringify(v) ?? String(v);
  return `${typeof v} ${text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}...` : text}`;
}
