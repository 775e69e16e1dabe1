// The judge tells the tenant's gateway by the machine, not by the host's naming (issue 10 item
// 2, mica-spec.md §1.3, §4.5 step 6): the one allowed exit of the tenant's data is its declared
// gateway (by RIM, like its sanitisers) handing out bytes a declared sanitiser computed. The
// name a realm goes by is the host's to give, so a host that calls storage "gateway" does not
// make storage's hand-out of the moderated video allowed, and renaming the real gateway does
// not make its exit a leak. The RIM is the one recorded on the flow when the realm acted, so a
// realm the host builds later at the same RD, measured as the gateway, does not either.
import { describe, expect, it } from 'vitest';
import { abi, leaksOf, nameRealm, type LedgerEventOf } from '../../src/emulator/index.ts';
import { VIDEO_PUBLISH_BYPASS } from '../../src/policy/index.ts';
import {
  declaredPassage,
  judgeFlow,
  realmNamer,
  sanitisedPassage,
} from '../../src/policy/judge.ts';
import { judgeView } from '../../src/lessons/judged-run.ts';
import { buildPipeline } from '../../src/ui/pipeline/pipeline-model.ts';
import { MODERATED_RECORD_BYTES } from '../../src/workflows/frames.ts';
import { CONSOLE_IPA, RAM_IPA, destroyRealm } from '../../src/workflows/host.ts';
import { stageReference } from '../../src/workflows/reference.ts';
import { buildVideoWorkflow, type VideoWorkflow } from '../../src/workflows/video.ts';
import { createLabMachine } from '../../src/shell/index.ts';

/**
 * The published pipeline in which storage is a gateway by its policy (so it keeps an NS console
 * page): the tenant declares the moderator its sanitiser and the gateway its gateway by RIM,
 * the app runs, and storage then copies the moderated records it keeps to its console page.
 */
function storageHandsOut(): { wf: VideoWorkflow; from: number } {
  const wf = buildVideoWorkflow({ mode: 'mica', example: VIDEO_PUBLISH_BYPASS, size: 0x4000 });
  const io = wf.machine.hostIo;
  io.declaredRealm({
    role: 'sanitiser',
    rim: wf.host.rimOf(wf.realms.moderator!),
    name: 'moderator',
  });
  io.declaredRealm({ role: 'gateway', rim: wf.host.rimOf(wf.realms.gateway!), name: 'gateway' });
  wf.runApp();
  const from = wf.machine.ledger.length;
  wf.exec('storage', [{ op: 'copy', from: RAM_IPA, to: CONSOLE_IPA, len: MODERATED_RECORD_BYTES }]);
  return { wf, from };
}

/** Labelled flows from realm `rd` into host-visible places, from ledger index `from` on. */
function exitsOf(wf: VideoWorkflow, rd: number, from = 0): LedgerEventOf<'flow'>[] {
  return leaksOf(wf.machine.ledger.slice(from), 'video').filter(
    (e) => e.source.kind === 'realm' && e.source.name === `realm:0x${rd.toString(16)}`,
  );
}

/** The moderated records storage copied to its console page (marked: the moderator computed them). */
function storageExits(wf: VideoWorkflow, from: number): LedgerEventOf<'flow'>[] {
  const exits = exitsOf(wf, wf.realms.storage!.rd, from);
  expect(exits.length).toBeGreaterThan(0);
  for (const e of exits) expect(e.labels).toContain('passed:moderator');
  return exits;
}

