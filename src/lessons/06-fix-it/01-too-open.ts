/**
 * Lesson 06-fix-it/01: a too-open policy, refused (mica-spec.md §2.5 agreement, §2.2.4 strict
 * non-gateways, §4.5 the path search). The setup builds the §5.1 pipeline from the terminals,
 * uploads the gateway's shipped file and then the encoder's draft `fix-too-open`, which asks to
 * be a non-strict gateway: the monitor refuses it, so the pipeline cannot carry the video. The
 * learner fixes the encoder's file, completes the pipeline, runs the video through and tries
 * the encoder's way out. Goals: four accepted, agreeing policies; the video in storage through
 * the moderator with no leak (the provenance judge); the encoder's try stopped; the verifier's
 * path search clean.
 */
import { FIX_TOO_OPEN } from '../../policy/index.ts';
import {
  FIXED_PIPELINE_GOALS,
  IN_BAR0,
  STAGE_LINES,
  VIDEO_LINES,
  WIRE_LINES,
  boundPolicy,
  terminalSetup,
  uploadTextStep,
} from '../fixtures/policy-pipeline.ts';
import type { Lesson } from '../schema.ts';

/** The fix: VM2 is a strict non-gateway again, as every neighbour's copy says. */
const FIXED = boundPolicy(FIX_TOO_OPEN, 'encoder', (p) => ({
  ...p,
  vms: p.vms.map((v) => (v.name === 'VM2' ? { ...v, isGateway: false, strict: true } : v)),
}));

const body = `
## A stage that asked for too much

Last night's deployment stopped at the encoder: its upload was **refused**, so the video never
got past the gateway. The setup has replayed it: the gateway uploaded its shipped file, then the
encoder uploaded the draft policy \`fix-too-open\` (\`@encoder policy show fix-too-open\`). The
encoder is a third-party stage: in every other file it is a **strict non-gateway** (no NS pages,
no way to the outside world, §2.6). Its own draft says \`"is-gateway": true, "strict": false\`.
The agreement check (§2.5) compares the two copies of VM2 that Mem1 joins and refuses the
upload: had it passed, the verifier (§4.5) would find the path encoder → U that skips the
moderator.

## Your turn

1. Open the **Policy** tab, realm \`encoder\`, *Start from* \`fix-too-open\`. The preview names
   the disagreeing fields and shows both copies.
2. Fix the encoder's VM entry, upload it, then upload the shipped files in the moderator and
   storage (\`policy upload video-moderation\`).
3. Run the video: \`tenant send gateway "frame 0001"\`, \`@gateway net recv 0x1000\`, then each
   stage copies it on (\`@gateway copy 0x1000 ${IN_BAR0} 8\`, the encoder and the moderator from
   BAR0 \`${IN_BAR0}\` to BAR1 \`0x18004000020\`, storage from BAR0 into its RAM).
4. Be the encoder's vendor: try to get the video out (\`@encoder console @${IN_BAR0} 8\`), and
   read in the ledger which rule blocks it.
`;

/** The lesson. */
export const FIX_TOO_OPEN_LESSON: Lesson = {
  status: 'ready',
  id: '06-fix-it/01-too-open',
  part: '06-fix-it',
  title: 'Fix it: a stage that declares itself a gateway',
  summary:
    'The encoder’s draft makes it a gateway; the monitor refuses it and the pipeline stalls. Fix the file so the video flows and cannot leave.',
  objectives: [
    'Read an agreement refusal and fix the field it names (§2.5).',
    'Explain why a third-party stage must be a strict non-gateway (§2.6, §4.5).',
  ],
  body,
  mode: 'mica',
  commands: {},
  // The task is fixing the draft: an honest shipped encoder file would stand in for the fix.
  withheld: ['encoder'],
  drafts: ['fix-too-open'],
  setup: terminalSetup([
    ...STAGE_LINES,
    ...WIRE_LINES,
    '@gateway policy upload video-moderation',
    '@encoder policy upload fix-too-open',
  ]),
  goals: [
    FIXED_PIPELINE_GOALS.allAccepted,
    FIXED_PIPELINE_GOALS.delivered,
    FIXED_PIPELINE_GOALS.encoderClosed,
    FIXED_PIPELINE_GOALS.verifier,
  ],
  hints: [
    {
      tier: 'nudge',
      text: 'A refused upload changes nothing: the encoder may upload again. The refusal names the object (Mem1) and the fields.',
    },
    {
      tier: 'stronger',
      text: 'In the encoder’s file, `"VM2"` must say `"is-gateway": false, "strict": true`, as the gateway’s copy does.',
    },
    {
      tier: 'near-solution',
      text: 'Fix VM2, *Upload into encoder*, then `@moderator policy upload video-moderation`, `@storage policy upload video-moderation`, run the video and `@encoder console @0x18000000020 8`.',
    },
  ],
  solution: [
    uploadTextStep('encoder', FIXED),
    '@moderator policy upload video-moderation',
    '@storage policy upload video-moderation',
    ...VIDEO_LINES,
    `@encoder console @${IN_BAR0} 8`,
  ],
  glossary: ['Mica policy / policy', 'Agreement / chain of custody', 'Flow ledger / ledger'],
  explain: `
The refusal came from the definition check of §2.5: two copies of Mem1 disagreed on VM2's
\`is-gateway\` and \`strict\` flags. Once the encoder agreed to be a strict non-gateway, the
monitor sealed it (no NS pages, §3.5) and the shipped files' CF3 (\`EXCEPTION 0x24, 0x20 BLOCK\`,
§2.7) stopped its console exit: the judge saw a blocked flow, not a leak, and the verifier's
graph has no edge from the encoder to U (§4.5).
`,
  specRefs: [
    { source: 'mica-spec.md', section: '§2.5', title: 'Agreement between policies' },
    { source: 'mica-spec.md', section: '§2.6', title: 'What "strict" adds' },
    { source: 'mica-spec.md', section: '§4.5', title: 'Verifier procedure: the path search' },
  ],
};
