/**
 * Lesson 01-worlds/02: RMI_GRANULE_DELEGATE. The host reads a page of its own DRAM, hands
 * the granule to the RMM, and reads it again: the same instruction at the same address now
 * faults, because EL3 flipped the granule's GPI from NS to REALM. Goals read the granule's
 * state and GPI from the machine and the host's reads from the ledger.
 * Spec: DEN0137 B4.3.5 (RMI_GRANULE_DELEGATE), A2.2.3 (granule lifecycle); cca-spec.md §1.3, §3.1.
 */
import { utf8 } from '../../lib/bytes.ts';
import type { GoalView, Lesson } from '../schema.ts';
import { eventsOf, hostAccesses, touchesGranule, bytesWord } from '../ledger-queries.ts';
import { hex } from '../../lib/hex.ts';

/** The granule this lesson is about. */
export const DELEGATION_TARGET = 0x8001_0000;

/** What the setup leaves in the target granule, so the first read shows something. */
export const DELEGATION_TARGET_TEXT = 'host page: VM boot log';

const target = hex(DELEGATION_TARGET);

/** The sequence number of the last transition of the target into DELEGATED, if any. */
function lastDelegation({ ledger }: GoalView): number | undefined {
  const moves = eventsOf(ledger, 'granule:transition').filter(
    (e) => e.pa === DELEGATION_TARGET && e.to === 'DELEGATED' && e.from === 'UNDELEGATED',
  );
  return moves[moves.length - 1]?.seq;
}

const body = `
## Giving memory to the realm world

A realm's memory is ordinary DRAM that the host gives away. The host cannot simply change the
GPT (only EL3 may), so it asks the **RMM** with an RMI command (an SMC),
\`RMI_GRANULE_DELEGATE(addr)\`:

1. The RMM checks the request (is \`addr\` a granule of delegable memory, is it currently
   \`UNDELEGATED\`, does the GPT say \`NS\`?).
2. It asks EL3 through the **GTSI** (\`RMM_GTSI_DELEGATE\`) to change the granule's GPI from
   \`NS\` to \`REALM\`.
3. It records the granule as \`DELEGATED\`: owned by the RMM, free, and wiped.

From then on the granule is in the Realm PAS. The host still knows its address (it chose
it) and still manages it (it can later ask for it back or use it to build a realm), but every
host access to it faults (a GPF). A \`DELEGATED\` granule is raw material: later lessons turn such
granules into a Realm Descriptor, translation tables, RECs and realm data.

## Your turn

The setup wrote a short text into the granule at \`${target}\`. Read it as the host, delegate
the granule, and read it again. Then look at \`gpt ${target} 1\`: the GPI column and the RMM
state column changed together, and the ledger shows who changed what (the RMM asked, EL3
wrote the GPT).
`;

/** The lesson. */
export const GRANULE_DELEGATION: Lesson = {
  status: 'ready',
  id: '01-worlds/02-granule-delegation',
  part: '01-worlds',
  title: 'Granule delegation: giving memory to the realm world',
  summary: `Delegate the granule at ${target} and watch the host lose access to its own page.`,
  objectives: [
    'Explain what RMI_GRANULE_DELEGATE does and who changes the GPT (EL3, at the RMM’s request).',
    'Read a granule’s GPI and RMM state with `gpt` and relate them.',
    'Explain why the host can no longer read a delegated granule.',
  ],
  body,
  mode: 'cca',
  commands: { allowed: ['gpt', 'read', 'write', 'delegate'] },
  setup(machine) {
    machine.write(DELEGATION_TARGET, utf8(DELEGATION_TARGET_TEXT));
  },
  goals: [
    {
      id: 'read-before',
      title: `Read the granule at ${target} as the host while it is still yours.`,
      check(view) {
        const delegated = lastDelegation(view) ?? Infinity;
        const hit = hostAccesses(view.ledger, 'read', 'allowed').find(
          (e) => e.seq < delegated && touchesGranule(e.pa, e.len, DELEGATION_TARGET),
        );
        return hit
          ? { done: true, detail: `the host read ${bytesWord(hit.len)} at ${hex(hit.pa)}` }
          : {
              done: false,
              detail: `no successful host read of ${target} before it was delegated`,
            };
      },
    },
    {
      id: 'delegated',
      title: `The granule at ${target} is DELEGATED and its GPI is REALM.`,
      check({ machine }) {
        const state = machine.granuleOf(DELEGATION_TARGET).state;
        const gpi = machine.gpiOf(DELEGATION_TARGET);
        return {
          done: state === 'DELEGATED' && gpi === 'REALM',
          detail: `${target} is ${state} with GPI ${gpi}`,
        };
      },
    },
    {
      id: 'host-fault',
      title: `After delegating it, see the host’s read of ${target} fault.`,
      check(view) {
        const delegated = lastDelegation(view);
        if (delegated === undefined) {
          return { done: false, detail: `${target} has not been delegated during this lesson` };
        }
        const hit = eventsOf(view.ledger, 'gpf').find(
          (e) =>
            e.seq > delegated &&
            e.actor === 'host' &&
            e.op === 'read' &&
            touchesGranule(e.pa, 1, DELEGATION_TARGET),
        );
        return hit
          ? { done: true, detail: `GPF at ${hex(hit.pa)}: GPI ${hit.gpi}, host PAS ${hit.pas}` }
          : { done: false, detail: `no host read of ${target} since it was delegated` };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: `Start with \`read ${target}\`: the text is there and the host can see it.`,
    },
    {
      tier: 'stronger',
      text: '`help delegate` explains the command. After it succeeds, repeat the same `read`.',
    },
    {
      tier: 'near-solution',
      text: `\`read ${target} 32\`, \`delegate ${target}\`, \`read ${target} 32\`, then \`gpt ${target} 1\`.`,
    },
  ],
  solution: [`read ${target} 32`, `delegate ${target}`, `read ${target} 32`, `gpt ${target} 1`],
  glossary: ['Delegate / undelegate', 'GTSI', 'RMM', 'RMI', 'GPT / GPI', 'GPC / GPF'],
  specRefs: [
    { source: 'DEN0137', section: 'B4.3.5', title: 'RMI_GRANULE_DELEGATE' },
    { source: 'DEN0137', section: 'A2.2.3', title: 'Granule lifecycle' },
    { source: 'DEN0137', section: 'D1.1', title: 'Granule delegation flows' },
    { source: 'cca-spec.md', section: '§1.3', title: 'EL3 and the GTSI' },
    { source: 'cca-spec.md', section: '§3.1', title: 'Granule state machine' },
  ],
};
