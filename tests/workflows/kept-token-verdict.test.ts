// The tenant's verdict on a group token is the machine's (issue 10 "the judge decides every
// attack from the machine alone", mica-spec.md §4.5): the workflows' host keeps every group
// token it hands the tenant's verifier in the machine (`state.host.groupTokens`, as the lab's
// VMM does), the tenant declares what its verifier expects of each realm (RPV and policy, by
// RIM) and where its path search starts (`state.tenant`), so a restored snapshot alone gives
// the report's verdict. A verifier never says "verified" when it skipped a check: a snapshot
// without the tenant's expectations, without a source or with an unreadable policy is "not
// verified", with the reason; a malformed declaration is refused at restore, by its path.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MachineSnapshot } from '../../src/emulator/index.ts';
import { tenantVerdicts } from '../../src/lessons/fixtures/video-pipeline.ts';
import { judgeView } from '../../src/lessons/judged-run.ts';
import { shortRule } from '../../src/policy/judge.ts';
import { createLabMachine } from '../../src/shell/index.ts';
import { stageReference } from '../../src/workflows/reference.ts';
import { runScenarioFile, type RunReport } from '../../src/workflows/run.ts';
import { loadScenarioFile } from '../../src/workflows/scenario-file.ts';

const reports = new Map<string, RunReport>();
function run(name: string): RunReport {
  let r = reports.get(name);
  if (!r) {
    const text = readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8');
    const l = loadScenarioFile(text);
    if (!l.ok) throw new Error(l.error.message);
    reports.set(name, (r = runScenarioFile(l.scenario)));
  }
  return r;
}

type Tenant = Record<string, { name: string; roles: string[]; expects?: Record<string, string> }>;

/** A fresh lab machine restored from the run's snapshot, `edit` applied to its state first. */
function restored(r: RunReport, edit: (state: { tenant: Tenant }) => void = () => {}) {
  const snap = r.machine.snapshot() as MachineSnapshot & { state: { tenant: Tenant } };
  edit(snap.state);
  const m = createLabMachine();
  const done = m.restore(snap);
  return { m, done };
}

describe('the group token the host kept is judged from the restored machine alone', () => {
  it.each(['attack-19-hide-member-mica', 'attack-17-lie-policy-proto'])(
    '%s: the tenant’s verifier rejects the kept token, and the run is judged rejected',
    (name) => {
      const r = run(name);
      expect(r.outcome.outcome).toBe('rejected');
      const { m, done } = restored(r);
      expect(done.ok).toBe(true);
      const [kept] = tenantVerdicts(m);
      expect(kept?.verdict.kind).toBe('rejected');
      const failed = kept!.verdict.checks.filter((c) => c.status === 'fail').map((c) => c.id);
      expect(failed).toEqual(r.verifier.failed);
      const judged = judgeView({ machine: m, ledger: m.ledger });
      expect(judged).toMatchObject({ verdict: 'rejected', stage: 'group token' });
      expect(judged.by).toContain(r.outcome.check!);
    },
  );

  it('the host keeps the blobs it hands the verifier: attack 19’s token lacks the hidden member’s blob', () => {
    const honest = run('video-honest-mica').machine.state.host?.groupTokens ?? [];
    const hidden = run('attack-19-hide-member-mica').machine.state.host?.groupTokens ?? [];
    expect(honest).toHaveLength(1);
    expect(hidden).toHaveLength(1);
    expect(hidden[0]!.blobs).toEqual(honest[0]!.blobs.slice(0, -1));
  });

  it('the honest run’s kept token is verified, and the run is judged no leak', () => {
    const r = run('video-honest-mica');
    expect(r.verifier.kind).toBe('verified');
    const { m } = restored(r);
    expect(tenantVerdicts(m).map((v) => v.verdict.kind)).toEqual(['verified']);
    expect(judgeView({ machine: m, ledger: m.ledger }).verdict).toBe('no-leak');
  });

  it('a substitute the monitor refused is judged blocked by its binding, though the verifier rejects too', () => {
    const r = run('attack-13-substitute-build-mica');
    expect(r.outcome).toMatchObject({ outcome: 'blocked', clause: 'VM2.hash' });
    const { m } = restored(r);
    expect(tenantVerdicts(m).map((v) => v.verdict.kind)).toEqual(['rejected']);
    // The lessons' judge names the last refused upload (storage's, which no longer agrees with
    // the encoder slot), the report the first: both are the monitor's refusals of this run.
    const judged = judgeView({ machine: m, ledger: m.ledger });
    expect(judged.verdict).toBe('blocked');
    expect(r.blocked.map((b) => shortRule(b.clause))).toContain(judged.by);
  });
});

describe('a verifier without the tenant’s expectations says not verified, with the reason', () => {
  it('a snapshot without expectations: the kept token is not verified, and says why', () => {
    const { m, done } = restored(run('video-honest-mica'), (state) => {
      for (const d of Object.values(state.tenant)) delete d.expects;
    });
    expect(done.ok).toBe(true);
    const [kept] = tenantVerdicts(m);
    expect(kept?.verdict.kind).toBe('not-verified');
    expect(kept?.verdict.reason).toMatch(/the tenant declared no expectations to the machine/);
  });

  it('no source declared: the path search is skipped, so not verified', () => {
    const { m } = restored(run('video-honest-mica'), (state) => {
      for (const d of Object.values(state.tenant)) d.roles = d.roles.filter((x) => x !== 'source');
    });
    const [kept] = tenantVerdicts(m);
    expect(kept?.verdict.kind).toBe('not-verified');
    const flow = kept?.verdict.checks.find((c) => c.id === 'flow');
    expect(flow).toMatchObject({ status: 'skip' });
    expect(flow?.reason).toMatch(/named no realm its sensitive input starts from/);
  });

  it('a declared policy that is not a record: not verified, naming the realm', () => {
    const rim = stageReference({ name: 'encoder' }).rim;
    const { m, done } = restored(run('video-honest-mica'), (state) => {
      state.tenant[rim]!.expects!.policy = '00ff';
    });
    expect(done.ok).toBe(true);
    const [kept] = tenantVerdicts(m);
    expect(kept?.verdict.kind).toBe('not-verified');
    expect(kept?.verdict.reason).toMatch(/the policy the tenant declared for encoder \(RIM/);
  });

  it('a declaration whose RPV is not 64 bytes is refused at restore, by its path', () => {
    const rim = stageReference({ name: 'encoder' }).rim;
    const { done } = restored(run('video-honest-mica'), (state) => {
      state.tenant[rim]!.expects!.rpv = 'abcd';
    });
    expect(done.ok).toBe(false);
    expect(!done.ok && done.error).toMatch(
      new RegExp(`state\\.tenant\\["${rim}"\\]\\.expects\\.rpv: expected 64 bytes of hex`),
    );
  });
});
