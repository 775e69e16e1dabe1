// The tenant's reference values come from its intent (cca-spec.md §6.4, mica-spec.md §4.5 step
// 3, §6 attack 13): the scenario verifier recomputes each member's RIM and RPV from what the
// tenant asked the host to build, never from the realm the host built, so a host that builds
// another realm under a stage's name is caught by its measurement, not trusted.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/lib/bytes.ts';
import { VIDEO_PUBLISH, VIDEO_RING_LOCKED, LLM_GUARDRAIL_LOCKED } from '../../src/policy/index.ts';
import { stageReference } from '../../src/workflows/reference.ts';
import { runScenarioFile } from '../../src/workflows/run.ts';
import { loadScenarioFile, type ScenarioFile } from '../../src/workflows/scenario-file.ts';
import { buildVideoWorkflow } from '../../src/workflows/video.ts';

function text(name: string): string {
  return readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8');
}

function load(name: string): ScenarioFile {
  const l = loadScenarioFile(text(name));
  if (!l.ok) throw new Error(l.error.message);
  return l.scenario;
}

describe('reference values recomputed from the intent', () => {
  it.each([VIDEO_PUBLISH, VIDEO_RING_LOCKED, LLM_GUARDRAIL_LOCKED])(
    '$id: an honest build measures exactly the recomputed RIM and RPV of every stage',
    (example) => {
      const wf = buildVideoWorkflow({ mode: 'mica', example, size: 0x4000, setup: false });
      for (const name of wf.order) {
        const built = wf.machine.state.rmm.realms['0x' + wf.realms[name]!.rd.toString(16)]!;
        expect(stageReference({ name })).toEqual({ rim: built.rim, rpv: built.rpv });
      }
    },
  );

  it('another image gives another RIM under the same name and RPV', () => {
    const honest = stageReference({ name: 'encoder' });
    const other = stageReference({ name: 'encoder', image: 'encoder-with-a-backdoor' });
    expect(other.rim).not.toBe(honest.rim);
    expect(other.rpv).toBe(honest.rpv);
  });

  it("the verifier's members carry the intent's RIM even when the host built another realm", () => {
    const wf = buildVideoWorkflow({ mode: 'mica-prototype', size: 0x4000, setup: false });
    wf.substitute('encoder', 'encoder-with-a-backdoor');
    const built = wf.machine.state.rmm.realms['0x' + wf.realms.encoder!.rd.toString(16)]!;
    const member = wf.expectations().members.find((m) => m.name === 'encoder')!;
    expect(toHex(member.rim)).toBe(stageReference({ name: 'encoder' }).rim);
    expect(toHex(member.rim)).not.toBe(built.rim);
  });
});

describe('a substituted realm in a scenario', () => {
  it('prototype (first-come labels): every upload is accepted, the verifier rejects on the group RIM', () => {
    const r = runScenarioFile(load('attack-13-substitute-build-proto'));
    expect(r.matched, r.mismatch).toBe(true);
    expect(r.steps.filter((s) => /upload: accepted/.test(s))).toHaveLength(4);
    expect(r.verifier.kind).toBe('rejected');
    expect(r.verifier.failed).toEqual(['group-rim']);
    expect(r.verifier.reason).toMatch(/^group RIM recomputed: .*the token says/);
  });

  it('Mica (labels bound to the intended RIMs): the monitor refuses the substitute, the verifier rejects', () => {
    const r = runScenarioFile(load('attack-13-substitute-build-mica'));
    expect(r.matched, r.mismatch).toBe(true);
    expect(r.outcome).toMatchObject({ outcome: 'blocked', clause: 'VM2.hash' });
    expect(r.verifier.kind).toBe('rejected');
  });

  it('the same script without the substitution is verified', () => {
    const s = load('attack-13-substitute-build-proto');
    const r = runScenarioFile({
      ...s,
      host: s.host.filter((h) => h.do !== 'substitute'),
      expect: { outcome: 'no-leak', verifier: 'verified' },
    });
    expect(r.verifier.kind, r.verifier.reason).toBe('verified');
  });

  it('a substitute step without its image is refused where it stands', () => {
    const bad = text('attack-13-substitute-build-proto').replace(
      '"image": "encoder-with-a-backdoor"',
      '"imaj": "encoder-with-a-backdoor"',
    );
    const l = loadScenarioFile(bad);
    expect(l.ok).toBe(false);
    if (l.ok) return;
    expect(l.error.path).toMatch(/^host\[0\]/);
  });
});
