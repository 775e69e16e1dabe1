// Robustness (lab-ux.md §3.1 item 2): the verifier never throws, whatever the bytes, and a
// mutated lab token always fails at least one check with a reason. One token is built once
// and mutated: truncation, wrong tags, wrong length arguments, deleted bytes and bit flips.
//
// Cost, measured on the 2-core dev machine: a bit flip inside a signed token costs one real
// ES384 verify (10-20 ms with noble); the other, untouched token's check is answered by the
// signature memo in cose.ts. Truncations and deletions fail in 0.1-0.3 ms, tag and length
// rewrites mostly break a structure before any signature. Bit flips are therefore weighted to
// ~6% of the 10,000 runs (about 600 real verifies, 10-15 s); the rest are structural.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attest } from '../../src/emulator/index.ts';
import { labInput } from './helpers.ts';

const token = attest.buildCcaToken(labInput());
const cpak = attest.TEST_CPAK_PUBLIC;

/** Every walked item of the token, including items inside byte strings that hold CBOR. */
function allItems(bytes: Uint8Array): attest.CborItem[] {
  const out: attest.CborItem[] = [];
  const visit = (item: attest.CborItem): void => {
    out.push(item);
    if (item.kind === 'array') item.items.forEach(visit);
    else if (item.kind === 'map') item.entries.forEach((e) => (visit(e.key), visit(e.value)));
    else if (item.kind === 'tag') visit(item.content);
    else if (item.kind === 'bstr' && item.value.length > 0) {
      const inner = attest.walkCbor(bytes, item.headerEnd, item.end);
      if (inner.ok) visit(inner.item);
    }
  };
  const root = attest.walkCbor(bytes);
  if (root.ok) visit(root.item);
  return out;
}

const items = allItems(token);
const tags = items.filter((i) => i.kind === 'tag');
/** Items with a length argument held in the initial byte or the next 1-2 bytes. */
const sized = items.filter(
  (i) =>
    (i.kind === 'bstr' || i.kind === 'tstr' || i.kind === 'array' || i.kind === 'map') &&
    i.headerEnd - i.start <= 3,
);

function readArg(bytes: Uint8Array, item: attest.CborItem): number {
  const info = bytes[item.start]! & 0x1f;
  if (info < 24) return info;
  if (info === 24) return bytes[item.start + 1]!;
  return (bytes[item.start + 1]! << 8) | bytes[item.start + 2]!;
}

/** Rewrites an item's length argument in place (same header size), to a different value. */
function withLength(item: attest.CborItem, delta: number): Uint8Array {
  const out = token.slice();
  const size = item.headerEnd - item.start;
  const max = size === 1 ? 23 : size === 2 ? 0xff : 0xffff;
  const old = readArg(token, item);
  let value = Math.min(max, Math.max(0, old + delta));
  if (value === old) value = old === 0 ? 1 : old - 1;
  if (size === 1) out[item.start] = (token[item.start]! & 0xe0) | value;
  else if (size === 2) out[item.start + 1] = value;
  else {
    out[item.start + 1] = value >> 8;
    out[item.start + 2] = value & 0xff;
  }
  return out;
}

/** Replaces a tag number with a different one (same header size). */
function withTag(item: attest.CborItem, n: number): Uint8Array {
  const out = token.slice();
  const size = item.headerEnd - item.start;
  if (size === 1) out[item.start] = 0xc0 | (n % 24 === 18 ? 19 : n % 24);
  else {
    const old = (token[item.start + 1]! << 8) | token[item.start + 2]!;
    const value = (n & 0xffff) === old ? old ^ 1 : n & 0xffff;
    out[item.start + 1] = value >> 8;
    out[item.start + 2] = value & 0xff;
  }
  return out;
}

const mutation = fc.oneof(
  {
    weight: 26,
    arbitrary: fc
      .integer({ min: 0, max: token.length - 1 })
      .map((n) => ({ kind: 'truncate', bytes: token.slice(0, n) })),
  },
  {
    weight: 15,
    arbitrary: fc
      .tuple(fc.constantFrom(...tags), fc.integer({ min: 0, max: 0xffff }))
      .map(([t, n]) => ({ kind: 'tag', bytes: withTag(t, n) })),
  },
  {
    weight: 36,
    arbitrary: fc
      .tuple(fc.constantFrom(...sized), fc.integer({ min: -300, max: 300 }))
      .map(([i, d]) => ({ kind: 'length', bytes: withLength(i, d) })),
  },
  {
    weight: 17,
    arbitrary: fc.integer({ min: 0, max: token.length - 1 }).map((at) => ({
      kind: 'delete',
      bytes: new Uint8Array([...token.subarray(0, at), ...token.subarray(at + 1)]),
    })),
  },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: token.length - 1 }), fc.integer({ min: 0, max: 7 }))
      .map(([at, bit]) => {
        const bytes = token.slice();
        bytes[at] = bytes[at]! ^ (1 << bit);
        return { kind: 'bitflip', bytes };
      }),
  },
);

