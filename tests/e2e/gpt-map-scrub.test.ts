/**
 * The GPT map while the timeline is stepped through the past at 1280x720 (issue 14 "Time
 * travel"; GptMap.svelte): the map shows the DRAM window of the latest change, and an event
 * that changed no DRAM granule leaves it on the window it showed, as the live map stays after
 * a command that moves no granule (it went back to the first window and redrew every cell).
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { runCommand, terminalText, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', (opened) => ({ page, errors } = opened));

/** The DRAM window the map shows and whether the event shown changed no granule. */
const shown = () =>
  page.evaluate(() => ({
    window: document.querySelector('.gpt .window-range')?.textContent?.trim() ?? '',
    changedNone: (document.querySelector('.gpt .last-change')?.textContent ?? '').includes(
      'this event changed none',
    ),
  }));

describe('GPT map in the past', () => {
  test('an event that changed no DRAM granule leaves the map on the window it showed', async () => {
    await expect.poll(() => terminalText(page)).toContain('host$');
    // The realm's granules are in a DRAM window past the first; the delegate is in the first.
    await runCommand(page, 'realm create a');
    await runCommand(page, 'delegate 0x80000000');
    const slider = page.getByRole('slider', { name: 'Ledger position' });
    await expect.poll(async () => Number(await slider.getAttribute('max'))).toBeGreaterThan(0);
    const length = Number(await slider.getAttribute('max'));
    await slider.focus();
    await page.keyboard.press('Home');
    let previous = await shown();
    const windows = new Set<string>();
    let keptAfterAChange = 0;
    for (let position = 1; position < length; position += 1) {
      await page.keyboard.press('ArrowRight');
      await expect
        .poll(() => slider.getAttribute('aria-valuetext'))
        .toBe(`event ${position} of ${length}`);
      const now = await shown();
      windows.add(now.window);
      if (now.changedNone && position > 1) {
        expect(now.window, `event ${position} changed no granule`).toBe(previous.window);
        if (!previous.changedNone) keptAfterAChange += 1;
      }
      previous = now;
    }
    // Not vacuous: the map went to more than one window, and kept one after changes.
    expect(windows.size).toBeGreaterThan(1);
    expect(keptAfterAChange).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });
});
