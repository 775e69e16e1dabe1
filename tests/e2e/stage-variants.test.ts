/**
 * Switching one stage of the pipeline drawing to a malicious variant (issue 12 "In the page":
 * "the learner can switch a stage to one of its malicious variants and re-run"): the ▾ switch
 * on a stage box opens a menu of that stage's variants (src/workflows/programs) that a shipped
 * scenario plays in the machine's mode; picking one runs that scenario and the banner shows the
 * machine's verdict. By mouse and by keyboard.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', (opened) => ({ page, errors } = opened));

describe('a stage box switches the stage to one of its malicious variants', () => {
  test('click: the encoder becomes copy-to-ns, the scenario reruns, the verdict is the machine’s', async () => {
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    const scenario = page.getByLabel('Scenario');
    await scenario.selectOption('file:video-honest-mica');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const banner = page.locator('.pipeline .result');
    await expect.poll(() => banner.innerText(), { timeout: 30_000 }).toMatch(/Ran cleanly/);

    const encoder = page.getByRole('button', { name: /^Switch encoder to a malicious variant/ });
    expect(await encoder.getAttribute('aria-label')).toContain('(now: honest)');
    await encoder.click();
    const menu = page.getByRole('menu', { name: 'Run encoder as' });
    await menu.waitFor();
    const items = await menu.getByRole('menuitemradio').allInnerTexts();
    expect(items[0]).toMatch(/^● honest/);
    expect(items.some((t) => t.startsWith('copy-to-ns (attack 1)'))).toBe(true);
    // Only the encoder's own variants: the gateway's change-policy is on the gateway's menu.
    expect(items.some((t) => t.startsWith('change-policy'))).toBe(false);

    await menu.getByRole('menuitemradio', { name: /^copy-to-ns/ }).click();
    await expect
      .poll(() => banner.innerText(), { timeout: 30_000 })
      .toMatch(/Blocked attack 1 \(mica\) by (\S+): .*rule \1 \(as the scenario expects\)/s);
    expect(await scenario.inputValue()).toBe('file:attack-01-copy-to-ns-mica');
    expect(await encoder.getAttribute('aria-label')).toContain('(now: copy-to-ns)');
    expect(errors).toEqual([]);
  });

  test('keyboard: Enter opens the menu on the current variant, arrows move, Escape gives focus back, Enter picks', async () => {
    const encoder = page.getByRole('button', { name: /^Switch encoder to a malicious variant/ });
    await encoder.focus();
    await page.keyboard.press('Enter');
    const menu = page.getByRole('menu', { name: 'Run encoder as' });
    await menu.waitFor();
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');
    expect(await focused()).toMatch(/^● copy-to-ns/);
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    expect(
      await page.evaluate(() => document.activeElement?.getAttribute('data-switch') ?? ''),
    ).toBe('encoder');

    await page.keyboard.press('Enter');
    await menu.waitFor();
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toMatch(/^ipa-state-set/);
    await page.keyboard.press('Enter');
    const banner = page.locator('.pipeline .result');
    await expect
      .poll(() => banner.innerText(), { timeout: 30_000 })
      .toMatch(/Blocked.*by CF1.*as the scenario expects/s);
    expect(await page.getByLabel('Scenario').inputValue()).toBe(
      'file:attack-02-ipa-state-set-mica',
    );
    expect(errors).toEqual([]);
  });
});
