/**
 * Code loaded when first used (issue 14, lab-ux.md §4.9: the first screen carries only what it
 * shows). A {@link LazyCode} wraps one literal `import()`: `load()` fetches the module once,
 * `get()` hands it to synchronous code afterwards. The machine runs synchronously, so whoever
 * starts work that reaches lazy code awaits its `load()` first (a shell command lists what it
 * needs, `ShellCommand.needs`, and the session's `prepare` loads it before the line runs).
 *
 * Design rationale: no fallback to a static import. `get()` before `load()` has settled is a
 * bug of the caller and says so by name, instead of the bundle quietly pulling the code back
 * into the first screen.
 */

/** A module that is fetched when first used. */
export interface LazyCode<T> {
  /** What the code is, for messages ("the attestation code"). */
  readonly name: string;
  /** True once the module is loaded: `get()` returns it. */
  readonly loaded: boolean;
  /** Fetches the module (once; later calls return the same promise). */
  load(): Promise<T>;
  /** The loaded module. Throws, naming the code, when `load()` has not settled yet. */
  get(): T;
}

/** A {@link LazyCode} over `importer`, a function returning a literal `import()`. */
export function lazyCode<T>(name: string, importer: () => Promise<T>): LazyCode<T> {
  let module: T | undefined;
  let loading: Promise<T> | undefined;
  return {
    name,
    get loaded() {
      return module !== undefined;
    },
    load() {
      loading ??= importer().then(
        (m) => (module = m),
        (error: unknown) => {
          // A failed fetch (offline without the cached file) may be retried later.
          loading = undefined;
          throw error;
        },
      );
      return loading;
    },
    get() {
      if (module === undefined)
        throw new Error(
          `${name} is not loaded yet: await its load() before running code that uses it`,
        );
      return module;
    },
  };
}

/** Loads every code in `codes` that is not loaded yet; undefined when all are there already. */
export function loadAll(codes: readonly LazyCode<unknown>[]): Promise<void> | undefined {
  const missing = codes.filter((c) => !c.loaded);
  if (missing.length === 0) return undefined;
  return Promise.all(missing.map((c) => c.load())).then(() => undefined);
}
