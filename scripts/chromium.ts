/**
 * Debian's Chromium as the e2e tests and the benchmarks launch it (toolchain.md trap 9;
 * lab-ux.md §4.6): where it is, and the flags for a closed network (no background
 * connections, no component updates, no sync), headless and as root.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** The browser binary; `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launch flags for this sandbox. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A Chromium the lab is looked at with, and how to put it away. */
export interface LabChromium {
  readonly context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/**
 * Launches Chromium headless at 1280x720 (lab-ux.md §4.6) with a fresh profile in a temporary
 * directory named after `purpose` (`e2e`, `bench`).
 */
export async function launchLabChromium(purpose: string): Promise<LabChromium> {
  const profile = await mkdtemp(join(tmpdir(), `mica-lab-${purpose}-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    viewport: { width: 1280, height: 720 },
    deviceScaleFactor: 1,
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
