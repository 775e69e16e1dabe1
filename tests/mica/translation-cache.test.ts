// The translation cache of bulk accesses (emulator rmm/tlb.ts): a cached translation is never
// used after a change that would alter it. Each case runs a bulk op (which fills the cache),
// makes one change (unshare, RTT unmap, data destroy, GPT transition, rewind), runs the op
// again, and compares everything the machine holds (state, ledger, guest results) with a twin
// whose cache was dropped by hand right after the change: the second op must fault, be
// blocked or complete exactly as it does without any cached entry. The pages and label lists
// an entry keeps must likewise never outlive a change of them (host writes, a new input, a
// wipe), which flushes nothing.
import { describe, expect, it } from 'vitest';
import { abi, labelsIn, rawRead, wipeGranule, type Machine } from '../../src/emulator/index.ts';
import { contextOf } from '../../src/emulator/machine.ts';
import { RAM_IPA } from '../../src/workflows/host.ts';
import { buildVideoWorkflow } from '../../src/workflows/video.ts';
import type { GuestOp } from '../../src/workflows/guest.ts';
import { G, INPUT, bulkRealm } from './bulk-realm.ts';

/** Everything a run leaves: the machine's state and ledger, as JSON. */
function everything(m: Machine): string {
  return JSON.stringify(m.snapshot());
}

/**
 * Runs `scenario` twice on fresh machines; the second time the cache is dropped by hand right
 * after the change (`dropCache`), so its second op translates from nothing. Returns both.
 */
function twins(scenario: (dropCache: (m: Machine) => void) => string): [string, string] {
  const warm = scenario(() => {});
  const cold = scenario((m) => contextOf(m).translations!.flush());
  return [warm, cold];
}

const COPY: GuestOp = { op: 'copy', from: INPUT, to: RAM_IPA, len: 2 * G };

