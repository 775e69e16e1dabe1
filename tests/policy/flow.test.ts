/**
 * The verifier's flow graph and sanitiser path search (mica-spec.md §4.5 steps 5-6) on the video
 * workflow (§5.1, §5.4): the locked-down pipeline is accepted, leaking variants are refused with
 * the offending path, edge by edge, each edge carrying the policy fields that create it.
 */
import { describe, expect, it } from 'vitest';
import {
  UNTRUSTED,
  WORKFLOW_EXAMPLES,
  VIDEO_MODERATION,
  VIDEO_RING_SHIPPED,
  buildFlowGraph,
  findUnsanitisedPath,
  judgeWorkflow,
  loadWorkflow,
  type FlowGraph,
  type RealmPolicy,
} from '../../src/policy/index.ts';

function load(realms: readonly { name: string; text: string }[]): RealmPolicy[] {
  const r = loadWorkflow(realms);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return [...r.set];
}

function edgeList(g: FlowGraph): string[] {
  return g.edges.map((e) => `${e.from}->${e.to} ${e.kind}${e.via ? ' ' + e.via : ''}`).sort();
}

describe('§4.5 step 5: edges of the locked-down video pipeline', () => {
  const g = buildFlowGraph(load(VIDEO_MODERATION.realms));

  it('memory edges follow prot direction; only the gateways touch U; blocked stages have no U edge', () => {
    expect(g.nodes).toEqual(['gateway', 'encoder', 'moderator', 'storage', UNTRUSTED]);
    expect(edgeList(g)).toEqual([
      'U->gateway gateway',
      'U->storage gateway',
      'encoder->moderator shared-memory Mem2',
      'gateway->U gateway',
      'gateway->encoder shared-memory Mem1',
      'moderator->storage shared-memory Mem3',
      'storage->U gateway',
    ]);
  });

  it('each edge carries the fields of every file that creates it', () => {
    const e = g.edges.find((x) => x.via === 'Mem2')!;
    expect(e.fields).toEqual([
      { realm: 'encoder', path: 'Mem2.mappings.VM2.prot', value: 'W' },
      { realm: 'encoder', path: 'Mem2.mappings.VM3.prot', value: 'R' },
      { realm: 'moderator', path: 'Mem2.mappings.VM2.prot', value: 'W' },
      { realm: 'moderator', path: 'Mem2.mappings.VM3.prot', value: 'R' },
    ]);
  });
});

describe('§4.5 step 6: every path from the sensitive input to U passes a sanitiser', () => {
  for (const ex of WORKFLOW_EXAMPLES) {
    const expected = ex.expect.flow;
    it(`${ex.id}: ${expected === 'accept' ? 'accepted' : `refused via ${expected.join(' -> ')}`}`, () => {
      const v = judgeWorkflow(load(ex.realms), ex.source, ex.sanitisers);
      if (expected === 'accept') {
        expect(v.flow).toEqual({ ok: true });
        return;
      }
      expect(v.flow.ok).toBe(false);
      if (v.flow.ok) return;
      expect([v.flow.path[0]!.from, ...v.flow.path.map((e) => e.to)]).toEqual(expected);
      for (const e of v.flow.path) expect(e.fields.length).toBeGreaterThan(0);
    });
  }

  it('the shipped ring leaks because the encoder is a gateway; the message names the field', () => {
    const v = judgeWorkflow(load(VIDEO_RING_SHIPPED.realms), 'RE', ['RN']);
    expect(v.flow.ok || v.flow.message).toBe(
      [
        'RE -> U: data from RE reaches U without passing RN',
        '  RE -> U [gateway]: RE is a gateway: unprotected memory and the network reach the untrusted world (RE: VM2.is-gateway = true)',
      ].join('\n'),
    );
  });

  it('a non-gateway stage without an SMC BLOCK rule still reaches U through control transfers', () => {
    const set = load(VIDEO_MODERATION.realms).map((rp) => ({
      ...rp,
      policy: { ...rp.policy, cfs: rp.policy.cfs.filter((cf) => cf.name !== 'CF1') },
    }));
    const v = findUnsanitisedPath(buildFlowGraph(set), {
      source: 'encoder',
      sanitisers: ['moderator'],
    });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.path.map((e) => [e.from, e.to, e.kind, e.via])).toEqual([
      ['encoder', 'U', 'control-transfer', 'CALL 0x17'],
    ]);
    expect(v.path[0]!.fields).toEqual([
      { realm: 'encoder', path: 'VM2.is-gateway', value: 'false' },
    ]);
  });

  it('an ANY window stands for U unless the tenant trusts it', () => {
    const set = load(VIDEO_MODERATION.realms).map((rp) => ({
      ...rp,
      policy: {
        ...rp.policy,
        mems: rp.policy.mems.map((m) =>
          m.name === 'Mem2'
            ? {
                ...m,
                mappings: [
                  ...m.mappings,
                  { vm: 'ANY' as const, gpa: 0x18010000000n, prot: 'R' as const, anyCount: 1 },
                ],
              }
            : m,
        ),
      },
    }));
    const leak = findUnsanitisedPath(buildFlowGraph(set), {
      source: 'encoder',
      sanitisers: ['moderator'],
    });
    expect(leak.ok || leak.path.map((e) => [e.from, e.to, e.kind, e.via])).toEqual([
      ['encoder', 'U', 'any-window', 'Mem2'],
    ]);
    const trusted = findUnsanitisedPath(buildFlowGraph(set, { trustAny: true }), {
      source: 'encoder',
      sanitisers: ['moderator'],
    });
    expect(trusted.ok).toBe(true);
  });

  it('without a sanitiser the moderated route itself is reported, shortest first', () => {
    const v = findUnsanitisedPath(buildFlowGraph(load(VIDEO_MODERATION.realms)), {
      source: 'encoder',
      sanitisers: [],
    });
    expect(v.ok || [v.path[0]!.from, ...v.path.map((e) => e.to)]).toEqual([
      'encoder',
      'moderator',
      'storage',
      'U',
    ]);
  });

  it('an unknown source is refused, not searched', () => {
    const v = findUnsanitisedPath(buildFlowGraph(load(VIDEO_MODERATION.realms)), {
      source: 'nobody',
      sanitisers: [],
    });
    expect(v.ok || v.message).toBe(
      'source nobody is not a node of the graph (gateway, encoder, moderator, storage, U)',
    );
  });
});
