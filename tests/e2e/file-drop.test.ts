/**
 * A file dropped anywhere on the page is the lab's, never the browser's (which would open it
 * and leave the lab, losing the learner's work): a progress file opens as "Open progress file"
 * opens it, a scenario file runs as the Scenario menu runs a shipped one, a bad scenario file
 * is refused with the loader's located message, and anything else is refused with what the
 * page opens. The drops are built in the page (DataTransfer, File) as a browser delivers one.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { emptySave, serializeSave, withProgress } from '../../src/lessons/save.ts';
import { formatScenarioError, loadScenarioFile } from '../../src/workflows/scenario-file.ts';
import { useLabPage } from './browser.ts';

let page: Page;
let errors: string[];

useLabPage('#/', async (opened) => {
  ({ page, errors } = opened);
  await mkdir('test-results', { recursive: true });
});

/** A file to drop: its name and its bytes (text, or raw bytes for a binary file). */
interface Dropped {
  readonly name: string;
  readonly text?: string;
  readonly bytes?: readonly number[];
}

/**
 * Drags `files` over the element at `selector` and drops them there, as the browser does
 * (dragenter, dragover, drop, each bubbling and cancelable); says which of them the page
 * cancelled (a drop nobody cancels is opened by the browser).
 */
async function drop(
  files: readonly Dropped[],
  selector: string,
): Promise<{ over: boolean; dropped: boolean }> {
  const data = await page.evaluateHandle((list) => {
    const transfer = new DataTransfer();
    for (const f of list) {
      const body = f.bytes ? new Uint8Array(f.bytes) : (f.text ?? '');
      transfer.items.add(new File([body], f.name, { type: 'application/json' }));
    }
    return transfer;
  }, files);
  return page.evaluate(
    ({ transfer, selector }) => {
      const target = document.querySelector(selector)!;
      const fire = (type: string) => {
        const event = new DragEvent(type, {
          dataTransfer: transfer,
          bubbles: true,
          cancelable: true,
        });
        target.dispatchEvent(event);
        return event.defaultPrevented;
      };
      fire('dragenter');
      const over = fire('dragover');
      return { over, dropped: fire('drop') };
    },
    { transfer: data, selector },
  );
}

const notice = (title: string) => page.locator('.notice', { hasText: title });

const SCENARIO = readFileSync('scenarios/video-honest-mica.json', 'utf8');

describe('a file dropped on the page', () => {
  test('a progress file, dropped on the GPT map, opens as Open progress file opens it', async () => {
    const url = page.url();
    const save = withProgress(emptySave(), '01-worlds/01-address-spaces', {
      status: 'solved',
      goalsDone: [],
      hintsRevealed: 0,
      solutionShown: false,
      commands: [],
    });
    const cancelled = await drop([{ name: 'hand-in.json', text: serializeSave(save) }], '.side');
    expect(cancelled).toEqual({ over: true, dropped: true });
    const opened = notice('Progress file opened');
    await opened.waitFor();
    expect(await opened.innerText()).toMatch(/hand-in\.json: 1 lessons, 1 solved\./);
    expect(await opened.innerText()).not.toContain('Note:');
    expect(page.url()).toBe(url);
  });

  test('a scenario file, dropped on the terminal, runs and the Pipeline view shows it', async () => {
    const cancelled = await drop([{ name: 'my-run.json', text: SCENARIO }], '.xterm-rows');
    expect(cancelled).toEqual({ over: true, dropped: true });
    const result = page.locator('.pipeline .result');
    await result.waitFor({ timeout: 30_000 });
    expect(await result.innerText()).toMatch(/no leak|cleanly|as expected/i);
    // The menu offers it again, under the name it was dropped as.
    expect(await page.getByLabel('Scenario').locator('option:checked').innerText()).toContain(
      '(my-run.json)',
    );
    // Its realms have terminals (the same host as a Run builds them).
    await page.getByRole('tab', { name: 'storage#', exact: true }).waitFor();
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/file-drop-scenario-1280x720.png' });
  });

  test('a broken scenario file is refused with the loader’s located message; nothing changed', async () => {
    const broken = SCENARIO.replace('"mode": "mica"', '"mode": "turbo"');
    expect(broken).not.toBe(SCENARIO);
    const refused = loadScenarioFile(broken);
    if (refused.ok) throw new Error('the edit should make the file wrong');
    const before = await page.locator('.pipeline .result').innerText();
    expect(await drop([{ name: 'broken.json', text: broken }], 'body')).toEqual({
      over: true,
      dropped: true,
    });
    const shown = notice('That scenario file was not run');
    await shown.waitFor();
    expect(await shown.innerText()).toContain(formatScenarioError('broken.json', refused.error));
    expect(await page.locator('.pipeline .result').innerText()).toBe(before);
    await page.screenshot({ path: 'test-results/file-drop-broken-1280x720.png' });
  });

  test('a Mica policy, dropped, goes into the policy editor, as its Load puts a file there', async () => {
    const policy =
      '{\n  "Self": "VM1",\n  "VM1": { "hash": 0x1, "is-gateway": true, "strict": false }\n}\n';
    expect(await drop([{ name: 'gateway.policy', text: policy }], 'body')).toEqual({
      over: true,
      dropped: true,
    });
    await notice('Policy put in the editor').waitFor();
    expect(await page.getByRole('tab', { name: 'Policy' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    const editor = page.locator('section.editor textarea');
    await expect.poll(() => editor.inputValue()).toBe(policy);
    await page.mouse.move(10, 700);
    await page.screenshot({ path: 'test-results/file-drop-policy-1280x720.png' });
    // Dropped again while the editor is on screen: it takes the new text too.
    const other = policy.replace('0x1', '0x2');
    await drop([{ name: 'again.policy', text: other }], 'section.editor textarea');
    await expect.poll(() => editor.inputValue()).toBe(other);
    await page.getByRole('tab', { name: 'Pipeline' }).click();
  });

  test('a picture or other JSON is refused with what the page opens, and so are two files at once', async () => {
    const url = page.url();
    const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d];
    expect(await drop([{ name: 'cat.png', bytes: png }], '.lab')).toEqual({
      over: true,
      dropped: true,
    });
    const picture = notice('That file was not opened');
    await picture.waitFor();
    expect(await picture.innerText()).toMatch(
      /cat\.png: not a text file \(byte 0x89 at offset 0 is not UTF-8\)\. Drop a progress file/,
    );
    // JSON that is neither: what its format is, and where the page's files come from.
    await drop([{ name: 'package.json', text: '{ "name": "x" }' }], 'body');
    await notice('package.json: it is JSON with no "format"').waitFor();
    await page.screenshot({ path: 'test-results/file-drop-picture-1280x720.png' });
    await drop(
      [
        { name: 'a.json', text: SCENARIO },
        { name: 'b.json', text: SCENARIO },
      ],
      'body',
    );
    await notice('drop one file at a time').waitFor();
    expect(page.url()).toBe(url);
    expect(errors).toEqual([]);
  });
});
