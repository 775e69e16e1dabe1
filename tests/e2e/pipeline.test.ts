/**
 * The pipeline view and the attestation chain end to end at 1280x720: a Mica attack run from
 * the toolbar stops at its valve with the clause named (icon and text), the table view lists
 * the same flows, realm nodes are keyboard-focusable with labels, and the chain shows the
 * group token's links with their verdict; flipping a byte breaks the realm signature link.
 */
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { startLab, type Lab, axeSerious } from './browser.ts';

let lab: Lab;
let page: Page;
let errors: string[];

beforeAll(async () => {
  lab = await startLab();
  ({ page, errors } = await lab.open('#/', { reducedMotion: true }));
  await mkdir('test-results', { recursive: true });
});

afterAll(async () => {
  await lab?.close();
});

describe('pipeline view', () => {
  test('attack 3 in Mica mode stops at the CF1 valve, clause named', async () => {
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    await page.getByLabel('Scenario').selectOption('3');
    await page.getByRole('button', { name: 'Run' }).click();
    const result = page.locator('.pipeline .result');
    await result.waitFor({ timeout: 30_000 });
    expect(await result.innerText()).toMatch(/Blocked.*CF1 owner VM2 CALL 0x17 BLOCK/s);
    const stop = page.locator('.pipeline svg .stop');
    expect(await stop.locator('.stop-label').textContent()).toContain('blocked: CF1');
    const blocked = page.locator('.pipeline .flows li.blocked').first();
    expect(await blocked.innerText()).toContain('Blocked:');
    expect(await blocked.innerText()).toContain('blocked at CF1 owner VM2 CALL 0x17 BLOCK');
    expect(await page.locator('.pipeline svg g.realm').count()).toBe(4);
  });

  test('realm nodes are focusable and labelled', async () => {
    const encoder = page.locator('.pipeline svg g.realm', { hasText: 'encoder' });
    expect(await encoder.getAttribute('tabindex')).toBe('0');
    const described = await encoder.evaluate((g) => {
      const doc = g.ownerDocument;
      const name = doc.getElementById(g.getAttribute('aria-labelledby') ?? '')?.textContent;
      const desc = doc.getElementById(g.getAttribute('aria-describedby') ?? '')?.textContent;
      return `${name}: ${desc}`;
    });
    expect(described).toContain('encoder: Third-party stages, policy uploaded, exit closed by CF1');
    await encoder.focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('.pipeline .details').innerText()).toContain('encoder');
  });

  test('no serious axe violations; screenshot kept', async () => {
    expect(await axeSerious(page, '.pipeline')).toEqual([]);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/pipeline-1280x720.png' });
  });

  test('the table view lists the blocked flow', async () => {
    await page.getByRole('button', { name: 'Table' }).click();
    const row = page.locator('.pipeline table tr.blocked', { hasText: 'CF1 owner VM2' }).first();
    expect(await row.innerText()).toContain('✖ blocked');
    expect(await row.innerText()).toContain('CF1 owner VM2 CALL 0x17 BLOCK');
    await page.getByRole('button', { name: 'Diagram' }).click();
  });
});

describe('attestation chain', () => {
  test('the group token of the run is drawn link by link with a verdict', async () => {
    await page.getByRole('tab', { name: 'Chain' }).click();
    const links = page.locator('.chain-view .chain > li');
    await expect.poll(() => links.count()).toBe(6);
    expect(await links.evaluateAll((els) => els.map((e) => e.getAttribute('data-link')))).toEqual([
      'root',
      'platform',
      'rak',
      'realm',
      'members',
      'verifier',
    ]);
    expect(await page.locator('.chain-view li[data-link="root"]').getAttribute('data-status')).toBe(
      'pass',
    );
    expect(await page.locator('.chain-view .verdict').innerText()).toMatch(
      /Verdict: (verified|rejected|not verified)/,
    );
  });

  test('links are keyboard navigable and open their checks', async () => {
    const first = page.locator('.chain-view button.link').first();
    await first.focus();
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement?.closest('li')?.dataset.link);
    expect(focused).toBe('platform');
    await page.keyboard.press('Enter');
    expect(await page.locator('.chain-view li[data-link="platform"] .checks').isVisible()).toBe(
      true,
    );
    expect(await axeSerious(page, '.chain-view')).toEqual([]);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/attestation-1280x720.png' });
  });

  test('flipping a byte of a token fails the realm token link, with the reason', async () => {
    await page.getByLabel('Evidence').selectOption('sample');
    await page.getByRole('button', { name: 'Flip a byte of the signature' }).click();
    const realm = page.locator('.chain-view li[data-link="realm"]');
    await expect.poll(() => realm.getAttribute('data-status')).toBe('fail');
    expect(await realm.locator('.reason').innerText()).toMatch(/signature/i);
    expect(await page.locator('.chain-view .verdict').innerText()).toContain('rejected');
    expect(errors).toEqual([]);
  });
});
