/**
 * Lesson 08-sandbox/01: the free sandbox (issue 13 "A free sandbox with every scenario
 * available"). It starts from an empty Mica machine and offers every shipped scenario file
 * (scenarios/*.json, the Pipeline view's Scenario menu, loaded by the same loader as `mica-lab
 * run`); running one replaces the machine with the file's run and the lesson stays open
 * (`sandbox: true`). The learner may also build anything in the terminals. One goal, "explore":
 * done when the machine has judged a run, that is, labelled tenant data moved since the start
 * or the host kept a group token, and the judge (mica-spec.md §1.3) and the tenant's verifier
 * (§4.5) reached a verdict, which the goal names (judged-run.ts: leaked / verifier rejects /
 * blocked by a clause / no leak).
 */
import { eventsOf } from '../ledger-queries.ts';
import { judgeView } from '../judged-run.ts';
import {
  STAGE_LINES,
  VIDEO_LINES,
  WIRE_LINES,
  deployLines,
  terminalSetup,
} from '../fixtures/policy-pipeline.ts';
import type { GoalResult, GoalView, Lesson } from '../schema.ts';

/** The verdict words the goal uses (the progress file's, in a sentence). */
const SAID: Readonly<Record<string, string>> = {
  leaked: 'leaked',
  rejected: 'the verifier rejects',
  blocked: 'blocked by',
  'no-leak': 'no leak',
};

/** Goal: a run was judged since the start (see the file header). */
function explored(view: GoalView): GoalResult {
  const moved = eventsOf(view.ledger, 'flow').some((e) => e.labels.length > 0);
  const attested = (view.machine.state.host?.groupTokens ?? []).length > 0;
  if (!moved && !attested)
    return {
      done: false,
      detail:
        'no tenant data has moved since the start: run a scenario file (Pipeline tab, Scenario menu, Run) or send some through realms you built',
    };
  const j = judgeView(view);
  const by = j.by ? ` ${j.by}` : '';
  const who = j.stage === '-' ? '' : ` (${j.stage})`;
  return { done: true, detail: `judged: ${SAID[j.verdict]}${by}${who}: ${j.detail}` };
}

const body = `
## Every scenario, nothing to pass

This is the lab with nothing asked of you. Everything the course built is here:

- **Every shipped scenario file** (the \`scenarios/\` folder: honest runs of the video and LLM
  pipelines, attacks by a stage, attacks by the host, prototype gaps) is in the **Pipeline**
  tab's **Scenario** menu. Pick one, press **Run**: the file's machine, in its own mode,
  replaces this one, the judge and the verifier decide, and this lesson stays open. Its
  realms are the file's, and each gets a terminal tab, as a realm you build does: in a video
  pipeline, \`mem read 0x100000 32\` in **storage#** shows what storage kept, with its labels.
- **The terminals**: build realms, wire objects, upload each realm's policy (the **Policy**
  tab), send the tenant's data and try to steal it, as in parts 03 to 07.

Whatever ran, the **Data** view shows where the bytes with the tenant's provenance label are and
what the host obtained, the **Ledger** every flow with the clause that decided, and **Chain**
the group token's verdict. Time travel (the bar above) steps through any run.

## The one goal

Run something the machine can judge: any scenario file, or your own pipeline once tenant data
moves. The goal names the verdict (leaked, the verifier rejects, blocked by a clause, or no
leak), exactly as your progress file records a judged run.
`;

/** The lesson. */
export const EVERY_SCENARIO: Lesson = {
  status: 'ready',
  id: '08-sandbox/01-every-scenario',
  part: '08-sandbox',
  title: 'Sandbox: every scenario, and the machine as judge',
  summary:
    'An empty machine with every shipped scenario one click away and every terminal open; explore, and let the machine judge each run.',
  objectives: [
    'Run any shipped scenario or your own pipeline and read the judge’s verdict (mica-spec §1.3).',
    'Relate a verdict to the clause or verifier check that decided it (§2.7, §4.5).',
  ],
  body,
  mode: 'mica',
  commands: {},
  sandbox: true,
  setup: terminalSetup([]),
  goals: [
    {
      id: 'explore',
      title: 'Run a scenario (a shipped file or your own) and let the machine judge it.',
      check: explored,
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: 'The Pipeline tab’s Scenario menu lists every file of `scenarios/`; pick any and press Run.',
    },
    {
      tier: 'stronger',
      text: 'In the terminals, a run needs tenant data moving: `tenant send gateway "..."` and `@gateway net recv 0x1000` after building a gateway with `--net`.',
    },
    {
      tier: 'near-solution',
      text: 'Build the four stages, wire Mem1-Mem3, `policy upload video-moderation` in each, then send a frame and copy it down the pipeline (the solution’s lines).',
    },
  ],
  solution: [...STAGE_LINES, ...WIRE_LINES, ...deployLines('video-moderation'), ...VIDEO_LINES],
  glossary: ['Scenario file', 'Flow ledger / ledger', 'Provenance label', 'Mica policy / policy'],
  explain: `
A judged run is the machine's word, not the script's: the judge read where the labelled bytes
ended up (a leak is labelled bytes in a place the host can read, mica-spec.md §1.3), the
ledger named the clause behind every refusal (the transition table of §2.7, the windows of
§3.4), and where the host kept a group token the tenant's verifier gave its verdict (§4.5).
Every shipped scenario file also says which verdict it expects; \`mica-lab run\` checks that in
CI.
`,
  specRefs: [
    { source: 'mica-spec.md', section: '§1.3', title: 'What counts as a leak' },
    { source: 'mica-spec.md', section: '§2.7', title: 'The transition table' },
    { source: 'mica-spec.md', section: '§4.5', title: 'Verifier procedure' },
    { source: 'mica-spec.md', section: '§5', title: 'Example workflows' },
  ],
};
