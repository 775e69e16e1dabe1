// The seeded random source of the property tests (xorshift32: small, fast, deterministic),
// shared so that a failure's printed seed replays the same operations in every suite.

/** A random source from `seed`: `int(n)` in 0..n-1, `pick` from a list, `chance(p)`. */
export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    int: (n: number) => next() % n,
    pick: <T>(xs: readonly T[]): T => xs[next() % xs.length]!,
    chance: (p: number) => next() / 2 ** 32 < p,
  };
}

/** A random source of {@link rng}. */
export type Rng = ReturnType<typeof rng>;
