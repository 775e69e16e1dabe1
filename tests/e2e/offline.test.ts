/**
 * Offline for real (lab-ux.md §4.9): after the first visit installs the service worker, the
 * network is cut and the page reloaded; the lab must still come up and run a command.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { runCommand, terminalText, useLab, type Lab } from './browser.ts';

let lab: Lab;
useLab((started) => (lab = started));

// Registered after useLab's, so it runs before the lab closes (after-hooks run in reverse).
afterAll(async () => {
  await lab?.context.setOffline(false);
});

describe('offline', () => {
  test('the lab reloads and works with the network off', async () => {
    const { page } = await lab.open('#/');
    const controlled = () =>
      page.evaluate(async () => {
        await navigator.serviceWorker.ready;
        return navigator.serviceWorker.controller !== null;
      });
    await expect.poll(controlled, { timeout: 20_000 }).toBe(true);
    const cached = await page.evaluate(async () => {
      const keys = await caches.keys();
      const cache = await caches.open(keys.find((k) => k.startsWith('mica-lab-'))!);
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    });
    expect(cached.some((p) => p.endsWith('.js'))).toBe(true);

    await lab.context.setOffline(true);
    await page.reload({ waitUntil: 'load' });
    await page.locator('.xterm-rows').waitFor();
    expect(await page.title()).toBe('Mica Lab · Arm CCA in the browser');
    await runCommand(page, 'delegate 0x80000000');
    await expect.poll(() => terminalText(page)).toContain('RMI_SUCCESS');
  });
});
