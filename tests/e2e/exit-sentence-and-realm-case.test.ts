/**
 * Two things a learner reads in 05-attacks/03: a store at a protected IPA that the encoder's
 * CF3 BLOCKs is worded as a fault the host would have handled with no data (mica-spec.md §8
 * item 6), not as data handed to the host; and `@ENCODER` typed in the host terminal is refused
 * with `@encoder` suggested and the realms listed (realm names are lower case and exact).
 */
import { mkdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { terminalText, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/lesson/05-attacks/03-private-to-shared', async (opened) => {
  ({ page, errors } = opened);
  await mkdir('test-results', { recursive: true });
});

async function typeInto(terminal: string, line: string): Promise<void> {
  await page.getByRole('tab', { name: terminal, exact: true }).click();
  await page.locator('.deck-body:not([hidden]) .xterm-helper-textarea').focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

describe('05-attacks/03 as a learner reads it', () => {
  test('a blocked protected-IPA abort: "a fault at protected address … (no data leaves)"', async () => {
    await expect.poll(() => terminalText(page)).toContain('Lesson:');
    await typeInto('encoder#', 'copy 0x18000000020 0x5000 50');
    await typeInto('encoder#', 'copy 0x5000 0x9000 8');
    // The judge's line under the command, in the encoder's terminal.
    const encoder = page.locator('.deck-body:not([hidden]) .xterm-rows');
    const seen = async () => (await encoder.innerText()).replace(/[\s\u00a0]+/g, ' ');
    await expect
      .poll(seen)
      .toContain(
        'encoder tried to make the host handle a fault at protected address 0x9000 (no data leaves): blocked by its policy, rule CF3',
      );
    expect(await seen()).not.toContain('tried to hand data to the host: blocked');
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/exit-sentence-protected-1280x720.png' });
    expect(errors).toEqual([]);
  });

  test('@ENCODER in the host terminal: refused, @encoder suggested, the realms listed', async () => {
    await typeInto('host$', '@ENCODER config');
    await expect
      .poll(() => terminalText(page))
      .toContain('"@ENCODER": realm names are lower case and exact, did you mean "@encoder"?');
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/realm-case-host-1280x720.png' });
    expect(errors).toEqual([]);
  });

  test('both lines read in the projector look too', async () => {
    await page.getByRole('button', { name: /Projector/ }).click();
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/realm-case-host-projector-1280x720.png' });
    await page.getByRole('tab', { name: 'encoder#', exact: true }).click();
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/exit-sentence-protected-projector-1280x720.png' });
    expect(errors).toEqual([]);
  });
});
