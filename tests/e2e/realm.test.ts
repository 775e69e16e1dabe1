/**
 * A scenario link that builds an ACTIVE realm with host commands: the commands are typed
 * into the terminal, the GPT map shows the realm's granules by RMM state, the Realms tab
 * lists the realm and its REC, and the RTT tree draws its tables. A command-only link
 * followed from a lab the learner has worked in types its commands there too, after one
 * undoable checkpoint of the learner's machine.
 */
import { mkdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { encodeScenarioLink, makeScenario } from '../../src/lessons/index.ts';
import { axeSerious, runCommand, terminalText, useLabPage, type Lab } from './browser.ts';
import { DATA, RD, realmCommands, realmScenario } from './realm-scenario.ts';

let lab: Lab;
let page: Page;
let errors: string[];

useLabPage(encodeScenarioLink(realmScenario()), (opened) => ({ lab, page, errors } = opened));

const cell = (pa: number) => page.locator(`.cell[data-pa="0x${pa.toString(16)}"]`);

describe('a realm built from a scenario link', () => {
  test('the commands are replayed in the terminal and the GPT map shows RMM states', async () => {
    await expect.poll(() => terminalText(page)).toContain('RMI_REALM_ACTIVATE');
    await expect.poll(() => cell(RD).getAttribute('data-state')).toBe('RD');
    expect(await cell(DATA).getAttribute('data-state')).toBe('DATA');
    expect(await cell(0x8000_0000).getAttribute('data-state')).toBe('RTT');
    expect(await cell(DATA).getAttribute('aria-label')).toContain(
      'owner realm with RD at 0x8000_2000',
    );
    // Every command went through the undoable session.
    expect(await page.getByRole('button', { name: /Undo/ }).getAttribute('title')).toBe(
      `Undo “${realmCommands().at(-1)}”`,
    );
  });

  test('the Realms tab lists the active realm and its REC', async () => {
    await page.getByRole('tab', { name: /Realms/ }).click();
    const card = page.locator(`.card[data-rd="0x${RD.toString(16)}"]`);
    await expect.poll(() => card.getAttribute('data-state')).toBe('ACTIVE');
    const text = await card.innerText();
    expect(text).toContain('VMID 1');
    expect(text).toContain('(frozen)');
    expect(text).toMatch(/REC_AUX\s*2/);
    expect(await card.locator('tbody tr').count()).toBe(1);
  });

  test('the RTT tree draws the tables down to the DATA page', async () => {
    await page.getByRole('button', { name: 'RTT tree' }).click();
    expect(await page.getByRole('tab', { name: 'RTT tree' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    const nodes = page.locator('.rtt .node');
    await expect.poll(() => nodes.count()).toBeGreaterThanOrEqual(5);
    const labels = await page
      .locator('.rtt .node .label')
      .evaluateAll((els) => els.map((e) => e.textContent));
    expect(labels).toEqual(
      expect.arrayContaining(['L1 RTT 0x8000_0000', 'L2 RTT 0x8000_3000', 'L3 RTT 0x8000_4000']),
    );
    expect(await page.locator('.rtt .kind-data').textContent()).toContain('DATA 0x8000_5000');
    await mkdir('test-results', { recursive: true });
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/lab-realm-1280x720.png' });
  });

  test('axe-core finds no serious or critical violations on the realm views', async () => {
    expect(await axeSerious(page, '.side-top')).toEqual([]);
    await page.getByRole('tab', { name: /Realms/ }).click();
    expect(await axeSerious(page, '.side-top')).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('the token inspector for that realm', () => {
  test('issues a token that verifies, with the ledger folded away', async () => {
    await page.getByRole('tab', { name: 'Token' }).click();
    const verdict = page.locator('.token .verdict');
    await expect
      .poll(() => verdict.getAttribute('data-verdict'), { timeout: 10_000 })
      .toBe('verified');
    expect(await verdict.getAttribute('title')).toContain('RD 0x8000_2000');
    expect(await page.getByRole('button', { name: 'Show ledger' }).isVisible()).toBe(true);
    const checks = page.locator('.token .check');
    expect(await checks.count()).toBeGreaterThan(20);
    expect(await page.locator('.token .check[data-status="fail"]').count()).toBe(0);
  });

  test('a claim highlights its bytes, and the byte cursor names its claim', async () => {
    const rim = page.locator('.token .claim', { hasText: 'cca-realm-initial-measurement' });
    await rim.hover();
    const value = page.locator('.token .b.in-value');
    await expect.poll(() => value.count()).toBeGreaterThanOrEqual(32);
    // The highlighted value bytes are the realm's RIM as the Realms tab shows it.
    const hex = (await value.allInnerTexts()).join('');
    const rimText = await page.evaluate(() =>
      document.querySelector('.card dd')?.getAttribute('title'),
    );
    expect(hex).toContain(rimText!.slice(0, 64));

    await page.locator('.token .hex').focus();
    await page.keyboard.press('ArrowRight');
    await expect
      .poll(() => page.locator('.token .status').innerText())
      .toContain('cca-realm-initial-measurement');
    await page.keyboard.press('Enter');
    expect(await rim.getAttribute('aria-pressed')).toBe('true');
  });

  test('flipping one bit of the RIM breaks the realm signature', async () => {
    await page.getByRole('button', { name: /Flip bit at/ }).click();
    const verdict = page.locator('.token .verdict');
    await expect.poll(() => verdict.getAttribute('data-verdict')).toBe('rejected');
    const failing = await page
      .locator('.token .check[data-status="fail"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-check')));
    expect(failing).toContain('realm-signature');
    expect(await page.locator('.token .b.changed').count()).toBe(1);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/lab-token-1280x720.png' });

    expect(await axeSerious(page, '.side-top')).toEqual([]);

    await page.getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => verdict.getAttribute('data-verdict')).toBe('verified');
    expect(errors).toEqual([]);
  });
});

describe('a command-only link followed from a lab the learner worked in', () => {
  test('types its commands into the terminal after one undoable checkpoint of the learner machine', async () => {
    // It drew a new lab (the learner's machine lost, no undo); routed through a silent
    // replay instead, the terminal lost the link's transcript and per-command undo.
    const learner = await lab.open('#/', { reducedMotion: true });
    const at = (pa: number) => learner.page.locator(`.cell[data-pa="0x${pa.toString(16)}"]`);
    await runCommand(learner.page, 'delegate 0x80020000');
    await expect.poll(() => at(0x8002_0000).getAttribute('data-state')).toBe('DELEGATED');

    const link = encodeScenarioLink(
      makeScenario({ mode: 'mica', commands: ['delegate 0x80021000', 'delegate 0x80022000'] }),
    );
    await learner.page.goto(`${lab.url}${link}`);
    await expect.poll(() => at(0x8002_2000).getAttribute('data-state')).toBe('DELEGATED');
    expect(await at(0x8002_1000).getAttribute('data-state')).toBe('DELEGATED');
    // The link starts from a fresh machine of its mode: the learner's granule is not delegated.
    expect(await at(0x8002_0000).getAttribute('data-state')).toBe('UNDELEGATED');
    const text = await terminalText(learner.page);
    expect(text).toMatch(/host\$ delegate 0x80021000[\s\S]*host\$ delegate 0x80022000/);

    // Each typed command is undone on its own, then the checkpoint brings the learner's lab back.
    const undo = learner.page.getByRole('button', { name: /Undo/ });
    for (const label of ['delegate 0x80022000', 'delegate 0x80021000', 'open the scenario link']) {
      await expect.poll(() => undo.getAttribute('title')).toBe(`Undo “${label}”`);
      await undo.click();
    }
    await expect.poll(() => at(0x8002_0000).getAttribute('data-state')).toBe('DELEGATED');
    expect(await at(0x8002_1000).getAttribute('data-state')).toBe('UNDELEGATED');
    expect(await undo.getAttribute('title')).toBe('Undo “delegate 0x80020000”');
    expect(learner.errors).toEqual([]);
    await learner.page.close();
  });
});
