// `npm run bench`: runs every benchmark module and prints its figures. Benchmarks measure;
// tests never assert on wall-clock time. Like the CLI, the benchmarks load the code the page
// loads when first used (src/shell/lazy.ts) before running any line.
// `npm run bench -- pipeline` runs only the benchmarks whose name contains "pipeline".
import { loadShellCode } from '../src/shell/index.ts';
import { BENCHMARKS } from './index.ts';

const only = process.argv.slice(2).map((a) => a.toLowerCase());
const chosen = BENCHMARKS.filter(
  (b) => only.length === 0 || only.some((word) => b.name.toLowerCase().includes(word)),
);
if (chosen.length === 0) {
  console.error(
    `no benchmark matches ${only.join(', ')}; benchmarks: ${BENCHMARKS.map((b) => b.name).join('; ')}`,
  );
  process.exit(2);
}
await loadShellCode();
for (const bench of chosen) {
  console.log(`\n## ${bench.name}`);
  await bench.run((line) => console.log(line));
}
