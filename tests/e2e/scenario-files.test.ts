/**
 * The Pipeline view's Scenario menu lists the shipped scenario files (scenarios/) in their
 * groups, and running one shows the verdict the machine's judge reached and whether the file
 * expected it (issue 12 "In the page").
 */
import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', (opened) => ({ page, errors } = opened));

const SHIPPED = readdirSync(new URL('../../scenarios/', import.meta.url)).filter((n) =>
  n.endsWith('.json'),
).length;

describe('scenario files in the Pipeline view', () => {
  test('the menu lists every shipped file, grouped; picking one and running it shows its verdict', async () => {
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    const menu = page.getByLabel('Scenario');
    // The Pipeline view loads lazily: its menu is read once it has drawn (CI saw it empty).
    const groups = () =>
      menu.locator('optgroup').evaluateAll((gs) => gs.map((g) => (g as HTMLOptGroupElement).label));
    await expect
      .poll(groups)
      .toEqual(
        expect.arrayContaining([
          'Honest runs (scenarios/)',
          'Attacks by a stage (scenarios/)',
          'Attacks by the host (scenarios/)',
          'Prototype gaps (scenarios/)',
        ]),
      );
    expect(await menu.locator('option[value^="file:"]').count()).toBe(SHIPPED);
    expect(await menu.locator('option[disabled]').count()).toBe(0);

    await menu.selectOption('file:attack-04-exit-smuggle-proto');
    await page.getByRole('button', { name: 'Run' }).click();
    const banner = page.locator('.pipeline .result');
    await banner.waitFor({ timeout: 30_000 });
    const text = await banner.innerText();
    expect(text).toMatch(/Went through/);
    expect(text).toContain('mica-prototype');
    expect(text).toContain('encoder handed video to the host');
    expect(text).toContain('as the scenario expects');
    // The file's machine (prototype mode) is now the lab's, as the header's mode says.
    expect(await page.locator('.pipeline select[name="mode"]').inputValue()).toBe('mica-prototype');
    expect(await menu.inputValue()).toBe('file:attack-04-exit-smuggle-proto');

    await menu.selectOption('file:video-cca-leaks');
    await page.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => banner.innerText(), { timeout: 30_000 }).toMatch(/\(cca\)/);
    expect(await banner.innerText()).toMatch(/Went through.*as the scenario expects/s);
    // CCA alone is drawn: the four realms, and each hop through NS memory a leak at U.
    expect(await page.locator('.pipeline svg g.realm').count()).toBe(4);
    await expect
      .poll(() => page.locator('.pipeline svg g.callout').first().textContent())
      .toContain('LEAK: gateway copied video into host-visible (NS) memory');
    expect(errors).toEqual([]);
  });
});
