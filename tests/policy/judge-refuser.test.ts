// Who refused a host's call, named from the failure the machine logged on the call's return
// (mica-spec.md §8 item 13: the Mica monitor's own checks; cca-spec.md: the RMM's RMI failure
// conditions): a refusal no realm's policy made reads "blocked by the Mica monitor, check
// <label>" or "blocked by the RMM, condition <label>", never "blocked by the machine", and
// never from what an attack says it did.
import { describe, expect, it } from 'vitest';
import { abi, type LedgerEvent, type LedgerEventOf } from '../../src/emulator/index.ts';
import {
  callFailureOf,
  declaredPassage,
  failureOwner,
  judgeFlow,
  realmNamer,
} from '../../src/policy/index.ts';
import { createLabMachine } from '../../src/shell/machine.ts';
import { ATTACKS } from '../../src/workflows/attacks.ts';

describe('a refusal is worded by who refused', () => {
  it('the Mica monitor refusing the undelegate of a mapped shared page names the monitor and its check (attack 11)', () => {
    const { workflow } = ATTACKS[10]!.run('mica');
    const ledger = workflow.machine.ledger;
    const e = ledger.find(
      (x): x is LedgerEventOf<'flow'> =>
        x.kind === 'flow' && x.channel === 'granule' && x.decision.verdict === 'blocked',
    )!;
    expect(callFailureOf(ledger, e)).toMatchObject({ label: 'mica_shared_mapped', by: 'mica' });
    const state = workflow.machine.state;
    const j = judgeFlow(e, realmNamer(state), declaredPassage(state), ledger);
    expect(j.text).toMatch(
      /^host tried to reuse shared page 0x[0-9a-f]+, which Mica holds: blocked by the Mica monitor, check mica_shared_mapped$/,
    );
    expect(j.text).not.toContain('the machine');
  });

  it("the RMM's own RMI condition is the RMM's: no extension is named on its failure", () => {
    const machine = createLabMachine();
    const twice = () => machine.smc(abi.SMC_RMI_GRANULE_DELEGATE, 0x8000_0000n);
    twice();
    const r = twice();
    expect(r.failure).toMatchObject({ label: 'gran_state' });
    expect(r.failure?.by).toBeUndefined();
    expect(failureOwner(r.failure!)).toBe("the RMM's condition");
  });

  it('a host refusal decided inside a call the RMM failed names the RMM and the condition label', () => {
    // The ledger's shape: the call, the monitor's refusal inside it, the call's return.
    const ledger: LedgerEvent[] = [
      {
        kind: 'smc:call',
        seq: 7,
        world: 'NS',
        caller: 'host',
        fid: '0xc4000152',
        name: 'RMI_GRANULE_UNDELEGATE',
        args: ['0x80075000'],
      } as LedgerEvent,
      {
        kind: 'flow',
        seq: 8,
        parent: 7,
        channel: 'granule',
        source: { kind: 'host', name: 'host' },
        destination: { kind: 'memory', name: 'page', address: 0x80075000 },
        bytes: 0,
        labels: [],
        decision: { verdict: 'blocked', rule: 'page held', reason: 'held' },
      },
      {
        kind: 'smc:return',
        seq: 9,
        call: 7,
        name: 'RMI_GRANULE_UNDELEGATE',
        results: ['0x1'],
        status: 'RMI_ERROR_INPUT',
        index: 0,
        failure: { label: 'gran_state', reason: 'not DELEGATED' },
      },
    ];
    const e = ledger[1] as LedgerEventOf<'flow'>;
    expect(judgeFlow(e, undefined, undefined, ledger).text).toBe(
      'host tried to reuse page 0x80075000, which Mica holds: blocked by the RMM, condition gran_state',
    );
    // Without the ledger the judge cannot tell who refused, and says so no more precisely.
    expect(judgeFlow(e).text).toContain('blocked by the machine, rule page held');
  });

  it('a decision that refused nothing says what the machine did: attack 21’s racing prefault succeeded and the Mica monitor serialised the SGT updates', () => {
    const { workflow } = ATTACKS[20]!.run('mica');
    const ledger = workflow.machine.ledger;
    const e = ledger.find(
      (x): x is LedgerEventOf<'flow'> => x.kind === 'flow' && x.channel === 'sgt',
    )!;
    expect(e.decision).toMatchObject({ verdict: 'blocked', rule: 'sgt:serialised' });
    // The call the decision was made in went on: nothing refused it.
    const done = ledger.find((x) => x.kind === 'smc:return' && x.call === e.parent);
    expect(done).toMatchObject({ name: 'RMI_DATA_CREATE_UNKNOWN_SHARED', status: 'RMI_SUCCESS' });
    expect(callFailureOf(ledger, e)).toBeUndefined();
    const state = workflow.machine.state;
    const j = judgeFlow(e, realmNamer(state), declaredPassage(state), ledger);
    expect(j.outcome).toBe('blocked');
    expect(j.text).toBe(
      'host tried to update the SGT for two realms at once: RMI_DATA_CREATE_UNKNOWN_SHARED succeeded; the Mica monitor serialised the two updates, so neither was lost, rule sgt:serialised',
    );
    expect(j.text).not.toMatch(/blocked by|the machine/);
    // Without the ledger the call is not named, and still nothing is said to have refused it.
    expect(judgeFlow(e).text).toBe(
      'host tried to update the SGT for two realms at once: the Mica monitor serialised the two updates, so neither was lost, rule sgt:serialised',
    );
  });
});
