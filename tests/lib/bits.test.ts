// Bit fields (src/lib/bits.ts): the number-arithmetic packing of low-word fields (every REC
// exit's ESR_EL2, DDI0601 ESR_EL2) gives the value field-by-field bigint packing gives.
import { describe, expect, it } from 'vitest';
import { field, packFields, packLowFields } from '../../src/lib/bits.ts';

describe('packLowFields', () => {
  it('packs fields in bits [31:0] like packFields, later pairs winning, values truncated', () => {
    const ec = field(31, 26);
    const il = field(25, 25);
    const sas = field(23, 22);
    const fsc = field(5, 0);
    const all = field(31, 0);
    const cases: [ReturnType<typeof field>, number][][] = [
      [],
      [[ec, 0x24]],
      [
        [ec, 0x3f],
        [il, 1],
        [sas, 3],
        [fsc, 0x3f],
      ],
      [[fsc, 0x7f]],
      [[all, 0xffff_ffff]],
      [
        [all, 0xffff_ffff],
        [il, 0],
        [ec, 0x20],
      ],
    ];
    for (const pairs of cases)
      expect(packLowFields(...pairs.flat())).toBe(packFields(pairs.map(([f, v]) => [f, v])));
  });

  it('refuses a field above bit 31', () => {
    expect(() => packLowFields(field(32, 30), 1)).toThrow(/not in bits \[31:0\]/);
  });
});
