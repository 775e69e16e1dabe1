/**
 * Challenge 05-attacks/09: a prototype gap the verifier does not catch. The same
 * map-after-upload gap as 05-attacks/08 (`gap-map-after-upload`, mica-spec.md §6 row 6), but
 * the learner, as the host, maps Mem1's page into storage: a member of the group already, and
 * a gateway. Storage reads the raw frame (it never passed the moderator) and prints it; the
 * group token the gateway takes afterwards has the same members, RIMs, policies and RPVs, so
 * the tenant's verifier accepts it. Goals read the SGT (a stage mapping a page of an object
 * its policy does not declare for it), the judge (the `video` leak) and the tenant's verdict.
 * Spec: mica-spec.md §6 row 6, §4.3 (what the group token commits to), §4.5 (what the verifier
 * can see), §8 items 4 and 14.
 */
import { micaOf, policyOf } from '../../policy/index.ts';
import type { GoalView, Lesson } from '../schema.ts';
import { hex } from '../../lib/hex.ts';
import { eventsOf } from '../ledger-queries.ts';
import {
  FRAME,
  PIPELINE_LINES,
  tenantVerdicts,
  terminalSetup,
  videoLeaks,
  leakedThrough,
} from '../fixtures/video-pipeline.ts';

const MEM1_PAGE0 = 0x84049000;
const STORAGE_RD = 0x8403e000;
/** Past storage's Mem3 window (0x40000 bytes at BAR0), in the level-3 table its prefault built. */
const JOIN_IPA = 0x18000040000;
const LEN = FRAME.length;

/**
 * Stages whose stage 2 really maps a page of Mem1 (an ACTIVE mapping in the monitor's record)
 * although their own policy does not declare Mem1. Not the SGT: the prototype records a tuple
 * there even for a mapping it refused (mica-spec.md §3.1).
 */
function strangers({ machine }: GoalView): { name: string; pa: number }[] {
  const m = micaOf(machine.state);
  if (!m) return [];
  const mem1 = new Set(Object.values(machine.state.host?.sharedObjects?.Mem1?.pages ?? {}));
  return Object.values(m.realms).flatMap((r) => {
    const p = r.uploaded ? policyOf(r) : undefined;
    const declares = p?.mems.some(
      (o) => o.name === 'Mem1' && o.mappings.some((x) => x.vm === p.self),
    );
    if (!p || declares) return [];
    return Object.values(r.mappings)
      .filter((x) => x.state === 'ACTIVE' && mem1.has(x.pa))
      .map((x) => ({ name: r.name, pa: x.pa }));
  });
}

const body = `
## You are the host: the same gap, a better target

In 05-attacks/08 the outsider gave itself away: group discovery walks the SGT, so a new realm
mapping the pipe becomes a member the tenant never built. Pick a realm that is a member
already. **Storage** is the last stage; its policy declares only Mem3 (from the moderator),
and it is a gateway: it may talk to the outside world, because what reaches it has been
moderated. Hand it Mem1, the raw video, with the same prototype gap.

## Your turn

The pipeline is uploaded and the frame waits in Mem1 (page 0 at PA \`${hex(MEM1_PAGE0)}\`).
Storage is RD \`${hex(STORAGE_RD)}\`; its Mem3 window covers
0x18000000000-0x1800003ffff.

1. Map Mem1's page 0 into storage just past its window, at \`${hex(JOIN_IPA)}\` (the RMI
   command of 05-attacks/08).
2. From storage, read the frame there and print it on its console.
3. Have the gateway take a group token and the tenant verify it. The ledger has the leak: did
   the tenant notice?
`;

const explain = `
The mapping went through the same prototype gap as before (no policy check after upload), and
storage, a gateway, printed the raw frame: the judge logged the leak, and the moderator never saw
the frame. The verifier accepted the group token anyway, and it was right about everything it
was shown: a group token commits to each member's **RIM, policy (REM0) and RPV** (mica-spec.md
§4.3), not to the SGT's edges. The members were the same four realms, running the files the
tenant deployed; the flow graph is built from those files (§4.5 step 5), which say storage only
reads Mem3. A mapping between two existing members that no policy declares is invisible to the
verifier. Only the local check closes it: Mica mode refuses the mapping (\`RMI_DATA_CREATE_UNKNOWN_SHARED\`
checked against the target's windows, §8 item 4; lesson 04-mica/02).
`;

