/**
 * The lesson pane end to end at 1280x720: a lesson route opens the lesson, its goals turn ✓
 * from commands typed in the host terminal, switched-off commands are refused, hints come one
 * tier at a time, the solution is inserted but not run, progress survives a reload
 * (autosave), and a broken scenario link is refused with the reason while the state stays.
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { runCommand, startLab, terminalText, type Lab, axeSerious } from './browser.ts';

const LESSON = '01-worlds/02-granule-delegation';
const PA = '0x80010000';

let lab: Lab;
let page: Page;
let errors: string[];

const goal = (id: string) => page.locator(`.lesson-pane .goal[data-goal="${id}"]`);
const allDone = () =>
  page
    .locator('.lesson-pane .goal')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-done')));

beforeAll(async () => {
  lab = await startLab();
  ({ page, errors } = await lab.open(`#/lesson/${LESSON}`, { reducedMotion: true }));
});

afterAll(async () => {
  await lab?.close();
});

describe('lesson pane', () => {
  test('a lesson route opens the lesson with its goals, none done yet', async () => {
    await page.locator('.lesson-pane h3', { hasText: 'Granule delegation' }).waitFor();
    expect(await allDone()).toEqual(['false', 'false', 'false']);
    expect(await page.locator('.lesson-pane .goal .mark').first().innerText()).toBe('✗');
  });

  test('hints are revealed one tier at a time and counted', async () => {
    await page.getByRole('button', { name: /Show a hint: nudge/ }).click();
    await expect.poll(() => page.locator('.lesson-pane .hint').count()).toBe(1);
    expect(await page.locator('.lesson-pane .help h4').innerText()).toContain('hints used: 1 of 3');
    await expect
      .poll(() => page.getByRole('button', { name: /Show a hint: stronger/ }).count())
      .toBe(1);
  });

  test('insert solution types the first line into the prompt without running it', async () => {
    const before = await page.locator('.ledger .row').count();
    await page.getByRole('button', { name: /Insert solution line 1/ }).click();
    await expect.poll(() => terminalText(page)).toMatch(/host\$ read 0x80010000 32\s*$/);
    expect(await page.locator('.ledger .row').count()).toBe(before);
    expect(await goal('read-before').getAttribute('data-done')).toBe('false');
    // Clear the inserted line (Ctrl+U) before typing.
    await page.locator('.xterm-helper-textarea').first().focus();
    await page.keyboard.press('Control+KeyU');
  });

  test('a switched-off command is refused with the lesson named', async () => {
    await runCommand(page, `undelegate ${PA}`);
    await expect
      .poll(() => terminalText(page))
      .toContain('"undelegate" is switched off in the lesson');
  });

  test('typing the commands turns every goal ✓', async () => {
    for (const c of [`read ${PA} 32`, `delegate ${PA}`, `read ${PA} 32`]) await runCommand(page, c);
    await expect.poll(allDone).toEqual(['true', 'true', 'true']);
    expect(await page.locator('.lesson-pane .goals h4').innerText()).toContain('lesson solved');
    expect(await goal('read-before').locator('.mark').innerText()).toBe('✓');
  });

  test('the lesson pane has no serious axe violations; screenshot kept', async () => {
    expect(await axeSerious(page, '.lesson-pane')).toEqual([]);
    await mkdir('test-results', { recursive: true });
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/lesson-1280x720.png' });
  });

  test('progress survives a reload (autosave)', async () => {
    await page.reload({ waitUntil: 'load' });
    await page.locator('.xterm-rows').waitFor();
    await page.locator('.lesson-pane h3', { hasText: 'Granule delegation' }).waitFor();
    await expect.poll(allDone).toEqual(['true', 'true', 'true']);
    expect(await page.locator('.lesson-pane .help h4').innerText()).toContain('hints used: 1 of 3');
  });

  test('a bad scenario link is refused with the reason and the state stays', async () => {
    await page.evaluate(() => (location.hash = '#/s/z.not*base64'));
    const alert = page
      .getByRole('alert')
      .filter({ hasText: 'This scenario link cannot be opened' });
    await alert.waitFor();
    expect(await alert.innerText()).toContain('bad base64url at character');
    expect(await alert.innerText()).toContain('Nothing was changed');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/lesson/${LESSON}`);
    expect(await allDone()).toEqual(['true', 'true', 'true']);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/lesson-bad-link-1280x720.png' });
  });

  test('a link copied from the lab opens the same state', async () => {
    await page.getByRole('button', { name: 'All lessons' }).click();
    await page.getByRole('button', { name: /Copy link to this scenario/ }).click();
    const link = await page.locator('.progress-controls .link input').inputValue();
    expect(link).toContain('#/s/');
    const other = await lab.context.newPage();
    await other.goto(link);
    await other.locator('.lesson-pane h3', { hasText: 'Granule delegation' }).waitFor();
    const done = () =>
      other
        .locator('.lesson-pane .goal')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-done')));
    await expect.poll(done).toEqual(['true', 'true', 'true']);
    await other.close();
    expect(errors).toEqual([]);
  });
});
