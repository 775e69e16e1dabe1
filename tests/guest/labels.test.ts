// Provenance labels on physical memory (src/emulator/hw/labels.ts): sparse run-length ranges
// per granule, replaced by writes, removed by wipes; run lists are immutable and shared (a
// whole-granule copy is a reference copy), so no change to one granule reaches another.
import { describe, expect, it } from 'vitest';
import {
  createMachine,
  labelSpans,
  labelsIn,
  labelledByteCount,
} from '../../src/emulator/index.ts';
import { contextOf } from '../../src/emulator/machine.ts';
import {
  addLabel,
  clearLabels,
  copyLabels,
  replaceLabels,
  setLabel,
  wholeGranuleRuns,
} from '../../src/emulator/hw/labels.ts';
import { HOST, physWrite, rawWrite, wipeGranule } from '../../src/emulator/hw/memory.ts';
import { labelAtSource, receiveAtSource } from '../../src/emulator/provenance.ts';

const PA = 0x8000_1000;

describe('label map', () => {
  it('labels a range and reports it relative to the query', () => {
    const { state } = createMachine();
    addLabel(state, PA + 10, 6, 'video');
    expect(labelsIn(state, PA, 4096)).toEqual(['video']);
    expect(labelsIn(state, PA, 10)).toEqual([]);
    expect(labelSpans(state, PA + 8, 8)).toEqual([{ offset: 2, length: 6, label: 'video' }]);
  });

  it('merges adjacent runs of one label and keeps different labels apart', () => {
    const { state } = createMachine();
    addLabel(state, PA, 8, 'a');
    addLabel(state, PA + 8, 8, 'a');
    addLabel(state, PA + 4, 8, 'b');
    expect(state.labels?.[PA / 4096]).toEqual([
      [0, 16, 'a'],
      [4, 12, 'b'],
    ]);
    expect(labelledByteCount(state, 'a')).toBe(16);
  });

  it('spans granule boundaries', () => {
    const { state } = createMachine();
    addLabel(state, PA + 4090, 12, 'prompt');
    expect(labelsIn(state, PA + 4096, 1)).toEqual(['prompt']);
    expect(labelledByteCount(state)).toBe(12);
  });

  it('a write replaces the labels of the bytes it overwrites, and only those', () => {
    const { state } = createMachine();
    addLabel(state, PA, 16, 'video');
    rawWrite(state, PA + 4, new Uint8Array(4).fill(1));
    expect(labelSpans(state, PA, 16)).toEqual([
      { offset: 0, length: 4, label: 'video' },
      { offset: 8, length: 8, label: 'video' },
    ]);
  });

  it('a wipe removes every label of the granule and the state stays compact', () => {
    const { state } = createMachine();
    addLabel(state, PA, 4096, 'video');
    wipeGranule(state, PA);
    expect(labelsIn(state, PA, 4096)).toEqual([]);
    expect(state.labels).toEqual({});
  });

  it('labels survive a snapshot round trip', () => {
    const m = createMachine();
    addLabel(m.state, PA, 3, 'x');
    const copy = createMachine();
    expect(copy.restore(JSON.parse(JSON.stringify(m.snapshot())))).toEqual({ ok: true });
    expect(labelsIn(copy.state, PA, 3)).toEqual(['x']);
  });
});

