// RSI_UPLOAD_POLICY step by step (mica-spec.md §3.3), activation (§3.4), prot enforcement
// (§8 item 2), atomic upload (§8 item 10) versus the prototype's missing rollback, REM0
// (§4.1), CLEAN (§3.7) and the end of a FRESH claim (§3.8).
import { describe, expect, it } from 'vitest';
import { abi, measure } from '../../src/emulator/index.ts';
import { concatBytes, fromHex, toHex } from '../../src/lib/bytes.ts';
import { encodePoly, toPolicyPage } from '../../src/policy/binary.ts';
import { micaAbi } from '../../src/policy/index.ts';
import type { Policy } from '../../src/policy/model.ts';
import { rimLabel } from '../../src/policy/monitor/common.ts';
import { micaOf } from '../../src/policy/monitor/state.ts';
import { prefaultOps, type GuestOp } from '../../src/workflows/guest.ts';
import { CONSOLE_IPA, POLICY_IPA, destroyRealm } from '../../src/workflows/host.ts';
import { buildVideoWorkflow, type VideoWorkflow } from '../../src/workflows/video.ts';
import { hex } from '../../src/lib/hex.ts';
import { openTerminals } from '../../src/lessons/terminals.ts';
import { createLabMachine } from '../../src/shell/index.ts';

const SIZE = 0x4000;
const BAR0 = 0x18000000000;

function upload(p: Policy): GuestOp {
  const enc = encodePoly(p);
  if (!enc.ok) throw new Error('encode');
  return { op: 'upload', page: POLICY_IPA, bytes: toPolicyPage(enc.bytes)! };
}

function run(wf: VideoWorkflow, name: string, ops: GuestOp[]): { at: number; x0: number } {
  const h = wf.realms[name]!;
  const at = wf.guest.program(h.rd).length + ops.length - 1;
  const g = wf.exec(name, ops);
  return { at, x0: Number(BigInt(String(g[`x0@${at}`]))) };
}

function lastDecision(wf: VideoWorkflow, channel: string) {
  const flows = wf.machine.ledger.filter((e) => e.kind === 'flow' && e.channel === channel);
  const last = flows[flows.length - 1];
  return last?.kind === 'flow' ? last.decision : undefined;
}

const mismatch = (name: string, p: Policy): Policy =>
  name !== 'encoder'
    ? p
    : { ...p, mems: p.mems.map((m) => (m.name === 'Mem1' ? { ...m, size: m.size * 2n } : m)) };

