/**
 * Challenge 05-attacks/08: a prototype gap the verifier catches, attack 6 of mica-spec.md §6
 * with an outsider. After every stage uploaded, the prototype's RMI_DATA_CREATE_UNKNOWN_SHARED
 * maps a real page into an uploaded realm without a policy check (`gap-map-after-upload`). The
 * learner, as the host, builds an outsider realm with a one-page policy of its own, maps
 * Mem1's page into it, lets it print the frame, then has the tenant verify a group token: the
 * outsider joined the SGT-connected group, and the tenant does not expect it. Goals read the
 * SGT (a page of Mem1 mapped by a realm outside the pipeline), the judge (a `video` leak) and
 * the tenant's verdict on the kept token.
 * Spec: mica-spec.md §6 row 6 (G; A), §8 item 4, §4.3 step 1 (discovery by the SGT), §4.5.
 */
import { micaOf } from '../../policy/index.ts';
import type { GoalView, Lesson } from '../schema.ts';
import { hex } from '../../lib/hex.ts';
import {
  FRAME,
  PIPELINE_LINES,
  STAGES,
  terminalSetup,
  leakedThrough,
  tenantRejectedFor,
} from '../fixtures/video-pipeline.ts';

/** What the deterministic start state allocates (`mica status`, `realm create` print them). */
const MEM1_PAGE0 = 0x84049000;
const SPY_RD = 0x84121000;
/** Just past the spy's one-page window, in the level-3 table its prefault built. */
const JOIN_IPA = 0x18000010000;
const LEN = FRAME.length;
/** The outsider's own policy: one page, a gateway, a label nobody holds. */
const SPY_POLICY =
  '{"Self": "VM1", "VM1": {"hash": 0x77, "is-gateway": true, "strict": false}, "MemX": {"size": 0x1000, "type": "PROTECTED", "mappings": {"VM1": {"gpa": 0x18000000000, "prot": "RW"}}}}';

/**
 * Realms outside the pipeline whose stage 2 really maps a page of Mem1 (an ACTIVE mapping in
 * the monitor's record; the prototype's SGT also keeps tuples of refused mappings, §3.1).
 */
function outsiders({ machine }: GoalView): { name: string; pa: number }[] {
  const m = micaOf(machine.state);
  if (!m) return [];
  const mem1 = new Set(Object.values(machine.state.host?.sharedObjects?.Mem1?.pages ?? {}));
  const stages = new Set<string>(STAGES);
  return Object.values(m.realms).flatMap((r) =>
    stages.has(r.name)
      ? []
      : Object.values(r.mappings)
          .filter((x) => x.state === 'ACTIVE' && mem1.has(x.pa))
          .map((x) => ({ name: r.name, pa: x.pa })),
  );
}

const body = `
## You are the host: join a pipe after the uploads

Lesson 05-attacks/01 showed the gap: once a realm has uploaded, the prototype's RMI command
\`RMI_DATA_CREATE_UNKNOWN_SHARED\` maps the real page it is given, at any IPA the realm's tables
reach, with no policy check (mica-spec.md §6 row 6, \`gap-map-after-upload\`). Now use it: get
the frame out through a realm of your own, then see whether the tenant would notice.

## Your turn

The pipeline is uploaded and the frame waits in Mem1 (page 0 at PA \`${hex(MEM1_PAGE0)}\`).

1. Build an outsider: \`realm create spy\`, give it a one-page object of its own
   (\`mica share MemX spy:0 --size 0x1000\`) and let it upload a one-page policy that makes it a
   gateway with a label nobody holds (the solution has one; \`policy upload '<text>'\`).
2. Map Mem1's page 0 into it just past its window, at \`${hex(JOIN_IPA)}\`, with
   \`rmi RMI_DATA_CREATE_UNKNOWN_SHARED\`.
3. From \`spy\`, read the frame there and print it on the console.
4. Have the gateway take a group token and the tenant verify it. The ledger has the leak: did
   the tenant notice?
`;

