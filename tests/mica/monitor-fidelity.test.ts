// Monitor fidelity (issue 11; mica-spec.md §3.1, §3.3, §3.8, §8 item 6, Appendix A): each test
// is named after the rule it checks and fails on a monitor that does not keep it.
import { describe, expect, it } from 'vitest';
import { STUCK_REPEATS, abi, rawRead, type ExitEvent } from '../../src/emulator/index.ts';
import { buildFlowGraph, micaAbi } from '../../src/policy/index.ts';
import { contextOf } from '../../src/emulator/machine.ts';
import { ENFORCEMENT_HOOKS } from '../../src/policy/monitor/enforce.ts';
import { checkMicaStorage } from '../../src/policy/monitor/invariants.ts';
import { micaOf } from '../../src/policy/monitor/state.ts';
import { toHex } from '../../src/lib/bytes.ts';
import { buildVideoWorkflow } from '../../src/workflows/video.ts';
import { labTerminals } from '../shell/lab-terminals.ts';

const SIZE = 0x4000;
const BAR0 = 0x18000000000;

function decisions(wf: ReturnType<typeof buildVideoWorkflow>, channel: string) {
  return wf.machine.ledger.flatMap((e) =>
    e.kind === 'flow' && e.channel === channel ? [e.decision] : [],
  );
}

