// Terminal output is word-wrapped to the terminal's width (src/ui/terminal/wrap.ts, lab-ux.md
// §4.3): projector mode gives the host terminal ~45 columns, and xterm.js alone would cut
// "enter the realm" into "enter the r" / "ealm".
import { describe, expect, it } from 'vitest';
import { hexdump } from '../../src/lib/bytes.ts';
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

  it('a digest too long for the row is cut in equal rows of whole hex groups, not at the width', () => {
    // At the projector's width a sha-256 REM0 read `000…0` (54 digits) over a stray 10.
    const rem = `0123456789abcdef`.repeat(4);
    expect(wrapText(`  REM0 ${rem}`, 58).split('\n')).toEqual([
      '  REM0',
      `    ${rem.slice(0, 32)}`,
      `    ${rem.slice(32)}`,
    ]);
    // sha-512 in a 45-column terminal: four rows of 32 digits; a 0x prefix stays in front.
    const rim = 'fe'.repeat(64);
    const rows = wrapText(`  RIM        0x${rim}`, 45).split('\n');
    expect(rows).toEqual([
      '  RIM',
      `    0x${rim.slice(0, 32)}`,
      ...[1, 2, 3].map((k) => `    ${rim.slice(32 * k, 32 * (k + 1))}`),
    ]);
    // A word that is not hex is still cut at the width.
    expect(wrapText(`  see ${'/x'.repeat(20)}`, 20).split('\n')[1]).toHaveLength(20);
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

describe('a hexdump in a narrow terminal', () => {
  it('a hexdump row too wide for the projector look becomes two rows of eight bytes', () => {
    // `read 0x8400f000 48` at 58 columns broke each row into its address, the hex, and a
    // stray "|frame" / "0001: a fa|" on a row of its own.
    const bytes = new TextEncoder().encode('frame 0001: a face, a street sig');
    const dump = hexdump(bytes, 0x8400f000);
    const rows = wrapText(dump.join('\n'), 58).split('\n');
    expect(rows).toEqual([
      '0x8400f000  66 72 61 6d 65 20 30 30  |frame 00|',
      '0x8400f008  30 31 3a 20 61 20 66 61  |01: a fa|',
      '0x8400f010  63 65 2c 20 61 20 73 74  |ce, a st|',
      '0x8400f018  72 65 65 74 20 73 69 67  |reet sig|',
    ]);
    // A short last row and a realm's wide IPA split alike; a row that fits stays whole.
    const tail = hexdump(new Uint8Array(11).fill(0x41), 0x18000000020);
    expect(wrapText(tail.join('\n'), 58).split('\n')).toEqual([
      '0x18000000020  41 41 41 41 41 41 41 41  |AAAAAAAA|',
      '0x18000000028  41 41 41                 |AAA|',
    ]);
    expect(wrapText(dump.join('\n'), 80)).toBe(dump.join('\n'));
    // A last row of two bytes lines its characters up with the eight-byte rows above.
    const short = hexdump(new TextEncoder().encode('frame 0001: a face'), 0x5000);
    expect(wrapText(short.join('\n'), 70).split('\n')).toEqual([
      '0x00005000  66 72 61 6d 65 20 30 30  |frame 00|',
      '0x00005008  30 31 3a 20 61 20 66 61  |01: a fa|',
      '0x00005010  63 65                    |ce|',
    ]);
  });
});
