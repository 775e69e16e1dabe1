// The relying party's reference values are the tenant's, recomputed (issue 11; cca-spec.md
// §5.2-§5.5, §6.4; mica-spec.md §4.5 step 3): never read from the RD of the realm the host
// built, so a host that swaps the image at build time is rejected, by `attest verify last`
// and by `mica verify last` alike.
import { describe, expect, it } from 'vitest';
import {
  createRealm,
  referenceRim,
  tenantReference,
  type RealmIntent,
} from '../../src/emulator/index.ts';
import { createLabMachine } from '../../src/shell/index.ts';
import { labTerminals } from '../shell/lab-terminals.ts';

const STAGES = ['gateway', 'encoder', 'moderator', 'storage'];

describe('tenant reference values', () => {
  it('the RIM recomputed from the intent equals the RIM of an honestly built realm', () => {
    const machine = createLabMachine({ mode: 'cca' });
    const specs = [
      { name: 'a' },
      { name: 'b', hashAlgo: 'sha-512' as const, ramPages: 40 },
      { name: 'c', image: 'hello', net: true, recs: 3 },
      { name: 'd', role: 'encoder', image: 'attester' },
    ];
    for (const spec of specs) {
      const built = createRealm(machine, spec);
      expect(built.ok).toBe(true);
      const rd = built.ok ? built.realm.rd : 0;
      const rmm = machine.state.rmm.realms['0x' + rd.toString(16)]!;
      const ref = tenantReference(machine.state, spec.name)!;
      expect(ref.rim).toBe(rmm.rim);
      expect(ref.rpv).toBe(rmm.rpv);
    }
  });

  it('every measured input of the intent changes the reference RIM', () => {
    const base: RealmIntent = {
      image: 'shell',
      ramPages: 16,
      net: false,
      hashAlgo: 'sha-256',
      ipaWidth: 42,
      recs: 1,
    };
    const variants: RealmIntent[] = [
      { ...base, image: 'hello' },
      { ...base, ramPages: 17 },
      { ...base, net: true },
      { ...base, hashAlgo: 'sha-512' },
      { ...base, ipaWidth: 40 },
      { ...base, role: 'encoder' },
    ];
    const rims = new Set([base, ...variants].map(referenceRim));
    expect(rims.size).toBe(variants.length + 1);
  });

  it('attest verify last rejects a realm whose host swapped the image at build time', () => {
    const honest = labTerminals({ mode: 'cca' });
    honest.type('realm create r1 --image attester');
    honest.type('@r1 attest 0102');
    expect(honest.type('attest verify last')).toMatch(/Verdict: verified/);

    const swapped = labTerminals({ mode: 'cca' });
    swapped.type('realm create r1 --image attester --host-image leaky');
    swapped.type('@r1 attest 0102');
    const o = swapped.type('attest verify last');
    expect(o).toMatch(/Verdict: rejected/);
    expect(o).toMatch(/RIM/);
  });

  it('mica verify last rejects a pipeline whose host swapped a stage image at build time', () => {
    for (const swap of [false, true]) {
      const { type } = labTerminals();
      for (const s of STAGES)
        type(`realm create ${s}${swap && s === 'encoder' ? ' --host-image leaky' : ''}`);
      type('mica share Mem1 gateway:0 encoder:0');
      type('mica share Mem2 encoder:1 moderator:0');
      type('mica share Mem3 moderator:1 storage:0');
      for (const s of STAGES) type(`@${s} policy upload video-moderation`);
      type('@gateway attest group random');
      const o = type('mica verify last video-moderation');
      if (!swap) expect(o).toContain('Verdict: verified');
      else {
        expect(o).toMatch(/Verdict: rejected/);
        // The swapped encoder's RIM gives another label: it is not the realm the tenant expects.
        expect(o).toMatch(/✗ members are the expected realms: [^\n]*encoder/);
      }
    }
  });
});
