/**
 * Lesson 06-fix-it/03: a missing EXCEPTION rule (mica-spec.md §2.2.4 CF rules, §2.7 the
 * transition table, §3.6 control transfers, §1.3 what counts as a leak; cca-spec.md §3.2
 * teardown). The setup deploys the draft `fix-no-exception` on the §5.1 pipeline built from the
 * terminals, in which no file BLOCKs the encoder's data-carrying exits, runs the video to
 * storage and has the encoder hand it to the host through its console doorbell (an MMIO exit):
 * the judge finds the leak before the learner types anything. A deployed file is one-shot
 * (§3.3), so the learner tears the encoder down, builds it again and deploys a file with the
 * rule back. Goals: the encoder redeployed and all four files agreeing; the video in storage
 * with no leak; the encoder's try to hand the video out stopped; the verifier's path search
 * clean.
 */
import { FIX_NO_EXCEPTION, VIDEO_MODERATION } from '../../policy/index.ts';
import {
  FIXED_PIPELINE_GOALS,
  IN_BAR0,
  STAGE_LINES,
  VIDEO_LINES,
  WIRE_LINES,
  boundPolicy,
  deployLines,
  rebuildLines,
  terminalSetup,
  uploadTextStep,
} from '../fixtures/policy-pipeline.ts';
import type { Lesson } from '../schema.ts';

/** The shipped encoder file's rules (CALL blocks, then the exit blocks of §8 item 6). */
const SHIPPED_RULES = boundPolicy(VIDEO_MODERATION, 'encoder').cfs;

/** The fix: the draft's encoder file with the shipped rule(s) the draft lost put back. */
const FIXED = boundPolicy(FIX_NO_EXCEPTION, 'encoder', (p) => ({
  ...p,
  cfs: [...p.cfs, ...SHIPPED_RULES.filter((cf) => !p.cfs.some((d) => d.name === cf.name))],
}));

const body = `
## Sealed, and still talking

A non-gateway realm is **sealed** at upload: it gets no NS pages (§3.5). But a realm also
talks to the host every time it **exits**: an MMIO access is a data abort (exception class
0x24) whose exit hands the stored value to the host so it can emulate the device (§3.6, §1.3).
Control-flow rules close those exits: \`"type": "EXCEPTION", "range": [0x24, 0x20],
"policy": "BLOCK"\` for the encoder. Rules from every accepted file go into one transition
table (§2.7), so one file may add the rule.

## What happened last night

The tenant deployed the draft \`fix-no-exception\` in all four stages: it lost that rule in
every file. Every upload was accepted and the video reached storage. Then the encoder's vendor
typed \`@encoder console @${IN_BAR0} 8\`: the console doorbell is MMIO, and the exit handed the
raw video to the host. Look before you fix: the **Ledger** shows the LEAK (encoder handed bytes
with the provenance label \`video\` to the host, MMIO exit registers) and the **Data** view
outlines what the host obtained in red.

## Your turn

A realm's policy is immutable once accepted (§3.3): redeploy the encoder.

1. Policy tab, realm \`encoder\`, *Start from* \`fix-no-exception\`; add a rule owned by
   \`VM2\` that BLOCKs EXCEPTION \`0x24\` and \`0x20\` (any unused name, \`CF3\`).
2. Host terminal: \`realm destroy encoder\`, \`realm create encoder\` (same name and options,
   same RIM), plug its windows back in (\`mica share Mem1 encoder:0\`, \`mica share Mem2
   encoder:1\`), then *Upload into encoder*.
3. Run the video to storage again (see 06-fix-it/01 step 3).
4. Try the leak again: \`@encoder console @${IN_BAR0} 8\`. Which rule stops it?
`;

/** The lesson. */
export const FIX_EXCEPTION_LESSON: Lesson = {
  status: 'ready',
  id: '06-fix-it/03-exception-rule',
  part: '06-fix-it',
  title: 'Fix it: a sealed stage that leaks through its exits',
  summary:
    'A deployed pipeline whose encoder leaked the video through an MMIO exit: no file blocks it. Redeploy the encoder with the EXCEPTION rule and keep the pipeline running.',
  objectives: [
    'Explain why sealing (no NS pages) does not close a realm’s exits (§3.5, §3.6).',
    'Write an EXCEPTION control-flow rule and find the rule behind a blocked exit (§2.2.4, §2.7).',
  ],
  body,
  mode: 'mica',
  commands: {},
  // The task is fixing the draft: an honest shipped encoder file would stand in for the fix.
  withheld: ['encoder'],
  drafts: ['fix-no-exception'],
  setup: terminalSetup([
    ...STAGE_LINES,
    ...WIRE_LINES,
    ...deployLines(FIX_NO_EXCEPTION.id),
    ...VIDEO_LINES,
    `@encoder console @${IN_BAR0} 8`,
  ]),
  goals: [
    FIXED_PIPELINE_GOALS.redeployedEncoder,
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
      text: 'Add `"CF3": { "owner": "VM2", "type": "EXCEPTION", "range": [0x24, 0x20], "policy": "BLOCK" }` to the encoder’s file; the deployed encoder cannot take a second file, so rebuild it first.',
    },
    {
      tier: 'near-solution',
      text: '`realm destroy encoder`, `realm create encoder`, `mica share Mem1 encoder:0`, `mica share Mem2 encoder:1`, upload that file into the encoder, run the video to storage and `@encoder console @0x18000000020 8`.',
    },
  ],
  solution: [
    ...rebuildLines('encoder'),
    uploadTextStep('encoder', FIXED),
    ...VIDEO_LINES,
    `@encoder console @${IN_BAR0} 8`,
  ],
  glossary: ['Mica policy / policy', 'Flow ledger / ledger', 'Provenance label'],
  explain: `
Sealing (§3.5) removed the encoder's NS pages, but an MMIO access still exits to the host with
the stored value in its registers (§3.6, §1.3). A deployed file cannot change (§3.3), so the
fix was a redeploy: the rebuilt encoder measured to the same RIM, its label bound the new file,
and your rule went into the machine-wide transition table (§2.7) at upload. The monitor
consults it on every exit, so the console doorbell became a blocked flow (your rule in the
ledger) and the verifier's graph lost the exit edge encoder → U.
`,
  specRefs: [
    { source: 'mica-spec.md', section: '§2.2.4', title: 'Field semantics: CF rules' },
    { source: 'mica-spec.md', section: '§2.7', title: 'The transition table' },
    { source: 'mica-spec.md', section: '§3.6', title: 'Control transfers' },
    { source: 'mica-spec.md', section: '§1.3', title: 'What counts as a leak' },
    { source: 'mica-spec.md', section: '§3.3', title: 'Policy upload: immutable once accepted' },
    { source: 'cca-spec.md', section: '§3.2', title: 'Realm lifecycle' },
  ],
};