describe('RSI_UPLOAD_POLICY', () => {
  it('step 2: a page outside the protected half → RSI_ERROR_INPUT (upload:page)', () => {
    const wf = buildVideoWorkflow({ size: SIZE, setup: false });
    const r = run(wf, 'gateway', [
      { op: 'smc', fid: micaAbi.SMC_RSI_UPLOAD_POLICY, args: [BigInt(CONSOLE_IPA)] },
    ]);
    expect(r.x0).toBe(abi.RSI_ERROR_INPUT);
    expect(lastDecision(wf, 'policy-upload')?.rule).toBe('upload:page');
  });

  it('step 3: a page that is not a POLY binary → RSI_ERROR_INPUT (upload:parse)', () => {
    const wf = buildVideoWorkflow({ size: SIZE, setup: false });
    const r = run(wf, 'gateway', [
      { op: 'upload', page: POLICY_IPA, bytes: new Uint8Array(0x1000).fill(7) },
    ]);
    expect(r.x0).toBe(abi.RSI_ERROR_INPUT);
    expect(lastDecision(wf, 'policy-upload')?.rule).toBe('upload:parse');
  });

  it('zero memory objects: accepted in Mica (§8 item 9), refused as empty by the prototype', () => {
    for (const mode of ['mica', 'mica-prototype'] as const) {
      const wf = buildVideoWorkflow({ mode, size: SIZE, setup: false });
      const gw = wf.policies.gateway!;
      const r = run(wf, 'gateway', [upload({ ...gw, mems: [] })]);
      expect(r.x0).toBe(mode === 'mica' ? abi.RSI_SUCCESS : abi.RSI_ERROR_INPUT);
      if (mode === 'mica-prototype')
        expect(lastDecision(wf, 'policy-upload')?.rule).toBe('upload:empty');
    }
  });

  it('identity (§8 item 3): Self hash must be the label of the uploader’s RIM', () => {
    const wf = buildVideoWorkflow({ size: SIZE, setup: false });
    const gw = wf.policies.gateway!;
    const lie = { ...gw, vms: gw.vms.map((v, i) => (i === gw.self ? { ...v, hash: 0x1 } : v)) };
    expect(run(wf, 'gateway', [upload(lie)]).x0).toBe(abi.RSI_ERROR_INPUT);
    expect(lastDecision(wf, 'policy-upload')?.rule).toBe('VM1.hash');
    const rim = wf.machine.state.rmm.realms[hex(wf.realms.gateway!.rd)]!.rim;
    expect(gw.vms[gw.self]!.hash).toBe(rimLabel(rim));
  });

  it('Mica: a refused upload changes nothing (atomic) and can be retried', () => {
    const wf = buildVideoWorkflow({ size: SIZE, setup: false, edit: mismatch });
    wf.setupRealm('gateway');
    const m = micaOf(wf.machine.state)!;
    const table = JSON.stringify(m.table);
    const enc = wf.realms.encoder!;
    expect(wf.setupRealm('encoder')).toBe(abi.RSI_ERROR_INPUT);
    const r = m.realms[hex(enc.rd)]!;
    expect(r.record).toBe('');
    expect(r.uploaded).toBe(false);
    expect(m.registry.find((e) => e.rd === enc.rd)!.hash).toBeNull();
    expect(JSON.stringify(m.table)).toBe(table);
    expect(Object.values(r.mappings).every((mp) => mp.state === 'DUMMY')).toBe(true);
    expect(wf.machine.state.rmm.realms[hex(enc.rd)]!.rems[0]).toBe('00'.repeat(64));
    // Retry with the agreed definition.
    const fixed = {
      ...wf.policies.encoder!,
      mems: wf.policies.encoder!.mems.map((x) =>
        x.name === 'Mem1' ? { ...x, size: BigInt(SIZE) } : x,
      ),
    };
    expect(run(wf, 'encoder', [upload(fixed)]).x0).toBe(abi.RSI_SUCCESS);
  });

  it('prototype (gap-no-rollback): a refused upload leaves the record in the PD and the hash bound', () => {
    const wf = buildVideoWorkflow({
      mode: 'mica-prototype',
      size: SIZE,
      setup: false,
      edit: mismatch,
    });
    wf.setupRealm('gateway');
    const enc = wf.realms.encoder!;
    expect(wf.setupRealm('encoder')).toBe(abi.RSI_ERROR_INPUT);
    const m = micaOf(wf.machine.state)!;
    expect(m.realms[hex(enc.rd)]!.record).not.toBe('');
    expect(m.realms[hex(enc.rd)]!.uploaded).toBe(false);
    expect(m.registry.find((e) => e.rd === enc.rd)!.hash).toBe(0x2);
  });

  it('activation: declared windows switch from the dummy page to the real page with prot', () => {
    const wf = buildVideoWorkflow({ size: SIZE, setup: false });
    wf.setupRealm('gateway');
    const enc = wf.realms.encoder!;
    wf.exec('encoder', prefaultOps(BAR0, SIZE));
    const r = micaOf(wf.machine.state)!.realms[hex(enc.rd)]!;
    expect(Object.values(r.mappings).map((mp) => mp.state)).toEqual([
      'DUMMY',
      'DUMMY',
      'DUMMY',
      'DUMMY',
    ]);
    wf.setupRealm('encoder');
    const mem1 = Object.values(r.mappings).filter((mp) => mp.mem === 'Mem1');
    expect(mem1.map((mp) => [mp.state, mp.prot])).toEqual(Array(4).fill(['ACTIVE', 'R']));
    expect(
      Object.values(r.mappings)
        .filter((mp) => mp.mem === 'Mem2')
        .every((mp) => mp.prot === 'W'),
    ).toBe(true);
    expect(mem1[0]!.pa).toBe(wf.host.backing('Mem1', 0));
  });

  it('REM0 := H(0 ‖ 2184-byte record) once, at the accepted upload (§4.1)', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    const gw = wf.machine.state.rmm.realms[hex(wf.realms.gateway!.rd)]!;
    const record = fromHex(micaOf(wf.machine.state)!.realms[hex(gw.rd)]!.record)!;
    expect(record.length).toBe(2184);
    const want = measure.rhash('sha-512', concatBytes(new Uint8Array(64), record));
    expect(gw.rems[0]).toBe(toHex(want));
  });

  it('one-shot: a second upload is refused (upload:one-shot)', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    expect(run(wf, 'gateway', [upload(wf.policies.gateway!)]).x0).toBe(abi.RSI_ERROR_INPUT);
    expect(lastDecision(wf, 'policy-upload')?.rule).toBe('upload:one-shot');
  });
});

describe('shared memory enforcement', () => {
  it('prot: a reader’s write faults with the clause named; the prototype ignores prot', () => {
    for (const mode of ['mica', 'mica-prototype'] as const) {
      const wf = buildVideoWorkflow({ mode, size: SIZE });
      const h = wf.realms.encoder!;
      const at = wf.guest.program(h.rd).length;
      const g = wf.exec('encoder', [{ op: 'write', ipa: BAR0 + 0x40, value: 5n }]);
      const d = lastDecision(wf, 'shared-memory')!;
      expect(d.rule).toBe('Mem1.mappings.VM2.prot');
      expect(d.verdict).toBe(mode === 'mica' ? 'blocked' : 'allowed');
      expect(g[`sea@${at}`] === true).toBe(mode === 'mica');
    }
  });

  it('the video reaches the next stage through protected shared memory, never through the host', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    wf.runApp();
    const page = wf.host.backing('Mem1', 0);
    expect(wf.machine.read(page, 8).ok).toBe(false);
    const reads = wf.machine.ledger.filter(
      (e) => e.kind === 'flow' && e.channel === 'shared-memory' && e.decision.verdict === 'allowed',
    );
    expect(reads.length).toBeGreaterThan(0);
  });
});

