// The judge's sentence for CLEAN (mica-spec.md §3.7): the monitor acting on a page that lost
// its last mapping, the same sentence for every page (so a teardown reads as one counted
// line), blocked when Mica zeroes the page and allowed when the prototype keeps its bytes.
import { describe, expect, it } from 'vitest';
import type { LedgerEventOf } from '../../src/emulator/index.ts';
import { judgeFlow } from '../../src/policy/index.ts';

function clean(verdict: 'allowed' | 'blocked', pa: number): LedgerEventOf<'flow'> {
  return {
    kind: 'flow',
    seq: 1,
    channel: 'clean',
    source: { kind: 'rmm', name: 'Mica monitor' },
    destination: { kind: 'memory', name: 'shared page', address: pa },
    bytes: 0,
    labels: [],
    decision: {
      verdict,
      rule: verdict === 'blocked' ? 'CLEAN' : 'gap-no-clean',
      reason: `page 0x${pa.toString(16)} lost its last mapping`,
    },
  };
}

describe('judgeFlow on CLEAN', () => {
  it('Mica zeroes the page: blocked, one sentence for every page, the clause kept', () => {
    const a = judgeFlow(clean('blocked', 0x80001000));
    const b = judgeFlow(clean('blocked', 0x80002000));
    expect(a.outcome).toBe('blocked');
    expect(a.text).toBe(b.text);
    expect(a.text).toContain('the monitor zeroed it');
    expect(a.clause).toBe('CLEAN');
    expect(a.text).not.toMatch(/tried to/);
  });

  it('the prototype keeps the bytes: allowed, and it says there is no CLEAN', () => {
    const j = judgeFlow(clean('allowed', 0x80001000));
    expect(j.outcome).toBe('allowed');
    expect(j.text).toContain('no CLEAN');
  });
});
