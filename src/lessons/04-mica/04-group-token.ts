/**
 * Lesson 04-mica/04: the group token and the verifier's graph (mica-spec.md §4.3-§4.5). The
 * learner builds the §5.1 pipeline from the terminals with the shipped locked-down files, takes
 * a group token in the gateway and has the tenant verify it (verified); then builds the
 * prototype's own shipped ring (§5.1 c, files C1-C3 of §2.8: every realm a gateway, nobody
 * strict), whose token is genuine and whose files agree, and which the verifier still rejects
 * with the offending path re -> U.
 *
 * Goals recompute the tenant's verdict on every group token the host kept
 * (`state.host.groupTokens`) with the tenant's expectations (`tenantVerdict`: the lab CPAK, the
 * recorded nonce, the lab firmware, the realms the tenant built and the files it deployed), so
 * they never depend on what was typed or on the verify command having been run. Verdicts are
 * cached by token and expectations: goals are checked after every command.
 */
import type { HostGroupToken, MachineState } from '../../emulator/index.ts';
import {
  VIDEO_MODERATION,
  WORKFLOW_EXAMPLES,
  type GroupVerdict,
  type WorkflowExample,
} from '../../policy/index.ts';
import { tenantVerdict } from '../../shell/index.ts';
import type { Lesson } from '../schema.ts';
import { BUILD_LINES, STAGES } from '../fixtures/mica-stages.ts';

/** The ring's realms, upload order, and the host's backing files for its three objects. */
const RING_LINES: readonly string[] = [
  'realm create rg',
  'realm create re',
  'realm create rn',
  'mica share Ring1 rg:0 re:0',
  'mica share Ring2 re:1 rn:0',
  'mica share Ring3 rn:1 rg:1',
  '@rg policy upload video-ring-shipped',
  '@re policy upload video-ring-shipped',
  '@rn policy upload video-ring-shipped',
];

/** The examples the lab knows to be too open: their files agree, the path search rejects. */
const TOO_OPEN: readonly WorkflowExample[] = WORKFLOW_EXAMPLES.filter(
  (e) => e.expect.agreement === 'accept' && e.expect.flow !== 'accept',
);

const cache = new Map<string, GroupVerdict | null>();
const CACHE_MAX = 64;

/** The tenant's verdict on `kept` expecting `example` (cached), or null without references. */
function verdictOf(
  state: Readonly<MachineState>,
  kept: Readonly<HostGroupToken>,
  example: WorkflowExample,
): GroupVerdict | null {
  // The verdict's inputs from the state: what the tenant asked for and the epoch it knows.
  const intents = JSON.stringify(
    example.realms.map((r) => state.host?.intents?.[r.name.toLowerCase()] ?? '-'),
  );
  const key = `${example.id}|${kept.challenge}|${kept.token.slice(-128)}|${kept.blobs.join('').length}|${intents}|${state.host?.groupEpochs?.[example.id] ?? '-'}`;
  let v = cache.get(key);
  if (v === undefined) {
    v = tenantVerdict(state, kept, example)?.verdict ?? null;
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, v);
  }
  return v;
}

const body = `
## One token for the whole pipeline

A realm's own token proves what that realm is. A tenant who sends a video through four realms
needs more: proof of **every** stage, and of where the video can go. Mica's group token
(mica-spec.md §4.3) gives it in one request: the RMM finds every realm connected to the caller
through shared pages (the SGT, not the policies), folds their RIMs, REM0s (the REM each realm's
policy is measured into) and RPVs into one standard CCA token signed as usual, and streams the
members' 2184-byte **policy blobs** after it (caller first). In the guest they appear as
\`cca_policies/payload0\`, \`payload1\`, ... (§4.4): \`policy blobs\` shows them.

The tenant's verifier (§4.5) then:

1. checks the token against its trust anchor and the nonce it sent;
2. re-hashes every blob into a REM0 and recomputes the group RIM, REM0 and RPV from its own
   reference values, in blob order: a wrong code, a wrong policy, an extra or a missing realm
   changes a claim;
3. checks that the blobs are the files it deployed and that they agree (the same agreement the
   monitor checked at each upload);
4. draws the **flow graph** (the realms and U, the untrusted world: host, network, outsiders)
   and accepts only if every path from the realm that holds the video to U passes the
   sanitiser (the moderator).

In this lab the tenant is the host terminal's \`mica verify last <example>\`: it expects the
realms the tenant built, the files of \`<example>\` it deployed, the lab's test CPAK and the nonce
the realm sent. Nothing is taken from the token.

## Your turn

1. Build the four stages of §5.1 (\`realm create gateway\`, ... \`storage\`), wire Mem1-Mem3
   (\`mica share Mem1 gateway:0 encoder:0\`, ...) and upload \`video-moderation\` in every
   stage, in pipeline order.
2. In the gateway, take a group token: \`attest group random\`. Look at the blobs.
3. On the host, verify it: \`mica verify last video-moderation\`.
4. Now the prototype's own shipped ring of §5.1 (c): realms \`rg\`, \`re\`, \`rn\` (gateway,
   encoder, moderator) running the files \`video-ring-shipped\` (§2.8 C1-C3). Wire its three
   objects under new host names (\`Ring1\`: rg:0 re:0, \`Ring2\`: re:1 rn:0, \`Ring3\`: rn:1
   rg:1), upload, take a group token in \`rg\` and verify it against the files it runs. Which
   edge does the verifier print, and which policy field creates it?
`;

