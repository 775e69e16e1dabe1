// The judge's one leak rule (src/policy/judge.ts `leakOf`, `runLeaks`; mica-spec.md §1.3, §4.5
// step 6): labelled bytes that reached a host-visible place other than through a declared
// sanitiser and the declared gateway, or a realm the tenant did not name, are leaks, with their
// reason; refused flows, unlabelled flows, CLEAN and the allowed exit are not. `judgeFlow`'s
// `leak` outcome is the same rule, so the terminal, the drawing and the run report agree.
import { describe, expect, it } from 'vitest';
import {
  SOURCE_RULE,
  passedMark,
  type LedgerEvent,
  type LedgerEventOf,
} from '../../src/emulator/index.ts';
import { judgeFlow, leakOf, runLeaks, type AllowedPassage } from '../../src/policy/index.ts';

const GATEWAY_RIM = 'aa'.repeat(32);
const MEMBER_RIM = 'bb'.repeat(32);
const STRANGER_RIM = 'cc'.repeat(32);

/** The tenant named a gateway, a sanitiser (the moderator) and its members. */
const DECLARED: AllowedPassage = {
  sanitisers: ['moderator'],
  gateways: { [GATEWAY_RIM]: 'gateway' },
  members: { [GATEWAY_RIM]: 'gateway', [MEMBER_RIM]: 'encoder' },
};

let seq = 0;
function flow(over: Partial<LedgerEventOf<'flow'>>): LedgerEventOf<'flow'> {
  return {
    kind: 'flow',
    seq: ++seq,
    channel: 'ns-memory',
    source: { kind: 'realm', name: 'realm:0x1000', rim: MEMBER_RIM },
    destination: { kind: 'memory', name: 'NS memory', address: 0x9000 },
    bytes: 8,
    labels: ['video'],
    decision: { verdict: 'allowed', rule: 'cca:host-visible', reason: 'no monitor' },
    ...over,
  };
}

const toHost = flow({});
const refused = flow({
  decision: { verdict: 'blocked', rule: 'CF3 owner VM2 EXCEPTION 0x24 BLOCK', reason: 'CF3' },
});
const unlabelled = flow({ labels: [] });
const published = flow({
  source: { kind: 'realm', name: 'realm:0x2000', rim: GATEWAY_RIM },
  labels: ['video', passedMark('moderator')],
});
const unmarkedFromGateway = flow({
  source: { kind: 'realm', name: 'realm:0x2000', rim: GATEWAY_RIM },
});
const intoStranger = flow({
  channel: 'shared-memory',
  source: { kind: 'memory', name: 'Mem1', address: 0x8000 },
  destination: { kind: 'realm', name: 'realm:0x3000', rim: STRANGER_RIM },
});
const intoMember = flow({
  channel: 'shared-memory',
  source: { kind: 'memory', name: 'Mem1', address: 0x8000 },
  destination: { kind: 'realm', name: 'realm:0x1000', rim: MEMBER_RIM },
});
const arrival = flow({
  channel: 'network',
  source: { kind: 'network', name: 'tenant' },
  destination: { kind: 'realm', name: 'realm:0x3000', rim: STRANGER_RIM },
  decision: { verdict: 'allowed', rule: SOURCE_RULE, reason: 'declared input' },
});
const otherLabel = flow({ labels: ['secret'] });

describe('leakOf: the one leak rule, flow by flow', () => {
  it('labelled bytes in a host-visible place are a leak, with the reason', () => {
    expect(leakOf(toHost, DECLARED)).toEqual({
      kind: 'host-visible',
      why: expect.stringContaining('not through a declared sanitiser and the gateway'),
    });
  });

  it('a refused flow, an unlabelled flow and the allowed exit are not leaks', () => {
    expect(leakOf(refused, DECLARED)).toBeUndefined();
    expect(leakOf(unlabelled, DECLARED)).toBeUndefined();
    expect(leakOf(published, DECLARED)).toBeUndefined();
  });

  it('the gateway handing out bytes no declared sanitiser marked is a leak', () => {
    expect(leakOf(unmarkedFromGateway, DECLARED)?.kind).toBe('host-visible');
  });

  it('a realm the tenant did not name receiving labelled bytes is a leak naming its RIM', () => {
    const l = leakOf(intoStranger, DECLARED);
    expect(l).toMatchObject({ kind: 'stranger', rim: STRANGER_RIM });
    expect(l?.why).toContain(STRANGER_RIM.slice(0, 16));
    expect(leakOf(intoMember, DECLARED)).toBeUndefined();
    // The declared source's own arrival is not judged against the list.
    expect(leakOf(arrival, DECLARED)).toBeUndefined();
  });

  it('with nothing declared there is no allowed exit and no list of realms', () => {
    expect(leakOf(published)?.kind).toBe('host-visible');
    expect(leakOf(intoStranger)).toBeUndefined();
  });

  it("judgeFlow's leak outcome is the same rule", () => {
    const all = [
      toHost,
      refused,
      unlabelled,
      published,
      unmarkedFromGateway,
      intoStranger,
      intoMember,
      arrival,
      otherLabel,
    ];
    for (const passage of [DECLARED, undefined])
      for (const e of all)
        expect(judgeFlow(e, undefined, passage).outcome === 'leak', `flow #${e.seq}`).toBe(
          leakOf(e, passage) !== undefined,
        );
  });
});

describe('runLeaks: the leaks of a run, for the labels asked about', () => {
  const ledger: LedgerEvent[] = [
    toHost,
    refused,
    published,
    intoStranger,
    intoMember,
    otherLabel,
    { ...toHost, seq: 999, labels: ['video', 'secret'] },
  ];

  it('every leak flow carrying one of the labels, oldest first, with its reason and labels', () => {
    const leaks = runLeaks(ledger, DECLARED, ['video']);
    expect(leaks.map((l) => [l.event.seq, l.kind, l.labels])).toEqual([
      [toHost.seq, 'host-visible', ['video']],
      [intoStranger.seq, 'stranger', ['video']],
      [999, 'host-visible', ['video']],
    ]);
  });

  it('labels not asked about are not this question’s leaks; several labels keep their order', () => {
    expect(runLeaks(ledger, DECLARED, ['secret']).map((l) => l.event.seq)).toEqual([
      otherLabel.seq,
      999,
    ]);
    expect(runLeaks(ledger, DECLARED, ['video', 'secret']).at(-1)?.labels).toEqual([
      'video',
      'secret',
    ]);
  });
});