describe('CLEAN (§3.7)', () => {
  it('Mica zeroes a shared page when its last mapping goes; the prototype keeps it stale', () => {
    for (const mode of ['mica', 'mica-prototype'] as const) {
      const wf = buildVideoWorkflow({ mode, size: SIZE });
      wf.runApp();
      const page = wf.host.backing('Mem1', 0);
      expect(destroyRealm(wf.host, wf.realms.gateway!).status).toBe('RMI_SUCCESS');
      expect(wf.machine.granuleOf(page).ext).toBe('mica:shared');
      expect(destroyRealm(wf.host, wf.realms.encoder!).status).toBe('RMI_SUCCESS');
      const bytes = wf.machine.state.memory[page / abi.GRANULE_SIZE];
      if (mode === 'mica') {
        expect(bytes).toBeUndefined();
        expect(wf.machine.granuleOf(page).ext).toBeUndefined();
      } else {
        expect(bytes).toBeDefined();
        expect(wf.machine.granuleOf(page).ext).toBe('mica:stale');
      }
      expect(wf.machine.checkInvariants()).toEqual([]);
    }
  });
});

describe("a FRESH claim goes when its region's last mapping goes (§3.8 release on unmap, §3.7 CLEAN)", () => {
  it('the capstone rebuilt with --net: the refused upload of rg keeps no claim of the old Mem1 region', () => {
    const m = createLabMachine({ mode: 'mica' });
    const t = openTerminals(m);
    const say = (line: string) =>
      t
        .execute(line)
        .output.map((l) => l.text)
        .join('\n');
    for (const line of [
      'realm create rg',
      'realm create rf',
      'realm create ri',
      'mica share Mem1 rg:0 rf:0 --size 0x2000',
      'mica share Mem2 rf:1 ri:0 --size 0x2000',
      '@ri policy upload llm-guardrail-locked',
      '@rg policy upload llm-guardrail-locked',
      '@rf policy upload llm-guardrail-locked',
      // rg again, now with its network device: another RIM, so another label, which rf's
      // policy does not name: its upload is refused, but its prefault maps Mem1 (dummy page).
      'realm destroy rg',
      'realm create rg --net',
      'mica share Mem1 rg:0',
    ])
      say(line);
    expect(say('@rg policy upload llm-guardrail-locked')).toMatch(/RSI_ERROR_INPUT/);
    const monitor = micaOf(m.state)!;
    const rg = Object.values(monitor.realms).find((r) => r.name === 'rg')!;
    const pages = Object.values(rg.mappings).map((x) => x.pa);
    expect(pages).toHaveLength(2);
    expect(Object.values(rg.mappings).every((x) => x.state === 'DUMMY')).toBe(true);
    const old = monitor.fresh[hex(pages[0]!)];
    expect(old).toMatch(/^Mem1\//);
    // rf held the old region's last mapping: with it gone the claim goes and CLEAN zeroes the
    // page, though rg's dummy mapping still lists it (rg's stage 2 shows its dummy page).
    const since = m.ledger.length;
    say('realm destroy rf');
    for (const pa of pages) {
      expect(monitor.fresh[hex(pa)]).toBeUndefined();
      expect(m.state.memory[pa / abi.GRANULE_SIZE]).toBeUndefined();
      expect(m.granuleOf(pa).ext).toBe('mica:shared');
      expect(
        m.ledger
          .slice(since)
          .some(
            (e) =>
              e.kind === 'flow' &&
              e.channel === 'clean' &&
              e.destination.address === pa &&
              e.decision.rule === 'CLEAN' &&
              e.decision.reason.includes(`its FRESH claim for ${old} goes`),
          ),
      ).toBe(true);
    }
    expect(m.checkInvariants()).toEqual([]);
    for (const line of ['realm create rf', 'mica share Mem1 rf:0', 'mica share Mem2 rf:1'])
      say(line);
    // rg's upload is no longer refused for a region none of whose realms is left.
    expect(say('@rg policy upload llm-guardrail-locked')).toMatch(/RSI_SUCCESS/);
    expect(monitor.fresh[hex(pages[0]!)]).toMatch(/^Mem1\//);
    expect(monitor.fresh[hex(pages[0]!)]).not.toBe(old);
    expect(m.checkInvariants()).toEqual([]);
  });
});
