// Snapshot and restore with realms (code-style.md principle 8): a machine with a running
// realm survives a JSON round trip, and the restored machine carries on identically.
import { describe, expect, it } from 'vitest';
import { abi, createMachine, listRealms, listRecs, rttEntries } from '../../src/emulator/index.ts';
import { Lab, activeRealm, enter, expectOk, newRun } from '../spec/rmi/helpers.ts';

describe('snapshot/restore with a realm', () => {
  it('round-trips realms, RECs and RTTs through JSON', () => {
    const lab = new Lab();
    const { rd, rec } = activeRealm(lab);
    const run = newRun(lab);
    expectOk(enter(lab, rec, run).r);
    const json = JSON.stringify(lab.m.snapshot());
    const m2 = createMachine();
    expect(m2.restore(JSON.parse(json))).toEqual({ ok: true });
    expect(m2.checkInvariants()).toEqual([]);
    expect(listRealms(m2.state)).toEqual(listRealms(lab.m.state));
    expect(listRecs(m2.state)).toEqual(listRecs(lab.m.state));
    expect(rttEntries(m2.state, rd)).toEqual(rttEntries(lab.m.state, rd));
    // Both machines answer the next commands the same way.
    const a = lab.m.smc(abi.SMC_RMI_REC_ENTER, rec, run);
    const b = m2.smc(abi.SMC_RMI_REC_ENTER, rec, run);
    expect(b.x).toEqual(a.x);
    expect(m2.read(run, 0x1000)).toEqual(lab.m.read(run, 0x1000));
    expect(JSON.stringify(m2.snapshot().state.rmm)).toBe(
      JSON.stringify(lab.m.snapshot().state.rmm),
    );
  });

  it('restoring an earlier snapshot undoes realm destruction', () => {
    const lab = new Lab();
    const { rd, rec } = activeRealm(lab);
    const before = lab.m.snapshot();
    expectOk(lab.call(abi.SMC_RMI_REC_DESTROY, rec));
    expect(listRecs(lab.m.state)).toEqual([]);
    expect(lab.m.restore(before)).toEqual({ ok: true });
    expect(listRecs(lab.m.state, rd)).toHaveLength(1);
    expect(lab.m.checkInvariants()).toEqual([]);
  });
});

describe('one state is one snapshot text, whatever order its record was rebuilt in (snapshot.ts)', () => {
  it('after an undo to a checkpoint and after an adoption by another machine, the text is the same', () => {
    const lab = new Lab();
    activeRealm(lab);
    // A device's labelled input: the state record gains its labels after the ledger.
    const pa = lab.nsPage(new Uint8Array(16).fill(7));
    const input = {
      pa,
      bytes: 16,
      label: 'video',
      channel: 'tenant-input',
      source: { kind: 'network', name: 'tenant' },
      destination: { kind: 'realm', name: 'gateway', address: 0 },
    } as const;
    expect(lab.m.hostIo.deviceInput(input, new Uint8Array(16).fill(7)).ok).toBe(true);
    expect(Object.keys(lab.m.state).indexOf('labels')).toBeGreaterThan(
      Object.keys(lab.m.state).indexOf('ledger'),
    );
    const text = JSON.stringify(lab.m.snapshot());
    // Rewind and adopt rebuild the state record with the ledger added last.
    const checkpoint = lab.m.checkpoint();
    lab.delegated();
    expect(lab.m.rewind(checkpoint)).toEqual({ ok: true });
    expect(JSON.stringify(lab.m.snapshot())).toBe(text);
    const other = createMachine();
    expect(other.adopt(lab.m.checkpoint(), lab.m.ledger)).toEqual({ ok: true });
    expect(JSON.stringify(other.snapshot())).toBe(text);
  });
});

describe('a snapshot shares the ledger events it holds (snapshot.ts): no later step changes one', () => {
  // toSnapshot and fromSnapshot copy the event list, not the events: that is sound only while
  // nothing changes an event once the ledger holds it. A stream of bulk copies and maps (whose
  // flow runs grow in place until they are emitted, and are replayed from frozen plans) runs on
  // after a snapshot, on the machine it came from and on one restored from it; the snapshot's
  // events must read exactly as they did when it was taken.
  it('after more streaming on both machines, the snapshot reads as it did', async () => {
    const { buildVideoWorkflow } = await import('../../src/workflows/video.ts');
    const { NET_IPA, NET_PAYLOAD_OFFSET } = await import('../../src/workflows/host.ts');
    const wf = buildVideoWorkflow({ size: 0x4000 });
    const gw = wf.realms[wf.order[0]!]!;
    const enc = wf.realms[wf.order[1]!]!;
    const len = 0x4000;
    const packet = (k: number) => new Uint8Array(len).fill(k + 1);
    const checksum = ([x]: readonly Uint8Array[]) => new Uint8Array([x![0]!, x![len - 1]!]);
    const stream = (k: number) => {
      wf.host.tenantSend(gw, packet(k));
      wf.exec(gw.name, [
        { op: 'copy', from: NET_IPA + NET_PAYLOAD_OFFSET, to: gw.bars[0]!.ipa, len },
      ]);
      wf.exec(enc.name, [
        { op: 'map', from: [{ ipa: enc.bars[0]!.ipa, len }], to: enc.bars[1]!.ipa, fn: checksum },
      ]);
    };
    for (let k = 0; k < 4; k++) stream(k);
    const snapshot = wf.machine.snapshot();
    const taken = JSON.stringify(snapshot);
    for (let k = 4; k < 8; k++) stream(k);
    const { createMicaMachine } = await import('../../src/policy/monitor/extension.ts');
    const other = createMicaMachine({});
    expect(other.restore(snapshot)).toEqual({ ok: true });
    other.smc(abi.SMC_RMI_GRANULE_DELEGATE, 0x8800_0000);
    for (let k = 8; k < 12; k++) stream(k);
    expect(wf.machine.restore(snapshot)).toEqual({ ok: true });
    for (let k = 12; k < 16; k++) stream(k);
    expect(JSON.stringify(snapshot)).toBe(taken);
  });
});
