/**
 * Lesson 04-mica/03: neighbours must agree (mica-spec.md §2.5). The setup builds the four
 * stages of §5.1 from the terminals, wires the three shared objects and uploads the gateway's
 * and the encoder's files; the learner uploads a moderator file that disagrees with the
 * encoder's copy of Mem2, reads the refusal (the object and field it names), then uploads the
 * agreeing file and completes the pipeline. Goals read the monitor's ledger decisions and its
 * accepted policies: any mismatching file the monitor refuses by naming a neighbour counts,
 * typed text as well as an example.
 */
import type { Machine, MachineSnapshot } from '../../emulator/index.ts';
import { checkAgreement, micaDecisions, micaOf, policyOf } from '../../policy/index.ts';
import { createLabMachine } from '../../shell/index.ts';
import type { GoalView, Lesson } from '../schema.ts';
import { snapshotSetup } from '../runner.ts';
import { openTerminals } from '../terminals.ts';
import { BUILD_LINES, STAGES } from '../fixtures/mica-stages.ts';

const SETUP_LINES = [
  ...BUILD_LINES,
  '@gateway policy upload video-moderation',
  '@encoder policy upload video-moderation',
];

let cached: MachineSnapshot | undefined;

/** Builds the start state once through the terminals, then restores it. */
function setup(machine: Machine): void {
  if (!cached) {
    const built = createLabMachine({ mode: 'mica' });
    const t = openTerminals(built);
    for (const line of SETUP_LINES) t.execute(line);
    cached = built.snapshot();
  }
  snapshotSetup(cached)(machine);
}

/** Realms whose policy the monitor accepted, with their policies. */
function accepted(machine: GoalView['machine']) {
  const m = micaOf(machine.state);
  return Object.values(m?.realms ?? {}).flatMap((r) => {
    const p = r.uploaded ? policyOf(r) : undefined;
    return p ? [{ name: r.name, policy: p }] : [];
  });
}

/**
 * The monitor's refusals of an upload that named a neighbour whose policy it had accepted:
 * the refused realm, the clause (`Mem2.size`) and the monitor's reason.
 */
function neighbourRefusals(view: GoalView) {
  const peers = accepted(view.machine).map((a) => a.name);
  return micaDecisions(view.ledger, 'blocked').filter(
    (d) =>
      d.channel === 'policy-upload' &&
      !d.decision.rule.startsWith('upload:') &&
      peers.some(
        (p) => p !== d.source.name && new RegExp(`\\b${p}'s (copy|policy)`).test(d.decision.reason),
      ),
  );
}

const body = `
## Two copies of one object

Every realm that maps a shared object carries its **own copy** of the object's definition:
its size, its type, who maps it where and with which protection, and who is a gateway or
strict. Nothing forces the copies to match, so the monitor does it: when a realm uploads,
its policy is checked against the policy of **every neighbour that has already uploaded**
(mica-spec.md §2.5, the inductive "chain of custody" check). A disagreement is refused with
\`RSI_ERROR_INPUT\` and the ledger names the clause, for example \`Mem2.size\`. Because every
upload is checked against all earlier ones, the last realm to upload proves the whole chain
agrees.

The setup built the four stages of §5.1 (gateway → encoder → moderator → storage), wired
Mem1-Mem3 on the host (\`mica status\` shows them) and uploaded the gateway's and the encoder's
files from \`video-moderation\`. The moderator and storage have not uploaded yet.

## Your turn

1. In the moderator's terminal, upload the broken file \`size-mismatch\` (its Mem2 is twice as
   large as the encoder's copy) and read the refusal: which object, which field, which peer?
2. Compare the two copies with \`policy show\` and upload the file that agrees.
3. Finish the pipeline: storage uploads its file too.

A refused upload changes nothing: the moderator may try again. An accepted one is final
(\`upload:one-shot\`).
`;

/** The lesson. */
export const AGREEMENT: Lesson = {
  status: 'ready',
  id: '04-mica/03-agreement',
  part: '04-mica',
  title: 'Neighbours must agree',
  summary:
    'Two realms declare the same shared object differently; the chain-of-custody check refuses the upload, then the agreeing file is accepted.',
  objectives: [
    'Read a refusal of the agreement check: the object, the field and the neighbour it names.',
    'Explain why checking each upload against the earlier ones proves the whole chain agrees (§2.5).',
  ],
  body,
  mode: 'mica',
  commands: {},
  setup,
  goals: [
    {
      id: 'refused',
      title: 'Have the monitor refuse an upload that disagrees with a neighbour’s accepted policy.',
      check(view) {
        const hit = neighbourRefusals(view)[0];
        return hit
          ? {
              done: true,
              detail: `${hit.source.name}'s upload refused by ${hit.decision.rule}: ${hit.decision.reason}`,
            }
          : {
              done: false,
              detail: 'no upload has been refused for disagreeing with a neighbour yet',
            };
      },
    },
    {
      id: 'fixed',
      title: 'Then have the refused realm upload a policy that agrees (accepted).',
      check(view) {
        const refused = neighbourRefusals(view);
        const ok = micaDecisions(view.ledger, 'allowed').find(
          (d) =>
            d.channel === 'policy-upload' &&
            refused.some((r) => r.source.name === d.source.name && r.seq < d.seq),
        );
        return ok
          ? { done: true, detail: `${ok.source.name}'s second try accepted: ${ok.decision.reason}` }
          : {
              done: false,
              detail: refused[0]
                ? `${refused[0].source.name} has not uploaded an agreeing policy since its refusal`
                : 'no refused realm yet',
            };
      },
    },
    {
      id: 'complete',
      title: 'Complete the chain: all four stages hold accepted policies that agree.',
      check({ machine }) {
        const set = accepted(machine);
        const missing = STAGES.filter((s) => !set.some((a) => a.name === s));
        if (missing.length > 0)
          return { done: false, detail: `no accepted policy yet for ${missing.join(', ')}` };
        const agreement = checkAgreement(set);
        return agreement.ok
          ? { done: true, detail: 'four accepted policies, and every pair agrees (§2.5)' }
          : { done: false, detail: 'the accepted policies do not agree' };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: 'Uploads happen inside the realm: `@moderator policy upload <example>`; `policy list` names the files.',
    },
    {
      tier: 'stronger',
      text: '`@moderator policy upload size-mismatch` is refused by `Mem2.size`; `@moderator policy show video-moderation` is the file that agrees with the encoder.',
    },
    {
      tier: 'near-solution',
      text: '`@moderator policy upload size-mismatch`, then `@moderator policy upload video-moderation`, then `@storage policy upload video-moderation`.',
    },
  ],
  solution: [
    'mica status',
    '@moderator policy upload size-mismatch',
    '@moderator policy show video-moderation',
    '@moderator policy upload video-moderation',
    '@storage policy upload video-moderation',
  ],
  glossary: ['Mica policy / policy', 'Agreement / chain of custody', 'Flow ledger / ledger'],
  specRefs: [
    { source: 'mica-spec.md', section: '§2.5', title: 'Agreement between policies' },
    { source: 'mica-spec.md', section: '§3.3', title: 'Policy upload, step by step' },
    { source: 'mica-spec.md', section: '§5.1', title: 'Video moderation' },
  ],
};
