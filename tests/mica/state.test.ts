// The monitor's state is plain data: it survives snapshot / JSON / restore (undo, links,
// lessons), the views read it, and FRESH (§3.8) claims pages per region.
import { describe, expect, it } from 'vitest';
import { abi } from '../../src/emulator/index.ts';
import { micaDecisions, micaView } from '../../src/policy/monitor/views.ts';
import { micaOf } from '../../src/policy/monitor/state.ts';
import { buildVideoWorkflow } from '../../src/workflows/video.ts';

const SIZE = 0x4000;

describe('monitor state', () => {
  it('round-trips through a JSON snapshot and keeps enforcing after restore', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    const json = JSON.stringify(wf.machine.snapshot());
    const before = JSON.stringify(micaOf(wf.machine.state));
    wf.runApp();
    expect(wf.machine.restore(JSON.parse(json))).toEqual({ ok: true });
    expect(JSON.stringify(micaOf(wf.machine.state))).toBe(before);
    const r = wf.host.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, wf.host.backing('Mem1', 0));
    expect(r.failure?.label).toBe('mica_shared_mapped');
    expect(wf.machine.checkInvariants()).toEqual([]);
  });

  it('micaView draws realms and pipes; micaDecisions lists the monitor’s decisions', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    const v = micaView(wf.machine.state)!;
    expect(v.mode).toBe('mica');
    expect(v.realms.map((r) => [r.name, r.uploaded, r.isGateway, r.strict])).toEqual([
      ['gateway', true, true, false],
      ['encoder', true, false, true],
      ['moderator', true, false, true],
      ['storage', true, true, false],
    ]);
    expect(
      v.pipes.map((p) => [p.name, p.ends.map((e) => `${e.realm}:${e.prot}:${e.activePages}`)]),
    ).toEqual([
      ['Mem1', ['gateway:W:4', 'encoder:R:4']],
      ['Mem2', ['encoder:W:4', 'moderator:R:4']],
      ['Mem3', ['moderator:W:4', 'storage:R:4']],
    ]);
    expect(v.sgt).toHaveLength(24);
    expect(
      micaDecisions(wf.machine.ledger, 'allowed').filter((d) => d.channel === 'policy-upload'),
    ).toHaveLength(4);
  });
});

describe('FRESH (§3.8)', () => {
  it('Mica claims every activated page for exactly one region; the prototype keeps no claims', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    const fresh = micaOf(wf.machine.state)!.fresh;
    expect(Object.keys(fresh)).toHaveLength(12);
    const regions = new Set(Object.values(fresh).map((r) => r.split('/')[0]));
    expect([...regions].sort()).toEqual(['Mem1', 'Mem2', 'Mem3']);
    const proto = buildVideoWorkflow({ mode: 'mica-prototype', size: SIZE });
    expect(micaOf(proto.machine.state)!.fresh).toEqual({});
  });
});
