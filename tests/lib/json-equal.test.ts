// jsonEqual (src/lib/json-equal.ts): the same answer as comparing the JSON text of both values
// with their keys sorted, on random JSON-like values and small mutations of them.
import { describe, expect, it } from 'vitest';
import { jsonEqual } from '../../src/lib/json-equal.ts';
import { rng } from './xorshift.ts';

/** JSON text with keys sorted (and undefined fields dropped, as JSON.stringify does). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([p], [q]) => (p < q ? -1 : 1)))
      : x,
  );
}

function value(next: () => number, depth: number): unknown {
  const kind = next() % (depth > 2 ? 4 : 7);
  switch (kind) {
    case 0:
      return next() % 5;
    case 1:
      return ['a', 'b', ''][next() % 3];
    case 2:
      return next() % 2 === 0;
    case 3:
      return next() % 3 === 0 ? null : undefined;
    case 4:
    case 5:
      return Array.from({ length: next() % 4 }, () => value(next, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: next() % 4 }, () => [
          ['k', 'seq', 'x'][next() % 3]!,
          value(next, depth + 1),
        ]),
      );
  }
}

/** `v` with keys in reverse order and, sometimes, one leaf changed. */
function variant(v: unknown, next: () => number): unknown {
  if (Array.isArray(v)) return v.map((x) => variant(x, next));
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).reverse();
    return Object.fromEntries(entries.map(([k, x]) => [k, variant(x, next)]));
  }
  return next() % 10 === 0 ? value(next, 3) : v;
}

describe('jsonEqual', () => {
  it('agrees with comparing sorted JSON text on random values and their variants', () => {
    const r = rng(0x5eed);
    const next = () => r.int(2 ** 31);
    let equal = 0;
    for (let i = 0; i < 5000; i++) {
      const a = value(next, 0);
      const b = variant(a, next);
      const want = canonical(a) === canonical(b);
      if (want) equal++;
      expect(jsonEqual(a, b), `${canonical(a)} vs ${canonical(b)}`).toBe(want);
    }
    // Both answers occur often enough for the check to mean something.
    expect(equal).toBeGreaterThan(500);
    expect(equal).toBeLessThan(4900);
  });

  it('treats a field holding undefined as absent and tells arrays from objects', () => {
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual({ a: [1, 2] }, { a: [1, 2, 3] })).toBe(false);
  });
});
