// The Mica RMI commands of mica-spec.md §3.1: each failure condition in order, set up so that
// all earlier conditions pass, then the success effects. Labels follow the RMM vocabulary
// (rd_state, rtt_walk, ...) and Mica-only conditions start with `mica_`.
import { describe, expect, it } from 'vitest';
import { abi, type SmcResult } from '../../src/emulator/index.ts';
import { u64 } from '../../src/lib/bits.ts';
import {
  SMC_RMI_BIND_PROTECTED_SHARED,
  SMC_RMI_DATA_CREATE_UNKNOWN_SHARED,
  SMC_RMI_REALM_DUMMY_PAGE,
  SMC_RMI_REALM_PD,
  SMC_RMI_SET_PROTECTED_SHARED_RANGE,
  SMC_RMI_SGT,
  SMC_RSI_UPLOAD_POLICY,
} from '../../src/policy/abi.ts';
import { createMicaMachine, micaOf } from '../../src/policy/monitor/index.ts';
import { programGuest } from '../../src/workflows/guest.ts';
import { MicaHost } from '../../src/workflows/host.ts';
import { buildVideoWorkflow } from '../../src/workflows/video.ts';
import { hex } from '../../src/lib/hex.ts';

const BAR0 = 0x18000000000;

function lab(mode: 'mica' | 'mica-prototype' | 'cca' = 'mica') {
  const guest = programGuest();
  const m = createMicaMachine({ mode, guest });
  return { m, host: new MicaHost(m), guest };
}

function fails(r: SmcResult, label: string, status = 'RMI_ERROR_INPUT', index = 0): void {
  expect({ label: r.failure?.label, status: r.status, index: r.index }).toEqual({
    label,
    status,
    index,
  });
  expect(r.failure?.reason).toMatch(/\S/);
}

function ok(r: SmcResult): void {
  expect(r.failure?.reason ?? 'ok').toBe('ok');
  expect(r.status).toBe('RMI_SUCCESS');
}

describe('machine modes', () => {
  it('CCA only: the Mica RMI FIDs are SMCCC_NOT_SUPPORTED', () => {
    const { m } = lab('cca');
    for (const fid of [
      SMC_RMI_DATA_CREATE_UNKNOWN_SHARED,
      SMC_RMI_SET_PROTECTED_SHARED_RANGE,
      SMC_RMI_BIND_PROTECTED_SHARED,
      SMC_RMI_REALM_PD,
      SMC_RMI_SGT,
      SMC_RMI_REALM_DUMMY_PAGE,
    ]) {
      expect(m.smc(fid, 0).status).toBe('SMCCC_NOT_SUPPORTED');
    }
    expect(micaOf(m.state)).toBeUndefined();
  });

  it('CCA only: RSI_UPLOAD_POLICY from a realm answers SMCCC_NOT_SUPPORTED', () => {
    const { host, guest } = lab('cca');
    const h = host.createRealm({ name: 'r', bars: [] });
    guest.add(h.rd, [{ op: 'smc', fid: SMC_RSI_UPLOAD_POLICY, args: [0x2000n] }]);
    host.run(h);
    expect(BigInt(String(host.recOf(h).guest['x0@0']))).toBe(u64(abi.SMCCC_NOT_SUPPORTED));
  });

  it('Mica prototype: every gap switch is on by default; Mica: none', () => {
    expect(micaOf(lab('mica-prototype').m.state)!.gaps).toContain('gap-map-after-upload');
    expect(micaOf(lab('mica').m.state)!.gaps).toEqual([]);
    const chosen = createMicaMachine({ mode: 'mica-prototype', gaps: ['gap-debug-irq'] });
    expect(micaOf(chosen.state)!.gaps).toEqual(['gap-debug-irq']);
  });
});