/** The lesson. */
export const GROUP_TOKEN: Lesson = {
  status: 'ready',
  id: '04-mica/04-group-token',
  part: '04-mica',
  title: 'The group token and the verifier’s graph',
  summary:
    'Verify that the video can leave the pipeline only through the moderator and the tenant’s gateway; then see the verifier reject a too-open pipeline with the offending path.',
  objectives: [
    'Take a group token and say what it commits to: every member’s RIM, policy (REM0) and RPV (§4.3).',
    'Read the verifier’s checks and its flow graph; name the policy field behind an offending edge (§4.5).',
  ],
  body,
  mode: 'mica',
  commands: {},
  setup: () => undefined,
  goals: [
    {
      id: 'verified',
      title:
        'Hand the host a group token of the four-stage pipeline that the tenant’s verifier accepts (video-moderation).',
      check({ machine }) {
        const kept = machine.state.host?.groupTokens ?? [];
        const results = kept.map((k) => verdictOf(machine.state, k, VIDEO_MODERATION));
        const ok = results.find((v) => v?.kind === 'verified');
        if (ok) return { done: true, detail: `verified: ${ok.reason}` };
        const last = results.at(-1);
        return {
          done: false,
          detail: last
            ? `the last group token is ${last.verdict.text}`
            : kept.length > 0
              ? `the tenant has no reference values yet: it expects realms ${STAGES.join(', ')}`
              : 'the host holds no group token yet (attest group, in a realm terminal)',
        };
      },
    },
    {
      id: 'offending-path',
      title:
        'Hand the host a genuine group token of agreeing, as-deployed files that the verifier rejects only for a path to U.',
      check({ machine }) {
        for (const k of machine.state.host?.groupTokens ?? []) {
          for (const e of TOO_OPEN) {
            const v = verdictOf(machine.state, k, e);
            if (v?.kind !== 'rejected' || !v.offending) continue;
            const failed = v.checks.filter((c) => c.status !== 'pass').map((c) => c.id);
            if (failed.length === 1 && failed[0] === 'flow')
              return {
                done: true,
                detail: `${e.id}: rejected with the path ${[v.offending.path[0]?.from, ...v.offending.path.map((p) => p.to)].join(' -> ')}`,
              };
          }
        }
        return {
          done: false,
          detail:
            'no kept group token of a too-open pipeline (files agree, token genuine) fails only the path search yet',
        };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: 'Build first, attest after: the group is what the SGT connects, so every stage must have uploaded before `attest group` in the gateway.',
    },
    {
      tier: 'stronger',
      text: '`realm create` four times, `mica share Mem1 gateway:0 encoder:0` (then Mem2 encoder:1 moderator:0, Mem3 moderator:1 storage:0), `policy upload video-moderation` in each stage in order, `@gateway attest group random`, `mica verify last video-moderation`.',
    },
    {
      tier: 'near-solution',
      text: 'For the ring: `realm create rg` (re, rn), `mica share Ring1 rg:0 re:0`, `mica share Ring2 re:1 rn:0`, `mica share Ring3 rn:1 rg:1`, `@rg policy upload video-ring-shipped` (then re, rn), `@rg attest group random`, `mica verify last video-ring-shipped`.',
    },
  ],
  solution: [
    ...BUILD_LINES,
    ...STAGES.map((s) => `@${s} policy upload video-moderation`),
    '@gateway attest group random',
    '@gateway policy blob',
    'mica verify last video-moderation',
    ...RING_LINES,
    '@rg attest group random',
    'mica verify last video-ring-shipped',
  ],
  glossary: [
    'Group token',
    'Mica policy / policy',
    'Agreement / chain of custody',
    'RIM',
    'REM',
    'RPV',
  ],
  specRefs: [
    { source: 'mica-spec.md', section: '§4.3', title: 'Group token' },
    { source: 'mica-spec.md', section: '§4.4', title: 'What the tools show' },
    { source: 'mica-spec.md', section: '§4.5', title: 'Verifier procedure' },
    { source: 'mica-spec.md', section: '§5.1', title: 'Video moderation' },
  ],
};
