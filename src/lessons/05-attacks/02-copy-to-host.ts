/**
 * Challenge 05-attacks/02: attack 1 of mica-spec.md §6 in Mica mode, the learner as the
 * malicious encoder. The pipeline is uploaded and the tenant's frame waits in Mem1; the
 * encoder tries to copy it where the host can read it (an unprotected IPA, its console).
 * The verdict is the machine's: the ledger's blocked flow carrying `video` bytes and the
 * clause that decided, and no leak of `video` anywhere (the judge, leaksOf). The encoder's
 * legitimate output path (Mem2, towards the moderator) still works.
 * Spec: mica-spec.md §3.5 (NS memory of a non-gateway), §3.6 and §8 item 6 (EXCEPTION
 * class BLOCK: an MMIO abort becomes an SEA), §6 row 1, §1.3 (what counts as a leak).
 */
import type { Lesson } from '../schema.ts';
import { eventsOf, listWords } from '../ledger-queries.ts';
import { hex } from '../../lib/hex.ts';
import {
  BAR1,
  FRAME,
  MEM1_VIDEO,
  STAGE_CHALLENGE_LINES,
  VIDEO,
  blockedFlows,
  endName,
  isInnerStage,
  terminalSetup,
  verdictOf,
  videoLeaks,
  type Flow,
  judgedStopped,
} from '../fixtures/video-pipeline.ts';
import type { GoalView } from '../schema.ts';

/** An unprotected IPA of the encoder (42-bit IPA space: the top half starts at 2^41). */
const NS_IPA = 0x20000001000;
const LEN = FRAME.length;

/** Blocked flows of `video` bytes from an inner stage towards the host. */
function stopped({ machine, ledger }: GoalView): Flow[] {
  return blockedFlows(
    ledger,
    (f) =>
      f.labels.includes(VIDEO) &&
      f.source.kind === 'realm' &&
      isInnerStage(endName(machine, f.source.name)),
  );
}

const body = `
## You are the encoder

The encoder is run by another company. It receives the tenant's video in **Mem1** and should
write the re-encoded frames into **Mem2** for the moderator. You are that company, and you
want a copy of the raw video.

In plain CCA that is easy: copy it to an unprotected IPA, or print it on the console, and
the host has it (lesson 03-pipeline-cca/01). In Mica the encoder uploaded a policy that says
it is **not a gateway**, and that its data-abort exits (EC 0x24, the MMIO exits a store to
host memory makes) are **BLOCKed**. At its upload the monitor also removed the NS page its
console used (mica-spec.md §3.5, §8 item 5).

The judge decides from the ledger, not from what you report: a leak is bytes labelled \`video\`
reaching a place the host can read (§1.3). Every command's output ends with the judge's lines: ✖
for a blocked flow with the clause that blocked it, ⚠ for a leak.

## Your turn

The frame is in Mem1 at \`${hex(MEM1_VIDEO)}\` in the encoder's IPA space (\`${LEN}\` bytes).

1. Look at it: \`@encoder mem read ${hex(MEM1_VIDEO)} ${LEN}\` (note its provenance label).
2. Try to hand it to the host: copy it to \`${hex(NS_IPA)}\`, or print it on the console
   (\`@encoder console @<ipa> <len>\`).
3. Read the verdict: which clause of whose policy stopped you?
4. Do your real job: pass the frame on into Mem2 (the encoder's BAR1, \`${hex(BAR1)}\`).
`;

const explain = `
Your store to \`${hex(NS_IPA)}\` needed the host: the IPA is unprotected and nothing was mapped
there, so the access became a data abort (EC 0x24) that would have exited to the host with the
value in its registers. The encoder's policy holds \`CF3 owner VM2 EXCEPTION [0x24, 0x20] BLOCK\`:
the monitor turned the exit into a synchronous external abort inside the realm instead
(mica-spec.md §8 item 6), and the ledger logged a blocked flow carrying the video bytes. The
console had no NS page any more: at upload the monitor unmapped it because VM2 is not a gateway
(§3.5). Mem2 was different: the policy declares it (\`Mem2.mappings.VM2.prot = W\`) and both ends
agreed at upload, so that write was allowed. In the public prototype the EXCEPTION class is only
recorded and the console page survives the upload (§6 row 1, status G): lesson 05-attacks/09.
`;

