/**
 * The ledger list at 1280x720 (issue 14 "Time travel": a scrubbed frame costs what is drawn;
 * ARCHITECTURE.md "Time travel"): while it follows the newest entry it draws only the rows
 * that fit in sight, the rest of its window being a spacer, also while the timeline is
 * scrubbed; scrolling up draws the whole window and keeps the rows in sight where they were;
 * "↓ Latest" follows again.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { runCommand, terminalText, useLabPage, type Lab } from './browser.ts';

/** Rows the list draws at first (`WINDOW` in LedgerList.svelte). */
const WINDOW = 60;

let lab: Lab;
let page: Page;
let errors: string[];

useLabPage('#/', (opened) => ({ lab, page, errors } = opened));

const rows = () => page.locator('.ledger .row');
const scroller = () => page.locator('.ledger .scroller');
const slider = () => page.getByRole('slider', { name: 'Ledger position' });
/** The newest row drawn: its sequence number and its top relative to the scroller's. */
const newest = () =>
  page.evaluate(() => {
    const box = document.querySelector('.ledger .scroller')!;
    const last = [...box.querySelectorAll<HTMLElement>('.row')].at(-1)!;
    return {
      seq: Number(last.dataset['seq']),
      top: last.getBoundingClientRect().top - box.getBoundingClientRect().top,
    };
  });
/** Whether the scroller shows its bottom. */
const atBottom = () =>
  scroller().evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 1);

describe('ledger list', () => {
  /** The newest row at now (the last one drawn while following). */
  let newestNow = 0;

  test('while it follows the newest entry it draws only the rows in sight', async () => {
    await expect.poll(() => terminalText(page)).toContain('host$');
    await runCommand(page, 'realm create a');
    for (const k of [0, 1, 2, 3, 4, 5]) await runCommand(page, `delegate 0x8010${k}000`);
    await expect
      .poll(async () => Number(await slider().getAttribute('max')))
      .toBeGreaterThan(2 * WINDOW);
    newestNow = (await newest()).seq;
    const drawn = await rows().count();
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThan(WINDOW);
    expect(await page.locator('.ledger .spacer').count()).toBe(1);
    expect(await atBottom()).toBe(true);
  });

  test('a granule transition reads on one line in the normal look (the kind names the granule)', async () => {
    // The newest rows are the last delegate's: its transition, `UNDELEGATED → DELEGATED, wiped`,
    // the longest a transition reads. Before its summary dropped the kind's own word, the
    // normal look's narrow list put `wiped` on a second line.
    const heights = await page.evaluate(() =>
      [
        ...document.querySelectorAll<HTMLElement>('.ledger .row[data-kind="granule:transition"]'),
      ].map((row) => {
        const summary = row.querySelector('.summary')!;
        return {
          text: summary.textContent,
          lines: summary.getClientRects().length,
          height: row.getBoundingClientRect().height,
          line: parseFloat(getComputedStyle(row).lineHeight),
        };
      }),
    );
    expect(
      heights.some((h) => h.text?.endsWith('0x80105000: UNDELEGATED → DELEGATED, wiped')),
    ).toBe(true);
    for (const h of heights) {
      expect(h.lines, h.text ?? '').toBe(1);
      expect(h.height, h.text ?? '').toBeLessThan(1.5 * h.line + 8);
    }
  });

  test('a scrubbed position shows its newest rows, still only those in sight', async () => {
    const length = Number(await slider().getAttribute('max'));
    const middle = Math.floor(length / 2);
    await slider().focus();
    await page.keyboard.press('Home');
    for (let k = 0; k < middle; k += 1) await page.keyboard.press('ArrowRight');
    // The rows are as of the position: the newest drawn is the position's last event.
    await expect.poll(async () => (await newest()).seq).toBeLessThanOrEqual(middle);
    expect((await newest()).seq).toBeGreaterThanOrEqual(middle - 1);
    expect(await rows().count()).toBeLessThan(WINDOW);
    await expect.poll(atBottom).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(async () => (await newest()).seq).toBe(newestNow);
    await expect.poll(atBottom).toBe(true);
  });

  test('scrolling up draws the whole window and keeps the rows in sight where they were', async () => {
    const scrolled = await scroller().evaluate((el) => {
      el.scrollTop -= 30;
      const box = el.getBoundingClientRect();
      const last = [...el.querySelectorAll<HTMLElement>('.row')].at(-1)!;
      return last.getBoundingClientRect().top - box.top;
    });
    await expect.poll(() => rows().count()).toBe(WINDOW);
    expect(await page.locator('.ledger .spacer').count()).toBe(0);
    const after = await newest();
    expect(after.seq).toBe(newestNow);
    expect(Math.abs(after.top - scrolled)).toBeLessThanOrEqual(1);
  });

  test('"↓ Latest" follows the newest entry again, drawing only the rows in sight', async () => {
    await page.getByRole('button', { name: '↓ Latest' }).click();
    await expect.poll(() => rows().count()).toBeLessThan(WINDOW);
    await expect.poll(atBottom).toBe(true);
    expect((await newest()).seq).toBe(newestNow);
    expect(errors).toEqual([]);
  });

  test('the projector look, which resizes the list, leaves it following the newest entry', async () => {
    const projector = page.getByRole('button', { name: /Projector/ });
    for (const pressed of ['true', 'false']) {
      await projector.click();
      await expect.poll(() => projector.getAttribute('aria-pressed')).toBe(pressed);
      await expect.poll(atBottom).toBe(true);
      expect(await page.getByRole('button', { name: '↓ Latest' }).count()).toBe(0);
    }
  });
});

describe('ledger filter chips', () => {
  test('the seven kind chips keep one row in the normal look with thousands of events', async () => {
    // An attack lesson's setup leaves thousands of events (SMC 3024, #11116 at 05-attacks/02):
    // the chips wrapped onto a second row and the list below lost one of its few visible rows.
    const { page: mica, errors: micaErrors } = await lab.open(
      '#/lesson/05-attacks/02-copy-to-host',
      {
        reducedMotion: true,
      },
    );
    const chips = mica.locator('.ledger .filters .chip');
    await expect.poll(() => chips.count()).toBe(7);
    await expect
      .poll(async () => Number((await chips.first().getAttribute('title'))?.split(' ')[0]))
      .toBeGreaterThanOrEqual(1000);
    const tops = await chips.evaluateAll((els) =>
      els.map((e) => Math.round(e.getBoundingClientRect().top)),
    );
    expect(new Set(tops).size, `chip tops ${tops}`).toBe(1);
    // Its five-digit sequence numbers fit their column: `#11158` ran into the kind beside it,
    // the number column being 3em whatever the digits.
    const overlaps = await mica.locator('.ledger .row').evaluateAll((rows) =>
      rows.flatMap((row) => {
        // The digits' own box (the span is stretched to its column; its text may overflow).
        const digits = document.createRange();
        digits.selectNodeContents(row.querySelector('.seq')!);
        const seq = digits.getBoundingClientRect();
        const kind = row.querySelector('.kind')!.getBoundingClientRect();
        const text = row.querySelector('.seq')!.textContent ?? '';
        return seq.right > kind.left + 0.5 ? [`${text}: ${seq.right} > ${kind.left}`] : [];
      }),
    );
    expect(overlaps).toEqual([]);
    expect(micaErrors).toEqual([]);
    await mica.close();
  });
});
