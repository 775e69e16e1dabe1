/**
 * Provenance labels on physical memory (product.md "provenance labels on the tenant's data
 * make 'it leaked' a fact"; mica-spec.md §1.3). Every byte may carry labels such as `video`
 * or `prompt`; a write replaces the labels of the bytes it overwrites, a wipe removes them,
 * and the guest model copies them along with the data it moves.
 *
 * Design rationale: labels are kept sparse and compact, per granule, as run-length ranges
 * `[start, end, label]` of offsets inside the granule (state.ts `LabelRun`). Runs of the same
 * label never overlap and are merged when adjacent; runs of different labels may overlap
 * (a byte derived from two inputs carries both). Plain JSON, so snapshots keep them.
 */
import { GRANULE_SIZE } from '../abi/gpt.ts';
import type { LabelRun, MachineState } from '../state.ts';
import { granuleIndex } from './memory-map.ts';

/** The granule size, read once (the bulk hot paths below divide by it per piece). */
const G = GRANULE_SIZE;

/** A labelled run relative to the start of a queried range. */
export interface LabelSpan {
  readonly offset: number;
  readonly length: number;
  readonly label: string;
}

/** Calls `fn` for each granule piece of [pa, pa+len): index, offset in granule, length, done. */
function pieces(
  pa: number,
  len: number,
  fn: (index: number, offset: number, n: number, done: number) => void,
): void {
  let done = 0;
  while (done < len) {
    const at = pa + done;
    const g = Math.floor(at / G);
    const offset = at - g * G;
    const n = Math.min(len - done, G - offset);
    fn(g, offset, n, done);
    done += n;
  }
}

/** Removes [start, end) from `runs` (optionally only for `label`). */
function subtract(runs: LabelRun[], start: number, end: number, label?: string): LabelRun[] {
  const out: LabelRun[] = [];
  for (const run of runs) {
    const [s, e, l] = run;
    if ((label !== undefined && l !== label) || e <= start || s >= end) {
      out.push(run);
      continue;
    }
    if (s < start) out.push([s, start, l]);
    if (e > end) out.push([end, e, l]);
  }
  return out;
}

/** Sorts runs and merges adjacent or overlapping runs of the same label. */
function normalise(runs: LabelRun[]): LabelRun[] {
  const sorted = [...runs].sort((a, b) => a[2].localeCompare(b[2]) || a[0] - b[0]);
  const out: LabelRun[] = [];
  for (const run of sorted) {
    const last = out[out.length - 1];
    if (last && last[2] === run[2] && run[0] <= last[1]) last[1] = Math.max(last[1], run[1]);
    else out.push([run[0], run[1], run[2]]);
  }
  return out.sort((a, b) => a[0] - b[0] || a[2].localeCompare(b[2]));
}

/** True when two run lists are equal run by run. */
function sameRuns(a: readonly LabelRun[], b: readonly LabelRun[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x[0] !== y[0] || x[1] !== y[1] || x[2] !== y[2]) return false;
  }
  return true;
}

function store(state: MachineState, index: number, runs: LabelRun[]): void {
  if (runs.length === 0) {
    if (state.labels) delete state.labels[index];
    return;
  }
  (state.labels ??= {})[index] = runs;
}

/** Removes every label from [pa, pa+len) (the bytes were overwritten). */
export function clearLabels(state: MachineState, pa: number, len: number): void {
  if (!state.labels) return;
  const labels = state.labels;
  pieces(pa, len, (g, offset, n) => {
    const runs = labels[g];
    if (!runs) return;
    if (n === G) delete labels[g];
    else store(state, g, subtract(runs, offset, offset + n));
  });
}

/**
 * The one label every byte of [offset, offset + len) of a granule with `runs` carries: null
 * when no byte there is labelled, undefined when the bytes carry anything else (several
 * labels, or some bytes unlabelled).
 */
function uniformLabel(
  runs: readonly LabelRun[] | undefined,
  offset: number,
  len: number,
): string | null | undefined {
  if (!runs) return null;
  let found: LabelRun | undefined;
  for (let i = 0; i < runs.length; i++) {
    const run = runs[i]!;
    if (run[0] >= offset + len || run[1] <= offset) continue;
    if (found) return undefined;
    found = run;
  }
  if (!found) return null;
  return found[0] <= offset && found[1] >= offset + len ? found[2] : undefined;
}

