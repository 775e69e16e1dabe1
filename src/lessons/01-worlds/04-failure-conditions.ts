/**
 * Lesson 01-worlds/04: the failure conditions of RMI_GRANULE_DELEGATE / UNDELEGATE. The
 * learner provokes refusals on purpose and reads the spec label of each one. Goals read the
 * `failure.label` of `smc:return` events, so it does not matter whether the learner used
 * `delegate`, `rmi GRANULE_DELEGATE` or a raw `smc`.
 * Spec: DEN0137 B4.3.5.2, B4.3.6.2 (failure conditions); cca-spec.md §2.3.
 */
import type { Lesson } from '../schema.ts';
import { listWords, refusals } from '../ledger-queries.ts';

const DELEGATE = 'RMI_GRANULE_DELEGATE';
const UNDELEGATE = 'RMI_GRANULE_UNDELEGATE';
/** How many distinct labels the lesson asks for. */
const WANTED_LABELS = 3;

const body = `
## When the RMM says no

Every RMI command lists its **failure conditions** in the specification, each with a short
label, the status it returns and, for some, an index. The RMM evaluates them before doing
anything; if one fires, the command returns that status and *nothing changes*: no GPT
update, no state transition, no wipe.

For the two granule commands (DEN0137 B4.3.5-6) the conditions are:

| Label | Fires when | Status |
|---|---|---|
| \`gran_align\` | \`addr\` is not aligned to 4 KiB | \`RMI_ERROR_INPUT\` |
| \`gran_bound\` | \`addr\` is not in memory the platform lets the host delegate | \`RMI_ERROR_INPUT\` |
| \`gran_state\` | delegate: the granule is not \`UNDELEGATED\`; undelegate: it is not \`DELEGATED\` | \`RMI_ERROR_INPUT\` |
| \`gran_gpt\` | delegate only: the GPT entry is not \`NS\` | \`RMI_ERROR_INPUT\` |

The spec gives no order between them (all four return the same status), so an address that
breaks two rules may be reported under either label; this lab checks them in listing order.

\`gran_gpt\` guards the case where EL3's table and the RMM's records disagree, for example
a Secure granule inside delegable memory on a platform that carves Secure memory out of
DRAM. On this board delegable DRAM is always \`NS\` while \`UNDELEGATED\`, and Secure RAM is
outside it (so it fails \`gran_bound\` first): you cannot provoke \`gran_gpt\` from the host here.

## Your turn

Make the RMM refuse at least **${WANTED_LABELS} different failure labels**, using both
commands. The output names the label and the reason; the ledger keeps them.
`;

/** The lesson. */
export const FAILURE_CONDITIONS: Lesson = {
  status: 'ready',
  id: '01-worlds/04-failure-conditions',
  part: '01-worlds',
  title: 'When the RMM says no: failure conditions',
  summary:
    'Provoke three different refusals of RMI_GRANULE_DELEGATE / UNDELEGATE and read their spec labels.',
  objectives: [
    'Read an RMI failure: status, index and the failure condition’s label.',
    'Name the failure conditions of the granule commands and what each protects.',
    'Explain why a refused command leaves the machine unchanged.',
  ],
  body,
  mode: 'cca',
  commands: {},
  setup: () => {},
  goals: [
    {
      id: 'three-labels',
      title: `Provoke ${WANTED_LABELS} different failure labels of the granule commands.`,
      check({ ledger }) {
        const labels = [
          ...new Set(refusals(ledger, [DELEGATE, UNDELEGATE]).map((e) => e.failure.label)),
        ];
        const seen = labels.length > 0 ? `seen: ${listWords(labels)}` : 'no refusal yet';
        return {
          done: labels.length >= WANTED_LABELS,
          detail: `${labels.length} of ${WANTED_LABELS} labels (${seen})`,
        };
      },
    },
    {
      id: 'both-commands',
      title: 'Get a refusal from both RMI_GRANULE_DELEGATE and RMI_GRANULE_UNDELEGATE.',
      check({ ledger }) {
        const failed = (name: string) => refusals(ledger, [name])[0]?.failure.label;
        const d = failed(DELEGATE);
        const u = failed(UNDELEGATE);
        const part = (name: string, label: string | undefined) =>
          label ? `${name} refused (${label})` : `${name} not refused yet`;
        return {
          done: d !== undefined && u !== undefined,
          detail: `${part('delegate', d)}; ${part('undelegate', u)}`,
        };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: 'Each row of the table is a rule you can break on purpose. Which address is not a granule boundary?',
    },
    {
      tier: 'stronger',
      text: 'Try an unaligned address, an address outside DRAM (see `gpt`), and undelegating a granule you never delegated.',
    },
    {
      tier: 'near-solution',
      text: '`delegate 0x80000001` (gran_align), `delegate 0x6000000` (gran_bound), `undelegate 0x80000000` (gran_state).',
    },
  ],
  solution: ['delegate 0x80000001', 'delegate 0x6000000', 'undelegate 0x80000000'],
  glossary: ['Failure condition', 'RMI', 'Delegate / undelegate'],
  specRefs: [
    { source: 'DEN0137', section: 'B4.3.5.2', title: 'RMI_GRANULE_DELEGATE failure conditions' },
    { source: 'DEN0137', section: 'B4.3.6.2', title: 'RMI_GRANULE_UNDELEGATE failure conditions' },
    { source: 'cca-spec.md', section: '§2.3', title: 'Per-command failure conditions' },
  ],
};
