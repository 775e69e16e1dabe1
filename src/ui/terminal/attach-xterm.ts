/**
 * `{@attach attachXterm(session, options)}`: puts an xterm.js terminal running a
 * ShellSession into an element, and tears it down when the element goes away.
 *
 * Order matters (lab-ux.md §4.3): new Terminal (DOM renderer: no WebGL contexts to leak
 * with one terminal per realm) -> load the fit addon -> open -> fit -> observe resizes.
 * Fitting a hidden or zero-sized element gives 0/1 columns or throws, so every fit is
 * skipped until the element is visible and large enough; a ResizeObserver refits when a
 * tab or pane makes it visible. Input arrives through onData (typed keys and paste alike).
 */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal, type ITheme } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import type { Attachment } from 'svelte/attachments';
import type { OutputLine, ShellSession } from '../../shell/index.ts';
import { LineEditor, type ResultHook } from './line-editor.ts';

/** A source of lines to print from outside the shell (undo/reset notices). */
export type NoticeSource = (print: (lines: readonly OutputLine[]) => void) => () => void;

/** What the page can do with a running terminal. */
export interface TerminalHandle {
  focus(): void;
  /** Puts text on the input line (a lesson's "try this" button). */
  type(text: string): void;
}

export interface XtermOptions {
  /** Accessible name of the terminal's input. */
  readonly label: string;
  /** Lines printed before the first prompt. */
  readonly banner?: readonly OutputLine[];
  readonly onResult?: ResultHook;
  readonly notices?: NoticeSource;
  readonly autofocus?: boolean;
  readonly onReady?: (handle: TerminalHandle | undefined) => void;
}

/** A dark theme tuned for projectors; xterm also enforces a 4.5:1 contrast ratio. */
export const TERMINAL_THEME: ITheme = {
  background: '#0b0f14',
  foreground: '#e6edf3',
  cursor: '#79c0ff',
  cursorAccent: '#0b0f14',
  selectionBackground: '#264f78',
  black: '#0b0f14',
  red: '#ff7b72',
  green: '#7ee787',
  yellow: '#e3b341',
  blue: '#79c0ff',
  magenta: '#d2a8ff',
  cyan: '#76e3ea',
  white: '#e6edf3',
  brightBlack: '#8b949e',
  brightRed: '#ffa198',
  brightGreen: '#aff5b4',
  brightYellow: '#f8e3a1',
  brightBlue: '#a5d6ff',
  brightMagenta: '#e2c5ff',
  brightCyan: '#b3f0ff',
  brightWhite: '#ffffff',
};

/** Smallest size worth fitting to; below it the element is collapsed or hidden. */
const MIN_COLS = 20;
const MIN_ROWS = 4;

export function attachXterm(session: ShellSession, options: XtermOptions): Attachment<HTMLElement> {
  return (element) => {
    const term = new Terminal({
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', 'Cascadia Mono', Menlo, Consolas, monospace",
      fontSize: 14,
      lineHeight: 1.15,
      cursorBlink: true,
      minimumContrastRatio: 4.5,
      scrollback: 5000,
      theme: TERMINAL_THEME,
      allowProposedApi: false,
    });
    const fitAddon = new FitAddon();
    term.loadAddon(fitAddon);
    term.open(element);
    term.textarea?.setAttribute('aria-label', options.label);

    const fit = (): void => {
      // Hidden (display: none in an inactive tab) or collapsed: keep the old size.
      if (!element.isConnected || element.offsetParent === null) return;
      if (element.clientWidth === 0 || element.clientHeight === 0) return;
      const dims = fitAddon.proposeDimensions();
      if (!dims || dims.cols < MIN_COLS || dims.rows < MIN_ROWS) return;
      if (dims.cols !== term.cols || dims.rows !== term.rows) term.resize(dims.cols, dims.rows);
    };
    fit();

    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(fit);
    });
    observer.observe(element);

    const editor = new LineEditor(
      session,
      { write: (data) => term.write(data), clear: () => term.clear() },
      options.onResult,
    );

    // Keys the page owns: Alt+<key> shortcuts (undo, reset) and Ctrl+C with a selection
    // (copy). Returning false makes xterm ignore the event so it bubbles to the page.
    term.attachCustomKeyEventHandler((event) => {
      if (event.altKey && !event.ctrlKey && !event.metaKey) return false;
      if (event.ctrlKey && event.key === 'c' && term.hasSelection()) return false;
      return true;
    });
    const input = term.onData((data) => editor.feed(data));

    if (options.banner?.length) editor.print(options.banner);
    else editor.showPrompt();
    const stopNotices = options.notices?.((lines) => editor.print(lines));
    if (options.autofocus) term.focus();
    options.onReady?.({
      focus: () => term.focus(),
      type: (text) => {
        editor.feed(text);
        term.focus();
      },
    });

    return () => {
      options.onReady?.(undefined);
      stopNotices?.();
      input.dispose();
      cancelAnimationFrame(frame);
      observer.disconnect();
      term.dispose();
    };
  };
}