describe('the gateway is the realm the tenant declared by measurement, not the name the host gives', () => {
  it('a host that names storage "gateway": storage handing out the moderated records is a leak', () => {
    const { wf, from } = storageHandsOut();
    const state = wf.machine.state;
    // The host calls storage "gateway" and the real gateway something else.
    nameRealm(state, wf.realms.storage!.rd, 'gateway');
    nameRealm(state, wf.realms.gateway!.rd, 'frontdoor');
    const nameOf = realmNamer(state);
    const passage = declaredPassage(state);
    for (const e of storageExits(wf, from)) {
      expect(nameOf(e.source.name)).toBe('gateway');
      expect(sanitisedPassage(e, passage, nameOf)).toBeUndefined();
      const j = judgeFlow(e, nameOf, passage);
      expect(j.outcome).toBe('leak');
      expect(j.text).toMatch(/^LEAK: gateway copied passed:moderator, video into host-visible/);
    }
    // The lesson judge and the Pipeline drawing read the same events the same way.
    expect(judgeView({ machine: wf.machine, ledger: wf.machine.ledger.slice(from) })).toMatchObject(
      { verdict: 'leaked', stage: 'gateway' },
    );
    const drawn = buildPipeline(state, wf.machine.ledger).flows.filter((f) =>
      storageExits(wf, from).some((e) => e.seq === f.seq),
    );
    expect(drawn.length).toBeGreaterThan(0);
    for (const f of drawn) expect(f.outcome).toBe('leak');
  });

  it('the honest gateway publishing the moderated records is the allowed exit, under any name', () => {
    const { wf } = storageHandsOut();
    const state = wf.machine.state;
    const published = exitsOf(wf, wf.realms.gateway!.rd).filter((e) =>
      e.labels.includes('passed:moderator'),
    );
    expect(published.length).toBeGreaterThan(0);
    const judged = () => {
      const nameOf = realmNamer(state);
      return published.map((e) => judgeFlow(e, nameOf, declaredPassage(state)));
    };
    for (const j of judged()) {
      expect(j.outcome).toBe('allowed');
      expect(j.text).toMatch(/^gateway left through moderator \(sanitised\) and gateway to NS/);
    }
    // The host renames the real gateway: the words change, the verdict does not.
    nameRealm(state, wf.realms.gateway!.rd, 'frontdoor');
    for (const j of judged()) {
      expect(j.outcome).toBe('allowed');
      expect(j.text).toMatch(/^frontdoor left through moderator \(sanitised\) and gateway to NS/);
    }
  });

  it('no gateway declared, no allowed exit: the same publication is a leak', () => {
    const wf = buildVideoWorkflow({ mode: 'mica', example: VIDEO_PUBLISH_BYPASS, size: 0x4000 });
    wf.machine.hostIo.declaredRealm({
      role: 'sanitiser',
      rim: wf.host.rimOf(wf.realms.moderator!),
      name: 'moderator',
    });
    wf.runApp();
    const state = wf.machine.state;
    const published = exitsOf(wf, wf.realms.gateway!.rd);
    expect(published.length).toBeGreaterThan(0);
    for (const e of published)
      expect(judgeFlow(e, realmNamer(state), declaredPassage(state)).outcome).toBe('leak');
  });

  it('the RIM is the one on the flow: a gateway-measured realm the host builds later at the same RD does not make storage’s exit allowed', () => {
    const { wf, from } = storageHandsOut();
    const host = wf.host;
    const storage = wf.realms.storage!;
    const exits = storageExits(wf, from);
    for (const e of exits) expect(e.source.rim).toBe(host.rimOf(storage));
    // The host tears storage down and builds, at the same RD (its RTT and RD granules handed
    // back and taken again), a realm with the gateway's image, which it calls "gateway".
    expect(destroyRealm(host, storage).status).toBe('RMI_SUCCESS');
    const rtt = storage.rd - abi.GRANULE_SIZE;
    for (const pa of [rtt, storage.rd])
      expect(host.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, pa).status).toBe('RMI_SUCCESS');
    // The host's software picks its granules: those two first, then fresh ones as before.
    const fresh = host.alloc.bind(host);
    const reuse = [rtt, storage.rd];
    host.alloc = () => reuse.shift() ?? fresh();
    const twin = host.createRealm({ name: 'gateway', image: 'gateway', bars: [] });
    expect(twin.rd).toBe(storage.rd);
    expect(host.rimOf(twin)).toBe(stageReference({ name: 'gateway' }).rim);
    expect(host.rimOf(twin)).toBe(host.rimOf(wf.realms.gateway!));
    const state = wf.machine.state;
    const nameOf = realmNamer(state);
    for (const e of exits) {
      expect(nameOf(e.source.name)).toBe('gateway');
      expect(judgeFlow(e, nameOf, declaredPassage(state)).outcome).toBe('leak');
    }
  });

  it('a snapshot keeps the declaration and the RIM on each flow; a restore checks their shape', () => {
    const { wf, from } = storageHandsOut();
    const copy = createLabMachine();
    expect(copy.restore(wf.machine.snapshot()).ok).toBe(true);
    expect(copy.state.tenant?.[wf.host.rimOf(wf.realms.gateway!)]).toEqual({
      name: 'gateway',
      roles: ['gateway'],
    });
    const nameOf = realmNamer(copy.state);
    const passage = declaredPassage(copy.state);
    const outcome = (seq: number) => {
      const e = copy.ledger.find((x) => x.seq === seq) as LedgerEventOf<'flow'>;
      return judgeFlow(e, nameOf, passage).outcome;
    };
    for (const e of storageExits(wf, from)) expect(outcome(e.seq)).toBe('leak');
    const published = exitsOf(wf, wf.realms.gateway!.rd).filter((e) =>
      e.labels.includes('passed:moderator'),
    );
    expect(published.length).toBeGreaterThan(0);
    for (const e of published) expect(outcome(e.seq)).toBe('allowed');
    const bad = wf.machine.snapshot();
    const events = bad.state.ledger.events as { kind: string; source?: { rim?: string } }[];
    const flow = events.find((x) => x.kind === 'flow' && x.source?.rim !== undefined)!;
    flow.source!.rim = 'gateway';
    const refused = copy.restore(bad);
    expect(refused.ok).toBe(false);
    expect(refused.ok ? '' : refused.error).toMatch(/source\.rim/);
  });
});
