/**
 * The attestation chain as a drawing (issue 14), in Chromium at 1280x720: open the clean
 * video pipeline from a link, open the Chain tab, flip a byte of the encoder's policy blob:
 * the group verifier (`verifyGroup`, with the tenant's inputs) runs again, the encoder's
 * edges turn red with the reason in words, the verdict is "rejected", and "Show the bytes"
 * opens the Token tab on the group token with the REMs pinned. Restoring the byte brings
 * "verified" back. The drawing is axe-clean, shows whole without scrolling at 1280x720 (the
 * flip buttons sit under it), and is photographed in the dark, light and projector looks
 * (test-results/chain-drawing-*.png).
 */
import { mkdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { encodeScenarioLink, makeScenario } from '../../src/lessons/index.ts';
import { findLesson } from '../../src/lessons/loaded.ts';
import { axeSerious, useLabPage, type Lab } from './browser.ts';

let lab: Lab;
let page: Page;
let errors: string[];

/** The clean pipeline takes a second or two to build and attest in the page. */
const SLOW = { timeout: 30_000 };

/** A link to the clean video pipeline in Mica mode (its run ends with a group token). */
const PIPELINE_LINK = encodeScenarioLink(makeScenario({ mode: 'mica', pipeline: 0 }));

useLabPage(PIPELINE_LINK, async (opened) => {
  ({ lab, page, errors } = opened);
  await mkdir('test-results', { recursive: true });
  await page.locator('.pipeline .result').waitFor(SLOW);
  for (const dismiss of await page.getByRole('button', { name: /^Dismiss/ }).all()) {
    await dismiss.click();
  }
  await page.getByRole('button', { name: 'Dark' }).click();
  await page.getByRole('tab', { name: 'Chain' }).click();
  await page.locator('.chain-view .drawing').waitFor(SLOW);
});

const verdict = () => page.locator('.chain-view .verdict').getAttribute('data-verdict');
const edge = (id: string) => page.locator(`.chain-view .drawing [data-edge="${id}"]`);

/** Scrolls the chain view (not the page) so the drawing is in sight, then photographs it. */
async function photograph(name: string): Promise<void> {
  await page
    .locator('.chain-view')
    .evaluate(
      (view) =>
        (view.scrollTop =
          (view.querySelector('.drawing') as SVGElement).getBoundingClientRect().top -
          view.getBoundingClientRect().top +
          view.scrollTop -
          90),
    );
  await page.mouse.move(10, 700);
  await page.screenshot({ path: `test-results/chain-drawing-${name}-1280x720.png` });
}

/**
 * Whether the whole drawing shows in the chain view as the tab opens (scrolled to its top),
 * with no part below the view's bottom edge: the first look at 1280x720 needs no scrolling.
 */
async function drawingInSight(): Promise<boolean> {
  return page.locator('.chain-view').evaluate((view) => {
    view.scrollTop = 0;
    const drawing = (view.querySelector('.drawing') as SVGElement).getBoundingClientRect();
    const box = view.getBoundingClientRect();
    return drawing.top >= box.top && drawing.bottom <= box.bottom && box.bottom <= innerHeight;
  });
}

describe('the chain as a drawing', () => {
  test('the group token of the run is drawn root to verdict, every edge holding: verified', async () => {
    expect(await page.getByLabel('Evidence').inputValue()).toBe('group');
    await expect.poll(verdict, SLOW).toBe('verified');
    const nodes = await page
      .locator('.chain-view .drawing [data-node]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
    expect(nodes).toEqual(
      expect.arrayContaining(['root', 'cpak', 'platform', 'rak', 'token', 'checks', 'verdict']),
    );
    expect(nodes.filter((n) => n?.startsWith('member-'))).toHaveLength(4);
    const labels = await page.locator('.chain-view .drawing .edge-label text').allTextContents();
    for (const word of ['signs', 'hashes into', 'compared with']) {
      expect(labels.some((l) => l.includes(word))).toBe(true);
    }
    expect(await page.locator('.chain-view .drawing [data-status="fail"]').count()).toBe(0);
    expect(await page.locator('.chain-view .broken').count()).toBe(0);
    expect(await axeSerious(page, '.chain-view')).toEqual([]);
    expect(await drawingInSight()).toBe(true);
    await photograph('dark-verified');
  });

  test('a flipped byte of a policy blob turns its edge red with the reason and the verdict to rejected', async () => {
    await page.getByRole('button', { name: 'Flip a byte of encoder’s blob' }).click();
    await expect.poll(verdict, SLOW).toBe('rejected');
    expect(await page.locator('.chain-view .verdict').innerText()).toContain('rejected');
    // The encoder's edges are broken; the other members' are not.
    expect(await edge('member-1-checks').getAttribute('data-status')).toBe('fail');
    expect(await edge('member-1-token').getAttribute('data-status')).toBe('fail');
    expect(await edge('member-0-checks').getAttribute('data-status')).toBe('pass');
    expect(await edge('member-2-checks').getAttribute('data-status')).toBe('pass');
    // The group REM0 no longer matches the token's claim.
    expect(await edge('token-checks').getAttribute('data-status')).toBe('fail');
    // The reason, in words, next to the drawing.
    const reason = await page
      .locator('.chain-view .broken [data-broken="member-1-checks"]')
      .innerText();
    expect(reason).toMatch(/encoder's blob differs from the policy the tenant expects at byte \d+/);
    expect(await axeSerious(page, '.chain-view')).toEqual([]);
    await photograph('dark-rejected');
  });

  test('the same drawing is readable in the light and projector looks', async () => {
    await page.getByRole('button', { name: 'Light' }).click();
    expect(await axeSerious(page, '.chain-view')).toEqual([]);
    await photograph('light-rejected');
    await page.getByRole('button', { name: 'Dark' }).click();
    await page.keyboard.press('p');
    await expect
      .poll(() => page.evaluate(() => document.documentElement.hasAttribute('data-projector')))
      .toBe(true);
    expect(await axeSerious(page, '.chain-view')).toEqual([]);
    expect(await drawingInSight()).toBe(true);
    await photograph('projector-rejected');
    await page.keyboard.press('p');
  });

  test('"Show the bytes" opens the Token tab on the group token with the REMs pinned', async () => {
    await page
      .locator('.chain-view .broken [data-broken="member-1-checks"]')
      .getByRole('button', { name: /Show the bytes/ })
      .click();
    await expect
      .poll(() => page.getByRole('tab', { name: 'Token' }).getAttribute('aria-selected'))
      .toBe('true');
    await expect
      .poll(() => page.locator('.token .claim[aria-pressed="true"]').count(), SLOW)
      .toBe(1);
    expect(
      await page.getByRole('button', { name: 'From the Chain tab' }).getAttribute('aria-pressed'),
    ).toBe('true');
    expect(await page.locator('.token .verdict').getAttribute('data-verdict')).toBe('rejected');
    await page.getByRole('tab', { name: 'Chain' }).click();
  });

  test('restoring the byte brings every edge back and the verdict to verified', async () => {
    await page.getByRole('button', { name: 'Flip a byte of encoder’s blob' }).click();
    await expect.poll(verdict, SLOW).toBe('verified');
    expect(await page.locator('.chain-view .drawing [data-status="fail"]').count()).toBe(0);
    expect(await page.locator('.chain-view .broken').count()).toBe(0);
  });

  test('a flipped byte of the group token breaks the RAK’s signature: rejected, then verified again', async () => {
    await page.getByRole('button', { name: 'Flip a byte of the group token' }).click();
    await expect.poll(verdict, SLOW).toBe('rejected');
    expect(await edge('rak-token').getAttribute('data-status')).toBe('fail');
    expect(await page.locator('.chain-view .broken [data-broken="rak-token"]').innerText()).toMatch(
      /signature/i,
    );
    await page.getByRole('button', { name: 'Flip a byte of the group token' }).click();
    await expect.poll(verdict, SLOW).toBe('verified');
    expect(errors).toEqual([]);
  });
});

describe('a group token handed to the host in the terminals', () => {
  test('is the Chain’s evidence, with the verdict the tenant’s `mica verify last` prints', async () => {
    // 05-attacks/07: an impostor takes the encoder's label, the gateway hands the host a group
    // token, the tenant verifies it: rejected. The Chain showed the sample token, "verified".
    const lesson = findLesson('05-attacks/07-substitution')!;
    const { page: p, errors: e } = await lab.open(`#/lesson/${lesson.id}`, {
      reducedMotion: true,
    });
    for (const step of lesson.solution) {
      const at = /^@(\S+) (.*)$/.exec(step);
      await p.getByRole('tab', { name: at ? `${at[1]}#` : 'host$', exact: true }).click();
      await p.locator('.deck-body:not([hidden]) .xterm-helper-textarea').focus();
      await p.keyboard.type(at ? at[2]! : step);
      await p.keyboard.press('Enter');
    }
    const screen = p.locator('.deck-body:not([hidden]) .xterm-rows');
    await expect.poll(() => screen.innerText(), SLOW).toMatch(/Verdict: rejected/);
    await p.getByRole('tab', { name: 'Chain' }).click();
    await p.locator('.chain-view .drawing').waitFor(SLOW);
    expect(await p.locator('.chain-view select').inputValue()).toBe('kept');
    expect(await p.locator('.chain-view .source').innerText()).toBe(
      'Last group token handed to the host by gateway, as video-moderation',
    );
    expect(await p.locator('.chain-view .verdict').getAttribute('data-verdict')).toBe('rejected');
    expect(await p.locator('.chain-view .verdict').innerText()).toContain(
      'group RIM recomputed, group RPV recomputed',
    );
    expect(e).toEqual([]);
    await p.close();
  });
});
