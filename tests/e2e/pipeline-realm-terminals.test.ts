/**
 * The realms a Pipeline Run built are the learner's to inspect (emulator host/state.ts
 * `recordRealm`): after Run, each stage has its terminal tab, and typing in storage's
 * terminal reads its store, the moderated video with its labels, as a learner would.
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

/** Waits two animation frames so xterm has painted what the shell wrote. */
async function painted(): Promise<void> {
  await page.evaluate(
    () => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))),
  );
}

/** The visible rows of the terminal shown now. */
async function visibleTerminal(): Promise<string> {
  const rows = page.locator('.deck-body:not([hidden]) .xterm-rows');
  return (await rows.innerText()).replace(/\u00a0/g, ' ');
}

describe('a realm a Pipeline Run built has a terminal', () => {
  test('after Run, storage# reads storage’s store: the moderated video, with its labels', async () => {
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    await page.getByLabel('Scenario').selectOption('0');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('.pipeline .result').waitFor({ timeout: 30_000 });
    expect(await page.locator('.pipeline .result').innerText()).toContain('Ran cleanly');
    // One tab per stage, as for a realm built with "realm create".
    for (const name of ['gateway', 'encoder', 'moderator', 'storage'])
      await page.getByRole('tab', { name: `${name}#`, exact: true }).waitFor();
    await page.getByRole('tab', { name: 'storage#', exact: true }).click();
    await page.locator('.deck-body:not([hidden]) .xterm-helper-textarea').focus();
    await page.keyboard.type('mem read 0x100000 32');
    await page.keyboard.press('Enter');
    await expect.poll(visibleTerminal).toContain('labels: passed:moderator, video');
    await painted();
    const screen = await visibleTerminal();
    // A hex dump of the store (as many bytes a row as the terminal is wide).
    expect(screen).toMatch(/^0x00100000 {2}([0-9a-f]{2} )+/m);
    expect(screen).not.toMatch(/no terminal|no realm called|boot failed/);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/pipeline-run-storage-terminal-1280x720.png' });
    expect(errors).toEqual([]);
  });
});
