// Control transfers (mica-spec.md §3.6, §8 items 6-7): CALL / EXCEPTION / OTHER classes with
// BLOCK, ALLOW and SCRUB (policy OTHER), each decision a ledger event naming the CF clause.
import { describe, expect, it } from 'vitest';
import { abi, decodeRecExit, mpidrOfIndex, type RecExit } from '../../src/emulator/index.ts';
import { judgeFlow, realmNamer } from '../../src/policy/index.ts';
import type { Policy } from '../../src/policy/model.ts';
import { CONSOLE_IPA, HOSTCALL_IPA } from '../../src/workflows/host.ts';
import { VIDEO_VALUE, buildVideoWorkflow } from '../../src/workflows/video.ts';

const SIZE = 0x4000;

function withCf(name: string, policy: Policy['cfs'][number]['policy']) {
  return (_realm: string, p: Policy): Policy => ({
    ...p,
    cfs: p.cfs.map((c) => (c.name === name ? { ...c, policy } : c)),
  });
}

function decisions(wf: ReturnType<typeof buildVideoWorkflow>, channel: string) {
  return wf.machine.ledger.flatMap((e) =>
    e.kind === 'flow' && e.channel === channel ? [e.decision] : [],
  );
}

/** Every REC exit the host reads from its run page, in order. */
function exitsSeen(wf: ReturnType<typeof buildVideoWorkflow>): RecExit[] {
  const seen: RecExit[] = [];
  const machine = wf.machine;
  const smc = machine.smc.bind(machine);
  machine.smc = (fid, ...args) => {
    const r = smc(fid, ...args);
    if (Number(fid) === abi.SMC_RMI_REC_ENTER && r.status === 'RMI_SUCCESS') {
      const read = machine.read(Number(args[1]), abi.GRANULE_SIZE);
      if (read.ok) seen.push(decodeRecExit(read.bytes));
    }
    return r;
  };
  return seen;
}

