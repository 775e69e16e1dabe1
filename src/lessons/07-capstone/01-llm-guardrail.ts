/**
 * Lesson 07-capstone/01: the guard-railed LLM pipeline `rg_rf_ri` (mica-spec.md §5.2, §5.4,
 * §2.8 C6-C8; §4.3-§4.5 the group token and the verifier). From an empty machine the learner
 * builds the three realms (gateway RG with the user's network device, guardrail filter RF, the
 * model provider's inference RI), wires the two 8 KiB RW mailboxes, uploads the locked-down
 * files, sends a prompt through the filter to the model and the answer back, takes a group token
 * in RG and has the tenant verify it. Goals read the monitor's accepted policies, the flow
 * ledger (the provenance judge) and the tenant's verdict recomputed on every group token the
 * host kept (`tenantVerdict`), never what was typed.
 */
import type { HostGroupToken, MachineState } from '../../emulator/index.ts';
import {
  LLM_GUARDRAIL_LOCKED,
  acceptedPolicies,
  checkAgreement,
  judgeFlow,
  micaAbi,
  realmNamer,
  type GroupVerdict,
} from '../../policy/index.ts';
import { hex } from '../../lib/hex.ts';
import { tenantVerdict } from '../../shell/index.ts';
import { eventsOf } from '../ledger-queries.ts';
import type { GoalResult, GoalView, Lesson } from '../schema.ts';

/** The realms, named like the example's (RG, RF, RI), in upload order. */
const REALMS = ['rg', 'rf', 'ri'] as const;
/** Where the prompt and the answer sit in a mailbox window. */
const PROMPT_AT = 0x20;
const ANSWER_AT = 0x40;
/** Bytes each hop copies: the whole prompt ("what is 2+2") with room to spare. */
const HOP = 16;
/** IPA `offset` bytes into protected BAR `bar` (§3.4 step 1), as typed. */
function mailbox(bar: number, offset: number): string {
  return hex(micaAbi.IVSHMEM_BAR_BASE + bar * micaAbi.IVSHMEM_BAR_STRIDE + offset);
}
const MB0_PROMPT = mailbox(0, PROMPT_AT);
const MB0_ANSWER = mailbox(0, ANSWER_AT);
const MB1_PROMPT = mailbox(1, PROMPT_AT);
const MB1_ANSWER = mailbox(1, ANSWER_AT);

const cache = new Map<string, GroupVerdict | null>();

/** The tenant's verdict on `kept` expecting the locked-down files (cached per token and RIMs). */
function verdictOf(state: Readonly<MachineState>, kept: Readonly<HostGroupToken>) {
  const rims = REALMS.map((r) => {
    const h = state.host?.realms[r];
    return h ? state.rmm.realms[hex(h.rd)]?.rim : '-';
  }).join(',');
  const key = `${kept.challenge}|${kept.token.slice(-128)}|${kept.blobs.join('').length}|${rims}`;
  let v = cache.get(key);
  if (v === undefined) {
    v = tenantVerdict(state, kept, LLM_GUARDRAIL_LOCKED)?.verdict ?? null;
    if (cache.size >= 64) cache.clear();
    cache.set(key, v);
  }
  return v;
}

function accepted({ machine }: GoalView): GoalResult {
  const set = acceptedPolicies(machine.state).filter((a) =>
    (REALMS as readonly string[]).includes(a.name),
  );
  const missing = REALMS.filter((r) => !set.some((a) => a.name === r));
  if (missing.length > 0)
    return { done: false, detail: `no accepted policy yet for ${missing.join(', ')}` };
  const agreement = checkAgreement(set);
  return agreement.ok
    ? { done: true, detail: 'rg, rf and ri hold accepted policies that agree (§2.5)' }
    : { done: false, detail: 'the accepted policies disagree' };
}

/**
 * The prompt went rg → rf → ri and the answer came back ri → rf → rg, each hop a labelled write
 * into a mailbox in that order, the last rg's read of the answer out of Mem1 (it had ticked
 * when rf wrote the answer back, before rg took it), and the judge found no leak on the way.
 */
