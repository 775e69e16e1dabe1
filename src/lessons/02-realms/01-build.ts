/**
 * Lesson 02-realms/01: build a realm. The setup plays the VMM and leaves RmiRealmParams in
 * an NS granule; the learner reads the structure, delegates the RD and the two starting
 * RTTs it names, and calls RMI_REALM_CREATE with the low-level `rmi` command. Goals read the
 * RMM's realm records and granule states, and the host's fault on the RD from the ledger, so
 * a higher-level `realm create` command (when the shell has one) passes them too.
 * Spec: DEN0137 A2.1 (realm), A3 (realm creation), B4.3.9 (RMI_REALM_CREATE), B4.4.12
 * (RmiRealmParams); cca-spec.md §2.3, §2.4, §3.2.
 */
import { abi, listRealms, type MachineView, type RealmRecord } from '../../emulator/index.ts';
import type { GoalResult, Lesson } from '../schema.ts';
import { eventsOf, touchesGranule } from '../ledger-queries.ts';
import { hex } from '../../lib/hex.ts';
import { PARAMS_PA, RD_PA, RTT_BASE, writeRealmParams } from '../fixtures/realm-build.ts';

const params = hex(PARAMS_PA);
const rttBase = hex(RTT_BASE);
const rtt1 = hex(RTT_BASE + abi.GRANULE_SIZE);
const rd = hex(RD_PA);

type RealmView = Readonly<RealmRecord>;

/** What is wrong with a realm's RD and starting RTT granules, or undefined when all is well. */
function ownershipProblem(machine: MachineView, realm: RealmView): string | undefined {
  const granules = [
    { pa: realm.rd, want: 'RD' },
    ...Array.from({ length: realm.rttNumStart }, (_, i) => ({
      pa: realm.rttBase + i * abi.GRANULE_SIZE,
      want: 'RTT',
    })),
  ];
  for (const { pa, want } of granules) {
    const g = machine.granuleOf(pa);
    const gpi = machine.gpiOf(pa);
    if (g.state !== want || g.realm !== realm.rd || gpi !== 'REALM') {
      return `${hex(pa)} is ${g.state} (GPI ${gpi}), expected ${want} of realm ${hex(realm.rd)}`;
    }
  }
  return undefined;
}

function realmCreated({ machine }: { machine: MachineView }): GoalResult {
  const realm = listRealms(machine.state)[0];
  if (!realm) return { done: false, detail: 'the RMM holds no realm yet' };
  return {
    done: true,
    detail: `realm ${hex(realm.rd)} is ${realm.state}: ${realm.ipaWidth}-bit IPA, VMID ${realm.vmid}, ${realm.rttNumStart} starting RTT(s) at ${hex(realm.rttBase)}`,
  };
}

const body = `
## What a realm is made of

A realm is a virtual machine whose memory the host manages but cannot read. The RMM keeps
everything about it in granules the host has delegated:

* the **Realm Descriptor** (RD): the realm's parameters, its lifecycle state and its
  measurements;
* the **starting Realm Translation Tables** (RTTs): the top of the realm's stage-2 page
  tables, which map the realm's IPAs to physical granules. Only the RMM writes them;
* later, **DATA** granules (the realm's memory) and **RECs** (its virtual CPUs).

\`RMI_REALM_CREATE(rd, params_ptr)\` turns a \`DELEGATED\` granule into an RD and the
starting tables into RTTs. The new realm is in state **NEW**: it can be populated and
measured, but not run yet. Its **RIM** (Realm Initial Measurement) starts here, from the
parameters.

## RmiRealmParams

The host describes the realm in a granule of its own (NS) memory, and passes its address.
The RMM reads it through the NS PAS (a params page in realm memory is refused: \`params_pas\`).
The fields you need here (little-endian, offsets in the granule):

| Offset | Field | Meaning |
|---|---|---|
| 0x008 | \`s2sz\` | IPA width in bits; the protected half is below 2^(s2sz-1) |
| 0x018, 0x020 | \`num_bps\`, \`num_wps\` | breakpoints, watchpoints |
| 0x030 | \`hash_algo\` | 0 = SHA-256, 1 = SHA-512 (for the measurements) |
| 0x400 | \`rpv\` | 64-byte Realm Personalization Value (RPV), reported in the token |
| 0x800 | \`vmid\` | the realm's VMID, unique on the machine |
| 0x808 | \`rtt_base\` | PA of the first starting RTT |
| 0x810 | \`rtt_level_start\` | level of the starting tables |
| 0x818 | \`rtt_num_start\` | how many starting tables (concatenated, contiguous) |

A level-1 table covers 512 GiB (39 bits of IPA). A 40-bit realm starting at level 1 needs
**two** concatenated tables: \`rtt_num_start = 2\`, contiguous, \`rtt_base\` aligned to 8 KiB.

## Your turn

The VMM (played by the setup) wrote RmiRealmParams at \`${params}\`. Read it, delegate every
granule the RMM will own (an RD of your choice and the two starting tables the parameters
name), then create the realm with \`rmi REALM_CREATE rd=<rd> params_ptr=${params}\`. If the
RMM refuses, its failure label names the precondition you missed. Finally, try to read the RD.
`;

