// What a prototype gap let through (mica-spec.md §6 Status G; policy/abi.ts MICA_GAPS): an
// allowed flow whose decision the monitor logged under a gap's name is said to be let through
// by the prototype, in the judge's sentence and in `gap`; a refusal, or an allowance under any
// other rule, is not.
import { describe, expect, it } from 'vitest';
import type { LedgerEventOf } from '../../src/emulator/index.ts';
import { gapOf, judgeFlow } from '../../src/policy/index.ts';

function interrupt(verdict: 'allowed' | 'blocked', rule: string): LedgerEventOf<'flow'> {
  return {
    kind: 'flow',
    seq: 3,
    channel: 'interrupt',
    source: { kind: 'host', name: 'host' },
    destination: { kind: 'realm', name: 'encoder' },
    bytes: 0,
    labels: [],
    decision: { verdict, rule, reason: 'the host injected an IRQ' },
  };
}

describe('a flow a prototype gap let through', () => {
  it('is allowed, names the gap, and says the prototype let it through', () => {
    const e = interrupt('allowed', 'gap-debug-irq');
    expect(gapOf(e)).toBe('gap-debug-irq');
    const j = judgeFlow(e);
    expect(j).toMatchObject({ outcome: 'allowed', gap: 'gap-debug-irq' });
    expect(j.text).toBe('host interrupted encoder: let through by the prototype (gap-debug-irq)');
  });

  it('a refusal or an allowance under another rule names no gap', () => {
    for (const e of [
      interrupt('blocked', 'CF4 owner VM2 OTHER 0x1 BLOCK'),
      interrupt('allowed', 'CF4 owner VM2 OTHER 0x1 ALLOW'),
      interrupt('blocked', 'gap-debug-irq'),
    ]) {
      expect(gapOf(e)).toBeUndefined();
      expect(judgeFlow(e).gap).toBeUndefined();
    }
  });

  it('the host undelegating a shared page reads as what happened to which page', () => {
    const e: LedgerEventOf<'flow'> = {
      ...interrupt('allowed', 'gap-undelegate-shared'),
      channel: 'undelegate',
      destination: { kind: 'memory', name: 'shared page', address: 0x80075000 },
    };
    expect(judgeFlow(e).text).toBe(
      'host undelegated shared page 0x80075000 while it is still shared: let through by the prototype (gap-undelegate-shared)',
    );
  });
});
