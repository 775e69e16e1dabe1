/**
 * Progress that is never lost (lab-ux.md §0 item 2, §4.9): the lab's LabSave (lesson
 * progress, hints used, settings, the scenario on screen) kept in localStorage under a
 * versioned key, written a moment after each change, read back on load, and offered as a
 * file to download and upload.
 *
 * Design rationale: the save document and its reader are the lessons package's
 * (`serializeSave`/`parseSave`, with migrations); this class only decides where the text
 * lives. A save that cannot be read is never dropped: its text is moved aside under its own
 * key and the learner is told which, so a newer lab (or a support person) can still read it.
 * If the browser refuses the write (quota), the machine snapshot is left out and the
 * progress itself is written.
 */
import {
  emptySave,
  parseSave,
  serializeSave,
  withJudgedRun,
  withProgress,
  type JudgedRun,
  type LabSave,
  type LessonProgress,
  type Scenario,
} from '../../lessons/index.ts';
import { isoNow } from './clock.ts';
import { browserStorage, type StorageBackend } from './storage.ts';

/** Where the autosave lives; the suffix is the storage layout version. */
export const SAVE_KEY = 'mica-lab/save/v1';
/** Prefix of the keys a save that could not be read is moved to. */
export const CORRUPT_PREFIX = 'mica-lab/save/unreadable/';

/** What loading found. */
export type LoadOutcome =
  | { readonly kind: 'empty' }
  | { readonly kind: 'restored'; readonly warnings: readonly string[] }
  | { readonly kind: 'corrupt'; readonly error: string; readonly keptAs: string };

export class SaveStore {
  /** The save as it is now (replaced, never mutated). */
  save = $state.raw<LabSave>(emptySave());
  /** When the save last reached storage (ISO time), or why it did not. */
  lastWrite = $state.raw<{ at?: string; error?: string }>({});

  readonly #backend: StorageBackend | undefined;
  /** Set when an unreadable save could not be moved aside: never write over it. */
  #readOnly = false;

  constructor(backend: StorageBackend | undefined = browserStorage()) {
    this.#backend = backend;
  }

  /** Reads the autosave. A save that does not parse is moved aside, never overwritten. */
  load(): LoadOutcome {
    const text = this.#backend?.getItem(SAVE_KEY) ?? null;
    if (text === null) return { kind: 'empty' };
    const parsed = parseSave(text);
    if (parsed.ok) {
      this.save = parsed.value.save;
      return { kind: 'restored', warnings: parsed.value.warnings };
    }
    const keptAs = `${CORRUPT_PREFIX}${isoNow()}`;
    try {
      this.#backend?.setItem(keptAs, text);
    } catch {
      // Could not copy it: leave it where it is and stop autosaving over it.
      this.#readOnly = true;
      return { kind: 'corrupt', error: parsed.error, keptAs: SAVE_KEY };
    }
    return { kind: 'corrupt', error: parsed.error, keptAs };
  }

  /** Replaces one lesson's progress. */
  setProgress(lessonId: string, progress: LessonProgress): void {
    this.save = withProgress(this.save, lessonId, progress);
  }

  /** Appends a judged run of a challenge or fix-it lesson (the hand-in lists them). */
  addJudgedRun(run: JudgedRun): void {
    this.save = withJudgedRun(this.save, run);
  }

  /** The save (with `current`, the scenario on screen) stamped `now`. */
  #stamped(current: Scenario | undefined, now: string): LabSave {
    const { current: _old, ...rest } = this.save;
    return { ...rest, savedAt: now, ...(current ? { current } : {}) };
  }

  /** The save as file text, with the scenario on screen, stamped now. */
  exportText(current?: Scenario, now = isoNow()): string {
    return serializeSave(this.#stamped(current, now));
  }

  /**
   * Writes the save, with `current` as the scenario on screen, to storage now. Returns an
   * error message if the browser refused.
   */
  write(current?: Scenario, now = isoNow()): string | undefined {
    if (!this.#backend || this.#readOnly) return undefined;
    const stamped = this.#stamped(current, now);
    try {
      this.#backend.setItem(SAVE_KEY, JSON.stringify(stamped));
      this.lastWrite = { at: stamped.savedAt };
      return undefined;
    } catch (error) {
      // Most likely the quota: keep the progress, drop the machine snapshot.
      const current = stamped.current;
      if (current?.snapshot) {
        const { snapshot: _s, ...lean } = current;
        try {
          this.#backend.setItem(SAVE_KEY, JSON.stringify({ ...stamped, current: lean }));
          this.lastWrite = { at: stamped.savedAt, error: 'the machine state was too big to keep' };
          return this.lastWrite.error;
        } catch {
          // fall through to the report below
        }
      }
      this.lastWrite = { error: `the browser refused to store the progress (${String(error)})` };
      return this.lastWrite.error;
    }
  }
}
