// A REC exit the Mica monitor decides is worded by what that exit hands the host (cca-spec.md
// §2.5; mica-spec.md §8 item 6): only an emulatable MMIO write carries a value the realm
// stored (exit.gprs[0]), so only it "tries to hand data to the host"; a data abort at a
// protected IPA exits with no register value, and a blocked one becomes an SEA in the realm,
// so the judge says no data leaves. Read from the machine's events only: the host end the
// monitor named and the IPA on the flow.
import { describe, expect, it } from 'vitest';
import type { LedgerEventOf } from '../../src/emulator/index.ts';
import { playSteps, startLesson } from '../../src/lessons/index.ts';
import { findLesson } from '../../src/lessons/loaded.ts';
import { judgeFlow, realmNamer } from '../../src/policy/index.ts';

/** The encoder of 05-attacks/03 (policy CF3 BLOCKs EC 0x24) with the frame copied into 0x5000. */
function encoderRun(step: string) {
  const session = startLesson(findLesson('05-attacks/03-private-to-shared')!);
  playSteps(session.terminals, ['@encoder copy 0x18000000020 0x5000 50', step]);
  const machine = session.machine;
  const exits = machine.ledger.filter(
    (e): e is LedgerEventOf<'flow'> =>
      e.kind === 'flow' &&
      e.seq > session.startSeq &&
      e.channel === 'exit' &&
      e.decision.verdict === 'blocked',
  );
  expect(exits).toHaveLength(1);
  const e = exits[0]!;
  return { e, text: judgeFlow(e, realmNamer(machine.state)).text };
}

describe('mica-spec §8 item 6: a blocked exit is worded by what it would hand the host', () => {
  it('a data abort at a protected IPA: a fault at a protected address, no data leaves', () => {
    const { e, text } = encoderRun('@encoder copy 0x5000 0x9000 8');
    expect(text).toBe(
      'encoder tried to make the host handle a fault at protected address 0x9000 (no data leaves): blocked by its policy, rule CF3',
    );
    expect(text).not.toContain('hand data');
    // The store it came from is what was stopped; its exit would have carried only the address.
    expect(e).toMatchObject({
      bytes: 8,
      labels: ['video'],
      source: { address: 0x9000 },
      destination: { kind: 'host', name: 'host (fault at a protected IPA: the address, no data)' },
    });
  });

  it('an emulatable MMIO write: the stored value in the exit registers is data handed to the host', () => {
    const { e, text } = encoderRun('@encoder copy 0x5000 0x20000001000 8');
    expect(text).toBe(
      'encoder tried to hand data to the host (MMIO exit registers): blocked by its policy, rule CF3',
    );
    expect(e).toMatchObject({ bytes: 8, labels: ['video'] });
  });

  it('an emulatable MMIO read at an unprotected IPA: the host is asked for a value, no data leaves', () => {
    const { text } = encoderRun('@encoder mem read 0x20000005000 8');
    expect(text).toBe(
      'encoder tried to make the host emulate an MMIO read at unprotected address 0x20000005000 (no data leaves): blocked by its policy, rule CF3',
    );
  });
});
