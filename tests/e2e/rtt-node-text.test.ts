/**
 * The RTT tree at 1280x720, in the normal and the projector look (RttTree.svelte; lab-ux.md,
 * the projector): every line of a table's box is inside the box. A level-3 table's note
 * ("unassigned: 15 RAM, 496 EMPTY") ran past its right edge on the projector.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { runCommand, terminalText, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', (opened) => ({ page, errors } = opened));

/** The lines of the tree's boxes that reach past their box's right edge. */
const overflowing = () =>
  page.evaluate(() =>
    [...document.querySelectorAll<SVGGElement>('.rtt .node')].flatMap((node) => {
      const box = node.querySelector('rect')!.getBoundingClientRect();
      return [...node.querySelectorAll<SVGTextElement>('text')]
        .filter((t) => t.getBoundingClientRect().right > box.right + 0.5)
        .map((t) => t.textContent ?? '');
    }),
  );

describe('the RTT tree', () => {
  test('every line of a table box is inside the box, in the normal and the projector look', async () => {
    await expect.poll(() => terminalText(page)).toContain('host$');
    await runCommand(page, 'realm create r1');
    await expect.poll(() => terminalText(page)).toContain('is ACTIVE');
    await page.getByRole('tab', { name: 'RTT tree', exact: true }).click();
    await page.locator('.rtt .node').first().waitFor();
    expect(await page.locator('.rtt .node').count()).toBeGreaterThan(3);
    expect(await overflowing()).toEqual([]);
    await page.getByRole('button', { name: /^Projector/ }).click();
    await expect
      .poll(() => page.evaluate(() => document.documentElement.hasAttribute('data-projector')))
      .toBe(true);
    expect(await overflowing()).toEqual([]);
    expect(errors).toEqual([]);
  });
});
