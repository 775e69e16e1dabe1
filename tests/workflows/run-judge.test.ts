// The run's verdict comes from the machine (issue 12: "verdicts come only from the machine's
// judge and the group verifier"): every leak a report names is a ledger flow of the input's
// label to a host-visible place or a realm the tenant never named; the same malicious program
// leaks or is blocked depending only on the machine (one gap switch); and valid mutated files
// run to a report without an exception.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isHostVisible } from '../../src/emulator/index.ts';
import { loadScenarioFile, type ScenarioFile } from '../../src/workflows/scenario-file.ts';
import { runScenarioFile } from '../../src/workflows/run.ts';
import { STAGE_PROGRAMS } from '../../src/workflows/programs/index.ts';

function load(name: string): ScenarioFile {
  const text = readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8');
  const l = loadScenarioFile(text);
  if (!l.ok) throw new Error(l.error.message);
  return l.scenario;
}

describe('the judge reads the machine', () => {
  it.each([
    'attack-01-copy-to-ns-proto',
    'attack-04-encode-then-leak-proto',
    'llm-shipped-model-leaks-mica',
    'video-cca-leaks',
  ])('%s: every leak is a ledger flow of the input label to a host-visible place', (name) => {
    const r = runScenarioFile(load(name));
    expect(r.leaks.length).toBeGreaterThan(0);
    for (const leak of r.leaks) {
      const e = r.machine.ledger.find((x) => x.seq === leak.seq);
      expect(e?.kind).toBe('flow');
      if (e?.kind !== 'flow') continue;
      expect(e.labels).toContain(leak.label);
      expect(e.decision.verdict).toBe('allowed');
      expect(isHostVisible(e.destination)).toBe(true);
    }
  });

  it('a realm outside the workflow that loaded the input is a leak through "realm" (attack 10, prototype)', () => {
    const r = runScenarioFile(load('attack-10-leftovers-proto'));
    expect(r.leaks).toEqual([
      expect.objectContaining({ through: 'realm', to: 'next-tenant', label: 'video' }),
    ]);
  });

  it('the same malicious program leaks with gap-cf-exits-unenforced on and is blocked with it off', () => {
    const gap = runScenarioFile(load('attack-04-exit-smuggle-proto'));
    const fixed = runScenarioFile(load('attack-04-exit-smuggle-proto-fixed'));
    expect(gap.scenario.realms[1]!.program).toBe(fixed.scenario.realms[1]!.program);
    expect(gap.outcome).toMatchObject({ outcome: 'leak', through: 'mmio' });
    expect(fixed.outcome).toMatchObject({ outcome: 'blocked', clause: 'CF3' });
    expect(fixed.leaks).toEqual([]);
  });

  it('a removed NS mapping stops an attack: attack 1 in Mica is blocked by is-gateway, the rule that closed the way out (§6 attack 1), and the sentence is that refusal', () => {
    const r = runScenarioFile(load('attack-01-copy-to-ns-mica'));
    expect(r.outcome).toMatchObject({ outcome: 'blocked', clause: 'is-gateway' });
    const decided = r.flows.find((f) => f.seq === r.outcome.seq)!;
    expect(decided.channel).toBe('ns-unmap');
    expect(decided.text).toMatch(/rule is-gateway/);
  });

  it('the serialised SGT stops attack 21 in Mica where the race starts (sgt:serialised, the first refusal); the prototype loses the update and the gateway’s upload fails its coverage check', () => {
    const mica = runScenarioFile(load('attack-21-sgt-race-mica'));
    expect(mica.matched).toBe(true);
    expect(mica.outcome).toMatchObject({ outcome: 'blocked', clause: 'sgt:serialised' });
    const decided = mica.flows.find((f) => f.seq === mica.outcome.seq)!;
    expect(decided.channel).toBe('sgt');
    expect(decided.text).toBe(
      'host tried to update the SGT for two realms at once: RMI_DATA_CREATE_UNKNOWN_SHARED succeeded; the Mica monitor serialised the two updates, so neither was lost, rule sgt:serialised',
    );
    // The later refusals of that run (an upload failing coverage) come after and do not decide.
    expect(mica.blocked.every((b) => b.seq >= decided.seq)).toBe(true);
    const proto = runScenarioFile(load('attack-21-sgt-race-proto'));
    expect(proto.flows.some((f) => f.channel === 'sgt' && f.verdict === 'blocked')).toBe(false);
    expect(proto.outcome).toMatchObject({ outcome: 'blocked', clause: 'Mem1.mappings.VM1' });
  });

  it('a serialised SGT race loses no prefault: in Mica attack 21 every stage uploads its policy after the race, the tenant’s video reaches storage and leaves sanitised through the gateway, and sgt:serialised still decides', () => {
    const s = load('attack-21-sgt-race-mica');
    const r = runScenarioFile(s);
    for (const { name } of s.realms) {
      const uploads = r.flows.filter((f) => f.from === name && f.channel === 'policy-upload');
      expect(
        uploads.map((f) => f.verdict),
        name,
      ).toEqual(['allowed']);
    }
    expect(
      r.flows.some(
        (f) => f.to === 'storage' && f.labels.includes('video') && f.verdict === 'allowed',
      ),
    ).toBe(true);
    expect(
      r.flows.some(
        (f) => f.from === 'gateway' && f.channel === 'ns-memory' && f.verdict === 'sanitised',
      ),
    ).toBe(true);
    expect(r.leaks).toEqual([]);
    expect(r.outcome).toMatchObject({ outcome: 'blocked', clause: 'sgt:serialised' });
    expect(r.blocked.every((b) => b.channel === 'sgt')).toBe(true);
    // The race raced every window each realm may prefault before any upload (Appendix A).
    expect(r.steps[0]).toBe(
      'host prefaults gateway (Mem1, Mem4) and moderator (Mem3) at the same time',
    );
  });

  it('an expected clause must be the refusal that decided, not a later one of the same run', () => {
    const s = load('attack-01-copy-to-ns-mica');
    const later = runScenarioFile({ ...s, expect: { outcome: 'blocked', clause: 'CF3' } });
    expect(later.blocked.some((b) => b.clause.startsWith('CF3 '))).toBe(true);
    expect(later.matched).toBe(false);
    expect(later.mismatch).toMatch(
      /expected a block by CF3; the refusal that decided is is-gateway/,
    );
  });

  it('an honest stage in place of the malicious one leaves nothing to judge but the honest flows', () => {
    const s = load('attack-04-exit-smuggle-proto');
    const honest = runScenarioFile({
      ...s,
      realms: s.realms.map((r) => ({ ...r, program: 'honest' })),
    });
    expect(honest.leaks).toEqual([]);
    expect(honest.outcome.outcome).toBe('no-leak');
    expect(honest.matched).toBe(false);
    expect(honest.mismatch).toContain('expected leak, the machine says no-leak');
  });
});

describe('valid variants of a file run to a report', () => {
  it('every malicious program as the LLM model (RI), in Mica and prototype mode: a report, no exception', () => {
    const base = load('llm-honest-proto');
    const stage = base.realms.findIndex((r) => r.name === 'RI');
    for (const mode of ['mica', 'mica-prototype'] as const)
      for (const program of Object.keys(STAGE_PROGRAMS)) {
        const r = runScenarioFile({
          ...base,
          mode,
          realms: base.realms.map((x, i) => (i === stage ? { ...x, program } : x)),
        });
        expect(r.error, `${program} (${mode})`).toBeUndefined();
        // The locked-down policy stops the model in Mica mode, whatever it tries.
        if (mode === 'mica') expect(r.leaks, `${program} (${mode})`).toEqual([]);
      }
  });
});
