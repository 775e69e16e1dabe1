/**
 * Lesson 06-fix-it/02: an ANY window (mica-spec.md §2.2.4 `ANY` mappings, §2.5 exclusivity,
 * §4.5 step 5: an ANY slot is U; cca-spec.md §3.2 teardown). The setup deploys the tenant's
 * draft `fix-any-window` on the §5.1 pipeline built from the terminals: the encoder's Mem2 has
 * an extra `ANY` reader, and the host has built an "archive" realm that no file names and that
 * maps Mem2 through that window. The video runs to storage and the archive prints the raw
 * frame on its console: the judge finds the leak before the learner types anything. A
 * deployed file is one-shot (§3.3), so the learner tears the encoder (and the archive, which
 * the fixed file no longer admits) down, builds the encoder again and deploys a file without
 * the ANY window. Goals: the encoder redeployed and all four files agreeing; the video in
 * storage through the moderator with no leak; the verifier's path search clean.
 */
import { FIX_ANY_WINDOW, formatPolicyText } from '../../policy/index.ts';
import { policyUploadLine } from '../../shell/index.ts';
import {
  FIXED_PIPELINE_GOALS,
  OUTSIDER,
  OUTSIDER_LINE,
  STAGE_LINES,
  VIDEO_LINES,
  WIRE_LINES,
  boundPolicy,
  deployLines,
  outsiderPolicy,
  rebuildLines,
  terminalSetup,
  uploadTextStep,
} from '../fixtures/policy-pipeline.ts';
import type { Lesson } from '../schema.ts';

/** The fix: Mem2 is read by the moderator and nobody else. */
const FIXED = boundPolicy(FIX_ANY_WINDOW, 'encoder', (p) => ({
  ...p,
  mems: p.mems.map((m) => ({ ...m, mappings: m.mappings.filter((mp) => mp.vm !== 'ANY') })),
}));

/** Where the archive finds the raw video: Mem2 in its BAR1, the ANY window's address. */
const ARCHIVE_MEM2 = '0x18004000020';

const body = `
## Any one realm may read it

A mapping named \`"ANY"\` instead of a VM is a wildcard (§2.2.4): any realm the file does not
name may map the object at the ANY window, with the ANY protection, up to \`any-count\` realms.
The agreement check (§2.5) admits such an extra realm; it cannot know who it will be. The
verifier (§4.5 step 5) cannot either, so an ANY slot is **U**, the untrusted world.

## What happened last night

The tenant deployed the draft \`fix-any-window\` (\`@encoder policy show fix-any-window\`): the
encoder's **Mem2**, the raw encoded video, has an extra \`ANY\` reader "for an archive replica".
Every file agreed, every upload was accepted, and the video reached storage. The host had also
built a realm called \`${OUTSIDER}\` that no file names; it mapped Mem2 through the ANY window
(\`mica status\`), read the raw frame and printed it on its console.

Look before you fix: the **Ledger** shows the LEAK events (the archive handed bytes with the
provenance label \`video\` to the host), the **Data** view outlines what the host obtained in
red, and \`@${OUTSIDER} console @${ARCHIVE_MEM2} 8\` would do it again.

## Your turn

A policy is immutable once accepted (§3.3): the encoder cannot upload a second file. Redeploy it.

1. Policy tab, realm \`encoder\`, *Start from* \`fix-any-window\`: remove the ANY window so
   only the moderator reads Mem2.
2. Host terminal: \`realm destroy encoder\`, then \`realm create encoder\` (same name and
   options, so the same RIM and label). The old VM's windows went with it: plug them back in
   (\`mica share Mem1 encoder:0\`, \`mica share Mem2 encoder:1\`). *Upload into encoder*. If
   the monitor refuses it, read which realm it names, and take that one down too
   (\`realm destroy <name>\`).
3. Run the video through to storage again (\`tenant send gateway ...\`, \`net recv\`, each
   stage \`copy\`s it on; see lesson 06-fix-it/01 step 3).
`;

