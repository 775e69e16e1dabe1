/**
 * A newcomer's mistakes in the Mica lessons (issue 13, lab-ux.md §0: every bad input gets a
 * clear located message and loses nothing), found walking 04-mica/01-declare as a new user:
 * a lesson link with a query still opens the lesson; a realm's name in the results log never
 * runs into the message; a policy accepted too early (one upload per realm) tells the learner
 * how to try again, and Undo gives the upload back with the editor's text kept; the header's
 * Reset mid-lesson goes back to the lesson's start (its four stages built), not to an empty
 * machine the lesson text never mentions, and Undo brings the learner's work back; the shipped
 * encoder file, which is the lesson's answer, is withheld in the terminal and the editor.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { terminalText, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/lesson/04-mica/01-declare?from=mail', (opened) => ({ page, errors } = opened));

async function typeInto(terminal: string, line: string): Promise<void> {
  await page.getByRole('tab', { name: terminal, exact: true }).click();
  await page.locator('.deck-body:not([hidden]) .xterm-helper-textarea').focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

describe('a newcomer in 04-mica/01-declare', () => {
  test('a lesson link with a query opens the lesson', async () => {
    await expect.poll(() => terminalText(page)).toContain('Lesson: Declare every path');
    expect(await page.getByText('No such lesson').count()).toBe(0);
    // The lesson's notice is logged by its words, never as an empty row.
    const notes = page.locator('.results li[data-tone="info"]');
    await expect.poll(() => notes.count()).toBeGreaterThan(0);
    for (const text of await notes.locator('.text').allInnerTexts()) {
      expect(text.trim()).not.toBe('');
    }
  });

  test('a wrong command in a realm terminal: the realm’s name and the message do not overlap', async () => {
    await typeInto('moderator#', 'polcy show');
    const row = page.locator('.results li[data-tone="error"]').last();
    await expect.poll(() => row.innerText()).toMatch(/unknown command "polcy"/);
    expect(await row.locator('.source').innerText()).toBe('moderator');
    // Where the name's glyphs end (not its grid cell, which the name may overflow).
    const inkRight = await row.locator('.source').evaluate((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return range.getBoundingClientRect().right;
    });
    const text = (await row.locator('.text').boundingBox())!;
    expect(inkRight).toBeLessThanOrEqual(text.x);
  });

  test('the shortcut: the shipped encoder file is withheld in the terminal and the editor', async () => {
    await typeInto('encoder#', 'policy upload video-moderation');
    const row = page.locator('.results li[data-tone="error"]').last();
    await expect
      .poll(() => row.innerText())
      .toMatch(/asks you to write the encoder's policy yourself/);
    await page.getByRole('tab', { name: 'Policy' }).click();
    const editor = page.locator('.editor');
    await editor.locator('select').first().selectOption({ label: 'encoder' });
    const offered = await editor.locator('select').nth(1).locator('option').allInnerTexts();
    expect(offered).toContain("gateway's accepted policy");
    expect(offered.some((o) => o.includes("encoder's file"))).toBe(false);
    // Nothing was uploaded: no goal ticked.
    expect(await page.locator('.count', { hasText: 'of 3 done' }).first().innerText()).toBe(
      '0 of 3 done',
    );
  });

  test('an incomplete policy accepted: the editor says how to try again; Undo keeps the text', async () => {
    await page.getByRole('tab', { name: 'Policy' }).click();
    const editor = page.locator('.editor');
    await editor.locator('select').first().selectOption({ label: 'encoder' });
    await editor.locator('select').nth(1).selectOption({ label: "gateway's accepted policy" });
    await editor.getByRole('button', { name: 'Load', exact: true }).click();
    const area = editor.locator('textarea');
    await expect.poll(() => area.inputValue()).toContain('"Self": "VM1"');
    // The plausible mistake: only Self changed, Mem2 not declared; the monitor accepts it.
    const text = (await area.inputValue()).replace('"Self": "VM1"', '"Self": "VM2"');
    await area.fill(text);
    const upload = editor.getByRole('button', { name: 'Upload into encoder' });
    await upload.click();
    await expect
      .poll(() => editor.innerText(), { timeout: 30_000 })
      .toMatch(/one upload per realm/);
    expect(await upload.isDisabled()).toBe(true);
    expect(await editor.innerText()).toMatch(/Undo \(Alt\+Z\)/);

    await page.getByRole('button', { name: /^↶? ?Undo/ }).click();
    await expect.poll(() => upload.isEnabled(), { timeout: 30_000 }).toBe(true);
    expect(await area.inputValue()).toBe(text);
    expect(errors).toEqual([]);
  });

  test('Reset mid-lesson: back to the lesson’s start, and Undo brings the work back', async () => {
    const realmsTab = page.getByRole('tab', { name: /^Realms/ });
    expect(await realmsTab.innerText()).toMatch(/\(4\)/);
    await typeInto('host$', 'delegate 0x8f000000');
    await expect.poll(() => terminalText(page)).toMatch(/delegate 0x8f000000/);
    await page.getByRole('button', { name: /Reset\s*Alt\+R/ }).click();
    // The lesson's setup is still there: four realms, one terminal each, and no granule of ours.
    await expect
      .poll(() => page.getByText(/is back at its start state/).count())
      .toBeGreaterThan(0);
    expect(await realmsTab.innerText()).toMatch(/\(4\)/);
    expect(await page.getByRole('tab', { name: 'encoder#', exact: true }).count()).toBe(1);
    await page.getByRole('button', { name: /^↶? ?Undo/ }).click();
    await expect
      .poll(() => page.getByText(/undo: back to the state before "lesson reset"/).count())
      .toBeGreaterThan(0);
    expect(await realmsTab.innerText()).toMatch(/\(4\)/);
    expect(errors).toEqual([]);
  });
});
