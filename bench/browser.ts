// The benchmarks' browser: dist/ served on a free port and Debian's Chromium at 1280x720
// (lab-ux.md §4.6 flags, scripts/chromium.ts), the way tests/e2e/browser.ts starts the lab.
import type { BrowserContext } from 'playwright-core';
import { launchLabChromium } from '../scripts/chromium.ts';

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
  const browser = await launchLabChromium('bench');
  try {
    return await body(server.url, browser.context);
  } finally {
    await browser.close();
    server.close();
  }
}
