/**
 * The lab's announcement log: important results (failures, faults, undo/reset) mirrored
 * outside the terminals, so screen readers hear them once and the projector shows them
 * even when the terminal has scrolled. Rendered by ResultLog.svelte as an ARIA log.
 */
import { createContext } from 'svelte';

/**
 * How an entry reads: failure, success, a neutral note, or a refusal or fault that was the
 * outcome a lesson asked for (it completed a goal).
 */
export type LogTone = 'error' | 'ok' | 'info' | 'expected';

export interface LogEntry {
  readonly id: number;
  readonly tone: LogTone;
  /** Where it came from: `host`, `realm1`, `lab`. */
  readonly source: string;
  readonly text: string;
}

/** How many entries the log keeps. */
const LIMIT = 50;

export class LabLog {
  entries = $state.raw<readonly LogEntry[]>([]);
  #next = 1;

  push(source: string, tone: LogTone, text: string): void {
    this.entries = [...this.entries.slice(-(LIMIT - 1)), { id: this.#next++, tone, source, text }];
  }
}

const [getLog, setLog] = createContext<LabLog>();

export { getLog, setLog };
