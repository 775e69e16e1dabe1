// Provenance flows (src/emulator/provenance.ts; mica-spec.md §1.3): labelled data that
// reaches a host-visible place is a ledger `flow` with its labels and decision; leaksOf finds
// them. Each sink the guest can reach is exercised; private copies are not leaks.
import { describe, expect, it } from 'vitest';
import {
  GUEST_MODEL,
  createMachine,
  hostRealm,
  labelsIn,
  leaksOf,
  SOURCE_RULE,
  type Machine,
} from '../../src/emulator/index.ts';
import { createHostShell, createRealmShell } from '../../src/shell/index.ts';

/** A realm with a network device that received the tenant's frame (labelled video) at 0x4000. */
function lab(): { m: Machine; sh: ReturnType<typeof createRealmShell> } {
  const m = createMachine({ guest: GUEST_MODEL });
  const host = createHostShell(m);
  host.execute('realm create r1 --net');
  host.execute('tenant send r1 "frame-0001"');
  const sh = createRealmShell(m, 'r1');
  sh.execute('net recv 0x4000');
  return { m, sh };
}

const SHARED = 2 ** 41 + 0x6000;

describe('provenance', () => {
  it('the tenant input arrives labelled at the device: a declared source, not a leak', () => {
    const { m } = lab();
    const sources = m.ledger.filter((e) => e.kind === 'flow' && e.decision.rule === SOURCE_RULE);
    expect(sources).toHaveLength(1);
    expect(sources[0]).toMatchObject({
      channel: 'tenant-input',
      labels: ['video'],
      destination: { kind: 'realm', name: 'r1' },
    });
    expect(leaksOf(m.ledger, 'video')).toEqual([]);
  });

  it('a program cannot label its data: mem write has no --label and there is no label command', () => {
    const { m, sh } = lab();
    const before = m.ledger.length;
    expect(sh.execute('mem write 0x5000 "x" --label video')[0]!.text).toMatch(/cannot label/);
    expect(sh.execute('label 0x5000 1 video')[0]!.text).toMatch(/unknown|not a command/i);
    expect(m.ledger.length).toBe(before);
  });

  it('private copies are not leaks; the label follows the copy', () => {
    const { m, sh } = lab();
    sh.execute('copy 0x4000 0x5000 10');
    expect(leaksOf(m.ledger, 'video')).toEqual([]);
    const out = sh.execute('mem read 0x5000 10');
    expect(out.some((l) => l.text.includes('labels: video'))).toBe(true);
  });

  it('console output of labelled bytes is a leak to the console (and NS memory on the way)', () => {
    const { m, sh } = lab();
    sh.execute('console @0x4000 10');
    const leaks = leaksOf(m.ledger, 'video');
    expect(leaks.map((f) => f.channel)).toEqual(expect.arrayContaining(['ns-memory', 'console']));
    const consoleFlow = leaks.find((f) => f.channel === 'console')!;
    expect(consoleFlow.destination).toMatchObject({ kind: 'console', name: 'r1 console' });
    expect(consoleFlow.decision).toMatchObject({ verdict: 'allowed', rule: 'cca:host-visible' });
    expect(hostRealm(m, 'r1')!.console).toContain('frame-0001');
  });

  it('the network device is a sink', () => {
    const { m, sh } = lab();
    sh.execute('net send @0x4000 10');
    expect(leaksOf(m.ledger, 'video').some((f) => f.destination.kind === 'network')).toBe(true);
  });

  it('host-call registers loaded from labelled memory are a leak to exit registers', () => {
    const { m, sh } = lab();
    sh.execute('hostcall 1 @0x4000');
    const leak = leaksOf(m.ledger, 'video').find((f) => f.channel === 'host-call');
    expect(leak?.destination).toMatchObject({ kind: 'register' });
  });

  it('a shared page: labelled bytes copied to the unprotected alias land in NS memory the host reads', () => {
    const { m, sh } = lab();
    sh.execute('ipa-state set 0x6000 0x7000 empty');
    sh.execute(`copy 0x4000 0x${SHARED.toString(16)} 10`);
    const ns = leaksOf(m.ledger, 'video').filter((f) => f.channel === 'ns-memory');
    expect(ns.length).toBeGreaterThan(0);
    const pa = ns[0]!.destination.address!;
    expect(labelsIn(m.state, pa, 8)).toEqual(['video']);
    const host = m.read(pa, 10);
    expect(host.ok && Buffer.from(host.bytes).toString()).toBe('frame-0001');
  });

  it('an unlabelled console line is a flow with no labels, not a leak of anything', () => {
    const { m, sh } = lab();
    sh.execute('console hello');
    const flows = m.ledger.filter((e) => e.kind === 'flow' && e.channel === 'console');
    expect(flows).toHaveLength(1);
    expect(leaksOf(m.ledger, 'video')).toEqual([]);
  });

  it('overwriting labelled bytes removes the label', () => {
    const { m, sh } = lab();
    sh.execute('mem write 0x4000 "0000000000"');
    sh.execute('console @0x4000 10');
    expect(leaksOf(m.ledger, 'video')).toEqual([]);
  });

  it('the guest program and labels are in the snapshot: a restored machine continues identically', () => {
    const { m, sh } = lab();
    const snap = JSON.parse(JSON.stringify(m.snapshot()));
    sh.execute('console @0x4000 10');
    const copy = createMachine({ guest: GUEST_MODEL });
    expect(copy.restore(snap)).toEqual({ ok: true });
    createRealmShell(copy, 'r1').execute('console @0x4000 10');
    expect(hostRealm(copy, 'r1')!.console).toBe(hostRealm(m, 'r1')!.console);
    expect(leaksOf(copy.ledger, 'video').length).toBe(leaksOf(m.ledger, 'video').length);
  });
});