describe('RMI_REALM_PD', () => {
  it('rd_align / rd_state', () => {
    const { host } = lab();
    fails(host.smc(SMC_RMI_REALM_PD, 0x80000010, 0), 'rd_align');
    fails(host.smc(SMC_RMI_REALM_PD, host.delegated(), 0), 'rd_state');
  });
  it('pd_align, pd_state, pd_in_use, realm_state, mica_pd_set; then success', () => {
    const { host } = lab();
    const h = host.createRealm({ name: 'r', bars: [], micaSetup: false, activate: false });
    fails(host.smc(SMC_RMI_REALM_PD, h.rd, host.delegated() + 8), 'pd_align');
    fails(host.smc(SMC_RMI_REALM_PD, h.rd, host.alloc()), 'pd_state');
    const sgt = host.delegated();
    ok(host.smc(SMC_RMI_SGT, sgt));
    fails(host.smc(SMC_RMI_REALM_PD, h.rd, sgt), 'pd_in_use');
    const pd = host.delegated();
    ok(host.smc(SMC_RMI_REALM_PD, h.rd, pd));
    expect(host.m.granuleOf(pd).ext).toBe('mica:pd');
    fails(host.smc(SMC_RMI_REALM_PD, h.rd, host.delegated()), 'mica_pd_set');
    ok(host.smc(abi.SMC_RMI_REALM_ACTIVATE, h.rd));
    // An activated realm (which in Mica mode has a PD: Appendix A) takes no PD any more.
    const other = host.createRealm({ name: 'o', bars: [] });
    fails(host.smc(SMC_RMI_REALM_PD, other.rd, host.delegated()), 'realm_state', 'RMI_ERROR_REALM');
    expect(host.m.checkInvariants()).toEqual([]);
  });
  it('a PD in use cannot be undelegated', () => {
    const { host } = lab();
    const h = host.createRealm({ name: 'r', bars: [] });
    const pd = micaOf(host.m.state)!.realms[hex(h.rd)]!.pd;
    fails(host.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, pd), 'mica_in_use');
  });
});

describe('RMI_SGT', () => {
  it('sgt_align, sgt_state, sgt_in_use, mica_sgt_full; entries sorted', () => {
    const { host } = lab();
    fails(host.smc(SMC_RMI_SGT, host.delegated() + 0x10), 'sgt_align');
    fails(host.smc(SMC_RMI_SGT, host.alloc()), 'sgt_state');
    const g = host.delegated();
    ok(host.smc(SMC_RMI_SGT, g));
    fails(host.smc(SMC_RMI_SGT, g), 'sgt_in_use');
    for (let i = 1; i < 32; i++) ok(host.smc(SMC_RMI_SGT, host.delegated()));
    fails(host.smc(SMC_RMI_SGT, host.delegated()), 'mica_sgt_full');
    const granules = micaOf(host.m.state)!.sgt.granules;
    expect([...granules].sort((a, b) => a - b)).toEqual(granules);
  });
});

describe('RMI_REALM_DUMMY_PAGE', () => {
  it('rd_state, mica_dummy_set, dummy_state; the same PA again is accepted', () => {
    const { host } = lab();
    fails(host.smc(SMC_RMI_REALM_DUMMY_PAGE, host.delegated(), host.delegated()), 'rd_state');
    const h = host.createRealm({ name: 'r', bars: [], micaSetup: false, activate: false });
    fails(host.smc(SMC_RMI_REALM_DUMMY_PAGE, h.rd, host.alloc()), 'dummy_state');
    const d = host.delegated();
    ok(host.smc(SMC_RMI_REALM_DUMMY_PAGE, h.rd, d));
    ok(host.smc(SMC_RMI_REALM_DUMMY_PAGE, h.rd, d));
    fails(host.smc(SMC_RMI_REALM_DUMMY_PAGE, h.rd, host.delegated()), 'mica_dummy_set');
    expect(host.m.granuleOf(d).ext).toBe('mica:dummy');
  });
  it('mica_uploaded: frozen after the policy upload (attack 16)', () => {
    const wf = buildVideoWorkflow({ size: 0x4000 });
    fails(
      wf.host.smc(SMC_RMI_REALM_DUMMY_PAGE, wf.realms.gateway!.rd, wf.host.delegated()),
      'mica_uploaded',
    );
  });
});

describe('RMI_SET_PROTECTED_SHARED_RANGE', () => {
  it('rd_state, mica_range, mica_table_full', () => {
    const { host } = lab();
    fails(host.smc(SMC_RMI_SET_PROTECTED_SHARED_RANGE, host.delegated(), BAR0, 0x1000), 'rd_state');
    const h = host.createRealm({ name: 'r', bars: [], micaSetup: false, activate: false });
    fails(host.smc(SMC_RMI_SET_PROTECTED_SHARED_RANGE, h.rd, BAR0 + 1, 0x1000), 'mica_range');
    fails(host.smc(SMC_RMI_SET_PROTECTED_SHARED_RANGE, h.rd, BAR0, 0), 'mica_range');
    for (let i = 0; i < 32; i++)
      ok(host.smc(SMC_RMI_SET_PROTECTED_SHARED_RANGE, h.rd, BAR0 + i * 0x1000, 0x1000));
    fails(host.smc(SMC_RMI_SET_PROTECTED_SHARED_RANGE, h.rd, BAR0, 0x1000), 'mica_table_full');
  });
});

