/**
 * Challenge 05-attacks/06: attack 10 of mica-spec.md §6 in Mica mode, the learner as the
 * host. The frame sits in Mem1; the host tears both ends of Mem1 down (`realm destroy`) and
 * looks for the frame in the pages it gets back. Goals read the machine state (the ends are
 * gone from the RMM), the host's reads of a former Mem1 page after the teardown, the monitor's
 * CLEAN decisions, and the judge (no `video` in a host-visible place).
 * Spec: mica-spec.md §3.7 (removal and CLEAN), §6 row 10; cca-spec.md §3.1 (granule states:
 * undelegate wipes).
 */
import type { GoalView, Lesson } from '../schema.ts';
import { eventsOf, granuleOfPa, hostAccesses } from '../ledger-queries.ts';
import { hex } from '../../lib/hex.ts';
import {
  MEM1_VIDEO,
  STAGE_CHALLENGE_LINES,
  leakSummary,
  terminalSetup,
  videoLeaks,
} from '../fixtures/video-pipeline.ts';

/** Mem1's page 0 in this start state (`mica status` prints it; the catalogue test replays it). */
const MEM1_PAGE0 = 0x8404f000;
const OBJECT = 'Mem1';

/** The pages of Mem1 and whether every realm the host wired to it is gone from the RMM. */
function mem1({ machine }: GoalView): { pages: Set<number>; ends: string[]; gone: boolean } {
  const obj = machine.state.host?.sharedObjects?.[OBJECT];
  const pages = new Set(Object.values(obj?.pages ?? {}));
  const ends = [...new Set((obj?.ends ?? []).map((e) => e.realm))];
  const realms = machine.state.host?.realms ?? {};
  const gone =
    ends.length > 0 &&
    ends.every((name) => {
      const h = Object.values(realms).find((r) => r.name === name);
      return h !== undefined && machine.state.rmm.realms[hex(h.rd)] === undefined;
    });
  return { pages, ends, gone };
}

/** The first host read (allowed or faulted) of a Mem1 page after the last end went. */
function lookedAt(view: GoalView): { pa: number; allowed: boolean } | undefined {
  const { pages, gone } = mem1(view);
  if (!gone) return undefined;
  const destroyed = eventsOf(view.ledger, 'smc:return').filter(
    (e) => e.name === 'RMI_REALM_DESTROY' && e.status === 'RMI_SUCCESS',
  );
  const after = destroyed.at(-1)?.seq ?? 0;
  const read = hostAccesses(view.ledger, 'read', 'allowed').find(
    (r) => r.seq > after && pages.has(granuleOfPa(r.pa)),
  );
  if (read) return { pa: granuleOfPa(read.pa), allowed: true };
  const fault = eventsOf(view.ledger, 'gpf').find(
    (f) => f.seq > after && f.actor === 'host' && pages.has(granuleOfPa(f.pa)),
  );
  return fault ? { pa: granuleOfPa(fault.pa), allowed: false } : undefined;
}

const body = `
## Pick through the rubbish

When a pipeline is done, the host tears its realms down and reuses the memory. The frames were
in Mem1's pages a moment ago. What is in them now?

Three things stand between you and the leftovers:

* while a page is **DELEGATED** the GPT keeps the host out (a GPF), as for any realm memory;
* to **undelegate** a granule wipes it before the GPT hands it back to the NS PAS
  (cca-spec.md §3.1), and \`DATA_DESTROY\` wipes private pages;
* **CLEAN** (mica-spec.md §3.7): when a shared page loses its last mapping, the monitor zeroes
  it at once, so no *realm* the host maps it into later finds the old frames either.

## Your turn

You are the host. The frame is in Mem1 (\`${hex(MEM1_VIDEO)}\` in both ends' IPA space).

1. Find Mem1's physical pages (\`mica status\`).
2. Tear down both ends of Mem1: \`realm destroy <name>\` (watch the ledger while you do).
3. Try to read the frame from Mem1's first page. The GPT says no? Give the page back to
   yourself first (\`undelegate <pa>\`).
4. Read the verdict: which mechanisms left nothing for you?
`;

