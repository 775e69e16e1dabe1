// `npm run bench`: runs every benchmark module and prints its figures. Benchmarks measure;
// tests never assert on wall-clock time.
import { BENCHMARKS } from './index.ts';

for (const bench of BENCHMARKS) {
  console.log(`\n## ${bench.name}`);
  await bench.run((line) => console.log(line));
}
