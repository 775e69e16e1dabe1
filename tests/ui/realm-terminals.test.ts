// The page's realm terminals follow the realms that exist: a realm the host destroyed has no
// terminal (its record stays for `realm list`), and one built again under its name has one.
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import { openTerminals } from '../../src/lessons/index.ts';
import { LabMachine } from '../../src/ui/state/machine.svelte.ts';

async function settled(): Promise<void> {
  await Promise.resolve();
  flushSync();
}

describe('realm terminals', () => {
  it('a destroyed realm loses its terminal and a rebuilt one gets it back', async () => {
    const lab = new LabMachine({ mode: 'cca' });
    const t = openTerminals(lab.machine);
    t.execute('realm create gw --net');
    t.execute('realm create enc --ram 17');
    await settled();
    expect(lab.realmNames).toEqual(['gw', 'enc']);
    t.execute('realm destroy enc');
    await settled();
    expect(lab.realmNames).toEqual(['gw']);
    expect(
      t
        .execute('realm list')
        .output.map((l) => l.text)
        .join('\n'),
    ).toContain('DESTROYED');
    t.execute('realm create enc --ram 17');
    await settled();
    expect(lab.realmNames).toEqual(['gw', 'enc']);
  });
});