describe('a cached translation is never used after a change that would alter it', () => {
  it('RTT unmap of the NS input page between two copies: the second reaches no stale page', () => {
    let outcome: Record<string, unknown> = {};
    const [warm, cold] = twins((dropCache) => {
      const { m, host, h, exec } = bulkRealm();
      host.tenantSend(h, new Uint8Array(2 * G).fill(5));
      expect(exec([COPY]).g.done).toBe(true);
      const unmapped = m.smc(abi.SMC_RMI_RTT_UNMAP_UNPROTECTED, h.rd, INPUT - (INPUT % G), 3);
      expect(unmapped.status).toBe('RMI_SUCCESS');
      dropCache(m);
      const { g, at } = exec([COPY]);
      outcome = { mmio: g[`mmio@${at}`], done: g.done };
      return everything(m);
    });
    // Nothing is mapped at the input page any more: the copy's probe is an emulated MMIO read.
    expect(outcome).toEqual({ mmio: true, done: true });
    expect(warm).toEqual(cold);
  });

  it('data destroy of the destination RAM page between two copies: the second stops at it', () => {
    let outcome: Record<string, unknown> = {};
    const [warm, cold] = twins((dropCache) => {
      const { m, host, h, guest } = bulkRealm();
      host.tenantSend(h, new Uint8Array(2 * G).fill(5));
      guest.add(h.rd, [COPY]);
      expect(host.run(h).done).toBe(true);
      const destroyed = m.smc(abi.SMC_RMI_DATA_DESTROY, h.rd, RAM_IPA + G);
      expect(destroyed.status).toBe('RMI_SUCCESS');
      dropCache(m);
      const at = guest.program(h.rd).length;
      guest.add(h.rd, [COPY]);
      // RIPAS DESTROYED: every entry exits to the host, which cannot make the page RAM again.
      const run = host.run(h, 3);
      outcome = { done: run.done, stoppedAt: host.recOf(h).guest[`prog@${at}`] };
      return everything(m);
    });
    expect(outcome).toEqual({ done: false, stoppedAt: G });
    expect(warm).toEqual(cold);
  });

  it('a GPT transition (the host delegates its mapped input page) between two copies: the second takes an SEA', () => {
    let sea: unknown;
    const [warm, cold] = twins((dropCache) => {
      const { m, host, h, exec, pa } = bulkRealm();
      host.tenantSend(h, new Uint8Array(2 * G).fill(5));
      expect(exec([COPY]).g.done).toBe(true);
      const page = pa(INPUT) - (pa(INPUT) % G);
      expect(m.smc(abi.SMC_RMI_GRANULE_DELEGATE, page).status).toBe('RMI_SUCCESS');
      dropCache(m);
      const { g, at } = exec([COPY]);
      sea = g[`sea@${at}`];
      return everything(m);
    });
    // The RTT still says ASSIGNED_NS, but the granule is Realm PAS now: the GPC refuses (A5.2.6).
    expect(sea).toBe(true);
    expect(warm).toEqual(cold);
  });

  it('unshare (DATA_DESTROY of a Mica shared page) between two reads of Mem1: the second is blocked as a fault', () => {
    let sea: unknown;
    const [warm, cold] = twins((dropCache) => {
      const wf = buildVideoWorkflow({ size: 0x4000 });
      const enc = wf.realms.encoder!;
      const mem1 = enc.bars[0]!.ipa;
      const mem2 = enc.bars[1]!.ipa;
      const read: GuestOp = {
        op: 'map',
        from: [{ ipa: mem1, len: 2 * G }],
        to: mem2,
        fn: ([x]) => x!.subarray(0, 8),
      };
      wf.exec('encoder', [read]);
      const gone = wf.machine.smc(abi.SMC_RMI_DATA_DESTROY, enc.rd, mem1 + G);
      expect(gone.status).toBe('RMI_SUCCESS');
      dropCache(wf.machine);
      const at = wf.guest.program(enc.rd).length;
      sea = wf.exec('encoder', [read])[`sea@${at}`];
      return everything(wf.machine);
    });
    // The page left the encoder's stage 2: its touch is a fault, and the encoder's policy
    // BLOCKs data-abort exits (EXCEPTION 0x24), so it becomes an SEA in the realm.
    expect(sea).toBe(true);
    expect(warm).toEqual(cold);
  });

  it('a rewind to before the input page was mapped: the replayed copy reaches no stale page', () => {
    let outcome: Record<string, unknown> = {};
    const [warm, cold] = twins((dropCache) => {
      const { m, host, h, exec } = bulkRealm();
      host.tenantSend(h, new Uint8Array(16).fill(5)); // maps the input's first page only
      const undo = m.checkpoint();
      host.tenantSend(h, new Uint8Array(2 * G).fill(5)); // maps the second one
      const { at } = exec([COPY]);
      expect(m.rewind(undo).ok).toBe(true);
      dropCache(m);
      // The guest resumes at the copy again; its second input page is not mapped in this state.
      host.run(h);
      const g = host.recOf(h).guest;
      outcome = { mmio: g[`mmio@${at}`] };
      return everything(m);
    });
    expect(outcome).toEqual({ mmio: true });
    expect(warm).toEqual(cold);
  });
});