/** The lesson. */
export const FIX_ANY_WINDOW_LESSON: Lesson = {
  status: 'ready',
  id: '06-fix-it/02-any-window',
  part: '06-fix-it',
  title: 'Fix it: the raw video behind an ANY window',
  summary:
    'A deployed pipeline whose encoder output has an ANY reader: an archive realm nobody named reads the raw video and leaks it. Redeploy without the window and keep the video flowing.',
  objectives: [
    'Explain what an ANY mapping admits and why the verifier treats it as the untrusted world (§2.2.4, §4.5).',
    'Redeploy a stage (teardown, build, upload; cca-spec §3.2, mica-spec §3.3) so the only route out passes the sanitiser.',
  ],
  body,
  mode: 'mica',
  commands: {},
  // The task is fixing the draft: an honest shipped encoder file would stand in for the fix.
  withheld: ['encoder'],
  drafts: ['fix-any-window'],
  setup: terminalSetup([
    ...STAGE_LINES,
    OUTSIDER_LINE,
    WIRE_LINES[0]!,
    `mica share Mem2 encoder:1 moderator:0 ${OUTSIDER}:1`,
    WIRE_LINES[2]!,
    ...deployLines(FIX_ANY_WINDOW.id),
    `@${OUTSIDER} ${policyUploadLine(formatPolicyText(outsiderPolicy(FIX_ANY_WINDOW, 'Mem2')))}`,
    ...VIDEO_LINES,
    `@${OUTSIDER} console @${ARCHIVE_MEM2} 8`,
  ]),
  goals: [
    FIXED_PIPELINE_GOALS.redeployedEncoder,
    FIXED_PIPELINE_GOALS.delivered,
    FIXED_PIPELINE_GOALS.verifier,
  ],
  hints: [
    {
      tier: 'nudge',
      text: 'Taking the archive down stops this leak, not the next one: the verifier’s goal stays open while the encoder’s accepted file has an ANY window on Mem2.',
    },
    {
      tier: 'stronger',
      text: 'In the encoder’s Mem2 `mappings`, delete the `"ANY": { ... }` entry (keep VM2 W and VM3 R). The monitor refuses that file while `archive` still maps Mem2 (§2.5 exclusivity).',
    },
    {
      tier: 'near-solution',
      text: '`realm destroy archive`, `realm destroy encoder`, `realm create encoder`, `mica share Mem1 encoder:0`, `mica share Mem2 encoder:1`, *Upload into encoder* the file without ANY, then run the video to storage.',
    },
  ],
  solution: [
    `realm destroy ${OUTSIDER}`,
    ...rebuildLines('encoder'),
    uploadTextStep('encoder', FIXED),
    ...VIDEO_LINES,
  ],
  glossary: ['Mica policy / policy', 'Agreement / chain of custody', 'Provenance label'],
  explain: `
Agreement (§2.5) admitted the archive: an ANY window can only count extra realms, not name
them. The verifier (§4.5 step 5) draws every ANY slot as U, so the draft's Mem2 was the edge
encoder → U before the moderator, and the archive walked through it. Your file names only the
moderator as reader, so the monitor refused it while the archive still mapped Mem2 (exclusivity,
§2.5); with the archive gone and the encoder rebuilt under the same RIM, every path from the
encoder runs through the moderator and the accepted files pass the path search.
`,
  specRefs: [
    { source: 'mica-spec.md', section: '§2.2.4', title: 'Field semantics: ANY and any-count' },
    { source: 'mica-spec.md', section: '§2.5', title: 'Agreement: exclusivity' },
    { source: 'mica-spec.md', section: '§3.3', title: 'Policy upload: immutable once accepted' },
    { source: 'mica-spec.md', section: '§4.5', title: 'Verifier procedure: the flow graph' },
    { source: 'cca-spec.md', section: '§3.2', title: 'Realm lifecycle' },
  ],
};
