/**
 * The ledger timeline's filters and stepping (issue 14 "Time travel"; lab-ux.md §3.1 item 1):
 * which events a step or the player visits (by realm, by kind group, blocked only), and the
 * next such event from a position. Pure (no Svelte, no DOM), so it is unit-tested in Node.
 *
 * Positions follow src/emulator/timeline.ts: position N shows the machine as of event N
 * (the Nth event, seq N); the ledger's length is "now".
 */
import type { LedgerEvent } from '../../emulator/index.ts';
import { describe, groupOf } from '../ledger/ledger-view.ts';

/** What the timeline steps through. */
export interface TimelineFilter {
  /** Only events of this realm: its RD, and the name the host gave it when it has one. */
  readonly realm?: { readonly rd: number; readonly name?: string };
  /** Only events of this kind group (the ledger list's chips: `smc`, `flow`, ...). */
  readonly group?: string;
  /** Only refusals: blocked flows and accesses, GPFs, failed calls. */
  readonly blockedOnly: boolean;
}

/** A filter that lets every event through. */
export const NO_FILTER: TimelineFilter = { blockedOnly: false };

/** Whether `e` was a refusal: a blocked decision, a GPF or a failed call. */
export function isBlocked(e: LedgerEvent): boolean {
  switch (e.kind) {
    case 'flow':
    case 'mem:access':
    case 'realm:access':
      return e.decision.verdict === 'blocked';
    case 'gpf':
      return true;
    case 'smc:return':
      return e.failure !== undefined;
    default:
      return false;
  }
}

/**
 * Whether `e` involves the realm with RD `rd` (host name `name`): as actor or caller (the
 * ledger names a realm `realm:<RD>`) or as an end of a flow (named by RD or by name).
 */
export function involvesRealm(e: LedgerEvent, rd: number, name?: string): boolean {
  const id = `0x${rd.toString(16)}`;
  const actor = `realm:${id}`;
  const named = (n: string) => n === id || (name !== undefined && n === name);
  switch (e.kind) {
    case 'smc:call':
      return e.caller === actor;
    case 'mem:access':
    case 'gpf':
    case 'realm:access':
      return e.actor === actor;
    case 'flow':
      return (
        (e.source.kind === 'realm' && named(e.source.name)) ||
        (e.destination.kind === 'realm' && named(e.destination.name))
      );
    default:
      return false;
  }
}

/** Whether `e` passes `filter`. */
export function matches(e: LedgerEvent, filter: TimelineFilter): boolean {
  if (filter.blockedOnly && !isBlocked(e)) return false;
  if (filter.group !== undefined && groupOf(e.kind) !== filter.group) return false;
  if (filter.realm && !involvesRealm(e, filter.realm.rd, filter.realm.name)) return false;
  return true;
}

/**
 * The next position after (`direction` 1) or before (-1) `from` whose event passes `filter`,
 * or undefined when there is none. Stepping forward past the last match reaches nothing;
 * the caller offers "now" for that.
 */
export function nextMatch(
  events: readonly LedgerEvent[],
  from: number,
  direction: 1 | -1,
  filter: TimelineFilter,
): number | undefined {
  // Position N is event N, at index N - 1.
  for (let n = from + direction; n >= 1 && n <= events.length; n += direction) {
    if (matches(events[n - 1]!, filter)) return n;
  }
  return undefined;
}

/** How many events pass `filter` (shown beside the filters). */
export function countMatches(events: readonly LedgerEvent[], filter: TimelineFilter): number {
  let count = 0;
  for (const e of events) if (matches(e, filter)) count++;
  return count;
}

/** Play speeds offered, in events per second. */
export const PLAY_SPEEDS: readonly number[] = [1, 2, 5, 10, 25];

/**
 * The event a position shows, in words for the timeline's banner: its summary and, when it
 * was a refusal (a blocked flow or access, a GPF, a failed call), what refused it, so the
 * room reads "blocked by <rule>: <reason>" at the moment the leak was stopped.
 */
export function eventHeadline(e: LedgerEvent): string {
  const { summary, detail } = describe(e);
  return isBlocked(e) && detail !== undefined ? `${summary}; ${detail}` : summary;
}
