// The benchmarks' browser: dist/ served on a free port and Debian's Chromium at 1280x720
// (lab-ux.md §4.6 flags, scripts/chromium.ts), the way tests/e2e/browser.ts starts the lab.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../scripts/chromium.ts';

interface ServeModule {
  serve(dir: string, port: number): Promise<{ url: string; close: () => void }>;
}

/**
 * Serves `dist`, launches Chromium with a fresh profile, runs `body` with the server's URL
 * and the browser context, and always closes both and removes the profile.
 */
export async function withServedChromium<T>(
  dist: string,
  body: (url: string, context: BrowserContext) => Promise<T>,
): Promise<T> {
  const serveUrl = new URL('../scripts/serve.mjs', import.meta.url).href;
  const { serve } = (await import(serveUrl)) as ServeModule;
  const server = await serve(dist, 0);
  const profile = await mkdtemp(join(tmpdir(), 'mica-lab-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    viewport: { width: 1280, height: 720 },
    deviceScaleFactor: 1,
  });
  try {
    return await body(server.url, context);
  } finally {
    await context.close();
    server.close();
    await rm(profile, { recursive: true, force: true });
  }
}
