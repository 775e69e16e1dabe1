/**
 * Lesson 05-attacks/01: attack 6 of mica-spec.md §6 on the prototype. After every policy is
 * uploaded, the prototype's RMI_DATA_CREATE_UNKNOWN_SHARED maps the real page without a
 * policy check, so the host can join a stage to a pipe it never declared, and even hand it
 * another realm's private DATA granule. Goals read the monitor's SGT and the granule states
 * (the machine's state after the attack), and name the gap from the ledger decision.
 * Spec: mica-spec.md §3.4, §6 rows 5-6 (G; A), §8 (Mica mode closes it: lesson 04-mica/02).
 */
import { abi } from '../../emulator/index.ts';
import { micaDecisions, pipeOfPage } from '../../policy/index.ts';
import type { GoalView, Lesson } from '../schema.ts';
import { hex } from '../../lib/hex.ts';
import {
  MEM1_PA,
  RD,
  UNDECLARED_IPA,
  monitorOf,
  pipelineSetup,
  realmNameOf,
} from '../fixtures/mica-pipeline.ts';

/** A private DATA granule of the encoder (part of its measured image). */
const ENCODER_DATA = 0x80039000;
const NEXT_IPA = UNDECLARED_IPA + abi.GRANULE_SIZE;

/** The gap rule of the last allowed shared mapping, for goal details. */
function gapNote(ledger: GoalView['ledger']): string {
  const allowed = micaDecisions(ledger, 'allowed').filter((d) => d.channel === 'shared-map');
  const last = allowed[allowed.length - 1];
  return last ? `; the monitor allowed it by ${last.decision.rule}: ${last.decision.reason}` : '';
}

const body = `
## Joining a pipe after the uploads

The policies of §5.1 say exactly who shares what: Mem1 between gateway and encoder, Mem2
between encoder and moderator, Mem3 between moderator and storage. Before an upload, the
monitor's **exclusivity** check refuses a listed object that an unlisted realm also maps,
and activation only covers declared windows (§6 rows 5 and 7).

But once every realm has uploaded, the public prototype's RMI command
\`RMI_DATA_CREATE_UNKNOWN_SHARED\` maps the real page **without any policy check** (§6 row 6,
status *G*): the host can put a page of Mem1 into storage, a gateway that talks to the
outside world, and the prototype even accepts a page that is another realm's private
**DATA** granule. Locally nothing stops it: the ledger records the
mapping as *allowed*, by the gap. The verifier notices a realm from outside the
pipeline, because it joins the SGT-connected group and shows up in the group token (status
*A*, challenge 05-attacks/08); storage is a member already, so its group token does not change
(challenge 05-attacks/09).

This machine runs in **prototype** mode: every gap of §6 is switched on.

## Your turn

The setup built and uploaded the pipeline. Storage is RD \`${hex(RD.storage)}\`; its
declared window (Mem3) covers IPAs 0x18000000000-0x18000003fff, and the level-3 table
around it has room just past it, at \`${hex(UNDECLARED_IPA)}\`.

1. Map Mem1's first page (\`${hex(MEM1_PA)}\`) into storage at \`${hex(UNDECLARED_IPA)}\`.
2. Find a private DATA granule of the encoder (\`gpt ${hex(RD.encoder)} 16\`) and map it
   into storage at \`${hex(NEXT_IPA)}\`.

Then compare with lesson 04-mica/02, where Mica mode refuses the same call.
`;

const explain = `
Both calls went through because storage had uploaded: the prototype checks a shared mapping
against the policies only before the target's upload (mica-spec.md §6 row 6, \`gap-map-after-upload\`),
and it accepts a DATA granule of another realm as the page (§3.4). The SGT now records storage
on Mem1's page and on the encoder's private granule. Mica mode validates every
\`RMI_DATA_CREATE_UNKNOWN_SHARED\`: the IPA must lie in a window the target declares, and every
other realm mapping that page must be listed for the same object (§8 item 4; lesson
04-mica/02). Whether attestation notices depends on who joined: an outsider shows up in the
group token (05-attacks/08), storage, a member already, does not (05-attacks/09).
`;