describe('a page or label list a cached translation keeps is never used after it changed', () => {
  // No flush happens in these cases (the host's own writes and a wipe outside an SMC change no
  // translation): the entries stay, and what they keep of the granule must be looked up again.
  it('the host rewrites input bytes between two copies: the second copy carries them, unlabelled', () => {
    let copied: number[] = [];
    let labels: string[][] = [];
    const [warm, cold] = twins((dropCache) => {
      const { m, host, h, exec, pa } = bulkRealm();
      host.tenantSend(h, new Uint8Array(2 * G).fill(5));
      // Addresses before the copy: RTT_READ_ENTRY is an SMC, which flushes the cache.
      const input = pa(INPUT);
      expect(exec([COPY]).g.done).toBe(true);
      expect(m.write(input, new Uint8Array(16).fill(9)).ok).toBe(true);
      dropCache(m);
      expect(exec([COPY]).g.done).toBe(true);
      const out = pa(RAM_IPA);
      copied = [...rawRead(m.state, out + 14, 4)];
      labels = [labelsIn(m.state, out, 16), labelsIn(m.state, out + 16, 16)];
      return everything(m);
    });
    expect(copied).toEqual([9, 9, 5, 5]);
    expect(labels).toEqual([[], ['video']]);
    expect(warm).toEqual(cold);
  });

  it('the input arrives again with another label between two copies: the second copy carries it', () => {
    let labels: string[] = [];
    const [warm, cold] = twins((dropCache) => {
      const { m, host, h, exec, pa } = bulkRealm();
      host.tenantSend(h, new Uint8Array(2 * G).fill(5));
      expect(exec([COPY]).g.done).toBe(true);
      host.tenantSend(h, new Uint8Array(2 * G).fill(6), 'prompt');
      dropCache(m);
      expect(exec([COPY]).g.done).toBe(true);
      labels = labelsIn(m.state, pa(RAM_IPA), 2 * G);
      return everything(m);
    });
    expect(labels).toEqual(['prompt']);
    expect(warm).toEqual(cold);
  });

  it('a granule wiped without an SMC between two copies: the second reads zeroes and no label', () => {
    let copied: number[] = [];
    const [warm, cold] = twins((dropCache) => {
      const { m, host, h, exec, pa } = bulkRealm();
      host.tenantSend(h, new Uint8Array(2 * G).fill(5));
      // Addresses before the copy: RTT_READ_ENTRY is an SMC, which flushes the cache.
      const second = pa(INPUT + G) - (pa(INPUT + G) % G);
      expect(exec([COPY]).g.done).toBe(true);
      wipeGranule(m.state, second);
      expect(m.state.memory[second / G]).toBeUndefined();
      dropCache(m);
      expect(exec([COPY]).g.done).toBe(true);
      copied = [...rawRead(m.state, pa(RAM_IPA + G - (INPUT % G)), 4)];
      return everything(m);
    });
    expect(copied).toEqual([0, 0, 0, 0]);
    expect(warm).toEqual(cold);
  });
});

