/**
 * The Token view's claim tree at 1280x720, in the normal and the projector look
 * (TokenInspector.svelte; lab-ux.md, the projector): a claim's name is what the reader looks
 * for, and it used to be cut with an ellipsis ("cca-platfor…", "protected he…") beside the
 * hex dump, so on the projector no claim could be told from another. Names now wrap.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { runCommand, terminalText, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', (opened) => ({ page, errors } = opened));

/** Names in the tree whose text does not fit the box that shows it. */
const cutNames = () =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.tree .label')]
      .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
      .map((el) => el.textContent ?? ''),
  );

describe('the token tree names every claim in full', () => {
  test('no claim name is cut, in the normal and the projector look', async () => {
    await expect.poll(() => terminalText(page)).toContain('host$');
    await runCommand(page, 'realm create r1');
    await runCommand(page, '@r1 attest 0x5eed');
    await expect.poll(() => terminalText(page)).toContain('CCA token of');
    await page.getByRole('tab', { name: 'Token', exact: true }).click();
    await page.locator('.tree .label').first().waitFor();
    const names = await page.locator('.tree .label').count();
    expect(names).toBeGreaterThan(5);
    expect(await cutNames()).toEqual([]);
    await page.getByRole('button', { name: /^Projector/ }).click();
    await expect
      .poll(() => page.evaluate(() => document.documentElement.hasAttribute('data-projector')))
      .toBe(true);
    expect(await cutNames()).toEqual([]);
    expect(errors).toEqual([]);
  });
});
