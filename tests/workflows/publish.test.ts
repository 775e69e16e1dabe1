// The published result (mica-spec.md §5.1 (a) "storage ... hands the published result back", (c)
// RG "receives the moderated result"; §4.5 step 6): storage keeps the moderated video and hands
// it back through the object the gateway reads, the gateway sends it out of its network device,
// and the judge counts that as the sanitised exit (labelled bytes that passed the moderator,
// leaving through the gateway). A storage that hands back frames the moderator never saw is a
// leak. Each realm's work follows its role in the policies' data flow, not its upload position.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isPassedMark, passedMark } from '../../src/emulator/index.ts';
import {
  LLM_GUARDRAIL_LOCKED,
  VIDEO_MODERATION,
  VIDEO_PUBLISH,
  VIDEO_PUBLISH_BYPASS,
  VIDEO_RING_LOCKED,
  VIDEO_RING_SHIPPED,
} from '../../src/policy/index.ts';
import { examplePolicy } from '../../src/policy/examples/bind.ts';
import type { Policy } from '../../src/policy/model.ts';
import {
  MODERATED_RECORD_BYTES,
  moderateFrames,
  encodeFrames,
} from '../../src/workflows/frames.ts';
import { runScenarioFile } from '../../src/workflows/run.ts';
import { loadScenarioFile, type ScenarioFile } from '../../src/workflows/scenario-file.ts';
import {
  buildVideoWorkflow,
  videoBytes,
  videoRoles,
  type VideoWorkflow,
} from '../../src/workflows/video.ts';
import type { WorkflowExample } from '../../src/policy/examples/build.ts';

function load(name: string): ScenarioFile {
  const text = readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8');
  const l = loadScenarioFile(text);
  if (!l.ok) throw new Error(l.error.message);
  return l.scenario;
}

function policiesOf(example: WorkflowExample): Record<string, Policy> {
  return Object.fromEntries(
    example.realms.map((r, i) => {
      const p = examplePolicy(example, i);
      if (!p.ok) throw new Error(`${r.name}: ${p.error}`);
      return [r.name, p.value.policy];
    }),
  );
}

function rolesOf(example: WorkflowExample) {
  return videoRoles(
    example.realms.map((r) => r.name),
    policiesOf(example),
    example.sanitisers,
  );
}

/** The pipeline with frames declared sanitised by the moderator, the app run. */
function published(example: WorkflowExample): VideoWorkflow {
  const wf = buildVideoWorkflow({ mode: 'mica', example, size: 0x4000 });
  for (const name of example.sanitisers)
    wf.machine.hostIo.declaredRealm({
      role: 'sanitiser',
      rim: wf.host.rimOf(wf.realms[name]!),
      name,
    });
  wf.runApp();
  return wf;
}

describe('each realm does the work of its role in the data flow, not of its upload position', () => {
  it('the §5.1 (a) pipeline: gateway, encoder, moderator, storage (with or without the return path)', () => {
    const want = {
      gateway: 'gateway',
      encoder: 'encoder',
      moderator: 'moderator',
      storage: 'storage',
    };
    expect(rolesOf(VIDEO_MODERATION)).toEqual(want);
    expect(rolesOf(VIDEO_PUBLISH)).toEqual(want);
    expect(rolesOf(VIDEO_PUBLISH_BYPASS)).toEqual(want);
  });

  it('the ring rg_rn_re (§5.1 c): RG is the gateway, RE encodes, RN moderates; no storage', () => {
    expect(rolesOf(VIDEO_RING_LOCKED)).toEqual({ RG: 'gateway', RE: 'encoder', RN: 'moderator' });
    expect(rolesOf(VIDEO_RING_SHIPPED)).toEqual({ RG: 'gateway', RE: 'encoder', RN: 'moderator' });
  });

  it("the LLM's RW mailboxes give no video role beyond the gateway and its sanitiser", () => {
    expect(rolesOf(LLM_GUARDRAIL_LOCKED)).toEqual({ RG: 'gateway', RF: 'moderator' });
  });
});

