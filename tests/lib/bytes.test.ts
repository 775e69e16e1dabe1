// Byte codecs (src/lib/bytes.ts): the fast paths of readLe / writeLe (8-byte RMI struct fields,
// cca-spec.md §2.4) and of the hex codec agree with their byte-by-byte definitions.
import { describe, expect, it } from 'vitest';
import {
  allZero,
  fromBase64,
  fromHex,
  isZero,
  readLe,
  toBase64,
  toHex,
  writeLe,
} from '../../src/lib/bytes.ts';
import { rng } from './xorshift.ts';

/** The definition: byte i holds bits [8i, 8i + 8), missing bytes read as zero. */
function readSlow(bytes: Uint8Array, offset: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[offset + i] ?? 0);
  return v;
}

const VALUES: (bigint | number)[] = [
  0n,
  1n,
  0xffn,
  0x8000_0000n,
  0xffff_ffffn,
  0x1_0000_0000n,
  0x1234_5678_9abc_def0n,
  0xffff_ffff_ffff_ffffn,
  -1n,
  1n << 64n,
  (1n << 64n) + 5n,
  0,
  7,
  0xffff_ffff,
  0x1_0000_0000,
  Number.MAX_SAFE_INTEGER,
  -1,
];

describe('little-endian fields', () => {
  it('an 8-byte field reads back as its value truncated to 64 bits, like byte-by-byte', () => {
    for (const value of VALUES) {
      const bytes = new Uint8Array(16);
      writeLe(bytes, 3, 8, value);
      expect(readLe(bytes, 3, 8)).toBe(BigInt.asUintN(64, BigInt(value)));
      expect(readLe(bytes, 3, 8)).toBe(readSlow(bytes, 3, 8));
      expect([...bytes.subarray(0, 3), ...bytes.subarray(11)].every((b) => b === 0)).toBe(true);
    }
  });

  it('every field size reads as the byte-by-byte definition, past the end as zeroes', () => {
    const bytes = Uint8Array.from({ length: 12 }, (_, i) => (i * 37 + 200) & 0xff);
    for (let size = 1; size <= 8; size++)
      for (let offset = 0; offset < bytes.length; offset++)
        expect(readLe(bytes, offset, size)).toBe(readSlow(bytes, offset, size));
  });

  it('a smaller field truncates to its width', () => {
    const bytes = new Uint8Array(4);
    writeLe(bytes, 0, 2, 0x12345n);
    expect(readLe(bytes, 0, 4)).toBe(0x2345n);
    for (const value of VALUES)
      for (let size = 1; size <= 7; size++) {
        const field = new Uint8Array(8);
        writeLe(field, 0, size, value);
        expect(readLe(field, 0, 8)).toBe(BigInt.asUintN(8 * size, BigInt(value)));
      }
  });
});

describe('hex codec', () => {
  it('decodes what it encodes, with or without 0x and separators; refuses odd length and non-hex', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = toHex(bytes);
    expect(text.slice(0, 6)).toBe('000102');
    expect(fromHex(text)).toEqual(bytes);
    expect(fromHex('0x' + text.toUpperCase())).toEqual(bytes);
    expect(fromHex('de:ad be_ef')).toEqual(Uint8Array.from([0xde, 0xad, 0xbe, 0xef]));
    expect(fromHex('abc')).toBeUndefined();
    expect(fromHex('zz')).toBeUndefined();
    expect(fromHex(' 0x12')).toBeUndefined();
    expect(fromHex('')).toEqual(new Uint8Array(0));
  });

  it('every length, short or long (one decode), gives two lower-case digits per byte in order', () => {
    for (const n of [0, 1, 31, 32, 33, 255, 4096, 10_001]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
      const expected = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      expect(toHex(bytes)).toBe(expected);
    }
  });
});

describe('base64 (RFC 4648 §4, §5)', () => {
  // The definition the codec must match: Node's own base64 of the same bytes.
  const reference = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

  it('encodes every length, a page and more than one fromCharCode piece as the definition does, and decodes back', () => {
    const random = rng(0xb64);
    for (const length of [0, 1, 2, 3, 4, 5, 4095, 4096, 4097, 0x2000, 0x2001, 3 * 0x2000 + 2]) {
      const bytes = Uint8Array.from({ length }, () => random.int(256));
      const text = toBase64(bytes);
      expect(text).toBe(reference(bytes));
      expect(fromBase64(text)).toEqual(bytes);
    }
  });

  it('decodes the URL-safe alphabet and unpadded text to the same bytes', () => {
    const bytes = Uint8Array.from([0xfb, 0xff, 0xbf, 0x3e, 0x7f]);
    const text = toBase64(bytes);
    expect(text).toBe('+/+/Pn8=');
    expect(fromBase64('-_-_Pn8')).toEqual(bytes);
  });

  it('refuses any other character, whitespace included, and an impossible length', () => {
    for (const bad of ['AAA*', 'AA AA', 'AAAA\n', 'A', 'AAAAA', 'AA=A', 'é'])
      expect(fromBase64(bad), bad).toBeUndefined();
  });
});

describe('allZero', () => {
  it('finds the one non-zero byte wherever it is in [from, to), and nothing outside it', () => {
    const bytes = new Uint8Array(37);
    expect(allZero(bytes, 0, bytes.length)).toBe(true);
    expect(isZero(bytes)).toBe(true);
    for (let at = 0; at < bytes.length; at++) {
      bytes.fill(0);
      bytes[at] = 1;
      for (const [from, to] of [
        [0, 37],
        [3, 30],
        [5, 13],
      ] as const) {
        expect(allZero(bytes, from, to)).toBe(!(at >= from && at < to));
      }
      expect(isZero(bytes)).toBe(false);
    }
  });
});