/** The lesson. */
export const LATE_JOIN: Lesson = {
  status: 'ready',
  id: '05-attacks/01-late-join',
  part: '05-attacks',
  title: 'The host joins a stage to a pipe after the uploads',
  summary:
    'In the prototype, map a page of the gateway-to-encoder pipe, then the encoder’s private memory, into the storage stage.',
  objectives: [
    'Explain why the prototype accepts a shared mapping after upload (§6 row 6).',
    'Say which mechanism still catches it (the group token) and which closes it (Mica mode).',
  ],
  body,
  mode: 'mica-prototype',
  commands: {},
  setup: pipelineSetup('mica-prototype'),
  goals: [
    {
      id: 'joined-pipe',
      title: 'Make a page of a pipe reachable from a realm that is not one of its ends.',
      check({ machine, ledger }) {
        const view = monitorOf(machine.state);
        const pages = pipeOfPage(view);
        for (const e of view.sgt) {
          const owner = pages.get(e.pa);
          const who = realmNameOf(view, e.rd);
          if (owner && !owner.ends.has(who)) {
            return {
              done: true,
              detail: `${who} maps ${owner.pipe}'s page ${hex(e.pa)} at IPA ${hex(e.gpa)}${gapNote(ledger)}`,
            };
          }
        }
        return { done: false, detail: 'every pipe page is still mapped only by its two ends' };
      },
    },
    {
      id: 'private-page',
      title: 'Make another realm’s private DATA granule a shared page of a stage.',
      check({ machine, ledger }) {
        const view = monitorOf(machine.state);
        for (const e of view.sgt) {
          const g = machine.granuleOf(e.pa);
          if (g.state === 'DATA' && g.realm !== undefined && g.realm !== e.rd) {
            return {
              done: true,
              detail: `${realmNameOf(view, e.rd)} maps ${realmNameOf(view, g.realm)}'s private granule ${hex(e.pa)}${gapNote(ledger)}`,
            };
          }
        }
        return { done: false, detail: 'no realm maps another realm’s private DATA granule' };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: '`rmi list` shows the arguments of `RMI_DATA_CREATE_UNKNOWN_SHARED`: the realm, the page, and the IPA.',
    },
    {
      tier: 'stronger',
      text: `\`gpt ${hex(RD.encoder)} 16\` lists the encoder's granules; those marked DATA are its private memory. Use IPAs just past storage's window so the RTT walk succeeds.`,
    },
    {
      tier: 'near-solution',
      text: `\`rmi RMI_DATA_CREATE_UNKNOWN_SHARED ${hex(RD.storage)} ${hex(MEM1_PA)} ${hex(UNDECLARED_IPA)}\`, then the same with \`${hex(ENCODER_DATA)}\` at \`${hex(NEXT_IPA)}\`.`,
    },
  ],
  solution: [
    `rmi RMI_DATA_CREATE_UNKNOWN_SHARED ${hex(RD.storage)} ${hex(MEM1_PA)} ${hex(UNDECLARED_IPA)}`,
    `gpt ${hex(RD.encoder)} 16`,
    `rmi RMI_DATA_CREATE_UNKNOWN_SHARED ${hex(RD.storage)} ${hex(ENCODER_DATA)} ${hex(NEXT_IPA)}`,
  ],
  glossary: ['Mica policy / policy', 'Group token', 'RMI', 'Granule', 'Flow ledger / ledger'],
  specRefs: [
    { source: 'mica-spec.md', section: '§3.4', title: 'Protected shared memory' },
    { source: 'mica-spec.md', section: '§6', title: 'Attacks 5 and 6' },
    { source: 'mica-spec.md', section: '§4.5', title: 'Verifier procedure' },
  ],
  explain,
};
