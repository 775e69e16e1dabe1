/**
 * Shared set-up for the end-to-end tests: serves the production build (dist/) and drives
 * Debian's Chromium through playwright-core with a fresh profile and the closed-network
 * flags (toolchain.md trap 9). Nothing here downloads a browser.
 */
import { existsSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchLabChromium } from '../../scripts/chromium.ts';

/** scripts/serve.mjs has no type declarations; this is the part the tests use. */
interface ServeModule {
  serve(dir: string, port: number): Promise<{ url: string; close: () => void }>;
}
// A computed specifier keeps tsc from demanding declarations for the untyped .mjs.
const SERVE_SCRIPT = new URL('../../scripts/serve.mjs', import.meta.url).href;

export interface Lab {
  readonly url: string;
  readonly context: BrowserContext;
  /** Opens a page at 1280x720 and collects its console errors. */
  open(
    hash?: string,
    options?: { reducedMotion?: boolean },
  ): Promise<{ page: Page; errors: string[] }>;
  close(): Promise<void>;
}

/** Serves dist/ and launches Chromium. Run `npm run build` first. */
export async function startLab(): Promise<Lab> {
  if (!existsSync('dist/index.html')) {
    throw new Error('dist/index.html is missing: run "npm run build" before the e2e tests');
  }
  const { serve } = (await import(SERVE_SCRIPT)) as ServeModule;
  const server = await serve('dist', 0);
  const browser = await launchLabChromium('e2e');
  const context = browser.context;
  return {
    url: server.url,
    context,
    async open(hash = '#/', options = {}) {
      const page = await context.newPage();
      if (options.reducedMotion) await page.emulateMedia({ reducedMotion: 'reduce' });
      const errors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      page.on('pageerror', (error) => errors.push(String(error)));
      // An aborted request (a lesson chunk fetched ahead and cancelled by a navigation) is not
      // a failure: if the page needed it, its import() rejects and shows up as an error above.
      page.on('requestfailed', (req) => {
        if (req.failure()?.errorText !== 'net::ERR_ABORTED') {
          errors.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
        }
      });
      await page.goto(`${server.url}${hash}`, { waitUntil: 'load' });
      await page.locator('.xterm-rows').first().waitFor();
      return { page, errors };
    },
    async close() {
      await browser.close();
      server.close();
    },
  };
}

/**
 * The lab of one test file: registers the file's `beforeAll`, which serves dist/, launches
 * Chromium and hands the lab to `ready` (awaited when it returns a promise), and its
 * `afterAll`, which closes both. `ready` keeps what the tests use in the file's own
 * variables, so test bodies read them as before.
 */
export function useLab(ready: (lab: Lab) => unknown): void {
  let lab: Lab | undefined;
  beforeAll(async () => {
    lab = await startLab();
    await ready(lab);
  });
  afterAll(async () => {
    await lab?.close();
  });
}

/** The page {@link useLabPage} opened, with the lab it runs in. */
export interface OpenedLabPage {
  readonly lab: Lab;
  readonly page: Page;
  /** The page's console errors, page errors and failed requests, as they come. */
  readonly errors: string[];
}

/**
 * The set-up most e2e files share, as {@link useLab} plus one page opened at `hash` with
 * reduced motion before the file's tests; `ready` keeps the page (and may prepare it further:
 * a tab chosen, dialogs dismissed). Everything is closed after the file.
 */
export function useLabPage(hash: string, ready: (opened: OpenedLabPage) => unknown): void {
  useLab(async (lab) => {
    const { page, errors } = await lab.open(hash, { reducedMotion: true });
    await ready({ lab, page, errors });
  });
}

/** Types a command into the focused host terminal and presses Enter. */
export async function runCommand(page: Page, command: string): Promise<void> {
  await page.locator('.xterm-helper-textarea').first().focus();
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
}

/** The visible text of the host terminal (DOM renderer rows). */
export async function terminalText(page: Page): Promise<string> {
  return (await page.locator('.xterm-rows').first().innerText()).replace(/\u00a0/g, ' ');
}

/**
 * Runs axe-core in the page (scoped to `selector` when given) and returns its serious and
 * critical violations as readable lines. Injects axe on first use.
 */
export async function axeSerious(page: Page, selector?: string): Promise<string[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.addScriptTag({ path: 'node_modules/axe-core/axe.min.js' });
  return page.evaluate(async (scope) => {
    interface Violation {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: unknown[] }[];
    }
    const axe = (
      window as unknown as {
        axe: { run(c: unknown, o: unknown): Promise<{ violations: Violation[] }> };
      }
    ).axe;
    const context = scope ? document.querySelector(scope) : document;
    // Only violations are asked for: the same findings, without the slow passes report.
    const { violations } = await axe.run(context, { resultTypes: ['violations'] });
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => String(n.target)).join(' | ')})`,
      );
  }, selector ?? '');
}
