/**
 * Challenge 05-attacks/03: attack 2 of mica-spec.md §6 in Mica mode, the learner as the
 * malicious encoder. It copies the frame into its own private memory, then asks the RMM to
 * turn that page shared (RSI_IPA_STATE_SET to RIPAS EMPTY), the first step by which any CCA
 * realm hands a page to the host (lesson 03-pipeline-cca/03). The encoder's policy BLOCKs its
 * SMC class: the monitor answers RSI_ERROR_STATE and logs the clause. Goals read where the
 * label sits (the encoder's DATA granules), the monitor's blocked `smc` decision naming the
 * IPA_STATE_SET function ID, and the judge (no `video` leak).
 * Spec: mica-spec.md §3.6 (SMC / RSI: CALL class 0x17 BLOCK), §6 row 2; cca-spec.md §4.3.
 */
import { abi } from '../../emulator/index.ts';
import type { GoalView, Lesson } from '../schema.ts';
import { realmsHolding } from '../ledger-queries.ts';
import { hex } from '../../lib/hex.ts';
import {
  FRAME,
  MEM1_VIDEO,
  STAGE_CHALLENGE_LINES,
  VIDEO,
  blockedCall,
  endName,
  isInnerStage,
  judgedStopped,
  terminalSetup,
} from '../fixtures/video-pipeline.ts';

/** The encoder's frame buffer, a private page it touched before its upload. */
const BUFFER = 0x5000;
const LEN = FRAME.length;

/** Refused RSI_IPA_STATE_SET calls of an inner stage. */
const refusedShares = blockedCall(abi.SMC_RSI_IPA_STATE_SET);

function holders(view: GoalView): string[] {
  return realmsHolding(view.machine, VIDEO)
    .map((rd) => endName(view.machine, `realm:${hex(rd)}`))
    .filter(isInnerStage);
}

const body = `
## Make your own page shared

Every CCA realm can share a page with the host: the RSI call \`RSI_IPA_STATE_SET\` turns the
RIPAS of a protected IPA to EMPTY, and from then on its unprotected alias is host memory (you
did it in lesson 03-pipeline-cca/03 to pass the video along). For a malicious stage that is an
exfiltration channel that needs no NS mapping up front: put the data in a private page, share
the page, write it through the alias.

Mica watches **control transfers**: every SMC a realm makes is looked up in the transition
table built from the uploaded policies (mica-spec.md §3.6). The encoder's policy has
\`CF1 owner VM2 CALL [0x17] BLOCK\`: every SMC of the encoder (EC 0x17) is answered by the
RMM with \`RSI_ERROR_STATE\`, without running the handler and without exiting to the host.

## Your turn

You are the encoder. Before its upload the encoder touched a private page at
\`${hex(BUFFER)}\` (its frame buffer).

1. Copy the frame from Mem1 (\`${hex(MEM1_VIDEO)}\`, ${LEN} bytes) into that page.
2. Ask the RMM to share the page: \`@encoder ipa-state set ${hex(BUFFER)} ${hex(BUFFER + 0x1000)} empty\`.
3. Read the verdict (its \`#\` number is its place in the ledger). Would the alias have worked
   anyway?
`;

const explain = `
The copy into \`${hex(BUFFER)}\` was allowed: private memory is the encoder's own, and the
label \`video\` followed the bytes into its DATA granule. The share was not: \`RSI_IPA_STATE_SET\`
is an SMC, and on every realm SMC the monitor reads the caller's index from its policy
descriptor and looks up (index, CALL, 0x17) in the transition table; \`CF1 ... BLOCK\` made
the RMM return \`RSI_ERROR_STATE\` with the PC advanced (mica-spec.md §3.6). No REC exit
happened, so the host never even learnt which range was asked for. Without a RIPAS change the
alias of a RAM page only gives an SEA (cca-spec.md §4.3), and a new NS mapping of a sealed
stage is refused anyway (§3.5). A read of the alias is an unprotected IPA with nothing mapped:
an MMIO exit that asks the host for a value and hands it only the address, no data, and CF3
turns even that into an SEA (mica-spec.md §8 item 6), so the judge says the encoder tried to
make the host emulate a read, not to hand it data. The same block also stops host calls and
attestation for this realm (05-attacks/04): a stage whose policy blocks its SMCs pays with its
RSI services.
`;

/** The lesson. */
export const PRIVATE_TO_SHARED: Lesson = {
  status: 'ready',
  id: '05-attacks/03-private-to-shared',
  part: '05-attacks',
  title: 'Challenge: turn a private page into a shared one',
  summary:
    'As the malicious encoder, put the video in a private page and ask the RMM to share it with the host; the CALL-class rule answers.',
  objectives: [
    'Explain why RSI_IPA_STATE_SET is an exfiltration channel in plain CCA.',
    'Say which policy rule blocks it in Mica, and what the realm sees (RSI_ERROR_STATE).',
  ],
  body,
  mode: 'mica',
  commands: {},
  setup: terminalSetup('mica', STAGE_CHALLENGE_LINES),
  goals: [
    {
      id: 'private-copy',
      title: 'As the encoder, copy the frame into your own private memory.',
      check(view) {
        const names = holders(view);
        return names.length > 0
          ? { done: true, detail: `${names.join(', ')} holds video in a private DATA granule` }
          : { done: false, detail: 'the video is only in Mem1 so far (a shared page)' };
      },
    },
    {
      id: 'attempt',
      title: 'Try to make a private page shared with RSI_IPA_STATE_SET.',
      check(view) {
        const hit = refusedShares(view)[0];
        return hit
          ? { done: true, detail: `RSI_IPA_STATE_SET refused: ${hit.decision.reason}` }
          : { done: false, detail: 'no RSI_IPA_STATE_SET from a stage has been refused yet' };
      },
    },
    {
      id: 'verdict',
      title: 'The judge’s verdict: no video reached the host; name the clause that stopped it.',
      check: judgedStopped(
        (view) => refusedShares(view)[0],
        (view) =>
          holders(view).length === 0 ? 'the page you tried to share held no video' : undefined,
      ),
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: '`@encoder help copy` and `@encoder help ipa-state`.',
    },
    {
      tier: 'stronger',
      text: `Copy ${LEN} bytes from \`${hex(MEM1_VIDEO)}\` to \`${hex(BUFFER)}\`, then request RIPAS EMPTY for \`[${hex(BUFFER)}, ${hex(BUFFER + 0x1000)})\`.`,
    },
    {
      tier: 'near-solution',
      text: `\`@encoder copy ${hex(MEM1_VIDEO)} ${hex(BUFFER)} ${LEN}\`, then \`@encoder ipa-state set ${hex(BUFFER)} ${hex(BUFFER + 0x1000)} empty\`.`,
    },
  ],
  solution: [
    `@encoder copy ${hex(MEM1_VIDEO)} ${hex(BUFFER)} ${LEN}`,
    `@encoder mem read ${hex(BUFFER)} ${LEN}`,
    `@encoder ipa-state set ${hex(BUFFER)} ${hex(BUFFER + 0x1000)} empty`,
    `@encoder mem read ${hex(0x20000000000 + BUFFER)} 8`,
  ],
  glossary: ['Mica policy / policy', 'HIPAS / RIPAS', 'RSI', 'Flow ledger / ledger'],
  specRefs: [
    { source: 'mica-spec.md', section: '§3.6', title: 'Control transfers: SMC / RSI' },
    { source: 'mica-spec.md', section: '§6', title: 'Attack 2' },
    { source: 'cca-spec.md', section: '§4.3', title: 'Sharing memory with the host' },
  ],
  explain,
};
