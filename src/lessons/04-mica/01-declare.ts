/**
 * Lesson 04-mica/01: declare every path, the encoder's policy (mica-spec.md §2.1-§2.2 the
 * policy language, §2.5 agreement, §3.3 upload). The setup builds the four stages of §5.1 from
 * the terminals, wires Mem1-Mem3 and uploads the gateway's shipped file. The learner writes the
 * encoder's file (in the page's policy editor, or typed in the encoder's terminal) and uploads
 * it; the moderator's shipped file must then be accepted too, which proves the encoder declared
 * Mem2 exactly as its reader expects. Goals read the monitor's accepted policies and its ledger
 * decisions: any file that does the job passes, however it was written.
 */
import { VIDEO_MODERATION, canRead, canWrite, type Policy, type Prot } from '../../policy/index.ts';
import {
  LABELS,
  STAGE_LINES,
  WIRE_LINES,
  acceptedByStage,
  labelText,
  shippedWith,
  terminalSetup,
  uploadDecisions,
  uploadTextStep,
} from '../fixtures/policy-pipeline.ts';
import type { GoalResult, GoalView, Lesson } from '../schema.ts';

/** The VM index of the realm whose label is `label` in `p`, if listed. */
function vmOf(p: Policy, label: number): number | undefined {
  const i = p.vms.findIndex((v) => v.hash === label);
  return i < 0 ? undefined : i;
}

/** Whether `p` maps object `name` for the VM with `label` with a prot `test` accepts. */
function maps(p: Policy, name: string, label: number, test: (prot: Prot) => boolean): boolean {
  const vm = vmOf(p, label);
  const mem = p.mems.find((m) => m.name === name && m.type === 'PROTECTED');
  const own = mem?.mappings.find((mp) => mp.vm === vm);
  return own !== undefined && test(own.prot);
}

function declaresPipes({ machine }: GoalView): GoalResult {
  const p = acceptedByStage(machine).get('encoder');
  if (!p) return { done: false, detail: 'the encoder holds no accepted policy yet' };
  const missing: string[] = [];
  if (!maps(p, 'Mem1', LABELS.encoder, canRead)) missing.push('the encoder reading Mem1');
  if (!maps(p, 'Mem2', LABELS.encoder, canWrite)) missing.push('the encoder writing Mem2');
  if (!maps(p, 'Mem2', LABELS.moderator, canRead)) missing.push('the moderator reading Mem2');
  return missing.length === 0
    ? { done: true, detail: 'Mem1 in (R), Mem2 out (W) to the moderator (R)' }
    : { done: false, detail: `the accepted file does not declare ${missing.join(', ')}` };
}

/** The reference file: the gateway's VMs, Self VM2, Mem1 in and Mem2 out (rules live in the gateway's file). */
const ENCODER_FILE = shippedWith('encoder', (p) => ({ ...p, cfs: [] }));

const body = `
## Every path, written down

A Mica realm gets no shared memory and no way out that its **policy** does not declare
(mica-spec.md §2). A policy is a small JSON-like file (§2.1):

* \`"Self"\` names this realm's VM entry;
* one \`"VMn"\` entry per realm of the workflow: its **hash label** (the label of its RIM, §8
  item 3), whether it is a **gateway** (may talk to the outside world) and whether it is
  **strict**;
* one \`"Memn"\` entry per shared object: \`size\`, \`type\` (\`PROTECTED\`) and \`mappings\`: which
  VM maps it at which guest address (\`gpa\`, the realm's BAR, §3.4) with which protection
  (\`R\`, \`W\`, \`RW\`);
* \`"CFn"\` control-flow rules (\`CALL\`, \`EXCEPTION\`, \`OTHER\` exits: \`BLOCK\` or \`ALLOW\`).

The setup built the four stages of §5.1, wired Mem1 (gateway → encoder), Mem2 (encoder →
moderator) and Mem3 (moderator → storage), and uploaded the **gateway's** file. The labels
are: gateway \`${labelText('gateway')}\`, encoder \`${labelText('encoder')}\`, moderator
\`${labelText('moderator')}\`, storage \`${labelText('storage')}\` (\`mica status\`).

## Your turn

Write the **encoder's** policy and upload it in the encoder:

1. Open the **Policy** tab, pick realm \`encoder\` and *Start from* the gateway's accepted
   policy (or \`@gateway policy show video-moderation\`).
2. Make it the encoder's: \`"Self": "VM2"\`; it **reads** Mem1 (\`R\` at BAR0
   \`0x18000000000\`) and **writes** Mem2 at its BAR1 \`0x18004000000\`, which the moderator
   (VM3) **reads** at its BAR0. Every copy of an object must say the same (§2.5): the
   monitor checks this **agreement** at each upload.
3. The editor underlines what does not parse and lists disagreements with the gateway's
   copy before you upload. *Upload into encoder* types the upload into the encoder's terminal.
4. Prove the declaration is the one the next stage expects: \`@moderator policy upload
   video-moderation\` must be accepted too.
`;