describe('the gateway publishes the moderated result it gets back', () => {
  it('storage keeps the records and hands them back; the gateway sends exactly those out', () => {
    const wf = published(VIDEO_PUBLISH);
    const video = videoBytes(wf.layout.frames);
    const reference = moderateFrames(encodeFrames(video));
    expect(wf.stored()).toEqual(reference);
    expect(wf.published()).toEqual(reference);
  });

  it('without a return path nothing is published (the paper pipeline keeps the video)', () => {
    const wf = published(VIDEO_MODERATION);
    expect(wf.stored()!.length).toBe(wf.layout.frames * MODERATED_RECORD_BYTES);
    expect(wf.published()).toBeUndefined();
  });

  it('the ring sends what RN returns through Mem3: the moderated records, in order', () => {
    const wf = published(VIDEO_RING_LOCKED);
    expect(wf.published()).toEqual(moderateFrames(encodeFrames(videoBytes(wf.layout.frames))));
  });

  it.each(['video-honest-mica', 'video-honest-proto', 'video-ring-mica'])(
    '%s: every exit of the video is the gateway handing out moderated bytes (sanitised), none a leak',
    (name) => {
      const r = runScenarioFile(load(name));
      expect(r.matched, r.mismatch).toBe(true);
      expect(r.leaks).toEqual([]);
      const gateway = r.scenario.realms.find((x) => x.gateway)!.name;
      const exits = r.flows.filter((f) => f.labels.includes('video') && f.verdict === 'sanitised');
      expect(exits.length).toBeGreaterThan(0);
      for (const f of exits) {
        expect(f.from).toBe(gateway);
        expect(f.labels).toContain(passedMark(r.scenario.sanitisers[0]!));
      }
      expect(r.sanitised.length).toBe(exits.length);
      // Everything published, frame for frame: labelled bytes out = records of every frame.
      expect(exits.reduce((n, f) => n + f.bytes, 0)).toBe(24 * MODERATED_RECORD_BYTES);
    },
  );
});

describe('a storage that publishes unmoderated frames is judged a leak', () => {
  it.each(['attack-18-publish-unmoderated-mica', 'attack-18-publish-unmoderated-proto'])(
    '%s: the gateway hands out video without the moderator’s mark: leak, and the verifier rejects',
    (name) => {
      const r = runScenarioFile(load(name));
      expect(r.matched, r.mismatch).toBe(true);
      expect(r.outcome.outcome).toBe('leak');
      expect(r.sanitised).toEqual([]);
      const leaking = r.flows.filter((f) => f.verdict === 'leak');
      expect(leaking.length).toBeGreaterThan(0);
      for (const f of leaking) {
        expect(f.from).toBe('gateway');
        expect(f.labels.some(isPassedMark)).toBe(false);
      }
      expect(r.verifier.failed).toContain('flow');
    },
  );

  it('the same storage honest in the same workflow publishes only sanitised bytes', () => {
    const s = load('attack-18-publish-unmoderated-mica');
    const r = runScenarioFile({
      ...s,
      realms: s.realms.map((x) => ({ ...x, program: 'honest' })),
      host: s.host.filter((h) => h.do !== 'attest'),
      expect: { outcome: 'no-leak' },
    });
    expect(r.leaks).toEqual([]);
    expect(r.sanitised.length).toBeGreaterThan(0);
  });

  it('on CCA alone the return object is host memory too: storage’s hand-back is a leak, the exit is not', () => {
    const r = runScenarioFile(load('video-cca-leaks'));
    expect(r.matched, r.mismatch).toBe(true);
    const fromStorage = r.flows.filter((f) => f.from === 'storage' && f.verdict === 'leak');
    expect(fromStorage.length).toBeGreaterThan(0);
    expect(r.flows.some((f) => f.from === 'gateway' && f.verdict === 'sanitised')).toBe(true);
  });
});
