/**
 * The views say "as of" the event the timeline shows (issue 14: "point at the moment the
 * encoder's leak was blocked in every view"), found walking the instructor demo in projector
 * mode: the realm filter names the pipeline's realms (and so keeps the flows that name them),
 * the banner says what blocked the event, the GPT map does not claim "All DRAM is NS" when
 * the shown event changed no granule, the Data view says "as of event N", not "now", and the
 * Chain view says the run's group token comes at the run's end instead of silently showing
 * the sample token. And a clicker’s PageUp/PageDown work while the host terminal has focus.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { terminalText, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', (opened) => ({ page, errors } = opened));

const timeline = () => page.getByRole('region', { name: 'Ledger timeline' });

describe('a clicker on the first screen', () => {
  test('PageDown/PageUp from the focused host terminal step the views, and type nothing', async () => {
    await expect.poll(() => terminalText(page)).toContain('host$');
    await page.locator('.xterm-helper-textarea').first().focus();
    const selected = () =>
      page.locator('[role=tab][aria-selected=true]', { hasNotText: '$' }).first().innerText();
    const first = await selected();
    await page.keyboard.press('PageDown');
    await expect.poll(selected).not.toBe(first);
    await page.keyboard.press('PageUp');
    await expect.poll(selected).toBe(first);
    // The line editor got nothing: the prompt line is still empty.
    expect((await terminalText(page)).trimEnd().endsWith('host$')).toBe(true);
  });
});

describe('views of the past say they are of the past', () => {
  test('the encoder’s blocked leak: realm filter by name, the rule in the banner, no "now" claims', async () => {
    await expect.poll(() => terminalText(page)).toContain('host$');
    await page.getByRole('button', { name: 'Projector' }).click();
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    await page.getByLabel('Scenario').selectOption('3');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('.pipeline .result').waitFor({ timeout: 60_000 });

    const realm = timeline().locator('.filters select').first();
    expect(await realm.locator('option').allInnerTexts()).toContain('encoder');
    await realm.selectOption({ label: 'encoder' });
    await timeline().getByLabel('Blocked only').check();
    await timeline().getByRole('button', { name: 'Step back to the previous event' }).click();
    const banner = timeline().getByRole('status');
    await banner.waitFor({ timeout: 60_000 });
    const text = await banner.innerText();
    const at = /as of event (\d+) of/.exec(text)?.[1];
    expect(at, text).toBeDefined();
    expect(text).toMatch(/encoder → host.*; blocked by .+: /s);

    await page.getByRole('tab', { name: 'GPT map' }).click();
    const gpt = page.locator('.gpt .last-change');
    await expect.poll(() => gpt.innerText()).toMatch(/granules? not NS/);
    expect(await gpt.innerText()).not.toMatch(/All DRAM is NS/);

    await page.getByRole('tab', { name: 'Data' }).click();
    const summary = page.locator('.data .summary');
    await expect.poll(() => summary.innerText()).toContain(`as of event ${at}`);
    expect(await summary.innerText()).not.toMatch(/memory now/);
    // The chain: the run's group token belongs to its end; the view says what it shows instead.
    await page.getByRole('tab', { name: 'Chain' }).click();
    const note = page.locator('.chain-view .past-note');
    await expect.poll(() => note.count(), { timeout: 30_000 }).toBe(1);
    expect(await note.innerText()).toMatch(/return to now to see it/);
    await page.screenshot({ path: 'test-results/past-views-say-as-of-1280x720.png' });
    await timeline().getByRole('button', { name: 'Return to now' }).click();
    await expect.poll(() => note.count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
