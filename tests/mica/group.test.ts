// Group attestation (mica-spec.md §4.3) and the verifier (§4.5): discovery through the SGT,
// rolling aggregation of RIM / REM0 / RPV, streaming of token then blobs, and verifyGroup
// accepting the locked-down workflow and rejecting a leaking one with the offending path.
import { describe, expect, it } from 'vitest';
import { attest, measure } from '../../src/emulator/index.ts';
import { concatBytes, fromHex, toHex } from '../../src/lib/bytes.ts';
import { VIDEO_RING_SHIPPED } from '../../src/policy/examples/video-moderation.ts';
import { verifyGroup } from '../../src/policy/group/verify.ts';
import { discoverGroup } from '../../src/policy/monitor/group.ts';
import { micaOf } from '../../src/policy/monitor/state.ts';
import { SCENARIO_CHALLENGE, buildVideoWorkflow } from '../../src/workflows/video.ts';
import { hex } from '../../src/lib/hex.ts';

const SIZE = 0x4000;

describe('group discovery (§4.3 step 1)', () => {
  it('finds the connected component through the SGT, caller first, BFS order', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    const m = micaOf(wf.machine.state)!;
    const rd = (n: string) => wf.realms[n]!.rd;
    expect(discoverGroup(m, rd('gateway'))).toEqual(
      ['gateway', 'encoder', 'moderator', 'storage'].map(rd),
    );
    expect(discoverGroup(m, rd('storage'))).toEqual(
      ['storage', 'moderator', 'encoder', 'gateway'].map(rd),
    );
  });

  it('a realm that shares nothing is a group of one', () => {
    const wf = buildVideoWorkflow({ size: SIZE, setup: false });
    wf.setupRealm('gateway');
    const m = micaOf(wf.machine.state)!;
    expect(discoverGroup(m, wf.realms.gateway!.rd)).toEqual([wf.realms.gateway!.rd]);
  });
});

describe('aggregation and streaming (§4.3 steps 2-4)', () => {
  it('the token carries H-chained RIM, REM0 and RPV; blobs are the PD records, caller first', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    const ev = wf.attest('gateway')!;
    expect(ev.blobs).toHaveLength(4);
    const m = micaOf(wf.machine.state)!;
    const realms = wf.order.map((n) => wf.machine.state.rmm.realms[hex(wf.realms[n]!.rd)]!);
    ev.blobs.forEach((b, i) => expect(toHex(b)).toBe(m.realms[hex(realms[i]!.rd)]!.record));
    const chain = (pick: (r: (typeof realms)[number]) => string) =>
      realms
        .slice(1)
        .reduce(
          (acc, r) => measure.rhash('sha-512', concatBytes(acc.subarray(0, 64), fromHex(pick(r))!)),
          fromHex(pick(realms[0]!))!,
        );
    const report = attest.verifyCcaToken(ev.token, { challenge: SCENARIO_CHALLENGE });
    expect(report.verdict).not.toBe('fail');
    expect(toHex(report.realm!.rim!)).toBe(toHex(chain((r) => r.rim)));
    expect(toHex(report.realm!.rems![0]!)).toBe(toHex(chain((r) => r.rems[0]!)));
    expect(toHex(report.realm!.rpv!)).toBe(toHex(chain((r) => r.rpv)));
    expect(toHex(report.realm!.challenge!)).toBe(toHex(SCENARIO_CHALLENGE));
  });
});

describe('verifyGroup (§4.5)', () => {
  it('accepts the locked-down video workflow (§5.4) and lists every path through the moderator', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    wf.runApp();
    const ev = wf.attest()!;
    const v = verifyGroup(ev.token, ev.blobs, wf.expectations());
    expect(v.kind).toBe('verified');
    expect(v.verdict.text).toBe('verified');
    expect(v.checks.every((c) => c.status === 'pass')).toBe(true);
    expect(v.members).toEqual(['gateway', 'encoder', 'moderator', 'storage']);
    expect(v.paths.length).toBeGreaterThan(0);
    for (const p of v.paths) expect(p.some((e) => e.to === 'moderator')).toBe(true);
  });

  it('rejects the shipped ring: the encoder is a gateway, offending path RE -> U with its field', () => {
    const wf = buildVideoWorkflow({ size: SIZE, example: VIDEO_RING_SHIPPED });
    const ev = wf.attest('RG')!;
    const v = verifyGroup(ev.token, ev.blobs, wf.expectations());
    expect(v.kind).toBe('rejected');
    expect(v.checks.find((c) => c.status === 'fail')!.id).toBe('flow');
    const path = v.offending!.path;
    expect(path.map((e) => [e.from, e.to, e.kind])).toEqual([['RE', 'U', 'gateway']]);
    expect(path[0]!.fields).toEqual([{ realm: 'RE', path: 'VM2.is-gateway', value: 'true' }]);
  });

  it('rejects a stale challenge, a missing member and a reordered group', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    const ev = wf.attest()!;
    const exp = wf.expectations();
    const stale = verifyGroup(ev.token, ev.blobs, { ...exp, challenge: new Uint8Array(64) });
    expect(stale.checks.find((c) => c.status === 'fail')!.id).toBe('challenge');
    const swapped = verifyGroup(ev.token, [ev.blobs[1]!, ev.blobs[0]!, ...ev.blobs.slice(2)], exp);
    expect(swapped.checks.find((c) => c.status === 'fail')!.id).toBe('group-rim');
    const fewer = verifyGroup(ev.token, ev.blobs, {
      ...exp,
      members: [...exp.members, { ...exp.members[0]!, name: 'ghost', hash: 0x77 }],
    });
    expect(fewer.checks.find((c) => c.status === 'fail')!.id).toBe('membership');
  });
});

describe('group discovery names what it did not find (§8 item 14)', () => {
  it('a member whose policy names a realm outside the SGT component says so', () => {
    const wf = buildVideoWorkflow({ size: SIZE, setup: false });
    wf.setupRealm('gateway');
    wf.attest('gateway');
    const d = wf.machine.ledger
      .filter((e) => e.kind === 'flow' && e.decision.rule === 'group:discovery')
      .at(-1);
    expect(d?.kind === 'flow' && d.decision.reason).toMatch(
      /named in their policies but not in the group: VM2/,
    );
  });
});
