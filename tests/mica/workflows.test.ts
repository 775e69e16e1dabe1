// Every workflow example of the policy front end, run on the machine: realms built by the host,
// prefault and upload in order, then a group token verified. The monitor must refuse exactly the
// examples the agreement check refuses, and the verifier must reach the example's flow verdict.
// Also the legacy dialect-P pair (usecase3 P1/P2) through the same path.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { abi } from '../../src/emulator/index.ts';
import { WORKFLOW_EXAMPLES } from '../../src/policy/examples/index.ts';
import type { WorkflowExample } from '../../src/policy/examples/video-moderation.ts';
import { verifyGroup } from '../../src/policy/group/verify.ts';
import { buildVideoWorkflow } from '../../src/workflows/video.ts';

const SIZE = 0x4000;

describe('workflow examples on the machine (Mica mode)', () => {
  for (const example of WORKFLOW_EXAMPLES) {
    it(`${example.id}: uploads ${example.expect.agreement === 'accept' ? 'accepted' : 'refused'}, flow ${example.expect.flow === 'accept' ? 'accepted' : 'rejected'}`, () => {
      const wf = buildVideoWorkflow({ size: SIZE, example, setup: false });
      const statuses = wf.order.map((n) => wf.setupRealm(n));
      if (example.expect.agreement === 'accept') {
        expect(statuses).toEqual(wf.order.map(() => abi.RSI_SUCCESS));
        const ev = wf.attest()!;
        const v = verifyGroup(ev.token, ev.blobs, wf.expectations());
        if (example.expect.flow === 'accept') expect(v.kind).toBe('verified');
        else {
          expect(v.checks.find((c) => c.status === 'fail')?.id).toBe('flow');
          const nodes = [v.offending!.path[0]!.from, ...v.offending!.path.map((e) => e.to)];
          expect(nodes).toEqual(example.expect.flow);
        }
      } else {
        for (const r of example.expect.agreement) {
          expect(statuses[wf.order.indexOf(r.realm)]).toBe(abi.RSI_ERROR_INPUT);
        }
      }
      expect(wf.machine.checkInvariants()).toEqual([]);
    });
  }
});

describe('legacy dialect P (usecase3 P1/P2)', () => {
  const read = (f: string) =>
    readFileSync(new URL(`../fixtures/policies/${f}`, import.meta.url), 'utf8');
  const example: WorkflowExample = {
    id: 'usecase3',
    title: 'usecase3 P1/P2',
    description:
      'dialect P: VM1 reads Mem1, VM2 writes it through ANY and is blocked from RSI/OTHER',
    realms: [
      { name: 'VM1', role: 'packet sender', text: read('p1-usecase3-policy1.json') },
      { name: 'VM2', role: 'packet creator', text: read('p2-usecase3-policy2.json') },
    ],
    source: 'VM2',
    sanitisers: [],
    expect: { agreement: 'accept', flow: 'accept' },
  };
  it('uploads, and Ch1 (RSI, OTHER → BLOCK) blocks VM2’s SMCs', () => {
    const wf = buildVideoWorkflow({ size: SIZE, example });
    const h = wf.realms.VM2!;
    const at = wf.guest.program(h.rd).length;
    const g = wf.exec('VM2', [{ op: 'smc', fid: abi.SMC_RSI_HOST_CALL, args: [0x3000n] }]);
    expect(BigInt(String(g[`x0@${at}`]))).toBe(BigInt(abi.RSI_ERROR_STATE));
    const last = wf.machine.ledger.filter((e) => e.kind === 'flow' && e.channel === 'smc').at(-1);
    expect(last?.kind === 'flow' && last.decision.rule).toMatch(
      /^Ch1 owner VM2 CALL 0x17 BLOCK$|CALL 0x17 BLOCK/,
    );
  });
});
