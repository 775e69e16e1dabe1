/**
 * A small readline for the lab terminals: turns the data events of a terminal (typed keys,
 * pasted text) into line edits and runs complete lines through a ShellSession.
 *
 * Design rationale: it is pure (no xterm, no DOM): it talks to the terminal only through
 * `write`/`clear`, so it runs under Vitest in Node and any terminal can host it. It reads
 * terminal *data* (what xterm's onData delivers), never raw key events, which is what makes
 * mobile keyboards and paste work. Every edit redraws the whole input line; lab command
 * lines are short, so that is cheap and always correct. A line entered while the session
 * says it must wait (`pending`: the page is still loading a lesson's module, or code the
 * line's command needs that loads when first used) runs when that settles, once, and what
 * is typed meanwhile is kept and fed after it: a command never fails for being typed early,
 * and lines run in the order they were typed.
 */
import type { OutputLine, ShellSession, Tone } from '../../shell/index.ts';
import { wrapText } from './wrap.ts';

/** The terminal as the editor sees it. */
export interface TerminalIO {
  /** Writes raw terminal data (text with ANSI escapes, `\r\n` line ends). */
  write(data: string): void;
  /** Clears the screen and scrollback (Ctrl+L). */
  clear(): void;
  /** The terminal's width in columns, when known: output lines are word-wrapped to it. */
  columns?(): number;
  /** Empties the screen and scrollback for a redraw at a new width ({@link LineEditor.reflow}). */
  reset?(): void;
}

/**
 * One line the editor has put on the screen, kept so a change of width can draw it again
 * wrapped to the new width: an output line, or an entered line echoed after its prompt.
 */
type Printed =
  | { readonly kind: 'output'; readonly line: OutputLine }
  | { readonly kind: 'echo'; readonly prompt: string; readonly text: string };

/** Lines kept for a redraw at a new width (the terminal's scrollback keeps as many rows). */
export const TRANSCRIPT_MAX = 5000;

/**
 * A session the editor can run lines through. `pending(line)`, when it returns a promise,
 * makes the entered `line` wait for it (the page while a module the command needs is loading).
 */
export interface EditorSession extends ShellSession {
  readonly pending?: (line: string) => Promise<unknown> | undefined;
}

/** Called after each executed line with what it printed. */
export type ResultHook = (line: string, output: readonly OutputLine[]) => void;

const ESC = '\x1b';
const RESET = `${ESC}[0m`;

/** SGR colours per tone, chosen for a dark background (xterm enforces the contrast ratio). */
const TONE_SGR: Readonly<Record<Tone, string>> = {
  normal: '',
  ok: '32',
  error: '1;31',
  warn: '33',
  dim: '90',
  accent: '1;36',
};

/** `line` with ANSI colour for its tone; line breaks become CR LF. */
export function styleLine(line: OutputLine): string {
  const text = line.text.replace(/\r?\n/g, '\r\n');
  const sgr = TONE_SGR[line.tone ?? 'normal'];
  return sgr ? `${ESC}[${sgr}m${text}${RESET}` : text;
}

/** The terminal data of a kept line, word-wrapped to `columns` (wrap.ts), with its line end. */
function render(p: Printed, columns: number | undefined): string {
  if (p.kind === 'output')
    return `${styleLine({ ...p.line, text: wrapText(p.line.text, columns) })}\r\n`;
  // The prompt stays on the first row (wrapText only breaks after it when it is shorter).
  const wrapped = wrapText(p.prompt + p.text, columns).replace(/\n/g, '\r\n');
  return `${ESC}[1;32m${p.prompt}${RESET}${wrapped.slice(p.prompt.length)}\r\n`;
}

/** Terminal data sequences the editor understands, longest first where prefixes overlap. */
const KEYS: readonly (readonly [string, EditorKey])[] = [
  [`${ESC}[3~`, 'delete'],
  [`${ESC}[A`, 'up'],
  [`${ESC}[B`, 'down'],
  [`${ESC}[C`, 'right'],
  [`${ESC}[D`, 'left'],
  [`${ESC}[H`, 'home'],
  [`${ESC}[F`, 'end'],
  [`${ESC}OA`, 'up'],
  [`${ESC}OB`, 'down'],
  [`${ESC}OC`, 'right'],
  [`${ESC}OD`, 'left'],
  [`${ESC}OH`, 'home'],
  [`${ESC}OF`, 'end'],
  ['\r\n', 'enter'],
  ['\r', 'enter'],
  ['\n', 'enter'],
  ['\x7f', 'backspace'],
  ['\b', 'backspace'],
  ['\t', 'tab'],
  ['\x03', 'interrupt'],
  ['\x0c', 'clear'],
  ['\x01', 'home'],
  ['\x05', 'end'],
  ['\x15', 'kill'],
];

