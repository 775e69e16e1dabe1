// One scenario per attack of mica-spec.md §6. Each attack really runs on the video-moderation
// workflow (malicious realms through the programmable guest, a malicious host through RMI
// calls) and its outcome is read from what the machine observed: the blocking ledger decision
// and its rule, the verifier's verdict, or the attack going through. Mica mode must stop every
// attack (blocked by the monitor, or caught by the verifier where §6 says A); prototype mode
// follows the Status column: E blocked, A caught only by the verifier, G and I go through.
//
// The judge reads only the machine (issue 10): the video enters as the tenant's input on the
// gateway's network device, labelled there, and every stage's loads and stores carry the
// label; no attack names one. Whether an attack leaked is `leaksOf` on the ledger (labelled
// bytes reaching a host-visible place) or the labels the RMM returned to an outsider's load,
// never what the attack script saw. Re-judged this way, no Mica or prototype outcome changed;
// the one difference the honest labels exposed was attack 10 in Mica mode, where the
// monitor's CLEAN zeroed the page but left its `video` labels (so the next tenant "read the
// video" from zeroes): fixed, wipes drop labels. CCA-only mode is new: see CCA below.
import { describe, expect, it } from 'vitest';
import { GUEST_MODEL, createMachine, leaksOf, type LedgerEvent } from '../../src/emulator/index.ts';
import { ATTACKS, type AttackOutcome } from '../../src/workflows/attacks.ts';
import { createHostShell, createRealmShell } from '../../src/shell/index.ts';
import { hex } from '../../src/lib/hex.ts';
import { micaOf } from '../../src/policy/monitor/state.ts';
import { declaredPassage, judgeFlow, realmNamer } from '../../src/policy/judge.ts';

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

/**
 * CCA alone (the monitor dormant): no protected shared object can be set up (the Mica RMI
 * calls answer SMCCC_NOT_SUPPORTED), so the video never leaves the gateway and no stage has it
 * to leak; attacks on Mica's machinery have nothing to attack (no effect). Two go through:
 * RSI_IPA_STATE_SET has no CF rule to stop it (2), and nothing serialises prefaults (21).
 */
const CCA: Readonly<Record<number, AttackOutcome>> = Object.fromEntries(
  Array.from({ length: 21 }, (_, i) => [
    i + 1,
    i + 1 === 2 || i + 1 === 21 ? 'through' : 'blocked',
  ]),
);

/** Attacks whose success is a leak of the video to a host-visible place: judged by the ledger. */
const HOST_LEAKS = [1, 3, 4];

function leaksAfter(ledger: readonly LedgerEvent[], since: number): number {
  return leaksOf(ledger, 'video').filter((e) => e.seq > since).length;
}

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

      it(`CCA-only mode: ${CCA[attack.number]!} (judged from the machine)`, () => {
        const r = attack.run('cca');
        expect(r.outcome).toBe(CCA[attack.number]);
        expect(r.leaks).toBe(0);
        expect(r.workflow.machine.checkInvariants()).toEqual([]);
      });

      if (HOST_LEAKS.includes(attack.number)) {
        it('the verdict is the judge’s: a leak exactly when labelled video reached the host', () => {
          for (const mode of ['mica', 'mica-prototype', 'cca'] as const) {
            const r = attack.run(mode);
            expect(r.succeededLocally, mode).toBe(r.leaks > 0);
            expect(r.leaks, mode).toBeLessThanOrEqual(leaksAfter(r.workflow.machine.ledger, 0));
          }
        });
      }
    });
  }

  it('a serialised SGT race loses no prefault: after attack 21 in Mica every stage uploaded its policy and storage holds the moderated video; the prototype’s lost entry keeps the gateway out', () => {
    const mica = ATTACKS[20]!.run('mica');
    const m = micaOf(mica.workflow.machine.state)!;
    expect(Object.values(m.realms).map((r) => r.uploaded)).toEqual([true, true, true, true]);
    expect(mica.workflow.stored()?.some((b) => b !== 0)).toBe(true);
    expect(mica.leaks).toBe(0);
    expect(mica).toMatchObject({ outcome: 'blocked', rule: 'sgt:serialised' });
    const proto = ATTACKS[20]!.run('mica-prototype');
    const gateway = proto.workflow.realms.gateway!.rd;
    expect(micaOf(proto.workflow.machine.state)!.realms[hex(gateway)]?.uploaded).toBeFalsy();
  });

  it('attack 18: the verifier names the offending path edge by edge with policy fields', () => {
    const r = ATTACKS[17]!.run('mica');
    const path = r.verifier!.offending!.path;
    expect(path.map((e) => `${e.from}->${e.to}`)).toEqual(['encoder->storage', 'storage->U']);
    expect(path[0]!.via).toBe('Mem4');
    expect(path[0]!.fields.map((f) => f.path)).toContain('Mem4.mappings.VM2.prot');
    expect(path[1]!.fields.map((f) => f.path)).toContain('VM4.is-gateway');
  });
});

