// Scrubbing the timeline at 100k ledger events (issue 14 Tests: "a 100k-event ledger scrubbed
// with frame time p95 <= 16 ms, printed by the bench"): the production build in headless
// Chromium at 1280x720 opens a scenario link whose typed lines (realms created and destroyed)
// leave 100k ledger events, then the mouse drags the timeline bar's slider (src/ui/timeline)
// across the whole ledger. A frame's time is measured in the page: from the slider's input
// event (before any of the page's handlers) to the end of the rendering that shows it (a
// message posted from the next animation frame runs after style, layout and paint). Floor,
// from the same run: the same drag over a run of the same lines cut to about 1k events, so
// the difference is what the ledger's length costs per frame. Then the same drag through a
// Pipeline view run, whose positions are all inside the run's start (no checkpoints there).
// Run `npm run build` first.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { abi } from '../src/emulator/index.ts';
import { encodeScenarioPayload, makeScenario } from '../src/lessons/index.ts';
import { withServedChromium } from './browser.ts';
import type { Benchmark } from './index.ts';

const DIST = 'dist';
/** Cycles of typed lines in the 100k-event run (a link holds at most 2000 lines). */
const CYCLES = 338;
/** Cycles of the floor's run (about 1k events). */
const FLOOR_CYCLES = 2;
/** Mouse moves per drag, across the slider's whole width and back. */
const MOVES = 240;
const TARGET_MS = 16;
/** The Pipeline view scenario whose run is scrubbed (attack 3, blocked by the monitor). */
const PIPELINE_SCENARIO = 3;
/** How long the slider rests before the view rebuilds a position inside a start (TimelineBar). */
const START_REST_MS = 120;
/** Granules the host delegates and undelegates: the first 64 of DRAM (abi/platform.ts). */
const { GRANULE_SIZE } = abi;
const DRAM_BASE = 0x8000_0000;
/** IPAs of realm a's private RAM that its lines write (the image ends below 0x4000). */
const PRIVATE_IPA = 0x4000;
const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * A run of typed lines: realm "a" created and run, then `cycles` times: a write and a read in
 * its memory, a copy, and the host delegating and undelegating a granule (~300 events).
 */
function lines(cycles: number): string[] {
  const out = ['realm create a --net', 'run a'];
  for (let k = 0; k < cycles; k++) {
    const granule = hex(DRAM_BASE + (k % 64) * GRANULE_SIZE);
    out.push(
      `@a mem write ${hex(PRIVATE_IPA + (k % 8) * GRANULE_SIZE)} "hello ${k}"`,
      '@a mem read 0x0 1024',
      '@a copy 0x4000 0x5000 16',
      `delegate ${granule}`,
      `undelegate ${granule}`,
    );
  }
  return out;
}

/** The p-th percentile (0..1) of `xs`. */
function percentile(xs: readonly number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/**
 * Installs the frame clock: one entry per slider input, its frame's time in ms. The runs open
 * in the same document (a link is a hash change), so the clock is installed once and emptied
 * before each drag: a second listener would count each frame twice.
 */
async function installFrameClock(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { scrubFrames: number[]; scrubClock?: true };
    w.scrubFrames = [];
    if (w.scrubClock) return;
    w.scrubClock = true;
    document.addEventListener(
      'input',
      (event) => {
        const target = event.target;
        if (!(target instanceof HTMLInputElement) || target.type !== 'range') return;
        const t0 = performance.now();
        requestAnimationFrame(() => {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => w.scrubFrames.push(performance.now() - t0);
          channel.port2.postMessage(null);
        });
      },
      true,
    );
  });
}

/** Opens the lab on a link replaying `typed`, waits until every line has run. */
async function openRun(page: Page, url: string, typed: readonly string[]): Promise<number> {
  const scenario = makeScenario({ mode: 'mica', title: 'scrub bench', commands: typed });
  await page.goto(`${url}#/s/${encodeScenarioPayload(scenario)}`, { waitUntil: 'load' });
  const slider = page.getByRole('slider', { name: 'Ledger position' });
  await slider.waitFor();
  // Every line has run once the slider's length stops growing.
  let max = -1;
  for (;;) {
    await page.waitForTimeout(2000);
    const now = Number(await slider.getAttribute('max'));
    if (now === max && now > 0) return now;
    max = now;
  }
}

