// The host completes every PSCI call the RMM hands it before it enters the REC again
// (DEN0137 B4.3.7 RMI_PSCI_COMPLETE; cca-spec.md §2.3 REC_ENTER `rec_psci`, §4.2): a realm's
// PSCI_CPU_ON or PSCI_AFFINITY_INFO naming another of its RECs leaves the calling REC with a
// pending request, and the workflow host (workflows/host.ts, MicaHost.run) answers it with
// RMI_PSCI_COMPLETE naming the target REC from the exit's gprs[1], as KVM does
// (realm_psci_complete), then enters the REC again and the realm's program runs on.
import { describe, expect, it } from 'vitest';
import { abi, mpidrOfIndex, type LedgerEventOf } from '../../src/emulator/index.ts';
import type { Policy } from '../../src/policy/model.ts';
import { PROGRAM_BASE, guestLoad } from '../../src/workflows/guest.ts';
import { ATTEST_IPA } from '../../src/workflows/host.ts';
import { buildVideoWorkflow } from '../../src/workflows/video.ts';

const SIZE = 0x4000;

/** The encoder's calls allowed (CF1 ALLOW), so its PSCI calls reach the RMM. */
function callsAllowed(_realm: string, p: Policy): Policy {
  return { ...p, cfs: p.cfs.map((c) => (c.name === 'CF1' ? { ...c, policy: 'ALLOW' } : c)) };
}

/** X0 of op `i` as the program saw it, as a signed PSCI return code. */
function x0(g: Readonly<Record<string, unknown>>, i: number): bigint {
  return BigInt.asIntN(64, BigInt(String(g[`x0@${i}`])));
}

/** The RMI_PSCI_COMPLETE returns in the ledger, with the arguments of their calls. */
function completions(wf: ReturnType<typeof buildVideoWorkflow>) {
  const ledger = wf.machine.ledger;
  const calls = new Map(
    ledger
      .filter((e): e is LedgerEventOf<'smc:call'> => e.kind === 'smc:call')
      .map((e) => [e.seq, e]),
  );
  return ledger
    .filter(
      (e): e is LedgerEventOf<'smc:return'> =>
        e.kind === 'smc:return' && e.name === 'RMI_PSCI_COMPLETE',
    )
    .map((e) => ({ status: e.status, args: calls.get(e.call)?.args.map((a) => BigInt(a)) }));
}

