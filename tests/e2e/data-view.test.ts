/**
 * The Data view (issue 12 "In the page"): before anything ran it says what to do and its
 * button opens the Pipeline view; after the honest video scenario runs from the Pipeline
 * view's menu it draws the frames of four stages (and what the gateway published) from the
 * machine, the moderator's flagged frames marked; after the CCA-only scenario the frames the
 * host obtained are outlined in red with their path. Keyboard reachable, axe-clean in dark,
 * light and projector.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { axeSerious, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', (opened) => ({ page, errors } = opened));

async function runFile(id: string): Promise<void> {
  await page.getByRole('tab', { name: 'Pipeline' }).click();
  await page.getByLabel('Scenario').selectOption(`file:${id}`);
  await page.getByRole('button', { name: 'Run' }).click();
  await expect
    .poll(() => page.getByLabel('Scenario').inputValue(), { timeout: 30_000 })
    .toBe(`file:${id}`);
  await page.locator('.pipeline .result').waitFor({ timeout: 30_000 });
  await expect
    .poll(() => page.locator('.pipeline .result').innerText(), { timeout: 30_000 })
    .toContain('as the scenario expects');
}

/** Non-zero pixels a thumbnail's canvas holds (it was drawn from the model's bytes). */
function drawnPixels(selector: string): Promise<number> {
  return page
    .locator(selector)
    .first()
    .evaluate((c) => {
      const canvas = c as HTMLCanvasElement;
      const d = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i]! + d[i + 1]! + d[i + 2]! > 0) n++;
      return n;
    });
}

describe('the Data view', () => {
  test('with nothing run it says what to do, and its button opens the Pipeline view', async () => {
    await page.getByRole('tab', { name: 'Data' }).click();
    const view = page.locator('.data');
    await expect.poll(() => view.innerText()).toContain('Nothing has run on this machine yet');
    expect(await view.innerText()).toContain('Scenario');
    const open = page.getByRole('button', { name: 'Open the Pipeline view' });
    await open.focus();
    await page.keyboard.press('Enter');
    expect(await page.getByRole('tab', { name: 'Pipeline' }).getAttribute('aria-selected')).toBe(
      'true',
    );
  });

  test('the honest video run: four stages and what the gateway published, from the machine, flagged frames marked', async () => {
    await runFile('video-honest-mica');
    // Keyboard: from the Pipeline tab, ArrowRight moves to Data.
    await page.getByRole('tab', { name: 'Pipeline' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Data' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    const stages = page.locator('.data .stage');
    await expect.poll(() => stages.count(), { timeout: 20_000 }).toBe(5);
    const heads = await stages.locator('h4 .role').allInnerTexts();
    expect(heads.map((h) => h.toLowerCase())).toEqual([
      'gateway',
      'encoder',
      'moderator',
      'storage',
      'published',
    ]);
    // What the gateway sent out: every record, an allowed exit (the moderator's mark), not a theft.
    expect(await stages.nth(4).locator('canvas').count()).toBe(24);
    expect(await stages.nth(4).innerText()).toMatch(/allowed exit.*passed:moderator/s);
    for (let i = 0; i < 5; i++)
      expect(await stages.nth(i).locator('canvas').count()).toBeGreaterThan(0);
    expect(await drawnPixels('.data .stage canvas')).toBeGreaterThan(100);
    // Storage holds all 24 frames; the detector's flags are marked in words, not colour alone.
    expect(await stages.nth(3).locator('canvas').count()).toBe(24);
    const flagged = page.locator('.data .stage .thumb.flagged');
    expect(await flagged.count()).toBeGreaterThan(0);
    expect(await flagged.first().innerText()).toContain('flagged');
    expect(await page.locator('.data [role="img"][aria-label*="flagged unsafe"]').count()).toBe(
      await flagged.count(),
    );
    expect(await page.locator('.data .finding.leak').count()).toBe(0);
    expect(await page.locator('.data .summary').innerText()).toContain('No leak');
    await page.screenshot({ path: 'test-results/data-view-honest-1280x720.png' });
  });

  test('axe-core finds no serious or critical violations, dark, light and projector', async () => {
    await page.mouse.move(5, 710);
    expect(await axeSerious(page, '.side-top')).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
    expect(await axeSerious(page, '.side-top')).toEqual([]);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('p');
    await expect
      .poll(() => page.evaluate(() => document.documentElement.hasAttribute('data-projector')))
      .toBe(true);
    expect(await axeSerious(page, '.side-top')).toEqual([]);
    await page.keyboard.press('p');
    await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
  });

  test('the CCA-only run: the frames the host obtained are outlined in red with their path', async () => {
    await runFile('video-cca-leaks');
    await page.getByRole('tab', { name: 'Data' }).click();
    const leaks = page.locator('.data .finding.leak');
    await expect.poll(() => leaks.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await page.locator('.data .summary').innerText()).toContain('The host obtained video');
    const first = leaks.first();
    expect(await first.innerText()).toMatch(/Path: gateway → NS memory \(ns-memory/);
    const stolen = first.locator('.thumb.stolen');
    expect(await stolen.count()).toBeGreaterThan(0);
    expect(await drawnPixels('.data .finding.leak canvas')).toBeGreaterThan(100);
    // Red: the outline is the theme's danger colour.
    const [border, danger] = await stolen.first().evaluate((el) => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--danger)';
      el.appendChild(probe);
      const d = getComputedStyle(probe).color;
      probe.remove();
      return [getComputedStyle(el).borderTopColor, d];
    });
    expect(border).toBe(danger);
    await leaks.first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test-results/data-view-cca-leak-1280x720.png' });
    expect(await axeSerious(page, '.side-top')).toEqual([]);
    expect(errors).toEqual([]);
  });
});
