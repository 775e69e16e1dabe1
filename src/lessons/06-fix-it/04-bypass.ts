/**
 * Lesson 06-fix-it/04: a sanitiser that can be bypassed (mica-spec.md §4.5 the path search,
 * §5.1 the moderator as sanitiser, §2.5 why agreement does not catch it). The draft
 * `consistent-leak` adds Mem4, written by the encoder and read by storage (a gateway): every file
 * agrees, so the monitor accepts it, and the raw video reaches storage without the moderator.
 * The setup builds the pipeline, wires Mem1-Mem4 and uploads the gateway's file. The learner
 * deploys encoder and storage files without Mem4. Goals: four accepted, agreeing policies; the
 * video in storage through the moderator with no leak; the encoder's try to use the old side
 * channel stopped; the verifier's path search clean.
 */
import { VIDEO_BROKEN } from '../../policy/index.ts';
import {
  FIXED_PIPELINE_GOALS,
  IN_BAR0,
  STAGE_LINES,
  VIDEO_LINES,
  WIRE_LINES,
  barIpa,
  boundPolicy,
  terminalSetup,
  uploadTextStep,
} from '../fixtures/policy-pipeline.ts';
import type { Lesson } from '../schema.ts';

const DRAFT = VIDEO_BROKEN.find((e) => e.id === 'consistent-leak')!;
/** The video's place in the encoder's BAR2, where the draft maps Mem4. */
const MEM4_IPA = barIpa(2);

const withoutMem4 = (stage: 'encoder' | 'storage') =>
  boundPolicy(DRAFT, stage, (p) => ({ ...p, mems: p.mems.filter((m) => m.name !== 'Mem4') }));

const body = `
## Everybody agreed to the side channel

The moderator is the **sanitiser** of §5.1: the tenant accepts the pipeline only if every path
from the raw video to the outside world passes it (§4.5 step 6). The draft
\`consistent-leak\` adds **Mem4**, written by the encoder and read by storage, a gateway. Every
file lists Mem4 the same way, so the agreement check (§2.5) is satisfied: agreement proves the
files are **consistent**, not that they are **safe**. Deployed, the encoder copies the raw video
into Mem4 and storage hands it to the host: the ledger shows a LEAK, and the verifier rejects
the group with the path encoder → storage → U.

## Your turn

The setup built the four stages, wired Mem1-Mem3 and the draft's Mem4 (\`mica status\`), and
uploaded the gateway's file (it has no Mem4).

1. Policy tab: deploy the encoder's and storage's files **without Mem4** (*Start from*
   \`consistent-leak\`, delete the Mem4 object), and the moderator's file.
2. Run the video to storage (see 06-fix-it/01 step 3).
3. Try the old side channel: \`@encoder copy ${IN_BAR0} ${MEM4_IPA} 8\`.
`;

/** The lesson. */
export const FIX_BYPASS_LESSON: Lesson = {
  status: 'ready',
  id: '06-fix-it/04-bypass',
  part: '06-fix-it',
  title: 'Fix it: a side channel around the moderator',
  summary:
    'Every file agrees to a pipe from the encoder straight to storage. Remove it so the only route out passes the sanitiser, and keep the video flowing.',
  objectives: [
    'Explain why agreement (consistency) does not imply the flow property (§2.5, §4.5).',
    'Remove a bypass of the sanitiser and check it with the verifier’s path search.',
  ],
  body,
  mode: 'mica',
  commands: {},
  setup: terminalSetup([
    ...STAGE_LINES,
    ...WIRE_LINES,
    'mica share Mem4 encoder:2 storage:1',
    '@gateway policy upload consistent-leak',
  ]),
  goals: [
    FIXED_PIPELINE_GOALS.allAccepted,
    FIXED_PIPELINE_GOALS.delivered,
    {
      ...FIXED_PIPELINE_GOALS.encoderClosed,
      title: 'After the video arrived, the encoder tries the old side channel and is stopped.',
    },
    FIXED_PIPELINE_GOALS.verifier,
  ],
  hints: [
    {
      tier: 'nudge',
      text: 'Which objects does storage read, and who writes them? Draw the path from the encoder to U.',
    },
    {
      tier: 'stronger',
      text: 'Delete `"Mem4"` from both the encoder’s and storage’s files; the moderator’s file never had it.',
    },
    {
      tier: 'near-solution',
      text: 'Upload the encoder’s and storage’s files without Mem4 (the moderator: `@moderator policy upload consistent-leak`), run the video, then `@encoder copy 0x18000000020 0x18008000020 8`.',
    },
  ],
  solution: [
    uploadTextStep('encoder', withoutMem4('encoder')),
    '@moderator policy upload consistent-leak',
    uploadTextStep('storage', withoutMem4('storage')),
    ...VIDEO_LINES,
    `@encoder copy ${IN_BAR0} ${MEM4_IPA} 8`,
  ],
  glossary: ['Mica policy', 'Agreement / chain of custody', 'Provenance label', 'Flow ledger'],
  explain: `
Every file agreed on Mem4, so the monitor had nothing to refuse: agreement is consistency, not
safety (§2.5). The property the tenant needs is the verifier's: every path from the raw video
to U passes the sanitiser (§4.5 step 6). Without Mem4 the encoder's BAR2 is no declared window:
its copy faulted to the host, which CF3 BLOCKs, and storage can only read what the moderator wrote.
`,
  specRefs: [
    { source: 'mica-spec.md', section: '§4.5', title: 'Verifier procedure: the path search' },
    { source: 'mica-spec.md', section: '§2.5', title: 'Agreement between policies' },
    { source: 'mica-spec.md', section: '§5.1', title: 'Video moderation: the sanitiser' },
  ],
};
