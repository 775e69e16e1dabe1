/**
 * The `POLY` v1 binary (mica-spec.md §2.2.3), the legacy `PAYL` (§2.3) and the 2184-byte parsed
 * record (§4.2): byte-exact encodings, the RMM parser's rejections with offset and field, and
 * the record layout.
 */
import { describe, expect, it } from 'vitest';
import {
  decodePayl,
  decodePolicyBinary,
  decodePoly,
  decodeRecord,
  encodePoly,
  encodeRecord,
  parsePolicy,
  recordCfOffset,
  recordMapOffset,
  recordMemOffset,
  recordVmOffset,
  toPolicyPage,
  type Policy,
} from '../../src/policy/index.ts';
import { bytesOf, fixture, hexOf, loadPolicy } from './helpers.ts';

/** C11 (`ra.json`) encoded by hand from the §2.2.3 table, one record per line. */
const C11_POLY = bytesOf(`
  594c4f50 0100 0100 0200 0100 0100 0000
  564d3100 01000000 01 00 0000
  564d3200 02000000 00 00 0000
  4d656d31 0020000000000000 0100 0200
  0000 0300 0000000080010000 00000000 00000000
  0100 0300 0000000080010000 00000000 00000000
  43463100 0000 0100 0100 0100
  23000000
`);

function c11(): Uint8Array {
  return C11_POLY.slice();
}

function patch(bytes: Uint8Array, offset: number, hex: string): Uint8Array {
  bytes.set(bytesOf(hex), offset);
  return bytes;
}

describe('POLY v1 encoding (§2.2.3)', () => {
  it('C11 encodes byte for byte as the format table says (112 bytes)', () => {
    const r = encodePoly(loadPolicy('c11-ra.json'));
    expect(r.ok && hexOf(r.bytes)).toBe(hexOf(C11_POLY));
    expect(C11_POLY.length).toBe(112);
  });

  it('the magic is the u32 0x504f4c59 stored little-endian', () => {
    expect(Array.from(C11_POLY.subarray(0, 4))).toEqual([0x59, 0x4c, 0x4f, 0x50]);
  });

  it('a whole zeroed 4 KiB page decodes; a stray byte after the records is a warning at its offset', () => {
    const page = toPolicyPage(c11())!;
    const ok = decodePoly(page);
    expect(ok.ok && ok.warnings).toEqual([]);
    page[200] = 1;
    const warned = decodePoly(page);
    expect(warned.ok && warned.warnings.map((w) => w.message)).toEqual([
      'byte 0x00c8 (padding): non-zero byte after the last record (the uploader writes into a zeroed page)',
    ]);
  });

  it('refuses model values the format cannot hold, naming the field', () => {
    const p = loadPolicy('c11-ra.json');
    const bad: Policy = {
      ...p,
      vms: [{ ...p.vms[0]!, name: 'VM100', hash: 2 ** 32 }, p.vms[1]!],
      cfs: [{ ...p.cfs[0]!, range: [1, 2, 3, 4, 5, 6, 7, 8, 9] }],
    };
    const r = encodePoly(bad);
    expect(r.ok || r.errors.map((e) => e.field)).toEqual([
      'vms[0].name',
      'vms[0].hash',
      'cfs[0].range',
    ]);
  });
});

interface Rejection {
  readonly name: string;
  readonly bytes: () => Uint8Array;
  readonly message: string;
}