describe('the host completes a PSCI call the RMM hands it (RMI_PSCI_COMPLETE) before entering the REC again', () => {
  it('CPU_ON and AFFINITY_INFO of a second vCPU: completed with PSCI_SUCCESS, the program runs on', () => {
    const wf = buildVideoWorkflow({ size: SIZE, edit: callsAllowed, recs: 2 });
    const h = wf.realms.encoder!;
    expect(h.recs).toHaveLength(2);
    const second = mpidrOfIndex(1);
    const at = wf.guest.program(h.rd).length;
    // The second vCPU's code starts after these five ops (the end of the program: it has
    // nothing to do but start).
    const entry = BigInt(PROGRAM_BASE + 4 * (at + 5));
    const g = wf.exec('encoder', [
      { op: 'smc', fid: abi.PSCI_AFFINITY_INFO_AARCH64, args: [second, 0n] },
      { op: 'smc', fid: abi.PSCI_CPU_ON_AARCH64, args: [second, entry, 7n] },
      { op: 'smc', fid: abi.PSCI_AFFINITY_INFO_AARCH64, args: [second, 0n] },
      { op: 'smc', fid: abi.PSCI_CPU_ON_AARCH64, args: [second, entry, 7n] },
      { op: 'smc', fid: abi.PSCI_VERSION },
    ]);
    // Every call returned to the program, which ran to its end.
    expect(wf.host.log.filter((l) => l.what.startsWith('REC_ENTER failed'))).toEqual([]);
    expect(g.done).toBe(true);
    expect(x0(g, at)).toBe(BigInt(abi.PSCI_AFFINITY_INFO_OFF));
    expect(x0(g, at + 1)).toBe(BigInt(abi.PSCI_SUCCESS));
    expect(x0(g, at + 2)).toBe(BigInt(abi.PSCI_AFFINITY_INFO_ON));
    expect(x0(g, at + 3)).toBe(BigInt(abi.PSCI_ALREADY_ON));
    expect(x0(g, at + 4)).toBe(BigInt(abi.PSCI_VERSION_1_1));
    // The second vCPU was started where the realm asked, with its context ID in X0.
    const rec1 = wf.machine.state.rmm.recs[`0x${h.recs[1]!.toString(16)}`]!;
    expect(rec1.runnable).toBe(true);
    expect(BigInt(rec1.pc)).toBe(entry);
    expect(BigInt(rec1.gprs[0]!)).toBe(7n);
    // The ledger shows each completion: calling REC, target REC from the exit, PSCI_SUCCESS.
    const done = completions(wf);
    expect(done).toHaveLength(4);
    for (const c of done) {
      expect(c.status).toBe('RMI_SUCCESS');
      expect(c.args).toEqual([BigInt(h.rec), BigInt(h.recs[1]!), BigInt(abi.PSCI_SUCCESS)]);
    }
    expect(wf.host.log.filter((l) => l.what.startsWith('PSCI'))).toHaveLength(4);
  });

  it('a completion the RMM refuses leaves the REC waiting: the host stops and says why, no doomed entry', () => {
    // The host destroyed the second vCPU behind the realm's back: the realm still asks about
    // its MPIDR, and RMI_PSCI_COMPLETE naming the destroyed REC is refused (`target_state`).
    const wf = buildVideoWorkflow({ size: SIZE, edit: callsAllowed, recs: 2 });
    const h = wf.realms.encoder!;
    expect(wf.host.smc(abi.SMC_RMI_REC_DESTROY, h.recs[1]!).status).toBe('RMI_SUCCESS');
    const g = wf.exec('encoder', [
      { op: 'smc', fid: abi.PSCI_AFFINITY_INFO_AARCH64, args: [mpidrOfIndex(1), 0n] },
    ]);
    expect(g.done).toBe(false);
    expect(completions(wf)).toEqual([
      { status: 'RMI_ERROR_INPUT', args: [BigInt(h.rec), BigInt(h.recs[1]!), 0n] },
    ]);
    const said = wf.host.log.filter((l) => l.realm === 'encoder').map((l) => l.what);
    expect(said.at(-1)).toBe(
      'PSCI_AFFINITY_INFO 0x1: RMI_PSCI_COMPLETE(PSCI_SUCCESS) RMI_ERROR_INPUT (target_state)',
    );
    expect(said.some((w) => w.startsWith('REC_ENTER failed'))).toBe(false);
  });

  it('AFFINITY_INFO of its own MPIDR never reaches the host: the RMM answers ON and the program runs on', () => {
    // DEN0137 A4.3.7, B6.3.1.3 and TF-RMM psci.c: no RMI_PSCI_COMPLETE could name the caller
    // (`alias`), so a forwarded call would leave the REC waiting for ever.
    const wf = buildVideoWorkflow({ size: SIZE, edit: callsAllowed });
    const h = wf.realms.encoder!;
    const at = wf.guest.program(h.rd).length;
    const g = wf.exec('encoder', [
      { op: 'smc', fid: abi.PSCI_AFFINITY_INFO_AARCH64, args: [mpidrOfIndex(0), 0n] },
      { op: 'smc', fid: abi.PSCI_VERSION },
    ]);
    expect(g.done).toBe(true);
    expect(x0(g, at)).toBe(BigInt(abi.PSCI_AFFINITY_INFO_ON));
    expect(x0(g, at + 1)).toBe(BigInt(abi.PSCI_VERSION_1_1));
    expect(completions(wf)).toEqual([]);
    expect(wf.host.log.filter((l) => l.what.startsWith('PSCI'))).toEqual([]);
  });
});