type EditorKey =
  | 'delete'
  | 'up'
  | 'down'
  | 'right'
  | 'left'
  | 'home'
  | 'end'
  | 'enter'
  | 'backspace'
  | 'tab'
  | 'interrupt'
  | 'clear'
  | 'kill';

/** Longest common prefix of `words`. */
function commonPrefix(words: readonly string[]): string {
  if (words.length === 0) return '';
  let prefix = words[0]!;
  for (const w of words) while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

export class LineEditor {
  #line = '';
  #cursor = 0;
  /** Index into the history while browsing it with Up/Down; null when editing a new line. */
  #historyPos: number | null = null;
  /** The line being typed before the learner started browsing history. */
  #draft = '';
  readonly #session: EditorSession;
  readonly #io: TerminalIO;
  readonly #onResult: ResultHook | undefined;
  /** Set while an entered line waits for the session's `pending`; input is kept meanwhile. */
  #waiting = false;
  #typedMeanwhile = '';
  /** What is on the screen above the input line, oldest first (at most TRANSCRIPT_MAX). */
  #transcript: Printed[] = [];

  constructor(session: EditorSession, io: TerminalIO, onResult?: ResultHook) {
    this.#session = session;
    this.#io = io;
    this.#onResult = onResult;
  }

  /** The current input line (for tests and lesson buttons). */
  get line(): string {
    return this.#line;
  }

  /** Writes the prompt and the current input line. */
  showPrompt(): void {
    this.#redraw();
  }

  /** Prints lines above the prompt without losing what the learner is typing. */
  print(lines: readonly OutputLine[]): void {
    this.#io.write(`\r${ESC}[2K`);
    this.#write(lines);
    this.#redraw();
  }

  /**
   * Draws the screen again for the terminal's new width: every kept line word-wrapped to it,
   * then the input line. xterm.js re-wraps its rows by cells when the width changes, which
   * cuts words ("the host sto" / "ps"); the terminal calls this instead when its columns
   * change (a wide view narrowed it, projector mode, a window resize).
   */
  reflow(): void {
    if (!this.#io.reset) return;
    this.#io.reset();
    const columns = this.#io.columns?.();
    for (const p of this.#transcript) this.#io.write(render(p, columns));
    if (!this.#waiting) this.#redraw();
  }

  /** Handles one data event from the terminal. */
  feed(data: string): void {
    if (this.#waiting) {
      this.#typedMeanwhile += data;
      return;
    }
    let rest = data;
    while (rest.length > 0) {
      const match = KEYS.find(([seq]) => rest.startsWith(seq));
      if (match) {
        this.#key(match[1]);
        rest = rest.slice(match[0].length);
        continue;
      }
      if (rest.startsWith(ESC)) {
        // An escape sequence we do not handle (function keys, Alt+x): drop it whole.
        // eslint-disable-next-line no-control-regex -- terminal data is control characters
        const unknown = /^\x1b(\[[0-9;?]*[ -/]*[@-~]|O.|.)?/.exec(rest);
        rest = rest.slice(unknown?.[0].length ?? 1);
        continue;
      }
      // eslint-disable-next-line no-control-regex -- printable = not a control character
      const printable = /^[^\x00-\x1f\x7f]+/.exec(rest);
      if (printable) {
        this.#insert(printable[0]);
        rest = rest.slice(printable[0].length);
        continue;
      }
      rest = rest.slice(1); // another control character: ignore it
    }
  }

  #key(key: EditorKey): void {
    switch (key) {
      case 'enter':
        return this.#enter();
      case 'backspace':
        if (this.#cursor === 0) return;
        this.#line = this.#line.slice(0, this.#cursor - 1) + this.#line.slice(this.#cursor);
        this.#cursor--;
        return this.#redraw();
      case 'delete':
        if (this.#cursor >= this.#line.length) return;
        this.#line = this.#line.slice(0, this.#cursor) + this.#line.slice(this.#cursor + 1);
        return this.#redraw();
      case 'left':
        this.#cursor = Math.max(0, this.#cursor - 1);
        return this.#redraw();
      case 'right':
        this.#cursor = Math.min(this.#line.length, this.#cursor + 1);
        return this.#redraw();
      case 'home':
        this.#cursor = 0;
        return this.#redraw();
      case 'end':
        this.#cursor = this.#line.length;
        return this.#redraw();
      case 'up':
        return this.#browse(-1);
      case 'down':
        return this.#browse(+1);
      case 'tab':
        return this.#complete();
      case 'interrupt':
        this.#io.write(`${ESC}[90m^C${RESET}\r\n`);
        this.#keep({ kind: 'echo', prompt: this.#session.prompt, text: `${this.#line}^C` });
        this.#setLine('');
        this.#historyPos = null;
        return this.#redraw();
      case 'kill':
        this.#setLine('');
        return this.#redraw();
      case 'clear':
        this.#io.clear();
        this.#transcript = [];
        return this.#redraw();
    }
  }

  #insert(text: string): void {
    this.#line = this.#line.slice(0, this.#cursor) + text + this.#line.slice(this.#cursor);
    this.#cursor += text.length;
    if (this.#cursor === this.#line.length) this.#io.write(text);
    else this.#redraw();
  }

  #setLine(text: string): void {
    this.#line = text;
    this.#cursor = text.length;
  }

  #enter(): void {
    const line = this.#line;
    this.#io.write('\r\n');
    this.#keep({ kind: 'echo', prompt: this.#session.prompt, text: line });
    this.#setLine('');
    this.#historyPos = null;
    this.#draft = '';
    this.#runWhenReady(line, true);
  }

  /** Runs `line` now, or once the session's `pending` settles (saying so the first time). */
  #runWhenReady(line: string, announce: boolean): void {
    const pending = this.#session.pending?.(line);
    if (!pending) {
      const output = this.#session.execute(line);
      this.#write(output);
      this.#onResult?.(line, output);
      return this.#redraw();
    }
    this.#waiting = true;
    if (announce) this.#write([{ text: '(waiting for the lab to finish loading)', tone: 'dim' }]);
    const resume = (): void => {
      this.#waiting = false;
      this.#runWhenReady(line, false);
      if (this.#waiting) return; // another load started: keep what was typed
      const typed = this.#typedMeanwhile;
      this.#typedMeanwhile = '';
      if (typed) this.feed(typed);
    };
    // A failed load is reported where it happened; the line still runs on what is there.
    void pending.then(resume, resume);
  }

  #browse(step: number): void {
    const history = this.#session.history;
    if (history.length === 0) return;
    if (this.#historyPos === null) {
      if (step > 0) return;
      this.#draft = this.#line;
      this.#historyPos = history.length - 1;
    } else {
      this.#historyPos += step;
    }
    if (this.#historyPos < 0) this.#historyPos = 0;
    if (this.#historyPos >= history.length) {
      this.#historyPos = null;
      this.#setLine(this.#draft);
    } else {
      this.#setLine(history[this.#historyPos] ?? '');
    }
    this.#redraw();
  }

  #complete(): void {
    const candidates = this.#session.complete(this.#line);
    if (candidates.length === 0) return;
    if (candidates.length === 1) {
      this.#setLine(`${candidates[0]} `);
      return this.#redraw();
    }
    const prefix = commonPrefix(candidates);
    if (prefix.length > this.#line.trim().length) {
      this.#setLine(prefix);
      return this.#redraw();
    }
    this.#io.write('\r\n');
    this.#keep({ kind: 'echo', prompt: this.#session.prompt, text: this.#line });
    this.#write([{ text: candidates.join('  '), tone: 'dim' }]);
    this.#redraw();
  }

  /**
   * Writes output lines, word-wrapped to the terminal's width (wrap.ts); a `clear` control
   * line clears the screen instead.
   */
  #write(lines: readonly OutputLine[]): void {
    const columns = this.#io.columns?.();
    for (const l of lines) {
      if (l.control === 'clear') {
        this.#io.clear();
        this.#transcript = [];
      } else {
        const printed: Printed = { kind: 'output', line: l };
        this.#io.write(render(printed, columns));
        this.#keep(printed);
      }
    }
  }

  /** Keeps `p` for a redraw at a new width, dropping the oldest past TRANSCRIPT_MAX. */
  #keep(p: Printed): void {
    this.#transcript.push(p);
    if (this.#transcript.length > TRANSCRIPT_MAX)
      this.#transcript.splice(0, this.#transcript.length - TRANSCRIPT_MAX);
  }

  /** Rewrites the prompt line and puts the cursor where it belongs. */
  #redraw(): void {
    const back = this.#line.length - this.#cursor;
    this.#io.write(
      `\r${ESC}[2K${ESC}[1;32m${this.#session.prompt}${RESET}${this.#line}` +
        (back > 0 ? `${ESC}[${back}D` : ''),
    );
  }
}
