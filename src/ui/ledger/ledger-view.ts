/**
 * Turns ledger events into the rows of the ledger list: one line each, nested by the SMC
 * call they happened inside, with the outcome folded into the call's row.
 *
 * Pure (no Svelte, no DOM) so the wording is unit-tested in Node. Unknown kinds (added by
 * other layers later) still get a row, described generically.
 */
import type { LedgerEvent, LedgerEventOf, LedgerKind } from '../../emulator/index.ts';
import { hex } from '../../lib/hex.ts';

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
  const why = ret.failure ? `: failed ${ret.failure.label}, ${ret.failure.reason}` : '';
  return { status: 'failed', detail: `→ ${ret.status}${index}${why}` };
}

/** One-line description of an event (without its folded return). */
export function describe(event: LedgerEvent): {
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
      return { summary: `GPT ${hex(event.pa)}: GPI ${event.from} → ${event.to}`, status: 'info' };
    case 'granule:transition':
      return {
        summary: `granule ${hex(event.pa)}: ${event.from} → ${event.to}${event.wiped ? ', wiped' : ''}`,
        status: 'info',
      };
    case 'mem:access': {
      const summary = `${event.actor} ${event.op} ${event.len} B at ${hex(event.pa)} via ${event.pas} PAS`;
      return event.decision.verdict === 'blocked'
        ? { summary, status: 'blocked', detail: `${event.decision.rule}: ${event.decision.reason}` }
        : { summary, status: 'ok', detail: `allowed (${event.decision.rule})` };
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

/**
 * Rows for `events` (oldest first), keeping only groups in `groups` (all when undefined),
 * and at most the newest `limit` rows.
 */
export function ledgerRows(
  events: readonly LedgerEvent[],
  groups?: ReadonlySet<string>,
  limit = 400,
): { rows: LedgerRow[]; hidden: number } {
  const depth = new Map<number, number>();
  const returns = new Map<number, LedgerEventOf<'smc:return'>>();
  for (const e of events) {
    depth.set(e.seq, e.parent === undefined ? 0 : (depth.get(e.parent) ?? -1) + 1);
    if (e.kind === 'smc:return') returns.set(e.call, e);
  }
  const shown = (kind: string) => !groups || groups.has(groupOf(kind));
  const rows: LedgerRow[] = [];
  for (const e of events) {
    if (!shown(e.kind)) continue;
    // A return is folded into its call's row when that row is shown.
    if (e.kind === 'smc:return' && depth.has(e.call) && shown('smc:call')) continue;
    const base = describe(e);
    const ret = e.kind === 'smc:call' ? returns.get(e.seq) : undefined;
    const folded = ret ? describeReturn(ret) : undefined;
    rows.push({
      seq: e.seq,
      kind: e.kind,
      depth: Math.max(0, depth.get(e.seq) ?? 0),
      summary: base.summary,
      status: folded?.status ?? base.status,
      ...((folded?.detail ?? base.detail) ? { detail: folded?.detail ?? base.detail } : {}),
      ...(ret ? { returnSeq: ret.seq } : {}),
    });
  }
  const hidden = Math.max(0, rows.length - limit);
  return { rows: hidden ? rows.slice(hidden) : rows, hidden };
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
