/**
 * Lesson 03-pipeline-cca/02: the moderation pipeline as four realms. The learner builds the
 * gateway (with a network device), the encoder, the moderator and storage with `realm
 * create`, compares their RIMs (four companies, four identities; in plain CCA the RIM
 * measures the image and layout, so realms built alike are one identity), and gets the tenant's frame
 * into the gateway's protected memory. Goals read the RMM's realm records (ACTIVE realms with
 * pairwise different RIMs) and where the `video` label sits in memory, so any names, images
 * or order pass.
 * Spec: mica-spec.md §5.1 (the video moderation pipeline), DEN0137 A7.1.1 (RIM);
 * cca-spec.md §5.1 (realm identity).
 */
import type { MachineView, RealmRecord } from '../../emulator/index.ts';
import type { Lesson } from '../schema.ts';
import { listWords, realmsHolding } from '../ledger-queries.ts';

const FRAME = 'frame 0001: a face, a street sign, a licence plate';

/** Realms past NEW: their RIM is final. */
function activeRealms(machine: MachineView): Readonly<RealmRecord>[] {
  return Object.values(machine.state.rmm.realms).filter((r) => r.state !== 'NEW');
}

/** The host's name for the realm with RD `rd` (the RMM knows only the RD). */
function nameOf(machine: MachineView, rd: number): string {
  const realms = Object.values(machine.state.host?.realms ?? {});
  return realms.find((r) => r.rd === rd)?.name ?? `RD 0x${rd.toString(16)}`;
}

/** The largest set of active realms, under one hash algorithm, whose RIMs all differ. */
function distinctRims(machine: MachineView): Readonly<RealmRecord>[] {
  let best: Readonly<RealmRecord>[] = [];
  const byAlgo = new Map<string, Map<string, Readonly<RealmRecord>>>();
  for (const r of activeRealms(machine)) {
    const rims = byAlgo.get(String(r.hashAlgo)) ?? new Map<string, Readonly<RealmRecord>>();
    if (!rims.has(r.rim)) rims.set(r.rim, r);
    byAlgo.set(String(r.hashAlgo), rims);
  }
  for (const rims of byAlgo.values()) if (rims.size > best.length) best = [...rims.values()];
  return best;
}

const body = `
## Four stages, four companies

The tenant wants its video moderated before it is stored. Four stages do the work, and in
the story each is run by a different company (mica-spec.md §5.1):

| Stage | Does | Talks to |
| --- | --- | --- |
| **gateway** | receives the tenant's video from the network | the tenant, the encoder |
| **encoder** | re-encodes the frames | gateway, moderator |
| **moderator** | blurs faces and plates | encoder, storage |
| **storage** | keeps the moderated video | moderator |

With CCA each stage runs in its own **realm**: the host runs them all but cannot read their
memory. A verifier tells the stages apart by their **RIM**, and the RIM measures what the realm was
built from: its image and its RAM layout, not its name. In a real deployment each company
ships its own image. The lab has one program with a terminal (\`shell\`), so build each stage
from it with its own layout (\`--ram <pages>\`): realms built alike share one RIM, and a
verifier could not tell the encoder from storage.

Only the gateway faces the network: create it with \`--net\`, the network device the tenant
sends to. That device is the pipeline's **declared source**: the bytes that arrive there are
labelled \`video\`, and this **provenance label** follows them wherever the realm copies them.

## Your turn

1. Build the four stages with \`realm create <name>\`, the gateway with \`--net\`, each
   built differently enough to have its own RIM.
2. Compare their RIMs (\`measure <name>\`): four realms, four identities.
3. As the tenant, send a frame to the gateway (\`tenant send <realm> "..."\`), and inside the
   gateway take it into protected memory (\`@<realm> net recv <ipa>\`).
`;

/** The lesson. */
export const FOUR_STAGES: Lesson = {
  status: 'ready',
  id: '03-pipeline-cca/02-four-stages',
  part: '03-pipeline-cca',
  title: 'Four stages, four realms',
  summary:
    'Build the gateway, encoder, moderator and storage as four realms, tell them apart by their RIMs, and get the tenant’s frame into the gateway.',
  objectives: [
    'Name the four stages of the video moderation pipeline and what each talks to.',
    'Explain why four stages are four identities (four RIMs) to a verifier.',
    'Get the tenant’s input into a realm through its declared source, the network device.',
  ],
  body,
  mode: 'cca',
  commands: {},
  setup: () => {},
  goals: [
    {
      id: 'four-realms',
      title: 'Build four realms with four different RIMs.',
      check({ machine }) {
        const distinct = distinctRims(machine);
        const names = distinct.map((r) => nameOf(machine, r.rd));
        return distinct.length >= 4
          ? { done: true, detail: `${listWords(names)}: ${distinct.length} different RIMs` }
          : {
              done: false,
              detail:
                activeRealms(machine).length > distinct.length
                  ? `${activeRealms(machine).length} active realm(s) but only ${distinct.length} different RIM(s): two realms built alike are one identity; give each its own layout (--ram <pages>); "realm destroy <name>" frees a name to build it again`
                  : `${distinct.length} active realm(s) with different RIMs; the pipeline has four stages`,
            };
      },
    },
    {
      id: 'frame-in',
      title: 'Get the tenant’s frame into a realm’s protected memory, labelled `video`.',
      check({ machine }) {
        const holders = realmsHolding(machine, 'video').map((rd) => nameOf(machine, rd));
        return holders.length > 0
          ? { done: true, detail: `${listWords(holders)} holds video in its protected memory` }
          : {
              done: false,
              detail:
                'no realm holds the tenant’s video yet: send it to a realm with a network device, then receive it inside',
            };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: '`help realm` lists the options of `realm create`; only the realm the tenant sends to needs a network device. `help tenant` and `@<realm> help net` show the way in.',
    },
    {
      tier: 'stronger',
      text: '`realm create gateway --net`, then three more (`encoder`, `moderator`, `storage`), each with its own `--ram` so no two RIMs match; `measure <name>` shows each RIM. `tenant send gateway "..."`, then `@gateway net recv 0x1000`.',
    },
    {
      tier: 'near-solution',
      text: `\`realm create gateway --net\`, \`realm create encoder --ram 17\`, \`realm create moderator --ram 18\`, \`realm create storage --ram 19\`, \`tenant send gateway "${FRAME}"\`, \`@gateway net recv 0x1000\`.`,
    },
  ],
  solution: [
    'realm create gateway --net',
    'realm create encoder --ram 17',
    'realm create moderator --ram 18',
    'realm create storage --ram 19',
    'measure encoder',
    'measure storage',
    `tenant send gateway "${FRAME}"`,
    '@gateway net recv 0x1000',
  ],
  glossary: ['Realm', 'RIM', 'Declared source', 'Provenance label'],
  specRefs: [
    { source: 'mica-spec.md', section: '§5.1', title: 'The video moderation pipeline' },
    { source: 'DEN0137', section: 'A7.1.1', title: 'Realm Initial Measurement' },
    { source: 'cca-spec.md', section: '§5.1', title: 'Realm identity' },
  ],
};
