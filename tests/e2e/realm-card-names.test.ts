/**
 * The Realms view names each realm as the learner built it (RealmPanel.svelte): lesson
 * 03-pipeline-cca/02 builds gateway, encoder, moderator and storage by name and compares their
 * RIMs, and the four cards read "Realm RD 0x8400_1000", ... with no name to match them by.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { runCommand, terminalText, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', (opened) => ({ page, errors } = opened));

describe('the Realms view', () => {
  test('each card heading names the realm and its RD', async () => {
    await expect.poll(() => terminalText(page)).toContain('host$');
    await runCommand(page, 'realm create gateway --net');
    await runCommand(page, 'realm create encoder');
    await expect.poll(() => terminalText(page)).toContain('realm "encoder" is ACTIVE');
    await page.getByRole('tab', { name: 'Realms (2)', exact: true }).click();
    const headings = page.locator('.realms .card h3');
    await expect.poll(() => headings.count()).toBe(2);
    expect((await headings.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim())).toEqual([
      expect.stringMatching(/^Realm gateway RD 0x8400_[0-9a-f]{4}$/),
      expect.stringMatching(/^Realm encoder RD 0x840[0-9a-f]_[0-9a-f]{4}$/),
    ]);
    expect(errors).toEqual([]);
  });
});