/** The lesson. */
export const COPY_TO_HOST: Lesson = {
  status: 'ready',
  id: '05-attacks/02-copy-to-host',
  part: '05-attacks',
  title: 'Challenge: copy the video to host memory',
  summary:
    'As the malicious encoder, try to copy the video into memory the host can read; the judge and the ledger say what stopped you.',
  objectives: [
    'Name the two mechanisms that keep a sealed stage from writing to host memory (§3.5, §3.6).',
    'Read a blocked flow in the ledger: what was stopped, which clause, whose policy.',
    'Tell a declared path (Mem2) from an undeclared one by what the monitor allows.',
  ],
  body,
  mode: 'mica',
  commands: {},
  setup: terminalSetup('mica', STAGE_CHALLENGE_LINES),
  goals: [
    {
      id: 'attempt',
      title:
        'As the encoder, try to hand the video to the host (host-visible memory or the console).',
      check(view) {
        const hit = stopped(view).find((f) => f.destination.kind !== 'memory');
        const leak = videoLeaks(view.ledger)[0];
        if (leak) return { done: true, detail: verdictOf(view.machine, leak) };
        return hit
          ? {
              done: true,
              detail: `${hit.bytes} bytes labelled ${listWords(hit.labels)} went nowhere: ${verdictOf(view.machine, hit)}`,
            }
          : { done: false, detail: 'no attempt to move the video to the host yet' };
      },
    },
    {
      id: 'verdict',
      title:
        'The judge’s verdict: no video reached the host, and a clause of the policy stopped it.',
      check: judgedStopped((view) => stopped(view)[0]),
    },
    {
      id: 'pipe-works',
      title: 'Pass the frame on the declared way: into Mem2, towards the moderator.',
      check({ machine, ledger }) {
        const hit = eventsOf(ledger, 'flow').find(
          (f) =>
            f.channel === 'shared-memory' &&
            f.decision.verdict === 'allowed' &&
            f.labels.includes(VIDEO) &&
            f.destination.name === 'Mem2',
        );
        return hit
          ? { done: true, detail: verdictOf(machine, hit) }
          : { done: false, detail: 'no video written into Mem2 yet' };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: '`@encoder help copy` and `@encoder help console`: both take a source IPA, and anything at or above 0x20000000000 is unprotected (host) memory.',
    },
    {
      tier: 'stronger',
      text: `\`@encoder copy ${hex(MEM1_VIDEO)} ${hex(NS_IPA)} ${LEN}\`; the ✖ line names the clause. For Mem2, copy to the same offset in BAR1.`,
    },
    {
      tier: 'near-solution',
      text: `\`@encoder copy ${hex(MEM1_VIDEO)} ${hex(NS_IPA)} ${LEN}\`, \`@encoder console @${hex(MEM1_VIDEO)} ${LEN}\`, then \`@encoder copy ${hex(MEM1_VIDEO)} ${hex(BAR1 + 0x20)} ${LEN}\`.`,
    },
  ],
  solution: [
    `@encoder mem read ${hex(MEM1_VIDEO)} ${LEN}`,
    `@encoder copy ${hex(MEM1_VIDEO)} ${hex(NS_IPA)} ${LEN}`,
    `@encoder console @${hex(MEM1_VIDEO)} ${LEN}`,
    `@encoder copy ${hex(MEM1_VIDEO)} ${hex(BAR1 + 0x20)} ${LEN}`,
  ],
  glossary: ['Mica policy / policy', 'Flow ledger / ledger', 'Provenance label', 'IPA'],
  specRefs: [
    { source: 'mica-spec.md', section: '§3.5', title: 'Unprotected (NS) memory rules' },
    { source: 'mica-spec.md', section: '§3.6', title: 'Control transfers' },
    { source: 'mica-spec.md', section: '§6', title: 'Attack 1' },
    { source: 'mica-spec.md', section: '§1.3', title: 'What counts as a leak' },
  ],
  explain,
};
