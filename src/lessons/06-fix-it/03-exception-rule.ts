/**
 * Lesson 06-fix-it/03: a missing EXCEPTION rule (mica-spec.md §2.2.4 CF rules, §2.7 the
 * transition table, §3.6 control transfers, §1.3 what counts as a leak). The setup builds the
 * §5.1 pipeline and uploads the gateway's file of the draft `fix-no-exception`, in which no file
 * BLOCKs the encoder's data-carrying exits. The encoder is sealed (no NS pages) yet an MMIO exit
 * still hands its registers to the host. The learner deploys an encoder file that adds the rule
 * back. Goals: four accepted, agreeing policies; the video in storage with no leak; the
 * encoder's try to hand the video out stopped; the verifier's path search clean.
 */
import { FIX_NO_EXCEPTION, micaAbi } from '../../policy/index.ts';
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

/** The fix: the encoder's own file BLOCKs its data-carrying exception classes again. */
const FIXED = boundPolicy(FIX_NO_EXCEPTION, 'encoder', (p) => ({
  ...p,
  cfs: [
    ...p.cfs,
    {
      name: 'CF7',
      owner: 1,
      type: 'EXCEPTION' as const,
      policy: 'BLOCK' as const,
      range: [...micaAbi.DATA_EXCEPTION_RANGE],
    },
  ],
}));

const body = `
## Sealed, and still talking

A non-gateway realm is **sealed** at upload: it gets no NS pages (§3.5). But a realm also
talks to the host every time it **exits**: an MMIO access is a data abort (exception class
0x24) whose exit hands the stored value to the host so it can emulate the device (§3.6, §1.3).
Control-flow rules close those exits: \`"type": "EXCEPTION", "range": [0x24, 0x20],
"policy": "BLOCK"\` for the encoder. Rules from every accepted file go into one transition
table (§2.7), so one file may add the rule.

The draft \`fix-no-exception\` lost that rule in every file. The setup uploaded its gateway
file. With the draft everywhere, \`@encoder console @${IN_BAR0} 8\` hands the video to the host
(the console doorbell is MMIO): the ledger shows a **LEAK**.

## Your turn

1. Policy tab, realm \`encoder\`, *Start from* \`fix-no-exception\`; add a rule owned by
   \`VM2\` that BLOCKs EXCEPTION \`0x24\` and \`0x20\` (any unused name, \`CF7\`). Upload it.
2. Upload the moderator's and storage's files (the draft's or \`video-moderation\`).
3. Run the video to storage (see 06-fix-it/01 step 3).
4. Try the leak again: \`@encoder console @${IN_BAR0} 8\`. Which rule stops it?
`;

/** The lesson. */
export const FIX_EXCEPTION_LESSON: Lesson = {
  status: 'ready',
  id: '06-fix-it/03-exception-rule',
  part: '06-fix-it',
  title: 'Fix it: a sealed stage that leaks through its exits',
  summary:
    'No file blocks the encoder’s MMIO exits, so the video leaves in its registers. Add the EXCEPTION rule and keep the pipeline running.',
  objectives: [
    'Explain why sealing (no NS pages) does not close a realm’s exits (§3.5, §3.6).',
    'Write an EXCEPTION control-flow rule and find the rule behind a blocked exit (§2.2.4, §2.7).',
  ],
  body,
  mode: 'mica',
  commands: {},
  setup: terminalSetup([...STAGE_LINES, ...WIRE_LINES, '@gateway policy upload fix-no-exception']),
  goals: [
    FIXED_PIPELINE_GOALS.allAccepted,
    FIXED_PIPELINE_GOALS.delivered,
    FIXED_PIPELINE_GOALS.encoderClosed,
    FIXED_PIPELINE_GOALS.verifier,
  ],
  hints: [
    {
      tier: 'nudge',
      text: 'Look at the CF rules of the draft: which exception classes of VM2 are BLOCKed? (`abi`: 0x24 data abort, 0x20 instruction abort).',
    },
    {
      tier: 'stronger',
      text: 'Add `"CF7": { "owner": "VM2", "type": "EXCEPTION", "range": [0x24, 0x20], "policy": "BLOCK" }` to the encoder’s file.',
    },
    {
      tier: 'near-solution',
      text: 'Upload that file into the encoder, then `@moderator policy upload fix-no-exception`, `@storage policy upload fix-no-exception`, run the video and `@encoder console @0x18000000020 8`.',
    },
  ],
  solution: [
    uploadTextStep('encoder', FIXED),
    '@moderator policy upload fix-no-exception',
    '@storage policy upload fix-no-exception',
    ...VIDEO_LINES,
    `@encoder console @${IN_BAR0} 8`,
  ],
  glossary: ['Mica policy', 'Flow ledger', 'Provenance label'],
  explain: `
Sealing (§3.5) removed the encoder's NS pages, but an MMIO access still exits to the host with
the stored value in its registers (§3.6, §1.3). Your rule went into the machine-wide transition
table (§2.7) at upload; the monitor consults it on every exit, so the console doorbell became a
blocked flow (rule CF7 in the ledger) and the verifier's graph lost the exit edge encoder → U.
`,
  specRefs: [
    { source: 'mica-spec.md', section: '§2.2.4', title: 'Field semantics: CF rules' },
    { source: 'mica-spec.md', section: '§2.7', title: 'The transition table' },
    { source: 'mica-spec.md', section: '§3.6', title: 'Control transfers' },
    { source: 'mica-spec.md', section: '§1.3', title: 'What counts as a leak' },
  ],
};
