/**
 * The Data view's model (src/ui/data/data-model.ts) against issue 12 "In the page": frames as
 * each stage holds them are read from the machine's memory (change a byte of the machine and the
 * thumbnail changes; reading adds no ledger event), the moderator's verdicts are the ones in
 * memory, what the host obtained is exactly the ledger's leaks of the input label (CCA alone:
 * whole frames in NS memory), and the LLM guardrail's texts are the realms' own.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { granuleIndex, leaksOf, walkRtt, type LedgerEventOf } from '../../src/emulator/index.ts';
import { createLabMachine } from '../../src/shell/index.ts';
import {
  ENCODED_FRAME_BYTES,
  FRAME_COUNT,
  MARKED_FRAMES,
  MODERATED_RECORD_BYTES,
  RAW_FRAME_BYTES,
  encodeFrames,
  moderateFrames,
  syntheticVideo,
} from '../../src/workflows/frames.ts';
import { RAM_IPA } from '../../src/workflows/host.ts';
import { loadScenarioFile } from '../../src/workflows/scenario-file.ts';
import { runScenarioFile, type RunReport } from '../../src/workflows/run.ts';
import { buildVideoWorkflow } from '../../src/workflows/video.ts';
import {
  buildDataModel,
  decodeFrames,
  labelledWords,
  numberFrames,
} from '../../src/ui/data/data-model.ts';
import { labTerminals } from '../shell/lab-terminals.ts';
import { findLesson } from '../../src/lessons/loaded.ts';
import { replayCommands, replaySolution } from '../../src/lessons/runner.ts';

function run(name: string): RunReport {
  const text = readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8');
  const l = loadScenarioFile(text);
  if (!l.ok) throw new Error(l.error.message);
  return runScenarioFile(l.scenario);
}

const REFERENCE = moderateFrames(encodeFrames(syntheticVideo()));

describe('decoding frames', () => {
  it('a raw frame is its RGB bytes with an opaque alpha', () => {
    const raw = syntheticVideo(1);
    const [f] = decodeFrames(raw, 'raw');
    expect(f!.rgba.length).toBe((raw.length / 3) * 4);
    expect([...f!.rgba.subarray(0, 4)]).toEqual([raw[0], raw[1], raw[2], 255]);
  });

  it('an encoded sample of 4 bits is scaled to 8 (0xf -> 255), low nibble first', () => {
    const enc = new Uint8Array(ENCODED_FRAME_BYTES);
    enc[0] = 0xf0;
    const [f] = decodeFrames(enc, 'encoded');
    expect([...f!.rgba.subarray(0, 4)]).toEqual([0, 255, 0, 255]);
  });

  it('a record whose verdict bytes are no verdict (flag > 1 or share > 1000‰) shows none', () => {
    const rec = new Uint8Array(MODERATED_RECORD_BYTES * 3);
    rec.set([1, 0x2c, 0x01], 0); // flagged, 300‰
    rec.set([7, 0, 0], MODERATED_RECORD_BYTES); // not a flag
    rec.set([0, 0xe9, 0x03], 2 * MODERATED_RECORD_BYTES); // 1001‰
    expect(decodeFrames(rec, 'records').map((f) => f.verdict)).toEqual([
      { unsafe: true, perMille: 300 },
      undefined,
      undefined,
    ]);
  });

  it('only whole frames decode; text and loose bytes are not frames', () => {
    expect(decodeFrames(new Uint8Array(RAW_FRAME_BYTES - 1), 'raw')).toEqual([]);
    expect(decodeFrames(new Uint8Array(64), 'text')).toEqual([]);
  });
});

describe('numbering frames by storage', () => {
  it('a frame no record matches keeps its slot only; one that matches gets that record’s number', () => {
    const raw = syntheticVideo(2);
    const frames = decodeFrames(raw, 'raw');
    const store = moderateFrames(encodeFrames(syntheticVideo(2).subarray(RAW_FRAME_BYTES)));
    expect(numberFrames(frames, raw, 'raw', store).map((f) => f.frame)).toEqual([undefined, 0]);
    expect(numberFrames(frames, raw, 'raw', undefined).map((f) => f.frame)).toEqual([
      undefined,
      undefined,
    ]);
  });
});

describe('nothing has run', () => {
  it('a machine without a declared input has no workflow data', () => {
    const m = createLabMachine();
    expect(buildDataModel(m, m.ledger)).toEqual({ workflow: 'none', stages: [], host: [] });
  });
});

describe('the honest video pipeline (Mica)', () => {
  const r = run('video-honest-mica');
  const m = r.machine;

  it('shows four stages in pipeline order, each in the format it holds', () => {
    const d = buildDataModel(m, m.ledger);
    expect(d.workflow).toBe('video');
    expect(d.stages.map((s) => [s.role, s.realm, s.format, s.hostVisible])).toEqual([
      ['gateway', 'gateway', 'raw', false],
      ['encoder', 'encoder', 'encoded', false],
      ['moderator', 'moderator', 'records', false],
      ['storage', 'storage', 'records', false],
      ['published', 'gateway', 'records', true],
    ]);
  });

  it('what the gateway published is every moderated record, marked as having passed the moderator', () => {
    const published = buildDataModel(m, m.ledger).stages[4]!;
    expect(published.frames).toEqual(decodeFrames(REFERENCE, 'records', true));
    expect(published.passed).toEqual(['passed:moderator']);
  });

  it('storage holds every frame, and exactly the frames the detector must flag are flagged', () => {
    const storage = buildDataModel(m, m.ledger).stages[3]!;
    expect(storage.frames).toHaveLength(FRAME_COUNT);
    expect(storage.frames.filter((f) => f.verdict?.unsafe).map((f) => f.frame)).toEqual(
      MARKED_FRAMES,
    );
    expect(storage.frames).toEqual(decodeFrames(REFERENCE, 'records', true));
  });

  it('frames in the objects are numbered by the one record storage keeps for them (the last pass)', () => {
    const d = buildDataModel(m, m.ledger);
    const last = [FRAME_COUNT - 2, FRAME_COUNT - 1];
    for (const s of d.stages.slice(0, 3)) expect(s.frames.map((f) => f.frame)).toEqual(last);
  });

  it('no leak: the host holds only the upload as it arrived (the declared input)', () => {
    const d = buildDataModel(m, m.ledger);
    expect(d.host.map((h) => h.kind)).toEqual(['arrival']);
  });

  it('reads the machine, not a copy: a byte changed in storage memory changes the thumbnail', () => {
    const before = buildDataModel(m, m.ledger).stages[3]!.frames[0]!.rgba[0];
    const realm = Object.values(m.state.rmm.realms).find(
      (x) => x.rd === buildDataModel(m, m.ledger).stages[3]!.rd,
    )!;
    const walk = walkRtt(m.state, realm, RAM_IPA);
    const pa = walk.entry.state === 'ASSIGNED' ? walk.entry.pa : -1;
    // Record 0 is [verdict(4)][encoded frame]: its first sample is the low nibble of byte 4.
    const page = m.state.memory[granuleIndex(pa)]!;
    page[4] = (page[4]! & 0xf0) | (~page[4]! & 0x0f);
    const after = buildDataModel(m, m.ledger).stages[3]!.frames[0]!.rgba[0];
    expect(after).not.toBe(before);
  });

  it('looking adds no ledger event', () => {
    const n = m.ledger.length;
    buildDataModel(m, m.ledger);
    expect(m.ledger.length).toBe(n);
  });
});

describe('roles come from the machine, not from positions', () => {
  it('the ring rg_rn_re shows its real stages: RG receives, RE encodes, RN moderates, RG publishes', () => {
    const r = run('video-ring-mica');
    const d = buildDataModel(r.machine, r.machine.ledger);
    expect(d.stages.map((s) => [s.role, s.realm, s.format])).toEqual([
      ['gateway', 'RG', 'raw'],
      ['encoder', 'RE', 'encoded'],
      ['moderator', 'RN', 'records'],
      ['published', 'RG', 'records'],
    ]);
    expect(d.stages[3]!.frames).toEqual(decodeFrames(REFERENCE, 'records', true));
    expect(d.host.filter((h) => h.kind === 'leak')).toEqual([]);
  });

  it('with no sanitiser declared, the moderator is the stage whose output is whole records', () => {
    const wf = buildVideoWorkflow({ mode: 'mica', size: 0x4000 });
    wf.runApp();
    const m = wf.machine;
    expect(m.state.tenant).toBeUndefined();
    const d = buildDataModel(m, m.ledger);
    expect(d.stages.map((s) => [s.role, s.format])).toEqual([
      ['gateway', 'raw'],
      ['encoder', 'encoded'],
      ['moderator', 'records'],
      ['storage', 'records'],
    ]);
  });
});

describe('a storage that publishes unmoderated frames', () => {
  it('what the gateway sent carries no sanitiser mark, and the host finding is that very exit', () => {
    const r = run('attack-18-publish-unmoderated-mica');
    const d = buildDataModel(r.machine, r.machine.ledger);
    const published = d.stages.find((s) => s.role === 'published')!;
    expect(published.passed).toBeUndefined();
    const stolen = d.host.filter((h) => h.kind === 'leak');
    expect(stolen).toHaveLength(1);
    expect(stolen[0]!.path).toMatch(/^gateway → NS memory/);
    expect(stolen[0]!.format).toBe('records');
    // The bytes where they landed (the transmit buffer): every record the gateway sent.
    expect(stolen[0]!.bytes).toBe(FRAME_COUNT * MODERATED_RECORD_BYTES);
    expect(stolen[0]!.frames).toHaveLength(FRAME_COUNT);
    expect(stolen[0]!.seqs).toEqual(r.leaks.map((l) => l.seq));
  });
});

describe('CCA alone: the host holds the frames', () => {
  const r = run('video-cca-leaks');
  const m = r.machine;
  const d = buildDataModel(m, m.ledger);

  it('every stolen range is a leak flow of the label, and the flows named are all of them', () => {
    const stolen = d.host.filter((h) => h.kind === 'leak');
    const seqs = stolen.flatMap((h) => h.seqs).sort((a, b) => a - b);
    // The judge's leaks: every host-visible flow of the label but the gateway's sanitised exit.
    const exits = new Set(r.sanitised.map((x) => x.seq));
    expect(exits.size).toBeGreaterThan(0);
    expect(seqs).toEqual(
      leaksOf(m.ledger, 'video')
        .map((e) => e.seq)
        .filter((seq) => !exits.has(seq)),
    );
  });

  it('the gateway’s leak decodes as whole raw frames, the encoder’s as encoded frames', () => {
    const stolen = d.host.filter((h) => h.kind === 'leak');
    expect(stolen[0]).toMatchObject({ format: 'raw' });
    expect(stolen[0]!.path).toMatch(/^gateway → NS memory/);
    expect(stolen[0]!.frames.length).toBeGreaterThan(0);
    expect(stolen[1]).toMatchObject({ format: 'encoded' });
    expect(stolen[2]).toMatchObject({ format: 'records' });
    // Storage's hand-back through an NS window: the records the host reads on the way back.
    expect(stolen[3]).toMatchObject({ format: 'records' });
    expect(stolen[3]!.path).toMatch(/^storage .*→ NS memory/);
  });

  it('the stages hold the same frames in NS windows the host reads', () => {
    expect(d.stages.map((s) => s.hostVisible)).toEqual([true, true, true, false, true]);
    expect(d.stages[3]!.frames).toEqual(decodeFrames(REFERENCE, 'records', true));
  });
});

describe('leaks that are not memory', () => {
  it('a word smuggled through an exit register is shown with its path, not as a frame', () => {
    const m = run('attack-04-exit-smuggle-proto').machine;
    const leak = buildDataModel(m, m.ledger).host.find((h) => h.kind === 'leak');
    expect(leak).toMatchObject({ format: 'bytes', frames: [], bytes: 8 });
    expect(leak!.path).toMatch(/^encoder → exit\.gprs\[0\].*mmio/);
  });
});

describe('the LLM guardrail', () => {
  it('shows the prompt, the filtered prompt, the answer and the screened answer from memory', () => {
    const r = run('llm-honest-mica');
    const d = buildDataModel(r.machine, r.machine.ledger);
    expect(d.workflow).toBe('text');
    expect(d.texts?.prompt).toContain('hunter2');
    expect(d.texts?.filtered).not.toContain('hunter2');
    expect(d.texts?.filtered).toContain('[redacted]');
    expect(d.texts?.screened).toBe(r.answer);
    expect(d.host.filter((h) => h.kind === 'leak')).toEqual([]);
  });

  it('in the capstone lesson the four texts are read where the realms wrote them (its mailboxes are not the scenario runs’)', () => {
    const { session, solved } = replaySolution(findLesson('07-capstone/01-llm-guardrail')!);
    expect(solved).toBe(true);
    const d = buildDataModel(session.machine, session.machine.ledger);
    // This model repeats the question: every hop carries the whole prompt.
    expect(d.texts).toEqual({
      prompt: 'what is 2+2',
      filtered: 'what is 2+2',
      answer: 'what is 2+2',
      screened: 'what is 2+2',
    });
  });

  it('on CCA alone the host holds the prompt as text', () => {
    const r = run('llm-cca-leaks');
    const d = buildDataModel(r.machine, r.machine.ledger);
    expect(d.host.find((h) => h.kind === 'leak')?.text).toContain('hunter2');
  });
});

describe('a video sent as a short text (the lessons’ stand-in frame)', () => {
  it('is the video stage by stage, not the LLM guardrail’s four texts', () => {
    const { machine, type } = labTerminals();
    type('realm create gateway --net');
    type('tenant send gateway "frame 00"');
    type('@gateway net recv 0x1000');
    const d = buildDataModel(machine, machine.ledger);
    expect(d.label).toBe('video');
    expect(d.texts).toBeUndefined();
  });

  it('a short input the gateway took in before any shared object: where the realms hold it, and its arrival', () => {
    const { machine, type } = labTerminals({ mode: 'cca' });
    type('realm create gateway --net');
    type('tenant send gateway "hello video"');
    type('@gateway net recv 0x1000');
    const d = buildDataModel(machine, machine.ledger);
    const arrival = machine.ledger.find(
      (e): e is LedgerEventOf<'flow'> => e.kind === 'flow' && e.channel === 'tenant-input',
    )!.destination.address;
    expect(d.stages).toEqual([]);
    // The private copy the realm took and the receive buffer the NIC wrote, named and read.
    expect(d.held?.map((h) => [h.realm, h.ipa, h.bytes, h.hostVisible, h.text])).toEqual([
      ['gateway', 0x1000, 11, false, 'hello video'],
      ['gateway', arrival, 11, true, 'hello video'],
    ]);
    // The host wrote the receive buffer: the arrival is where it can read it.
    expect(d.host.map((h) => [h.kind, h.text])).toEqual([['arrival', 'hello video']]);
    // Overwritten, the label goes with the bytes: nothing is held in the realm's RAM any more.
    type('@gateway mem write 0x1000 "xxxxxxxxxxx"');
    const after = buildDataModel(machine, machine.ledger);
    expect(after.held?.map((h) => h.ipa)).toEqual([arrival]);
  });
});

describe('what the host holds in NS memory counts only the bytes that carry the label', () => {
  // Lesson 03-pipeline-cca/01: the gateway prints 32 bytes of which 11 are the frame; the view
  // said "32 bytes labelled video" though the machine labels 11 of them (labels are per byte).
  it('a 32-byte console print of an 11-byte frame is 11 of 32 bytes labelled', () => {
    const { machine, type } = labTerminals({ mode: 'cca' });
    type('realm create gw --net');
    type('tenant send gw "hello video"');
    type('@gw net recv 0x1000');
    type('@gw console @0x1000 32');
    const ns = buildDataModel(machine, machine.ledger).host.filter((h) =>
      h.where.startsWith('NS memory'),
    );
    expect(ns.map((h) => [h.bytes, h.labelled, labelledWords(h)])).toEqual([
      [32, 11, '11 of 32 bytes'],
    ]);
  });
});

describe('a realm the tenant did not name that read the video (mica-spec §1.3)', () => {
  // The Data view said "No leak" while the run's judge and the Pipeline view named the leak:
  // it listed only what reached the host, the network or the console.
  it('is a finding, with the flows the judge names', () => {
    const r = run('attack-10-leftovers-proto');
    const d = buildDataModel(r.machine, r.machine.ledger);
    const strangers = d.host.filter((h) => h.kind === 'leak' && h.where.startsWith('realm '));
    expect(strangers.length).toBeGreaterThan(0);
    const judged = r.leaks.filter(
      (l) => l.through === 'realm' && l.seq !== Number.MAX_SAFE_INTEGER,
    );
    expect(strangers.flatMap((h) => h.seqs).sort((a, b) => a - b)).toEqual(
      judged.map((l) => l.seq).sort((a, b) => a - b),
    );
    expect(strangers[0]!.path).toMatch(/is not one the tenant declared$/);
  });

  it('in Mica the leftovers were cleaned: no such finding', () => {
    const r = run('attack-10-leftovers-mica');
    const d = buildDataModel(r.machine, r.machine.ledger);
    expect(d.host.filter((h) => h.where.startsWith('realm '))).toEqual([]);
  });
});

describe('a lesson’s stand-in frame in the pipeline’s objects (05-attacks/02)', () => {
  it('each stage shows the labelled text its object holds, where the label is', () => {
    // The frame sits at +0x20 of Mem1; the encoder copies it into Mem2. The Data view said
    // "No frame labelled video here" for every stage: a text stage drew no text at all.
    const lesson = findLesson('05-attacks/02-copy-to-host')!;
    const replay = replayCommands(lesson, ['@encoder copy 0x18000000020 0x18004000020 50']);
    const m = replay.session.machine;
    const d = buildDataModel(m, m.ledger);
    expect(d.workflow).toBe('text');
    const byRole = Object.fromEntries(d.stages.map((s) => [s.role, s]));
    expect(byRole['stage 1']?.text).toMatch(/^frame 0001: a face/);
    expect(byRole['stage 2']?.text).toMatch(/^frame 0001: a face/);
    expect(byRole['stage 2']?.bytes).toBe(50);
    // The moderator's object holds nothing labelled: no text, whatever bytes lie there.
    expect(byRole['stage 3']?.text).toBeUndefined();
  });
});
