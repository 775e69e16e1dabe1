import { it } from 'vitest';
import { createHostShell, createLabMachine, createRealmShell, type ShellSession } from '/work/h10/src/shell/index.ts';
it('try', () => {
  const machine = createLabMachine();
  const host = createHostShell(machine);
  const realms = new Map<string, ShellSession>();
  const type = (line: string, show = true) => {
    const m = /^@([a-z][a-z0-9-]*)\s+(.*)$/.exec(line);
    let s = host, c = line;
    if (m) { s = realms.get(m[1]!) ?? createRealmShell(machine, m[1]!); realms.set(m[1]!, s); c = m[2]!; }
    const o = s.execute(c).map((l) => l.text).filter((l) => !l.startsWith('  [host]')).join('\n');
    if (show) console.log(`$ ${line}\n${o.slice(0, 2500)}`);
  };
  for (const l of ['realm create rg','realm create re','realm create rn',
    'mica share ring1 rg:0 re:0','mica share ring2 re:1 rn:0','mica share ring3 rn:1 rg:1']) type(l, false);
  for (const l of ['@rg policy upload video-ring-shipped','@re policy upload video-ring-shipped','@rn policy upload video-ring-shipped',
    '@rg attest group random', 'mica verify last video-ring-shipped',
    'realm create gateway','realm create encoder','realm create moderator','realm create storage',
    'mica share Mem1 gateway:0 encoder:0','mica share Mem2 encoder:1 moderator:0','mica share Mem3 moderator:1 storage:0',
    '@gateway policy upload video-moderation','@encoder policy upload video-moderation','@moderator policy upload size-mismatch','@moderator policy upload video-moderation', '@storage policy upload video-moderation']) type(l);
});
