// Issue 11 finding 2, "the verifier's flow graph ignores exit channels other than SMC"
// (mica-spec.md §1.3, §4.5 step 5, §8 item 6): a non-gateway realm has an edge to U for every
// data-carrying exit class its policies do not BLOCK (SMC, data abort, instruction abort), a realm-chosen
// fault address reaching the host is a tracked flow, and the shipped locked-down examples (§5.4),
// uploaded exactly as `policy show` prints them, close every class. Each case asserts both the
// machine's judge (the ledger's leaks) and the verifier's verdict, so the two cannot disagree.
import { describe, expect, it } from 'vitest';
import { leaksOf } from '../../src/emulator/index.ts';
import { ESR_EC_DABT_LOWER, ESR_EC_WFX } from '../../src/policy/abi.ts';
import {
  LLM_GUARDRAIL_LOCKED,
  VIDEO_MODERATION,
  VIDEO_RING_LOCKED,
} from '../../src/policy/examples/index.ts';
import type { WorkflowExample } from '../../src/policy/examples/video-moderation.ts';
import { buildFlowGraph, findUnsanitisedPath } from '../../src/policy/flow.ts';
import { verifyGroup } from '../../src/policy/group/verify.ts';
import type { Policy } from '../../src/policy/model.ts';
import { CONSOLE_IPA } from '../../src/workflows/host.ts';
import type { GuestOp } from '../../src/workflows/guest.ts';
import { buildVideoWorkflow } from '../../src/workflows/video.ts';

const SIZE = 0x4000;
/** Offset into a BAR beyond every object: protected shared range, never backed (a fault). */
const UNBACKED = 0x100000;
/** Where a stage's input object holds the video (as in the §6 attacks). */
const VIDEO_OFFSET = 0x20;
/** Offset into the console window the host no longer maps for a non-gateway (an MMIO exit). */
const MMIO = 0x5000;

/** The realm's policy with its EXCEPTION rules rewritten by `keep` (dropped when empty). */
function exceptions(keep: (range: readonly number[]) => readonly number[]) {
  return (_realm: string, p: Policy): Policy => ({
    ...p,
    cfs: p.cfs.flatMap((cf) => {
      if (cf.type !== 'EXCEPTION') return [cf];
      const range = keep(cf.range);
      return range.length > 0 ? [{ ...cf, range: [...range] }] : [];
    }),
  });
}

/** Every way a stage may try to hand the video to the host besides its SMCs. */
function exfiltrate(bar: number): GuestOp[] {
  return [
    // The video the stage received through its input object, into a register.
    { op: 'read', ipa: bar + VIDEO_OFFSET, into: 'v' },
    // Emulated MMIO: the value in exit gprs[0] (data abort, EC 0x24).
    { op: 'write', ipa: CONSOLE_IPA + MMIO, value: { from: 'v' } },
    // A data abort at an address computed from the video (HPFAR), EC 0x24.
    { op: 'read', ipa: bar + UNBACKED, addressFrom: 'v' },
    // An instruction abort at an address computed from the video (HPFAR), EC 0x20.
    { op: 'fetch', ipa: bar + UNBACKED + 0x1000, addressFrom: 'v' },
  ];
}

function run(example: WorkflowExample, edit?: (realm: string, p: Policy) => Policy) {
  // The policies are uploaded exactly as the example's text says (what `policy show` prints).
  const wf = buildVideoWorkflow({
    size: SIZE,
    example,
    ...(edit ? { edit } : {}),
  });
  wf.runApp();
  const since = wf.machine.ledger.at(-1)?.seq ?? 0;
  const stages = wf.order.filter((n) => {
    const p = wf.policies[n]!;
    return !p.vms[p.self]!.isGateway;
  });
  for (const name of stages) wf.exec(name, exfiltrate(wf.realms[name]!.bars[0]!.ipa));
  const leaks = leaksOf(wf.machine.ledger, 'video').filter((e) => e.seq > since);
  const ev = wf.attest()!;
  const verdict = verifyGroup(ev.token, ev.blobs, wf.expectations());
  return { wf, leaks, verdict };
}

describe('every exit class in the flow graph (issue 11 finding 2)', () => {
  it('a non-gateway stage whose policy blocks CALL 0x17 but has no EXCEPTION rule: rejected naming the exit-class edge; the ledger sees the leak', () => {
    const { leaks, verdict } = run(
      VIDEO_MODERATION,
      exceptions(() => []),
    );
    expect(verdict.kind).toBe('rejected');
    const path = verdict.offending!.path;
    expect(path.map((e) => [e.from, e.to, e.via])).toEqual([['encoder', 'U', 'EXCEPTION 0x24']]);
    expect(path[0]!.reason).toMatch(/data abort exits .*MMIO data/);
    expect(leaks.map((e) => e.channel)).toContain('mmio');
    expect(leaks.map((e) => e.channel)).toContain('fault-address');
  });

  it('with EXCEPTION 0x24 blocked but instruction aborts open: rejected via EXCEPTION 0x20; the fault address reaches the host', () => {
    const { leaks, verdict } = run(
      VIDEO_MODERATION,
      exceptions(() => [ESR_EC_DABT_LOWER, ESR_EC_WFX]),
    );
    expect(verdict.kind).toBe('rejected');
    expect(verdict.offending!.path.map((e) => [e.from, e.to, e.via])).toEqual([
      ['encoder', 'U', 'EXCEPTION 0x20'],
    ]);
    expect(leaks.map((e) => [e.channel, e.destination.name])).toEqual(
      expect.arrayContaining([['fault-address', 'exit.hpfar / exit.far (fault address)']]),
    );
    expect(leaks.every((e) => e.channel === 'fault-address')).toBe(true);
  });

  it('the flow graph alone: every class not BLOCKed is its own edge, with the class named', () => {
    const wf = buildVideoWorkflow({ size: SIZE, setup: false });
    const set = wf.order.map((name) => ({
      name,
      policy: exceptions((r) => r.filter((ec) => ec === ESR_EC_WFX))(name, wf.policies[name]!),
    }));
    const edges = buildFlowGraph(set)
      .edges.filter((e) => e.from === 'encoder' && e.to === 'U')
      .map((e) => e.via);
    expect(edges).toEqual(['EXCEPTION 0x24', 'EXCEPTION 0x20']);
    expect(
      findUnsanitisedPath(buildFlowGraph(set), { source: 'encoder', sanitisers: ['moderator'] }).ok,
    ).toBe(false);
  });

  for (const example of [VIDEO_MODERATION, VIDEO_RING_LOCKED, LLM_GUARDRAIL_LOCKED]) {
    it(`${example.id} as shipped: verified, and no leak when every non-gateway stage tries MMIO and fault addresses`, () => {
      const { wf, leaks, verdict } = run(example);
      expect(verdict.kind).toBe('verified');
      expect(leaks).toEqual([]);
      // The attempts were really made and stopped by the monitor (SEA in the realm).
      const blocked = wf.machine.ledger.filter(
        (e) => e.kind === 'flow' && e.channel === 'exit' && e.decision.verdict === 'blocked',
      );
      expect(blocked.length).toBeGreaterThan(0);
      expect(wf.machine.checkInvariants()).toEqual([]);
    });
  }
});
