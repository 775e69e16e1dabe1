/**
 * Lesson 01-worlds/01: the four physical address spaces and the Granule Protection Table.
 * The learner reads the board's memory map with `gpt`, then reads one granule of each GPI as
 * the host: its own NS memory and the shared UART succeed, Root, Secure and Realm memory end
 * in Granule Protection Faults. Goals read `mem:access` and `gpf` events only.
 * Spec: cca-spec.md §1.1-1.2; Arm ARM D9.4 (GPC), D9.6.5 (GPI encodings).
 */
import type { abi } from '../../emulator/index.ts';
import type { Goal, GoalView, Lesson } from '../schema.ts';
import { bootGpi, eventsOf, hostAccesses, bytesWord } from '../ledger-queries.ts';
import { hex } from '../../lib/hex.ts';

type Gpi = abi.Gpi;

/** Goal: a host read of a granule whose boot GPI is `gpi` went through. */
function readAllowed(id: string, gpi: Gpi, title: string, where: string): Goal {
  return {
    id,
    title,
    check({ machine, ledger }: GoalView) {
      const hit = hostAccesses(ledger, 'read', 'allowed').find(
        (e) => bootGpi(machine, e.pa) === gpi,
      );
      return hit
        ? {
            done: true,
            detail: `the host read ${bytesWord(hit.len)} at ${hex(hit.pa)} (GPI ${gpi})`,
          }
        : { done: false, detail: `no successful host read of a GPI ${gpi} granule yet (${where})` };
    },
  };
}

/** Goal: a host access faulted on a granule whose GPI was `gpi`. */
function faulted(id: string, gpi: Gpi, title: string, where: string): Goal {
  return {
    id,
    title,
    check({ ledger }: GoalView) {
      const hit = eventsOf(ledger, 'gpf').find((e) => e.actor === 'host' && e.gpi === gpi);
      return hit
        ? {
            done: true,
            detail: `GPF: the host's ${hit.op} at ${hex(hit.pa)} through the ${hit.pas} PAS met GPI ${gpi}`,
          }
        : {
            done: false,
            detail: `no Granule Protection Fault on a GPI ${gpi} granule yet (${where})`,
          };
    },
  };
}

const body = `
## Four worlds share one memory

An Arm CCA machine (hardware with the Realm Management Extension, RME: \`FEAT_RME\`) runs
software in four **security states**: *Root* (EL3 firmware, the monitor), *Secure* (TrustZone),
*Realm* (the RMM and the realms) and *Non-secure* (the host hypervisor, the operator's OS).
Every memory access is made to one of four **physical address spaces** (PAS) with the same
names. Who may emit which PAS is fixed by hardware:

| Security state | May access PAS |
|---|---|
| Root | Root, Realm, Secure, Non-secure |
| Realm | Realm, Non-secure |
| Secure | Secure, Non-secure |
| Non-secure (the host) | Non-secure only |

## The Granule Protection Table

Physical memory is cut into 4 KiB **granules**. For each one, the **GPT** (written only by
EL3) holds a **GPI** that says which PAS may touch it: \`NS\`, \`REALM\`, \`SECURE\`, \`ROOT\`,
\`ANY\` (every PAS, e.g. a shared device) or \`NO_ACCESS\`. On every access the hardware runs
the **Granule Protection Check**: if the access's PAS is not the one the GPI allows (and the
GPI is not \`ANY\`), the access never reaches memory and a **Granule Protection Fault** (GPF)
is raised instead.

This is why the host, which can only emit Non-secure accesses, cannot read realm memory, no
matter which page tables it builds: the check is on the *physical* granule.

## Your turn

You are the host (NS-EL2). Type \`gpt\` to see the board's memory map: each region with its
boot GPI. Then read one granule of each kind with \`read <pa>\`:

1. your own DRAM (GPI \`NS\`),
2. the UART (GPI \`ANY\`),
3. the EL3 firmware (GPI \`ROOT\`), Secure RAM (\`SECURE\`) and the RMM image (\`REALM\`).

Watch the ledger: allowed reads appear as memory accesses, refused ones as GPFs. The faulting
reads return no bytes at all, not zeroes: the host learns nothing but "fault".
`;

/** The lesson. */
export const ADDRESS_SPACES: Lesson = {
  status: 'ready',
  id: '01-worlds/01-address-spaces',
  part: '01-worlds',
  title: 'Four worlds, one memory: the address spaces and the GPT',
  summary:
    'Read the board through the host’s eyes: your own memory answers, Root, Secure and Realm memory fault.',
  objectives: [
    'Name the four security states and the physical address spaces each may access.',
    'Read the GPT and say which PAS may access a given granule.',
    'Predict whether a host read succeeds or ends in a Granule Protection Fault.',
  ],
  body,
  mode: 'cca',
  commands: { allowed: ['gpt', 'read', 'write'] },
  setup: () => {},
  goals: [
    readAllowed(
      'read-ns',
      'NS',
      'Read the host’s own DRAM (GPI NS) successfully.',
      'DRAM starts at 0x80000000',
    ),
    readAllowed(
      'read-any',
      'ANY',
      'Read the UART, a device with GPI ANY, successfully.',
      'look for the ANY region in "gpt"',
    ),
    faulted('gpf-root', 'ROOT', 'Fault on EL3’s memory (GPI ROOT).', 'try the EL3 firmware region'),
    faulted('gpf-secure', 'SECURE', 'Fault on Secure RAM (GPI SECURE).', 'try Secure RAM'),
    faulted('gpf-realm', 'REALM', 'Fault on the RMM’s memory (GPI REALM).', 'try the RMM image'),
  ],
  hints: [
    {
      tier: 'nudge',
      text: 'Type `gpt` with no arguments: the first table lists every region of the board with its boot GPI.',
    },
    {
      tier: 'stronger',
      text: 'Pick one address from each row of the memory map and `read` it. DRAM and the UART answer; the other three regions fault.',
    },
    {
      tier: 'near-solution',
      text: '`read 0x80000000`, `read 0x1c090000`, then `read 0x4000000`, `read 0x6000000` and `read 0x6080000`.',
    },
  ],
  solution: [
    'gpt',
    'read 0x80000000 16',
    'read 0x1c090000 16',
    'read 0x4000000',
    'read 0x6000000',
    'read 0x6080000',
  ],
  glossary: ['PAS', 'GPT / GPI', 'GPC / GPF', 'Granule', 'EL3 / monitor', 'RME'],
  specRefs: [
    { source: 'cca-spec.md', section: '§1.1', title: 'Four security states and four PAS' },
    { source: 'cca-spec.md', section: '§1.2', title: 'Granule Protection Table and Check' },
    { source: 'DDI0487', section: 'D9.4', title: 'Granule Protection Checks' },
    { source: 'DDI0487', section: 'D9.6.5', title: 'GPI encodings' },
  ],
};