function roundTrip(view: GoalView): GoalResult {
  const nameOf = realmNamer(view.machine.state);
  const flows = eventsOf(view.ledger, 'flow');
  const leak = flows.map((e) => judgeFlow(e, nameOf)).find((j) => j.outcome === 'leak');
  if (leak) return { done: false, detail: leak.text };
  const hops: [string, string][] = [
    ['rg', 'Mem1'],
    ['rf', 'Mem2'],
    ['ri', 'Mem2'],
    ['rf', 'Mem1'],
  ];
  let at = -1;
  for (const [realm, object] of hops) {
    const hit = flows.find(
      (e) =>
        e.seq > at &&
        e.channel === 'shared-memory' &&
        e.decision.verdict === 'allowed' &&
        e.labels.includes('prompt') &&
        nameOf(e.source.name) === realm &&
        e.destination.name === object,
    );
    if (!hit)
      return { done: false, detail: `no prompt-labelled write by ${realm} into ${object} yet` };
    at = hit.seq;
  }
  const back = flows.find(
    (e) =>
      e.seq > at &&
      e.channel === 'shared-memory' &&
      e.decision.verdict === 'allowed' &&
      e.labels.includes('prompt') &&
      e.source.name === 'Mem1' &&
      nameOf(e.destination.name) === 'rg',
  );
  if (!back)
    return { done: false, detail: 'rf wrote the answer into Mem1; rg has not read it yet' };
  return {
    done: true,
    detail: 'prompt rg → rf → ri, answer ri → rf → rg, every hop through the filter; no leak',
  };
}

function verified({ machine }: GoalView): GoalResult {
  const kept = machine.state.host?.groupTokens ?? [];
  const results = kept.map((k) => verdictOf(machine.state, k));
  const ok = results.find((v) => v?.kind === 'verified');
  if (ok) return { done: true, detail: `verified: ${ok.reason}` };
  const last = results.at(-1);
  return {
    done: false,
    detail: last
      ? `the last group token is ${last.verdict.text}`
      : kept.length > 0
        ? 'the tenant has no reference values yet: it expects realms rg, rf and ri'
        : 'the host holds no group token yet (attest group, in a realm terminal)',
  };
}

const body = `
## The capstone: a guard-railed model

A user sends a **prompt** to a model run by a provider nobody trusts with it (mica-spec.md
§5.2). Three realms: **RG**, the gateway that takes the prompt from the network and returns
the answer; **RF**, the guardrail filter, the **sanitiser**; **RI**, the model provider's
inference. RG and RF share an 8 KiB RW mailbox (Mem1), RF and RI another (Mem2). The shipped
files (C6-C8) make every realm a gateway, so the model could talk to the host directly; the
§5.4 **locked-down** policy files (\`llm-guardrail-locked\`) make RF and RI strict non-gateways with
their exits BLOCKed: the only way from the model to the outside is RI → RF → RG.

## Your turn

Everything you need has been in the course; nothing is built yet.

1. Build \`rg\` (with a network device: \`--net\`), \`rf\` and \`ri\`; wire Mem1 (\`rg:0 rf:0\`) and
   Mem2 (\`rf:1 ri:0\`), each \`--size 0x2000\`; upload \`llm-guardrail-locked\` in rg, rf, ri
   in that order (or write the files in the Policy tab): each upload must be in agreement with
   the files its neighbours uploaded before it. Give each realm its options the
   first time: they are measured into its RIM, so a realm rebuilt with others (rg without
   \`--net\`, then with it) is another realm to every file that names its label.
2. The user's prompt, which gets the provenance label \`prompt\` as it arrives:
   \`tenant send rg "what is 2+2" --as prompt\`, \`@rg net recv 0x1000\`.
3. Pass it on through the mailboxes (prompt at +0x20, answer at +0x40 of each window, ${HOP}
   bytes a hop): rg writes Mem1 (\`${MB0_PROMPT}\`), rf copies it to Mem2 (its BAR1
   \`${MB1_PROMPT}\`), ri answers into Mem2 (\`${MB0_ANSWER}\`; this model repeats the question),
   rf copies the answer back to Mem1, rg reads it. The Data view shows the four texts.
4. Prove it with a group token: \`@rg attest group random\`, then
   \`mica verify last llm-guardrail-locked\`.
`;