const explain = `
Your mapping went through because \`spy\` had uploaded: the prototype checks a shared mapping
against the policies only before the upload (§8 item 4 asks for the check at every mapping;
Mica mode refuses it, lesson 04-mica/02). The page was real, so \`spy\` read the frame, and as a
gateway it printed it: the judge saw labelled bytes reach the console. But the SGT now records
(spy, Mem1's page 0), and group discovery walks the SGT, not the policies (§4.3 step 1): \`spy\`
became a member of the gateway's group. Its blob names a realm the tenant never built, so the
verifier rejects the token (\`identity\`, \`membership\`, §4.5 steps 3-4) and cannot even
recompute the group RIM. The leak is caught after the fact, status **A**; compare 05-attacks/09,
where the same gap goes unnoticed.
`;

/** The lesson. */
export const GAP_CAUGHT: Lesson = {
  status: 'ready',
  id: '05-attacks/08-gap-caught',
  part: '05-attacks',
  title: 'Challenge: a prototype gap the verifier catches',
  summary:
    'As the host, map the pipe into an outsider realm after the uploads and leak the frame; the outsider shows up in the group token.',
  objectives: [
    'Use the map-after-upload gap of the prototype to make the video leak (§6 row 6).',
    'Explain why group discovery by the SGT makes an outsider visible to the verifier (§4.3).',
  ],
  body,
  mode: 'mica-prototype',
  commands: {},
  setup: terminalSetup('mica-prototype', PIPELINE_LINES),
  goals: [
    {
      id: 'joined',
      title: 'Map a page of Mem1 into a realm outside the pipeline.',
      check(view) {
        const hit = outsiders(view)[0];
        return hit
          ? { done: true, detail: `${hit.name} maps Mem1's page ${hex(hit.pa)}` }
          : { done: false, detail: 'only the pipeline’s stages map Mem1' };
      },
    },
    {
      id: 'leaked',
      title: 'Make the frame leak to the host through that realm.',
      check: leakedThrough(
        (view) => outsiders(view).map((o) => o.name),
        'no video has leaked through an outsider yet',
      ),
    },
    {
      id: 'caught',
      title:
        'Hand the host a group token taken after the join: the tenant’s verifier rejects it and names the outsider.',
      check: tenantRejectedFor('membership', (view) =>
        outsiders(view).length === 0 ? 'no outsider joined yet' : undefined,
      ),
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: 'The gap only opens for a realm that has uploaded: build the outsider, give it an object and a policy, then map.',
    },
    {
      tier: 'stronger',
      text: `\`realm create spy\`, \`mica share MemX spy:0 --size 0x1000\`, \`@spy policy upload '<one-page policy>'\` (near-solution hint), then \`rmi RMI_DATA_CREATE_UNKNOWN_SHARED ${hex(SPY_RD)} ${hex(MEM1_PAGE0)} ${hex(JOIN_IPA)}\`.`,
    },
    {
      tier: 'near-solution',
      text: `The policy: \`${SPY_POLICY}\`. Then \`@spy console @${hex(JOIN_IPA + 0x20)} ${LEN}\`, \`@gateway attest group random\`, \`mica verify last video-moderation\`.`,
    },
  ],
  solution: [
    'mica status',
    'realm create spy',
    'mica share MemX spy:0 --size 0x1000',
    `@spy policy upload '${SPY_POLICY}'`,
    `rmi RMI_DATA_CREATE_UNKNOWN_SHARED ${hex(SPY_RD)} ${hex(MEM1_PAGE0)} ${hex(JOIN_IPA)}`,
    `@spy mem read ${hex(JOIN_IPA + 0x20)} ${LEN}`,
    `@spy console @${hex(JOIN_IPA + 0x20)} ${LEN}`,
    '@gateway attest group random',
    'mica verify last video-moderation',
  ],
  glossary: ['Mica policy / policy', 'Group token', 'RMI', 'Flow ledger / ledger'],
  specRefs: [
    { source: 'mica-spec.md', section: '§6', title: 'Attack 6' },
    { source: 'mica-spec.md', section: '§8', title: 'Item 4: check every shared mapping' },
    { source: 'mica-spec.md', section: '§4.3', title: 'Group discovery' },
    { source: 'mica-spec.md', section: '§4.5', title: 'Verifier procedure' },
  ],
  explain,
};
