// Bulk guest memory (issue 10 item 3): copy, fill and map move whole ranges, translated and
// checked per 4 KiB piece; labels move as spans (copy) or as the union of what was read (map:
// XOR does not launder; a literal fill carries none); a refused page stops the op at that page
// with the RMM's normal exit/abort semantics; and the ledger gets one flow per page run.
import { describe, expect, it } from 'vitest';
import { abi, labelSpans, rawRead, type LedgerEventOf } from '../../src/emulator/index.ts';
import { encodeFrames, moderateFrames, syntheticVideo } from '../../src/workflows/frames.ts';
import type { GuestOp } from '../../src/workflows/guest.ts';
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
    const back = wf.machine.read(wf.host.backing('Mem1', 0) + 0, 1);
    expect(back.ok).toBe(false); // the BAR page is a realm granule
    const net = wf.machine.smc(abi.SMC_RMI_RTT_READ_ENTRY, gw.rd, INPUT - (INPUT % G), 3);
    const first = Number(net.x[3]! & 0xffff_ffff_f000n) + (INPUT % G);
    const r = wf.machine.read(first, 3 * G);
    expect(r.ok && r.bytes.every((b) => b === 0)).toBe(true); // the dummy page reads as zeroes
  });

  it('a map over a range it read before computes on the memory in place: same result, labels and events', () => {
    // A map of Mem1 done again lends the realm's pages (one run: the gateway's copy created
    // them in a row) instead of copying them into a read buffer; what it records is the same.
    // The first map labels Mem2 for the first time, which changes a label list and so drops
    // every plan (rmm/tlb.ts): the third map is the first with a plan to lend from.
    const wf = buildVideoWorkflow({ size: 4 * G });
    const gw = wf.realms.gateway!;
    const enc = wf.realms.encoder!;
    wf.host.tenantSend(gw, new Uint8Array(4 * G).fill(0x21));
    wf.exec('gateway', [{ op: 'copy', from: INPUT, to: gw.bars[0]!.ipa, len: 4 * G }]);
    const inPlace: boolean[] = [];
    const map: GuestOp = {
      op: 'map',
      from: [{ ipa: enc.bars[0]!.ipa, len: 4 * G }],
      to: enc.bars[1]!.ipa,
      fn: ([x]) => {
        const pages = Object.values(wf.machine.state.memory);
        inPlace.push(pages.some((p) => p.buffer === x!.buffer));
        return x!.slice(0, 16);
      },
    };
    const shape = (since: number) =>
      wf.machine.ledger
        .slice(since)
        .filter((e) => e.kind === 'flow' || e.kind === 'realm:access')
        .map((e) => JSON.stringify({ ...e, seq: 0, parent: 0 }));
    // Looked up first: RTT_READ_ENTRY is an SMC, which flushes the translations and plans.
    const mem2 = pageOf(wf, enc.bars[1]!.ipa);
    const results: unknown[] = [];
    const events: string[][] = [];
    for (let k = 0; k < 3; k++) {
      const since = wf.machine.ledger.length;
      expect(wf.exec('encoder', [map]).done).toBe(true);
      events.push(shape(since));
      results.push([...rawRead(wf.machine.state, mem2, 16)]);
    }
    expect(inPlace).toEqual([false, false, true]);
    expect(results[2]).toEqual(results[0]);
    expect(results[0]).toEqual(Array(16).fill(0x21));
    expect(events[2]).toEqual(events[1]);
    expect(events[2]).toEqual(events[0]);
    expect(labelSpans(wf.machine.state, mem2, 16)).toEqual([
      { offset: 0, length: 16, label: 'video' },
    ]);
  });

  it('a map that returns its lent input onto an overlapping range writes what it read', () => {
    // Identity over [RAM, RAM + 2G) onto RAM + G: lent in place, the second page would be
    // written from the first page's bytes after the first piece had overwritten them.
    const { exec, pa, m } = bulkRealm();
    const shift: GuestOp = {
      op: 'map',
      from: [{ ipa: RAM_IPA, len: 2 * G }],
      to: RAM_IPA + G,
      fn: ([x]) => x!,
    };
    const seen: number[][] = [];
    let at = -1;
    for (let k = 0; k < 3; k++) {
      exec([
        { op: 'fill', ipa: RAM_IPA, len: G, byte: 1 },
        { op: 'fill', ipa: RAM_IPA + G, len: G, byte: 2 },
        { op: 'fill', ipa: RAM_IPA + 2 * G, len: G, byte: 3 },
        shift,
      ]);
      // Looked up once: RTT_READ_ENTRY is an SMC, which drops the plan the next map lends from.
      if (at < 0) at = pa(RAM_IPA);
      seen.push([0, 1, 2].map((p) => rawRead(m.state, at + p * G, 1)[0]!));
    }
    expect(seen).toEqual([
      [1, 1, 2],
      [1, 1, 2],
      [1, 1, 2],
    ]);
  });

  it("a stream of the tenant's packets is one host log entry, not one per packet", () => {
    const { host, h } = bulkRealm();
    for (let k = 0; k < 3; k++) host.tenantSend(h, new Uint8Array(G).fill(k + 1));
    host.tenantSend(h, new Uint8Array(16).fill(9), 'prompt');
    expect(host.log.map((e) => e.what)).toEqual([
      `tenant input: 3 packets, ${3 * G} bytes labelled video`,
      'tenant input: 16 bytes labelled prompt',
    ]);
  });

  it("a stream's input flows share one destination and one label list (the ledger keeps them)", () => {
    const { m, host, h } = bulkRealm();
    const since = m.ledger.length;
    for (let k = 0; k < 3; k++) host.tenantSend(h, new Uint8Array(G).fill(k + 1));
    const flows = m.ledger
      .slice(since)
      .filter((e): e is LedgerEventOf<'flow'> => e.kind === 'flow' && e.channel === 'tenant-input');
    expect(flows).toHaveLength(3);
    expect(new Set(flows.map((f) => f.destination)).size).toBe(1);
    expect(new Set(flows.map((f) => f.labels)).size).toBe(1);
    expect(Object.isFrozen(flows[0]!.labels) && Object.isFrozen(flows[0]!.destination)).toBe(true);
    expect(flows[0]!.labels).toEqual(['video']);
  });

  it("the pipeline's map programs do not change what they read (it may be the realm's memory, lent)", () => {
    const raw = syntheticVideo();
    const encoded = encodeFrames(raw);
    for (const [fn, input] of [
      [encodeFrames, raw],
      [moderateFrames, encoded],
    ] as const) {
      const before = input.slice();
      fn(input);
      expect(input).toEqual(before);
    }
  });
});

/** The PA the encoder's IPA `ipa` maps to. */
function pageOf(wf: ReturnType<typeof buildVideoWorkflow>, ipa: number): number {
  const r = wf.machine.smc(abi.SMC_RMI_RTT_READ_ENTRY, wf.realms.encoder!.rd, ipa - (ipa % G), 3);
  return Number(r.x[3]! & 0xffff_ffff_f000n) + (ipa % G);
}