describe('RMI_BIND_PROTECTED_SHARED', () => {
  it('rd_state, pa_align, ipa_align; success maps nothing', () => {
    const { host } = lab();
    const h = host.createRealm({ name: 'r', bars: [] });
    fails(host.smc(SMC_RMI_BIND_PROTECTED_SHARED, host.delegated(), 0, 0), 'rd_state');
    fails(host.smc(SMC_RMI_BIND_PROTECTED_SHARED, h.rd, 0x10, 0), 'pa_align');
    fails(host.smc(SMC_RMI_BIND_PROTECTED_SHARED, h.rd, 0, 0x10), 'ipa_align');
    ok(host.smc(SMC_RMI_BIND_PROTECTED_SHARED, h.rd, host.delegated(), BAR0));
    expect(host.m.ledger.some((e) => e.kind === 'note' && e.text.includes('could not map'))).toBe(
      true,
    );
  });
});

describe('RMI_DATA_CREATE_UNKNOWN_SHARED', () => {
  const F = SMC_RMI_DATA_CREATE_UNKNOWN_SHARED;
  it('conditions in order: rd, data, ipa, dummy, SGT, RTT walk, RTT entry', () => {
    const { host } = lab();
    const h = host.createRealm({ name: 'r', bars: ['f'] });
    const page = host.delegated();
    fails(host.smc(F, host.delegated(), page, BAR0), 'rd_state');
    fails(host.smc(F, h.rd, page + 4, BAR0), 'data_align');
    fails(host.smc(F, h.rd, host.alloc(), BAR0), 'data_state');
    fails(host.smc(F, h.rd, page, BAR0 + 8), 'ipa_align');
    fails(host.smc(F, h.rd, page, 2 ** 41), 'ipa_bound');
    // No dummy page (and so, in Mica mode, not activated either: no PD).
    const bare = host.createRealm({ name: 'bare', bars: [], micaSetup: false, activate: false });
    fails(host.smc(F, bare.rd, page, BAR0), 'mica_dummy');
    fails(host.smc(F, h.rd, page, BAR0), 'rtt_walk', 'RMI_ERROR_RTT', 0);
    host.tables(h.rd, BAR0);
    ok(host.smc(F, h.rd, page, BAR0));
    fails(host.smc(F, h.rd, page, BAR0), 'rtte_state', 'RMI_ERROR_RTT', 3);
    expect(host.m.granuleOf(page).ext).toBe('mica:shared');
    expect(host.m.checkInvariants()).toEqual([]);
  });
  it('mica_sgt: no SGT granule donated', () => {
    const { host } = lab();
    const h = host.createRealm({ name: 'r', bars: [], micaSetup: false, activate: false });
    ok(host.smc(SMC_RMI_REALM_DUMMY_PAGE, h.rd, host.delegated()));
    host.tables(h.rd, BAR0);
    fails(host.smc(F, h.rd, host.delegated(), BAR0), 'mica_sgt');
  });
  it('data_state: another realm’s private DATA granule is refused in Mica, accepted by the prototype', () => {
    for (const mode of ['mica', 'mica-prototype'] as const) {
      const { host } = lab(mode);
      const a = host.createRealm({ name: 'a', bars: [] });
      const b = host.createRealm({ name: 'b', bars: ['f'] });
      const walk = host.smc(abi.SMC_RMI_RTT_READ_ENTRY, a.rd, 0, 3);
      const privatePa = Number(walk.x[3]);
      host.tables(b.rd, BAR0);
      const r = host.smc(F, b.rd, privatePa, BAR0);
      if (mode === 'mica') fails(r, 'data_state');
      else ok(r);
    }
  });
  it('before upload the realm sees its dummy page; the SGT records the real page', () => {
    const { host, guest } = lab();
    const h = host.createRealm({ name: 'r', bars: ['f'] });
    const real = host.backing('f', 0);
    host.delegated();
    ok(host.mapShared(h, BAR0, real));
    const mica = micaOf(host.m.state)!;
    expect(mica.sgt.entries).toEqual([{ pa: real, gpa: BAR0, rd: h.rd }]);
    expect(mica.realms[hex(h.rd)]!.mappings[hex(BAR0)]!.state).toBe('DUMMY');
    guest.add(h.rd, [
      { op: 'read', ipa: BAR0 },
      { op: 'write', ipa: BAR0, value: 1n },
    ]);
    host.run(h);
    const g = host.recOf(h).guest;
    expect(g['val@0']).toBe('0x0');
    expect(g['sea@1']).toBe(true);
  });
  it('mica_policy: after upload a page outside every declared window is refused (§8 item 4)', () => {
    const wf = buildVideoWorkflow({ size: 0x4000 });
    const r = wf.host.mapShared(wf.realms.gateway!, 0x18008000000, wf.host.delegated());
    fails(r, 'mica_policy');
  });
});