describe('shared run lists (a whole-granule copy is a reference copy)', () => {
  const G = 4096;
  const A = PA / G;
  const B = A + 1;
  const C = A + 2;

  it('a whole labelled granule holds the label’s one canonical list, and a whole copy shares it', () => {
    const { state } = createMachine();
    addLabel(state, PA, G, 'video');
    expect(state.labels?.[A]).toBe(wholeGranuleRuns('video'));
    copyLabels(state, A, 0, B, 0, G);
    expect(state.labels?.[B]).toBe(state.labels?.[A]);
  });

  it('no later change to one granule that shares a list reaches the others', () => {
    const { state } = createMachine();
    addLabel(state, PA, G, 'video');
    copyLabels(state, A, 0, B, 0, G);
    copyLabels(state, A, 0, C, 0, G);
    // Every kind of update, each on one of the sharers.
    rawWrite(state, PA + G + 8, new Uint8Array(8).fill(1)); // B: a hole
    addLabel(state, PA + 2 * G, 16, 'prompt'); // C: a second label
    replaceLabels(state, PA + 100, 4, []); // A: another hole
    expect(labelSpans(state, PA, G)).toEqual([
      { offset: 0, length: 100, label: 'video' },
      { offset: 104, length: G - 104, label: 'video' },
    ]);
    expect(labelSpans(state, PA + G, G)).toEqual([
      { offset: 0, length: 8, label: 'video' },
      { offset: 16, length: G - 16, label: 'video' },
    ]);
    expect(labelSpans(state, PA + 2 * G, G)).toEqual([
      { offset: 0, length: 16, label: 'prompt' },
      { offset: 0, length: G, label: 'video' },
    ]);
    // The canonical list itself is untouched: a fresh whole granule still reads as one run.
    expect(wholeGranuleRuns('video')).toEqual([[0, G, 'video']]);
    addLabel(state, PA + 3 * G, G, 'video');
    expect(labelSpans(state, PA + 3 * G, G)).toEqual([{ offset: 0, length: G, label: 'video' }]);
  });

  it('a rewind brings back the shared lists as they were, whatever changed since', () => {
    const m = createMachine();
    addLabel(m.state, PA, G, 'video');
    copyLabels(m.state, A, 0, B, 0, G);
    const point = m.checkpoint();
    rawWrite(m.state, PA, new Uint8Array(G).fill(1));
    addLabel(m.state, PA + G, 8, 'prompt');
    expect(m.rewind(point)).toEqual({ ok: true });
    expect(labelsIn(m.state, PA, G)).toEqual(['video']);
    expect(labelSpans(m.state, PA + G, G)).toEqual([{ offset: 0, length: G, label: 'video' }]);
  });

  it('setting a label replaces whatever the bytes carried, and only on those bytes', () => {
    const { state } = createMachine();
    addLabel(state, PA, 2 * G, 'a');
    addLabel(state, PA + 10, 20, 'b');
    setLabel(state, PA + 4, G + 100, 'video');
    // (Spans are reported granule by granule.)
    expect(labelSpans(state, PA, 2 * G)).toEqual([
      { offset: 0, length: 4, label: 'a' },
      { offset: 4, length: G - 4, label: 'video' },
      { offset: G, length: 104, label: 'video' },
      { offset: G + 104, length: G - 104, label: 'a' },
    ]);
  });
});

describe('declared source: the device writes and labels in one pass', () => {
  it('receiveAtSource leaves the same bytes, labels and ledger as a host write then labelAtSource', () => {
    const input = {
      pa: 0x8100_0020,
      bytes: 3 * 4096,
      label: 'video',
      channel: 'tenant-input',
      source: { kind: 'network', name: 'tenant' },
      destination: { kind: 'realm', name: 'gw', address: 0x20 },
    } as const;
    const data = new Uint8Array(input.bytes).map((_, i) => i & 0xff);
    const machines = [createMachine(), createMachine()];
    for (const m of machines) {
      // Bytes that were there before carry other labels, which the input replaces.
      addLabel(m.state, input.pa - 8, 64, 'old');
      addLabel(m.state, input.pa + 4096, 4096, 'old');
    }
    const [split, once] = machines.map((m) => contextOf(m));
    expect(physWrite(split!, HOST, input.pa, data).ok).toBe(true);
    labelAtSource(split!, input);
    expect(receiveAtSource(once!, input, data).ok).toBe(true);
    const [a, b] = machines;
    expect(b!.state.labels).toEqual(a!.state.labels);
    expect(b!.state.memory).toEqual(a!.state.memory);
    expect(b!.ledger).toEqual(a!.ledger);
    expect(labelSpans(b!.state, input.pa - 8, 8)).toEqual([{ offset: 0, length: 8, label: 'old' }]);
  });

  it('a device write the granule protection check refuses labels nothing', () => {
    const m = createMachine();
    const ctx = contextOf(m);
    const bad = 0x1000; // no memory there
    const r = receiveAtSource(
      ctx,
      {
        pa: bad,
        bytes: 16,
        label: 'video',
        channel: 'tenant-input',
        source: { kind: 'network', name: 'tenant' },
        destination: { kind: 'realm', name: 'gw', address: 0 },
      },
      new Uint8Array(16).fill(1),
    );
    expect(r.ok).toBe(false);
    expect(labelledByteCount(m.state)).toBe(0);
    expect(m.ledger.some((e) => e.kind === 'flow')).toBe(false);
  });
});