/** The lesson. */
export const BUILD_REALM: Lesson = {
  status: 'ready',
  id: '02-realms/01-build',
  part: '02-realms',
  title: 'Build a realm: the RD and its translation tables',
  summary:
    'Read RmiRealmParams, delegate the RD and the starting RTTs, and create a realm with RMI_REALM_CREATE.',
  objectives: [
    'Name the granules a new realm is made of (RD, starting RTTs) and who owns them.',
    'Read RmiRealmParams and explain s2sz, rtt_base, rtt_level_start and rtt_num_start.',
    'Use a failure label to find the precondition a refused RMI_REALM_CREATE was missing.',
  ],
  body,
  mode: 'cca',
  commands: {},
  setup: writeRealmParams,
  goals: [
    {
      id: 'realm-created',
      title: 'Create a realm: RMI_REALM_CREATE succeeds.',
      check: realmCreated,
    },
    {
      id: 'granules-owned',
      title: 'The realm’s RD and its starting RTTs are realm granules owned by it.',
      check({ machine }) {
        const all = listRealms(machine.state);
        if (all.length === 0) return { done: false, detail: 'create the realm first' };
        const problems = all.map((r) => ownershipProblem(machine, r));
        const good = all.find((_, i) => problems[i] === undefined);
        return good
          ? {
              done: true,
              detail: `RD ${hex(good.rd)} and ${good.rttNumStart} RTT(s) from ${hex(good.rttBase)} belong to realm ${hex(good.rd)}`,
            }
          : { done: false, detail: problems[0] ?? '' };
      },
    },
    {
      id: 'rd-hidden',
      title: 'After creating it, see the host’s read of the RD fault.',
      check({ machine, ledger }) {
        const made = eventsOf(ledger, 'granule:transition').filter((t) => t.to === 'RD');
        const hit = eventsOf(ledger, 'gpf').find(
          (f) =>
            f.actor === 'host' &&
            f.op === 'read' &&
            made.some((t) => t.seq < f.seq && touchesGranule(f.pa, 1, t.pa)),
        );
        if (hit) {
          return { done: true, detail: `GPF at ${hex(hit.pa)}: the RD is in the Realm PAS` };
        }
        const realm = listRealms(machine.state)[0];
        return {
          done: false,
          detail: realm
            ? `no host read of the RD at ${hex(realm.rd)} since it was created`
            : 'create the realm first',
        };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: `\`read ${hex(PARAMS_PA + 0x800)} 32\` shows vmid, rtt_base, rtt_level_start and rtt_num_start, little-endian.`,
    },
    {
      tier: 'stronger',
      text: `Every granule the RMM will own must be DELEGATED first: your RD and both starting tables, ${rttBase} and ${rtt1}.`,
    },
    {
      tier: 'near-solution',
      text: `\`delegate ${rttBase}\`, \`delegate ${rtt1}\`, \`delegate ${rd}\`, then \`rmi REALM_CREATE rd=${rd} params_ptr=${params}\` and \`read ${rd}\`.`,
    },
  ],
  solution: [
    `read ${hex(PARAMS_PA + 0x800)} 32`,
    `delegate ${rttBase}`,
    `delegate ${rtt1}`,
    `delegate ${rd}`,
    `rmi REALM_CREATE rd=${rd} params_ptr=${params}`,
    `gpt ${rttBase} 3`,
    `read ${rd}`,
  ],
  glossary: ['Realm', 'RD', 'RTT', 'IPA', 'RIM', 'RPV', 'Delegate / undelegate'],
  specRefs: [
    { source: 'DEN0137', section: 'A2.1', title: 'Realm' },
    { source: 'DEN0137', section: 'A3', title: 'Realm creation' },
    { source: 'DEN0137', section: 'B4.3.9', title: 'RMI_REALM_CREATE' },
    { source: 'DEN0137', section: 'B4.4.12', title: 'RmiRealmParams' },
    { source: 'cca-spec.md', section: '§2.4', title: 'In-memory RMI structures' },
    { source: 'cca-spec.md', section: '§3.2', title: 'Realm lifecycle' },
  ],
};
