/**
 * Argument parsing shared by the shells: numbers (0x-hex, 0b, decimal, `_` separators),
 * byte strings (hex or "quoted text"), ranges. Each returns a value or a message that
 * names the argument and what was expected.
 */
import { abi } from '../emulator/index.ts';
import { parseNumber } from '../lib/bits.ts';
import { fromHex, utf8 } from '../lib/bytes.ts';

/** A parse result. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** Parses a 64-bit unsigned number argument called `what`. */
export function parseU64(word: string | undefined, what: string): Parsed<bigint> {
  if (word === undefined) return { ok: false, error: `missing <${what}>` };
  const v = parseNumber(word);
  if (v === undefined || v < 0n || v >= 1n << 64n) {
    return {
      ok: false,
      error: `<${what}> must be a whole number (decimal like 4096, or hex like 0x1000), not "${word}"`,
    };
  }
  return { ok: true, value: v };
}

/** Parses an address or size that must fit a JS number (any board address does). */
export function parseAddr(word: string | undefined, what: string): Parsed<number> {
  const v = parseU64(word, what);
  if (!v.ok) return v;
  if (v.value >= BigInt(abi.PA_SPACE_SIZE))
    return {
      ok: false,
      error: `<${what}> ${word} is beyond the ${abi.PA_SPACE_BITS}-bit PA space`,
    };
  return { ok: true, value: Number(v.value) };
}

/**
 * Parses data to write: `0x...` or bare hex digits as bytes; a word typed in quotes is
 * UTF-8 text.
 */
export function parseData(word: string | undefined, quoted: boolean): Parsed<Uint8Array> {
  if (word === undefined) return { ok: false, error: 'missing <hex|"text">' };
  if (quoted) return { ok: true, value: utf8(word) };
  const bytes = fromHex(word);
  if (!bytes || bytes.length === 0) {
    return {
      ok: false,
      error: `"${word}" is not hex bytes (like 0xdeadbeef): ${hexProblem(word)}; put text in quotes: "hello"`,
    };
  }
  return { ok: true, value: bytes };
}

/** Parses the argument `what` as hex bytes (`0x` optional), saying where it is not hex. */
export function parseHex(word: string | undefined, what: string): Parsed<Uint8Array> {
  if (word === undefined) return { ok: false, error: `missing <${what}>` };
  const bytes = fromHex(word);
  if (!bytes || bytes.length === 0)
    return {
      ok: false,
      error: `<${what}> "${shorten(word)}" is not hex bytes: ${hexProblem(word)}`,
    };
  return { ok: true, value: bytes };
}

/** Longest argument quoted whole in a message (a pasted token can be thousands of digits). */
const QUOTE_MAX = 24;

function shorten(word: string): string {
  return word.length > QUOTE_MAX ? `${word.slice(0, QUOTE_MAX)}...` : word;
}

/** What is wrong with `word` as hex bytes (fromHex refused it): where, or why. */
function hexProblem(word: string): string {
  const prefix = /^0x/i.test(word) ? 2 : 0;
  for (let i = prefix; i < word.length; i++) {
    if (!/[0-9a-fA-F\s_:]/.test(word[i]!))
      return `${JSON.stringify(word[i])} at character ${i + 1} is not a hex digit`;
  }
  const digits = word.slice(prefix).replace(/[\s_:]/g, '').length;
  if (digits === 0) return 'no hex digits';
  return `${digits} hex ${digits === 1 ? 'digit' : 'digits'}, an odd count (a byte is two)`;
}
