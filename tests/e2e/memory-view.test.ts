/**
 * The Memory view (issue 14, "attacker beside realm"): after `realm create gw --net` the tab
 * shows gw's DATA granules on the host side as a GPF, each linked to a protected IPA on the
 * realm side; hovering or focusing a row marks its partner; axe is clean in dark and light;
 * screenshots at 1280x720 are kept in test-results/.
 */
import { mkdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { axeSerious, runCommand, terminalText, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', async (opened) => {
  ({ page, errors } = opened);
  await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
  await mkdir('test-results', { recursive: true });
});

const memory = () => page.locator('.memory');
const hostRows = () => memory().locator('section').first().locator('button.row');
const realmRows = () => memory().locator('section').nth(1).locator('button.row');

describe('Memory view: the host beside the realm', () => {
  test("gw's DATA granules are a GPF for the host, linked to protected IPAs", async () => {
    await runCommand(page, 'realm create gw --net');
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toContain('is ACTIVE');
    await page.getByRole('tab', { name: 'Memory' }).click();
    await expect.poll(() => hostRows().count()).toBeGreaterThan(3);
    await expect(memory().getByText('Realm gw')).toBeDefined();

    const data = hostRows().filter({ hasText: 'DATA (realm memory)' });
    expect(await data.count()).toBeGreaterThan(0);
    const first = data.first();
    expect(await first.innerText()).toContain('read: GPF');
    const granule = await first.getAttribute('data-granule');
    const partner = realmRows().and(page.locator(`[data-granule="${granule}"]`));
    expect(await partner.count()).toBe(1);
    const text = await partner.innerText();
    expect(text).toMatch(/IPA 0x0 → PA 0x/);
    expect(text).toContain('protected · ASSIGNED · RIPAS RAM');
  });

  test('hovering a row marks its partner; focus and Enter do the same from the keyboard', async () => {
    const first = hostRows().filter({ hasText: 'DATA (realm memory)' }).first();
    const granule = await first.getAttribute('data-granule');
    const partner = realmRows().and(page.locator(`[data-granule="${granule}"]`));
    await first.hover();
    await expect.poll(() => partner.getAttribute('class')).toContain('partner');
    expect(await first.getAttribute('class')).toContain('self');
    expect(await memory().getByRole('status').innerText()).toMatch(/is gw's IPA 0x0 \(protected/);
    await page.screenshot({ path: 'test-results/memory-view-1280x720.png' });

    await page.mouse.move(5, 710);
    await expect.poll(() => partner.getAttribute('class')).not.toContain('partner');
    // Keyboard: focusing a realm row marks its host partner; Enter moves the focus there.
    await partner.focus();
    await expect.poll(() => first.getAttribute('class')).toContain('partner');
    await page.keyboard.press('Enter');
    await expect.poll(() => first.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await partner.getAttribute('class')).toContain('partner');
  });

  test("a host read of the DATA granule lands in the ledger and on the granule's row", async () => {
    const first = hostRows().filter({ hasText: 'DATA (realm memory)' }).first();
    const pa = /PA (0x[0-9a-f_]+)/.exec(await first.innerText())?.[1]?.replace(/_/g, '');
    expect(pa).toBeDefined();
    expect(await first.innerText()).not.toContain('in the ledger');
    await runCommand(page, `read ${pa}`);
    await expect.poll(() => first.innerText()).toMatch(/1 GPF in the ledger, last #\d+ host read/);
  });

  test('axe-core finds no serious or critical violations, dark, light and projector', async () => {
    await page.mouse.move(5, 710);
    expect(await axeSerious(page, '.side-top')).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
    await hostRows().filter({ hasText: 'DATA (realm memory)' }).first().hover();
    expect(await axeSerious(page, '.side-top')).toEqual([]);
    await page.screenshot({ path: 'test-results/memory-view-light-1280x720.png' });
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('p');
    await expect
      .poll(() => page.evaluate(() => document.documentElement.hasAttribute('data-projector')))
      .toBe(true);
    expect(await axeSerious(page, '.side-top')).toEqual([]);
    await page.screenshot({ path: 'test-results/memory-view-projector-1280x720.png' });
    await page.keyboard.press('p');
    expect(errors).toEqual([]);
  });
});