const REJECTIONS: readonly Rejection[] = [
  {
    name: 'shorter than 16 bytes',
    bytes: () => c11().subarray(0, 15),
    message: 'byte 0x0000 (header): truncated header: needs 16 bytes, 15 given',
  },
  {
    name: 'wrong magic',
    bytes: () => patch(c11(), 0, '41424344'),
    message: "byte 0x0000 (magic): expected 0x504f4c59 ('POLY'), found 0x44434241 ('DCBA')",
  },
  {
    name: 'legacy PAYL magic, explained',
    bytes: () => patch(c11(), 0, '4c594150'),
    message:
      "byte 0x0000 (magic): found 0x5041594c ('PAYL'): a legacy dialect-P binary (§2.3). The current RMM accepts only POLY 0x504f4c59 ('POLY') and refuses this with RSI_ERROR_INPUT; decodePolicyBinary() can translate it (§2.4)",
  },
  {
    name: 'version 2',
    bytes: () => patch(c11(), 4, '0200'),
    message: 'byte 0x0004 (version): expected version 1, found 2',
  },
  {
    name: 'self_vm_index >= num_vms',
    bytes: () => patch(c11(), 6, '0200'),
    message: 'byte 0x0006 (self_vm_index): self_vm_index 2 is not below num_vms 2',
  },
  {
    name: 'self_vm_index 0xffff',
    bytes: () => patch(c11(), 6, 'ffff'),
    message:
      'byte 0x0006 (self_vm_index): self_vm_index is 0xffff: the RMM parser tolerates it but binding and validation then break, so it is refused here',
  },
  {
    name: 'truncated VM section',
    bytes: () => c11().subarray(0, 30),
    message: 'byte 0x001c (vms[1]): truncated VM record: needs 12 bytes, 2 remain',
  },
  {
    name: 'MEM type OTHER (3)',
    bytes: () => patch(c11(), 52, '0300'),
    message:
      'byte 0x0034 (mems[0].type): expected 1 (PROTECTED) or 2 (UNPROTECTED), found 3: OTHER (3) is reserved and rejected by the RMM',
  },
  {
    name: 'truncated MAP section',
    bytes: () => c11().subarray(0, 80),
    message: 'byte 0x004c (mems[0].maps[1]): truncated MAP record: needs 20 bytes, 4 remain',
  },
  {
    name: 'MAP vm_index out of range and not ANY',
    bytes: () => patch(c11(), 56, '0500'),
    message:
      'byte 0x0038 (mems[0].maps[0].vm_index): VM index 5 is out of range (num_vms 2) and not ANY 0xffff',
  },
  {
    name: 'prot 0',
    bytes: () => patch(c11(), 58, '0000'),
    message: 'byte 0x003a (mems[0].maps[0].prot): expected 1 (R), 2 (W) or 3 (RW), found 0',
  },
  {
    name: 'ANY with any_count below -1',
    bytes: () => patch(patch(c11(), 56, 'ffff'), 68, 'feffffff'),
    message: 'byte 0x0044 (mems[0].maps[0].any_count): ANY any_count -2 is below -1 (unlimited)',
  },
  {
    name: 'named mapping with a non-zero any_count',
    bytes: () => patch(c11(), 68, '01000000'),
    message:
      'byte 0x0044 (mems[0].maps[0].any_count): named mapping carries any_count 1, expected 0',
  },
  {
    name: 'CF owner out of range and not 0xffff',
    bytes: () => patch(c11(), 100, '0700'),
    message:
      'byte 0x0064 (cfs[0].owner_vm_index): owner index 7 is out of range (num_vms 2) and not 0xffff',
  },
  {
    name: 'CF type beyond OTHER',
    bytes: () => patch(c11(), 102, '0400'),
    message: 'byte 0x0066 (cfs[0].type): expected 1..3 (CALL, EXCEPTION, OTHER) or 0, found 4',
  },
  {
    name: 'truncated CF range',
    bytes: () => c11().subarray(0, 110),
    message: 'byte 0x006c (cfs[0].range): truncated CF range: needs 4 bytes, 2 remain',
  },
  {
    name: 'larger than one granule',
    bytes: () => {
      const b = new Uint8Array(4097);
      b.set(c11());
      return b;
    },
    message:
      'byte 0x1000 (length): 4097 bytes do not fit one 4 KiB granule (the uploader writes a single page)',
  },
];

describe('POLY v1 rejections name the byte offset and field (§2.2.3)', () => {
  for (const r of REJECTIONS) {
    it(r.name, () => {
      const d = decodePoly(r.bytes());
      expect(d.ok).toBe(false);
      if (d.ok) return;
      expect(d.errors.map((e) => e.message)).toEqual([r.message]);
    });
  }
});

describe('POLY v1 decoder warnings where the RMM only warns', () => {
  it('CF type and policy 0 are coerced to OTHER', () => {
    const d = decodePoly(patch(c11(), 102, '00000000'));
    expect(d.ok && d.policy.cfs[0]).toMatchObject({ type: 'OTHER', policy: 'OTHER' });
    expect(d.ok && d.warnings.map((w) => w.field)).toEqual(['cfs[0].type', 'cfs[0].policy']);
  });

  it('nine VM records: the first eight are kept, with a warning at num_vms', () => {
    const vm = (i: number) =>
      `564d${(0x30 + i).toString(16)}00 ${i.toString(16).padStart(2, '0')}000000 01 00 0000`;
    const bytes = bytesOf(`
      594c4f50 0100 0000 0900 0000 0000 0000
      ${Array.from({ length: 9 }, (_, i) => vm(i + 1)).join(' ')}
    `);
    const d = decodePoly(bytes);
    expect(d.ok && d.policy.vms.map((v) => v.name)).toEqual([
      'VM1',
      'VM2',
      'VM3',
      'VM4',
      'VM5',
      'VM6',
      'VM7',
      'VM8',
    ]);
    expect(d.ok && d.warnings.map((w) => w.message)).toEqual([
      'byte 0x0008 (num_vms): 9 entries, the RMM keeps the first 8 and skips the rest',
      'byte 0x000a (num_mems): no memory objects: the prototype RMM refuses such a policy as empty (§2.2.3); the emulator accepts it (§8 item 9)',
    ]);
  });
});

/** P1 as the Dec-2025 guest patches would write it (§2.3 layout), by hand. */
const P1_PAYL = bytesOf(`
  4c594150 0100 0000 0200 0100 0100 0000
  564d3100 01000000 01 01 0000
  564d3200 02000000 01 01 0000
  4d656d31 00000004 0200 0000
  03000000 0000 0100 0000 0000
  0000 0100 0000000080010000
  ffff 0200 0000000080010000
  43683100 0100 0300 0100 0000
`);

