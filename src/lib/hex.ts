/**
 * The lab's one way to print a number in hex: addresses, FIDs, register values and record
 * keys (`0x80010000`), and the grouped form the GPT diagram prints for reading on a projector
 * (`0x8000_0000`). Byte strings are `toHex` in bytes.ts; 64-bit register values that may be
 * negative are `hex64` in bits.ts.
 */

/** Numbers already formatted: the machine keys its records by the same few PAs all the time. */
const formatted = new Map<number, string>();
/** Bound on {@link formatted}: a run that formatted many addresses starts the cache again. */
const MAX_FORMATTED = 0x10000;

/**
 * Granule-aligned addresses already formatted, by granule number: the machine's record keys are
 * PAs above 2^31, which a number-keyed map hashes slowly; their granule numbers are small
 * integers.
 */
const formattedGranules = new Map<number, string>();
/** Granule size of {@link formattedGranules} (4 KiB). */
const GRANULE = 0x1000;
/** Largest granule number kept as a small integer key. */
const MAX_GRANULE_KEY = 0x3fff_ffff;

/** `0x` and lower-case hex digits, no padding: `hex(0x80010000)` is `0x80010000`. */
export function hex(value: number | bigint): string {
  if (typeof value !== 'number') return '0x' + value.toString(16);
  if (value % GRANULE === 0 && value >= 0 && value / GRANULE <= MAX_GRANULE_KEY) {
    const g = value / GRANULE;
    let text = formattedGranules.get(g);
    if (text === undefined) {
      if (formattedGranules.size >= MAX_FORMATTED) formattedGranules.clear();
      text = '0x' + value.toString(16);
      formattedGranules.set(g, text);
    }
    return text;
  }
  let text = formatted.get(value);
  if (text === undefined) {
    if (formatted.size >= MAX_FORMATTED) formatted.clear();
    text = '0x' + value.toString(16);
    formatted.set(value, text);
  }
  return text;
}

/** At least 8 hex digits in groups of 4: `hexGrouped(0x80000000)` is `0x8000_0000`. */
export function hexGrouped(value: number | bigint): string {
  const digits = value.toString(16).padStart(8, '0');
  return `0x${digits.replace(/\B(?=(?:[0-9a-f]{4})+$)/g, '_')}`;
}
