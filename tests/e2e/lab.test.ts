/**
 * The lab page end to end, on the production build at the projector size (1280x720):
 * loads cleanly, the host terminal drives the machine, the GPT map and the ledger follow,
 * undo restores, axe finds nothing serious, and a screenshot is kept for review.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { LINK_CODE, makeScenario } from '../../src/lessons/index.ts';
import { axeSerious, runCommand, terminalText, useLabPage, type Lab } from './browser.ts';

let lab: Lab;
let page: Page;
let errors: string[];

const CELL = '.cell[data-pa="0x80000000"]';

useLabPage('#/', (opened) => ({ lab, page, errors } = opened));

describe('lab page at 1280x720', () => {
  test('loads with the right title and no console errors', async () => {
    expect(await page.title()).toBe('Mica Lab · Arm CCA in the browser');
    await expect.poll(() => terminalText(page)).toContain('host$');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Mica Lab');
    expect(await page.locator('.badge').innerText()).toBe('Mica');
    expect(await page.locator(CELL).getAttribute('data-state')).toBe('UNDELEGATED');
    expect(errors).toEqual([]);
  });

  test('delegate in the terminal turns the granule REALM/DELEGATED and logs it', async () => {
    await runCommand(page, 'delegate 0x80000000');
    const cell = page.locator(CELL);
    await expect.poll(() => cell.getAttribute('data-state')).toBe('DELEGATED');
    expect(await cell.getAttribute('data-gpi')).toBe('REALM');
    expect(await cell.getAttribute('aria-label')).toContain('GPI REALM, RMM state DELEGATED');
    await expect.poll(() => terminalText(page)).toContain('RMI_SUCCESS');

    const call = page.locator('.ledger .row[data-kind="smc:call"]', {
      hasText: 'RMI_GRANULE_DELEGATE',
    });
    await expect.poll(() => call.count()).toBe(1);
    expect(await call.getAttribute('data-status')).toBe('ok');
    expect(await page.locator('.ledger .row[data-kind="gpt:update"]').count()).toBe(1);
    expect(await page.locator('.ledger .row[data-kind="granule:transition"]').count()).toBe(1);
  });

  test('reading the delegated granule as the host faults, in the terminal and the log', async () => {
    await runCommand(page, 'read 0x80000000');
    await expect.poll(() => terminalText(page)).toContain('Granule Protection Fault');
    const log = page.getByRole('log', { name: 'Latest results' });
    await expect.poll(() => log.innerText()).toContain('Granule Protection Fault');
    const fault = page.locator('.ledger .row[data-kind="gpf"]');
    await expect.poll(() => fault.count()).toBe(1);
    expect(await fault.innerText()).toMatch(/fault/i);
  });

  test('keeps the screenshot of the working lab', async () => {
    await mkdir('test-results', { recursive: true });
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/lab-1280x720.png' });
    const png = await readFile('test-results/lab-1280x720.png');
    expect(png.readUInt32BE(16)).toBe(1280);
    expect(png.readUInt32BE(20)).toBe(720);
  });

  test('the ledger exports as a text file with the fault in it', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export text' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('mica-lab-ledger.txt');
    const text = await readFile(await download.path());
    expect(text.toString()).toMatch(/^Mica Lab flow ledger: \d+ events/);
    expect(text.toString()).toContain('Granule Protection Fault: host read 0x80000000');
  });

  test('axe-core finds no serious or critical violations', async () => {
    expect(await axeSerious(page)).toEqual([]);
  });

  test('undo restores the granule and the ledger', async () => {
    const undo = page.getByRole('button', { name: /Undo/ });
    await undo.click(); // the read
    await undo.click(); // the delegate
    const cell = page.locator(CELL);
    await expect.poll(() => cell.getAttribute('data-state')).toBe('UNDELEGATED');
    expect(await cell.getAttribute('data-gpi')).toBe('NS');
    await expect.poll(() => page.locator('.ledger .row').count()).toBe(0);
    expect(await undo.isDisabled()).toBe(true);
    await expect.poll(() => terminalText(page)).toContain('undo: back to the state before');
  });

  test('Alt+Z undoes from the terminal, Alt+R resets, and no errors were logged', async () => {
    await runCommand(page, 'delegate 0x80001000');
    const cell = page.locator('.cell[data-pa="0x80001000"]');
    await expect.poll(() => cell.getAttribute('data-state')).toBe('DELEGATED');
    await page.keyboard.press('Alt+KeyZ');
    await expect.poll(() => cell.getAttribute('data-state')).toBe('UNDELEGATED');
    await runCommand(page, 'delegate 0x80002000');
    await page.keyboard.press('Alt+KeyR');
    const other = page.locator('.cell[data-pa="0x80002000"]');
    await expect.poll(() => other.getAttribute('data-state')).toBe('UNDELEGATED');
    expect(errors).toEqual([]);
  });

  test('realm create opens a realm terminal whose token verifies in the inspector', async () => {
    await runCommand(page, 'realm create r1 --image attester');
    const tab = page.getByRole('tab', { name: 'r1#' });
    await expect.poll(() => tab.count(), { timeout: 10_000 }).toBe(1);
    // Creating the realm's terminal leaves the host terminal (and its scrollback) alone.
    await expect.poll(() => terminalText(page)).toContain('realm "r1" is ACTIVE');
    await tab.click();
    const realmTerm = page.locator('[role="tabpanel"]:not([hidden]) .xterm-rows');
    await expect.poll(() => realmTerm.innerText()).toContain('r1#');
    await page.locator('[role="tabpanel"]:not([hidden]) .xterm-helper-textarea').focus();
    await page.keyboard.type('attest 1234');
    await page.keyboard.press('Enter');
    await expect.poll(() => realmTerm.innerText(), { timeout: 10_000 }).toContain('RSI_SUCCESS');

    await page.getByRole('tab', { name: 'Token' }).click();
    const machineToken = page.getByRole('button', { name: "Realm's last token" });
    expect(await machineToken.getAttribute('aria-pressed')).toBe('true');
    // A typed nonce that is not hex is said beside the field, not taken for "none known".
    await page.getByLabel('Nonce').fill('12zz');
    await expect
      .poll(() => page.getByRole('alert').filter({ hasText: 'The nonce is not hex' }).innerText())
      .toContain('"z" at character 3 is not a hex digit');
    expect(await page.getByLabel('Nonce').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Nonce').fill('1234');
    expect(await page.getByRole('alert').filter({ hasText: 'The nonce is not hex' }).count()).toBe(
      0,
    );
    const verdict = page.locator('.token .verdict');
    await expect
      .poll(() => verdict.getAttribute('data-verdict'), { timeout: 10_000 })
      .toBe('verified');
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/lab-realm-terminal-1280x720.png' });
    expect(errors).toEqual([]);
  });

  test('hash routes pick the machine mode and name unknown pages', async () => {
    await page.goto(`${lab.url}#/?mode=cca`);
    await expect.poll(() => page.locator('.badge').innerText()).toBe('CCA only');
    await page.goto(`${lab.url}#/nowhere`);
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).innerText())
      .toContain('/nowhere');
    await page.getByRole('link', { name: 'Back to the lab' }).click();
    await expect.poll(() => page.locator('.badge').innerText()).toBe('Mica');
    expect(errors).toEqual([]);
  });

  test('a bad address is said, and the machine the learner had is kept', async () => {
    await runCommand(page, 'delegate 0x80000000');
    await expect.poll(() => page.locator(CELL).getAttribute('data-state')).toBe('DELEGATED');
    const alert = page.locator('.notice, [role="alert"]').filter({ hasText: /address|link/ });
    // A mistyped mode: said, not silently replaced.
    await page.goto(`${lab.url}#/?mode=bogus`);
    await expect
      .poll(() => alert.last().innerText())
      .toMatch(/asks for mode “bogus”, which this lab does not have.*started in mica mode/s);
    expect(await page.locator(CELL).getAttribute('data-state')).toBe('DELEGATED');
    // A long-form link cut off: refused by the lab on screen, which keeps its machine (a new
    // lab was drawn for it, the learner's machine thrown away).
    const code = await LINK_CODE.load();
    const payload = code.encodeScenarioPayload(
      makeScenario({ mode: 'mica', commands: ['delegate 0x80002000'] }),
    );
    await page.goto(`${lab.url}#/scenario/${payload.slice(0, 30)}`);
    await expect
      .poll(() => alert.last().innerText())
      .toMatch(/This scenario link cannot be opened.*cut off.*Nothing was changed/s);
    expect(await page.locator(CELL).getAttribute('data-state')).toBe('DELEGATED');
    expect(await page.evaluate(() => location.hash)).toBe('#/');
    // A share link cut off after its prefix: refused with the reason, not "Nothing at /s".
    await page.goto(`${lab.url}#/s/`);
    await expect
      .poll(() => alert.last().innerText())
      .toMatch(/the link is empty: no scenario data after "#\/s\/"/);
    expect(await page.getByRole('heading', { name: /Nothing at/ }).count()).toBe(0);
    expect(await page.locator(CELL).getAttribute('data-state')).toBe('DELEGATED');
    expect(errors).toEqual([]);
  });

  test('a link whose code cannot be fetched (offline) is refused by the lab on screen', async () => {
    await lab.context.route('**/assets/link-*.js', (route) => route.abort());
    try {
      const { page: other, errors: otherErrors } = await lab.open('#/', { reducedMotion: true });
      // The offline copy (service worker cache) would answer for the network: drop the file.
      await other.evaluate(async () => {
        for (const name of await caches.keys()) {
          const cache = await caches.open(name);
          for (const req of await cache.keys()) {
            if (/\/assets\/link-/.test(req.url)) await cache.delete(req);
          }
        }
      });
      await runCommand(other, 'delegate 0x80000000');
      await expect.poll(() => other.locator(CELL).getAttribute('data-state')).toBe('DELEGATED');
      // A good link: only the code that reads it is missing.
      const code = await LINK_CODE.load();
      const payload = code.encodeScenarioPayload(
        makeScenario({ mode: 'mica', commands: ['delegate 0x80002000'] }),
      );
      await other.goto(`${lab.url}#/scenario/${payload}`);
      const alert = other
        .locator('.notice')
        .filter({ hasText: 'This scenario link cannot be opened' });
      await expect.poll(() => alert.count()).toBe(1);
      expect(await alert.innerText()).toMatch(/scenario link.*Nothing was changed/s);
      expect(await other.locator(CELL).getAttribute('data-state')).toBe('DELEGATED');
      // The only errors are the aborted fetches of the link code.
      expect(otherErrors.filter((e) => !/link-.*\.js|net::ERR_FAILED/.test(e))).toEqual([]);
      await other.close();
    } finally {
      await lab.context.unroute('**/assets/link-*.js');
    }
  });
});