describe('control transfers', () => {
  it('CALL BLOCK: every SMC of the owner returns RSI_ERROR_STATE and never reaches the host', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    const h = wf.realms.encoder!;
    const at = wf.guest.program(h.rd).length;
    const g = wf.exec('encoder', [{ op: 'hostCall', struct: HOSTCALL_IPA, values: [VIDEO_VALUE] }]);
    expect(BigInt(String(g[`x0@${at}`]))).toBe(2n);
    expect(wf.host.saw).not.toContain(VIDEO_VALUE);
    expect(decisions(wf, 'smc').at(-1)).toMatchObject({
      verdict: 'blocked',
      rule: 'CF1 owner VM2 CALL 0x17 BLOCK',
    });
  });

  it('a blocked call is said by where it went: an RSI call to the RMM, a host call to the host', () => {
    // Every blocked SMC was recorded as going to the host, and the realm terminal said
    // "encoder tried to call the host" for an RSI_MEASUREMENT_READ the RMM handles.
    const wf = buildVideoWorkflow({ size: SIZE });
    const said = () => {
      const e = wf.machine.ledger.findLast((x) => x.kind === 'flow' && x.channel === 'smc');
      if (e?.kind !== 'flow') throw new Error('no smc flow');
      return [e.destination.kind, judgeFlow(e, realmNamer(wf.machine.state)).text];
    };
    wf.exec('encoder', [{ op: 'smc', fid: abi.SMC_RSI_MEASUREMENT_READ, args: [1n] }]);
    expect(said()).toEqual([
      'rmm',
      'encoder tried to call the RMM: blocked by its policy, rule CF1',
    ]);
    wf.exec('encoder', [{ op: 'hostCall', struct: HOSTCALL_IPA, values: [7n] }]);
    expect(said()).toEqual([
      'host',
      'encoder tried to call the host: blocked by its policy, rule CF1',
    ]);
  });

  it('a PSCI call is said by where it ended up: the RMM asked the host to complete it (RMI_EXIT_PSCI), or answered it itself', () => {
    // Every PSCI call was recorded as going to the RMM, also the ones the RMM hands to the host.
    const said = (wf: ReturnType<typeof buildVideoWorkflow>) => {
      const e = wf.machine.ledger.findLast((x) => x.kind === 'flow' && x.channel === 'smc');
      if (e?.kind !== 'flow') throw new Error('no smc flow');
      return [e.destination.kind, judgeFlow(e, realmNamer(wf.machine.state)).text];
    };
    // The encoder has a second vCPU (REC 1, stopped) for its AFFINITY_INFO to ask about.
    const allowed = buildVideoWorkflow({ size: SIZE, edit: withCf('CF1', 'ALLOW'), recs: 2 });
    const exits = exitsSeen(allowed);
    // The RMM answers VERSION, a CPU_ON of a REC the realm does not have, and an
    // AFFINITY_INFO of the caller's own MPIDR (ON; DEN0137 A4.3.7, TF-RMM psci.c) itself.
    allowed.exec('encoder', [{ op: 'smc', fid: abi.PSCI_VERSION, args: [] }]);
    expect(said(allowed)[0]).toBe('rmm');
    allowed.exec('encoder', [{ op: 'smc', fid: abi.PSCI_CPU_ON_AARCH64, args: [7n, 0n, 0n] }]);
    expect(said(allowed)).toEqual(['rmm', 'encoder called the RMM with 0 byte(s): allowed, CF1']);
    const self = [mpidrOfIndex(0), 0n]; // the encoder's own REC, lowest affinity level
    allowed.exec('encoder', [{ op: 'smc', fid: abi.PSCI_AFFINITY_INFO_AARCH64, args: self }]);
    expect(said(allowed)).toEqual(['rmm', 'encoder called the RMM with 0 byte(s): allowed, CF1']);
    expect(exits.some((x) => x.exitReason === BigInt(abi.RMI_EXIT_PSCI))).toBe(false);
    const other = [mpidrOfIndex(1), 0n]; // its second REC: the host names it in RMI_PSCI_COMPLETE
    allowed.exec('encoder', [{ op: 'smc', fid: abi.PSCI_AFFINITY_INFO_AARCH64, args: other }]);
    expect(exits.some((x) => x.exitReason === BigInt(abi.RMI_EXIT_PSCI))).toBe(true);
    expect(said(allowed)).toEqual([
      'host',
      'encoder called PSCI_AFFINITY_INFO; the RMM asked the host to complete it (RMI_EXIT_PSCI): allowed, CF1',
    ]);
    // Blocked, it is said by where it would have ended up.
    const sealed = buildVideoWorkflow({ size: SIZE, recs: 2 });
    sealed.exec('encoder', [{ op: 'smc', fid: abi.PSCI_AFFINITY_INFO_AARCH64, args: other }]);
    expect(said(sealed)).toEqual([
      'host',
      'encoder tried to call PSCI_AFFINITY_INFO, which the RMM hands to the host: blocked by its policy, rule CF1',
    ]);
  });

  it('CALL OTHER (SCRUB, §8 item 7): the host call goes out with its data zeroed', () => {
    const wf = buildVideoWorkflow({ size: SIZE, edit: withCf('CF1', 'OTHER') });
    wf.exec('encoder', [{ op: 'hostCall', struct: HOSTCALL_IPA, values: [VIDEO_VALUE, 7n] }]);
    expect(wf.host.saw).not.toContain(VIDEO_VALUE);
    expect(wf.host.log.some((l) => l.realm === 'encoder' && l.what.startsWith('host call'))).toBe(
      true,
    );
    expect(decisions(wf, 'smc').at(-1)).toMatchObject({
      verdict: 'allowed',
      rule: 'CF1 owner VM2 CALL 0x17 OTHER',
    });
  });

  // Issue 11 finding 4 (§8 item 7): SCRUB kept the host-call `imm` field and X1, so an
  // unbacked struct address became a stage 2 fault exit whose address the realm chose,
  // raised inside the RSI handler and outside the realm's EXCEPTION rule.
  it('SCRUB does not scrub (finding 4): imm, the struct and X1 never reach the host', () => {
    const wf = buildVideoWorkflow({ size: SIZE, edit: withCf('CF1', 'OTHER') });
    const exits = exitsSeen(wf);
    // A secret-dependent struct address: protected, 256-byte aligned, not mapped.
    const chosen = 0x4000_0000 + Number(VIDEO_VALUE & 0xfffffn) * 0x100;
    const at = wf.guest.program(wf.realms.encoder!.rd).length;
    const g = wf.exec('encoder', [
      { op: 'write', ipa: HOSTCALL_IPA, value: 0x5649n, size: 2 },
      { op: 'hostCall', struct: HOSTCALL_IPA, values: [VIDEO_VALUE, 7n] },
      { op: 'hostCall', struct: chosen },
    ]);
    const calls = exits.filter((e) => e.exitReason === BigInt(abi.RMI_EXIT_HOST_CALL));
    expect(calls).toHaveLength(2);
    for (const e of calls) {
      expect(e.imm).toBe(0n);
      expect(e.gprs.every((v) => v === 0n)).toBe(true);
    }
    // No exit of any kind carries the chosen address (HPFAR holds IPA >> 8, FAR the IPA).
    for (const e of exits) {
      expect(Number(e.hpfar << 8n)).not.toBe(chosen);
      expect(Number(e.far)).not.toBe(chosen);
    }
    expect(wf.host.saw).not.toContain(VIDEO_VALUE);
    // The realm learns its second struct was unusable; the first call completed.
    expect(BigInt(String(g[`x0@${at + 1}`]))).toBe(BigInt(abi.RSI_SUCCESS));
    expect(BigInt(String(g[`x0@${at + 2}`]))).toBe(BigInt(abi.RSI_ERROR_INPUT));
    // The ledger says exactly what was zeroed.
    const [first, second] = decisions(wf, 'smc').slice(-2);
    expect(first?.reason).toContain(
      'X1-X17 zeroed; the host-call exit carries imm 0 and gprs[0..30] 0',
    );
    expect(second?.reason).toContain('X1 named no mapped RAM, so there is no fault exit');
  });

  it('CALL ALLOW: forwarded unchanged (and the verifier would see an edge to U)', () => {
    const wf = buildVideoWorkflow({ size: SIZE, edit: withCf('CF1', 'ALLOW') });
    wf.exec('encoder', [{ op: 'hostCall', struct: HOSTCALL_IPA, values: [VIDEO_VALUE] }]);
    expect(wf.host.saw).toContain(VIDEO_VALUE);
    expect(decisions(wf, 'smc').at(-1)).toMatchObject({
      verdict: 'allowed',
      rule: 'CF1 owner VM2 CALL 0x17 ALLOW',
    });
  });

  it('EXCEPTION 0x24: BLOCK turns the MMIO exit into an SEA; ALLOW forwards it; SCRUB zeroes it', () => {
    const mmio = { op: 'write' as const, ipa: CONSOLE_IPA + 0x5000, value: VIDEO_VALUE };
    for (const [policy, seen, verdict] of [
      ['BLOCK', false, 'blocked'],
      ['ALLOW', true, 'allowed'],
      ['OTHER', false, 'allowed'],
    ] as const) {
      const wf = buildVideoWorkflow({ size: SIZE, edit: withCf('CF3', policy) });
      const h = wf.realms.encoder!;
      const at = wf.guest.program(h.rd).length;
      const g = wf.exec('encoder', [mmio]);
      expect(wf.host.saw.includes(VIDEO_VALUE)).toBe(seen);
      expect(g[`sea@${at}`] === true).toBe(policy === 'BLOCK');
      expect(decisions(wf, 'exit').at(-1)).toMatchObject({
        verdict,
        rule: `CF3 owner VM2 EXCEPTION 0x24 ${policy}`,
      });
    }
  });

  it('OTHER 1 (host-injected IRQ): BLOCK clears the list registers before the realm runs', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    // A pending Group 1 interrupt: a vIRQ (ICH_LR_EL2.Group = 1).
    wf.host.inject = (1n << 62n) | (1n << BigInt(abi.ICH_LR_EL2_GROUP_BIT)) | 27n;
    wf.exec('encoder', [{ op: 'read', ipa: 0x18000000000 }]);
    expect(decisions(wf, 'interrupt').at(-1)).toMatchObject({
      verdict: 'blocked',
      rule: 'CF4 owner VM2 OTHER 0x1 BLOCK',
    });
    expect(wf.host.recOf(wf.realms.encoder!).gicv3Lrs.every((v) => BigInt(v) === 0n)).toBe(true);
  });

  it('gateways are not restricted: their SMCs and exits reach the host', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    wf.exec('gateway', [{ op: 'hostCall', struct: HOSTCALL_IPA, values: [0x42n] }]);
    expect(wf.host.saw).toContain(0x42n);
  });
});
