/**
 * Lesson 06-fix-it/04: a sanitiser that can be bypassed (mica-spec.md §4.5 the path search,
 * §5.1 the moderator as sanitiser, §2.5 why agreement does not catch it; cca-spec.md §3.2
 * teardown). The draft `consistent-leak` adds Mem4, written by the encoder and read by storage
 * (a gateway): every file agrees, so the monitor accepts it. The setup deploys it on the §5.1
 * pipeline built from the terminals, runs the video to storage, and has the encoder copy the raw
 * video into Mem4 and storage print it on its console: the judge finds the leak before the
 * learner types anything. Deployed files are one-shot (§3.3), so the learner tears encoder and
 * storage down, builds them again and deploys files without Mem4. Goals: both redeployed and all
 * four files agreeing; the video in storage through the moderator with no leak; the encoder's
 * try to use the old side channel stopped; the verifier's path search clean.
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
  deployLines,
  rebuildLines,
  redeployed,
  terminalSetup,
  uploadTextStep,
} from '../fixtures/policy-pipeline.ts';
import type { Lesson } from '../schema.ts';

const DRAFT = VIDEO_BROKEN.find((e) => e.id === 'consistent-leak')!;
/** The video's place in the encoder's BAR2, where the draft maps Mem4. */
const MEM4_IPA = barIpa(2);
/** The host plugs Mem4 into the encoder's BAR2 and storage's BAR1 (the host's wiring). */
const MEM4_WIRE = 'mica share Mem4 encoder:2 storage:1';
/** Where storage reads Mem4: its BAR1. */
const STORAGE_MEM4 = barIpa(1);

const withoutMem4 = (stage: 'encoder' | 'storage') =>
  boundPolicy(DRAFT, stage, (p) => ({ ...p, mems: p.mems.filter((m) => m.name !== 'Mem4') }));

const body = `
## Everybody agreed to the side channel

The moderator is the **sanitiser** of §5.1: the tenant accepts the pipeline only if every path
from the raw video to the outside world passes it (§4.5 step 6). The draft policy
\`consistent-leak\` adds **Mem4**, written by the encoder and read by storage, a gateway. Every
file lists Mem4 the same way, so the agreement check (§2.5) is satisfied: agreement proves the
files are **consistent**, not that they are **safe**.

## What happened last night

The tenant deployed the draft in all four stages (\`mica status\`: Mem1-Mem4 wired, four
policies accepted) and the video reached storage through the moderator. Then the encoder copied
the raw video into Mem4 (\`@encoder copy ${IN_BAR0} ${MEM4_IPA} 8\`), storage copied it out of
its BAR1 and printed it on its console. Look before you fix: the **Ledger** shows the LEAK
(bytes with the provenance label \`video\` reached the host) and the **Data** view outlines what
the host obtained in red.

## Your turn

Accepted files are immutable (§3.3): redeploy the two stages whose files list Mem4.

1. Policy tab: write the encoder's and storage's files **without Mem4** (*Start from*
   \`consistent-leak\`, delete the Mem4 object). The gateway's and the moderator's files never
   had it.
2. Host terminal: \`realm destroy encoder\`, \`realm create encoder\`, plug its windows back in
   (\`mica share Mem1 encoder:0\`, \`mica share Mem2 encoder:1\`); the same for storage
   (\`mica share Mem3 storage:0\`). Same names and options, same RIMs.
3. Be the host: plug Mem4 back in (\`${MEM4_WIRE}\`); the wiring is the host's, and the host is
   not trusted. Then upload both files.
4. Run the video to storage again (see 06-fix-it/01 step 3), and try the old side channel:
   \`@encoder copy ${IN_BAR0} ${MEM4_IPA} 8\`.
`;

/** The lesson. */
export const FIX_BYPASS_LESSON: Lesson = {
  status: 'ready',
  id: '06-fix-it/04-bypass',
  part: '06-fix-it',
  title: 'Fix it: a side channel around the moderator',
  summary:
    'A deployed pipeline where every file agrees to a pipe from the encoder straight to storage, and the raw video left through it. Redeploy without it and keep the video flowing.',
  objectives: [
    'Explain why agreement (consistency) does not imply the flow property (§2.5, §4.5).',
    'Remove a bypass of the sanitiser and check it with the verifier’s path search.',
  ],
  body,
  mode: 'mica',
  commands: {},
  // The task is fixing the two drafts: honest shipped files would stand in for the fix.
  withheld: ['encoder', 'storage'],
  drafts: [DRAFT.id],
  setup: terminalSetup([
    ...STAGE_LINES,
    ...WIRE_LINES,
    MEM4_WIRE,
    ...deployLines(DRAFT.id),
    ...VIDEO_LINES,
    `@encoder copy ${IN_BAR0} ${MEM4_IPA} 8`,
    `@storage copy ${STORAGE_MEM4} 0x3000 8`,
    '@storage console @0x3000 8',
  ]),
  goals: [
    {
      id: 'redeployed',
      title:
        'Encoder and storage are redeployed with new files, and all four accepted policies agree.',
      check: redeployed(['encoder', 'storage']),
    },
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
      text: 'Delete `"Mem4"` from both the encoder’s and storage’s files; the deployed realms cannot take a second file, so destroy and create both first.',
    },
    {
      tier: 'near-solution',
      text: 'Rebuild both (`realm destroy`, `realm create`, `mica share` their Mem1-Mem3 windows), `mica share Mem4 encoder:2 storage:1`, upload both files without Mem4, run the video, then `@encoder copy 0x18000000020 0x18008000020 8`.',
    },
  ],
  solution: [
    ...rebuildLines('encoder'),
    ...rebuildLines('storage'),
    MEM4_WIRE,
    uploadTextStep('encoder', withoutMem4('encoder')),
    uploadTextStep('storage', withoutMem4('storage')),
    ...VIDEO_LINES,
    `@encoder copy ${IN_BAR0} ${MEM4_IPA} 8`,
  ],
  glossary: [
    'Mica policy / policy',
    'Agreement / chain of custody',
    'Provenance label',
    'Flow ledger / ledger',
  ],
  explain: `
Every file agreed on Mem4, so the monitor had nothing to refuse: agreement is consistency, not
safety (§2.5). The property the tenant needs is the verifier's: every path from the raw video
to U passes the sanitiser (§4.5 step 6). Accepted files are immutable (§3.3), so the fix was a
redeploy of both ends of Mem4 under the same RIMs. The host plugged Mem4 in again, but
without Mem4 in any accepted file the encoder's BAR2 is no declared window: its copy faulted to
the host, which CF3 BLOCKs, and storage can only read what the moderator wrote.
`,
  specRefs: [
    { source: 'mica-spec.md', section: '§4.5', title: 'Verifier procedure: the path search' },
    { source: 'mica-spec.md', section: '§2.5', title: 'Agreement between policies' },
    { source: 'mica-spec.md', section: '§5.1', title: 'Video moderation: the sanitiser' },
    { source: 'mica-spec.md', section: '§3.3', title: 'Policy upload: immutable once accepted' },
    { source: 'cca-spec.md', section: '§3.2', title: 'Realm lifecycle' },
  ],
};
