/**
 * Every playable lesson, played in Chromium the way a learner plays it (issue 9): open the
 * lesson's route, type each reference-solution line into the terminal where it runs (a
 * `@<realm> <line>` step in that realm's tab), read what the terminal shows after each
 * line, and end with every goal ✓ and no error that a learner should never meet. For the
 * challenge lessons (Mica) one near-miss route must not pass.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { parseStep, type JudgedRun } from '../../src/lessons/index.ts';
import { recheckRun } from '../../src/lessons/judged-run.ts';
import { LESSONS } from '../../src/lessons/loaded.ts';
import { useLab, type Lab } from './browser.ts';

/** Text a learner must never meet, whatever the lesson. */
const NEVER =
  /internal emulator error|unknown command|is not "@<realm>"|realm names are lower case|TypeError|a bug, please report/;

let lab: Lab;
useLab((started) => (lab = started));

/** Waits two animation frames so xterm has painted what the shell wrote. */
async function painted(page: Page): Promise<void> {
  await page.evaluate(
    () => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))),
  );
}

/** The visible rows of the terminal shown now. */
async function visibleTerminal(page: Page): Promise<string> {
  const panel = page.locator('.deck-body:not([hidden]) .xterm-rows');
  return (await panel.innerText()).replace(/\u00a0/g, ' ');
}

/** Types `step` into the terminal where it runs, as a learner would, and returns the screen. */
async function typeStep(page: Page, step: string): Promise<string> {
  const parsed = parseStep(step);
  const tab = parsed.terminal === 'realm' ? `${parsed.realm}#` : 'host$';
  const line = parsed.terminal === 'realm' ? parsed.line : step;
  await page.getByRole('tab', { name: tab, exact: true }).click();
  const input = page.locator('.deck-body:not([hidden]) .xterm-helper-textarea');
  await input.focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
  await painted(page);
  return visibleTerminal(page);
}

const goalsDone = (page: Page) =>
  page
    .locator('.lesson-pane .goal')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-done')));

