/**
 * Show ledger in a wide view (Lab.svelte): a wide view (Pipeline, Token, Data, ...) folds the
 * ledger to its heading; Show ledger unfolds it beside that view. It used to switch to the
 * GPT map, so a learner who wanted the ledger lost the view they were reading. Another view
 * folds it again.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { terminalText, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', (opened) => ({ page, errors } = opened));

const selectedTab = () =>
  page
    .locator('[role=tablist][aria-label="Machine views"] [role=tab][aria-selected=true]')
    .innerText();
const ledgerList = () => page.locator('.ledger').first();

describe('Show ledger keeps the view the learner is reading', () => {
  test.each([false, true])(
    'projector %s: the pipeline stays, the ledger unfolds beside it',
    async (projector) => {
      await expect.poll(() => terminalText(page)).toContain('host$');
      if (projector) await page.getByRole('button', { name: /^Projector/ }).click();
      await page.getByRole('tab', { name: 'Memory', exact: true }).click();
      await page.getByRole('tab', { name: 'Pipeline', exact: true }).click();
      await expect.poll(() => ledgerList().isVisible()).toBe(false);
      await page.getByRole('button', { name: 'Show ledger' }).click();
      expect(await selectedTab()).toBe('Pipeline');
      await expect.poll(() => ledgerList().isVisible()).toBe(true);
      expect(await page.locator('.pipeline').first().isVisible()).toBe(true);
      // Another wide view folds it again; Hide ledger folds it too.
      await page.getByRole('tab', { name: 'Data', exact: true }).click();
      await expect.poll(() => ledgerList().isVisible()).toBe(false);
      await page.getByRole('button', { name: 'Show ledger' }).click();
      await expect.poll(() => ledgerList().isVisible()).toBe(true);
      await page.getByRole('button', { name: 'Hide ledger' }).click();
      await expect.poll(() => ledgerList().isVisible()).toBe(false);
      expect(await selectedTab()).toBe('Data');
      if (projector) await page.getByRole('button', { name: /^Projector/ }).click();
      expect(errors).toEqual([]);
    },
  );
});
