/**
 * Challenge 05-attacks/04: attack 3 of mica-spec.md §6 in Mica mode, the learner as the
 * malicious encoder. RSI_HOST_CALL hands the host up to 31 registers, so a stage can load the
 * frame into registers and call the host. The encoder's CALL-class BLOCK rule stops the SMC
 * in the RMM. Goals read the monitor's blocked `smc` decision naming the RSI_HOST_CALL
 * function ID and the judge (no `video` leak).
 * Spec: mica-spec.md §3.6 (SMC class BLOCK; SCRUB intended, §8 item 7), §6 row 3;
 * cca-spec.md §4.1 (RSI_HOST_CALL).
 */
import { abi } from '../../emulator/index.ts';
import type { Lesson } from '../schema.ts';
import { hex } from '../../lib/hex.ts';
import {
  MEM1_VIDEO,
  STAGE_CHALLENGE_LINES,
  blockedCall,
  judgedStopped,
  terminalSetup,
} from '../fixtures/video-pipeline.ts';

/** Refused RSI_HOST_CALLs of an inner stage. */
const refusedCalls = blockedCall(abi.SMC_RSI_HOST_CALL);

const body = `
## Registers are a channel too

\`RSI_HOST_CALL\` is how a realm asks its host for a service: the realm fills an
\`RsiHostCall\` block (an immediate and 31 registers), the RMM copies it into the REC exit and
the host reads every register (cca-spec.md §4.1). Eight bytes of video per register, 248 bytes
per call: a fine exfiltration channel, and it needs no memory mapping at all.

Mica puts host calls in the **CALL** class of control transfers (EC 0x17, the SMC). The
encoder's policy BLOCKs that class (\`CF1\`), so the RMM answers \`RSI_ERROR_STATE\` before it
copies anything. The prototype can only block the whole class; filtering single RSIs or
**SCRUB**bing their registers was planned (mica-spec.md §3.6, §8 item 7).

## Your turn

You are the encoder. The frame is in Mem1 at \`${hex(MEM1_VIDEO)}\`.

1. Make a host call whose first register is loaded from the frame:
   \`@encoder hostcall <imm> @${hex(MEM1_VIDEO)}\` (\`@<ipa>\` loads 8 bytes from there).
2. Read the verdict (its \`#\` number is its place in the ledger): did any register reach the
   host? Which clause decided?
`;

const explain = `
\`hostcall 7 @${hex(MEM1_VIDEO)}\` loaded 8 bytes of the frame (labelled \`video\`) into a register,
stored the \`RsiHostCall\` block in the encoder's page at 0x1000 and executed SMC with
\`RSI_HOST_CALL\`. The SMC trapped to the RMM, where the monitor looked up (encoder's index,
CALL, 0x17) in the transition table and found \`CF1 owner VM2 CALL [0x17] BLOCK\`: it returned
\`RSI_ERROR_STATE\` without building a REC exit, so the host saw nothing (mica-spec.md §3.6).
In plain CCA the same call ends in \`RMI_EXIT_HOST_CALL\` and the judge marks a leak. The
verifier knows this too: a non-gateway stage whose SMC class is not blocked gets an edge to U in
its flow graph (§4.5 step 5).
`;

/** The lesson. */
export const HOST_CALL: Lesson = {
  status: 'ready',
  id: '05-attacks/04-host-call',
  part: '05-attacks',
  title: 'Challenge: leak the video in host-call registers',
  summary:
    'As the malicious encoder, load the frame into registers and make an RSI_HOST_CALL; the CALL-class rule keeps the registers in the realm.',
  objectives: [
    'Explain how RSI_HOST_CALL can carry data to the host without any shared memory.',
    'Say which policy rule stops it, and why the verifier counts unblocked SMCs as an edge to U.',
  ],
  body,
  mode: 'mica',
  commands: {},
  setup: terminalSetup('mica', STAGE_CHALLENGE_LINES),
  goals: [
    {
      id: 'attempt',
      title: 'As the encoder, make an RSI_HOST_CALL (with the video in its registers).',
      check(view) {
        const hit = refusedCalls(view)[0];
        return hit
          ? { done: true, detail: `RSI_HOST_CALL refused: ${hit.decision.reason}` }
          : { done: false, detail: 'no host call of a stage has been seen yet' };
      },
    },
    {
      id: 'verdict',
      title: 'The judge’s verdict: no register reached the host; name the clause.',
      check: judgedStopped((view) => refusedCalls(view)[0]),
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: '`@encoder help hostcall`: each register is a number or `@<ipa>`, 8 bytes loaded from memory.',
    },
    {
      tier: 'stronger',
      text: `Any immediate works; load the first register from \`${hex(MEM1_VIDEO)}\`.`,
    },
    {
      tier: 'near-solution',
      text: `\`@encoder hostcall 7 @${hex(MEM1_VIDEO)} @${hex(MEM1_VIDEO + 8)}\`.`,
    },
  ],
  solution: [`@encoder hostcall 7 @${hex(MEM1_VIDEO)} @${hex(MEM1_VIDEO + 8)}`],
  glossary: ['Mica policy / policy', 'RSI', 'SMC / SMCCC', 'Flow ledger / ledger'],
  specRefs: [
    { source: 'mica-spec.md', section: '§3.6', title: 'Control transfers' },
    { source: 'mica-spec.md', section: '§6', title: 'Attack 3' },
    { source: 'cca-spec.md', section: '§4.1', title: 'RSI commands' },
    { source: 'mica-spec.md', section: '§4.5', title: 'Verifier procedure, step 5' },
  ],
  explain,
};
