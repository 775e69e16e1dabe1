// The first screen (issue 14: "<= 250 KB gzipped JS+CSS, everything else loaded when first
// used"): the gzipped bytes of what dist/index.html loads before any view is opened (its
// script, modulepreloads and stylesheets, and their static imports), next to the floor of
// the same run, the whole build gzipped as one file would be without splitting; and the time
// from navigation to a host terminal that takes keys in headless Chromium, next to the floor
// of a blank page's load in the same browser. Run `npm run build` first.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { withServedChromium } from './browser.ts';
import type { Benchmark } from './index.ts';

const DIST = 'dist';
const RUNS = 5;

const gz = (file: string): number => gzipSync(readFileSync(join(DIST, file))).length;

/** The assets the first screen loads: entry, preloads, stylesheets, static imports. */
function firstLoadFiles(): string[] {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const queue = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+\.(?:js|css))"/g)].map(
    (m) => m[1]!,
  );
  const seen = new Set<string>();
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith('.js')) continue;
    const code = readFileSync(join(DIST, file), 'utf8');
    // Static imports only (`from"./x.js"`); import("./x.js") is loaded when first used.
    for (const m of code.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) {
      queue.push(`assets/${m[1]!}`);
    }
  }
  return [...seen].sort();
}

/** Median of the timings. */
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeToTerminal(print: (line: string) => void): Promise<void> {
  await withServedChromium(DIST, async (url, context) => {
    const page = await context.newPage();
    const blank: number[] = [];
    const lab: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let t = performance.now();
      await page.goto(`${url}favicon.svg`, { waitUntil: 'load' });
      blank.push(performance.now() - t);
      await page.goto('about:blank');
      t = performance.now();
      await page.goto(`${url}#/`, { waitUntil: 'commit' });
      // Interactive: the host prompt is drawn and xterm's input has the focus.
      await page.waitForFunction(
        () =>
          document.activeElement?.classList.contains('xterm-helper-textarea') === true &&
          (document.querySelector('.xterm-rows')?.textContent ?? '').includes('host$'),
        undefined,
        { polling: 'raf' },
      );
      lab.push(performance.now() - t);
      await page.goto('about:blank');
    }
    print(`floor (load a static file from the same server): ${median(blank).toFixed(0)} ms`);
    print(
      `time to an interactive host terminal: ${median(lab).toFixed(0)} ms median of ${RUNS} ` +
        `(${(median(lab) / median(blank)).toFixed(1)}x floor)`,
    );
  });
}

export const FIRST_LOAD_BENCHMARK: Benchmark = {
  name: 'first screen: gzipped bytes and time to an interactive terminal',
  async run(print) {
    if (!existsSync(join(DIST, 'index.html'))) {
      print('dist/index.html is missing: run "npm run build" first');
      return;
    }
    const first = firstLoadFiles();
    const all = readdirSync(join(DIST, 'assets'))
      .filter((f) => /\.(js|css)$/.test(f))
      .map((f) => `assets/${f}`);
    const whole = gzipSync(Buffer.concat(all.map((f) => readFileSync(join(DIST, f))))).length;
    const firstBytes = first.reduce((sum, f) => sum + gz(f), 0);
    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    print(`floor (every JS+CSS asset gzipped as one file, the unsplit size): ${kb(whole)}`);
    print(
      `first load (${first.length} files, each gzipped): ${kb(firstBytes)} ` +
        `(${((100 * firstBytes) / whole).toFixed(0)}% of floor; budget 250 KB = 244.1 KiB)`,
    );
    for (const f of first) print(`  ${f}: ${kb(gz(f))}`);
    print(`loaded when first used: ${all.length - first.length} files`);
    await timeToTerminal(print);
  },
};
