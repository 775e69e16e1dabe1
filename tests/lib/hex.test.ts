// The one hex formatter (src/lib/hex.ts): what every layer prints for addresses and keys.
import { describe, expect, it } from 'vitest';
import { hex, hexGrouped } from '../../src/lib/hex.ts';

describe('hex', () => {
  it('prints 0x and lower-case digits with no padding, for numbers and bigints', () => {
    expect(hex(0x8001_0000)).toBe('0x80010000');
    expect(hex(0)).toBe('0x0');
    expect(hex(0xabcn)).toBe('0xabc');
    expect(hex((1n << 64n) - 1n)).toBe('0xffffffffffffffff');
  });
});

describe('hexGrouped', () => {
  it('pads to 8 digits and groups them by 4 from the right', () => {
    expect(hexGrouped(0x1000)).toBe('0x0000_1000');
    expect(hexGrouped(0x8000_0000)).toBe('0x8000_0000');
    expect(hexGrouped(0x1_0000_0000)).toBe('0x1_0000_0000');
  });
});
