/**
 * Lesson 02-realms/04: what the RIM identifies. With the host shell's `realm create` (which
 * runs the whole RMI sequence of the previous lessons) the learner builds several realms and
 * compares their RIMs with `measure`: the same image gives the same RIM although every
 * granule differs; another image, or a different RAM layout, gives another RIM. Goals
 * compare the RIMs of ACTIVE realms in the RMM's records, so realms built by hand with `rmi`
 * count as well.
 * Spec: DEN0137 A7.1.1 (RIM), B4.3.9.4 (RIM initialisation); cca-spec.md §5.1-5.5.
 */
import type { MachineView, RealmRecord } from '../../emulator/index.ts';
import type { GoalResult, Lesson } from '../schema.ts';
import { hex } from '../../lib/hex.ts';

/** Realms past NEW (ACTIVE or SYSTEM_OFF): their RIM is final. */
function activeRealms(machine: MachineView): Readonly<RealmRecord>[] {
  return Object.values(machine.state.rmm.realms)
    .filter((r) => r.state !== 'NEW')
    .sort((a, b) => a.rd - b.rd);
}

function short(rim: string): string {
  return `${rim.slice(0, 12)}…`;
}

/** Finds two active realms whose RIMs are equal (`same`) or differ under one hash algorithm. */
function pair(machine: MachineView, same: boolean): GoalResult {
  const all = activeRealms(machine);
  for (const [i, a] of all.entries()) {
    for (const b of all.slice(i + 1)) {
      if (a.hashAlgo !== b.hashAlgo || (a.rim === b.rim) !== same) continue;
      return {
        done: true,
        detail: same
          ? `RD ${hex(a.rd)} and RD ${hex(b.rd)}: different granules, one RIM ${short(a.rim)}`
          : `RD ${hex(a.rd)} has RIM ${short(a.rim)}, RD ${hex(b.rd)} has ${short(b.rim)}`,
      };
    }
  }
  return {
    done: false,
    detail: `${all.length} active realm(s); ${same ? 'none share a RIM yet' : 'no two with the same hash algorithm differ yet'}`,
  };
}

const body = `
## Two realms, one identity

The RIM is what a verifier compares with its reference values to decide *which software*
runs in a realm. So it must depend on everything that shapes the realm's initial state, and
on nothing that does not.

What goes in (cca-spec.md §5.2-5.5):

* at \`REALM_CREATE\`: the parameters that change the realm's behaviour (flags, IPA width,
  SVE, breakpoints, watchpoints, PMU counters, the hash algorithm);
* at \`RTT_INIT_RIPAS\`: every range of IPAs declared as RAM, entry by entry;
* at \`DATA_CREATE\`: the IPA, the flags and the hash of each page of the image;
* at \`REC_CREATE\` (runnable RECs): the entry point and initial registers.

What stays out: the **physical addresses** (which granules the host happened to pick), the
VMID, the RTT base, and the RPV (reported in the token as a claim of its own). The host
chooses those freely; a realm's identity must not change with them.

## Your turn

\`realm create <name> --image <app>\` plays the whole VMM for you: it delegates granules,
writes RmiRealmParams and calls every command of the last three lessons (its output lists
them). \`measure <name>\` shows the RIM from the RD, a view only the lab has.

1. Create two realms from the same image and compare their RIMs.
2. Create a third that differs in one thing (another image, or \`--ram\` with more pages)
   and compare again.
`;

/** The lesson. */
export const REALM_IDENTITY: Lesson = {
  status: 'ready',
  id: '02-realms/04-identity',
  part: '02-realms',
  title: 'Same image, same RIM: what a measurement identifies',
  summary:
    'Build realms with realm create and compare their RIMs: equal for the same image, different when anything measured changes.',
  objectives: [
    'List what the RIM covers and what it deliberately leaves out.',
    'Predict whether two realms will have the same RIM.',
    'Explain why physical addresses must not be measured.',
  ],
  body,
  mode: 'cca',
  commands: { allowed: ['gpt', 'read', 'realm', 'measure', 'rmi', 'delegate', 'write'] },
  setup: () => {},
  goals: [
    {
      id: 'same-rim',
      title: 'Two active realms in different granules have the same RIM.',
      check: ({ machine }) => pair(machine, true),
    },
    {
      id: 'different-rim',
      title: 'Two active realms (same hash algorithm) have different RIMs.',
      check: ({ machine }) => pair(machine, false),
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: '`help realm` lists the images and options of `realm create`.',
    },
    {
      tier: 'stronger',
      text: 'Create two realms with the same `--image`, then `measure` each. For the second goal, change the image or the number of RAM pages.',
    },
    {
      tier: 'near-solution',
      text: '`realm create a --image hello`, `realm create b --image hello`, `realm create c --image shell`, then `measure a`, `measure b`, `measure c`.',
    },
  ],
  solution: [
    'realm create a --image hello',
    'realm create b --image hello',
    'measure a',
    'measure b',
    'realm create c --image shell',
    'measure c',
  ],
  glossary: ['RIM', 'RPV', 'Realm', 'RD'],
  specRefs: [
    { source: 'DEN0137', section: 'A7.1.1', title: 'Realm Initial Measurement' },
    { source: 'DEN0137', section: 'B4.3.9.4', title: 'RMI_REALM_CREATE: RIM initialisation' },
    { source: 'cca-spec.md', section: '§5.2', title: 'What REALM_CREATE measures' },
    { source: 'cca-spec.md', section: '§5.5', title: 'RTT_INIT_RIPAS measurement' },
  ],
};
