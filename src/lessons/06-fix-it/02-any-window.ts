/**
 * Lesson 06-fix-it/02: an ANY window (mica-spec.md §2.2.4 `ANY` mappings, §2.5 exclusivity,
 * §4.5 step 5: an ANY slot is U). The setup builds the §5.1 pipeline from the terminals and
 * uploads the gateway's file. The tenant's draft `fix-any-window` gives the encoder's Mem2 an
 * extra `ANY` reader "for an archive replica": the files agree and the pipeline runs, but any one
 * realm nobody named may read the raw video, so the verifier refuses the pipeline. The learner
 * deploys the encoder's file without the ANY window. Goals: four accepted, agreeing policies;
 * the video in storage through the moderator with no leak; the verifier's path search clean.
 */
import { FIX_ANY_WINDOW } from '../../policy/index.ts';
import {
  FIXED_PIPELINE_GOALS,
  STAGE_LINES,
  VIDEO_LINES,
  WIRE_LINES,
  boundPolicy,
  terminalSetup,
  uploadTextStep,
} from '../fixtures/policy-pipeline.ts';
import type { Lesson } from '../schema.ts';

/** The fix: Mem2 is read by the moderator and nobody else. */
const FIXED = boundPolicy(FIX_ANY_WINDOW, 'encoder', (p) => ({
  ...p,
  mems: p.mems.map((m) => ({ ...m, mappings: m.mappings.filter((mp) => mp.vm !== 'ANY') })),
}));

const body = `
## Any one realm may read it

A mapping named \`"ANY"\` instead of a VM is a wildcard (§2.2.4): any realm the file does not
name may map the object at the ANY window, with the ANY protection, up to \`any-count\` realms.
The agreement check (§2.5) admits such an extra realm; it cannot know who it will be. The
verifier (§4.5 step 5) cannot either, so an ANY slot is **U**, the untrusted world.

The tenant's draft \`fix-any-window\` (\`@encoder policy show fix-any-window\`) gives the
encoder's **Mem2**, the raw encoded video, an extra \`ANY\` reader "for an archive replica". The
files agree and the pipeline runs, but the verifier finds **encoder → U** through Mem2, before
the moderator: the group token of that pipeline is rejected.

## Your turn

The setup built the four stages, wired Mem1-Mem3 and uploaded the gateway's file.

1. Policy tab, realm \`encoder\`, *Start from* \`fix-any-window\`: remove the ANY window so only
   the moderator reads Mem2. Upload it.
2. Upload the moderator's and storage's files (\`policy upload video-moderation\`).
3. Run the video through to storage (\`tenant send gateway ...\`, \`net recv\`, each stage
   \`copy\`s it on; see lesson 06-fix-it/01 step 3).
`;

/** The lesson. */
export const FIX_ANY_WINDOW_LESSON: Lesson = {
  status: 'ready',
  id: '06-fix-it/02-any-window',
  part: '06-fix-it',
  title: 'Fix it: the raw video behind an ANY window',
  summary:
    'An ANY reader on the encoder’s output agrees with everyone and still lets the video leave before the moderator. Close it and keep the pipeline running.',
  objectives: [
    'Explain what an ANY mapping admits and why the verifier treats it as the untrusted world (§2.2.4, §4.5).',
    'Deploy a pipeline whose only route out passes the sanitiser.',
  ],
  body,
  mode: 'mica',
  commands: {},
  setup: terminalSetup([...STAGE_LINES, ...WIRE_LINES, '@gateway policy upload video-moderation']),
  goals: [
    FIXED_PIPELINE_GOALS.allAccepted,
    FIXED_PIPELINE_GOALS.delivered,
    FIXED_PIPELINE_GOALS.verifier,
  ],
  hints: [
    {
      tier: 'nudge',
      text: 'Accepted is not enough here: the verifier’s goal stays open while any accepted file has an ANY window on Mem2.',
    },
    {
      tier: 'stronger',
      text: 'In the encoder’s Mem2 `mappings`, delete the `"ANY": { ... }` entry; keep VM2 W and VM3 R.',
    },
    {
      tier: 'near-solution',
      text: 'Upload the fixed file into the encoder, then `@moderator policy upload video-moderation`, `@storage policy upload video-moderation`, and run the video to storage.',
    },
  ],
  solution: [
    uploadTextStep('encoder', FIXED),
    '@moderator policy upload video-moderation',
    '@storage policy upload video-moderation',
    ...VIDEO_LINES,
  ],
  glossary: ['Mica policy', 'Agreement / chain of custody', 'Provenance label'],
  explain: `
Agreement (§2.5) admits an ANY reader: it can only count extra realms, not name them. The
verifier (§4.5 step 5) draws every ANY slot as U, so the draft's Mem2 gave the edge encoder → U
before the moderator. With only named readers, every path from the encoder runs through the
moderator, and the same agreeing files now pass the path search.
`,
  specRefs: [
    { source: 'mica-spec.md', section: '§2.2.4', title: 'Field semantics: ANY and any-count' },
    { source: 'mica-spec.md', section: '§2.5', title: 'Agreement: exclusivity' },
    { source: 'mica-spec.md', section: '§4.5', title: 'Verifier procedure: the flow graph' },
  ],
};
