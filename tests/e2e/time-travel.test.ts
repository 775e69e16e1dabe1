/**
 * Time travel end to end at 1280x720 (issue 14; ARCHITECTURE.md "Time travel"): run a Mica
 * attack that the monitor blocks, step the timeline back to the blocked flow event (filters:
 * Flow, blocked only) and see the pipeline drawing and the ledger list as of that event, one
 * event earlier no blocked marker at all; the banner and the terminal note say the views show
 * the past; a typed command runs on the machine now and brings the views back; "Return to now"
 * (and Escape) too. The Pipeline view's result line tells the run as of the chosen event
 * ("Blocked so far", "Running…"), never how the whole run ended. The Pipeline view and the GPT
 * map (after the run: cells of every RMM state, their letters in their names) are axe-clean
 * in the dark and light themes and in projector mode, in the past and now. Screenshots are
 * kept under test-results/.
 */
import { mkdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { axeSerious, runCommand, terminalText, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', async (opened) => {
  ({ page, errors } = opened);
  await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
  await mkdir('test-results', { recursive: true });
});

const timeline = () => page.getByRole('region', { name: 'Ledger timeline' });
const banner = () => timeline().getByRole('status');
/** The newest row the ledger list shows (its sequence number). */
const newestRow = async () =>
  Number(await page.locator('.ledger .row').last().getAttribute('data-seq'));
const blockedMarkers = () => page.locator('.pipeline svg g.callout.blocked').count();

describe('time travel', () => {
  let blockedSeq = 0;
  let length = 0;

  test('a blocked Mica attack: step back to its blocked flow and see the machine as of it', async () => {
    await expect.poll(() => terminalText(page)).toContain('host$');
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    await page.getByLabel('Scenario').selectOption('3');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('.pipeline .result').waitFor({ timeout: 60_000 });
    expect(await page.locator('.pipeline .result').innerText()).toMatch(/Blocked/);
    expect(await blockedMarkers()).toBeGreaterThan(0);
    length = Number(
      await timeline().getByRole('slider', { name: 'Ledger position' }).getAttribute('max'),
    );

    // Only blocked flows: one step back from now lands on the last of them.
    await timeline().getByLabel('Kind').selectOption('flow');
    await timeline().getByLabel('Blocked only').check();
    await timeline().getByRole('button', { name: 'Step back to the previous event' }).click();
    await expect(banner()).toBeTruthy();
    await banner().waitFor({ timeout: 60_000 });
    const text = await banner().innerText();
    const m = /as of event (\d+) of (\d+)/.exec(text);
    expect(m, text).not.toBeNull();
    blockedSeq = Number(m![1]);
    expect(Number(m![2])).toBe(length);
    expect(blockedSeq).toBeLessThan(length);
    expect(text).toMatch(/Viewing the past/);
    expect(text).toMatch(/Terminals still run on the machine now/);

    // The pipeline drawing as of the blocked flow: the valve is there, and the result line
    // tells the run as of that event, not how the whole run ended.
    expect(await blockedMarkers()).toBeGreaterThan(0);
    const result = page.locator('.pipeline .result');
    expect(await result.innerText()).toMatch(
      new RegExp(`^\\W*Blocked so far as of event ${blockedSeq}: `),
    );
    // The ledger list as of that event ends with it (Show ledger: the pipeline is a wide view).
    await page.getByRole('button', { name: 'Show ledger' }).click();
    await expect.poll(newestRow).toBe(blockedSeq);
    expect(await page.locator('.ledger .row').last().innerText()).toMatch(/blocked/);
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/time-travel-blocked-1280x720.png' });

    // One event earlier (the slider, by keyboard): the flow has not happened, no valve drawn.
    const slider = timeline().getByRole('slider', { name: 'Ledger position' });
    await slider.focus();
    await page.keyboard.press('ArrowLeft');
    await expect
      .poll(async () => (await banner().innerText()).match(/event (\d+)/)?.[1])
      .toBe(String(blockedSeq - 1));
    await expect.poll(blockedMarkers).toBe(0);
    // Nothing blocked yet as of that event: the result line says the run is still going.
    expect(await page.locator('.pipeline .result').innerText()).toMatch(
      new RegExp(`Running… as of event ${blockedSeq - 1}: \\d+ flows? so far, none blocked`),
    );
    // The ledger Show ledger unfolded beside the pipeline is still there.
    await expect.poll(newestRow).toBe(blockedSeq - 1);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/time-travel-before-block-1280x720.png' });
  });

  test('the terminal says commands run on the machine now; axe-clean in both themes and projector mode', async () => {
    const note = page.getByRole('note');
    expect(await note.innerText()).toMatch(/run on the machine as it is now \(never on the past\)/);
    // The pipeline view and the GPT map in the past, after a pipeline run (delegated granules
    // of every RMM state: each cell's letters are part of its name).
    const views = async () => {
      await page.getByRole('tab', { name: 'Pipeline' }).click();
      const pipeline = await axeSerious(page);
      await page.getByRole('tab', { name: 'GPT map' }).click();
      expect(await page.locator('.grid .cell text').count()).toBeGreaterThan(0);
      return [...pipeline, ...(await axeSerious(page))];
    };
    expect(await views()).toEqual([]);
    await page.getByRole('button', { name: 'Light' }).click();
    expect(await views()).toEqual([]);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/time-travel-light-1280x720.png' });
    await page.getByRole('button', { name: /Projector/ }).click();
    expect(await views()).toEqual([]);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/time-travel-projector-1280x720.png' });
    await page.getByRole('button', { name: /Projector/ }).click();
    await page.getByRole('button', { name: 'Dark' }).click();
    // Now (the run's end) too.
    await timeline().getByRole('button', { name: 'Return to now' }).click();
    await expect.poll(() => banner().count()).toBe(0);
    expect(await views()).toEqual([]);
    await timeline().getByRole('button', { name: 'Step back to the previous event' }).click();
    await banner().waitFor();
  });

  test('Return to now shows the live machine again; Escape in the bar does too', async () => {
    await timeline().getByRole('button', { name: 'Return to now' }).click();
    await expect.poll(() => banner().count()).toBe(0);
    await expect.poll(newestRow).toBe(length);
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    expect(await blockedMarkers()).toBeGreaterThan(0);
    // Now: the whole run's outcome again.
    expect(await page.locator('.pipeline .result').innerText()).toMatch(/^\W*Blocked attack 3/);

    await timeline().getByRole('button', { name: 'Step back to the previous event' }).click();
    await banner().waitFor();
    await timeline().getByRole('slider', { name: 'Ledger position' }).focus();
    await page.keyboard.press('Escape');
    await expect.poll(() => banner().count()).toBe(0);
  });

  test('a command typed while viewing the past runs now and brings the views back', async () => {
    await timeline().getByRole('button', { name: 'Step back to the previous event' }).click();
    await banner().waitFor();
    await runCommand(page, 'delegate 0x80000000');
    await expect.poll(() => banner().count()).toBe(0);
    await page.getByRole('tab', { name: 'GPT map' }).click();
    await expect.poll(newestRow).toBeGreaterThan(length);
    expect(errors).toEqual([]);
  });
});
