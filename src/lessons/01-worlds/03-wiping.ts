/**
 * Lesson 01-worlds/03: why every path through DELEGATED wipes the granule. The learner puts a
 * secret into a DRAM granule of their choice, delegates it, undelegates it and reads it
 * back: zeroes. Any granule works; the goals find it in the ledger.
 *
 * How the goals know the read returned zeroes without the ledger recording bytes: the
 * ledger shows both transitions with `wiped: true`, and no allowed write (by anyone) to the
 * granule between the undelegate and the read. Memory changes only through logged writes
 * and wipes, so the read saw the wiped, all-zero granule.
 * Spec: DEN0137 A2.2.3, B4.3.5-6; cca-spec.md §3.1 ("every path through DELEGATED wipes");
 * mica-spec.md §6 attack 10 (leftovers after teardown).
 */
import { abi, type LedgerEventOf } from '../../emulator/index.ts';
import type { GoalView, Lesson } from '../schema.ts';
import {
  eventsOf,
  granuleOfPa,
  isDelegable,
  touchesGranule,
  bytesWord,
} from '../ledger-queries.ts';
import { hex } from '../../lib/hex.ts';

/** How far one candidate granule got through the write -> delegate -> undelegate -> read story. */
interface WipeStory {
  readonly granule: number;
  /** 1 written, 2 delegated (wiped), 3 undelegated (wiped), 4 read back after the undelegate. */
  readonly stage: 1 | 2 | 3 | 4;
  readonly write: { readonly pa: number; readonly len: number };
  readonly readPa?: number;
}

/**
 * Follows every allowed host write into delegable memory through the ledger and returns the
 * candidate that got furthest (the earliest on a tie), or undefined when there is none.
 */
function bestStory(view: GoalView): WipeStory | undefined {
  const accesses = eventsOf(view.ledger, 'mem:access');
  const transitions = eventsOf(view.ledger, 'granule:transition');
  let best: WipeStory | undefined;
  for (const w of accesses) {
    if (w.actor !== 'host' || w.op !== 'write' || w.decision.verdict !== 'allowed') continue;
    if (!isDelegable(view.machine, w.pa)) continue;
    const granule = granuleOfPa(w.pa);
    const story = followStory(accesses, transitions, w, granule);
    if (!best || story.stage > best.stage) best = story;
  }
  return best;
}

function followStory(
  accesses: readonly LedgerEventOf<'mem:access'>[],
  transitions: readonly LedgerEventOf<'granule:transition'>[],
  w: { seq: number; pa: number; len: number },
  granule: number,
): WipeStory {
  const write = { pa: w.pa, len: w.len };
  const give = transitions.find(
    (t) => t.seq > w.seq && t.pa === granule && t.to === 'DELEGATED' && t.wiped,
  );
  if (!give) return { granule, stage: 1, write };
  const back = transitions.find(
    (t) => t.seq > give.seq && t.pa === granule && t.from === 'DELEGATED' && t.wiped,
  );
  if (!back || back.to !== 'UNDELEGATED') return { granule, stage: 2, write };
  // The secret's bytes inside this granule: the read must look at (some of) them.
  const from = Math.max(w.pa, granule);
  const to = Math.min(w.pa + w.len, granule + abi.GRANULE_SIZE);
  for (const r of accesses) {
    if (r.seq <= back.seq || r.op !== 'read' || r.actor !== 'host') continue;
    if (r.decision.verdict !== 'allowed' || !(r.pa < to && r.pa + r.len > from)) continue;
    const rewritten = accesses.some(
      (x) =>
        x.seq > back.seq &&
        x.seq < r.seq &&
        x.op === 'write' &&
        x.decision.verdict === 'allowed' &&
        touchesGranule(x.pa, x.len, granule),
    );
    if (!rewritten) return { granule, stage: 4, write, readPa: r.pa };
  }
  return { granule, stage: 3, write };
}

