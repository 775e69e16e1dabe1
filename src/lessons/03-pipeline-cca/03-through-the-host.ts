/**
 * Lesson 03-pipeline-cca/03: with plain CCA, two realms can share only memory the host owns.
 * The setup builds the gateway (with the tenant's network device) and the encoder, and gets
 * the tenant's frame into the gateway's protected memory. The learner passes the frame on
 * the only way CCA offers: the gateway shares a page (RSI_IPA_STATE_SET to EMPTY, then its
 * unprotected alias), the host maps that same NS page into the encoder, and the encoder
 * copies it in. On the way the host reads it. Goals read the ledger (a labelled flow into NS
 * memory, a host read of those bytes) and where the `video` label sits afterwards (protected
 * memory of a realm the tenant did not send to), so any route that really passes the bytes
 * counts, and none that only re-types them (typed bytes carry no label).
 * Spec: cca-spec.md §4.3 (protected vs unprotected IPA, sharing memory with the host), §4.1
 * (RSI_IPA_STATE_SET), §3.4 (HIPAS x RIPAS); mica-spec.md §1.2-1.3 (channels, leaks).
 */
import { isHostVisible, type Machine, type MachineView } from '../../emulator/index.ts';
import type { Lesson } from '../schema.ts';
import { openTerminals } from '../terminals.ts';
import { eventsOf, hostAccesses, listWords, realmsHolding } from '../ledger-queries.ts';
import { hex } from '../../lib/hex.ts';

const FRAME = 'frame 0001: a face, a street sign, a licence plate';

/** The gateway's private page the learner shares, and its unprotected alias (IPA width 42). */
const SHARED_IPA = 0x8000;
const ALIAS_IPA = 0x20000008000;
/** What the deterministic setup and solution allocate (the catalogue test replays them). */
const ENC_RD = 0x8400b000;
const GW_NS_PAGE = 0x84019000;
/** The gateway's NS leaf as `rtt gw <alias>` prints it: the page plus MemAttr and S2AP (RW). */
const GW_NS_DESC = 0x840190d8;

function setup(machine: Machine): void {
  const t = openTerminals(machine);
  for (const line of [
    'realm create gw --net',
    'realm create enc --ram 17',
    `tenant send gw "${FRAME}"`,
    '@gw net recv 0x1000',
  ])
    t.execute(line);
}

/** The VMM's name of the realm with RD `rd`. */
function nameOf(machine: MachineView, rd: number): string {
  return Object.values(machine.state.host?.realms ?? {}).find((r) => r.rd === rd)?.name ?? hex(rd);
}

/** Realms the tenant did not send to (no network device) holding `video` in protected memory. */
function receivers(machine: MachineView): string[] {
  const withNet = new Set(
    Object.values(machine.state.host?.realms ?? {})
      .filter((r) => r.net)
      .map((r) => r.rd),
  );
  return realmsHolding(machine, 'video')
    .filter((rd) => !withNet.has(rd))
    .map((rd) => nameOf(machine, rd));
}

const body = `
## The only road between two realms

The gateway holds the tenant's frame in protected memory; the encoder needs it. In plain
CCA no RMI or RSI command maps one realm's memory into another: the only memory two realms
can both reach is **host memory**, NS pages the host maps at **unprotected IPAs** (the top
half of each realm's IPA space, here from \`0x20000000000\`).

A realm shares a page in two steps (cca-spec.md §4.3): it asks the RMM to turn the RIPAS of
a protected IPA to EMPTY (\`RSI_IPA_STATE_SET\`, which exits to the host so the host agrees),
then uses the page's **unprotected alias**, the same address with the top IPA bit set. The
first touch there faults to the host, which maps one of its own pages
(\`RMI_RTT_MAP_UNPROTECTED\`). The host chooses that page, so it can map the same page into
a second realm too. That is how the pipeline must pass the video along, and how the host
sees every frame.

## Your turn

The setup created \`gw\` (with the tenant's network device) and \`enc\`, and the frame is in
\`gw\`'s private memory at IPA 0x1000.

1. In \`gw\`, share the page at \`${hex(SHARED_IPA)}\` and copy the frame to its alias
   \`${hex(ALIAS_IPA)}\`.
2. As the host, find the NS page behind it (\`rtt gw ${hex(ALIAS_IPA)}\`) and read the frame.
   The ledger records the labelled flow into host memory (rule \`cca:host-visible\`).
3. In \`enc\`, share its own page at \`${hex(SHARED_IPA)}\` and touch the alias once, so the host
   builds the tables and maps a page there.
4. As the host, swap \`enc\`'s page for \`gw\`'s: \`rmi RTT_UNMAP_UNPROTECTED\`, then
   \`rmi RTT_MAP_UNPROTECTED <enc RD> ${hex(ALIAS_IPA)} 3 <desc>\`, where the descriptor is the
   one \`rtt gw\` printed for the page (its address plus the access bits: without S2AP the
   encoder's loads fault).
5. In \`enc\`, copy the frame from the alias into private memory, and read it: the provenance
   label came along.
`;

const explain = `
The frame crossed from one realm to the other only through a page of the **Non-secure PAS**:
the gateway's store to \`${hex(ALIAS_IPA)}\` went through stage 2 to an NS page (the ledger's
flow names the rule \`cca:host-visible\`), the host read it like any of its own memory, and
it chose which page the encoder's alias pointed to. Nothing in the RMM checks who else maps
an NS page (cca-spec.md §4.3: the host owns unprotected IPAs). CCA protects data
*inside* a realm; between realms the host is in the middle. Encrypting the frame would hide
its bytes but every stage would pay for it and the host could still drop or replay frames
(mica-spec.md §7, the \`cbc\`/\`ctr\` modes). Mica instead gives realms **protected** shared
memory the host cannot map or read (part 04).
`;

