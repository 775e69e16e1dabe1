/**
 * The lab's face for a room (issue 14), on the production build at 1280x720: projector mode
 * on its key (and not while typing in a terminal), presenter keys, the light theme from the
 * system preference and from the header, axe clean in dark, light and projector mode, a
 * hexdump that fits the host terminal, five realm tabs inside their panel, and the pipeline
 * in sight at 150% zoom (853x480), and after an attack the normal look showing four whole
 * ledger rows beside 24 terminal lines and the projector look the whole GPT map with its
 * colours, the latest ledger rows and a whole terminal. Screenshots of the looks are kept
 * for review.
 */
import { mkdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { axeSerious, runCommand, terminalText, useLabPage, type Lab } from './browser.ts';

let lab: Lab;
let page: Page;
let errors: string[];

/** Relative luminance of a CSS rgb() colour (WCAG 2). */
function luminance(css: string): number {
  const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}

async function pageBackground(p: Page): Promise<string> {
  return p.evaluate(() => getComputedStyle(document.body).backgroundColor);
}

async function terminalBackground(p: Page): Promise<string> {
  return p.evaluate(
    () => getComputedStyle(document.querySelector('.xterm .xterm-viewport')!).backgroundColor,
  );
}

async function projectorOn(p: Page): Promise<boolean> {
  return p.evaluate(() => document.documentElement.hasAttribute('data-projector'));
}

/** Takes the focus out of the terminal, as a presenter clicking the page would. */
async function blurTerminal(p: Page): Promise<void> {
  await p.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}

useLabPage('#/', async (opened) => {
  ({ lab, page, errors } = opened);
  // Headless Chromium reports a light system theme; the lab's default follows the system.
  await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
  await mkdir('test-results', { recursive: true });
});

describe('dark theme (the default)', () => {
  test('is dark, axe-clean, and kept as a screenshot', async () => {
    await expect.poll(() => terminalText(page)).toContain('host$');
    expect(luminance(await pageBackground(page))).toBeLessThan(0.05);
    expect(luminance(await terminalBackground(page))).toBeLessThan(0.05);
    expect(await axeSerious(page)).toEqual([]);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/face-dark-1280x720.png' });
  });

  test('`read 0x80000000 64` prints hexdump lines that do not wrap', async () => {
    await runCommand(page, 'read 0x80000000 64');
    await expect.poll(() => terminalText(page)).toContain('0x80000030');
    const rows = (await terminalText(page)).split('\n');
    const dump = rows.filter((r) => /^\s*0x800000[0-3]0\s{2}[0-9a-f]{2} /.test(r));
    expect(dump).toHaveLength(4);
    // A wrapped line would leave its ASCII column ("|...|") on the next row.
    for (const row of dump) expect(row.trimEnd()).toMatch(/\|[^|]{16}\|$/);
  });
});

describe('projector mode', () => {
  test('P in a focused terminal is typed, not a toggle', async () => {
    await page.locator('.xterm-helper-textarea').first().focus();
    await page.keyboard.type('p');
    expect(await projectorOn(page)).toBe(false);
    await expect.poll(() => terminalText(page)).toMatch(/host\$ p\s*$/m);
    await page.keyboard.press('Backspace');
  });

  test('P outside the terminal turns it on; axe-clean; screenshot', async () => {
    await blurTerminal(page);
    await page.keyboard.press('p');
    await expect.poll(() => projectorOn(page)).toBe(true);
    const projector = page.getByRole('button', { name: /Projector/ });
    expect(await projector.getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('.subtitle').isVisible()).toBe(false);
    expect(await axeSerious(page)).toEqual([]);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/face-projector-1280x720.png' });
  });

  test('PageDown and PageUp step through the view tabs; B blanks until a key', async () => {
    const selected = () => page.locator('[role="tab"][aria-selected="true"]').allInnerTexts();
    await blurTerminal(page);
    await page.keyboard.press('PageDown');
    await expect.poll(selected).toContain('Realms (0)');
    await page.keyboard.press('PageUp');
    await expect.poll(selected).toContain('GPT map');
    const blank = page.getByRole('button', { name: /Screen blanked/ });
    await page.keyboard.press('b');
    await expect.poll(() => blank.count()).toBe(1);
    await page.keyboard.press('PageDown'); // brings the lab back, does not step
    await expect.poll(() => blank.count()).toBe(0);
    expect(await selected()).toContain('GPT map');
  });

  test('P again turns it off', async () => {
    await blurTerminal(page);
    await page.keyboard.press('P');
    await expect.poll(() => projectorOn(page)).toBe(false);
  });

  test('Alt+P toggles it from inside the terminal, typing nothing there', async () => {
    await page.locator('.xterm-helper-textarea').first().focus();
    await page.keyboard.press('Alt+P');
    await expect.poll(() => projectorOn(page)).toBe(true);
    await page.keyboard.press('Alt+P');
    await expect.poll(() => projectorOn(page)).toBe(false);
    await expect.poll(() => terminalText(page)).toMatch(/host\$\s*$/m);
  });

  test('`help` in the projector look breaks its lines between words, not inside them', async () => {
    await page.locator('.xterm-helper-textarea').first().focus();
    await page.keyboard.press('Alt+P');
    await expect.poll(() => projectorOn(page)).toBe(true);
    await runCommand(page, 'clear');
    await runCommand(page, 'help');
    await expect.poll(() => terminalText(page)).toContain('explains one command');
    const rows = (await terminalText(page)).split('\n').map((r) => r.trimEnd());
    // Each phrase sits whole in one row (xterm alone cut "send the te" / "nant's ...").
    for (const phrase of ["send the tenant's sensitive input", 'clear the terminal screen'])
      expect(rows.some((r) => r.includes(phrase))).toBe(true);
    await page.keyboard.press('Alt+P');
    await expect.poll(() => projectorOn(page)).toBe(false);
  });
});

/** Ledger rows wholly inside the ledger's scrolling box (partly cut rows do not count). */
const wholeLedgerRows = () =>
  page.evaluate(() => {
    const box = document.querySelector('.ledger .scroller')!.getBoundingClientRect();
    return [...document.querySelectorAll('.ledger .scroller .row')]
      .map((row) => row.getBoundingClientRect())
      .filter((r) => r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5).length;
  });
/** The host terminal's rows, and whether the last one (the prompt) is inside its panel. */
const hostTerminal = () =>
  page.evaluate(() => {
    const terminal = document.querySelector('.deck-body:not([hidden]) .terminal')!;
    const screen = terminal.querySelector('.xterm-screen')!.getBoundingClientRect();
    return {
      rows: terminal.querySelector('.xterm-rows')!.children.length,
      promptInside: screen.bottom <= terminal.getBoundingClientRect().bottom + 0.5,
    };
  });

describe('the normal look at 1280x720 after an attack', () => {
  test('shows at least four whole ledger rows, 24 terminal lines, and the GPT map with its colours', async () => {
    await page.locator('.xterm-helper-textarea').first().focus();
    await runCommand(page, 'clear');
    // Two granules go to the realm world and the host reads one back: a BLOCKED access and
    // a FAULT, the rows with reasons (four lines each when the kind had a column).
    await runCommand(page, 'delegate 0x80000000');
    await runCommand(page, 'delegate 0x80001000');
    await runCommand(page, 'read 0x80000000');
    await expect.poll(() => terminalText(page)).toMatch(/Granule Protection Fault[\s\S]*host\$/);
    expect(await projectorOn(page)).toBe(false);
    await expect
      .poll(() => page.locator('.ledger .row').last().getAttribute('data-kind'))
      .toBe('gpf');
    await expect.poll(wholeLedgerRows).toBeGreaterThanOrEqual(4);
    expect((await hostTerminal()).rows).toBeGreaterThanOrEqual(24);
    // The views panel gave the ledger room, not the map: the grid and the legend's first
    // row (the colours) are wholly inside the panel, not under its edge.
    expect(await gptMapWhole()).toEqual({ grid: true, colours: true });
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/face-normal-ledger-1280x720.png' });
  });
});

/** Whether the GPT map's grid and its colours row are wholly inside the views panel. */
const gptMapWhole = () =>
  page.evaluate(() => {
    const panel = document.querySelector('.side-top .panel-body:not([hidden])')!;
    const box = panel.getBoundingClientRect();
    const within = (selector: string) => {
      const r = panel.querySelector(selector)!.getBoundingClientRect();
      return r.height > 0 && r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5;
    };
    return { grid: within('.gpt svg.grid'), colours: within('.gpt .legend-row') };
  });

describe('the projector look at 1280x720 after an attack', () => {
  test('shows the GPT map whole with its colours, the latest ledger rows and the whole terminal, prompt included', async () => {
    await page.locator('.xterm-helper-textarea').first().focus();
    await runCommand(page, 'clear');
    // The host delegates granules to the realm world, then tries to read one back (a GPF).
    for (const k of [1, 2, 3]) await runCommand(page, `delegate 0x8010${k}000`);
    await runCommand(page, 'read 0x80101000');
    await expect.poll(() => terminalText(page)).toMatch(/Granule Protection Fault[\s\S]*host\$/);
    await page.keyboard.press('Alt+P');
    await expect.poll(() => projectorOn(page)).toBe(true);
    // The views took half the height (about 250px under their tabs): the map showed three
    // of its eight rows. They take three quarters: the map and its colours are whole, and
    // the ledger spanning the width keeps its latest rows (the GPF, two lines) whole.
    await expect.poll(gptMapWhole).toEqual({ grid: true, colours: true });
    await expect.poll(wholeLedgerRows).toBeGreaterThanOrEqual(1);
    expect(
      await page.evaluate(() => {
        const box = document.querySelector('.ledger .scroller')!.getBoundingClientRect();
        const last = [...document.querySelectorAll('.ledger .scroller .row')].at(-1)!;
        const r = last.getBoundingClientRect();
        return `${last.getAttribute('data-kind')} ${r.bottom <= box.bottom + 0.5}`;
      }),
    ).toBe('gpf true');
    await expect.poll(hostTerminal).toMatchObject({ promptInside: true });
    expect((await hostTerminal()).rows).toBeGreaterThanOrEqual(12);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/face-projector-ledger-1280x720.png' });
    await page.keyboard.press('Alt+P');
    await expect.poll(() => projectorOn(page)).toBe(false);
    // The normal look gives the terminal its room back (and its prompt stays in sight).
    await expect.poll(async () => (await hostTerminal()).rows).toBeGreaterThanOrEqual(24);
    expect((await hostTerminal()).promptInside).toBe(true);
  });
});

describe('a change of width', () => {
  test('lines on the screen before the projector look narrowed the terminal are wrapped again between words', async () => {
    await page.locator('.xterm-helper-textarea').first().focus();
    await runCommand(page, 'clear');
    // A typed line longer than the terminal is echoed as typed: xterm wraps it by cells, and
    // re-wraps it by cells when the width changes ("abcdef ab" / "cdef").
    const words = Array.from({ length: 13 }, () => 'abcdef').join(' ');
    await runCommand(page, words);
    await expect.poll(() => terminalText(page)).toMatch(/host\$\s*$/m);
    await page.keyboard.press('Alt+P');
    await expect.poll(() => projectorOn(page)).toBe(true);
    const whole = async () =>
      (await terminalText(page))
        .split('\n')
        .map((r) => r.trim())
        .filter((r) => /abc|def/.test(r) && !r.includes('"'))
        .every((r) => /^(host\$ )?(abcdef ?)+$/.test(r));
    await expect.poll(whole).toBe(true);
    await page.keyboard.press('Alt+P');
    await expect.poll(() => projectorOn(page)).toBe(false);
    await expect.poll(whole).toBe(true);
  });
});

describe('light theme', () => {
  test('follows prefers-color-scheme: light, page and terminal', async () => {
    await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' });
    await expect.poll(async () => luminance(await pageBackground(page))).toBeGreaterThan(0.8);
    await expect.poll(async () => luminance(await terminalBackground(page))).toBeGreaterThan(0.8);
    expect(await axeSerious(page)).toEqual([]);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/face-light-1280x720.png' });
  });

  test('projector mode in light is axe-clean too', async () => {
    await blurTerminal(page);
    await page.keyboard.press('p');
    await expect.poll(() => projectorOn(page)).toBe(true);
    expect(await axeSerious(page)).toEqual([]);
    await page.keyboard.press('p');
    await expect.poll(() => projectorOn(page)).toBe(false);
  });

  test('the header choice overrides the system and is saved', async () => {
    await page.getByRole('group', { name: 'Theme' }).getByRole('button', { name: 'Dark' }).click();
    await expect.poll(async () => luminance(await pageBackground(page))).toBeLessThan(0.05);
    await expect
      .poll(() => page.evaluate(() => JSON.parse(localStorage.getItem('mica-lab/save/v1') ?? '{}')))
      .toMatchObject({ settings: { theme: 'dark' } });
    await page
      .getByRole('group', { name: 'Theme' })
      .getByRole('button', { name: 'System' })
      .click();
    await expect.poll(async () => luminance(await pageBackground(page))).toBeGreaterThan(0.8);
    await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' });
  });
});

describe('terminals fit their panel', () => {
  test('five realm terminals keep their tabs inside the panel', async () => {
    for (let i = 1; i <= 5; i++) await runCommand(page, `realm create r${i} --image hello`);
    const tabs = page.locator('.deck [role="tab"]');
    await expect.poll(() => tabs.count()).toBe(6);
    const panel = (await page.locator('section.host').boundingBox())!;
    for (const box of await tabs.evaluateAll((els) =>
      els.map((e) => e.getBoundingClientRect().toJSON() as DOMRect),
    )) {
      expect(box.left).toBeGreaterThanOrEqual(panel.x);
      expect(box.right).toBeLessThanOrEqual(panel.x + panel.width);
    }
    const host = page.locator('section.host');
    expect(
      await host.evaluate((el) => el.scrollWidth <= el.clientWidth && el.clientWidth > 0),
    ).toBe(true);
  });

  test('the projector look gives a lesson a first goal, its first heading and two lines of its text in sight', async () => {
    // In half the page's height the lesson pane showed one goal and cut the lesson's first
    // heading at its bottom edge; in three fifths, one line of the text under the heading.
    const { page: p, errors: e } = await lab.open('#/lesson/04-mica/01-declare', {
      reducedMotion: true,
    });
    await p.locator('.lesson-pane h3').waitFor();
    await p.keyboard.press('Alt+P');
    await expect.poll(() => projectorOn(p)).toBe(true);
    const inSight = () =>
      p.evaluate(() => {
        const pane = document.querySelector('.side-top .panel-body:not([hidden])')!;
        const box = pane.getBoundingClientRect();
        const whole = (el: Element | null) => {
          const r = el?.getBoundingClientRect();
          return (
            r !== undefined &&
            r.height > 0 &&
            r.top >= box.top - 0.5 &&
            r.bottom <= box.bottom + 0.5
          );
        };
        const heading = pane.querySelector('.lesson-pane .scroll h3, .lesson-pane .scroll h4');
        const text = heading?.nextElementSibling;
        const lines = (() => {
          if (!text) return 0;
          const r = text.getBoundingClientRect();
          const line = parseFloat(getComputedStyle(text).lineHeight);
          return Math.floor((Math.min(r.bottom, box.bottom) - Math.max(r.top, box.top)) / line);
        })();
        return {
          goal: whole(pane.querySelector('.lesson-pane .goal')),
          heading: whole(heading),
          twoLines: lines >= 2,
        };
      });
    await expect.poll(inSight).toEqual({ goal: true, heading: true, twoLines: true });
    expect(e).toEqual([]);
    await p.close();
  });

  test('beside two rows of realm tabs the terminal hint is said whole, inside the panel', async () => {
    // An attack lesson's four stages wrap the tabs onto two rows; the hint was cut to
    // "NS-EL2 hypervisor · Alt+T …" / "inside the realm · Alt+T f…".
    const { page: p, errors: e } = await lab.open('#/lesson/05-attacks/02-copy-to-host', {
      reducedMotion: true,
    });
    const hint = p.locator('.deck-head .hint');
    for (const tab of ['host$', 'moderator#']) {
      await p.getByRole('tab', { name: tab, exact: true }).click();
      expect(await hint.innerText()).toMatch(/Alt\+T\s*focuses$/);
      const cut = await hint.evaluate((el) => {
        const words = document.createRange();
        words.selectNodeContents(el);
        const box = el.getBoundingClientRect();
        const panel = el.closest('section.host')!.getBoundingClientRect();
        return words.getBoundingClientRect().right > Math.min(box.right, panel.right) + 0.5;
      });
      expect(cut, tab).toBe(false);
    }
    expect(e).toEqual([]);
    await p.close();
  });

  test("the GPT map's rows do not overlap: the change count sits above the legend", async () => {
    // Five realms ran above: the count of DRAM granules not NS is shown on the change line.
    await page.getByRole('tab', { name: 'GPT map' }).click();
    const count = page.locator('.last-change .count');
    await expect.poll(() => count.count()).toBe(1);
    const countBox = (await count.boundingBox())!;
    const legendBox = (await page.locator('.gpt .legend').boundingBox())!;
    expect(countBox.y + countBox.height).toBeLessThanOrEqual(legendBox.y);
  });

  test("the GPT map's region cards say their names and sizes whole, in both looks", async () => {
    // Four equal cards cut "SECURE · 256 KiB" to "SECURE · 25…" (and, in the projector
    // look, every card's name and size).
    await page.getByRole('tab', { name: 'GPT map' }).click();
    const cut = () =>
      page
        .locator('.gpt .regions li')
        .evaluateAll((cards) =>
          cards.flatMap((card) =>
            [...card.querySelectorAll<HTMLElement>('.region-name, .region-meta')]
              .filter((t) => t.scrollWidth > t.clientWidth)
              .map((t) => t.textContent ?? ''),
          ),
        );
    const tops = () =>
      page
        .locator('.gpt .regions li')
        .evaluateAll((cards) => new Set(cards.map((c) => c.getBoundingClientRect().top)).size);
    expect(await projectorOn(page)).toBe(false);
    expect(await cut()).toEqual([]);
    expect(await tops(), 'one row of cards in the normal look').toBe(1);
    await page.keyboard.press('Alt+P');
    await expect.poll(() => projectorOn(page)).toBe(true);
    await expect.poll(cut).toEqual([]);
    await page.keyboard.press('Alt+P');
    await expect.poll(() => projectorOn(page)).toBe(false);
  });

  test('at 150% zoom (853x480) the pipeline drawing is in sight when chosen', async () => {
    const small = await lab.context.newPage();
    await small.setViewportSize({ width: 853, height: 480 });
    await small.goto(`${lab.url}#/`, { waitUntil: 'load' });
    await small.locator('.xterm-rows').first().waitFor();
    const tab = small.getByRole('tab', { name: 'Pipeline' });
    await tab.scrollIntoViewIfNeeded();
    await tab.click();
    await small.getByRole('button', { name: 'Run' }).click();
    const drawing = small.locator('svg.diagram');
    await drawing.waitFor();
    await expect
      .poll(async () => {
        const box = await drawing.boundingBox();
        return box !== null && box.y >= 0 && box.y < 480 - 100;
      })
      .toBe(true);
    const box = (await drawing.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(853);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      853,
    );
    await small.screenshot({ path: 'test-results/face-pipeline-853x480.png' });
    await small.close();
  });

  test('no console errors along the way', () => {
    expect(errors).toEqual([]);
  });
});
