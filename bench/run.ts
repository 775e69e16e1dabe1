// `npm run bench`: runs every benchmark module and prints its figures. Benchmarks measure;
// tests never assert on wall-clock time. Like the CLI, the benchmarks load the code the page
// loads when first used (src/shell/lazy.ts) before running any line.
import { loadShellCode } from '../src/shell/index.ts';
import { BENCHMARKS } from './index.ts';

await loadShellCode();
for (const bench of BENCHMARKS) {
  console.log(`\n## ${bench.name}`);
  await bench.run((line) => console.log(line));
}