describe('property: every label operation leaves what a per-byte model says', () => {
  // Random adds, sets, clears, replaces and copies (whole granules and pieces, so shared lists,
  // the same-label merge and the general merge all run) over three granules, checked byte by
  // byte against a model that keeps each byte's label set, after every step.
  const G = 4096;
  const GRANULES = 3;
  const NAMES = ['a', 'b', 'video'];

  function rng(seed: number) {
    let x = seed >>> 0;
    return (n: number) => {
      x = (x * 1664525 + 1013904223) >>> 0;
      return x % n;
    };
  }

  /** A piece inside one granule: mostly whole or edge-aligned, sometimes anywhere. */
  function piece(next: (n: number) => number): { g: number; off: number; len: number } {
    const g = next(GRANULES);
    const kind = next(4);
    if (kind === 0) return { g, off: 0, len: G };
    const len = 1 + next(G - 1);
    const off = kind === 1 ? 0 : kind === 2 ? G - len : next(G - len + 1);
    return { g, off, len };
  }

  /** Each byte's labels, sorted and joined, one line per byte. */
  function bytesOf(state: ReturnType<typeof createMachine>['state']): string {
    const bytes: string[][] = Array.from({ length: GRANULES * G }, () => []);
    for (const span of labelSpans(state, PA, GRANULES * G))
      for (let i = span.offset; i < span.offset + span.length; i++) bytes[i]!.push(span.label);
    return bytes.map((l) => [...new Set(l)].sort().join(',')).join('\n');
  }

  it('over 300 random steps', () => {
    const next = rng(0x1abe1);
    const { state } = createMachine();
    let model: Set<string>[] = Array.from({ length: GRANULES * G }, () => new Set());
    for (let step = 0; step < 300; step++) {
      const { g, off, len } = piece(next);
      const at = g * G + off;
      const label = NAMES[next(NAMES.length)]!;
      switch (next(5)) {
        case 0:
          addLabel(state, PA + at, len, label);
          for (let i = at; i < at + len; i++) model[i]!.add(label);
          break;
        case 1:
          setLabel(state, PA + at, len, label);
          for (let i = at; i < at + len; i++) model[i] = new Set([label]);
          break;
        case 2:
          clearLabels(state, PA + at, len);
          for (let i = at; i < at + len; i++) model[i] = new Set();
          break;
        case 3: {
          // A span of one label somewhere in the piece, the rest of the piece unlabelled.
          const s = next(len);
          const e = s + 1 + next(len - s);
          replaceLabels(state, PA + at, len, [[s, e, label]]);
          for (let i = at; i < at + len; i++)
            model[i] = i - at >= s && i - at < e ? new Set([label]) : new Set();
          break;
        }
        default: {
          const to = piece(next);
          const n = Math.min(len, to.len);
          const from = at;
          const dst = to.g * G + to.off;
          copyLabels(state, PA / G + g, off, PA / G + to.g, to.off, n);
          const moved = model.slice(from, from + n).map((x) => new Set(x));
          model = model.map((x, i) => (i >= dst && i < dst + n ? moved[i - dst]! : x));
        }
      }
      const want = model.map((x) => [...x].sort().join(',')).join('\n');
      const got = bytesOf(state);
      // One string compare per step; the failing step is named when they differ.
      if (got !== want) expect({ step, got }).toEqual({ step, got: want });
    }
  });
});
