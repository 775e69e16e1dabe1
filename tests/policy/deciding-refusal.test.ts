// The deciding refusal of a run (policy/judge.ts `decidingRefusal`, mica-spec.md §6), the one
// rule the run report and the lessons' judge use: the first refusal that stops an attack;
// else the first other refusal once the tenant's data moves; CLEAN (§3.7) only when nothing
// else was refused; a set-up refusal before the data moves does not count.
import { describe, expect, it } from 'vitest';
import type { LedgerEventOf } from '../../src/emulator/index.ts';
import { decidingRefusal } from '../../src/policy/index.ts';

let seq = 0;
function flow(
  channel: string,
  rule: string,
  verdict: 'allowed' | 'blocked' = 'blocked',
  labels: readonly string[] = [],
): LedgerEventOf<'flow'> {
  return {
    kind: 'flow',
    seq: ++seq,
    channel,
    source: { kind: 'realm', name: 'realm:0x80000000' },
    destination: { kind: 'host', name: 'host' },
    bytes: 8,
    labels: [...labels],
    decision: { verdict, rule, reason: rule },
  } as LedgerEventOf<'flow'>;
}

const video = () => flow('shared-memory', 'Mem1.mappings.VM1', 'allowed', ['video']);
const rules = (flows: LedgerEventOf<'flow'>[]) => {
  const d = decidingRefusal(flows);
  return d && [d.event.decision.rule, d.stopsAnAttack];
};

describe('the deciding refusal of a run', () => {
  it('is the first refusal that stops an attack; later ones are its consequences (§6 attack 1)', () => {
    const unmap = flow('ns-unmap', 'VM2 is-gateway false');
    const exit = flow('exit', 'CF3 owner VM2 EXCEPTION 0x24 BLOCK', 'blocked', ['video']);
    expect(rules([unmap, video(), exit])).toEqual(['VM2 is-gateway false', true]);
    expect(rules([video(), exit, unmap])).toEqual(['CF3 owner VM2 EXCEPTION 0x24 BLOCK', true]);
  });

  it('a serialised SGT race stops attack 21 before the coverage refusals it precedes', () => {
    const race = flow('sgt', 'sgt:serialised');
    expect(rules([race, flow('policy-upload', 'Mem4.mappings.VM1'), video()])).toEqual([
      'sgt:serialised',
      true,
    ]);
    expect(rules([flow('sgt', 'gap-sgt-race', 'allowed')])).toBeUndefined();
  });

  it('a stopping refusal outranks an earlier one that does not stop an attack', () => {
    const smc = flow('smc', 'CF1 owner VM2 CALL 0x17 BLOCK');
    const upload = flow('policy-upload', 'Mem2.size');
    expect(rules([video(), smc, upload])).toEqual(['Mem2.size', true]);
  });

  it('else the first other refusal once the data moved, never a set-up refusal before it', () => {
    const setup = flow('smc', 'CF1 owner VM2 CALL 0x17 BLOCK');
    const irq = flow('interrupt', 'CF4 owner VM2 OTHER 0x1 BLOCK');
    const again = flow('interrupt', 'CF4 again');
    expect(rules([setup, video(), irq, again])).toEqual(['CF4 owner VM2 OTHER 0x1 BLOCK', false]);
    expect(rules([setup, video()])).toBeUndefined();
  });

  it('CLEAN decides only when no attempt was refused (§3.7, attack 10)', () => {
    const clean = flow('clean', 'CLEAN');
    const undelegate = flow('granule', 'shared page mapped');
    expect(rules([video(), clean, undelegate])).toEqual(['shared page mapped', false]);
    expect(rules([video(), clean, flow('clean', 'CLEAN 2')])).toEqual(['CLEAN', false]);
  });

  it('a run that moves no labelled data counts every refusal (a teardown of what it held)', () => {
    expect(rules([flow('clean', 'CLEAN')])).toEqual(['CLEAN', false]);
    expect(rules([flow('smc', 'CF1'), flow('clean', 'CLEAN')])).toEqual(['CF1', false]);
    expect(rules([flow('shared-memory', 'x', 'allowed')])).toBeUndefined();
  });
});