describe('every playable lesson can be finished in the page by typing its solution', () => {
  test.each(LESSONS.map((l) => [l.id, l] as const))('%s', async (id, lesson) => {
    const { page, errors } = await lab.open(`#/lesson/${id}`, { reducedMotion: true });
    await page.locator('.lesson-pane h3', { hasText: lesson.title }).waitFor();
    expect(await goalsDone(page)).not.toContain('true');
    const screens: string[] = [];
    for (const step of lesson.solution) {
      const screen = await typeStep(page, step);
      screens.push(screen);
      const bad = NEVER.exec(screen);
      expect(bad, `after "${step}" the terminal shows: ${bad?.[0]}\n${screen}`).toBeNull();
    }
    await expect.poll(() => goalsDone(page)).toEqual(lesson.goals.map(() => 'true'));
    expect(await page.locator('.lesson-pane .goals h4').innerText()).toContain('lesson solved');
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('challenge lessons: a near-miss route does not pass', () => {
  const NEAR_MISSES: Record<string, readonly string[]> = {
    // Four realms built alike share one RIM (plain CCA measures image and layout, not
    // names), and a frame waiting in the device is not yet in any realm.
    '03-pipeline-cca/02-four-stages': [
      'realm create gateway --net',
      'realm create encoder',
      'realm create moderator',
      'realm create storage',
      'tenant send gateway "frame 0001"',
    ],
    // An NS page mapped as shared is refused for a gateway: nothing joined, nothing sealed.
    '04-mica/02-enforce': [
      'read 0x80001000 8',
      'rmi RMI_DATA_CREATE_UNKNOWN_SHARED 0x80065000 0x8007d000 0x18008000000',
    ],
    // A refusal that names no neighbour (the encoder's second upload: one-shot) is not a
    // disagreement, and nothing was refused then fixed.
    '04-mica/03-agreement': [
      '@encoder policy upload video-moderation',
      '@moderator policy upload video-moderation',
    ],
    // A token taken before the last stage uploaded is not the pipeline the tenant expects.
    '04-mica/04-group-token': [
      'realm create gateway',
      'realm create encoder',
      'mica share Mem1 gateway:0 encoder:0',
      '@gateway policy upload video-moderation',
      '@encoder policy upload video-moderation',
      '@gateway attest group random',
      'mica verify last video-moderation',
    ],
    // Mapping an NS page (refused) joins no pipe.
    '05-attacks/01-late-join': [
      'rmi RMI_DATA_CREATE_UNKNOWN_SHARED 0x80065000 0x80034000 0x18000004000',
    ],
    // A copy inside the gateway and a page the encoder shares on its own pass nothing on.
    '03-pipeline-cca/03-through-the-host': [
      '@gw copy 0x1000 0x5000 18',
      'read 0x84019000 18',
      '@enc ipa-state set 0x8000 0x9000 empty',
      '@enc copy 0x20000008000 0x5000 18',
    ],
    // Typed bytes to host memory are not the video; a private copy is not an attempt.
    '05-attacks/02-copy-to-host': [
      '@encoder mem write 0x20000001000 "not the video"',
      '@encoder copy 0x18000000020 0x5000 50',
    ],
    // RSI_IPA_STATE_GET is refused too, but it shares nothing.
    '05-attacks/03-private-to-shared': ['@encoder ipa-state get 0x5000 0x6000'],
    // Another refused SMC (RSI_VERSION) is not a host call.
    '05-attacks/04-host-call': ['@encoder smc 0xc4000190 0x10000'],
    // An honest host: Mem1's own pages for the encoder, the upload is accepted.
    '05-attacks/05-host-in-the-middle': [
      'mica share Mem1 encoder:0',
      '@encoder policy upload video-moderation',
    ],
    // One end torn down, and the page still DELEGATED: no look at the leftovers.
    '05-attacks/06-leftovers': ['realm destroy gateway', 'read 0x8404f020 50'],
    // The real encoder uploads first: no substitute, the token verifies.
    '05-attacks/07-substitution': [
      '@encoder policy upload video-moderation',
      '@gateway attest group random',
      'mica verify last video-moderation',
    ],
    // An outsider without a policy gets its dummy page: nothing joins, nothing leaks.
    '05-attacks/08-gap-caught': [
      'realm create spy',
      'mica share MemX spy:0 --size 0x1000',
      'rmi RMI_DATA_CREATE_UNKNOWN_SHARED 0x84121000 0x84049000 0x18000010000',
      '@spy console @0x18000010020 50',
    ],
    // Inside storage's own window the mapping is refused: no join, no leak.
    '05-attacks/09-gap-uncaught': [
      'rmi RMI_DATA_CREATE_UNKNOWN_SHARED 0x8403e000 0x84049000 0x18000010000',
      '@storage console @0x18000010020 50',
      '@gateway attest group random',
    ],
    // The shortcut: every shipped encoder file is withheld; nothing accepted, nothing declared.
    '04-mica/01-declare': [
      '@encoder policy upload video-moderation',
      '@encoder policy upload fix-too-open',
    ],
    // Uploading the refused draft again changes nothing; no video, no test of the leak.
    '06-fix-it/01-too-open': ['@encoder policy upload fix-too-open'],
    // Taking the archive down closes nothing: the encoder still runs the ANY draft, no video ran.
    '06-fix-it/02-any-window': ['realm destroy archive'],
    // The leak again from the deployed draft: nothing redeployed, nothing stopped.
    '06-fix-it/03-exception-rule': ['@encoder console @0x18000000020 8'],
    // The encoder rebuilt with the same draft; storage still runs the old file.
    '06-fix-it/04-bypass': [
      'realm destroy encoder',
      'realm create encoder',
      '@encoder policy upload consistent-leak',
    ],
    // The shipped files of two realms and a token: not the pipeline, not verified.
    '07-capstone/01-llm-guardrail': [
      'realm create rg --net',
      'realm create rf',
      'mica share Mem1 rg:0 rf:0 --size 0x2000',
      '@rg policy upload llm-guardrail-shipped',
      '@rf policy upload llm-guardrail-shipped',
      '@rg attest group random',
      'mica verify last llm-guardrail-locked',
    ],
  };
  test.each(Object.entries(NEAR_MISSES))('%s', async (id, steps) => {
    const lesson = LESSONS.find((l) => l.id === id)!;
    const { page, errors } = await openFresh(`#/lesson/${id}`);
    await page.locator('.lesson-pane h3', { hasText: lesson.title }).waitFor();
    for (const step of steps) {
      const screen = await typeStep(page, step);
      expect(NEVER.exec(screen)).toBeNull();
    }
    await painted(page);
    expect(await goalsDone(page)).not.toContain('true');
    expect(errors).toEqual([]);
    await page.close();
  });
});

/**
 * Opens `hash` at the lesson's start (earlier tests in this profile autosaved progress), and
 * dismisses the notices that says so, as a learner would before reaching for the pane.
 */
async function openFresh(hash: string): Promise<{ page: Page; errors: string[] }> {
  const opened = await lab.open(hash, { reducedMotion: true });
  await opened.page.getByRole('button', { name: /Reset lesson/ }).click();
  const dismiss = opened.page.getByRole('button', { name: /^Dismiss/ });
  while ((await dismiss.count()) > 0) await dismiss.first().click();
  return opened;
}

describe('the terminals take lesson lines as written', () => {
  test('the host terminal runs "@gw <line>" in the realm, clear empties it, a lesson starts with its title', async () => {
    const { page, errors } = await openFresh('#/lesson/03-pipeline-cca/01-host-sees');
    await page.locator('.lesson-pane h3').first().waitFor();
    expect(await visibleTerminal(page)).toContain('──── Lesson: ');
    const routed = await typeStepInHost(page, '@gw mem write 0x1000 "frame"');
    expect(routed).toMatch(/gw# mem write 0x1000 "frame"/);
    expect(NEVER.exec(routed)).toBeNull();
    const cleared = await typeStepInHost(page, 'clear');
    expect(cleared).not.toContain('──── Lesson: ');
    expect(cleared.trim()).toMatch(/^host\$\s*$/);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('"insert solution" puts a realm line into that realm\'s terminal, without running it', async () => {
    const { page, errors } = await openFresh('#/lesson/03-pipeline-cca/01-host-sees');
    await page.locator('.lesson-pane h3').first().waitFor();
    // Line 1 is the tenant's (host terminal); line 2 is the realm's.
    await page.getByRole('button', { name: /Insert solution line 1/ }).click();
    await page.getByRole('button', { name: /Insert solution line 2/ }).click();
    await expect
      .poll(() => page.getByRole('tab', { name: 'gw#', exact: true }).getAttribute('aria-selected'))
      .toBe('true');
    await expect.poll(() => visibleTerminal(page)).toMatch(/gw# net recv 0x1000/);
    expect(await goalsDone(page)).not.toContain('true');
    expect(errors).toEqual([]);
    await page.close();
  });
});

/** Types `line` into the host terminal (whatever it is), Enter, and returns the screen. */
async function typeStepInHost(page: Page, line: string): Promise<string> {
  await page.getByRole('tab', { name: 'host$', exact: true }).click();
  await page.locator('.deck-body:not([hidden]) .xterm-helper-textarea').focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
  await painted(page);
  return visibleTerminal(page);
}

describe('the sandbox and the judged runs', () => {
  test('in the sandbox, a shipped scenario file run from the Pipeline menu keeps the lesson and ticks explore with its verdict', async () => {
    const { page, errors } = await openFresh('#/lesson/08-sandbox/01-every-scenario');
    await page.locator('.lesson-pane h3', { hasText: 'Sandbox' }).waitFor();
    expect(await goalsDone(page)).toEqual(['false']);
    await page.getByRole('tab', { name: 'Pipeline' }).click();
    // The Scenario menu (its label is not unique here: the lesson's own title says "scenario").
    await page
      .locator('.pipeline select:not([name="mode"])')
      .first()
      .selectOption('file:attack-04-exit-smuggle-proto');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('.pipeline .result').waitFor({ timeout: 30_000 });
    await page.getByRole('tab', { name: 'Lesson' }).click();
    await expect.poll(() => goalsDone(page), { timeout: 30_000 }).toEqual(['true']);
    expect(await page.locator('.lesson-pane .goal').first().innerText()).toMatch(
      /judged: leaked .*encoder/,
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a solved challenge is a judged run in the progress file: lesson, stage, verdict and clause', async () => {
    const { page, errors } = await openFresh('#/lesson/05-attacks/04-host-call');
    const lesson = LESSONS.find((l) => l.id === '05-attacks/04-host-call')!;
    await page.locator('.lesson-pane h3', { hasText: lesson.title }).waitFor();
    for (const step of lesson.solution) await typeStep(page, step);
    await expect.poll(() => goalsDone(page)).toEqual(lesson.goals.map(() => 'true'));
    const runs = async () =>
      page.evaluate(() => {
        const text = localStorage.getItem('mica-lab/save/v1');
        return text ? (JSON.parse(text) as { judgedRuns?: unknown[] }).judgedRuns : undefined;
      });
    await expect
      .poll(async () => JSON.stringify((await runs())?.at(-1) ?? null), { timeout: 10_000 })
      .toMatch(
        /"lesson":"05-attacks\/04-host-call","stage":"encoder","verdict":"blocked","by":"CF1"/,
      );
    // The run keeps the steps as typed, and judged again on a fresh machine (what
    // `mica-lab lesson runs` does with a handed-in file) it agrees.
    const saved = (await runs())!.at(-1) as JudgedRun;
    expect(saved.steps).toEqual(lesson.solution);
    expect(recheckRun(saved, lesson).kind).toBe('agrees');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('opening a handed-in progress file judges its runs again; a run edited to claim a leak is caught', async () => {
    const { page, errors } = await openFresh('#/lesson/05-attacks/04-host-call');
    const lesson = LESSONS.find((l) => l.id === '05-attacks/04-host-call')!;
    await page.locator('.lesson-pane h3', { hasText: lesson.title }).waitFor();
    for (const step of lesson.solution) await typeStep(page, step);
    await expect.poll(() => goalsDone(page)).toEqual(lesson.goals.map(() => 'true'));
    // The progress controls sit under the course's contents.
    await page.getByRole('button', { name: 'All lessons' }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: /Download progress/ }).click(),
    ]);
    const text = await readFile((await download.path())!, 'utf8');
    const notice = (title: string) => page.locator('.notice', { hasText: title });
    const open = (name: string, body: string) =>
      page
        .locator('.progress-controls input[type="file"]')
        .setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(body) });
    await open('hand-in.json', text);
    await notice('the machine agrees').waitFor({ timeout: 30_000 });
    // The same file with its last run's verdict edited: the machine, replaying its steps, says
    // otherwise, and the notice stays until dismissed.
    const edited = text.replace(/("verdict":\s*)"blocked"(?![\s\S]*"verdict")/, '$1"leaked"');
    expect(edited).not.toBe(text);
    await open('edited.json', edited);
    const caught = notice('does not agree with every run');
    await caught.waitFor({ timeout: 30_000 });
    expect(await caught.innerText()).toMatch(
      /✗ \[\d+\] 05-attacks\/04-host-call .*the file says leaked by CF1 \(encoder\); the machine says blocked by CF1 \(encoder\)/,
    );
    expect(errors).toEqual([]);
    await page.close();
  });
});
