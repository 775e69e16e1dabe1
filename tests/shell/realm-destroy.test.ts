/**
 * `realm destroy` (cca-spec.md §3.2): the host tears a realm down with the reverse RMI
 * sequence, every call listed; the granules stay DELEGATED (the GPT keeps the host out) until
 * the host undelegates them, which wipes them. In Mica mode a shared page that loses its last
 * mapping is zeroed by CLEAN (mica-spec.md §3.7). Bad input gets a usage error.
 */
import { describe, expect, it } from 'vitest';
import { labTerminals } from './lab-terminals.ts';

describe('realm destroy', () => {
  it('tears a realm down in order and leaves its private page DELEGATED, then wiped on undelegate', () => {
    const { machine, type } = labTerminals();
    type('realm create r1');
    type('@r1 mem write 0x4000 "secret"');
    const pa = /-> (0x[0-9a-f]+)/.exec(type('rtt r1 0x4000'))![1]!;
    const out = type('realm destroy r1');
    const order = ['REC_DESTROY 0', 'DATA_DESTROY 0x4000', 'RTT_DESTROY L3', 'REALM_DESTROY'];
    const at = order.map((w) => out.indexOf(w));
    expect(at.every((x) => x >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(out).toContain('is destroyed');
    expect(out).not.toMatch(/RMI_ERROR/);
    expect(Object.keys(machine.state.rmm.realms)).toEqual([]);
    expect(type(`read ${pa} 6`)).toContain('Granule Protection Fault');
    type(`undelegate ${pa}`);
    expect(type(`read ${pa} 6`)).toContain('00 00 00 00 00 00');
    expect(type('realm list')).toContain('DESTROYED');
  });

  it('a realm cannot be called "host": that is the hypervisor\'s own terminal', () => {
    const { machine, type } = labTerminals();
    expect(type('realm create host')).toContain('names the host hypervisor');
    expect(Object.keys(machine.state.rmm.realms)).toEqual([]);
  });

  it('refuses a missing, unknown or already destroyed realm with a usage line', () => {
    const { type } = labTerminals();
    expect(type('realm destroy')).toContain('missing <realm>');
    expect(type('realm destroy nope')).toContain('no realm "nope"');
    type('realm create r1');
    expect(type('realm destroy r1 extra')).toContain('unexpected argument "extra"');
    type('realm destroy r1');
    expect(type('realm destroy r1')).toContain('no longer exists in the RMM');
  });

  it('a realm destroyed among live ones is built again with a VMID no live realm uses, and the same RIM', () => {
    const { machine, type } = labTerminals({ mode: 'mica' });
    for (const r of ['a', 'b', 'c']) type(`realm create ${r}`);
    const rimOf = (name: string) =>
      machine.state.rmm.realms['0x' + machine.state.host!.realms[name]!.rd.toString(16)]?.rim;
    const before = { rd: machine.state.host!.realms['b']!.rd, rim: rimOf('b') };
    expect(type('realm create b')).toContain('exists already');
    type('realm destroy b');
    // Two live realms and one destroyed: the count-based VMID would collide with c's.
    const out = type('realm create b');
    expect(out).toContain('realm "b" is ACTIVE');
    expect(out).not.toMatch(/RMI_ERROR/);
    expect(machine.state.host!.realms['b']!.rd).not.toBe(before.rd);
    expect(rimOf('b')).toBe(before.rim);
    const vmids = Object.values(machine.state.rmm.realms).map((r) => r.vmid);
    expect(new Set(vmids).size).toBe(vmids.length);
    expect(type('realm list')).not.toContain('DESTROYED');
  });

  it('in Mica mode, destroying both ends of an object zeroes its pages (CLEAN); mica status names page 0', () => {
    const { machine, type } = labTerminals({ mode: 'mica' });
    for (const r of ['gateway', 'encoder']) type(`realm create ${r}`);
    type('mica share Mem1 gateway:0 encoder:0');
    // The encoder's file also lists Mem2: without its window its upload is refused and it maps
    // Mem1 only with dummy mappings, which map no region (§3.4 step 3, §3.7).
    type('mica share Mem2 encoder:1 moderator:0');
    type('@gateway policy upload video-moderation');
    expect(type('@encoder policy upload video-moderation')).toContain('RSI_SUCCESS');
    const page = /page 0 at PA (0x[0-9a-f]+)/.exec(type('mica status'))?.[1];
    expect(page).toBeDefined();
    const before = machine.ledger.length;
    expect(type('realm destroy gateway')).not.toContain('zeroed');
    // The encoder held the last mapping of every Mem1 page: the teardown says CLEAN ran.
    expect(type('realm destroy encoder')).toMatch(
      /a shared page lost its last mapping: the monitor zeroed it .*\(×\d+\)\s+\[CLEAN\]/,
    );
    const cleaned = machine.ledger
      .slice(before)
      .filter((e) => e.kind === 'flow' && e.decision.rule === 'CLEAN');
    expect(cleaned.length).toBeGreaterThan(0);
    expect(cleaned.some((e) => e.kind === 'flow' && e.decision.reason.includes(page!))).toBe(true);
  });

  it("a destroyed realm's name can be built again: a fresh realm, no old windows, no old memory", () => {
    const { machine, type } = labTerminals({ mode: 'mica' });
    for (const r of ['gateway', 'encoder']) type(`realm create ${r}`);
    type('mica share Mem1 gateway:0 encoder:0');
    type('@encoder mem write 0x4000 "secret"');
    const live = type('realm create encoder --ram 17');
    expect(live).toContain('a realm called "encoder" exists already');
    expect(live).toContain('realm destroy encoder');
    const oldRd = machine.state.host!.realms.encoder!.rd;
    type('realm destroy encoder');
    expect(type('realm create encoder --ram 17')).toContain('is ACTIVE');
    const fresh = machine.state.host!.realms.encoder!;
    expect(fresh.rd).not.toBe(oldRd);
    expect(machine.state.host!.sharedObjects!.Mem1!.ends.map((e) => e.realm)).toEqual(['gateway']);
    expect(type('@encoder mem read 0x4000 6')).not.toContain('secret');
    expect(type('realm list')).not.toContain('DESTROYED');
    // Its VMID was free again; a third realm takes the next free one, not one in use.
    expect(type('realm destroy gateway')).toContain('is destroyed');
    expect(type('realm create gateway --net')).toContain('is ACTIVE');
    expect(type('realm create storage --ram 19')).toContain('is ACTIVE');
  });
});
