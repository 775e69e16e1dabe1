// The one hex formatter (src/lib/hex.ts) and the 64-bit register helpers hex64 / u64 (src/lib/bits.ts):
// what every layer prints for addresses, keys and register values.
import { describe, expect, it } from 'vitest';
import { hex64, u64 } from '../../src/lib/bits.ts';
import { hex, hexGrouped } from '../../src/lib/hex.ts';

describe('hex', () => {
  it('prints 0x and lower-case digits with no padding, for numbers and bigints', () => {
    expect(hex(0x8001_0000)).toBe('0x80010000');
    expect(hex(0)).toBe('0x0');
    expect(hex(0xabcn)).toBe('0xabc');
    expect(hex((1n << 64n) - 1n)).toBe('0xffffffffffffffff');
  });

  it('prints granule-aligned addresses (kept by granule number) like any other number, every time', () => {
    for (const v of [0x1000, 0x8000_0000, 0x8765_4000, 2 ** 42, 2 ** 52, 0x8000_0001, 0xfff, 0.5])
      for (let i = 0; i < 3; i++) expect(hex(v)).toBe('0x' + v.toString(16));
  });
});

describe('hexGrouped', () => {
  it('pads to 8 digits and groups them by 4 from the right', () => {
    expect(hexGrouped(0x1000)).toBe('0x0000_1000');
    expect(hexGrouped(0x8000_0000)).toBe('0x8000_0000');
    expect(hexGrouped(0x1_0000_0000)).toBe('0x1_0000_0000');
  });
});

describe('hex64', () => {
  it('prints any 64-bit register value, negative numbers and wider bigints truncated to 64 bits', () => {
    expect(hex64(0)).toBe('0x0');
    expect(hex64(0n)).toBe('0x0');
    expect(hex64(0xffff_ffffn)).toBe('0xffffffff');
    expect(hex64(0x1_0000_0000n)).toBe('0x100000000');
    expect(hex64(0x8000_0000_0000_0000n)).toBe('0x8000000000000000');
    expect(hex64(-1)).toBe('0xffffffffffffffff');
    expect(hex64(-1n)).toBe('0xffffffffffffffff');
    expect(hex64((1n << 64n) + 2n)).toBe('0x2');
    expect(hex64(2 ** 60)).toBe('0x1000000000000000');
  });
});

describe('u64', () => {
  it('keeps in-range values and truncates the rest to 64 bits', () => {
    expect(u64(0)).toBe(0n);
    expect(u64(5)).toBe(5n);
    expect(u64(0xffff_ffff_ffff_ffffn)).toBe(0xffff_ffff_ffff_ffffn);
    expect(u64(-1)).toBe(0xffff_ffff_ffff_ffffn);
    expect(u64(-2n)).toBe(0xffff_ffff_ffff_fffen);
    expect(u64(1n << 64n)).toBe(0n);
    expect(u64(2 ** 60)).toBe(1n << 60n);
  });
});