describe('the malicious encoder (issue 10): copies the video it received, names no label', () => {
  it('CCA-only: the judge reports the leak from the ledger (the label came with the bytes)', () => {
    const m = createMachine({ guest: GUEST_MODEL, mode: 'cca' });
    const host = createHostShell(m);
    host.execute('realm create encoder --image shell --net');
    host.execute('tenant send encoder "VIDEO-frame-0001"');
    const enc = createRealmShell(m, 'encoder');
    enc.execute('net recv 0x4000');
    expect(leaksOf(m.ledger, 'video')).toEqual([]);
    // A plain copy to the unprotected half: the program writes what it loaded, nothing more.
    enc.execute('ipa-state set 0x6000 0x7000 empty');
    enc.execute(`copy 0x4000 ${hex(2 ** 41 + 0x6000)} 16`);
    const leaks = leaksOf(m.ledger, 'video');
    expect(leaks.length).toBeGreaterThan(0);
    // The first store reaches the host in an exit register (the page is not mapped yet), the
    // rest land in NS memory: both are paths the ledger names.
    expect(leaks.map((f) => f.channel)).toEqual(expect.arrayContaining(['mmio', 'ns-memory']));
    for (const f of leaks) expect(f.decision).toMatchObject({ rule: 'cca:host-visible' });
  });

  it('Mica blocks the same copy (attack 1); the prototype lets it through and the judge says so', () => {
    const mica = ATTACKS[0]!.run('mica');
    expect(mica.outcome).toBe('blocked');
    expect(mica.leaks).toBe(0);
    const proto = ATTACKS[0]!.run('mica-prototype');
    expect(proto.outcome).toBe('through');
    expect(proto.leaks).toBeGreaterThan(0);
  });
});

describe('an attack that went through says what it achieved', () => {
  // The Pipeline view's banner reads the result's reason: "the attack went through" told an
  // instructor nothing. A leak names where the video went; any other success, its effect.
  const through = ATTACKS.map((a) => a.run('mica-prototype')).filter(
    (r) => r.outcome === 'through',
  );
  it('six attacks go through in the prototype (1, 4, 10, 11, 20, 21)', () => {
    expect(through.map((r) => r.number)).toEqual([1, 4, 10, 11, 20, 21]);
  });
  for (const r of through) {
    it(`attack ${r.number} (mica-prototype): ${r.leaks > 0 ? 'names where the video went' : 'names its effect'}`, () => {
      expect(r.reason).not.toBe('the attack went through');
      if (r.leaks > 0) expect(r.reason).toMatch(/labelled video reached \S/);
    });
  }
});

describe('a realm the tenant did not declare that received the video is a leak (mica-spec §1.3), in the built-in attacks as in the scenario files', () => {
  // The built-in attacks (the Pipeline view's menu, `mica-lab mica demo`) declared nothing to
  // the machine, so the view drew the next tenant's read of the leftovers as allowed while its
  // banner said the attack went through. Now the tenant declares its realms as a file's does.
  const strangers: Readonly<Record<number, { realm: string; outcome: AttackOutcome }>> = {
    6: { realm: 'intruder', outcome: 'caught' },
    10: { realm: 'next-tenant', outcome: 'through' },
    13: { realm: 'impostor', outcome: 'caught' },
  };
  for (const [n, want] of Object.entries(strangers)) {
    it(`attack ${n} (mica-prototype): the video reached ${want.realm}, and the result says so first`, () => {
      const r = ATTACKS[Number(n) - 1]!.run('mica-prototype');
      expect(r.outcome).toBe(want.outcome);
      expect(r.leaks).toBeGreaterThan(0);
      expect(r.reason).toMatch(
        new RegExp(
          `^\\d+ byte\\(s\\) labelled video reached ${want.realm} via \\S+: its measurement \\(RIM [0-9a-f]+…\\) is not one the tenant declared`,
        ),
      );
      // The view's judge, over the same ledger with what the tenant declared, finds it too.
      const state = r.workflow.machine.state;
      const passage = declaredPassage(state);
      const viewLeaks = r.workflow.machine.ledger.filter(
        (e) => e.kind === 'flow' && judgeFlow(e, realmNamer(state), passage).outcome === 'leak',
      );
      expect(viewLeaks.length).toBeGreaterThanOrEqual(r.leaks);
    });
    it(`attack ${n} (mica): no realm but the tenant's receives the video`, () => {
      expect(ATTACKS[Number(n) - 1]!.run('mica').leaks).toBe(0);
    });
  }
});