/** The lesson. */
export const LLM_CAPSTONE: Lesson = {
  status: 'ready',
  id: '07-capstone/01-llm-guardrail',
  part: '07-capstone',
  title: 'Capstone: the guard-railed LLM pipeline',
  summary:
    'Build rg_rf_ri from nothing, move a prompt through the filter to the model and back, and hand the tenant a group token its verifier accepts.',
  objectives: [
    'Build, wire and declare a three-realm pipeline whose only route out passes the sanitiser (§5.2, §5.4).',
    'Show with a group token and the verifier’s graph that the model cannot reach the user except through the filter (§4.3-§4.5).',
  ],
  body,
  mode: 'mica',
  commands: {},
  setup: () => undefined,
  goals: [
    {
      id: 'accepted',
      title: 'rg, rf and ri hold accepted policies that agree.',
      check: accepted,
    },
    {
      id: 'round-trip',
      title:
        'The prompt reaches the model through the filter and the answer comes back, with no leak.',
      check: roundTrip,
    },
    {
      id: 'verified',
      title: 'Hand the host a group token the tenant’s verifier accepts (llm-guardrail-locked).',
      check: verified,
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: 'The same steps as the video pipeline: `realm create`, `mica share`, `policy upload` in order, then the data, then `attest group` in the gateway.',
    },
    {
      tier: 'stronger',
      text: '`mica share Mem1 rg:0 rf:0 --size 0x2000`, `mica share Mem2 rf:1 ri:0 --size 0x2000`; RF reads the prompt at its BAR0 `0x18000000020` and writes Mem2 at its BAR1 `0x18004000020`.',
    },
    {
      tier: 'near-solution',
      text: `\`@rg copy 0x1000 ${MB0_PROMPT} ${HOP}\`, \`@rf copy ${MB0_PROMPT} ${MB1_PROMPT} ${HOP}\`, \`@ri copy ${MB0_PROMPT} ${MB0_ANSWER} ${HOP}\`, \`@rf copy ${MB1_ANSWER} ${MB0_ANSWER} ${HOP}\`, \`@rg copy ${MB0_ANSWER} 0x1040 ${HOP}\`, \`@rg attest group random\`, \`mica verify last llm-guardrail-locked\`.`,
    },
  ],
  solution: [
    'realm create rg --net',
    'realm create rf',
    'realm create ri',
    'mica share Mem1 rg:0 rf:0 --size 0x2000',
    'mica share Mem2 rf:1 ri:0 --size 0x2000',
    ...REALMS.map((r) => `@${r} policy upload llm-guardrail-locked`),
    'tenant send rg "what is 2+2" --as prompt',
    '@rg net recv 0x1000',
    `@rg copy 0x1000 ${MB0_PROMPT} ${HOP}`,
    `@rf copy ${MB0_PROMPT} ${MB1_PROMPT} ${HOP}`,
    `@ri copy ${MB0_PROMPT} ${MB0_ANSWER} ${HOP}`,
    `@rf copy ${MB1_ANSWER} ${MB0_ANSWER} ${HOP}`,
    `@rg copy ${MB0_ANSWER} 0x1040 ${HOP}`,
    '@rg attest group random',
    'mica verify last llm-guardrail-locked',
  ],
  glossary: [
    'Group token',
    'Mica policy / policy',
    'Agreement / chain of custody',
    'Provenance label',
  ],
  explain: `
The group token (§4.3) committed to every member's RIM, policy (REM0) and RPV; the tenant
recomputed them from its own reference values and re-hashed the three blobs (§4.5 steps 1-4).
The locked-down files make RF and RI strict non-gateways with their exits BLOCKed (§5.4), so the
flow graph's only way from RI to U is RI → RF → RG: the prompt labels never reached a
host-visible place, and the path search accepted the pipeline.
`,
  specRefs: [
    { source: 'mica-spec.md', section: '§5.2', title: 'Guard-railed LLM inference (rg_rf_ri)' },
    { source: 'mica-spec.md', section: '§5.4', title: 'Locked-down variants' },
    { source: 'mica-spec.md', section: '§4.3', title: 'Group token' },
    { source: 'mica-spec.md', section: '§4.5', title: 'Verifier procedure' },
  ],
};