/** The lesson. */
export const THROUGH_THE_HOST: Lesson = {
  status: 'ready',
  id: '03-pipeline-cca/03-through-the-host',
  part: '03-pipeline-cca',
  title: 'Passing the video along through host memory',
  summary:
    'With plain CCA, realms share only NS pages the host maps: pass the frame from the gateway to the encoder that way, and read it as the host on its way.',
  objectives: [
    'Share a realm page with RSI_IPA_STATE_SET and its unprotected alias.',
    'Explain why the host chooses, and can read, every page two realms share in plain CCA.',
    'Follow a labelled frame from one realm, through host memory, into another.',
  ],
  body,
  mode: 'cca',
  commands: {},
  setup,
  goals: [
    {
      id: 'shared-page',
      title: 'From the gateway, copy the frame into an NS page (memory the host can read).',
      check({ ledger }) {
        const hit = eventsOf(ledger, 'flow').find(
          (f) =>
            f.labels.length > 0 &&
            f.decision.verdict === 'allowed' &&
            f.destination.kind === 'memory' &&
            f.destination.address !== undefined &&
            isHostVisible(f.destination),
        );
        return hit
          ? {
              done: true,
              detail: `${listWords(hit.labels)} bytes went to NS memory at ${hex(hit.destination.address!)}; rule ${hit.decision.rule}`,
            }
          : { done: false, detail: 'no labelled bytes in NS memory yet' };
      },
    },
    {
      id: 'host-read',
      title: 'As the host, read the labelled frame in that NS page.',
      check({ ledger }) {
        const copies = eventsOf(ledger, 'flow').filter(
          (f) =>
            f.labels.length > 0 &&
            f.destination.kind === 'memory' &&
            f.destination.address !== undefined &&
            isHostVisible(f.destination),
        );
        const reads = hostAccesses(ledger, 'read', 'allowed');
        for (const c of copies) {
          const at = c.destination.address!;
          if (reads.some((r) => r.seq > c.seq && r.pa < at + c.bytes && r.pa + r.len > at)) {
            return {
              done: true,
              detail: `the host read ${listWords(c.labels)} bytes at ${hex(at)}, in its own memory`,
            };
          }
        }
        return {
          done: false,
          detail: copies[0]
            ? `labelled bytes wait in NS memory at ${hex(copies[0].destination.address!)}: read them`
            : 'no labelled bytes in NS memory yet',
        };
      },
    },
    {
      id: 'delivered',
      title: 'Get the frame into the encoder’s protected memory, still labelled `video`.',
      check({ machine }) {
        const names = receivers(machine);
        return names.length > 0
          ? {
              done: true,
              detail: `${listWords(names)} holds the video in protected memory: it came through the host`,
            }
          : {
              done: false,
              detail:
                'no realm but the gateway holds the video yet (bytes typed in again carry no label)',
            };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: '`@gw help ipa-state` shows how a realm shares a page; `rtt <realm> <ipa>` shows the NS page (and its descriptor) behind an unprotected IPA; `rmi list` the host’s mapping calls.',
    },
    {
      tier: 'stronger',
      text: `\`@gw ipa-state set ${hex(SHARED_IPA)} 0x9000 empty\`, then \`@gw copy 0x1000 ${hex(ALIAS_IPA)} 18\`. In \`enc\` do the same \`ipa-state\` and \`mem read ${hex(ALIAS_IPA)} 4\`; then the host unmaps that IPA in \`enc\` and maps \`gw\`'s NS page there instead.`,
    },
    {
      tier: 'near-solution',
      text: `\`read ${hex(GW_NS_PAGE)} 18\`, \`rmi RTT_UNMAP_UNPROTECTED ${hex(ENC_RD)} ${hex(ALIAS_IPA)} 3\`, \`rmi RTT_MAP_UNPROTECTED ${hex(ENC_RD)} ${hex(ALIAS_IPA)} 3 ${hex(GW_NS_DESC)}\`, \`@enc copy ${hex(ALIAS_IPA)} 0x5000 18\`.`,
    },
  ],
  solution: [
    `@gw ipa-state set ${hex(SHARED_IPA)} 0x9000 empty`,
    `@gw copy 0x1000 ${hex(ALIAS_IPA)} 18`,
    `rtt gw ${hex(ALIAS_IPA)}`,
    `read ${hex(GW_NS_PAGE)} 18`,
    `@enc ipa-state set ${hex(SHARED_IPA)} 0x9000 empty`,
    `@enc mem read ${hex(ALIAS_IPA)} 4`,
    `rmi RTT_UNMAP_UNPROTECTED ${hex(ENC_RD)} ${hex(ALIAS_IPA)} 3`,
    `rmi RTT_MAP_UNPROTECTED ${hex(ENC_RD)} ${hex(ALIAS_IPA)} 3 ${hex(GW_NS_DESC)}`,
    `@enc copy ${hex(ALIAS_IPA)} 0x5000 18`,
    '@enc mem read 0x5000 18',
  ],
  glossary: ['Realm', 'IPA', 'HIPAS / RIPAS', 'Flow ledger / ledger', 'Provenance label'],
  specRefs: [
    { source: 'cca-spec.md', section: '§4.3', title: 'Protected vs unprotected IPA' },
    { source: 'cca-spec.md', section: '§4.1', title: 'RSI commands: RSI_IPA_STATE_SET' },
    { source: 'cca-spec.md', section: '§3.4', title: 'RTT entries: HIPAS × RIPAS' },
    { source: 'mica-spec.md', section: '§1.3', title: 'What counts as a leak' },
  ],
  explain,
};
