// CBOR for the token (lab-ux.md §4.5, toolchain.md trap 6): the cbor-x options produce plain
// RFC 8949 items, and the walker reports byte ranges and error offsets without throwing.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/lib/bytes.ts';
import { attest } from '../../src/emulator/index.ts';

const hex = (b: Uint8Array): string => toHex(b);
const bytes = (h: string): Uint8Array =>
  Uint8Array.from(h.match(/../g)!.map((x) => parseInt(x, 16)));

describe('encodeCbor (cbor-x with the lab options)', () => {
  it('writes a 3-entry Map as a3 with integer keys, no tag 259, no 16-bit length', () => {
    expect(
      hex(
        attest.encodeCbor(
          new Map<number, number | string>([
            [1, 2],
            [-1, 2],
            [10, 'x'],
          ]),
        ),
      ),
    ).toBe('a3010220020a6178');
  });

  it('writes a plain Uint8Array as a byte string (major type 2), not typed-array tag 64', () => {
    expect(hex(attest.encodeCbor(Uint8Array.of(1, 2, 3)))).toBe('43010203');
    expect(hex(attest.encodeCbor(new Uint8Array(0)))).toBe('40');
  });

  it('returns a fresh copy each time (cbor-x reuses its output buffer)', () => {
    const a = attest.encodeCbor(Uint8Array.of(1));
    attest.encodeCbor(Uint8Array.of(2));
    expect(hex(a)).toBe('4101');
  });

  it('decodeCbor maps to Map so integer claim keys stay integers', () => {
    const r = attest.decodeCbor(bytes('a20a4101190109626162'));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value).toBeInstanceOf(Map);
      expect([...(r.value as Map<unknown, unknown>).keys()]).toEqual([10, 265]);
    }
  });
});

describe('walkCbor', () => {
  it('records [start, end) of nested items', () => {
    // {10: h'0102', 265: "ab"}
    const w = attest.walkCbor(bytes('a20a420102190109626162'));
    expect(w.ok).toBe(true);
    if (!w.ok || w.item.kind !== 'map') return;
    const [first, second] = w.item.entries;
    expect([first!.key.start, first!.key.end, first!.value.start, first!.value.end]).toEqual([
      1, 2, 2, 5,
    ]);
    expect([second!.key.start, second!.value.start, second!.value.end]).toEqual([5, 8, 11]);
  });

  it('walks a byte string content in place with absolute offsets', () => {
    // h'a10138 22' wrapped: 44 a1 01 38 22
    const buf = bytes('44a1013822');
    const inner = attest.walkCbor(buf, 1, 5);
    expect(inner.ok && inner.item.kind === 'map' && inner.item.entries[0]!.value.start).toBe(3);
  });

  it.each([
    ['', 'empty input', 0],
    ['5820aa', 'does not fit', 0],
    ['82 01 58', 'truncated', 2],
    ['a2 0a 41 01 19 01 09', 'truncated', 7],
    ['1c', 'reserved additional information', 0],
    ['ff', 'unexpected break', 0],
    ['0102', 'unexpected byte', 1],
    ['6280ff', 'not valid UTF-8', 0],
    ['f800', 'short form', 0],
    ['9b ffffffffffffffff', 'does not fit', 0],
  ])('rejects %s with "%s" at byte %i', (h, message, offset) => {
    const w = attest.walkCbor(h ? bytes(h.replace(/ /g, '')) : new Uint8Array(0));
    expect(w.ok).toBe(false);
    if (!w.ok) {
      expect(w.error).toContain(message);
      expect(w.offset).toBe(offset);
    }
  });

  it('reads indefinite-length strings, arrays and maps', () => {
    const w = attest.walkCbor(bytes('9f5f41014102ff02bf0102ffff'));
    expect(w.ok).toBe(true);
    if (w.ok && w.item.kind === 'array') {
      const [s, , m] = w.item.items;
      expect(s?.kind === 'bstr' && hex(s.value)).toBe('0102');
      expect(m?.kind === 'map' && m.entries.length).toBe(1);
    }
  });

  it('bounds nesting depth instead of overflowing the stack', () => {
    const w = attest.walkCbor(new Uint8Array(10_000).fill(0x81));
    expect(w.ok).toBe(false);
    if (!w.ok) expect(w.error).toContain('nesting');
  });

  it('decodeCbor returns an error value with the offset, never throws', () => {
    const r = attest.decodeCbor(bytes('a20a4101190109'));
    expect(r).toMatchObject({ ok: false, offset: 7 });
  });
});
