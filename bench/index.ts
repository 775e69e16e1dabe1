// The benchmark catalogue: add a module exporting a Benchmark and list it here.
import { ATTEST_BENCHMARK } from './attest.ts';
import { FIRST_LOAD_BENCHMARK } from './first-load.ts';
import { PIPELINE_BENCHMARK } from './pipeline.ts';
import { RMI_BENCHMARK } from './rmi.ts';
import { SCRUB_BENCHMARK } from './scrub.ts';
import { TIMELINE_BENCHMARK } from './timeline.ts';
import { UNDO_BENCHMARK } from './undo.ts';

export interface Benchmark {
  readonly name: string;
  readonly run: (print: (line: string) => void) => Promise<void> | void;
}

export const BENCHMARKS: Benchmark[] = [
  ATTEST_BENCHMARK,
  RMI_BENCHMARK,
  UNDO_BENCHMARK,
  PIPELINE_BENCHMARK,
  TIMELINE_BENCHMARK,
  FIRST_LOAD_BENCHMARK,
  SCRUB_BENCHMARK,
];
