/**
 * How the lab looks in a room (issue 14, lab-ux.md §3.1 item 6, §4.3, §4.7): the theme the
 * learner chose (system, dark or light), projector mode (large type, thick lines, a palette
 * safe for colour-blind viewers and washed-out projectors, hidden chrome) and a blanked
 * screen for the presenter's B key. The page puts the result on <html> as
 * `data-theme="dark|light"` and `data-projector`, which app.css turns into colours; the
 * terminals follow through {@link Display.watchTerminal}.
 *
 * Design rationale: theme and projector are settings of the save file (`LabSettings`), so
 * this class stores nothing itself: it reads and writes them through the accessor it is
 * given (the lesson state's SaveStore), and the autosave keeps them like any progress. The
 * system preference is a `MediaQuery`, so "system" follows the OS switching at run time.
 */
import { createContext } from 'svelte';
import { MediaQuery } from 'svelte/reactivity';
import { DEFAULT_SETTINGS, type LabSettings } from '../../lessons/index.ts';

/** A theme the learner can choose; `system` follows `prefers-color-scheme`. */
export type ThemeChoice = LabSettings['theme'];

/** What the terminals need to know to look right. */
export interface TerminalLook {
  readonly theme: 'dark' | 'light';
  readonly projector: boolean;
}

/** Where the settings live (read and replace). */
export interface SettingsAccess {
  get(): LabSettings;
  set(settings: LabSettings): void;
}

/** Settings kept in memory only (tests, or a page without storage). */
export function memorySettings(): SettingsAccess {
  let settings = $state.raw<LabSettings>(DEFAULT_SETTINGS);
  return { get: () => settings, set: (s) => (settings = s) };
}

export class Display {
  readonly #settings: SettingsAccess;
  readonly #prefersLight = new MediaQuery('(prefers-color-scheme: light)', false);

  /** The screen is blanked (presenter's B); any key or click brings it back. */
  blank = $state(false);

  /** The theme the learner chose. */
  readonly choice: ThemeChoice = $derived.by(() => this.#settings.get().theme);
  /** Projector mode is on. */
  readonly projector: boolean = $derived.by(() => this.#settings.get().projector);
  /** The theme in force: the choice, or the system's preference for `system`. */
  readonly theme: 'dark' | 'light' = $derived.by(() =>
    this.choice === 'system' ? (this.#prefersLight.current ? 'light' : 'dark') : this.choice,
  );

  constructor(settings: SettingsAccess) {
    this.#settings = settings;
  }

  /** Chooses the theme (saved with the progress). */
  choose(theme: ThemeChoice): void {
    this.#settings.set({ ...this.#settings.get(), theme });
  }

  /** Turns projector mode on or off (saved with the progress). */
  setProjector(on: boolean): void {
    this.#settings.set({ ...this.#settings.get(), projector: on });
  }

  /**
   * Calls `apply` with the terminals' look now and whenever it changes; returns the stop
   * function. For plain .ts callers (the xterm attachment) that cannot use runes.
   */
  watchTerminal(apply: (look: TerminalLook) => void): () => void {
    return $effect.root(() => {
      $effect(() => apply({ theme: this.theme, projector: this.projector }));
    });
  }
}

const [getDisplay, setDisplay] = createContext<Display>();
export { getDisplay, setDisplay };
