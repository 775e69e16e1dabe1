/**
 * Byte helpers: hex and base64 codecs, little-endian integer fields, comparisons.
 * Pure and dependency-free so every layer (and the CLI) can use them.
 */

/** The two hex digits of every byte value. */
const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Character codes of the hex digits 0-f. */
const HEX_CODES = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** Decodes ASCII character codes into one flat string (hex digits are ASCII in every label). */
const ASCII = new TextDecoder('latin1');

/** Lower-case hex of `bytes`, no prefix. */
export function toHex(bytes: Uint8Array): string {
  if (bytes.length <= 32) {
    let out = '';
    for (let i = 0; i < bytes.length; i++) out += BYTE_HEX[bytes[i]!]!;
    return out;
  }
  // Long inputs (records, tokens, streams): the digits' character codes decoded at once,
  // not one string per byte.
  const codes = new Uint8Array(2 * bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    codes[2 * i] = HEX_CODES[b >> 4]!;
    codes[2 * i + 1] = HEX_CODES[b & 0xf]!;
  }
  return ASCII.decode(codes);
}

/** Value of a hex digit's character code, or -1. */
function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  if (code >= 65 && code <= 70) return code - 55; // A-F
  return -1;
}

/**
 * Parses hex (optionally `0x`-prefixed, spaces/underscores/colons allowed between bytes).
 * Returns `undefined` for odd length or a non-hex digit.
 */
export function fromHex(text: string): Uint8Array | undefined {
  let clean = text;
  if (clean.length >= 2 && clean[0] === '0' && (clean[1] === 'x' || clean[1] === 'X'))
    clean = clean.slice(2);
  if (/[\s_:]/.test(clean)) clean = clean.replace(/[\s_:]/g, '');
  if (clean.length % 2 !== 0) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(clean.charCodeAt(2 * i));
    const lo = nibble(clean.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/**
 * Bytes per `String.fromCharCode` call: its arguments go on the stack, so a large array is
 * turned into text in pieces.
 */
const CHAR_CODE_CHUNK = 0x1000;

/**
 * Standard base64 (RFC 4648 §4) with padding, by the platform's `btoa` over the bytes as
 * Latin-1 text. A snapshot encodes every memory page (a pipeline's 132 pages took ~100 ms
 * when the text was built three bytes at a time; this takes ~2 ms).
 */
export function toBase64(bytes: Uint8Array): string {
  let latin1 = '';
  for (let i = 0; i < bytes.length; i += CHAR_CODE_CHUNK)
    // `apply` takes the typed array as it is; a spread would iterate it (7x slower).
    latin1 += String.fromCharCode.apply(null, bytes.subarray(i, i + CHAR_CODE_CHUNK) as never);
  return btoa(latin1);
}

/** Characters outside the standard alphabet, once padding and the URL-safe pair are mapped. */
const NOT_BASE64 = /[^A-Za-z0-9+/]/;

/**
 * Decodes standard or URL-safe base64, with or without padding; `undefined` on any other
 * character (whitespace included) or an impossible length. The text is checked here and
 * decoded by the platform's `atob`.
 */
export function fromBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (NOT_BASE64.test(clean) || clean.length % 4 === 1) return undefined;
  const latin1 = atob(clean);
  const out = new Uint8Array(latin1.length);
  for (let i = 0; i < latin1.length; i++) out[i] = latin1.charCodeAt(i);
  return out;
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** True when both arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when every byte is zero. */
export function isZero(bytes: Uint8Array): boolean {
  return allZero(bytes, 0, bytes.length);
}

/**
 * True when bytes [from, to) are all zero, eight at a time (every write of a page that may be
 * absent asks, and every REC_ENTER asks of 376 bytes of register arrays: one compare per byte
 * cost ~0.3 µs of each entry).
 */
export function allZero(bytes: Uint8Array, from: number, to: number): boolean {
  let i = from;
  for (; i + 8 <= to; i += 8) {
    const any =
      bytes[i]! |
      bytes[i + 1]! |
      bytes[i + 2]! |
      bytes[i + 3]! |
      bytes[i + 4]! |
      bytes[i + 5]! |
      bytes[i + 6]! |
      bytes[i + 7]!;
    if (any !== 0) return false;
  }
  for (; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Reads an unsigned little-endian integer of `size` bytes (1..8) as a bigint. */
export function readLe(bytes: Uint8Array, offset: number, size: number): bigint {
  if (size === 8 && offset >= 0 && offset + 8 <= bytes.length) {
    // Two 32-bit halves: three bigint operations instead of sixteen (every RMI struct field).
    const lo =
      (bytes[offset]! |
        (bytes[offset + 1]! << 8) |
        (bytes[offset + 2]! << 16) |
        (bytes[offset + 3]! << 24)) >>>
      0;
    const hi =
      (bytes[offset + 4]! |
        (bytes[offset + 5]! << 8) |
        (bytes[offset + 6]! << 16) |
        (bytes[offset + 7]! << 24)) >>>
      0;
    if (hi === 0) return lo === 0 ? 0n : BigInt(lo);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i] ?? 0);
  return v;
}

/** Writes `value` as an unsigned little-endian integer of `size` bytes (1..8), truncating. */
export function writeLe(
  bytes: Uint8Array,
  offset: number,
  size: number,
  value: bigint | number,
): void {
  if (size === 8) {
    let lo: number;
    let hi: number;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      lo = value % 0x1_0000_0000;
      hi = Math.floor(value / 0x1_0000_0000);
    } else {
      const v = BigInt.asUintN(64, BigInt(value));
      lo = Number(v & 0xffffffffn);
      hi = Number(v >> 32n);
    }
    for (let i = 0; i < 4; i++) {
      bytes[offset + i] = (lo >>> (8 * i)) & 0xff;
      bytes[offset + 4 + i] = (hi >>> (8 * i)) & 0xff;
    }
    return;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
    // A small field from a number (a u32 header word): byte arithmetic, no bigint.
    let rest = value;
    for (let i = 0; i < size; i++) {
      bytes[offset + i] = rest % 0x100;
      rest = Math.floor(rest / 0x100);
    }
    return;
  }
  let v = BigInt.asUintN(size * 8, BigInt(value));
  for (let i = 0; i < size; i++) {
    bytes[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** UTF-8 encode. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** UTF-8 decode (replacement characters for invalid sequences). */
export function fromUtf8(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** Printable ASCII view of bytes, '.' for others (for hexdumps). */
export function asciiView(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  return out;
}

/** Classic hexdump lines: `address  16 hex bytes  |ascii|`. */
export function hexdump(bytes: Uint8Array, base: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16);
    const hex = Array.from(row, (b) => BYTE_HEX[b]!).join(' ');
    lines.push(`${formatAddr(base + i)}  ${hex.padEnd(47)}  |${asciiView(row)}|`);
  }
  return lines;
}

/** Formats an address as `0x` hex, grouped in 4-digit blocks with `_` for readability. */
export function formatAddr(value: number | bigint): string {
  return '0x' + BigInt(value).toString(16).padStart(8, '0');
}
