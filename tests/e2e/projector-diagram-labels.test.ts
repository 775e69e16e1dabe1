/**
 * The Pipeline drawing in the projector look at 1280x720 (PipelineDiagram.svelte): the SVG
 * scales with its panel, not with the projector's zoom, so its small labels (the rules named
 * on the exits, the bands, a stage's policy line) stayed at about 10px on the wall. They are
 * set larger there.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { terminalText, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/lesson/04-mica/01-declare', (opened) => ({ page, errors } = opened));

/** The smallest drawn height, in screen pixels, of the labels matching `selector`. */
const smallest = (selector: string) =>
  page.evaluate(
    (s) =>
      Math.min(
        ...[...document.querySelectorAll<SVGTextElement>(s)].map(
          (t) => t.getBoundingClientRect().height,
        ),
      ),
    selector,
  );

describe('the pipeline drawing on the projector', () => {
  test('exit rules, band names and policy lines are drawn at least 12px high', async () => {
    await expect.poll(() => terminalText(page)).toContain('Lesson:');
    await page.getByRole('button', { name: /^Projector/ }).click();
    await page.getByRole('tab', { name: 'Pipeline', exact: true }).click();
    await page.locator('.pipeline .valve-label').first().waitFor();
    for (const label of ['.valve-label', '.band-label', '.realm-sub'])
      expect(await smallest(`.pipeline ${label}`), label).toBeGreaterThanOrEqual(12);
    expect(errors).toEqual([]);
  });
});