describe('monitor fidelity', () => {
  it('Appendix A: REALM_ACTIVATE in Mica mode is refused while the realm has no PD', () => {
    const { type, machine } = labTerminals();
    const out = type('realm create bare --no-mica');
    expect(out).toMatch(/REALM_ACTIVATE\s+-> RMI_ERROR_INPUT/);
    expect(out).toContain('mica_no_pd');
    const refused = machine.ledger.filter(
      (e) => e.kind === 'flow' && e.channel === 'activate' && e.decision.verdict === 'blocked',
    );
    expect(refused).toHaveLength(1);
    // With the PD attached (the default path, §8 item 12) the same realm activates.
    expect(type('realm create dressed')).toMatch(/REALM_ACTIVATE\s+-> RMI_SUCCESS/);
  });

  it('Appendix A: the prototype keeps activating without a PD (only Mica mode refuses)', () => {
    const { type } = labTerminals({ mode: 'mica-prototype' });
    expect(type('realm create bare --no-mica')).toMatch(/REALM_ACTIVATE\s+-> RMI_SUCCESS/);
  });

  it('§3.3 step 2: an unmapped upload page faults to the host, which maps it, and the SMC runs again', () => {
    const { type } = labTerminals();
    type('realm create r1');
    // 0x9000 is RAM the realm never touched: the VMM has not backed it yet.
    const out = type('@r1 smc 0xc40001b0 0x9000');
    expect(out).toMatch(/abort at IPA 0x9000 -> mapped RAM/);
    // Retried on a zeroed page: no POLY magic, so the parse step (3) refuses, not step 2.
    expect(out).toContain('upload:parse');
    expect(out).not.toContain('upload:page');
  });

  it('§8 item 6 OTHER 2: a host-injected FIQ (Group 0 list register) is dropped when BLOCKed', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    wf.host.inject = (1n << 62n) | 27n; // pending, Group 0: a vFIQ
    wf.exec('encoder', [{ op: 'read', ipa: BAR0 }]);
    expect(decisions(wf, 'interrupt').at(-1)).toMatchObject({
      verdict: 'blocked',
      rule: expect.stringMatching(/OTHER 0x2 BLOCK$/),
      reason: expect.stringContaining('FIQ'),
    });
    expect(wf.host.recOf(wf.realms.encoder!).gicv3Lrs.every((v) => BigInt(v) === 0n)).toBe(true);
  });

  it('§8 item 6 OTHER 2: a FIQ whose class is not BLOCKed reaches the realm', () => {
    const wf = buildVideoWorkflow({
      size: SIZE,
      edit: (_r, p) => ({
        ...p,
        cfs: p.cfs.map((c) =>
          c.type === 'OTHER' ? { ...c, range: c.range.filter((x) => x !== 2) } : c,
        ),
      }),
    });
    wf.host.inject = (1n << 62n) | 27n;
    wf.exec('encoder', [{ op: 'read', ipa: BAR0 }]);
    expect(decisions(wf, 'interrupt').filter((d) => d.verdict === 'blocked')).toHaveLength(0);
    expect(wf.host.recOf(wf.realms.encoder!).gicv3Lrs.some((v) => BigInt(v) !== 0n)).toBe(true);
  });

  it('§8 item 6 OTHER 3: an SError exit of a stage that BLOCKs it never reaches the host', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    const h = wf.realms.encoder!;
    const realm = wf.machine.state.rmm.realms['0x' + h.rd.toString(16)]!;
    const event: ExitEvent = {
      ec: abi.ESR_EL2_EC_SERROR,
      exit: { exitReason: BigInt(abi.RMI_EXIT_SERROR), esr: 0xbe000011n },
    };
    const v = ENFORCEMENT_HOOKS.onExit!(contextOf(wf.machine), realm, wf.host.recOf(h), event);
    expect(v).toEqual({ kind: 'block' });
    expect(decisions(wf, 'exit').at(-1)).toMatchObject({
      verdict: 'blocked',
      rule: expect.stringMatching(/OTHER 0x3 BLOCK$/),
    });
  });

  it('issue 11 WFx: a policed realm cannot choose the WFI/WFE bit the host sees', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    const h = wf.realms.encoder!;
    const realm = wf.machine.state.rmm.realms['0x' + h.rd.toString(16)]!;
    const esrOf = (ti: number) => (BigInt(abi.ESR_EL2_EC_WFX) << 26n) | (1n << 25n) | BigInt(ti);
    const seen = [abi.ESR_EL2_WFX_TI_WFI, abi.ESR_EL2_WFX_TI_WFE].map((ti) => {
      const event: ExitEvent = {
        ec: abi.ESR_EL2_EC_WFX,
        exit: { exitReason: BigInt(abi.RMI_EXIT_SYNC), esr: esrOf(ti) },
      };
      const v = ENFORCEMENT_HOOKS.onExit!(contextOf(wf.machine), realm, wf.host.recOf(h), event);
      return v?.kind === 'forward' ? v.exit.esr : event.exit.esr;
    });
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0]).toBe(esrOf(abi.ESR_EL2_WFX_TI_WFI));
  });

  it('issue 11 WFx: a stage whose policy ALLOWs WFx forwards the bit unchanged, and the verifier draws that edge', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    const h = wf.realms.encoder!;
    const m = micaOf(wf.machine.state)!;
    const realm = wf.machine.state.rmm.realms['0x' + h.rd.toString(16)]!;
    const hash = m.registry.find((e) => e.rd === h.rd)!.hash!;
    m.table.push({
      ownerHash: hash,
      type: 'EXCEPTION',
      range: abi.ESR_EL2_EC_WFX,
      policy: 'ALLOW',
      strict: false,
      peers: [],
      recordedBy: 'test',
      lockedBy: null,
    });
    const wfe = (BigInt(abi.ESR_EL2_EC_WFX) << 26n) | (1n << 25n) | 1n;
    const event: ExitEvent = {
      ec: abi.ESR_EL2_EC_WFX,
      exit: { exitReason: BigInt(abi.RMI_EXIT_SYNC), esr: wfe },
    };
    expect(ENFORCEMENT_HOOKS.onExit!(contextOf(wf.machine), realm, wf.host.recOf(h), event)).toBe(
      undefined,
    );
    // The same rule in the encoder's file gives the verifier an edge encoder -> U.
    const p = wf.policies.encoder!;
    const me = p.self;
    const allow = {
      ...p,
      cfs: [
        ...p.cfs,
        {
          name: 'CF9',
          owner: me,
          type: 'EXCEPTION' as const,
          policy: 'ALLOW' as const,
          range: [abi.ESR_EL2_EC_WFX],
        },
      ],
    };
    const graph = buildFlowGraph([{ policy: allow, name: 'encoder' }]);
    expect(graph.edges.some((e) => e.from === 'encoder' && e.to === 'U' && e.via === 'CF9')).toBe(
      true,
    );
    const closed = buildFlowGraph([{ policy: p, name: 'encoder' }]);
    expect(closed.edges.some((e) => e.from === 'encoder' && e.via?.includes('0x1'))).toBe(false);
  });

  it('§3.2/§3.8 FRESH capacity: an upload whose activation would claim past the table size is refused', () => {
    const wf = buildVideoWorkflow({ size: SIZE, setup: false });
    const m = micaOf(wf.machine.state)!;
    for (let i = 0; i < micaAbi.FRESH_TABLE_MAX; i++)
      m.fresh['0x' + (0x1_0000_0000 + i * 0x1000).toString(16)] = 'filler';
    expect(wf.setupRealm('gateway')).toBe(abi.RSI_ERROR_INPUT);
    expect(decisions(wf, 'policy-upload').at(-1)).toMatchObject({
      verdict: 'blocked',
      reason: expect.stringContaining('FRESH page-ownership table is full'),
    });
    expect(Object.keys(m.fresh)).toHaveLength(micaAbi.FRESH_TABLE_MAX);
    // With room for its pages the same upload is accepted.
    for (let i = 0; i < SIZE / 0x1000; i++)
      delete m.fresh['0x' + (0x1_0000_0000 + i * 0x1000).toString(16)];
    expect(wf.setupRealm('gateway')).toBe(abi.RSI_SUCCESS);
  });

  it('§3.2/§3.3 step 5: the PD granule holds the record and the SGT granules hold the table', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    const m = micaOf(wf.machine.state)!;
    expect(checkMicaStorage(wf.machine.state)).toEqual([]);
    const gw = m.realms['0x' + wf.realms.gateway!.rd.toString(16)]!;
    expect(toHex(rawRead(wf.machine.state, gw.pd, micaAbi.RECORD_SIZE))).toBe(gw.record);
    const head = rawRead(wf.machine.state, m.sgt.granules[0]!, micaAbi.SGT_HEADER_SIZE);
    const v = new DataView(head.buffer);
    expect(v.getUint32(0, true)).toBe(micaAbi.SGT_MAGIC);
    expect(v.getUint32(4, true)).toBe(micaAbi.SGT_VERSION);
    expect(v.getUint32(8, true)).toBe(m.sgt.entries.length);
    const first = rawRead(wf.machine.state, m.sgt.granules[0]! + micaAbi.SGT_HEADER_SIZE, 24);
    const e = new DataView(first.buffer);
    expect(Number(e.getBigUint64(0, true))).toBe(m.sgt.entries[0]!.pa);
    expect(Number(e.getBigUint64(8, true))).toBe(m.sgt.entries[0]!.gpa);
    expect(Number(e.getBigUint64(16, true))).toBe(m.sgt.entries[0]!.rd);
  });

  it('Appendix A: DATA_DESTROY at a shared IPA unshares it, and CLEAN wipes the page when its last mapping goes', () => {
    for (const mode of ['mica', 'mica-prototype'] as const) {
      const wf = buildVideoWorkflow({ mode, size: SIZE });
      wf.runApp();
      const m = micaOf(wf.machine.state)!;
      const gw = wf.realms.gateway!;
      const enc = wf.realms.encoder!;
      const mine = m.realms['0x' + gw.rd.toString(16)]!.mappings['0x' + BAR0.toString(16)]!;
      const pa = mine.pa;
      const peer = Object.values(m.realms['0x' + enc.rd.toString(16)]!.mappings).find(
        (x) => x.pa === pa,
      )!;
      const held = () => rawRead(wf.machine.state, pa, 0x1000).some((b) => b !== 0);
      expect(held()).toBe(true);
      // The gateway's end goes: the encoder still maps the page, so it keeps its bytes.
      const first = wf.host.smc(abi.SMC_RMI_DATA_DESTROY, gw.rd, BAR0);
      expect(first.status).toBe('RMI_SUCCESS');
      expect(first.x[1]).toBe(BigInt(pa));
      expect(
        m.realms['0x' + gw.rd.toString(16)]!.mappings['0x' + BAR0.toString(16)],
      ).toBeUndefined();
      expect(m.sgt.entries.some((e) => e.rd === gw.rd && e.pa === pa)).toBe(false);
      expect(held()).toBe(true);
      // The last end goes: CLEAN zeroes the page (Mica); the prototype leaves it stale.
      expect(wf.host.smc(abi.SMC_RMI_DATA_DESTROY, enc.rd, peer.ipa).status).toBe('RMI_SUCCESS');
      expect(held()).toBe(mode === 'mica-prototype');
      expect(decisions(wf, 'clean').at(-1)).toMatchObject({
        rule: mode === 'mica' ? 'CLEAN' : 'gap-no-clean',
      });
      expect(wf.machine.checkInvariants()).toEqual([]);
      expect(checkMicaStorage(wf.machine.state)).toEqual([]);
    }
  });

  it('§3.4: RTT_READ_ENTRY at a shared IPA shows the stage 2 leaf the realm reaches', () => {
    const wf = buildVideoWorkflow({ size: SIZE, setup: false });
    const gw = wf.realms.gateway!;
    wf.exec('gateway', [{ op: 'read', ipa: BAR0, size: 1 }]);
    const m = micaOf(wf.machine.state)!;
    const r = m.realms['0x' + gw.rd.toString(16)]!;
    const read = () => wf.host.smc(abi.SMC_RMI_RTT_READ_ENTRY, gw.rd, BAR0, 3);
    // Before the upload: the dummy page (§3.4 step 3).
    expect(read().x.slice(1)).toEqual([
      3n,
      BigInt(abi.RMI_ASSIGNED),
      BigInt(r.dummy),
      BigInt(abi.RIPAS_ENCODING.RAM),
    ]);
    wf.setupRealm('gateway');
    // After it: the real page, which the SGT records.
    const pa = r.mappings['0x' + BAR0.toString(16)]!.pa;
    expect(read().x.slice(1)).toEqual([
      3n,
      BigInt(abi.RMI_ASSIGNED),
      BigInt(pa),
      BigInt(abi.RIPAS_ENCODING.RAM),
    ]);
  });

  it('§3.4 steps 1-2: mica share before the realms exist advertises the windows before REALM_ACTIVATE', () => {
    const { type } = labTerminals();
    const wired = type('mica share Mem1 gateway:0 encoder:0 --size 0x40000');
    expect(wired).toContain('no realm "gateway" yet');
    const built = type('realm create gateway');
    const range = built.indexOf('RMI_SET_PROTECTED_SHARED_RANGE Mem1 0x18000000000');
    expect(range).toBeGreaterThan(0);
    expect(built.indexOf('REALM_ACTIVATE')).toBeGreaterThan(range);
    type('realm create encoder');
    type('mica share Mem2 encoder:1 moderator:0 --size 0x40000');
    type('realm create moderator');
    type('mica share Mem3 moderator:1 --size 0x40000');
    for (const r of ['gateway', 'encoder', 'moderator'])
      expect(type(`@${r} policy upload video-moderation`)).toContain('policy upload: RSI_SUCCESS');
  });

  it('a refused shared mapping in the terminal says what was refused and the host stops', () => {
    const { type } = labTerminals();
    for (const l of [
      'realm create gateway',
      'realm create encoder',
      'realm create moderator',
      'mica share Mem1 gateway:0 encoder:0',
      'mica share Mem2 encoder:1 moderator:0 --size 0x40000',
      'mica share Mem3 moderator:1 --size 0x40000',
      '@gateway policy upload video-moderation',
    ])
      type(l);
    // Past the 0x40000 bytes of Mem1 the gateway's policy declares no window (§8 item 4).
    const o = type('@gateway mem read 0x18000050000 8');
    expect(o).toMatch(/RMI_DATA_CREATE_UNKNOWN_SHARED refused \(mica_policy: [^)]*0x18000050000/);
    expect(o).toMatch(/the host stops/);
    const exits = o.split('\n').filter((l) => l.includes('[host] REC 0 RMI_EXIT_SYNC'));
    expect(exits.length).toBeLessThanOrEqual(STUCK_REPEATS);
  });
});
