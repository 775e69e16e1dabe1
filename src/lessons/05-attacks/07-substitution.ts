/**
 * Challenge 05-attacks/07: attack 13 of mica-spec.md §6 in the prototype, the learner as the
 * malicious host. The encoder has not uploaded yet; the host builds its own realm, wires it to
 * Mem1 and Mem2 and has it upload the encoder's file first. The prototype's hash labels are
 * first come (`gap-first-come-labels`), so the impostor is accepted as VM2 and reads the
 * video. Locally nothing notices; the group token does: the impostor's RIM is folded into the
 * group RIM, which the tenant recomputes from the encoder it built. Goals read the monitor's
 * registry against the realms' RIMs, the judge (the impostor's `video` leak) and the tenant's
 * verdict on the kept group token.
 * Spec: mica-spec.md §6 row 13 (G; A), §8 item 3 (labels bound to RIMs in Mica mode), §4.3, §4.5.
 */
import { micaOf, micaView, policyOf, rimLabel } from '../../policy/index.ts';
import type { GoalView, Lesson } from '../schema.ts';
import { hex } from '../../lib/hex.ts';
import {
  BUILD_LINES,
  FRAME_LINES,
  MEM1_VIDEO,
  FRAME,
  STAGES,
  terminalSetup,
  uploadLines,
  leakedThrough,
  tenantRejectedFor,
} from '../fixtures/video-pipeline.ts';

const SETUP_LINES: readonly string[] = [
  ...BUILD_LINES,
  ...uploadLines(['gateway', 'moderator', 'storage']),
  ...FRAME_LINES,
];
const LEN = FRAME.length;

/**
 * Realms outside the tenant's pipeline that the monitor registered under a label the
 * pipeline's own accepted policies use for one of their realms (the substitute's claim).
 */
function impostors({ machine }: GoalView): { name: string; claimed: number; own: number }[] {
  const m = micaOf(machine.state);
  const view = micaView(machine.state);
  if (!m || !view) return [];
  const stages = new Set<string>(STAGES);
  const labels = new Map<number, string>();
  for (const r of Object.values(m.realms)) {
    const p = r.uploaded && stages.has(r.name) ? policyOf(r) : undefined;
    for (const vm of p?.vms ?? []) labels.set(vm.hash, vm.name);
  }
  return view.realms.flatMap((r) => {
    const rim = machine.state.rmm.realms[hex(r.rd)]?.rim;
    if (!r.uploaded || stages.has(r.name) || r.hash === null || !labels.has(r.hash)) return [];
    return [{ name: r.name, claimed: r.hash, own: rim ? rimLabel(rim) : 0 }];
  });
}

const body = `
## You are the host: plant your own encoder

Every policy names its realms by a **hash label** (\`VM2 hash ...\`). In the public prototype the
label is whatever the first realm to upload says it is: nothing binds it to the uploader's RIM
(mica-spec.md §8 item 3; this machine runs the prototype, \`gap-first-come-labels\`). The
encoder is late: the gateway, the moderator and storage have uploaded, the frame waits in Mem1.

## Your turn

1. Build a realm of your own (\`realm create impostor\`) and wire it where the encoder sits:
   Mem1 at its BAR0 and Mem2 at its BAR1 (\`mica share\` adds an end to an object).
2. Have it upload the **encoder's** file first: \`@impostor policy upload video-moderation/encoder\`.
3. Read the frame in Mem1 from the impostor, and hand it to the host (its console will do: the
   prototype does not enforce the EXCEPTION class either). The ledger records the leak.
4. Now the tenant checks: have the gateway take a group token (\`@gateway attest group random\`)
   and verify it (\`mica verify last video-moderation\`). Which check fails, and why?
`;