/** Opens the lab and runs Pipeline view scenario `n` (the run is the timeline's start). */
async function openPipelineRun(page: Page, url: string, n: number): Promise<number> {
  await page.goto(`${url}#/`, { waitUntil: 'load' });
  await page.getByRole('tab', { name: 'Pipeline' }).click();
  await page.getByLabel('Scenario').selectOption(String(n));
  await page.getByRole('button', { name: 'Run' }).click();
  await page.locator('.pipeline .result').waitFor({ timeout: 120_000 });
  await page.getByRole('tab', { name: 'GPT map' }).click();
  return Number(await page.getByRole('slider', { name: 'Ledger position' }).getAttribute('max'));
}

/** Drags the slider from now to the start and back; returns the frames' times. */
async function drag(page: Page): Promise<number[]> {
  const slider = page.getByRole('slider', { name: 'Ledger position' });
  // The first look at the past indexes the run (one replay of its lines): not a scrub frame.
  await slider.focus();
  await page.keyboard.press('Home');
  await page.getByRole('button', { name: 'Return to now' }).waitFor({ timeout: 600_000 });
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Return to now' }).waitFor({ state: 'detached' });
  await installFrameClock(page);
  const box = (await slider.boundingBox())!;
  const y = box.y + box.height / 2;
  const right = box.x + box.width - 4;
  const left = box.x + 4;
  await page.mouse.move(right, y);
  await page.mouse.down();
  for (let i = 1; i <= MOVES; i++) {
    const f = i <= MOVES / 2 ? i / (MOVES / 2) : 2 - i / (MOVES / 2);
    await page.mouse.move(right - f * (right - left), y);
  }
  await page.mouse.up();
  await page.waitForTimeout(200);
  return page.evaluate(() => (window as unknown as { scrubFrames: number[] }).scrubFrames);
}

const fmt = (frames: readonly number[]) =>
  `p95 ${percentile(frames, 0.95).toFixed(1)} ms, p50 ${percentile(frames, 0.5).toFixed(1)} ms, max ${Math.max(...frames).toFixed(1)} ms over ${frames.length} frames`;

export const SCRUB_BENCHMARK: Benchmark = {
  name: 'P3 scrub: the timeline dragged through a 100k-event ledger in headless Chromium',
  async run(print) {
    if (!existsSync(join(DIST, 'index.html'))) {
      print('dist/index.html is missing: run "npm run build" first');
      return;
    }
    await withServedChromium(DIST, async (url, context) => {
      const page = await context.newPage();
      const small = await openRun(page, url, lines(FLOOR_CYCLES));
      const floor = await drag(page);
      print(`floor (the same drag through ${small} events): ${fmt(floor)}`);
      const t = performance.now();
      const events = await openRun(page, url, lines(CYCLES));
      print(
        `built ${events} events from ${lines(CYCLES).length} typed lines in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
      const frames = await drag(page);
      print(`P3 scrub at ${events} events: ${fmt(frames)} (target p95 <= ${TARGET_MS} ms)`);
      // A run with no typed lines: every position is inside its start, rebuilt by running the
      // pipeline scenario again up to it; the view goes where the slider rests.
      const run = await openPipelineRun(page, url, PIPELINE_SCENARIO);
      const pipeline = await drag(page);
      // Where the slider rests, the start runs once up to that position (the floor of a look
      // inside a start): timed from the key to the banner naming the position.
      const rest = await page.evaluate(async () => {
        const slider = document.querySelector<HTMLInputElement>('input[type=range]')!;
        const middle = Math.floor(Number(slider.max) / 2);
        const t0 = performance.now();
        slider.value = String(middle);
        slider.dispatchEvent(new Event('input', { bubbles: true }));
        for (;;) {
          await new Promise((r) => requestAnimationFrame(r));
          const text = document.querySelector('.timeline [role=status]')?.textContent ?? '';
          if (text.includes(`as of event ${middle} `)) return performance.now() - t0;
        }
      });
      print(
        `scrub through a pipeline run's start (attack ${PIPELINE_SCENARIO}, ${run} events): ${fmt(pipeline)}; ` +
          `frames over 100 ms: ${pipeline.filter((t) => t > 100).length}; ` +
          `the view as of where the slider rests (one run of the start, after ${START_REST_MS} ms at rest): ${rest.toFixed(0)} ms`,
      );
    });
  },
};
