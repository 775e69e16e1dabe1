/**
 * The Memory view's model (src/ui/memory/memory-model.ts) against the rules it draws:
 * the granule protection check on the host side (cca-spec.md §1.2), HIPAS x RIPAS and the
 * protected / unprotected halves on the realm side (§3.4, §4.3), Mica shared pages with
 * each realm's rights (mica-spec.md §3.4), and the promise that looking changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { abi, granuleIndex, type Machine } from '../../src/emulator/index.ts';
import { micaOf } from '../../src/policy/index.ts';
import { buildVideoWorkflow } from '../../src/workflows/index.ts';
import { createHostShell, createLabMachine } from '../../src/shell/index.ts';
import { buildMemoryModel, type MemoryModel } from '../../src/ui/memory/memory-model.ts';
import { replayCommands } from '../../src/lessons/index.ts';
import { findLesson } from '../../src/lessons/loaded.ts';

function labWith(...lines: string[]): Machine {
  const machine = createLabMachine();
  const host = createHostShell(machine);
  for (const line of lines) host.execute(line);
  return machine;
}

function modelOf(machine: Machine, name: string): MemoryModel {
  // Realms built by the host shell have a host record; the workflow's carry Mica names.
  const rd =
    machine.state.host?.realms[name]?.rd ??
    Object.values(micaOf(machine.state)?.realms ?? {}).find((r) => r.name === name)?.rd;
  if (rd === undefined) throw new Error(`no realm ${name}`);
  const model = buildMemoryModel(machine, machine.state.ledger.events, rd);
  if (!model) throw new Error(`no model for ${name}`);
  return model;
}

describe('memory model: the host side follows the granule protection check', () => {
  it("a realm's DATA granule shows as GPF on the host side and as protected RAM at its IPA on the realm side", () => {
    const model = modelOf(labWith('realm create gw --net'), 'gw');
    const data = model.host.filter((r) => r.state === 'DATA');
    expect(data.length).toBeGreaterThan(0);
    for (const row of data) {
      expect(row.gpi).toBe('REALM');
      expect(row.read.kind).toBe('gpf');
      const partners = model.realm.filter((r) => r.granule === row.granule);
      expect(partners).toHaveLength(1);
      expect(partners[0]).toMatchObject({
        kind: 'protected',
        half: 'protected',
        hipas: 'ASSIGNED',
        ripas: 'RAM',
        pa: row.pa,
      });
    }
  });

  it("the realm's metadata granules (RD, REC, RTT) are GPF for the host and have no IPA", () => {
    const model = modelOf(labWith('realm create gw'), 'gw');
    for (const state of ['RD', 'REC', 'RTT'] as const) {
      const rows = model.host.filter((r) => r.state === state);
      expect(rows.length, state).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.read.kind).toBe('gpf');
        expect(model.realm.some((r) => r.granule === row.granule)).toBe(false);
      }
    }
  });

  it('a GPF the host already took on a granule is counted on its row', () => {
    const machine = labWith('realm create gw');
    const data = modelOf(machine, 'gw').host.find((r) => r.state === 'DATA');
    expect(data).toBeDefined();
    createHostShell(machine).execute(`read 0x${data!.pa.toString(16)}`);
    const after = modelOf(machine, 'gw').host.find((r) => r.granule === data!.granule);
    expect(after?.gpfs).toBe(1);
    expect(after?.lastGpf).toMatch(/host read/);
  });

  it('unmapped protected RAM is one merged run, never one row per page', () => {
    const model = modelOf(labWith('realm create gw'), 'gw');
    const ram = model.realm.filter((r) => r.kind === 'unmapped' && r.ripas === 'RAM');
    expect(ram.length).toBeGreaterThan(0);
    expect(model.realm.length).toBeLessThan(40);
    for (const row of ram) expect(row.access).toMatch(/REC exit/);
  });
});

describe('memory model: NS and shared pages', () => {
  const wf = buildVideoWorkflow({ mode: 'mica' });
  wf.runApp();
  const gateway = () => modelOf(wf.machine, 'gateway');

  it('an NS granule mapped unprotected shows the same PA on both sides', () => {
    const model = gateway();
    const ns = model.realm.filter((r) => r.kind === 'unprotected');
    expect(ns.length).toBeGreaterThan(0);
    for (const row of ns) {
      expect(row.half).toBe('unprotected');
      expect(row.ipa).toBeGreaterThanOrEqual(2 ** (model.ipaWidth - 1));
      const host = model.host.find((h) => h.granule === row.granule);
      expect(host).toMatchObject({ pa: row.pa, gpi: 'NS', read: { kind: 'bytes' } });
    }
  });

  it('a Mica shared object shows its rights per realm', () => {
    const model = gateway();
    const shared = model.realm.filter((r) => r.kind === 'shared' && r.shared?.mem === 'Mem1');
    expect(shared.length).toBeGreaterThan(0);
    const page = shared[0]!;
    expect(page.shared).toMatchObject({ prot: 'W', state: 'ACTIVE' });
    expect(page.shared?.others).toContainEqual({ realm: 'encoder', prot: 'R', state: 'ACTIVE' });
    // The host sees the same page as Realm PAS: a GPF, with both realms' rights listed.
    const host = model.host.find((h) => h.granule === page.granule);
    expect(host?.read.kind).toBe('gpf');
    expect(host?.sharers).toEqual(
      expect.arrayContaining([
        { realm: 'gateway', prot: 'W', state: 'ACTIVE' },
        { realm: 'encoder', prot: 'R', state: 'ACTIVE' },
      ]),
    );
    const encoder = modelOf(wf.machine, 'encoder');
    const mine = encoder.realm.find((r) => r.granule === page.granule);
    expect(mine?.shared?.prot).toBe('R');
  });

  it("a shared window lists every end's rights, this realm first", () => {
    const window = gateway().windows.find((w) => w.mem === 'Mem1');
    expect(window?.rights).toEqual([
      { realm: 'gateway', prot: 'W' },
      { realm: 'encoder', prot: 'R' },
    ]);
  });
});

describe('memory model: looking changes nothing', () => {
  it('computing the model adds no ledger event', () => {
    const machine = labWith('realm create gw --net', 'delegate 0x80000000');
    const before = machine.state.ledger.nextSeq;
    const events = machine.state.ledger.events.length;
    const memory = Object.keys(machine.state.memory).length;
    const model = modelOf(machine, 'gw');
    expect(model.host.some((r) => r.read.kind === 'gpf')).toBe(true);
    expect(model.host.some((r) => r.read.kind === 'bytes')).toBe(true);
    expect(machine.state.ledger.nextSeq).toBe(before);
    expect(machine.state.ledger.events).toHaveLength(events);
    expect(Object.keys(machine.state.memory)).toHaveLength(memory);
  });

  it('an NS granule reads as its first bytes, copied from memory', () => {
    const machine = labWith('realm create gw');
    const model = modelOf(machine, 'gw');
    const run = model.host.find((r) => r.gpi === 'NS');
    expect(run).toBeDefined();
    const page = machine.state.memory[granuleIndex(run!.pa)];
    const expected = [...(page ?? new Uint8Array(abi.GRANULE_SIZE)).subarray(0, 8)]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join(' ');
    expect(run!.read).toEqual({ kind: 'bytes', text: expected });
  });
});

describe('memory model: a shared window after its other end is destroyed', () => {
  it('names the destroyed end as destroyed, not as a realm with no policy yet (05-attacks/06)', () => {
    const replay = replayCommands(findLesson('05-attacks/06-leftovers')!, [
      'realm destroy gateway',
    ]);
    const window = modelOf(replay.session.machine, 'encoder').windows.find((w) => w.mem === 'Mem1');
    expect(window?.rights).toEqual([
      { realm: 'encoder', prot: 'R' },
      { realm: 'gateway', prot: null, gone: true },
    ]);
  });
});
