/**
 * The Pipeline banner after a blocked run words the refusal as the rest of the lab does (the
 * list under the drawing, the terminals): who refused and by which check, then why; not the
 * monitor's internal rule name ("blocked … by shared page mapped").
 */
import { mkdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', async (opened) => {
  ({ page, errors } = opened);
  await mkdir('test-results', { recursive: true });
});

describe('the Pipeline banner of a blocked run', () => {
  test('attack 11 in Mica mode: blocked by the Mica monitor, its check named, then why', async () => {
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    await page.getByLabel('Scenario').selectOption('11');
    await page.getByRole('button', { name: 'Run' }).click();
    const banner = page.locator('.pipeline .result');
    await banner.waitFor({ timeout: 30_000 });
    const text = await banner.innerText();
    expect(text).toMatch(
      /Blocked attack 11 \(mica\): host tried to reuse shared page 0x[0-9a-f]+, which Mica holds: blocked by the Mica monitor, check mica_shared_mapped\. granule/,
    );
    expect(text).not.toContain('by shared page mapped');
    // The list under the drawing says the same of the same event.
    expect(await page.locator('.pipeline .flows').innerText()).toContain(
      'blocked by the Mica monitor, check mica_shared_mapped',
    );
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/pipeline-banner-attack-11-1280x720.png' });
    expect(errors).toEqual([]);
  });
});
