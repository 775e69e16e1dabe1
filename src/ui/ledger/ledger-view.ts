/**
 * Turns ledger events into the rows of the ledger list: one line each, nested by the SMC
 * call they happened inside, with the outcome folded into the call's row.
 *
 * Pure (no Svelte, no DOM) so the wording is unit-tested in Node. Unknown kinds (added by
 * other layers later) still get a row, described generically.
 */
import type { LedgerEvent, LedgerEventOf, LedgerKind } from '../../emulator/index.ts';
import { hex } from '../../lib/hex.ts';
import { failureOwner } from '../../policy/judge.ts';

/** How a row reads at a glance. Never conveyed by colour alone: each has an icon and a word. */
export type RowStatus = 'ok' | 'failed' | 'blocked' | 'fault' | 'info';

export interface LedgerRow {
  readonly seq: number;
  readonly kind: LedgerKind;
  /** Nesting depth: 0 for a top-level event. */
  readonly depth: number;
  readonly summary: string;
  /** The decision, failure label or reason, when there is one. */
  readonly detail?: string;
  readonly status: RowStatus;
  /** Sequence number of the smc:return folded into this row. */
  readonly returnSeq?: number;
}

/** Filter groups shown as toggle chips. */
export const KIND_GROUPS: readonly {
  readonly id: string;
  readonly label: string;
  readonly kinds: readonly string[];
}[] = [
  { id: 'smc', label: 'SMC', kinds: ['smc:call', 'smc:return'] },
  { id: 'gpt', label: 'GPT', kinds: ['gpt:update'] },
  { id: 'granule', label: 'Granule', kinds: ['granule:transition'] },
  { id: 'mem', label: 'Memory', kinds: ['mem:access'] },
  { id: 'gpf', label: 'GPF', kinds: ['gpf'] },
  { id: 'flow', label: 'Flow', kinds: ['flow'] },
  { id: 'other', label: 'Other', kinds: [] },
];

