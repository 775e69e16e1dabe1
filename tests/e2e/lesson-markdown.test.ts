/**
 * Lesson markdown in the page at 1280x720 (issue 9): the RmiRealmParams layout of lesson
 * 02-realms/01 is a real <table> with its header and one row per field, code cells in code,
 * no raw `|---|` text left in the pane, no serious axe violations, and a screenshot of the
 * table kept under test-results/ for a human look.
 */
import { mkdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { axeSerious, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/lesson/02-realms/01-build', (opened) => ({ page, errors } = opened));

describe('lesson markdown tables', () => {
  test('02-realms/01 shows RmiRealmParams as a table with a header and one row per field', async () => {
    await page.locator('.lesson-pane h3', { hasText: 'Build a realm' }).waitFor();
    const table = page.locator('.lesson-pane table', { hasText: 'rtt_num_start' });
    await table.waitFor();
    expect(await table.locator('thead th').allInnerTexts()).toEqual(['Offset', 'Field', 'Meaning']);
    const fields = await table.locator('tbody tr td:nth-child(2)').allInnerTexts();
    expect(fields).toEqual([
      's2sz',
      'num_bps, num_wps',
      'hash_algo',
      'rpv',
      'vmid',
      'rtt_base',
      'rtt_level_start',
      'rtt_num_start',
    ]);
    expect(await table.locator('tbody tr td:nth-child(2) code').count()).toBe(9);
    expect(await page.locator('.lesson-pane').innerText()).not.toMatch(/\|\s*-{3}/);
  });

  test('the table reads well at 1280x720 and has no serious axe violations; screenshot kept', async () => {
    const table = page.locator('.lesson-pane table', { hasText: 'rtt_num_start' });
    // Bring the table's top to the top of the lesson text so its header row is in the picture.
    await table.evaluate((el) => el.parentElement?.scrollIntoView({ block: 'start' }));
    const headerInView = await table.locator('thead').evaluate((head) => {
      const box = head.getBoundingClientRect();
      const pane = head.closest('.scroll')?.getBoundingClientRect();
      return !!pane && box.top >= pane.top && box.bottom <= pane.bottom;
    });
    expect(headerInView).toBe(true);
    expect(await axeSerious(page, '.lesson-pane')).toEqual([]);
    await mkdir('test-results', { recursive: true });
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/lesson-table-1280x720.png' });
    expect(errors).toEqual([]);
  });
});
