/**
 * Every pipeline scenario, run in the Pipeline view the way an instructor runs it (pick the
 * mode and the attack, press Run), gives the verdict the headless run gives (issue 9): the
 * same outcome (blocked / caught by the verifier / went through / ran cleanly) and, when a
 * rule decided, the same rule, in both Mica modes.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { ATTACKS, runAttack } from '../../src/workflows/index.ts';
import { useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', async (opened) => {
  ({ page, errors } = opened);
  await page.getByRole('tab', { name: 'Pipeline' }).click();
});

/** Runs scenario `value` in `mode` from the Pipeline view; returns the result's class and text. */
async function runInPage(value: string, mode: string): Promise<{ outcome: string; text: string }> {
  const select = page.locator('.pipeline select[name="mode"]');
  if ((await select.inputValue()) !== mode) await select.selectOption(mode);
  await page.getByLabel('Scenario').selectOption(value);
  const result = page.locator('.pipeline .result');
  const before = (await result.count()) > 0 ? await result.innerText() : '';
  await page.getByRole('button', { name: 'Run' }).click();
  await expect.poll(() => page.getByRole('button', { name: 'Run' }).isEnabled()).toBe(true);
  await result.waitFor();
  // A re-run of an identical verdict keeps the text; the class is what we compare.
  void before;
  const classes = ((await result.getAttribute('class')) ?? '').split(/\s+/);
  const outcome = classes.find((c) => ['blocked', 'caught', 'through'].includes(c)) ?? 'clean';
  return { outcome, text: await result.innerText() };
}

describe('the Pipeline view and the headless run agree on every scenario', () => {
  for (const mode of ['mica', 'mica-prototype'] as const) {
    test(`the honest pipeline in ${mode} mode runs cleanly`, async () => {
      const { outcome, text } = await runInPage('0', mode);
      expect(outcome, text).toBe('clean');
    });
    test.each(ATTACKS.map((a) => [a.number, a.title] as const))(
      `${mode}: attack %i (%s)`,
      async (n) => {
        const headless = runAttack(n, mode);
        const { outcome, text } = await runInPage(String(n), mode);
        expect(outcome, text).toBe(headless.outcome);
        if (headless.rule) expect(text).toContain(headless.rule);
        expect(text).toContain(`attack ${n}`);
      },
    );
  }

  test('no page error on the way', () => {
    expect(errors).toEqual([]);
  });
});