describe('verifyCcaToken on hostile input', () => {
  it('the unmutated token passes (so the property below is not vacuous)', () => {
    const r = attest.verifyCcaToken(token, { cpak, challenge: labInput().challenge });
    expect(r.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(tags.length).toBe(3);
    expect(sized.length).toBeGreaterThan(40);
  });

  it('10,000 mutated tokens: no exception, verdict fail, at least one failed check with a reason', () => {
    const seen: Record<string, number> = {};
    fc.assert(
      fc.property(mutation, ({ kind, bytes }) => {
        seen[kind] = (seen[kind] ?? 0) + 1;
        const r = attest.verifyCcaToken(bytes, { cpak, challenge: labInput().challenge });
        const failures = r.checks.filter((c) => c.status === 'fail');
        expect(r.verdict).toBe('fail');
        expect(failures.length).toBeGreaterThan(0);
        for (const f of failures) expect(f.reason.length).toBeGreaterThan(10);
        expect(failures.map((f) => f.id)).not.toContain('internal');
        for (const c of r.checks) {
          if (c.range) expect(c.range[0] >= 0 && c.range[1] <= bytes.length).toBe(true);
        }
        if (r.tree) {
          attest.nodePathAt(r.tree, bytes.length >> 1);
          const paths: string[] = [];
          const visit = (n: attest.TokenNode): void => {
            paths.push(n.path);
            n.children.forEach(visit);
          };
          visit(r.tree);
          expect(new Set(paths).size).toBe(paths.length);
        }
      }),
      { numRuns: 10_000 },
    );
    // Each mutation kind was exercised (printed so the mix can be checked in the log).
    console.log('mutations per kind:', JSON.stringify(seen));
    expect(Object.keys(seen).sort()).toEqual(['bitflip', 'delete', 'length', 'tag', 'truncate']);
  }, 180_000);

  it('random byte strings never throw and always fail', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = attest.verifyCcaToken(bytes, { cpak });
        expect(r.verdict).toBe('fail');
      }),
      { numRuns: 3000 },
    );
  });

  it('the CBOR walker never throws on random bytes and its ranges nest', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const w = attest.walkCbor(bytes);
        if (w.ok) expect(w.item.end).toBe(bytes.length);
        else expect(w.offset >= 0 && w.offset <= bytes.length).toBe(true);
        // decodeCbor fails wherever the walker does, at the same offset (cbor-x may refuse
        // a few more well-formed items, e.g. unassigned simple values, but never throws).
        const d = attest.decodeCbor(bytes);
        if (!w.ok) expect(d).toEqual({ ok: false, error: w.error, offset: w.offset });
      }),
      { numRuns: 5000 },
    );
  });
});

describe('CBOR round trip (property)', () => {
  const leaf = fc.oneof(
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    fc.string({ maxLength: 20 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.boolean(),
  );
  const value = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.array(tie('v'), { maxLength: 4 }),
      fc
        .uniqueArray(fc.tuple(fc.integer({ min: -70_000, max: 70_000 }), tie('v')), {
          maxLength: 4,
          selector: ([k]) => k,
        })
        .map((entries) => new Map(entries)),
    ),
  })).v;

  /** Rebuilds a JS value from walked items, for comparison with the encoded input. */
  function rebuild(item: attest.CborItem): unknown {
    switch (item.kind) {
      case 'array':
        return item.items.map(rebuild);
      case 'map':
        return new Map(item.entries.map((e) => [rebuild(e.key), rebuild(e.value)]));
      case 'tag':
        return rebuild(item.content);
      default:
        return item.value;
    }
  }

  it('what encodeCbor writes, walkCbor reads back with nested, contiguous ranges', () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = attest.encodeCbor(v);
        const w = attest.walkCbor(bytes);
        expect(w.ok).toBe(true);
        if (!w.ok) return;
        expect(rebuild(w.item)).toEqual(v);
        const check = (i: attest.CborItem): void => {
          const kids =
            i.kind === 'array'
              ? i.items
              : i.kind === 'map'
                ? i.entries.flatMap((e) => [e.key, e.value])
                : [];
          let at = i.headerEnd;
          for (const k of kids) {
            expect(k.start).toBe(at);
            check(k);
            at = k.end;
          }
          if (kids.length) expect(at).toBe(i.end);
        };
        check(w.item);
      }),
      { numRuns: 2000 },
    );
  });
});
