// The video workflow computes for real (issue 12 "Realm applications that compute"; mica-spec.md
// §5.1 (a)): the frames the storage realm keeps equal the pure reference transforms run outside
// the machine, the detector flags the marked frames, every stored byte is labelled as derived
// from the tenant's input, and each hop is one flow in the ledger (issue 10 item 3).
import { describe, expect, it } from 'vitest';
import { labelsIn, leaksOf, walkRtt, type LedgerEventOf } from '../../src/emulator/index.ts';
import {
  ENCODED_FRAME_BYTES,
  MARKED_FRAMES,
  MODERATED_RECORD_BYTES,
  RAW_FRAME_BYTES,
  SPECK_FRAMES,
  encodeFrames,
  moderateFrames,
  splitRecords,
  syntheticVideo,
} from '../../src/workflows/frames.ts';
import { RAM_IPA } from '../../src/workflows/host.ts';
import { buildVideoWorkflow } from '../../src/workflows/video.ts';

const reference = moderateFrames(encodeFrames(syntheticVideo()));

describe('video moderation computes on real frames', () => {
  it('the reference detector flags exactly the marked frames, not the small specks', () => {
    const flagged = splitRecords(reference).flatMap((r, f) => (r.unsafe ? [f] : []));
    expect(flagged).toEqual(MARKED_FRAMES);
    for (const f of SPECK_FRAMES) expect(splitRecords(reference)[f]!.perMille).toBeGreaterThan(0);
  });

  for (const size of [undefined, 0x2000]) {
    const what =
      size === undefined
        ? '256 KiB objects (one pass)'
        : `${size}-byte objects (one frame per pass)`;
    it(`${what}: storage keeps verdicts and moderated frames equal to the reference`, () => {
      const wf = buildVideoWorkflow(size === undefined ? {} : { size });
      const since = wf.machine.ledger.length;
      wf.runApp();
      const stored = wf.stored()!;
      expect(Buffer.from(stored).equals(Buffer.from(reference))).toBe(true);
      // Derived from the tenant's input: every stored byte carries its label.
      const storage = wf.machine.state.rmm.realms['0x' + wf.realms.storage!.rd.toString(16)]!;
      for (let at = 0; at < stored.length; at += 0x1000) {
        const w = walkRtt(wf.machine.state, storage, RAM_IPA + at);
        const n = Math.min(0x1000, stored.length - at);
        expect(w.entry.state === 'ASSIGNED' && labelsIn(wf.machine.state, w.entry.pa, n)).toEqual([
          'video',
        ]);
      }
      expect(leaksOf(wf.machine.ledger, 'video')).toEqual([]);
      // Bulk moves: one shared-memory flow per (stage, object) per pass, not one per word; a
      // run is split only where the host had to fault a page of storage's RAM in, and a piece
      // interrupted by a fault is counted once (its bytes: exactly what each hop moved).
      const passes = Math.ceil(24 / wf.layout.batch);
      const faults = wf.host.log.filter((e) => e.what.startsWith('RAM fault')).length;
      const shared = wf.machine.ledger
        .slice(since)
        .filter(
          (e): e is LedgerEventOf<'flow'> => e.kind === 'flow' && e.channel === 'shared-memory',
        );
      expect(shared.length).toBeGreaterThanOrEqual(6 * passes);
      expect(shared.length).toBeLessThanOrEqual(6 * passes + faults);
      const bytes = new Map<string, number>();
      for (const e of shared) {
        const hop = `${e.source.name}>${e.destination.name}`;
        bytes.set(hop, (bytes.get(hop) ?? 0) + e.bytes);
      }
      expect(Object.fromEntries(bytes)).toEqual({
        'gateway>Mem1': 24 * RAW_FRAME_BYTES,
        'Mem1>encoder': 24 * RAW_FRAME_BYTES,
        'encoder>Mem2': 24 * ENCODED_FRAME_BYTES,
        'Mem2>moderator': 24 * ENCODED_FRAME_BYTES,
        'moderator>Mem3': 24 * MODERATED_RECORD_BYTES,
        'Mem3>storage': 24 * MODERATED_RECORD_BYTES,
      });
      expect(wf.machine.checkInvariants()).toEqual([]);
    });
  }
});
