/**
 * The policy editor in Chromium, as a learner uses it (issue 13): in lesson 04-mica/01 open the
 * Policy tab, load the gateway's accepted policy for the encoder, type a mistake and see it
 * located (line:column in the list, the line marked, the upload refused with a reason), fix it,
 * read the preview against the neighbour, upload, and see the encoder's terminal run the upload,
 * the monitor accept it and the lesson goal tick. The editor is axe-clean in dark, light and
 * projector themes, and its drafts survive a reload.
 */
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { formatPolicyText } from '../../src/policy/index.ts';
import { shippedWith } from '../../src/lessons/fixtures/policy-pipeline.ts';
import { axeSerious, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/lesson/04-mica/01-declare', async (opened) => {
  ({ page, errors } = opened);
  await page.getByRole('button', { name: /Reset lesson/ }).click();
  const dismiss = page.getByRole('button', { name: /^Dismiss/ });
  while ((await dismiss.count()) > 0) await dismiss.first().click();
});

const editor = () => page.getByRole('textbox', { name: /Policy text for/ });
const upload = () => page.getByRole('button', { name: /^Upload into / });

/** The encoder's file: the gateway's VMs, Self VM2, Mem1 in and Mem2 out. */
const ENCODER_TEXT = formatPolicyText(shippedWith('encoder', (p) => ({ ...p, cfs: [] })));

describe('the policy editor', () => {
  test('loads a neighbour’s accepted policy for a realm', async () => {
    await page.getByRole('tab', { name: 'Policy' }).click();
    await page.getByLabel('Realm', { exact: true }).selectOption('encoder');
    await page.getByLabel('Start from').selectOption('accepted:gateway');
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await expect.poll(() => editor().inputValue()).toMatch(/"Self": "VM1"/);
    expect(await page.getByRole('status').filter({ hasText: 'Parses' }).count()).toBe(1);
  });

  test('a typed mistake is located as you type: line:column, the line marked, no upload', async () => {
    await editor().fill(ENCODER_TEXT.replace('"Self": "VM2",', '"Self": "VM2",\n  oops: 1,'));
    const problem = page
      .getByRole('list', { name: 'Problems in the policy text' })
      .getByRole('button');
    await expect.poll(() => problem.first().innerText()).toMatch(/^3:3 error: .*expected .*oops/);
    expect(await editor().getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.gutter .err').allInnerTexts()).toEqual(['3']);
    expect(await page.locator('mark.error').allInnerTexts()).toEqual(['oops']);
    expect(await upload().isDisabled()).toBe(true);
    // The list entry puts the cursor on the mistake.
    await problem.first().click();
    const selected = await editor().evaluate((el: HTMLTextAreaElement) =>
      el.value.slice(el.selectionStart, el.selectionEnd),
    );
    expect(selected).toBe('oops');
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/policy-editor-error-1280x720.png' });
  });

  test('a disagreeing draft is previewed against the gateway’s copy, object and field by name', async () => {
    await editor().fill(
      ENCODER_TEXT.replace(
        '"VM2": { "hash": 0xe0e32942, "is-gateway": false',
        '"VM2": { "hash": 0xe0e32942, "is-gateway": true',
      ),
    );
    const diffs = page.locator('.diffs li');
    await expect.poll(() => diffs.count()).toBeGreaterThan(0);
    expect(await diffs.first().innerText()).toMatch(/Mem1 · VM2\.is-gateway[\s\S]*vs gateway/);
    expect(await diffs.first().locator('figcaption').allInnerTexts()).toEqual([
      "encoder's draft",
      "gateway's accepted copy",
    ]);
  });

  test('the fixed file uploads through the encoder’s terminal; the monitor and the lesson see it', async () => {
    await editor().fill(ENCODER_TEXT);
    await expect.poll(() => page.locator('.agreement').innerText()).toMatch(/Agrees with gateway/);
    await upload().click();
    await expect
      .poll(() =>
        page.getByRole('tab', { name: 'encoder#', exact: true }).getAttribute('aria-selected'),
      )
      .toBe('true');
    const screen = page.locator('.deck-body:not([hidden]) .xterm-rows');
    await expect
      .poll(() => screen.innerText(), { timeout: 20000 })
      .toMatch(/policy upload: RSI_SUCCESS \(typed text/);
    expect((await screen.innerText()).replace(/\u00a0/g, ' ')).toMatch(
      /monitor: allowed by upload:accepted/,
    );
    await expect
      .poll(() => page.locator('.decision').innerText())
      .toMatch(/accepted by upload:accepted/);
    await page.getByRole('tab', { name: 'Lesson' }).click();
    await expect
      .poll(() => page.locator('.lesson-pane .goal').first().getAttribute('data-done'))
      .toBe('true');
    await page.getByRole('tab', { name: 'Policy' }).click();
    expect(await upload().isDisabled()).toBe(true); // one upload per realm
    expect(errors).toEqual([]);
  });

  test('axe-clean in dark, light and projector themes', async () => {
    await page.getByRole('tab', { name: 'Policy' }).click();
    await editor().fill(ENCODER_TEXT.replace('"Self": "VM2",', '"Self": "VM2",\n  oops: 1,'));
    await page.getByLabel('Realm', { exact: true }).selectOption('moderator');
    await page.getByLabel('Start from').selectOption('example:fix-any-window');
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await editor().fill(
      (await editor().inputValue()).replace('"Self": "VM3",', '"Self": "VM3", oops'),
    );
    for (const scheme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      expect(await axeSerious(page, '.editor'), scheme).toEqual([]);
    }
    await page.getByRole('button', { name: /Projector/ }).click();
    expect(await axeSerious(page, '.editor'), 'projector').toEqual([]);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/policy-editor-projector-1280x720.png' });
    await page.getByRole('button', { name: /Projector/ }).click();
  });

  test('a draft survives a reload: the moderator’s text is there again, the encoder’s too', async () => {
    // The drafts lived in memory only: a reload or a closed tab lost what the learner typed.
    await page.getByRole('tab', { name: 'Policy' }).click();
    await page.getByLabel('Realm', { exact: true }).selectOption('moderator');
    const typed = (await editor().inputValue()).replace('oops', 'draft-before-reload');
    await editor().fill(typed);
    await page.reload();
    await page.locator('.xterm-rows').first().waitFor();
    await page.getByRole('tab', { name: 'Policy' }).click();
    await page.getByLabel('Realm', { exact: true }).selectOption('moderator');
    await expect.poll(() => editor().inputValue()).toBe(typed);
    await page.getByLabel('Realm', { exact: true }).selectOption('encoder');
    await expect.poll(() => editor().inputValue()).toMatch(/oops: 1,/);
  });
});
