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
 *
 * Run lists are immutable once stored: every update stores a new list (built from fresh runs or
 * runs of the old list, never changed in place). So one list may be shared by many granules: a
 * granule whose bytes all carry exactly one label holds that label's canonical whole-granule
 * list ({@link wholeGranuleRuns}), and a bulk copy of
 * a whole granule copies its list by reference. A snapshot writes each granule's runs out as
 * JSON; a checkpoint's structured clone keeps the sharing.
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

/** The canonical whole-granule run lists, by label (see the file comment). */
const WHOLE = new Map<string, LabelRun[]>();

/**
 * The run list of a granule every byte of which carries `label` and nothing else: one frozen
 * list per label, shared by every such granule (a stream of labelled pages allocates nothing).
 * Never change it (nor any stored list) in place.
 */
export function wholeGranuleRuns(label: string): LabelRun[] {
  let runs = WHOLE.get(label);
  if (!runs) {
    // Not frozen: a frozen array's elements are read on a slow path (+30% per bulk copy).
    runs = [[0, G, label]];
    WHOLE.set(label, runs);
  }
  return runs;
}

/** True when `runs` is one run over the whole granule (every byte carries that one label). */
export function isWholeGranule(runs: readonly LabelRun[]): boolean {
  if (runs.length !== 1) return false;
  const run = runs[0]!;
  return run[0] === 0 && run[1] === G;
}

/** The list holding the one run [start, end) of `label` (the canonical one for a whole granule). */
function oneRun(start: number, end: number, label: string): LabelRun[] {
  return start === 0 && end === G ? wholeGranuleRuns(label) : [[start, end, label]];
}