describe('the host runs every vCPU the realm started (round-robin, as KVM vCPU threads)', () => {
  it('a second vCPU started with CPU_ON runs its own code: its store reaches memory, the run completes', () => {
    const wf = buildVideoWorkflow({ size: SIZE, edit: callsAllowed, recs: 2 });
    const h = wf.realms.encoder!;
    const at = wf.guest.program(h.rd).length;
    const mark = 0x5ec0_0d0c_0de0_0001n;
    const where = ATTEST_IPA + 0x800;
    // REC 0 starts REC 1 at op at+2 and switches itself off; only REC 1 reaches the store.
    const entry = BigInt(PROGRAM_BASE + 4 * (at + 2));
    wf.exec('encoder', [
      { op: 'smc', fid: abi.PSCI_CPU_ON_AARCH64, args: [mpidrOfIndex(1), entry, 0n] },
      { op: 'smc', fid: abi.PSCI_CPU_OFF },
      { op: 'write', ipa: where, value: mark },
    ]);
    const rec0 = wf.host.recOf(h);
    const rec1 = wf.machine.state.rmm.recs[`0x${h.recs[1]!.toString(16)}`]!;
    expect(x0(rec0.guest, at)).toBe(BigInt(abi.PSCI_SUCCESS));
    expect(rec0.runnable).toBe(false);
    expect(rec1.guest.done).toBe(true);
    const realm = wf.machine.state.rmm.realms[`0x${h.rd.toString(16)}`]!;
    const bytes = guestLoad(wf.machine.state, realm, where, 8)!;
    expect(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true)).toBe(mark);
    // A later program runs on the vCPU that is on, and the run says it completed.
    const more = wf.guest.program(h.rd).length;
    wf.guest.add(h.rd, [{ op: 'write', ipa: where, value: mark + 1n }]);
    expect(wf.host.run(h)).toMatchObject({ done: true });
    expect(rec1.pc).toBe(`0x${(PROGRAM_BASE + 4 * (more + 1)).toString(16)}`);
  });

  it('two vCPUs on: a vCPU that waits (WFI) yields to the other, the run completes once both are done', () => {
    const wf = buildVideoWorkflow({ size: SIZE, edit: callsAllowed, recs: 2 });
    const h = wf.realms.encoder!;
    const at = wf.guest.program(h.rd).length;
    const entry = BigInt(PROGRAM_BASE + 4 * (at + 1));
    const since = wf.machine.ledger.length;
    wf.guest.add(h.rd, [
      { op: 'smc', fid: abi.PSCI_CPU_ON_AARCH64, args: [mpidrOfIndex(1), entry, 0n] },
      { op: 'wfi' },
      { op: 'smc', fid: abi.PSCI_VERSION },
    ]);
    expect(wf.host.run(h)).toMatchObject({ done: true });
    // REC 0 waited at its WFI and REC 1 ran before REC 0 was entered again.
    const entered = wf.machine.ledger
      .slice(since)
      .flatMap((e) => (e.kind === 'smc:call' && e.name === 'RMI_REC_ENTER' ? [e.args[0]] : []))
      .map((a) => Number(BigInt(a!)));
    expect(entered.indexOf(h.recs[1]!)).toBeGreaterThan(0);
    expect(entered.indexOf(h.recs[1]!)).toBeLessThan(entered.lastIndexOf(h.rec));
    const end = `0x${(PROGRAM_BASE + 4 * (at + 3)).toString(16)}`;
    for (const rec of h.recs) {
      const r = wf.machine.state.rmm.recs[`0x${rec.toString(16)}`]!;
      expect(r.guest.done).toBe(true);
      expect(r.pc).toBe(end);
      expect(x0(r.guest, at + 2)).toBe(BigInt(abi.PSCI_VERSION_1_1));
    }
  });
});
