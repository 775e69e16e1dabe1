/**
 * The GPT map's tip names only a command the learner can type (GptMap.svelte): on the boot
 * map it says 'Try delegate 0x80000000', also in lesson 01-worlds/01, which switches
 * delegate off (the terminal then refuses the very command the view suggests).
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { terminalText, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', (opened) => ({ page, errors } = opened));

const tip = () => page.locator('.gpt .last-change').innerText();

describe('the GPT map’s tip on the boot map', () => {
  test('suggests delegate in the lab, not in a lesson that switches it off', async () => {
    await expect.poll(() => terminalText(page)).toContain('host$');
    await page.getByRole('tab', { name: 'GPT map', exact: true }).click();
    await expect.poll(tip).toMatch(/All DRAM is NS and UNDELEGATED\. Try\s*delegate 0x80000000/);
    await page.evaluate(() => (location.hash = '#/lesson/01-worlds/01-address-spaces'));
    await expect.poll(() => terminalText(page)).toContain('01-worlds/01-address-spaces');
    await page.getByRole('tab', { name: 'GPT map', exact: true }).click();
    await expect.poll(tip).toMatch(/All DRAM is NS and UNDELEGATED\./);
    expect(await tip()).not.toMatch(/delegate/);
    expect(errors).toEqual([]);
  });
});