/** The lesson. */
export const DECLARE: Lesson = {
  status: 'ready',
  id: '04-mica/01-declare',
  part: '04-mica',
  title: 'Declare every path: a Mica policy',
  summary:
    'Write the encoder’s policy: its shared objects, their protections and its peers; upload it and have its neighbours accept it.',
  objectives: [
    'Read and write a dialect-C Mica policy: Self, VM entries with hash labels, shared objects and mappings (§2.1-§2.2).',
    'Explain why every copy of a shared object must agree, and which realm’s upload checks it (§2.5).',
  ],
  body,
  mode: 'mica',
  commands: {},
  // The lesson is writing the encoder's file: any shipped one would be the answer.
  withheld: ['encoder'],
  setup: terminalSetup([...STAGE_LINES, ...WIRE_LINES, '@gateway policy upload video-moderation']),
  goals: [
    {
      id: 'encoder-accepted',
      title: 'Upload a policy in the encoder that the monitor accepts.',
      check(view) {
        const ok = uploadDecisions(view, 'allowed').find((d) => d.realm === 'encoder');
        if (ok) return { done: true, detail: ok.event.decision.reason };
        const refused = uploadDecisions(view, 'blocked').filter((d) => d.realm === 'encoder');
        const last = refused.at(-1);
        return {
          done: false,
          detail: last
            ? `refused by ${last.event.decision.rule}: ${last.event.decision.reason}`
            : 'the encoder has not uploaded a policy yet',
        };
      },
    },
    {
      id: 'declares-pipes',
      title: 'The accepted file declares Mem1 in (R) and Mem2 out (W) to the moderator (R).',
      check: declaresPipes,
    },
    {
      id: 'moderator-agrees',
      title:
        'The moderator’s shipped file is accepted after the encoder’s (its copy of Mem2 agrees).',
      check(view) {
        const order = uploadDecisions(view, 'allowed');
        const enc = order.findIndex((d) => d.realm === 'encoder');
        const mod = order.findIndex((d) => d.realm === 'moderator');
        const file = VIDEO_MODERATION.realms.find((r) => r.name === 'moderator')!;
        if (enc >= 0 && mod > enc)
          return { done: true, detail: `moderator accepted after encoder (${file.name}'s file)` };
        return {
          done: false,
          detail:
            enc < 0
              ? 'the encoder must upload first'
              : 'the moderator has not uploaded an agreeing policy since',
        };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: 'Start from a file that already lists all four VMs with the right labels: the gateway’s accepted policy (Policy tab, *Start from*).',
    },
    {
      tier: 'stronger',
      text: 'Change `"Self"` to `"VM2"`, keep Mem1 (VM1 W, VM2 R at `0x18000000000`) and add `"Mem2"`: size `0x40000`, PROTECTED, VM2 W at `0x18004000000`, VM3 R at `0x18000000000`.',
    },
    {
      tier: 'near-solution',
      // The shipped encoder file is withheld in this lesson (`policy show` refuses it): the
      // near-solution is the file itself, as typed.
      text: `Type \`${uploadTextStep('encoder', ENCODER_FILE)}\` (or write it in the Policy tab and press *Upload into encoder*), then \`@moderator policy upload video-moderation\`.`,
    },
  ],
  solution: [
    'mica status',
    uploadTextStep('encoder', ENCODER_FILE),
    '@moderator policy upload video-moderation',
  ],
  glossary: ['Mica policy / policy', 'Agreement / chain of custody', 'RIM'],
  explain: `
The monitor parsed your POLY page (§2.2.3), checked that the encoder's \`Self\` hash is the label
of its own RIM (§8 item 3), then compared every object the encoder shares with the realms that
had already uploaded: Mem1 against the gateway's copy (§2.5 step 3). Mem2 had no registered
reader yet, so it was checked when the **moderator** uploaded: its copy had to match yours field
for field. That is the chain of custody: each upload is checked against the earlier ones, so the
last upload proves the whole chain agrees.
`,
  specRefs: [
    { source: 'mica-spec.md', section: '§2.1', title: 'Policy text' },
    { source: 'mica-spec.md', section: '§2.2', title: 'Dialect C records and limits' },
    { source: 'mica-spec.md', section: '§2.5', title: 'Agreement between policies' },
    { source: 'mica-spec.md', section: '§3.3', title: 'Policy upload, step by step' },
  ],
};
