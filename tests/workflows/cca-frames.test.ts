// CCA alone moves the real video through host-visible memory (issue 12: "the CCA-only variant
// passes the video between stages through host-visible memory, so the learner sees the host
// read every frame"): the same stages as in Mica mode, the same frames, but every hop is an
// allowed ns-memory flow the judge calls a leak, and storage still ends with the reference
// moderation of the whole video.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/workflows/scenario-file.ts';
import { runScenarioFile } from '../../src/workflows/run.ts';
import {
  ENCODED_FRAME_BYTES,
  RAW_FRAME_BYTES,
  encodeFrames,
  moderateFrames,
  syntheticVideo,
} from '../../src/workflows/frames.ts';
import { guestLoad } from '../../src/workflows/guest.ts';
import { RAM_IPA } from '../../src/workflows/host.ts';

function run(name: string) {
  const text = readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8');
  const l = loadScenarioFile(text);
  if (!l.ok) throw new Error(l.error.message);
  return runScenarioFile(l.scenario);
}

describe('CCA alone: whole frames through host-visible memory', () => {
  const r = run('video-cca-leaks');

  it('every hop of the pipeline is a leak of whole raw and encoded frames into NS memory', () => {
    expect(r.outcome).toMatchObject({ outcome: 'leak', through: 'ns-memory' });
    const sizes = new Set(r.leaks.map((l) => l.bytes));
    // The gateway's batch of raw frames and the encoder's batch of encoded frames both leak.
    expect([...sizes].some((b) => b >= RAW_FRAME_BYTES && b % RAW_FRAME_BYTES === 0)).toBe(true);
    expect([...sizes].some((b) => b >= ENCODED_FRAME_BYTES && b % ENCODED_FRAME_BYTES === 0)).toBe(
      true,
    );
  });

  it('storage ends with the reference moderation of the whole video, as in Mica mode', () => {
    const state = r.machine.state;
    const realms = Object.values(state.rmm.realms);
    const storage = realms[realms.length - 1]!;
    const expected = moderateFrames(encodeFrames(syntheticVideo()));
    expect(guestLoad(state, storage, RAM_IPA, expected.length)).toEqual(expected);
  });
});