const body = `
## A granule changes hands, its contents do not

Delegation moves a granule from the host to the RMM; undelegation moves it back; later, the
RMM hands delegated granules to realms as data, translation tables or descriptors. Every one
of these hand-overs passes through the \`DELEGATED\` state, and the RMM **wipes the granule
every time it enters or leaves \`DELEGATED\`**.

Why both directions?

* **Leaving** \`DELEGATED\` towards the host: a realm's granule is torn down (its data
  destroyed back to \`DELEGATED\`), then undelegated. Without the wipe, the host would read the
  realm's secrets in the clear the moment the GPI flips back to \`NS\`. This is the
  "leftovers after teardown" attack, and the wipe is what stops it.
* **Entering** \`DELEGATED\` from the host: the host could pre-seed a page (a fake key, a
  crafted page table) and hope a realm trusts what it finds. A realm's memory must start from
  a state the host did not choose; measured content is copied in by the RMM afterwards.

## Your turn

Play both ends yourself with the host's own data:

1. write a "secret" into any DRAM granule (\`write <pa> "..."\`) and read it back,
2. delegate that granule, then undelegate it,
3. read the same bytes again.

The ledger shows each transition with *wiped*. The goals follow your granule through the
ledger; any DRAM granule will do.
`;

/** The lesson. */
export const WIPING: Lesson = {
  status: 'ready',
  id: '01-worlds/03-wiping',
  part: '01-worlds',
  title: 'Why wiping matters: what is left after a round trip',
  summary:
    'Write a secret, delegate and undelegate the granule, read it back: the RMM wiped it both ways.',
  objectives: [
    'State the rule: every path into or out of DELEGATED wipes the granule.',
    'Explain which attack each direction of the wipe prevents.',
    'Use the ledger to follow one granule through its transitions.',
  ],
  body,
  mode: 'cca',
  commands: { allowed: ['gpt', 'read', 'write', 'delegate', 'undelegate'] },
  setup: () => {},
  goals: [
    {
      id: 'secret-written',
      title: 'Write a secret into a DRAM granule as the host.',
      check(view) {
        const story = bestStory(view);
        return story
          ? {
              done: true,
              detail: `the host wrote ${bytesWord(story.write.len)} at ${hex(story.write.pa)}`,
            }
          : { done: false, detail: 'no host write into DRAM yet' };
      },
    },
    {
      id: 'round-trip',
      title: 'Delegate that granule, then undelegate it.',
      check(view) {
        const story = bestStory(view);
        if (!story) return { done: false, detail: 'write the secret first' };
        const g = hex(story.granule);
        if (story.stage === 1) return { done: false, detail: `${g} has not been delegated since` };
        if (story.stage === 2) {
          return { done: false, detail: `${g} is delegated (and wiped); now undelegate it` };
        }
        return { done: true, detail: `${g} went to DELEGATED and back, wiped both times` };
      },
    },
    {
      id: 'zeroes-read',
      title: 'Read the secret’s bytes back after the undelegate: only zeroes remain.',
      check(view) {
        const story = bestStory(view);
        if (!story || story.stage < 3) {
          return { done: false, detail: 'finish the round trip first' };
        }
        if (story.stage === 3) {
          return {
            done: false,
            detail: `read ${hex(story.write.pa)} again (without writing to it first)`,
          };
        }
        return {
          done: true,
          detail: `the read at ${hex(story.readPa ?? story.granule)} returned the wiped granule: zeroes`,
        };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: 'Quoted text is written as UTF-8: `write 0x80020000 "my secret"`.',
    },
    {
      tier: 'stronger',
      text: 'Use the same address for `delegate` and `undelegate`, then `read` it: watch the ledger entries marked *wiped*.',
    },
    {
      tier: 'near-solution',
      text: '`write 0x80020000 "my secret"`, `read 0x80020000 16`, `delegate 0x80020000`, `undelegate 0x80020000`, `read 0x80020000 16`.',
    },
  ],
  solution: [
    'write 0x80020000 "my secret"',
    'read 0x80020000 16',
    'delegate 0x80020000',
    'undelegate 0x80020000',
    'read 0x80020000 16',
  ],
  glossary: ['Delegate / undelegate', 'Granule', 'Flow ledger / ledger'],
  specRefs: [
    { source: 'DEN0137', section: 'A2.2.3', title: 'Granule lifecycle' },
    { source: 'DEN0137', section: 'B4.3.6', title: 'RMI_GRANULE_UNDELEGATE' },
    { source: 'cca-spec.md', section: '§3.1', title: 'Every path through DELEGATED wipes' },
    { source: 'mica-spec.md', section: '§6', title: 'Attack 10: leftovers after teardown' },
  ],
};
