// The tenant's realms are the machine's (issue 10 "the judge decides every attack from the
// machine alone", mica-spec.md §1.3 "any realm not named" and "stale memory contents left
// behind after a region is torn down"): the run declares every realm of the file by its
// reference RIM before any host step (provenance.ts `declareRealm`), every flow that brings
// labelled bytes into a realm records the labels and the receiving realm's RIM (single loads
// and the bulk path alike), and the judge (policy/judge.ts `undeclaredRecipient`, inside
// `judgeFlow`) calls labelled bytes reaching a realm whose measurement the tenant did not
// declare a leak, whatever the host calls that realm. Without a declared member the judge
// keeps the open list and says it could not consider it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GRANULE_SIZE } from '../../src/emulator/abi/gpt.ts';
import type { LedgerEventOf, MachineSnapshot } from '../../src/emulator/index.ts';
import { judgeView } from '../../src/lessons/judged-run.ts';
import { declaredPassage, judgeFlow, realmNamer } from '../../src/policy/judge.ts';
import { createLabMachine } from '../../src/shell/index.ts';
import { stageReference } from '../../src/workflows/reference.ts';
import { runScenarioFile, type RunReport } from '../../src/workflows/run.ts';
import { loadScenarioFile, type ScenarioFile } from '../../src/workflows/scenario-file.ts';

function load(name: string): ScenarioFile {
  const text = readFileSync(new URL(`../../scenarios/${name}.json`, import.meta.url), 'utf8');
  const l = loadScenarioFile(text);
  if (!l.ok) throw new Error(l.error.message);
  return l.scenario;
}

/** The flows of `r` that brought the video into realm `name` (as the host names it), judged. */
function into(r: RunReport, name: string) {
  const state = r.machine.state;
  const nameOf = realmNamer(state);
  const passage = declaredPassage(state);
  return r.machine.ledger
    .filter(
      (e): e is LedgerEventOf<'flow'> =>
        e.kind === 'flow' &&
        e.destination.kind === 'realm' &&
        e.channel === 'shared-memory' &&
        e.labels.includes('video') &&
        nameOf(e.destination.name) === name,
    )
    .map((e) => ({ e, j: judgeFlow(e, nameOf, passage) }));
}

describe('labelled bytes reaching a realm the tenant did not declare are a leak', () => {
  it('the run declares every realm of the file by its reference RIM, before any host step', () => {
    const s = load('video-honest-mica');
    const r = runScenarioFile(s);
    const tenant = r.machine.state.tenant ?? {};
    for (const realm of s.realms)
      expect(tenant[stageReference({ name: realm.name }).rim]?.roles).toContain('member');
    expect(Object.keys(tenant)).toHaveLength(s.realms.length);
    expect(declaredPassage(r.machine.state).members).toBeDefined();
  });

  it('a declared member receiving labelled bytes is not a leak: its RIM is on every flow into it', () => {
    const r = runScenarioFile(load('video-honest-mica'));
    expect(r.outcome.outcome).toBe('no-leak');
    const reads = into(r, 'encoder');
    // The bulk path records the labels and the receiving RIM: one flow per run of pages.
    expect(reads.length).toBeGreaterThan(0);
    const rim = stageReference({ name: 'encoder' }).rim;
    for (const { e, j } of reads) {
      expect(e.destination.rim).toBe(rim);
      expect(e.bytes).toBeGreaterThan(GRANULE_SIZE);
      expect(j.outcome).toBe('allowed');
    }
    const judged = judgeView({ machine: r.machine, ledger: r.machine.ledger });
    expect(judged.verdict).toBe('no-leak');
    expect(judged.detail).not.toContain('declared no realms');
  });

  it('an undeclared realm receiving labelled bytes is a leak: a realm mapped after the uploads (attack 6, prototype)', () => {
    const r = runScenarioFile(load('attack-06-unlisted-post-proto'));
    const reads = into(r, 'intruder');
    expect(reads.length).toBeGreaterThan(0);
    for (const { e, j } of reads) {
      expect(e.destination.rim).toBe(stageReference({ name: 'intruder' }).rim);
      expect(j.outcome).toBe('leak');
      expect(j.text).toMatch(/^LEAK: intruder read video .*not one the tenant declared/);
    }
    // The run report names the same flow, and the machine's judge reaches the same verdict.
    expect(r.leaks.map((l) => l.seq)).toContain(reads[0]!.e.seq);
    const judged = judgeView({ machine: r.machine, ledger: r.machine.ledger });
    expect(judged).toMatchObject({ verdict: 'leaked', by: 'shared-memory → intruder' });
  });

  it('a realm with a member’s host name but another RIM is a leak: a substitute encoder that runs the pipeline (prototype)', () => {
    const s = load('attack-13-substitute-build-proto');
    // The host substitutes the encoder and sets up; here the application phase runs too.
    const setup = s.host.findIndex((step) => step.do === 'setup-all');
    const r = runScenarioFile({
      ...s,
      host: [...s.host.slice(0, setup + 1), { do: 'run-app' }, ...s.host.slice(setup + 1)],
    });
    const reads = into(r, 'encoder');
    expect(reads.length).toBeGreaterThan(0);
    for (const { e, j } of reads) {
      expect(e.destination.rim).not.toBe(stageReference({ name: 'encoder' }).rim);
      expect(j.outcome).toBe('leak');
    }
    expect(r.outcome).toMatchObject({ outcome: 'leak', through: 'realm' });
    expect(r.leaks[0]).toMatchObject({ through: 'realm', to: 'encoder' });
    // The real members downstream are still members.
    for (const { j } of into(r, 'moderator')) expect(j.outcome).toBe('allowed');
  });

  it('leftovers read by the next tenant’s realm are a leak (attack 10, prototype: no CLEAN)', () => {
    const r = runScenarioFile(load('attack-10-leftovers-proto'));
    const destroyed = r.machine.ledger.filter(
      (e) => e.kind === 'flow' && e.channel === 'realm-destroy',
    );
    expect(destroyed.length).toBeGreaterThan(0);
    const reads = into(r, 'next-tenant');
    expect(reads.length).toBeGreaterThan(0);
    for (const { e, j } of reads) {
      expect(e.seq).toBeGreaterThan(destroyed.at(-1)!.seq);
      expect(j.outcome).toBe('leak');
    }
    expect(r.leaks[0]).toMatchObject({ seq: reads[0]!.e.seq, through: 'realm', to: 'next-tenant' });
    expect(judgeView({ machine: r.machine, ledger: r.machine.ledger })).toMatchObject({
      verdict: 'leaked',
      by: 'shared-memory → next-tenant',
    });
  });

  it('the same leftovers in Mica mode are wiped (CLEAN): nothing labelled reaches the next tenant', () => {
    const r = runScenarioFile(load('attack-10-leftovers-mica'));
    expect(into(r, 'next-tenant')).toEqual([]);
    expect(r.leaks).toEqual([]);
  });
});

