// Every host model records the realms it builds in the VMM's records (emulator
// host/state.ts `recordRealm`): the realms a Pipeline Run or a scenario file built are the
// learner's to inspect once the lab adopts the run, through the same realm terminals and the
// same VMM as the realms `realm create` builds (ARCHITECTURE.md "One way to build a machine").
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adoptHeld, holdState, hostRealms } from '../../src/emulator/index.ts';
import { adoptRun } from '../../src/lessons/pipeline-ids.ts';
import { runPipeline } from '../../src/lessons/pipeline.ts';
import { openTerminals } from '../../src/lessons/terminals.ts';
import { createLabMachine } from '../../src/shell/index.ts';
import { buildMemoryModel } from '../../src/ui/memory/memory-model.ts';
import { RAM_TOP } from '../../src/workflows/host.ts';
import { runScenarioFile } from '../../src/workflows/run.ts';
import { loadScenarioFile } from '../../src/workflows/scenario-file.ts';

/** The lab's machine after it adopted the clean video pipeline's Run, and its terminals. */
function adoptedPipeline() {
  const lab = createLabMachine({ mode: 'mica' });
  expect(adoptRun(lab, runPipeline(0, 'mica'))).toEqual({ ok: true });
  return { lab, terminals: openTerminals(lab) };
}

const text = (lines: readonly { text: string }[]) => lines.map((l) => l.text).join('\n');

describe('the realms a Pipeline Run built have terminals (the VMM records every realm a host builds)', () => {
  it('the VMM knows the four stages by name, with their RD and REC', () => {
    const { lab, terminals } = adoptedPipeline();
    expect(hostRealms(lab).map((r) => r.name)).toEqual([
      'gateway',
      'encoder',
      'moderator',
      'storage',
    ]);
    for (const r of hostRealms(lab)) {
      expect(lab.state.rmm.realms[`0x${r.rd.toString(16)}`]?.state).toBe('ACTIVE');
      expect(r.recs).toHaveLength(1);
      expect(r.ramPages * 0x1000).toBe(RAM_TOP);
    }
    const list = text(terminals.execute('realm list').output);
    expect(list).not.toContain('(by hand)');
    expect(list).toMatch(/storage\s+0x[0-9a-f]+\s+ACTIVE/);
  });

  it('storage’s terminal reads its store: the moderated video, with its labels, no boot', () => {
    const { terminals } = adoptedPipeline();
    const out = text(terminals.execute('@storage mem read 0x100000 32').output);
    expect(out).not.toMatch(/no terminal|no realm called|boot/);
    expect(out).toMatch(/^0x00100000 {2}([0-9a-f]{2} ){15}[0-9a-f]{2}/m);
    expect(out).toContain('labels: passed:moderator, video');
  });

  it('a BAR window reads the backing file’s page the Run wrote (the host’s shared objects)', () => {
    const { lab, terminals } = adoptedPipeline();
    const mem1 = lab.state.host?.sharedObjects?.['Mem1'];
    expect(mem1?.ends.map((e) => e.realm)).toEqual(['gateway', 'encoder']);
    const out = text(terminals.execute('@encoder mem read 0x18000000000 16').output);
    expect(out).toMatch(/^0x18000000000 /m);
    expect(out).toContain('labels: video');
  });

  it('the host names each backing file as its object: one object per window in the Memory view', () => {
    const { lab, terminals } = adoptedPipeline();
    const status = text(terminals.execute('mica status').output);
    expect(status).toMatch(/object Mem1: gateway@0x18000000000, encoder@0x18000000000;/);
    const encoder = lab.state.host!.realms.encoder!;
    const model = buildMemoryModel(lab, lab.ledger, encoder.rd);
    expect(model?.windows.map((w) => w.mem)).toEqual(['Mem1', 'Mem2']);
    // Each end with the rights its uploaded policy gives it.
    expect(model?.windows[0]?.rights).toEqual([
      { realm: 'encoder', prot: 'R' },
      { realm: 'gateway', prot: 'W' },
    ]);
  });

  it('a realm rebuilt under its name replaces its record and unplugs its old windows', () => {
    const { lab, terminals } = adoptedPipeline();
    const before = lab.state.host!.realms.storage!.rd;
    expect(text(terminals.execute('realm destroy storage').output)).toMatch(
      /REALM_DESTROY +-> RMI_SUCCESS/,
    );
    terminals.execute('realm create storage');
    expect(lab.state.host!.realms.storage!.rd).not.toBe(before);
    const ends = Object.values(lab.state.host?.sharedObjects ?? {}).flatMap((o) => o.ends);
    expect(ends.some((e) => e.realm === 'storage')).toBe(false);
    expect(text(terminals.execute('@storage config').output)).toMatch(/config: RSI_SUCCESS/);
  });

  it('a scenario file’s realms have terminals too (its host program builds with the same host)', () => {
    const loaded = loadScenarioFile(readFileSync('scenarios/video-honest-mica.json', 'utf8'));
    if (!loaded.ok) throw new Error(loaded.error.message);
    const report = runScenarioFile(loaded.scenario);
    const lab = createLabMachine({ mode: report.machine.state.config.mode });
    expect(adoptHeld(lab, holdState(report.machine))).toEqual({ ok: true });
    const out = text(openTerminals(lab).execute('@storage mem read 0x100000 16').output);
    expect(out).toContain('labels: passed:moderator, video');
  });
});
