// Terminal output is word-wrapped to the terminal's width (src/ui/terminal/wrap.ts, lab-ux.md
// §4.3): projector mode gives the host terminal ~45 columns, and xterm.js alone would cut
// "enter the realm" into "enter the r" / "ealm".
import { describe, expect, it } from 'vitest';
import { createMachine } from '../../src/emulator/index.ts';
import { createHostShell } from '../../src/shell/index.ts';
import { LineEditor } from '../../src/ui/terminal/line-editor.ts';
import { HANGING_INDENT, wrapText } from '../../src/ui/terminal/wrap.ts';

describe('output is word-wrapped to the terminal width', () => {
  it('a line that fits is left alone, and so is any line when the width is unknown', () => {
    expect(wrapText('  run <realm>   enter it', 40)).toBe('  run <realm>   enter it');
    const long = 'word '.repeat(30).trim();
    expect(wrapText(long, undefined)).toBe(long);
  });

  it('no row is longer than the width, and no word is cut', () => {
    const text = 'the tenant sends its sensitive input to a realm network device, labelled video';
    for (const columns of [12, 20, 33, 45]) {
      const rows = wrapText(text, columns).split('\n');
      for (const row of rows) expect(row.length).toBeLessThanOrEqual(columns);
      expect(rows.map((r) => r.trim()).join(' ')).toBe(text);
    }
  });

  it("a help entry's padding becomes the break; its description hangs under the command", () => {
    const entry = `  run <realm>${' '.repeat(37)}enter the realm (RMI_REC_ENTER) until it is idle`;
    expect(wrapText(entry, 45).split('\n')).toEqual([
      '  run <realm>',
      `${' '.repeat(2 + HANGING_INDENT)}enter the realm (RMI_REC_ENTER) until it`,
      `${' '.repeat(2 + HANGING_INDENT)}is idle`,
    ]);
  });

  it('a help entry whose command is longer than the row: its description starts a row of its own', () => {
    const usage = '  mica share <object> <realm>:<bar> [--size <bytes>] | status | verify last';
    const entry = `${usage}  wire a shared object into realms' windows`;
    const pad = ' '.repeat(2 + HANGING_INDENT);
    expect(wrapText(entry, 40).split('\n')).toEqual([
      '  mica share <object> <realm>:<bar>',
      `${pad}[--size <bytes>] | status | verify`,
      `${pad}last`,
      `${pad}wire a shared object into realms'`,
      `${pad}windows`,
    ]);
  });

  it('a word longer than the row is cut at the width, as the terminal would cut it', () => {
    const hex = `token ${'ab'.repeat(30)}`;
    const rows = wrapText(hex, 20).split('\n');
    expect(rows[0]).toBe('token');
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(20);
    expect(rows.map((r) => r.trim()).join('')).toBe(`token${'ab'.repeat(30)}`);
  });

  it('each line of a multi-line output is wrapped on its own', () => {
    expect(wrapText('short\na b c d e f', 5)).toBe('short\na b c\n  d e\n  f');
  });

  it('the line editor wraps what a command prints to the columns its terminal reports', () => {
    let out = '';
    const editor = new LineEditor(createHostShell(createMachine()), {
      write: (d) => (out += d),
      clear: () => {},
      columns: () => 45,
    });
    editor.feed('help\r');
    // eslint-disable-next-line no-control-regex -- strip terminal escapes
    const rows = out.replace(/\x1b\[[\d;]*[A-Za-z]/g, '').split('\r\n');
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(45);
    expect(rows.some((r) => r.includes('enter the realm (RMI_REC_ENTER)'))).toBe(true);
  });

  it('a change of width draws the kept lines again, wrapped to the new width, then the prompt', () => {
    let out = '';
    let columns = 100;
    let resets = 0;
    const editor = new LineEditor(createHostShell(createMachine()), {
      write: (d) => (out += d),
      clear: () => {},
      columns: () => columns,
      reset: () => {
        resets++;
        out = '';
      },
    });
    editor.showPrompt();
    editor.feed('help\r');
    editor.feed('gpt');
    const wide = strip(out);
    expect(wide.some((r) => r.length > 45)).toBe(true);
    columns = 45;
    editor.reflow();
    expect(resets).toBe(1);
    const rows = strip(out);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(45);
    // The same words, the echoed command first, and the line being typed kept at the prompt.
    expect(rows[0]).toBe('host$ help');
    expect(rows.join(' ').replace(/\s+/g, ' ')).toBe(wide.slice(0).join(' ').replace(/\s+/g, ' '));
    expect(rows.at(-1)).toBe('host$ gpt');
  });
});

/** Terminal data as rows, escapes removed (the prompt redraw's CR and erase-line too). */
function strip(data: string): string[] {
  return (
    data
      // eslint-disable-next-line no-control-regex -- strip terminal escapes
      .replace(/\x1b\[[\d;]*[A-Za-z]/g, '')
      .split('\r\n')
      .map((r) => r.replace(/^.*\r/, ''))
  );
}