/** Removes [start, end) from `runs` (optionally only for `label`). */
function subtract(
  runs: readonly LabelRun[],
  start: number,
  end: number,
  label?: string,
): LabelRun[] {
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

/**
 * Orders label names by UTF-16 code units, as `labelsIn` and the bulk ops' name lists do
 * (`localeCompare` asks ICU for a collation, ~100x slower, on the first pass of every stream).
 */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts runs and merges adjacent or overlapping runs of the same label. */
function normalise(runs: LabelRun[]): LabelRun[] {
  const sorted = [...runs].sort((a, b) => byName(a[2], b[2]) || a[0] - b[0]);
  const out: LabelRun[] = [];
  for (const run of sorted) {
    const last = out[out.length - 1];
    if (last && last[2] === run[2] && run[0] <= last[1]) last[1] = Math.max(last[1], run[1]);
    else out.push([run[0], run[1], run[2]]);
  }
  return out.sort((a, b) => a[0] - b[0] || byName(a[2], b[2]));
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

/** Bumped by every change of any granule's run list, in any machine ({@link labelVersion}). */
let version = 0;

/**
 * A number that changes whenever any granule's run list changes (is set, replaced or removed):
 * a run list looked up while it stays the same is still the granule's (the bulk ops keep the
 * lists of their cached pages, rmm/tlb.ts). A replacement of the whole state is not counted:
 * it flushes those caches.
 */
export function labelVersion(): number {
  return version;
}

/**
 * Stores the runs of granule `index` (a whole-granule single run as its canonical list);
 * returns what the granule holds now. A list equal to the one it holds changes nothing.
 */
function store(
  state: MachineState,
  index: number,
  runs: LabelRun[],
  old?: readonly LabelRun[],
): readonly LabelRun[] | undefined {
  if (runs.length === 0) {
    if (state.labels?.[index]) {
      delete state.labels[index];
      version++;
    }
    return undefined;
  }
  if (old && sameRuns(old, runs)) return old;
  const run = runs[0]!;
  const stored =
    runs.length === 1 && run[0] === 0 && run[1] === G ? wholeGranuleRuns(run[2]) : runs;
  (state.labels ??= {})[index] = stored;
  version++;
  return stored;
}

/** Removes every label from [pa, pa+len) (the bytes were overwritten). */
export function clearLabels(state: MachineState, pa: number, len: number): void {
  const labels = state.labels;
  if (!labels) return;
  let done = 0;
  while (done < len) {
    const at = pa + done;
    const g = Math.floor(at / G);
    const offset = at - g * G;
    const n = Math.min(len - done, G - offset);
    const runs = labels[g];
    if (runs) {
      if (n === G) {
        delete labels[g];
        version++;
      } else store(state, g, subtract(runs, offset, offset + n), runs);
    }
    done += n;
  }
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
  copyLabelRuns(state, labels[sg], srcOff, dg, labels[dg], dstOff, len);
}

/**
 * {@link copyLabels} with the runs of both granules already at hand (`from`: the source's,
 * `to`: what granule `dg` holds now); returns what `dg` holds afterwards. A whole granule is
 * copied by reference (run lists are immutable, see the file comment).
 */
export function copyLabelRuns(
  state: MachineState,
  from: readonly LabelRun[] | undefined,
  srcOff: number,
  dg: number,
  to: readonly LabelRun[] | undefined,
  dstOff: number,
  len: number,
): readonly LabelRun[] | undefined {
  if (from === to && (!from || (srcOff === dstOff && len === G))) return to;
  if (len === G) {
    // A whole granule: the destination shares the source's list. `state.labels` exists, as
    // one of the two lists came from it.
    if (from) state.labels![dg] = from as LabelRun[];
    else delete state.labels![dg];
    version++;
    return from;
  }
  const one = uniformLabel(from, srcOff, len);
  if (one !== undefined && uniformLabel(to, dstOff, len) === one) return to;
  const spans: LabelRun[] = [];
  for (const [s, e, label] of from ?? []) {
    const lo = Math.max(s, srcOff);
    const hi = Math.min(e, srcOff + len);
    if (lo < hi) spans.push([lo - srcOff, hi - srcOff, label]);
  }
  return replaceRuns(state, dg, to, dstOff, len, spans);
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
  replaceRuns(state, g, state.labels?.[g], pa - g * G, len, spans);
}

/**
 * {@link replaceLabels} of [offset, offset + len) of granule `g`, which holds `old` now;
 * returns what it holds afterwards.
 */
function replaceRuns(
  state: MachineState,
  g: number,
  old: readonly LabelRun[] | undefined,
  offset: number,
  len: number,
  spans: readonly LabelRun[],
): readonly LabelRun[] | undefined {
  if (!old && spans.length === 0) return old;
  if (offset === 0 && len === G && spans.length <= 1) {
    // A whole granule: its runs become `spans`, and a stream that rewrites a granule with what
    // it already carries changes (and allocates) nothing.
    if (old && sameRuns(old, spans)) return old;
    const run = spans[0];
    return store(state, g, run ? oneRun(run[0], run[1], run[2]) : []);
  }
  // A piece: what the granule ends up with is stored only if it differs from what it holds
  // (a stream rewriting a partial page with the same labels changes nothing).
  if (old && old.length === 1 && spans.length === 1 && old[0]![2] === spans[0]![2]) {
    const [a, b] = old[0]!;
    const [s, e] = spans[0]!;
    // The piece lies inside the run and the span covers it: the granule keeps its runs (a
    // stream rewriting a partial page with the same label allocates nothing).
    if (s === 0 && e === len && offset >= a && offset + len <= b) return old;
    return store(state, g, sameLabelPiece(old[0]!, offset, len, spans[0]!), old);
  }
  const kept = old ? subtract(old, offset, offset + len) : [];
  if (spans.length === 0) return store(state, g, kept, old);
  if (kept.length === 0 && spans.length === 1) {
    const [s, e, label] = spans[0]!;
    return store(state, g, oneRun(offset + s, offset + e, label), old);
  }
  return store(
    state,
    g,
    normalise([...kept, ...spans.map(([s, e, l]): LabelRun => [offset + s, offset + e, l])]),
    old,
  );
}

/**
 * The runs of a granule holding the one run `old` after [offset, offset + len) is replaced by
 * the one span `span` (relative to `offset`) of the same label: what {@link normalise} would
 * make of it, without sorting (the first pass of a stream fills pages piece by piece).
 */
function sameLabelPiece(old: LabelRun, offset: number, len: number, span: LabelRun): LabelRun[] {
  const [a, b, label] = old;
  const out: LabelRun[] = [];
  // In order: what is left of the old run before the piece, the span, what is left after.
  const add = (from: number, to: number): void => {
    if (from >= to) return;
    const last = out[out.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else out.push([from, to, label]);
  };
  add(a, Math.min(b, offset));
  add(offset + span[0], offset + span[1]);
  add(Math.max(a, offset + len), b);
  return out;
}

/** Removes every label of the granule at `pa` (wiped). */
export function clearGranuleLabels(state: MachineState, pa: number): void {
  const index = granuleIndex(pa);
  if (state.labels?.[index]) {
    delete state.labels[index];
    version++;
  }
}

/**
 * Every byte of [pa, pa+len) carries exactly `label` from now on, whatever it carried before:
 * what a declared source's device write leaves (provenance.ts `receiveAtSource`). One update
 * per granule; a whole granule that carries just `label` already is left as it is.
 */
export function setLabel(state: MachineState, pa: number, len: number, label: string): void {
  const last = lastSet;
  // The range the last call labelled, and no label changed anywhere since: nothing to do.
  if (
    last.labels !== undefined &&
    last.labels === state.labels &&
    last.version === version &&
    last.pa === pa &&
    last.len === len &&
    last.label === label
  )
    return;
  setLabelRuns(state, pa, len, label);
  lastSet = { labels: state.labels, version, pa, len, label };
}

/**
 * The last range {@link setLabel} labelled, with the label version after it: a device writing
 * its next packet into the same buffer finds every granule labelled already.
 */
let lastSet: {
  readonly labels: object | undefined;
  readonly version: number;
  readonly pa: number;
  readonly len: number;
  readonly label: string;
} = { labels: undefined, version: -1, pa: 0, len: 0, label: '' };

/** {@link setLabel}'s work: one update per granule that does not carry exactly `label`. */
function setLabelRuns(state: MachineState, pa: number, len: number, label: string): void {
  const whole = wholeGranuleRuns(label);
  let done = 0;
  while (done < len) {
    const at = pa + done;
    const g = Math.floor(at / G);
    const offset = at - g * G;
    const n = Math.min(len - done, G - offset);
    const old = state.labels?.[g];
    if (n === G) {
      if (old !== whole) {
        (state.labels ??= {})[g] = whole;
        version++;
      }
    } else if (old !== whole) replaceRuns(state, g, old, offset, n, [[0, n, label]]);
    done += n;
  }
}

/** Adds `label` to every byte of [pa, pa+len). */
export function addLabel(state: MachineState, pa: number, len: number, label: string): void {
  pieces(pa, len, (g, offset, n) => {
    const runs = state.labels?.[g];
    // Fast path (a device's input, bulk copies): a granule without labels gets its one run as
    // is, the shared whole-granule list when the piece is the whole granule.
    if (!runs || runs.length === 0) store(state, g, oneRun(offset, offset + n, label));
    else if (runs !== wholeGranuleRuns(label))
      store(state, g, normalise([...runs, [offset, offset + n, label]]));
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
