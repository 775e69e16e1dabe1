// One scenario per attack of mica-spec.md §6. Each attack really runs on the video-moderation
// workflow (malicious realms through the programmable guest, a malicious host through RMI
// calls) and its outcome is read from what the machine observed: the blocking ledger decision
// and its rule, the verifier's verdict, or the attack going through. Mica mode must stop every
// attack (blocked by the monitor, or caught by the verifier where §6 says A); prototype mode
// follows the Status column: E blocked, A caught only by the verifier, G and I go through.
import { describe, expect, it } from 'vitest';
import { ATTACKS, type AttackOutcome } from '../../src/policy/scenario/attacks.ts';

interface Expect {
  readonly outcome: AttackOutcome;
  readonly rule?: string;
}

const MICA: Readonly<Record<number, Expect>> = {
  1: { outcome: 'blocked', rule: 'VM2 is-gateway false' },
  2: { outcome: 'blocked', rule: 'CF1 owner VM2 CALL 0x17 BLOCK' },
  3: { outcome: 'blocked', rule: 'CF1 owner VM2 CALL 0x17 BLOCK' },
  4: { outcome: 'blocked', rule: 'CF3 owner VM2 EXCEPTION 0x24 BLOCK' },
  5: { outcome: 'blocked', rule: 'Mem1.mappings' },
  6: { outcome: 'blocked', rule: 'VM1 mappings' },
  7: { outcome: 'blocked', rule: 'Mem1.VM2.strict' },
  8: { outcome: 'blocked', rule: 'Mem1.mappings.VM2' },
  9: { outcome: 'blocked', rule: 'Mem2.mappings.VM3' },
  10: { outcome: 'blocked', rule: 'CLEAN' },
  11: { outcome: 'blocked', rule: 'shared page mapped' },
  12: { outcome: 'blocked', rule: 'Mem1.mappings.VM2' },
  13: { outcome: 'blocked', rule: 'VM2.hash' },
  14: { outcome: 'blocked', rule: 'Mem1.mappings.VM2.prot' },
  15: { outcome: 'blocked', rule: 'CF1.policy' },
  16: { outcome: 'blocked', rule: 'upload:one-shot' },
  17: { outcome: 'caught', rule: 'group-rem0' },
  18: { outcome: 'caught', rule: 'flow' },
  19: { outcome: 'blocked', rule: 'group:discovery' },
  20: { outcome: 'blocked', rule: 'CF4 owner VM2 OTHER 0x1 BLOCK' },
  21: { outcome: 'blocked', rule: 'sgt:serialised' },
};

/** Prototype mode, as §6's Status column says (E blocked, A caught, G/I through). */
const PROTOTYPE: Readonly<Record<number, Expect>> = {
  1: { outcome: 'through' },
  2: { outcome: 'blocked', rule: 'CF1 owner VM2 CALL 0x17 BLOCK' },
  3: { outcome: 'blocked', rule: 'CF1 owner VM2 CALL 0x17 BLOCK' },
  4: { outcome: 'through' },
  5: { outcome: 'blocked', rule: 'Mem1.mappings' },
  6: { outcome: 'caught', rule: 'identity' },
  7: { outcome: 'blocked', rule: 'Mem1.VM2.strict' },
  8: { outcome: 'blocked', rule: 'Mem1.mappings.VM2' },
  9: { outcome: 'blocked', rule: 'Mem2.mappings.VM3' },
  10: { outcome: 'through' },
  11: { outcome: 'through' },
  12: { outcome: 'blocked', rule: 'Mem1.mappings.VM2' },
  13: { outcome: 'caught', rule: 'group-rim' },
  14: { outcome: 'blocked', rule: 'Mem1.mappings.VM2.prot' },
  15: { outcome: 'blocked', rule: 'CF1.policy' },
  16: { outcome: 'blocked', rule: 'upload:one-shot' },
  17: { outcome: 'caught', rule: 'group-rem0' },
  18: { outcome: 'caught', rule: 'flow' },
  19: { outcome: 'blocked', rule: 'group:discovery' },
  20: { outcome: 'through' },
  21: { outcome: 'through' },
};

describe('§6 attacks', () => {
  it('covers all 21 attacks', () => {
    expect(ATTACKS.map((a) => a.number)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
  });

  for (const attack of ATTACKS) {
    describe(`attack ${attack.number}: ${attack.title}`, () => {
      it(`Mica mode: ${MICA[attack.number]!.outcome} (${MICA[attack.number]!.rule})`, () => {
        const r = attack.run('mica');
        const want = MICA[attack.number]!;
        expect({ outcome: r.outcome, rule: r.rule }).toEqual(want);
        if (r.outcome === 'blocked') {
          // The decision is in the ledger with the named rule (except the verifier-side 19).
          if (attack.number !== 19) {
            expect(
              r.workflow.machine.ledger.some(
                (e) =>
                  e.kind === 'flow' &&
                  e.decision.verdict === 'blocked' &&
                  e.decision.rule === want.rule,
              ),
            ).toBe(true);
          }
          expect(r.succeededLocally).toBe(false);
        }
        // Provenance: no byte labelled `video` reached a host-visible place.
        expect(r.leaks).toBe(0);
        expect(r.workflow.machine.checkInvariants()).toEqual([]);
      });

      it(`prototype mode (Status ${attack.status}): ${PROTOTYPE[attack.number]!.outcome}`, () => {
        const r = attack.run('mica-prototype');
        const want = PROTOTYPE[attack.number]!;
        expect(r.outcome).toBe(want.outcome);
        if (want.rule) expect(r.rule).toBe(want.rule);
        if (want.outcome !== 'blocked') expect(r.succeededLocally).toBe(true);
        // Where the video goes to host-visible memory or exit registers, the ledger says so.
        if (attack.number === 1 || attack.number === 4) expect(r.leaks).toBeGreaterThan(0);
        expect(r.workflow.machine.checkInvariants()).toEqual([]);
      });
    });
  }

  it('attack 18: the verifier names the offending path edge by edge with policy fields', () => {
    const r = ATTACKS[17]!.run('mica');
    const path = r.verifier!.offending!.path;
    expect(path.map((e) => `${e.from}->${e.to}`)).toEqual(['encoder->storage', 'storage->U']);
    expect(path[0]!.via).toBe('Mem4');
    expect(path[0]!.fields.map((f) => f.path)).toContain('Mem4.mappings.VM2.prot');
    expect(path[1]!.fields.map((f) => f.path)).toContain('VM4.is-gateway');
  });
});
