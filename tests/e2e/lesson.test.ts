/**
 * The lesson pane end to end at 1280x720: a lesson route opens the lesson, what it teaches is
 * listed after its text, its terms are listed
 * under its text and open from the keyboard to their glossary definitions (axe-clean in light,
 * dark and projector), a term's first mention in the text opens its definition, its goals turn ✓ from commands typed in the host terminal, switched-off commands are refused, hints come one
 * tier at a time, the solution is inserted but not run, progress survives a reload
 * (autosave), and a broken scenario link is refused with the reason while the state stays.
 * Short links (a recipe and the command log, under 2 KB): a copied lesson link reopens the
 * lesson solved; an attack-19 link shows attack 19 in the Scenario menu and its group token
 * in the Chain; an old snapshot link still opens; Run over a hand-built machine is undoable.
 */
import { mkdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { lessonGlossary, loadLesson, makeScenario } from '../../src/lessons/index.ts';
import { shortFragment } from '../../src/ui/persist/links.ts';
import { axeSerious, runCommand, terminalText, useLabPage, type Lab } from './browser.ts';

const LESSON = '01-worlds/02-granule-delegation';
const PA = '0x80010000';

let lab: Lab;
let page: Page;
let errors: string[];

const goal = (id: string) => page.locator(`.lesson-pane .goal[data-goal="${id}"]`);
const allDone = () =>
  page
    .locator('.lesson-pane .goal')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-done')));

useLabPage(`#/lesson/${LESSON}`, (opened) => ({ lab, page, errors } = opened));

describe('lesson pane', () => {
  test('a lesson route opens the lesson with its goals, none done yet', async () => {
    await page.locator('.lesson-pane h3', { hasText: 'Granule delegation' }).waitFor();
    expect(await allDone()).toEqual(['false', 'false', 'false']);
    expect(await page.locator('.lesson-pane .goal .mark').first().innerText()).toBe('✗');
  });

  test('what the lesson teaches (its objectives) is listed after its text, before its terms', async () => {
    const lesson = (await loadLesson(LESSON))!;
    const section = page.locator('.lesson-pane .objectives');
    await section.waitFor();
    expect(await section.getByRole('heading', { level: 4 }).innerText()).toBe(
      'What this lesson teaches',
    );
    const items = (await section.locator('li').allInnerTexts()).map((t) => t.trim());
    expect(items).toHaveLength(lesson.objectives.length);
    // Inline markdown rendered: the item's words are the objective's without its backticks.
    items.forEach((t, i) => expect(t).toBe(lesson.objectives[i]!.replace(/`/g, '')));
    const box = (await section.boundingBox())!;
    const terms = (await page.locator('.lesson-pane .terms').boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(terms.y);
  });

  test("the lesson's terms are listed with their glossary definitions, opened by keyboard", async () => {
    const lesson = (await loadLesson(LESSON))!;
    const entries = lessonGlossary(lesson.glossary).entries;
    const terms = page.locator('.lesson-pane .terms');
    await terms.waitFor();
    expect(await terms.getByRole('heading', { level: 4 }).innerText()).toMatch(
      new RegExp(`^Terms\\s+${entries.length} in this lesson$`),
    );
    // Every term of the lesson, in its order, each closed: a compact row of names.
    const summaries = terms.locator('details.term > summary');
    expect(await summaries.allInnerTexts()).toEqual(entries.map((e) => e.term));
    expect(await terms.locator('details.term[open]').count()).toBe(0);
    // The goals and the lesson text keep their place above it.
    const goalsBox = (await page.locator('.lesson-pane .goals').boundingBox())!;
    const termsBox = (await terms.boundingBox())!;
    expect(termsBox.y).toBeGreaterThan(goalsBox.y + goalsBox.height);
    // Keyboard: focus a term's summary, Enter opens it, its definition is the glossary's.
    const gtsi = terms.locator('details.term', {
      has: page.locator('summary', { hasText: /^GTSI$/ }),
    });
    const definition = gtsi.locator('.definition');
    expect(await definition.isVisible()).toBe(false);
    await gtsi.locator('summary').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => gtsi.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    expect(await definition.isVisible()).toBe(true);
    expect(await definition.innerText()).toBe(entries.find((e) => e.term === 'GTSI')!.definition);
    // Open all, then Close all: one button for the whole list, the term opened by hand included.
    await terms.getByRole('button', { name: 'Open all' }).click();
    expect(await terms.locator('details.term[open]').count()).toBe(entries.length);
    await terms.getByRole('button', { name: 'Close all' }).click();
    expect(await terms.locator('details.term[open]').count()).toBe(0);
    await gtsi.locator('summary').press('Space');
    await expect.poll(() => gtsi.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    // Readable in every look: axe (contrast included) in light, dark and projector.
    expect(await axeSerious(page, '.lesson-pane .terms')).toEqual([]);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeSerious(page, '.lesson-pane .terms')).toEqual([]);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('p');
    await expect
      .poll(() => page.evaluate(() => document.documentElement.hasAttribute('data-projector')))
      .toBe(true);
    expect(await axeSerious(page, '.lesson-pane .terms')).toEqual([]);
    await page.keyboard.press('p');
    await page.emulateMedia({ colorScheme: 'light' });
    await expect
      .poll(() => page.evaluate(() => document.documentElement.hasAttribute('data-projector')))
      .toBe(false);
  });

  test("a term's first mention in the text opens its definition under Terms", async () => {
    const mentions = page.locator('.lesson-pane .md button.term-ref');
    // One button per term the text mentions, never two for the same term.
    const named = await mentions.evaluateAll((els) => els.map((e) => e.getAttribute('data-term')));
    expect(named).toContain('RMM');
    expect(new Set(named).size).toBe(named.length);
    const rmm = page.locator('.lesson-pane .md button.term-ref[data-term="RMM"]');
    expect(await rmm.getAttribute('title')).toMatch(/^RMM: Realm Management Monitor/);
    const details = page.locator('.lesson-pane .terms details[data-term="RMM"]');
    expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    // In the projector look, where the pane itself scrolls (its text box is a few lines).
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('p');
    await expect
      .poll(() => page.evaluate(() => document.documentElement.hasAttribute('data-projector')))
      .toBe(true);
    await rmm.focus();
    const pane = page.locator('.side-top .panel-body:not([hidden])');
    // As a reader who clicks the mention sees it: the pane at its top, the goals in sight.
    const paneTop = await pane.evaluate((el) => (el.scrollTop = 0));
    await page.keyboard.press('Enter');
    await expect.poll(() => details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true);
    // Only the lesson text scrolls to it: the pane (title, goals) stays where it was.
    expect(await pane.evaluate((el) => el.scrollTop)).toBe(paneTop);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('RMM');
    expect(await details.locator('.definition').isVisible()).toBe(true);
    expect(await axeSerious(page, '.lesson-pane .scroll')).toEqual([]);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('p');
    await expect
      .poll(() => page.evaluate(() => document.documentElement.hasAttribute('data-projector')))
      .toBe(false);
  });

  test('hints are revealed one tier at a time and counted', async () => {
    await page.getByRole('button', { name: /Show a hint: nudge/ }).click();
    await expect.poll(() => page.locator('.lesson-pane .hint').count()).toBe(1);
    expect(await page.locator('.lesson-pane .help h4').innerText()).toContain('hints used: 1 of 3');
    await expect
      .poll(() => page.getByRole('button', { name: /Show a hint: stronger/ }).count())
      .toBe(1);
  });

  test('insert solution types the first line into the prompt without running it', async () => {
    const before = await page.locator('.ledger .row').count();
    await page.getByRole('button', { name: /Insert solution line 1/ }).click();
    await expect.poll(() => terminalText(page)).toMatch(/host\$ read 0x80010000 32\s*$/);
    expect(await page.locator('.ledger .row').count()).toBe(before);
    expect(await goal('read-before').getAttribute('data-done')).toBe('false');
    // Clear the inserted line (Ctrl+U) before typing.
    await page.locator('.xterm-helper-textarea').first().focus();
    await page.keyboard.press('Control+KeyU');
  });

  test('a switched-off command is refused with the lesson named', async () => {
    await runCommand(page, `undelegate ${PA}`);
    await expect
      .poll(() => terminalText(page))
      .toContain('"undelegate" is switched off in the lesson');
  });

  test('typing the commands turns every goal ✓', async () => {
    for (const c of [`read ${PA} 32`, `delegate ${PA}`, `read ${PA} 32`]) await runCommand(page, c);
    await expect.poll(allDone).toEqual(['true', 'true', 'true']);
    expect(await page.locator('.lesson-pane .goals h4').innerText()).toContain('lesson solved');
    expect(await goal('read-before').locator('.mark').innerText()).toBe('✓');
  });

  test('the lesson pane has no serious axe violations; screenshot kept', async () => {
    expect(await axeSerious(page, '.lesson-pane')).toEqual([]);
    await mkdir('test-results', { recursive: true });
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/lesson-1280x720.png' });
  });

  test('progress survives a reload (autosave)', async () => {
    await page.reload({ waitUntil: 'load' });
    await page.locator('.xterm-rows').waitFor();
    await page.locator('.lesson-pane h3', { hasText: 'Granule delegation' }).waitFor();
    await expect.poll(allDone).toEqual(['true', 'true', 'true']);
    expect(await page.locator('.lesson-pane .help h4').innerText()).toContain('hints used: 1 of 3');
  });

  test('a bad scenario link is refused with the reason and the state stays', async () => {
    await page.evaluate(() => (location.hash = '#/s/z.not*base64'));
    const alert = page
      .getByRole('alert')
      .filter({ hasText: 'This scenario link cannot be opened' });
    await alert.waitFor();
    expect(await alert.innerText()).toContain('bad base64url at character');
    expect(await alert.innerText()).toContain('Nothing was changed');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/lesson/${LESSON}`);
    expect(await allDone()).toEqual(['true', 'true', 'true']);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/lesson-bad-link-1280x720.png' });
  });

  test('a link copied from the lab opens the same state', async () => {
    await page.getByRole('button', { name: 'All lessons' }).click();
    await page.getByRole('button', { name: /Copy link to this scenario/ }).click();
    const link = await page.locator('.progress-controls .link input').inputValue();
    expect(link).toContain('#/s/d.');
    expect(link.length).toBeLessThan(2048);
    const other = await lab.context.newPage();
    await other.goto(link);
    await other.locator('.lesson-pane h3', { hasText: 'Granule delegation' }).waitFor();
    const done = () =>
      other
        .locator('.lesson-pane .goal')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-done')));
    await expect.poll(done).toEqual(['true', 'true', 'true']);
    await other.close();
    expect(errors).toEqual([]);
  });
});

describe('short links', () => {
  test('an attack-19 link shows attack 19 in the Scenario menu and its group token', async () => {
    const link = shortFragment(makeScenario({ mode: 'mica', pipeline: 19, commands: [] }));
    expect(link.length).toBeLessThan(200);
    const { page: other, errors: otherErrors } = await lab.open(link, { reducedMotion: true });
    await other.getByRole('tab', { name: 'Pipeline' }).click();
    const result = other.locator('.pipeline .result');
    await result.waitFor({ timeout: 30_000 });
    expect(await result.innerText()).toContain('attack 19 (mica)');
    expect(await other.locator('.pipeline .toolbar select').nth(0).inputValue()).toBe('19');
    expect(await other.locator('.pipeline .toolbar select').nth(1).inputValue()).toBe('mica');
    await other.mouse.move(10, 700);
    await other.screenshot({ path: 'test-results/short-link-attack-19-1280x720.png' });
    await other.getByRole('tab', { name: 'Chain' }).click();
    // The token the host kept (it hid a member) comes first, appraised against what the
    // tenant declared; the run's own verdict is the next entry.
    const evidence = other.getByLabel('Evidence');
    expect(await evidence.inputValue()).toBe('kept');
    await evidence.selectOption('group');
    expect(await other.locator('.chain-view .source').innerText()).toContain(
      'Group token of the last Mica run',
    );
    await expect.poll(() => other.locator('.chain-view .chain > li').count()).toBe(6);
    await other.mouse.move(10, 700);
    await other.screenshot({ path: 'test-results/short-link-chain-1280x720.png' });
    // Opening it is undoable by name.
    expect(await other.getByRole('button', { name: /Undo/ }).getAttribute('title')).toBe(
      'Undo “open the scenario link”',
    );
    await other.close();
    expect(otherErrors).toEqual([]);
  });

  test('an old snapshot link (version 1, codec z) still opens its lesson', async () => {
    const old = readFileSync(
      'tests/fixtures/links/v1-lesson-01-worlds--02-granule-delegation.txt',
      'utf8',
    ).trim();
    const { page: other, errors: otherErrors } = await lab.open(old, { reducedMotion: true });
    await other.locator('.lesson-pane h3', { hasText: 'Granule delegation' }).waitFor();
    await expect.poll(() => other.evaluate(() => location.hash)).toBe(`#/lesson/${LESSON}`);
    expect(await other.locator(`.cell[data-pa="0x80010000"]`).getAttribute('data-state')).toBe(
      'DELEGATED',
    );
    await other.close();
    expect(otherErrors).toEqual([]);
  });

  test('Run over a hand-built machine says so, and undo brings the machine back', async () => {
    const { page: other, errors: otherErrors } = await lab.open('#/?mode=mica', {
      reducedMotion: true,
    });
    await runCommand(other, 'delegate 0x80000000');
    await expect.poll(() => terminalText(other)).toContain('DELEGATED');
    await other.getByRole('tab', { name: 'Pipeline' }).click();
    await other.getByLabel('Scenario').selectOption('0');
    await other.getByRole('button', { name: 'Run' }).click();
    const notice = other.getByRole('status').filter({ hasText: 'Your machine was replaced' });
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.innerText()).toContain(
      '“Run video pipeline” replaced the machine you built (1 command)',
    );
    await other.getByRole('button', { name: /Undo/ }).click();
    await expect
      .poll(() => terminalText(other))
      .toContain('undo: back to the state before "Run video pipeline"');
    await other.getByRole('tab', { name: 'GPT map' }).click();
    expect(await other.locator(`.cell[data-pa="0x80000000"]`).getAttribute('data-state')).toBe(
      'DELEGATED',
    );
    await other.close();
    expect(otherErrors).toEqual([]);
  });
});
