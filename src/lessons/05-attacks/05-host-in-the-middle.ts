/**
 * Challenge 05-attacks/05: attack 8 of mica-spec.md §6 in Mica mode, the learner as the
 * malicious host. Mem1 joins the gateway and the encoder; the gateway has uploaded, the
 * encoder has not. The host wires the encoder's BAR0 to a page set of its own instead of
 * Mem1's (a man in the middle, or a substitute page), and the encoder's upload meets the
 * consistency check: the same physical page at every page index for every listed realm.
 * Goals read the monitor's SGT (the two ends really got different pages) and its blocked
 * upload decision with the clause that names the object and the mapping.
 * Spec: mica-spec.md §3.3 (upload checks), §3.4 (SGT, activation), §6 row 8.
 */
import { micaView } from '../../policy/index.ts';
import type { GoalView, Lesson } from '../schema.ts';
import { hex } from '../../lib/hex.ts';
import { BAR0, blockedFlows, terminalSetup, type Flow } from '../fixtures/video-pipeline.ts';
import { eventsOf } from '../ledger-queries.ts';

const SETUP_LINES: readonly string[] = [
  'realm create gateway --net',
  'realm create encoder',
  'realm create moderator',
  'realm create storage',
  'mica share Mem1 gateway:0',
  'mica share Mem2 encoder:1 moderator:0',
  'mica share Mem3 moderator:1 storage:0',
  '@gateway policy upload video-moderation',
];

/** Pages of Mem1 the example declares (0x40000 bytes). */
const MEM1_PAGES = 0x40;

/** The first page index at which the gateway's and the encoder's BAR0 pages differ. */
function splitPage({ machine }: GoalView): { k: number; gw: number; enc: number } | undefined {
  const view = micaView(machine.state);
  if (!view) return undefined;
  const rdOf = (name: string) => view.realms.find((r) => r.name === name)?.rd;
  const [gw, enc] = [rdOf('gateway'), rdOf('encoder')];
  const at = (rd: number | undefined, ipa: number) =>
    view.sgt.find((e) => e.rd === rd && e.gpa === ipa)?.pa;
  for (let k = 0; k < MEM1_PAGES; k++) {
    const ipa = BAR0 + k * 0x1000;
    const [a, b] = [at(gw, ipa), at(enc, ipa)];
    if (a !== undefined && b !== undefined && a !== b) return { k, gw: a, enc: b };
  }
  return undefined;
}

/** Uploads refused because the ends of an object got different pages. */
function refusedSplits({ ledger }: GoalView): Flow[] {
  return blockedFlows(
    ledger,
    (f) => f.channel === 'policy-upload' && /^\w+\.mappings\.\w+$/.test(f.decision.rule),
  );
}

const body = `
## You are the host

Mem1 is the pipe from the gateway to the encoder. On the host it is one **backing file**
(an ivshmem memory backend, \`mica share\` in this lab): both realms' QEMUs map the same file,
and when a realm first touches its window the host hands the RMM the file's page for that
offset (\`RMI_DATA_CREATE_UNKNOWN_SHARED\`, mica-spec.md §3.4). The host decides which page.

So hand the two ends **different** pages: the gateway writes frames into one page set, the
encoder reads another, one the host chose. That is the start of a man in the middle (or of
feeding the encoder the host's own frames). You cannot read either page, they are Realm-PAS
granules, but you control the plumbing.

When a realm uploads its policy, the monitor checks **consistency**: for every shared object,
every listed realm that has already uploaded must map the **same physical page at every page
index** (§3.3, §6 row 8).

## Your turn

The setup built the four stages, wired Mem1 into the gateway only, and the gateway uploaded.
The encoder has not uploaded yet.

1. Wire a page set of your own into the encoder's BAR0 (\`mica share <name> encoder:0\`).
2. Let the encoder run its set-up: \`@encoder policy upload video-moderation\`.
3. Read the refusal (the ledger keeps it, with the clause): which object, which mapping, which
   pages?
`;

const explain = `
When the encoder prefaulted its windows, the host answered every fault in BAR0 with a page of
*your* object, so the SGT recorded (encoder, 0x18000000000 + k) -> a page that is not the one
recorded for (gateway, 0x18000000000 + k). At upload the monitor walked Mem1 as the encoder's
policy declares it, found the gateway (already registered) listed for the same object, and
compared the two ends page index by page index: the first mismatch refused the whole upload
with \`RSI_ERROR_INPUT\` (clause \`Mem1.mappings.VM2\`, mica-spec.md §3.3). Nothing was
activated, so the encoder still sees only its dummy page and the pipe never carries a frame.
The host can still stop the pipeline (availability is out of scope, §1.3) but it cannot split
it unnoticed. Related: pages must be delegated Realm-PAS granules, never NS pages (§6 row 8),
and aliasing one page into two objects is attack 9 (FRESH, §3.8).
`;

/** The lesson. */
export const HOST_IN_THE_MIDDLE: Lesson = {
  status: 'ready',
  id: '05-attacks/05-host-in-the-middle',
  part: '05-attacks',
  title: 'Challenge: give the two ends different pages',
  summary:
    'As the host, wire the encoder’s end of Mem1 to pages of your own; the consistency check at upload refuses it.',
  objectives: [
    'Explain why the host, not the realms, decides which physical pages back a shared object.',
    'Say what the consistency check compares (page index by page index) and when it runs.',
  ],
  body,
  mode: 'mica',
  commands: {},
  setup: terminalSetup('mica', SETUP_LINES),
  goals: [
    {
      id: 'different-pages',
      title: 'As the host, make the encoder’s Mem1 window map other pages than the gateway’s.',
      check(view) {
        const split = splitPage(view);
        return split
          ? {
              done: true,
              detail: `page ${split.k}: ${hex(split.gw)} in the gateway, ${hex(split.enc)} in the encoder`,
            }
          : { done: false, detail: 'both ends map the same pages (or the encoder maps none yet)' };
      },
    },
    {
      id: 'refused',
      title: 'See the monitor refuse the upload, and the clause that compared the pages.',
      check(view) {
        const hit = refusedSplits(view)[0];
        const accepted = eventsOf(view.ledger, 'flow').some(
          (f) =>
            f.channel === 'policy-upload' &&
            f.decision.verdict === 'allowed' &&
            splitPage(view) !== undefined,
        );
        if (accepted) return { done: false, detail: 'an upload with split pages was accepted' };
        return hit
          ? { done: true, detail: `clause \`${hit.decision.rule}\`: ${hit.decision.reason}` }
          : { done: false, detail: 'no upload has been refused for its pages yet' };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: '`help mica` shows how the host wires an object into a realm’s BAR; `mica status` what is wired now.',
    },
    {
      tier: 'stronger',
      text: 'Any new object name gets its own pages: `mica share Evil encoder:0`. Then run the encoder’s upload.',
    },
    {
      tier: 'near-solution',
      text: '`mica share Evil encoder:0`, then `@encoder policy upload video-moderation`.',
    },
  ],
  solution: ['mica status', 'mica share Evil encoder:0', '@encoder policy upload video-moderation'],
  glossary: ['Mica policy / policy', 'Granule', 'Flow ledger / ledger'],
  specRefs: [
    { source: 'mica-spec.md', section: '§3.3', title: 'Policy upload, step by step' },
    { source: 'mica-spec.md', section: '§3.4', title: 'Protected shared memory' },
    { source: 'mica-spec.md', section: '§6', title: 'Attack 8' },
  ],
  explain,
};