describe('a bulk operation done again from its plan (rmm/bulk.ts replay) leaves what doing it piece by piece leaves', () => {
  // The cold twin flushes before every op, so it never replays; the warm one replays every op
  // whose machine is unchanged since it was last done.
  const xor = ([a]: readonly Uint8Array[]) => a!.map((b) => b ^ 0x5a);
  const MAP: GuestOp = {
    op: 'map',
    from: [{ ipa: RAM_IPA, len: 2 * G }],
    to: RAM_IPA + 2 * G,
    fn: xor,
  };

  it('a stream of packets copied and mapped: the same bytes, labels, flows and ledger', () => {
    const carried: string[][][] = [];
    const [warm, cold] = twins((dropCache) => {
      const { m, host, h, exec, pa } = bulkRealm();
      const passes: string[][] = [];
      carried.push(passes);
      let ram = 0;
      for (let k = 0; k < 4; k++) {
        host.tenantSend(h, new Uint8Array(2 * G).fill(k + 1), k === 2 ? 'prompt' : 'video');
        dropCache(m);
        expect(exec([COPY]).g.done).toBe(true);
        dropCache(m);
        expect(exec([MAP]).g.done).toBe(true);
        // Where RAM is once the first pass faulted it in (RTT_READ_ENTRY is an SMC: it
        // flushes, and the next pass makes the plans again).
        if (k === 0) ram = pa(RAM_IPA);
        else passes.push([...labelsIn(m.state, ram, 4 * G), String(rawRead(m.state, ram, 1)[0])]);
      }
      return everything(m);
    });
    // In both twins each packet's label and bytes reached RAM and the map's result: 'prompt'
    // in pass 2.
    const expected = [
      ['video', '2'],
      ['prompt', '3'],
      ['video', '4'],
    ];
    expect(carried).toEqual([expected, expected]);
    expect(warm).toEqual(cold);
  });

  it('pages that are not adjacent in memory: each page of a packet lands on its own page', () => {
    // RAM page 2 is written before pages 0 and 1, so the slab holds them in the order 2, 0, 1:
    // a plan's runs of adjacent pages must break there. The copy goes to pages 1 and 2 (its
    // destination breaks), the map reads pages 0 to 2 (its source breaks after two pages) and
    // writes the first byte of each to page 3. Each packet page holds a different byte.
    const seen: number[][][] = [];
    const firsts = ([a]: readonly Uint8Array[]) => {
      const out = new Uint8Array(G);
      for (let p = 0; p < 3; p++) out[p] = a![p * G]!;
      return out;
    };
    const [warm, cold] = twins((dropCache) => {
      const { m, host, h, exec, pa } = bulkRealm();
      expect(exec([{ op: 'fill', ipa: RAM_IPA + 2 * G, len: G, byte: 9 }]).g.done).toBe(true);
      expect(exec([{ op: 'fill', ipa: RAM_IPA, len: 2 * G, byte: 8 }]).g.done).toBe(true);
      const passes: number[][] = [];
      seen.push(passes);
      let ram: number[] = [];
      for (let k = 0; k < 4; k++) {
        const packet = new Uint8Array(2 * G);
        packet.fill(10 * k + 1, 0, G);
        packet.fill(10 * k + 2, G);
        host.tenantSend(h, packet);
        dropCache(m);
        expect(exec([{ op: 'copy', from: INPUT, to: RAM_IPA + G, len: 2 * G }]).g.done).toBe(true);
        dropCache(m);
        const map: GuestOp = {
          op: 'map',
          from: [{ ipa: RAM_IPA, len: 3 * G }],
          to: RAM_IPA + 3 * G,
          fn: firsts,
        };
        expect(exec([map]).g.done).toBe(true);
        // Where RAM is once the first pass faulted it in (an SMC: it flushes, so pass 1 makes
        // the plans again and passes 2 and 3 replay them).
        if (k === 0) ram = [0, 1, 2, 3].map((p) => pa(RAM_IPA + p * G));
        passes.push([
          ...ram.slice(0, 3).map((at) => rawRead(m.state, at, 1)[0]!),
          ...rawRead(m.state, ram[3]!, 3),
        ]);
      }
      return everything(m);
    });
    const expected = [0, 1, 2, 3].map((k) => [
      8,
      10 * k + 1,
      10 * k + 2,
      8,
      10 * k + 1,
      10 * k + 2,
    ]);
    expect(seen).toEqual([expected, expected]);
    expect(warm).toEqual(cold);
  });

  it('a copy within one object onto its own source pages is done piece by piece every time', () => {
    // RAM page 2 holds labelled bytes, pages 0 and 1 unlabelled ones. Copying pages 1-2 down
    // onto 0-1 twice moves the label one page further each time: the second copy is not the
    // first one again.
    const labels: string[][][] = [];
    const [warm, cold] = twins((dropCache) => {
      const { m, host, h, exec, pa } = bulkRealm();
      host.tenantSend(h, new Uint8Array(G).fill(7));
      expect(exec([{ op: 'copy', from: INPUT, to: RAM_IPA + 2 * G, len: G }]).g.done).toBe(true);
      expect(exec([{ op: 'fill', ipa: RAM_IPA, len: 2 * G, byte: 1 }]).g.done).toBe(true);
      const down: GuestOp = { op: 'copy', from: RAM_IPA + G, to: RAM_IPA, len: 2 * G };
      expect(exec([down]).g.done).toBe(true);
      dropCache(m);
      expect(exec([down]).g.done).toBe(true);
      labels.push([0, 1, 2].map((k) => labelsIn(m.state, pa(RAM_IPA + k * G), G)));
      return everything(m);
    });
    const moved = [['video'], ['video'], ['video']];
    expect(labels).toEqual([moved, moved]);
    expect(warm).toEqual(cold);
  });
});