describe('legacy PAYL (§2.3)', () => {
  it('decodes and translates to the same model as the P1 text (§2.4)', () => {
    const text = parsePolicy(fixture('p1-usecase3-policy1.json'));
    const bin = decodePolicyBinary(P1_PAYL);
    expect(bin.ok && bin.format).toBe('PAYL');
    expect(bin.ok && bin.policy).toEqual(text.ok && text.policy);
  });

  it('refuses unknown property bits with their offset', () => {
    const b = P1_PAYL.slice();
    b[52] = 0x07;
    const d = decodePayl(b);
    expect(d.ok || d.errors[0]?.message).toBe(
      'byte 0x0034 (ps[0].properties): unknown property bits 0x7 (bit 0 PROTECTED, bit 1 FRESH)',
    );
  });
});

describe('the 2184-byte parsed record (§4.2)', () => {
  it('slot offsets: VMs at 8 (12 each), MEMs at 104 (216 each, maps at +24, 24 each), CFs at 1832 (44 each)', () => {
    expect([recordVmOffset(0), recordVmOffset(7) + 12]).toEqual([8, 104]);
    expect([recordMemOffset(0), recordMemOffset(7) + 216]).toEqual([104, 1832]);
    expect([recordMapOffset(0, 0), recordMapOffset(0, 7) + 24]).toEqual([128, 320]);
    expect([recordCfOffset(0), recordCfOffset(7) + 44]).toEqual([1832, 2184]);
  });

  it('C11 lands in the record exactly at the §4.2 offsets, and nowhere else', () => {
    const r = encodeRecord(loadPolicy('c11-ra.json'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const b = r.bytes;
    const v = new DataView(b.buffer);
    const u16 = (o: number) => v.getUint16(o, true);
    expect(b.length).toBe(2184);
    expect([u16(0), u16(2), u16(4), u16(6)]).toEqual([1, 2, 1, 1]);
    const vm = (name: string, hash: string, gw: string) => name + '00' + hash + gw + '000000';
    expect(hexOf(b.subarray(8, 32))).toBe(
      vm('564d31', '01000000', '01') + vm('564d32', '02000000', '00'),
    );
    expect(hexOf(b.subarray(104, 128))).toBe(
      '4d656d31' + '00000000' + '0020000000000000' + '0100' + '0200' + '00000000',
    );
    const map = (vmIndex: string) =>
      vmIndex + '0300' + '00000000' + '0000000080010000' + '00000000' + '00000000';
    expect(hexOf(b.subarray(128, 176))).toBe(map('0000') + map('0100'));
    expect(hexOf(b.subarray(1832, 1848))).toBe(
      '43463100' + '0000' + '0100' + '0100' + '0100' + '23000000',
    );
    // header 4 + VM1 5 + VM2 4 + MEM 7 + map0 3 + map1 4 + CF 7 non-zero bytes, nothing else.
    const nonZero = Array.from(b).filter((x) => x !== 0).length;
    expect(nonZero).toBe(4 + 5 + 4 + 7 + 3 + 4 + 7);
  });

  it('refuses what the RMM cannot have written: wrong length, too many slots, non-zero padding', () => {
    const r = encodeRecord(loadPolicy('c1-video-rg.json'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const msg = (b: Uint8Array) => {
      const d = decodeRecord(b);
      return d.ok ? 'accepted' : d.errors[0]!.message;
    };
    expect(msg(r.bytes.subarray(0, 2183))).toBe(
      'byte 0x0887 (length): a record is exactly 2184 bytes, found 2183',
    );
    expect(msg(patch(r.bytes.slice(), 2, '0900'))).toBe(
      'byte 0x0002 (num_vms): 9 exceeds the 8 slots',
    );
    expect(msg(patch(r.bytes.slice(), 108, '01'))).toBe(
      'byte 0x006c (mems[0].pad): non-zero byte 0x1: the RMM zero-fills the record, so it did not write this blob',
    );
    expect(msg(patch(r.bytes.slice(), recordMemOffset(5) + 3, '01'))).toBe(
      'byte 0x04a3 (mems[5] (unused slot)): non-zero byte 0x1: the RMM zero-fills the record, so it did not write this blob',
    );
    expect(msg(patch(r.bytes.slice(), 8, '564d0031'))).toBe(
      "byte 0x000b (vms[0].name): non-zero byte after the name's terminating NUL",
    );
    expect(msg(patch(r.bytes.slice(), 120, '0300'))).toBe(
      'byte 0x0078 (mems[0].type): expected 1 (PROTECTED) or 2 (UNPROTECTED), found 3',
    );
  });

  it('refuses to encode memory type OTHER, which the RMM never stores', () => {
    const p = loadPolicy('c1-video-rg.json');
    const r = encodeRecord({ ...p, mems: [{ ...p.mems[0]!, type: 'OTHER' }] });
    expect(r.ok || r.errors).toEqual([
      { field: 'mems[0].type', message: 'type OTHER is rejected by the RMM and never stored' },
    ]);
  });
});