const explain = `
Destroying the encoder removed the last stage-2 mapping of every Mem1 page: the monitor purged
its SGT entries and, the page now mapped by nobody, **CLEAN** zeroed it (the ledger's \`CLEAN\`
decisions, mica-spec.md §3.7). Until you undelegated it the page was still DELEGATED, so your
first read was a GPF; \`RMI_GRANULE_UNDELEGATE\` then wiped it again on its way back to the NS
PAS. For the host the baseline wipes are enough (§6 row 10, "E baseline"); CLEAN matters for the
other route: a new realm the host maps the old pages into with \`RMI_DATA_CREATE_UNKNOWN_SHARED\`,
which does not wipe. In the public prototype CLEAN is missing (\`gap-no-clean\`), and the next
tenant's realm reads the frames (\`mica-lab mica demo 10 --mode both\`).
`;

/** The lesson. */
export const LEFTOVERS: Lesson = {
  status: 'ready',
  id: '05-attacks/06-leftovers',
  part: '05-attacks',
  title: 'Challenge: read the leftovers after teardown',
  summary:
    'As the host, tear down both ends of Mem1 and look for the frame in the pages you get back; the wipes and CLEAN say what is left.',
  objectives: [
    'List the wipes between a torn-down realm and the host (DATA_DESTROY, undelegate, CLEAN).',
    'Explain why CLEAN matters for a shared page even though undelegate wipes (§3.7, §6 row 10).',
  ],
  body,
  mode: 'mica',
  commands: {},
  setup: terminalSetup('mica', STAGE_CHALLENGE_LINES),
  goals: [
    {
      id: 'teardown',
      title: 'Tear down every realm that maps Mem1.',
      check(view) {
        const { ends, gone } = mem1(view);
        return gone
          ? { done: true, detail: `${ends.join(' and ')} are gone from the RMM` }
          : { done: false, detail: `still alive among Mem1's ends: ${ends.join(', ')}` };
      },
    },
    {
      id: 'attempt',
      title: 'Then, as the host, read a page that was Mem1’s.',
      check(view) {
        const seen = lookedAt(view);
        if (!seen)
          return { done: false, detail: 'no host read of a former Mem1 page after the teardown' };
        return seen.allowed
          ? { done: true, detail: `the host read ${hex(seen.pa)}` }
          : {
              done: false,
              detail: `${hex(seen.pa)} is still DELEGATED: the GPT stopped the read (give it back first)`,
            };
      },
    },
    {
      id: 'verdict',
      title: 'The judge’s verdict: nothing of the video reached you; name what wiped the page.',
      check(view) {
        const seen = lookedAt(view);
        if (!seen?.allowed) return { done: false, detail: 'read a former Mem1 page first' };
        if (videoLeaks(view.ledger).length > 0)
          return { done: false, detail: leakSummary(view.machine, view.ledger) };
        const clean = eventsOf(view.ledger, 'flow').find(
          (f) => f.decision.rule === 'CLEAN' && f.decision.reason.includes(hex(seen.pa)),
        );
        const wiped = eventsOf(view.ledger, 'granule:transition').some(
          (t) => t.pa === seen.pa && t.wiped && t.to === 'UNDELEGATED',
        );
        const why = [
          clean ? `CLEAN zeroed it when its last mapping went` : '',
          wiped ? 'RMI_GRANULE_UNDELEGATE wiped it again' : '',
        ].filter(Boolean);
        return {
          done: true,
          detail: `not leaked: ${why.join('; ') || 'the page held no labelled bytes'}`,
        };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: '`help realm` shows how the host tears a realm down; `mica status` lists each object’s ends and its first page.',
    },
    {
      tier: 'stronger',
      text: `Mem1 joins gateway and encoder; its page 0 is \`${hex(MEM1_PAGE0)}\`. After both are destroyed that page is DELEGATED: \`undelegate\` it, then \`read\` it.`,
    },
    {
      tier: 'near-solution',
      text: `\`realm destroy gateway\`, \`realm destroy encoder\`, \`undelegate ${hex(MEM1_PAGE0)}\`, \`read ${hex(MEM1_PAGE0 + 0x20)} 50\`.`,
    },
  ],
  solution: [
    'mica status',
    'realm destroy gateway',
    'realm destroy encoder',
    `read ${hex(MEM1_PAGE0 + 0x20)} 50`,
    `undelegate ${hex(MEM1_PAGE0)}`,
    `read ${hex(MEM1_PAGE0 + 0x20)} 50`,
  ],
  glossary: ['Granule', 'Delegate / undelegate', 'GPC / GPF', 'Flow ledger / ledger'],
  specRefs: [
    { source: 'mica-spec.md', section: '§3.7', title: 'Removal and CLEAN' },
    { source: 'mica-spec.md', section: '§6', title: 'Attack 10' },
    { source: 'cca-spec.md', section: '§3.1', title: 'Granule states' },
  ],
  explain,
};