/** `groups` with `id` switched on or off (a new set: views hold it in `$state.raw`). */
export function toggleGroup(groups: ReadonlySet<string>, id: string): ReadonlySet<string> {
  const next = new Set(groups);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

/** Every filter group id. */
export const ALL_GROUPS: ReadonlySet<string> = new Set(KIND_GROUPS.map((g) => g.id));

/** The filter group an event kind belongs to. */
export function groupOf(kind: string): string {
  return KIND_GROUPS.find((g) => g.kinds.includes(kind))?.id ?? 'other';
}

/** Counts from which a filter chip shows thousands (`5.6k`): a fifth character does not fit. */
const CHIP_THOUSANDS_FROM = 1000;
/** Counts from which the thousands lose their decimal (`11k`). */
const CHIP_WHOLE_THOUSANDS_FROM = 10_000;

/**
 * A filter chip's count as drawn, at most four characters: exact below a thousand, then in
 * thousands (`1002` reads `1.0k`, `11346` reads `11k`), so the seven chips keep one row in the
 * normal look's narrow column however long the session; the chip's title has the exact number.
 */
export function chipCount(n: number): string {
  if (n < CHIP_THOUSANDS_FROM) return String(n);
  const thousands = Math.floor(n / 100) / 10;
  return n < CHIP_WHOLE_THOUSANDS_FROM ? `${thousands.toFixed(1)}k` : `${Math.floor(thousands)}k`;
}

/** Status words and icons: the non-colour cue. */
export const STATUS_MARK: Readonly<
  Record<RowStatus, { readonly icon: string; readonly word: string }>
> = {
  ok: { icon: '✓', word: 'ok' },
  failed: { icon: '✖', word: 'failed' },
  blocked: { icon: '⊘', word: 'blocked' },
  fault: { icon: '⚠', word: 'fault' },
  info: { icon: '•', word: '' },
};

const SUCCESS = new Set(['RMI_SUCCESS', 'E_RMM_OK', 'SMCCC_SUCCESS', 'RSI_SUCCESS']);

function describeReturn(ret: LedgerEventOf<'smc:return'>): { status: RowStatus; detail?: string } {
  const ok = SUCCESS.has(ret.status) && !ret.failure;
  const index = ret.index ? ` (index ${ret.index})` : '';
  if (ok) return { status: 'ok', detail: `→ ${ret.status}` };
  const f = ret.failure;
  const why = f ? `: failed ${f.label} (${failureOwner(f)}), ${f.reason}` : '';
  return { status: 'failed', detail: `→ ${ret.status}${index}${why}` };
}

/**
 * One-line description of an event (without its folded return). `underKind`: the line is
 * drawn after the event's kind (a ledger row), whose `granule:` already names what a granule
 * transition is about, so its summary starts at the address (the normal look's narrow list
 * keeps a transition on one line only without the repeated word).
 */
export function describe(
  event: LedgerEvent,
  underKind = false,
): {
  summary: string;
  detail?: string;
  status: RowStatus;
} {
  switch (event.kind) {
    case 'smc:call':
      return {
        summary: `${event.caller} → ${event.name}(${event.args.join(', ')})`,
        status: 'info',
      };
    case 'smc:return':
      return { summary: `${event.name} returned`, ...describeReturn(event) };
    case 'gpt:update':
      return {
        summary: `GPT ${hex(event.pa)}: GPI ${event.from} → ${event.to}`,
        status: 'info',
      };
    case 'granule:transition':
      return {
        summary: `${underKind ? '' : 'granule '}${hex(event.pa)}: ${event.from} → ${event.to}${event.wiped ? ', wiped' : ''}`,
        status: 'info',
      };
    case 'mem:access': {
      const summary = `${event.actor} ${event.op} ${event.len} B at ${hex(event.pa)} via ${event.pas} PAS`;
      return event.decision.verdict === 'blocked'
        ? { summary, status: 'blocked', detail: `${event.decision.rule}: ${event.decision.reason}` }
        : { summary, status: 'ok', detail: `allowed (${event.decision.rule})` };
    }
    case 'realm:access': {
      // What stage 2 made of a realm's load or store (the physical access, if any, is the
      // mem:access after it): done, a SEA injected into the realm, or a REC exit to the host.
      const summary = `${event.actor} ${event.op} ${event.size} B at IPA ${hex(event.ipa)}`;
      const rule = event.decision.rule;
      if (event.outcome === 'done') return { summary, status: 'ok', detail: `done (${rule})` };
      if (event.outcome === 'exit')
        return { summary, status: 'info', detail: `REC exit to the host (${rule})` };
      return {
        summary,
        status: 'blocked',
        detail: `SEA injected into the realm; ${rule}: ${event.decision.reason}`,
      };
    }
    case 'gpf':
      return {
        summary: `Granule Protection Fault: ${event.actor} ${event.op} ${hex(event.pa)}`,
        status: 'fault',
        detail: `GPI ${event.gpi} does not admit the ${event.pas} PAS; the access never reached memory`,
      };
    case 'flow': {
      const summary = `${event.channel}: ${event.source.name} → ${event.destination.name}, ${event.bytes} B`;
      const detail = `${event.decision.verdict} by ${event.decision.rule}: ${event.decision.reason}`;
      return { summary, detail, status: event.decision.verdict === 'blocked' ? 'blocked' : 'ok' };
    }
    case 'note':
      return { summary: event.text, status: 'info' };
    default: {
      const other = event as { kind: string };
      return { summary: other.kind, status: 'info' };
    }
  }
}

/** Rows of the newest end of a ledger, and how many older rows the filter keeps beside them. */
export interface LedgerRows {
  readonly rows: LedgerRow[];
  /** Rows the filter keeps that are older than `rows`. */
  readonly hidden: number;
}

/** Filter groups by position in KIND_GROUPS (the index's typed arrays hold positions). */
const GROUP_POSITION = new Map<string, number>(
  KIND_GROUPS.flatMap((g, i) => g.kinds.map((k) => [k, i] as const)),
);
const OTHER_POSITION = KIND_GROUPS.findIndex((g) => g.id === 'other');
const SMC_POSITION = KIND_GROUPS.findIndex((g) => g.id === 'smc');
const INITIAL_CAPACITY = 1024;

/**
 * An incremental index of a ledger, so that the list's rows and counts as of any position
 * cost what is shown, not the ledger's length (issue 14: scrubbing 100k events). It learns
 * the events once, in order, and answers for any prefix of them: the live ledger now, or the
 * ledger cut at the timeline's position. Per event it keeps the nesting depth, the filter
 * group, for a call the position of its return, for a return whether its call is in the
 * ledger (then the call's row shows it), and running counts per group.
 *
 * Design rationale: the ledger is append-only and its events are never changed, so an array
 * whose event at the last indexed position is the very object indexed there is the same ledger
 * (or a prefix of it); anything else (a restore, an undo that appended other events) is
 * indexed again from the start.
 */
export class LedgerIndex {
  #events: LedgerEvent[] = [];
  readonly #positionOfSeq = new Map<number, number>();
  #depth = new Int32Array(INITIAL_CAPACITY);
  #group = new Uint8Array(INITIAL_CAPACITY);
  /** For a call: the position of its return (-1 none); for a return: 1 when its call is known. */
  #link = new Int32Array(INITIAL_CAPACITY);
  /** Per group, events of that group before each position (`counts[g][n]`, n events). */
  #counts = KIND_GROUPS.map(() => new Int32Array(INITIAL_CAPACITY + 1));
  /** Returns folded into their call's row, before each position. */
  #folded = new Int32Array(INITIAL_CAPACITY + 1);

  /** Events indexed. */
  get length(): number {
    return this.#events.length;
  }

  /**
   * Learns `events` (the ledger, or a prefix of one indexed before); returns this. Work is
   * proportional to the events not seen before.
   */
  sync(events: readonly LedgerEvent[]): this {
    const n = events.length;
    const known = this.#events.length;
    if (n <= known && (n === 0 || events[n - 1] === this.#events[n - 1])) return this;
    if (known > 0 && events[known - 1] !== this.#events[known - 1]) this.#clear();
    for (let i = this.#events.length; i < n; i++) this.#add(events[i]!);
    return this;
  }

  /** Events per filter group id among the first `n` events. */
  counts(n: number): Record<string, number> {
    const counts: Record<string, number> = {};
    KIND_GROUPS.forEach((g, i) => (counts[g.id] = this.#counts[i]![n]!));
    return counts;
  }

  /**
   * The newest `limit` rows among the first `n` events, keeping only groups in `groups` (all
   * when undefined): a call's return is folded into its row when both are among the `n`.
   */
  rows(n: number, groups?: ReadonlySet<string>, limit = Number.POSITIVE_INFINITY): LedgerRows {
    const shown = KIND_GROUPS.map((g) => !groups || groups.has(g.id));
    const smcShown = shown[SMC_POSITION]!;
    let total = smcShown ? -this.#folded[n]! : 0;
    shown.forEach((on, g) => (total += on ? this.#counts[g]![n]! : 0));
    const rows: LedgerRow[] = [];
    for (let i = n - 1; i >= 0 && rows.length < limit; i--) {
      if (!shown[this.#group[i]!]) continue;
      const e = this.#events[i]!;
      if (e.kind === 'smc:return' && this.#link[i] === 1 && smcShown) continue;
      const base = describe(e, true);
      const at = e.kind === 'smc:call' ? this.#link[i]! : -1;
      const ret = at >= 0 && at < n ? (this.#events[at] as LedgerEventOf<'smc:return'>) : undefined;
      const folded = ret ? describeReturn(ret) : undefined;
      const detail = folded?.detail ?? base.detail;
      rows.push({
        seq: e.seq,
        kind: e.kind,
        depth: this.#depth[i]!,
        summary: base.summary,
        status: folded?.status ?? base.status,
        ...(detail ? { detail } : {}),
        ...(ret ? { returnSeq: ret.seq } : {}),
      });
    }
    rows.reverse();
    return { rows, hidden: total - rows.length };
  }

  #clear(): void {
    this.#events = [];
    this.#positionOfSeq.clear();
  }

  #add(e: LedgerEvent): void {
    const i = this.#events.length;
    if (i === this.#depth.length) this.#grow();
    this.#events.push(e);
    this.#positionOfSeq.set(e.seq, i);
    const parent = e.parent === undefined ? undefined : this.#positionOfSeq.get(e.parent);
    this.#depth[i] = parent === undefined ? 0 : this.#depth[parent]! + 1;
    const group = GROUP_POSITION.get(e.kind) ?? OTHER_POSITION;
    this.#group[i] = group;
    this.#link[i] = -1;
    let folded = 0;
    if (e.kind === 'smc:return') {
      const call = this.#positionOfSeq.get(e.call);
      if (call !== undefined) {
        this.#link[call] = i;
        this.#link[i] = 1;
        folded = 1;
      }
    }
    this.#folded[i + 1] = this.#folded[i]! + folded;
    this.#counts.forEach((c, g) => (c[i + 1] = c[i]! + (g === group ? 1 : 0)));
  }

  #grow(): void {
    const size = this.#depth.length * 2;
    const grown = <T extends Int32Array | Uint8Array>(a: T, length: number): T => {
      const b = new (a.constructor as new (n: number) => T)(length);
      b.set(a);
      return b;
    };
    this.#depth = grown(this.#depth, size);
    this.#group = grown(this.#group, size);
    this.#link = grown(this.#link, size);
    this.#counts = this.#counts.map((c) => grown(c, size + 1));
    this.#folded = grown(this.#folded, size + 1);
  }
}

/**
 * Rows for `events` (oldest first), keeping only groups in `groups` (all when undefined),
 * and at most the newest `limit` rows.
 */
export function ledgerRows(
  events: readonly LedgerEvent[],
  groups?: ReadonlySet<string>,
  limit = 400,
): LedgerRows {
  return new LedgerIndex().sync(events).rows(events.length, groups, limit);
}

/**
 * The ledger as plain text for a lab report: one line per row (all of them, oldest first,
 * the filter `groups` applied as in the list), nested calls indented, the detail after a
 * dash. A header says how many events and which kinds.
 */
export function ledgerText(events: readonly LedgerEvent[], groups?: ReadonlySet<string>): string {
  const { rows } = ledgerRows(events, groups, Number.POSITIVE_INFINITY);
  const kinds = groups ? [...groups].sort().join(', ') : 'all kinds';
  const lines = [`Mica Lab flow ledger: ${events.length} events (${kinds}), oldest first`, ''];
  for (const row of rows) {
    const indent = '  '.repeat(row.depth);
    const detail = row.detail ? ` — ${row.detail}` : '';
    lines.push(`#${row.seq}\t${row.kind}\t${indent}${row.summary}${detail}`);
  }
  return lines.join('\n') + '\n';
}
