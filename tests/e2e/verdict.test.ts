/**
 * One token, one verdict (issue 9), in Chromium at 1280x720: `realm create gw --net`, then
 * `attest random` in the gw realm terminal, then `attest verify last` in the host terminal.
 * The host terminal, the Token tab and the Chain tab show the same verdict word, because
 * they render the same appraisal (the challenge the realm sent, the lab anchor, the realm's
 * reference values). Flipping a signature byte in the Chain tab turns it to "rejected", as
 * the terminal's --flip does. Screenshots of both tabs are kept in test-results/.
 */
import { mkdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { axeSerious, runCommand, terminalText, useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

/** Generous time for a realm build and a token in the page. */
const SLOW = { timeout: 15_000 };

useLabPage('#/', async (opened) => {
  ({ page, errors } = opened);
  await mkdir('test-results', { recursive: true });
});

/** The verdict line the host terminal printed last ("Verdict: ..."). */
async function terminalVerdict(): Promise<string> {
  const text = await terminalText(page);
  return (
    text
      .split('\n')
      .filter((l) => l.startsWith('Verdict: '))
      .at(-1) ?? ''
  );
}

describe('one token, three views, one verdict', () => {
  test('the realm attests with a random challenge and the host verifies it', async () => {
    await expect.poll(() => terminalText(page)).toContain('host$');
    await runCommand(page, 'realm create gw --net');
    const tab = page.getByRole('tab', { name: 'gw#' });
    await expect.poll(() => tab.count(), SLOW).toBe(1);
    await tab.click();
    const realmTerm = page.locator('[role="tabpanel"]:not([hidden]) .xterm-rows');
    await expect.poll(() => realmTerm.innerText()).toContain('gw#');
    await page.locator('[role="tabpanel"]:not([hidden]) .xterm-helper-textarea').focus();
    await page.keyboard.type('attest random');
    await page.keyboard.press('Enter');
    await expect.poll(() => realmTerm.innerText(), SLOW).toContain('RSI_SUCCESS');

    await page.getByRole('tab', { name: 'host$' }).click();
    await runCommand(page, 'attest verify last');
    await expect.poll(terminalVerdict, SLOW).toMatch(/^Verdict: verified\b/);
    // The results strip sums the verification up by the same verdict line.
    const results = page.getByRole('log', { name: 'Latest results' });
    await expect.poll(() => results.innerText()).toContain(await terminalVerdict());
    expect(errors).toEqual([]);
  });

  test('the Token tab shows the same verdict, with the realm’s challenge filled in', async () => {
    await page.getByRole('tab', { name: 'Token' }).click();
    const verdict = page.locator('.token .verdict');
    await expect.poll(() => verdict.getAttribute('data-verdict'), SLOW).toBe('verified');
    expect((await verdict.innerText()).trim()).toMatch(/verified$/);
    // The nonce field holds the challenge the realm sent (64 random bytes), not nothing.
    expect(await page.getByLabel('Nonce').inputValue()).toMatch(/^[0-9a-f]{100,128}$/);
    expect(await page.locator('.token .check[data-status="fail"]').count()).toBe(0);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/verdict-token-1280x720.png' });
  });

  test('the Chain tab shows the same verdict', async () => {
    await page.getByRole('tab', { name: 'Chain' }).click();
    const verdict = page.locator('.chain-view .verdict');
    await expect.poll(() => verdict.getAttribute('data-verdict'), SLOW).toBe('verified');
    const text = (await verdict.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('Verdict: verified');
    // The terminal's verdict text is the Chain's, word for word (counts aside).
    const line = (await terminalVerdict()).replace(/^Verdict: /, '').replace(/; \d+ passed.*$/, '');
    expect(text).toContain(line);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/verdict-chain-1280x720.png' });
    expect(await axeSerious(page, '.side-top')).toEqual([]);
  });

  test('a flipped signature byte is rejected in the Chain tab and the terminal alike', async () => {
    await page.getByRole('button', { name: 'Flip a byte of the signature' }).click();
    const verdict = page.locator('.chain-view .verdict');
    await expect.poll(() => verdict.getAttribute('data-verdict'), SLOW).toBe('rejected');
    const chainText = (await verdict.innerText()).replace(/\s+/g, ' ');
    await page.getByRole('button', { name: 'Restore the byte' }).click();
    await expect.poll(() => verdict.getAttribute('data-verdict'), SLOW).toBe('verified');

    const size = Number(/CCA token of (\d+) bytes/.exec(await realmText())?.[1]);
    expect(size).toBeGreaterThan(1000);
    await page.getByRole('tab', { name: 'host$' }).click();
    // The Chain tab XORs the last byte with 0x01; the terminal's --flip XORs it with 0xff:
    // both break the realm signature, and both say so in the same words.
    await runCommand(page, `attest verify last --flip ${size - 1}`);
    await expect.poll(terminalVerdict, SLOW).toMatch(/^Verdict: rejected: 1 failed/);
    const line = (await terminalVerdict()).replace(/^Verdict: /, '').replace(/; \d+ passed.*$/, '');
    expect(chainText).toContain(line);
    expect(errors).toEqual([]);
  });
});

/** Text of the gw realm terminal (its panel is hidden while another tab is shown). */
async function realmText(): Promise<string> {
  await page.getByRole('tab', { name: 'gw#' }).click();
  const text = await page.locator('[role="tabpanel"]:not([hidden]) .xterm-rows').innerText();
  return text.replace(/\u00a0/g, ' ');
}