/**
 * Copies the labels of the `len` bytes at offset `srcOff` of granule `sg` onto those at
 * `dstOff` of granule `dg`, replacing what the destination carried: what a bulk copy of those
 * bytes leaves. A piece that already carries exactly what it receives (a stream rewriting an
 * object with data of the same label) is left as it is, without allocating.
 */
export function copyLabels(
  state: MachineState,
  sg: number,
  srcOff: number,
  dg: number,
  dstOff: number,
  len: number,
): void {
  const labels = state.labels;
  if (!labels) return;
  const from = labels[sg];
  const to = labels[dg];
  if (!from && !to) return;
  const one = uniformLabel(from, srcOff, len);
  if (one !== undefined && uniformLabel(to, dstOff, len) === one) return;
  const spans: LabelRun[] = [];
  for (const [s, e, label] of from ?? []) {
    const lo = Math.max(s, srcOff);
    const hi = Math.min(e, srcOff + len);
    if (lo < hi) spans.push([lo - srcOff, hi - srcOff, label]);
  }
  replaceLabels(state, dg * G + dstOff, len, spans);
}

/**
 * Replaces the labels of [pa, pa+len), which lies inside one granule, with `spans` (offsets
 * relative to `pa`): what a bulk write of those bytes leaves. One update of the granule's runs,
 * without emptying and refilling them (the hot path of bulk copies).
 */
export function replaceLabels(
  state: MachineState,
  pa: number,
  len: number,
  spans: readonly LabelRun[],
): void {
  const g = Math.floor(pa / G);
  const offset = pa - g * G;
  const old = state.labels?.[g];
  if (!old && spans.length === 0) return;
  if (offset === 0 && len === G && spans.length <= 1) {
    // A whole granule: its runs become `spans`, and a stream that rewrites a granule with what
    // it already carries changes (and allocates) nothing.
    if (old && sameRuns(old, spans)) return;
    const run = spans[0];
    return store(state, g, run ? [[run[0], run[1], run[2]]] : []);
  }
  const kept = old ? subtract(old, offset, offset + len) : [];
  if (spans.length === 0) return store(state, g, kept);
  if (kept.length === 0 && spans.length === 1) {
    const [s, e, label] = spans[0]!;
    return store(state, g, [[offset + s, offset + e, label]]);
  }
  store(
    state,
    g,
    normalise([...kept, ...spans.map(([s, e, l]): LabelRun => [offset + s, offset + e, l])]),
  );
}

/** Removes every label of the granule at `pa` (wiped). */
export function clearGranuleLabels(state: MachineState, pa: number): void {
  if (state.labels) delete state.labels[granuleIndex(pa)];
}

/** Adds `label` to every byte of [pa, pa+len). */
export function addLabel(state: MachineState, pa: number, len: number, label: string): void {
  pieces(pa, len, (g, offset, n) => {
    const runs = state.labels?.[g];
    // Fast path (bulk copies): a granule without labels gets its one run as is.
    if (!runs || runs.length === 0) store(state, g, [[offset, offset + n, label]]);
    else store(state, g, normalise([...runs, [offset, offset + n, label]]));
  });
}

/** The labelled runs inside [pa, pa+len), offsets relative to `pa`. */
export function labelSpans(state: MachineState, pa: number, len: number): LabelSpan[] {
  const out: LabelSpan[] = [];
  if (!state.labels) return out;
  const labels = state.labels;
  pieces(pa, len, (g, offset, n, done) => {
    for (const [s, e, label] of labels[g] ?? []) {
      const from = Math.max(s, offset);
      const to = Math.min(e, offset + n);
      if (from < to) out.push({ offset: done + from - offset, length: to - from, label });
    }
  });
  return out;
}

/** The distinct labels any byte of [pa, pa+len) carries, sorted. */
export function labelsIn(state: MachineState, pa: number, len: number): string[] {
  return [...new Set(labelSpans(state, pa, len).map((s) => s.label))].sort();
}

/** Number of labelled bytes in the whole machine (for tests and the UI's summary). */
export function labelledByteCount(state: MachineState, label?: string): number {
  let count = 0;
  for (const runs of Object.values(state.labels ?? {})) {
    for (const [s, e, l] of runs) if (label === undefined || l === label) count += e - s;
  }
  return count;
}