const explain = `
The impostor's upload claimed VM2's label; the prototype registered it because nobody had yet
(labels are first come) and the file agreed with every registered peer, so its windows were
activated and it read Mem1 like the real encoder would. The group token is where it shows: the
RMM folds every member's **RIM** into the group RIM (§4.3), and the tenant recomputes that value
from the RIMs of the realms *it* built, in blob order (§4.5 step 3). The blobs are right (the
impostor uploaded the encoder's own file), the policies agree, the path search passes, but the
group RIM and RPV do not match: \`rejected\`. In Mica mode the upload itself is refused
(\`VM2.hash\`: the label must be the uploader's RIM label, §8 item 3). The leak happened before
the verifier looked: attestation catches substitution, it does not prevent it.
`;

/** The lesson. */
export const SUBSTITUTION: Lesson = {
  status: 'ready',
  id: '05-attacks/07-substitution',
  part: '05-attacks',
  title: 'Challenge: substitute the encoder in the prototype',
  summary:
    'As the host, have a realm of your own upload the encoder’s file first; it gets the video, and only the group token gives it away.',
  objectives: [
    'Explain why first-come hash labels let another realm take a stage’s place (§6 row 13).',
    'Say which verifier check catches a substitute, and why it cannot undo the leak.',
  ],
  body,
  mode: 'mica-prototype',
  commands: {},
  setup: terminalSetup('mica-prototype', SETUP_LINES),
  goals: [
    {
      id: 'substituted',
      title: 'Get a realm of yours accepted under a label the pipeline uses for one of its stages.',
      check(view) {
        const hit = impostors(view)[0];
        return hit
          ? {
              done: true,
              detail: `${hit.name} holds the pipeline's label ${hex(hit.claimed)}; its own RIM would give ${hex(hit.own)}`,
            }
          : { done: false, detail: 'only the pipeline’s own realms hold its labels' };
      },
    },
    {
      id: 'leaked',
      title: 'Make the frame leak from the substitute to the host.',
      check: leakedThrough(
        (view) => impostors(view).map((i) => i.name),
        'no video has leaked through a substitute yet',
      ),
    },
    {
      id: 'caught',
      title:
        'Hand the host a group token with the substitute in it: the tenant’s verifier rejects it.',
      check: tenantRejectedFor('group-rim', (view) =>
        impostors(view).length === 0 ? 'no substitute in the pipeline yet' : undefined,
      ),
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: '`mica status` shows who uploaded and which objects sit where; `@<realm> help policy` how to upload another realm’s file (`<example>/<realm>`).',
    },
    {
      tier: 'stronger',
      text: `\`realm create impostor\`, \`mica share Mem1 impostor:0\`, \`mica share Mem2 impostor:1\`, then \`@impostor policy upload video-moderation/encoder\`; the frame is at \`${hex(MEM1_VIDEO)}\`.`,
    },
    {
      tier: 'near-solution',
      text: `\`@impostor console @${hex(MEM1_VIDEO)} ${LEN}\`, then \`@gateway attest group random\` and \`mica verify last video-moderation\`.`,
    },
  ],
  solution: [
    'mica status',
    'realm create impostor',
    'mica share Mem1 impostor:0',
    'mica share Mem2 impostor:1',
    '@impostor policy upload video-moderation/encoder',
    `@impostor mem read ${hex(MEM1_VIDEO)} ${LEN}`,
    `@impostor console @${hex(MEM1_VIDEO)} ${LEN}`,
    '@gateway attest group random',
    'mica verify last video-moderation',
  ],
  glossary: ['Mica policy / policy', 'RIM', 'Group token', 'Flow ledger / ledger'],
  specRefs: [
    { source: 'mica-spec.md', section: '§6', title: 'Attack 13' },
    { source: 'mica-spec.md', section: '§8', title: 'Item 3: labels bound to RIMs' },
    { source: 'mica-spec.md', section: '§4.3', title: 'Group token' },
    { source: 'mica-spec.md', section: '§4.5', title: 'Verifier procedure' },
  ],
  explain,
};