/** The lesson. */
export const GAP_UNCAUGHT: Lesson = {
  status: 'ready',
  id: '05-attacks/09-gap-uncaught',
  part: '05-attacks',
  title: 'Challenge: a prototype gap the verifier misses',
  summary:
    'As the host, hand storage the raw video after the uploads; it leaks, and the group token still verifies.',
  objectives: [
    'Say what a group token commits to, and what it does not (the SGT’s edges).',
    'Explain why a mapping between existing members defeats the verifier but not Mica mode.',
  ],
  body,
  mode: 'mica-prototype',
  commands: {},
  setup: terminalSetup('mica-prototype', PIPELINE_LINES),
  goals: [
    {
      id: 'joined',
      title: 'Map a page of Mem1 into a stage whose policy does not declare Mem1.',
      check(view) {
        const hit = strangers(view)[0];
        return hit
          ? { done: true, detail: `${hit.name} maps Mem1's page ${hex(hit.pa)}, undeclared` }
          : { done: false, detail: 'only Mem1’s declared ends map it' };
      },
    },
    {
      id: 'leaked',
      title: 'Make the raw frame leak to the host through that stage.',
      check: leakedThrough(
        (view) => strangers(view).map((s) => s.name),
        'no video has leaked through that stage yet',
      ),
    },
    {
      id: 'verified',
      title: 'Hand the host a group token taken after the leak: the tenant’s verifier accepts it.',
      check(view) {
        const leak = videoLeaks(view.ledger)[0];
        if (!leak || strangers(view).length === 0)
          return { done: false, detail: 'leak the frame first' };
        // Group tokens are kept in request order; each request logs one group discovery.
        const since = eventsOf(view.ledger, 'flow').filter(
          (f) => f.decision.rule === 'group:discovery' && f.seq > leak.seq,
        ).length;
        const kept = view.machine.state.host?.groupTokens ?? [];
        const after = new Set(kept.slice(Math.max(0, kept.length - since)));
        const all = tenantVerdicts(view.machine).filter((v) => after.has(v.kept));
        const ok = all.find((v) => v.verdict.kind === 'verified');
        if (ok) return { done: true, detail: `verified, after the leak: ${ok.verdict.reason}` };
        const last = all.at(-1);
        return {
          done: false,
          detail: last
            ? `the last group token is ${last.verdict.verdict.text}`
            : 'no group token taken since the leak (attest group, in the gateway)',
        };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: '`rmi list` shows the arguments of `RMI_DATA_CREATE_UNKNOWN_SHARED`; `mica status` the objects’ first pages.',
    },
    {
      tier: 'stronger',
      text: `\`rmi RMI_DATA_CREATE_UNKNOWN_SHARED ${hex(STORAGE_RD)} ${hex(MEM1_PAGE0)} ${hex(JOIN_IPA)}\`; the frame is then at \`${hex(JOIN_IPA + 0x20)}\` in storage.`,
    },
    {
      tier: 'near-solution',
      text: `\`@storage console @${hex(JOIN_IPA + 0x20)} ${LEN}\`, \`@gateway attest group random\`, \`mica verify last video-moderation\`.`,
    },
  ],
  solution: [
    'mica status',
    `rmi RMI_DATA_CREATE_UNKNOWN_SHARED ${hex(STORAGE_RD)} ${hex(MEM1_PAGE0)} ${hex(JOIN_IPA)}`,
    `@storage mem read ${hex(JOIN_IPA + 0x20)} ${LEN}`,
    `@storage console @${hex(JOIN_IPA + 0x20)} ${LEN}`,
    '@gateway attest group random',
    'mica verify last video-moderation',
  ],
  glossary: ['Mica policy / policy', 'Group token', 'RMI', 'Flow ledger / ledger'],
  specRefs: [
    { source: 'mica-spec.md', section: '§6', title: 'Attack 6' },
    { source: 'mica-spec.md', section: '§4.3', title: 'Group token' },
    { source: 'mica-spec.md', section: '§4.5', title: 'Verifier procedure' },
    { source: 'mica-spec.md', section: '§8', title: 'Items 4 and 14' },
  ],
  explain,
};
