// The benchmark catalogue: add a module exporting a Benchmark and list it here.
export interface Benchmark {
  readonly name: string;
  readonly run: (print: (line: string) => void) => Promise<void> | void;
}

export const BENCHMARKS: Benchmark[] = [];
