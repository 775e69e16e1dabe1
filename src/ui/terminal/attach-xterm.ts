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
  /** A source of the page's look (theme, projector); the terminal restyles live. */
  readonly look?: LookSource;
}

/** Calls its argument with the look now and on every change; returns the stop function. */
export type LookSource = (
  apply: (look: { theme: 'dark' | 'light'; projector: boolean }) => void,
) => () => void;

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

/** The light theme: dark ink on white (the default ANSI colours are made for black). */
export const TERMINAL_THEME_LIGHT: ITheme = {
  background: '#ffffff',
  foreground: '#1f2328',
  cursor: '#0550ae',
  cursorAccent: '#ffffff',
  selectionBackground: '#b6d7ff',
  black: '#1f2328',
  red: '#b3131f',
  green: '#116329',
  yellow: '#7d4e00',
  blue: '#0550ae',
  magenta: '#6e40c9',
  cyan: '#0a6170',
  white: '#6e7781',
  brightBlack: '#57606a',
  brightRed: '#a40e26',
  brightGreen: '#0f5323',
  brightYellow: '#633c01',
  brightBlue: '#033d8b',
  brightMagenta: '#512a97',
  brightCyan: '#084d58',
  brightWhite: '#1f2328',
};

/**
 * Projector palettes: pure black or white and the Okabe-Ito colours, so "ok" (sky blue) and
 * "error" (vermillion) stay apart for red-green colour-blind viewers and on a washed-out
 * projector. The green slot is blue on purpose: tones, not hues, carry the meaning.
 */
const PROJECTOR_DARK: ITheme = {
  ...TERMINAL_THEME,
  background: '#000000',
  foreground: '#ffffff',
  cursorAccent: '#000000',
  black: '#000000',
  red: '#ff8a3d',
  green: '#56b4e9',
  yellow: '#f0e442',
  blue: '#7cc6f2',
  cyan: '#9ad8f5',
  brightRed: '#ffb07a',
  brightGreen: '#a6dbf7',
};
const PROJECTOR_LIGHT: ITheme = {
  ...TERMINAL_THEME_LIGHT,
  background: '#ffffff',
  foreground: '#000000',
  black: '#000000',
  red: '#a63d00',
  green: '#005a8c',
  yellow: '#6b5200',
  blue: '#004d80',
  cyan: '#005a66',
};

/** The xterm theme and type size for a look (see Display in state/display.svelte.ts). */
export function terminalOptions(look: { theme: 'dark' | 'light'; projector: boolean }): {
  theme: ITheme;
  fontSize: number;
  minimumContrastRatio: number;
} {
  const theme = look.projector
    ? look.theme === 'light'
      ? PROJECTOR_LIGHT
      : PROJECTOR_DARK
    : look.theme === 'light'
      ? TERMINAL_THEME_LIGHT
      : TERMINAL_THEME;
  // 7:1 in light and projector mode: dim cells get half the ratio (lab-ux.md §4.3).
  return {
    theme,
    fontSize: look.projector ? FONT_SIZE_PROJECTOR : FONT_SIZE,
    minimumContrastRatio: look.projector || look.theme === 'light' ? 7 : 4.5,
  };
}

/**
 * Type size: 13 px keeps a 79-column hexdump line on one row in the host panel at
 * 1280x720; projector mode trades columns for legibility at the back of a room.
 */
const FONT_SIZE = 13;
const FONT_SIZE_PROJECTOR = 17;

/** Smallest size worth fitting to; below it the element is collapsed or hidden. */
const MIN_COLS = 20;
const MIN_ROWS = 4;

export function attachXterm(session: ShellSession, options: XtermOptions): Attachment<HTMLElement> {
  return (element) => {
    const term = new Terminal({
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', 'Cascadia Mono', Menlo, Consolas, monospace",
      lineHeight: 1.15,
      cursorBlink: true,
      scrollback: 5000,
      ...terminalOptions({ theme: 'dark', projector: false }),
      allowProposedApi: false,
    });
    const fitAddon = new FitAddon();
    term.loadAddon(fitAddon);
    term.open(element);
    term.textarea?.setAttribute('aria-label', options.label);

    // Set once the editor exists: a change of width draws its lines again, word-wrapped.
    const width = { changed: (): void => {} };
    const fit = (): void => {
      // Hidden (display: none in an inactive tab) or collapsed: keep the old size.
      if (!element.isConnected || element.offsetParent === null) return;
      if (element.clientWidth === 0 || element.clientHeight === 0) return;
      const dims = fitAddon.proposeDimensions();
      if (!dims || dims.cols < MIN_COLS || dims.rows < MIN_ROWS) return;
      if (dims.cols === term.cols && dims.rows === term.rows) return;
      const widthChanged = dims.cols !== term.cols;
      term.resize(dims.cols, dims.rows);
      if (widthChanged) width.changed();
    };
    fit();

    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(fit);
    });
    observer.observe(element);

    // Theme and type size change in place (never recreate: the scrollback would go).
    const stopLook = options.look?.((look) => {
      const next = terminalOptions(look);
      term.options.theme = next.theme;
      term.options.minimumContrastRatio = next.minimumContrastRatio;
      if (term.options.fontSize !== next.fontSize) {
        term.options.fontSize = next.fontSize;
        cancelAnimationFrame(frame);
        frame = requestAnimationFrame(fit);
      }
    });

    const editor = new LineEditor(
      session,
      {
        write: (data) => term.write(data),
        clear: () => term.clear(),
        columns: () => term.cols,
        reset: () => term.reset(),
      },
      options.onResult,
    );

    width.changed = () => editor.reflow();

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
      stopLook?.();
      input.dispose();
      cancelAnimationFrame(frame);
      observer.disconnect();
      term.dispose();
    };
  };
}
