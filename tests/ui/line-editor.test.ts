import { describe, expect, test } from 'vitest';
import { createMachine } from '../../src/emulator/index.ts';
import { lazyCode } from '../../src/lib/lazy.ts';
import { createHostShell, createShell, out, type OutputLine } from '../../src/shell/index.ts';
import { LineEditor, styleLine } from '../../src/ui/terminal/line-editor.ts';

/** Strips ANSI escapes and applies CR/LF/erase-line like a minimal terminal would. */
function screen(data: string): string[] {
  const lines: string[] = [''];
  let i = 0;
  let col = 0;
  while (i < data.length) {
    const rest = data.slice(i);
    // eslint-disable-next-line no-control-regex -- parsing terminal output
    const esc = /^\x1b\[([\d;]*)([A-Za-z])/.exec(rest);
    if (esc) {
      if (esc[2] === 'K') lines[lines.length - 1] = '';
      if (esc[2] === 'D') col -= Number(esc[1] || 1);
      i += esc[0].length;
      continue;
    }
    const ch = data[i]!;
    if (ch === '\r') col = 0;
    else if (ch === '\n') {
      lines.push('');
      col = 0;
    } else {
      const line = lines[lines.length - 1]!;
      lines[lines.length - 1] = line.slice(0, col) + ch + line.slice(col + 1);
      col++;
    }
    i++;
  }
  return lines;
}

function setup() {
  const machine = createMachine();
  const session = createHostShell(machine);
  let out = '';
  let cleared = 0;
  const results: [string, readonly OutputLine[]][] = [];
  const editor = new LineEditor(
    session,
    { write: (d) => (out += d), clear: () => cleared++ },
    (line, output) => results.push([line, output]),
  );
  editor.showPrompt();
  return { machine, editor, results, out: () => out, cleared: () => cleared };
}

describe('LineEditor', () => {
  test('typing and Enter run the line through the session', () => {
    const t = setup();
    t.editor.feed('delegate 0x80000000');
    t.editor.feed('\r');
    expect(t.machine.granuleOf(0x80000000).state).toBe('DELEGATED');
    expect(t.results[0]?.[0]).toBe('delegate 0x80000000');
    const lines = screen(t.out());
    expect(lines).toContain('RMI_GRANULE_DELEGATE(addr=0x80000000) -> RMI_SUCCESS');
    expect(lines.at(-1)).toBe('host$ ');
  });

  test('backspace, cursor keys, delete and Ctrl+U edit the line', () => {
    const t = setup();
    t.editor.feed('gpx\x7ft');
    expect(t.editor.line).toBe('gpt');
    t.editor.feed('\x1b[D\x1b[D\x1b[3~');
    expect(t.editor.line).toBe('gt');
    t.editor.feed('p');
    expect(t.editor.line).toBe('gpt');
    t.editor.feed('\x1b[H#\x1b[F!');
    expect(t.editor.line).toBe('#gpt!');
    t.editor.feed('\x15');
    expect(t.editor.line).toBe('');
  });

  test('Up/Down browse history and restore the draft', () => {
    const t = setup();
    t.editor.feed('help\r');
    t.editor.feed('gpt\r');
    t.editor.feed('dra');
    t.editor.feed('\x1b[A');
    expect(t.editor.line).toBe('gpt');
    t.editor.feed('\x1b[A\x1b[A');
    expect(t.editor.line).toBe('help');
    t.editor.feed('\x1b[B\x1b[B');
    expect(t.editor.line).toBe('dra');
  });

  test('Tab completes a unique command and lists ambiguous ones', () => {
    const t = setup();
    t.editor.feed('del\t');
    expect(t.editor.line).toBe('delegate ');
    t.editor.feed('\x15');
    t.editor.feed('r\t');
    expect(t.editor.line).toBe('r');
    const candidates = createHostShell(createMachine()).complete('r');
    expect(candidates.length).toBeGreaterThan(1);
    expect(screen(t.out())).toContain(candidates.join('  '));
  });

  test('Ctrl+C drops the line, Ctrl+L clears the screen', () => {
    const t = setup();
    t.editor.feed('delegate 0x8000');
    t.editor.feed('\x03');
    expect(t.editor.line).toBe('');
    expect(screen(t.out())).toContain('host$ delegate 0x8000^C');
    t.editor.feed('\x0c');
    expect(t.cleared()).toBe(1);
  });

  test('pasted text with line breaks runs each line', () => {
    const t = setup();
    t.editor.feed('delegate 0x80000000\r\ndelegate 0x80001000\n');
    expect(t.results.map(([l]) => l)).toEqual(['delegate 0x80000000', 'delegate 0x80001000']);
    expect(t.machine.granuleOf(0x80001000).state).toBe('DELEGATED');
  });

  test('print keeps the partial line below the printed lines', () => {
    const t = setup();
    t.editor.feed('gp');
    t.editor.print([{ text: 'undo: done', tone: 'accent' }]);
    expect(screen(t.out()).slice(-2)).toEqual(['undo: done', 'host$ gp']);
  });

  test('tones map to ANSI colours', () => {
    expect(styleLine({ text: 'x', tone: 'error' })).toBe('\x1b[1;31mx\x1b[0m');
    expect(styleLine({ text: 'a\nb' })).toBe('a\r\nb');
  });
});

describe('a line typed while the page is loading', () => {
  test('waits for the load, then runs; what is typed meanwhile runs after it, in order', async () => {
    const machine = createMachine();
    const shell = createHostShell(machine);
    let release: () => void = () => {};
    let pending: Promise<void> | undefined = new Promise<void>((r) => (release = r));
    const results: string[] = [];
    let out = '';
    const editor = new LineEditor(
      Object.assign(shell, { pending: () => pending }),
      { write: (d) => (out += d), clear: () => {} },
      (line) => results.push(line),
    );
    editor.feed('delegate 0x80000000\r');
    editor.feed('gpt\r');
    expect(results).toEqual([]);
    expect(machine.granuleOf(0x8000_0000).state).toBe('UNDELEGATED');
    expect(screen(out).join('\n')).toContain('(waiting for the lab to finish loading)');
    const loaded = pending;
    pending = undefined;
    release();
    await loaded;
    await Promise.resolve();
    expect(results).toEqual(['delegate 0x80000000', 'gpt']);
    expect(machine.granuleOf(0x8000_0000).state).toBe('DELEGATED');
  });
});

describe('a line whose command loads code when first used', () => {
  test('waits for the code, runs once with one history entry; lines typed meanwhile follow in order', async () => {
    let release: (m: { word: string }) => void = () => {};
    const code = lazyCode(
      'the test code',
      () => new Promise<{ word: string }>((r) => (release = r)),
    );
    const ran: string[] = [];
    const shell = createShell(
      [
        {
          name: 'heavy',
          usage: '',
          summary: 'needs the test code',
          needs: [code],
          run: () => (ran.push('heavy'), [out.line(code.get().word)]),
        },
        { name: 'light', usage: '', summary: 'needs nothing', run: () => (ran.push('light'), []) },
      ],
      null,
      { prompt: '$ ', title: 'test' },
    );
    let text = '';
    const editor = new LineEditor(
      Object.assign(shell, { pending: (line: string) => shell.prepare(line) }),
      { write: (d) => (text += d), clear: () => {} },
    );
    editor.feed('heavy\r');
    editor.feed('light\r');
    expect(ran).toEqual([]);
    expect(shell.history).toEqual([]);
    release({ word: 'loaded' });
    await code.load();
    // The editor resumes on the prepared promise's settlement: let those callbacks run.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(ran).toEqual(['heavy', 'light']);
    expect(shell.history).toEqual(['heavy', 'light']);
    expect(screen(text).join('\n')).toContain('loaded');
    expect(screen(text).join('\n')).not.toContain('internal');
  });
});
