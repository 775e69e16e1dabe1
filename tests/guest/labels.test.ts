// Provenance labels on physical memory (src/emulator/hw/labels.ts): sparse run-length ranges
// per granule, replaced by writes, removed by wipes.
import { describe, expect, it } from 'vitest';
import {
  createMachine,
  labelSpans,
  labelsIn,
  labelledByteCount,
} from '../../src/emulator/index.ts';
import { addLabel } from '../../src/emulator/hw/labels.ts';
import { rawWrite, wipeGranule } from '../../src/emulator/hw/memory.ts';

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
