// Bulk guest memory (issue 10 item 3): copy, fill and map move whole ranges, translated and
// checked per 4 KiB piece; labels move as spans (copy) or as the union of what was read (map:
// XOR does not launder; a literal fill carries none); a refused page stops the op at that page
// with the RMM's normal exit/abort semantics; and the ledger gets one flow per page run.
import { describe, expect, it } from 'vitest';
import { abi, labelSpans, type LedgerEventOf } from '../../src/emulator/index.ts';
import { CONSOLE_IPA, RAM_IPA } from '../../src/workflows/host.ts';
import { buildVideoWorkflow } from '../../src/workflows/video.ts';
import { G, INPUT, bulkRealm } from './bulk-realm.ts';

describe('bulk guest memory', () => {
  it('copy carries labels span by span, across pages and unaligned', () => {
    const { m, host, h, exec, pa } = bulkRealm();
    // 100 unlabelled bytes then 5000 labelled ones in the receive buffer (the device labels only
    // what the tenant sent, so write the unlabelled prefix first at a lower offset).
    host.tenantSend(h, new Uint8Array(5100).fill(7));
    m.write(pa(INPUT), new Uint8Array(100).fill(1)); // the host overwrites 100: unlabelled now
    const { g } = exec([{ op: 'copy', from: INPUT, to: RAM_IPA + 50, len: 5100 }]);
    expect(g.done).toBe(true);
    const spans = [
      ...labelSpans(m.state, pa(RAM_IPA), G),
      ...labelSpans(m.state, pa(RAM_IPA + G), G).map((s) => ({ ...s, offset: s.offset + G })),
    ];
    expect(spans).toEqual([
      { offset: 150, length: G - 150, label: 'video' },
      { offset: G, length: 5150 - G, label: 'video' },
    ]);
    expect(m.read(pa(RAM_IPA + 50), 1).ok).toBe(false); // Realm PAS: the host cannot look
  });

  it('map: the result of XOR with unlabelled data carries the label; a literal fill carries none', () => {
    const { m, host, h, exec, pa } = bulkRealm();
    host.tenantSend(h, new Uint8Array(64).fill(0x5a));
    exec([
      { op: 'fill', ipa: RAM_IPA, len: 64, byte: 0x0f },
      {
        op: 'map',
        from: [
          { ipa: INPUT, len: 64 },
          { ipa: RAM_IPA, len: 64 },
        ],
        to: RAM_IPA + G,
        fn: ([a, b]) => a!.map((x, i) => x ^ b![i]!),
      },
    ]);
    expect(labelSpans(m.state, pa(RAM_IPA), 64)).toEqual([]);
    expect(labelSpans(m.state, pa(RAM_IPA + G), 64)).toEqual([
      { offset: 0, length: 64, label: 'video' },
    ]);
    const out = m.state.memory[Math.floor(pa(RAM_IPA + G) / G)]!;
    expect(out[0]).toBe(0x5a ^ 0x0f);
    // Filling over labelled bytes removes their labels (they no longer derive from the input).
    exec([{ op: 'fill', ipa: RAM_IPA + G, len: 32, byte: 0 }]);
    expect(labelSpans(m.state, pa(RAM_IPA + G), 64)).toEqual([
      { offset: 32, length: 32, label: 'video' },
    ]);
  });

  it('a labelled copy into the NS console is one ns-memory flow for the whole run', () => {
    const { m, host, h, exec } = bulkRealm();
    host.tenantSend(h, new Uint8Array(3000).fill(9));
    const since = m.ledger.length;
    exec([{ op: 'copy', from: INPUT, to: CONSOLE_IPA + 0x10, len: 3000 }]);
    const flows = m.ledger
      .slice(since)
      .filter((e): e is LedgerEventOf<'flow'> => e.kind === 'flow' && e.channel === 'ns-memory');
    expect(flows.map((f) => [f.bytes, f.labels, f.decision.verdict])).toEqual([
      [3000, ['video'], 'allowed'],
    ]);
  });

  it('a page the policy refuses stops the op there: SEA, the blocked decision, earlier pages done', () => {
    const wf = buildVideoWorkflow({ size: 0x4000 });
    const bar0 = wf.realms.encoder!.bars[0]!.ipa; // Mem1, mapped R for the encoder
    const since = wf.machine.ledger.length;
    const at = wf.guest.program(wf.realms.encoder!.rd).length;
    const g = wf.exec('encoder', [{ op: 'fill', ipa: bar0, len: 2 * G, byte: 1 }]);
    expect(g[`sea@${at}`]).toBe(true);
    const blocked = wf.machine.ledger
      .slice(since)
      .filter((e) => e.kind === 'flow' && e.decision.verdict === 'blocked');
    expect(blocked.map((e) => e.kind === 'flow' && e.decision.rule)).toEqual([
      'Mem1.mappings.VM2.prot',
    ]);
  });

  it('unbacked pages fault to the host one at a time and the op resumes where it stopped', () => {
    // Before upload the host backs a protected BAR page at its first touch (with the dummy
    // page, §3.4): a 3-page copy out of it faults 3 times and then completes.
    const wf = buildVideoWorkflow({ size: 0x4000, setup: false });
    const gw = wf.realms.gateway!;
    wf.host.tenantSend(gw, new Uint8Array(3 * G).fill(3));
    const at = wf.guest.program(gw.rd).length;
    const g = wf.exec('gateway', [{ op: 'copy', from: gw.bars[0]!.ipa, to: INPUT, len: 3 * G }]);
    expect(g.done).toBe(true);
    expect(g[`sea@${at}`]).toBeUndefined();
    expect(wf.host.log.filter((e) => e.what.startsWith('fault at'))).toHaveLength(3);
    const back = wf.machine.read(wf.host.backing('shm-Mem1', 0) + 0, 1);
    expect(back.ok).toBe(false); // the BAR page is a realm granule
    const net = wf.machine.smc(abi.SMC_RMI_RTT_READ_ENTRY, gw.rd, INPUT - (INPUT % G), 3);
    const first = Number(net.x[3]! & 0xffff_ffff_f000n) + (INPUT % G);
    const r = wf.machine.read(first, 3 * G);
    expect(r.ok && r.bytes.every((b) => b === 0)).toBe(true); // the dummy page reads as zeroes
  });
});
