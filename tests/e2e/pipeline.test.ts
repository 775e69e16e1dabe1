/**
 * The pipeline view and the attestation chain end to end at 1280x720: the honest run draws no
 * blocked marker; a Mica attack run stops at its valve with a plain sentence in the drawing
 * (the clause one click away); callout labels overlap neither each other nor the realm boxes;
 * the table view lists the same flows; a realm the tenant did not declare that read the video is
 * a leak drawn at that realm, not at U (attack 10 in the prototype); an attack that goes through
 * without a leak is marked where the machine recorded it (attack 11 in the prototype, at Mem1,
 * in the normal and the projector look); realm nodes are
 * keyboard-focusable with labels; the Mode menu offers the three modes and matches the header
 * (also in lesson 05-attacks/01, where the late join is drawn as an undeclared edge); the chain
 * shows the group token's links with their verdict; flipping a byte breaks the realm signature
 * link.
 */
import { mkdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { axeSerious, runCommand, useLabPage, type Lab } from './browser.ts';

let lab: Lab;
let page: Page;
let errors: string[];

useLabPage('#/', async (opened) => {
  ({ lab, page, errors } = opened);
  await mkdir('test-results', { recursive: true });
});

type Box = { x: number; y: number; width: number; height: number };

/** Bounding boxes (page pixels) of every element matching `selector`. */
async function boxes(selector: string): Promise<Box[]> {
  const all = await page.locator(selector).all();
  const out: Box[] = [];
  for (const l of all) {
    const b = await l.boundingBox();
    if (b) out.push(b);
  }
  return out;
}

function overlap(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Picks a scenario and runs it; waits for the result line. */
async function runScenario(value: string, mode = 'mica'): Promise<string> {
  if ((await page.locator('.pipeline select[name="mode"]').inputValue()) !== mode) {
    await page.locator('.pipeline select[name="mode"]').selectOption(mode);
  }
  await page.getByLabel('Scenario').selectOption(value);
  const before = await page.locator('.pipeline .result').count();
  await page.getByRole('button', { name: 'Run' }).click();
  const result = page.locator('.pipeline .result');
  if (before === 0) await result.waitFor({ timeout: 30_000 });
  await expect.poll(() => page.getByRole('button', { name: 'Run' }).isEnabled()).toBe(true);
  return result.innerText();
}

describe('pipeline view', () => {
  test('the honest run shows no blocked marker and no callout', async () => {
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    const text = await runScenario('0');
    expect(text).toContain('Ran cleanly');
    expect(await page.locator('.pipeline svg g.realm').count()).toBe(4);
    expect(await page.locator('.pipeline svg .marker').count()).toBe(0);
    expect(await page.locator('.pipeline svg .callout').count()).toBe(0);
    expect(await page.locator('.pipeline .flows li.blocked').count()).toBe(0);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/pipeline-honest-1280x720.png' });
  });

  test('attack 3 in Mica mode: a plain label in the drawing, the clause one click away', async () => {
    const text = await runScenario('3');
    expect(text).toMatch(/Blocked.*CF1 owner VM2 CALL 0x17 BLOCK/s);
    const label = page.locator('.pipeline svg g.callout.blocked').first();
    expect(await label.textContent()).toContain(
      'encoder tried to call the host: blocked by its policy, rule CF1',
    );
    expect(await label.textContent()).not.toContain('0x17');
    await label.click();
    const clause = page.locator('.pipeline .clause');
    expect(await clause.innerText()).toContain('CF1 owner VM2 CALL 0x17 BLOCK');
    expect(await clause.innerText()).toMatch(/event #\d+/);
    const blocked = page.locator('.pipeline .flows li.blocked').first();
    expect(await blocked.innerText()).toContain('Blocked:');
    expect(await blocked.innerText()).toContain('encoder tried to call the host');
    expect(await page.locator('.pipeline svg g.realm').count()).toBe(4);
  });

  test('attack 1 at 1280x720: label boxes overlap neither each other nor the realm boxes', async () => {
    await runScenario('1');
    const labels = await boxes('.pipeline svg g.callout rect.callout-box');
    expect(labels.length).toBeGreaterThan(1);
    const realms = await boxes('.pipeline svg g.realm rect');
    expect(realms).toHaveLength(4);
    for (const [i, a] of labels.entries()) {
      for (const r of realms) expect(overlap(a, r)).toBe(false);
      for (const b of labels.slice(i + 1)) expect(overlap(a, b)).toBe(false);
    }
    // The text stays inside its box.
    const texts = await boxes('.pipeline svg g.callout text');
    texts.forEach((t, i) => {
      const box = labels[i]!;
      expect(t.x + t.width).toBeLessThanOrEqual(box.x + box.width + 1);
      expect(t.y + t.height).toBeLessThanOrEqual(box.y + box.height + 1);
    });
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/pipeline-attack1-1280x720.png' });
  });

  test('attack 10 in the prototype: the next tenant that read the leftovers is a leak, drawn at that realm, not at U', async () => {
    // The banner said the attack went through while the drawing showed the read as allowed:
    // the built-in attack's tenant had declared no realms, so the judge could not see a
    // stranger receive the video. U names only leaks that reached the host or the network.
    const text = await runScenario('10', 'mica-prototype');
    expect(text).toMatch(/Went through.*labelled video reached next-tenant via shared-memory/s);
    const callout = page.locator('.pipeline svg g.callout', { hasText: 'next-tenant' });
    await expect.poll(() => callout.count()).toBeGreaterThan(0);
    expect(await callout.first().textContent()).toContain('LEAK');
    expect(await page.locator('.pipeline svg .u-node .leak-text').count()).toBe(0);
  });

  test('attack 11 in the prototype goes through without a leak: the drawing marks it at Mem1, the page the host took back, in both looks', async () => {
    const text = await runScenario('11', 'mica-prototype');
    expect(text).toMatch(/Went through/);
    const marker = page.locator('.pipeline svg g.marker.gap');
    await expect.poll(() => marker.count()).toBe(1);
    const callout = page.locator('.pipeline svg g.callout.gap');
    const said = (await callout.textContent()) ?? '';
    expect(said).toContain('host undelegated shared page');
    expect(said).toContain('gap-undelegate-shared');
    expect(said).toContain('then encoder faulted on it (SEA)');
    // At the place it happened: on the pipe of the object whose page it was, next to its name.
    const mem1 = page.locator('.pipeline svg text.pipe-label', { hasText: 'Mem1' });
    const [m, label] = [await marker.boundingBox(), await mem1.boundingBox()];
    expect(m && label).toBeTruthy();
    const centre = (b: Box) => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });
    const [a, b] = [centre(m!), centre(label!)];
    expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeLessThan(60);
    // The list under the drawing marks it as the callout does: the gap mark, the same sentence.
    const row = page.locator('.pipeline .flows li.gap');
    expect(await row.count()).toBe(1);
    expect(await row.innerText()).toContain('⚑');
    expect(await row.innerText()).toContain('Let through by a prototype gap:');
    expect(await row.innerText()).toContain(
      'while it is still shared: let through by the prototype (gap-undelegate-shared); then encoder faulted on it (SEA)',
    );
    await marker.click();
    expect(await page.locator('.pipeline .clause').innerText()).toContain('gap-undelegate-shared');
    expect(await axeSerious(page, '.pipeline')).toEqual([]);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/pipeline-attack11-proto-1280x720.png' });
    // The projector look draws the same mark.
    await page.getByRole('button', { name: /Projector/ }).click();
    await expect
      .poll(() => page.evaluate(() => document.documentElement.hasAttribute('data-projector')))
      .toBe(true);
    expect(await marker.count()).toBe(1);
    expect((await marker.boundingBox())?.width ?? 0).toBeGreaterThan(10);
    const fill = await page
      .locator('.pipeline svg g.marker.gap .marker-shape')
      .evaluate((el) => getComputedStyle(el).fill);
    expect(fill).not.toBe('none');
    expect(await axeSerious(page, '.pipeline')).toEqual([]);
    await page.screenshot({ path: 'test-results/pipeline-attack11-proto-projector-1280x720.png' });
    await page.getByRole('button', { name: /Projector/ }).click();
    await expect
      .poll(() => page.evaluate(() => document.documentElement.hasAttribute('data-projector')))
      .toBe(false);
  });

  test('attack 3 again for the views below', async () => {
    await runScenario('3');
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

  test('the Mode menu offers the three modes and is the header’s mode', async () => {
    const options = await page
      .locator('.pipeline select[name="mode"]')
      .locator('option')
      .allInnerTexts();
    expect(options).toEqual(['CCA only', 'Mica', 'Mica prototype']);
    const header = page.locator('header .mode .badge');
    const shown = async () =>
      page
        .locator('.pipeline select[name="mode"]')
        .evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text);
    expect(await shown()).toBe(await header.innerText());
    await page.locator('.pipeline select[name="mode"]').selectOption('mica-prototype');
    await expect.poll(() => header.innerText()).toBe('Mica prototype');
    expect(await shown()).toBe('Mica prototype');
    await page.locator('.pipeline select[name="mode"]').selectOption('mica');
    await expect.poll(() => header.innerText()).toBe('Mica');
    // A mode change is a fresh machine: run attack 3 again for the chain below.
    await runScenario('3');
  });
});

describe('lesson 05-attacks/01 in the Pipeline tab', () => {
  test('the Mode menu matches the header; the late join is drawn as an undeclared edge', async () => {
    const lesson = await lab.open('#/lesson/05-attacks/01-late-join', { reducedMotion: true });
    const p = lesson.page;
    await p.getByRole('tab', { name: 'Pipeline' }).click();
    const header = p.locator('header .mode .badge');
    expect(await header.innerText()).toBe('Mica prototype');
    const select = p.locator('.pipeline select[name="mode"]');
    expect(await select.locator('option').allInnerTexts()).toEqual([
      'CCA only',
      'Mica',
      'Mica prototype',
    ]);
    expect(await select.evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.text)).toBe(
      'Mica prototype',
    );
    expect(await p.locator('.pipeline svg g.realm').count()).toBe(4);
    await runCommand(p, 'rmi RMI_DATA_CREATE_UNKNOWN_SHARED 0x8005d000 0x80075000 0x18000004000');
    await expect.poll(() => p.locator('.pipeline svg path.undeclared').count()).toBe(1);
    expect(await p.locator('.pipeline svg g.callout.undeclared').textContent()).toContain(
      'storage was joined to Mem1, which its policy never declares',
    );
    await p.mouse.move(10, 700);
    await p.screenshot({ path: 'test-results/pipeline-lesson-05-01-1280x720.png' });
    expect(lesson.errors).toEqual([]);
    await p.close();
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
