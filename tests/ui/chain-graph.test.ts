// The attestation chain as a drawing (issue 14): every check of the verifier sits on exactly
// one edge, and a tampered policy blob breaks that member's edges only, in the words of the
// group verifier (verifyGroup), while the token's own edges keep holding.
import { describe, expect, test } from 'vitest';
import { runPipeline } from '../../src/lessons/loaded.ts';
import { verifyGroup } from '../../src/policy/index.ts';
import {
  BLOB_FLIP_OFFSET,
  flipByteAt,
  groupGraph,
  realmGraph,
} from '../../src/ui/attestation/chain-graph.ts';
import { sampleAppraisal } from '../../src/ui/attestation/chain-model.ts';

const { result } = runPipeline(0, 'mica');
const evidence = result.evidence!;
const status = (graph: ReturnType<typeof groupGraph>, id: string) =>
  graph.edges.find((e) => e.id === id)?.status;

describe('the chain drawing', () => {
  test('every group check is drawn on exactly one edge (the token check by its parts)', () => {
    const graph = groupGraph(result.verdict!, evidence.blobs);
    const drawn = graph.edges.flatMap((e) => e.checks.map((c) => c.title));
    for (const check of result.verdict!.checks.filter((c) => c.id !== 'token')) {
      expect(drawn.filter((t) => t === check.title)).toHaveLength(1);
    }
    expect(graph.edges.filter((e) => e.status === 'fail')).toEqual([]);
    for (const label of ['signs', 'hashes into', 'compared with'] as const) {
      expect(graph.edges.some((e) => e.label === label)).toBe(true);
    }
  });

  test('every check of a realm token is drawn on exactly one edge', () => {
    const appraisal = sampleAppraisal();
    const graph = realmGraph(appraisal);
    const drawn = graph.edges.flatMap((e) => e.checks);
    expect(drawn).toHaveLength(appraisal.report.checks.length);
  });

  test('a flipped byte of the encoder’s blob breaks the encoder’s edges only, with the reason', () => {
    const blobs = evidence.blobs.map((b, i) => (i === 1 ? flipByteAt(b, BLOB_FLIP_OFFSET) : b));
    const verdict = verifyGroup(evidence.token, blobs, evidence.expectations);
    expect(verdict.kind).toBe('rejected');
    const graph = groupGraph(verdict, blobs);
    expect(status(graph, 'member-1-checks')).toBe('fail');
    expect(status(graph, 'member-1-token')).toBe('fail');
    for (const i of [0, 2, 3]) expect(status(graph, `member-${i}-checks`)).toBe('pass');
    expect(status(graph, 'rak-token')).toBe('pass');
    expect(graph.edges.find((e) => e.id === 'member-1-checks')?.reason).toMatch(
      new RegExp(
        `encoder's blob differs from the policy the tenant expects at byte ${BLOB_FLIP_OFFSET}`,
      ),
    );
  });

  test('a flipped byte of the group token breaks the RAK’s signature edge, with its bytes', () => {
    const verdict = verifyGroup(flipByteAt(evidence.token), evidence.blobs, evidence.expectations);
    const graph = groupGraph(verdict, evidence.blobs);
    const signs = graph.edges.find((e) => e.id === 'rak-token')!;
    expect(signs.status).toBe('fail');
    expect(signs.path).toBe('realm/signature');
    for (const i of [0, 1, 2, 3]) expect(status(graph, `member-${i}-checks`)).toBe('pass');
  });
});