describe('without a declared member the judge keeps the open list and says so', () => {
  /** The run's snapshot as a lab machine restores it, with `edit` applied to its state first. */
  function restored(r: RunReport, edit: (state: Record<string, unknown>) => void) {
    const snap = r.machine.snapshot() as MachineSnapshot & { state: Record<string, unknown> };
    edit(snap.state);
    const m = createLabMachine();
    const done = m.restore(snap);
    return { m, done };
  }

  it('no member declared: the intruder’s read is not judged against a list, and the verdict says it', () => {
    const r = runScenarioFile(load('attack-06-unlisted-post-proto'));
    // The gateway and the sanitiser stay declared (the allowed exit), the member list does not.
    const unlisted = (state: Record<string, unknown>) => {
      const tenant = state.tenant as Record<string, { roles: string[] }>;
      for (const d of Object.values(tenant)) d.roles = d.roles.filter((x) => x !== 'member');
    };
    // The group token the host kept still names the intruder: the tenant's verifier rejects it.
    const kept = restored(r, unlisted);
    expect(judgeView({ machine: kept.m, ledger: kept.m.ledger })).toMatchObject({
      verdict: 'rejected',
      stage: 'group token',
    });
    // Without the token, nothing but the flows is left to judge.
    const { m, done } = restored(r, (state) => {
      unlisted(state);
      delete (state.host as { groupTokens?: unknown }).groupTokens;
    });
    expect(done.ok).toBe(true);
    expect(declaredPassage(m.state).members).toBeUndefined();
    const judged = judgeView({ machine: m, ledger: m.ledger });
    expect(judged.verdict).toBe('no-leak');
    expect(judged.detail).toMatch(
      /the tenant declared no realms, so the realms its data reached \(.*intruder.*\) were not judged/,
    );
  });

  it('a snapshot from before the tenant’s declarations keeps its gateway and sanitisers, with an open list', () => {
    const r = runScenarioFile(load('video-honest-mica'));
    const rim = (name: string) => stageReference({ name }).rim;
    const { m, done } = restored(r, (state) => {
      delete state.tenant;
      state.gateways = { [rim('gateway')]: 'gateway' };
      state.sanitisers = { [rim('moderator')]: 'moderator' };
    });
    expect(done.ok).toBe(true);
    expect(m.state.tenant).toEqual({
      [rim('gateway')]: { name: 'gateway', roles: ['gateway'] },
      [rim('moderator')]: { name: 'moderator', roles: ['sanitiser'] },
    });
    const passage = declaredPassage(m.state);
    expect(passage).toEqual({
      sanitisers: ['moderator'],
      gateways: { [rim('gateway')]: 'gateway' },
    });
    expect(judgeView({ machine: m, ledger: m.ledger }).verdict).toBe('no-leak');
  });

  it('a restore refuses a malformed declaration, with where it is', () => {
    const r = runScenarioFile(load('video-honest-mica'));
    const rim = stageReference({ name: 'encoder' }).rim;
    const cases: [(tenant: Record<string, unknown>) => void, RegExp][] = [
      [
        (t) => (t.encoder = { name: 'encoder', roles: ['member'] }),
        /state\.tenant\.encoder: the key is not a RIM/,
      ],
      [
        (t) => (t[rim] = { name: 'encoder', roles: ['owner'] }),
        /state\.tenant\["[0-9a-f]+"\]\.roles\[0\]: expected one of "member"/,
      ],
      [(t) => (t[rim] = { roles: ['member'] }), /state\.tenant\["[0-9a-f]+"\]\.name/],
    ];
    for (const [edit, where] of cases) {
      const { m, done } = restored(r, (state) => edit(state.tenant as Record<string, unknown>));
      expect(done.ok).toBe(false);
      expect(done.ok ? '' : done.error).toMatch(where);
      expect(m.state.tenant).toBeUndefined();
    }
  });
});
