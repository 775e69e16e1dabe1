/**
 * Lesson 02-realms/02: load and measure. The setup builds the NEW realm of the previous
 * lesson and leaves an image page in NS memory; the learner creates the level 2 and 3 RTTs
 * that reach IPA 0, copies the image in with RMI_DATA_CREATE (which extends the RIM),
 * activates the realm, and sees a further DATA_CREATE refused because the RIM is frozen.
 *
 * The host cannot read the RIM (it lives in the RD); the goal details show it, as the lab's
 * privileged view, until the attestation lesson shows it in the token. To tell whether the
 * RIM moved, a goal compares it with the RIM the setup produces, computed once on a scratch
 * machine (the emulator is deterministic); the lesson's machine is never touched.
 * Spec: DEN0137 A7.1.1 (RIM), A2.1.5 (realm lifecycle), B4.3.1 (RMI_DATA_CREATE), B4.3.8
 * (RMI_REALM_ACTIVATE), B4.3.15 (RMI_RTT_CREATE); cca-spec.md §3.2, §5.1-5.3.
 */
import { abi, listRealms, type MachineView } from '../../emulator/index.ts';
import { createLessonMachine } from '../runner.ts';
import type { GoalView, Lesson } from '../schema.ts';
import { eventsOf, wayBack } from '../ledger-queries.ts';
import { hex } from '../../lib/hex.ts';
import { IMAGE_PA, LOAD_IMAGE_LINES, RD_PA, buildNewRealm } from '../fixtures/realm-build.ts';

const rd = hex(RD_PA);
const image = hex(IMAGE_PA);

/** The NEW realm of lesson 02-realms/01 (a named fixture), plus the image. */
const setup = buildNewRealm;

let setupRim: string | undefined;

/** The RIM right after the setup (computed once, on a scratch machine). */
function initialRim(): string {
  if (setupRim === undefined) {
    const scratch = createLessonMachine('cca');
    setup(scratch);
    setupRim = listRealms(scratch.state)[0]?.rim ?? '';
  }
  return setupRim;
}

/** First bytes of a measurement, for a detail line. */
function short(rim: string): string {
  return `${rim.slice(0, 16)}…`;
}

/** Sequence numbers of successful calls of `name` for the realm at `rdPa`. */
function successes(ledger: GoalView['ledger'], name: string, rdPa: number): number[] {
  const ok = new Set(
    eventsOf(ledger, 'smc:return')
      .filter((r) => r.name === name && r.status === 'RMI_SUCCESS')
      .map((r) => r.call),
  );
  return eventsOf(ledger, 'smc:call')
    .filter((c) => ok.has(c.seq) && Number(c.args[0]) === rdPa)
    .map((c) => c.seq);
}

/** The realm's DATA granules and the RIPAS of the entry mapping each. */
function dataGranules(machine: MachineView, rdPa: number): { pa: number; ripas: string }[] {
  const mapped = new Map<number, string>();
  for (const rtt of Object.values(machine.state.rmm.rtts)) {
    if (rtt.realm !== rdPa) continue;
    for (const e of rtt.entries) if (e.state === 'ASSIGNED') mapped.set(e.pa, e.ripas);
  }
  return Object.entries(machine.state.granules)
    .filter(([, g]) => g.state === 'DATA' && g.realm === rdPa)
    .map(([index]) => Number(index) * abi.GRANULE_SIZE)
    .map((pa) => ({ pa, ripas: mapped.get(pa) ?? 'unmapped' }));
}

const body = `
## A realm is what it was built from

A verifier will only trust a realm if it can tell *exactly* what was loaded into it. The RMM
keeps a running hash, the **Realm Initial Measurement** (RIM), in the RD: it starts from the
realm's parameters at \`RMI_REALM_CREATE\` and every command that puts something into a NEW
realm extends it:

> RIM := Hash(RIM || descriptor of what was added)

\`RMI_DATA_CREATE(rd, data, ipa, src, flags)\` copies one page of host memory (\`src\`, NS) into
a delegated granule (\`data\`), maps it at the protected IPA \`ipa\` (its HIPAS becomes ASSIGNED
and its RIPAS RAM: the realm will find memory there), and extends the RIM with a descriptor
holding the IPA, the flags and, when \`flags\` has \`RMI_MEASURE_CONTENT\` (1), the hash of the
page. Change one byte of the image and the RIM changes; so does loading the same page at another
IPA.

The page must be reachable: the realm's stage-2 tables (RTTs) must go down to level 3 at \`ipa\`.
The two starting tables are level 1; add a level-2 table and a level-3 table with
\`RMI_RTT_CREATE(rd, rtt, ipa, level)\`, each in a delegated granule.

\`RMI_REALM_ACTIVATE\` moves the realm from NEW to **ACTIVE**: its RECs may run, and its RIM
is frozen. From then on the host cannot add measured content: the RIM a verifier sees is the
RIM of the image the realm started with.

## Your turn

The setup built the NEW realm of the last lesson (RD \`${rd}\`) and left an image page at
\`${image}\`. Build the tables down to IPA 0, load the image there with \`rmi DATA_CREATE\`,
activate the realm, and then try to load one more page. The goal details show the RIM, which
the host itself can never read.
`;

/** The lesson. */
export const MEASURE_REALM: Lesson = {
  status: 'ready',
  id: '02-realms/02-measure',
  part: '02-realms',
  title: 'Load and measure: DATA_CREATE and the RIM',
  summary:
    'Copy an image page into the realm, watch the RIM change, activate the realm and find the RIM frozen.',
  objectives: [
    'Explain what the RIM is and which commands extend it.',
    'Create the RTTs that map a protected IPA and load a measured DATA page there.',
    'Explain why REALM_ACTIVATE freezes the RIM and what that guarantees a verifier.',
  ],
  body,
  mode: 'cca',
  commands: {},
  setup,
  goals: [
    {
      id: 'data-loaded',
      title: 'Load the image into the realm with RMI_DATA_CREATE; its RIM changes.',
      check({ machine, ledger }) {
        const realm = listRealms(machine.state)[0];
        if (!realm) return { done: false, detail: 'the realm is gone' };
        const loads = successes(ledger, 'RMI_DATA_CREATE', realm.rd);
        const data = dataGranules(machine, realm.rd);
        if (loads.length === 0 || data.length === 0) {
          if (realm.state === 'ACTIVE') {
            return {
              done: false,
              detail: `realm ${hex(realm.rd)} was activated before anything was loaded: its RIM is frozen and RMI_DATA_CREATE needs a NEW realm, so no load can count now; ${wayBack('RMI_REALM_ACTIVATE')}`,
            };
          }
          return {
            done: false,
            detail: `no DATA granule loaded into realm ${hex(realm.rd)} yet; RIM ${short(realm.rim)}`,
          };
        }
        const before = initialRim();
        const first = data[0]!;
        return {
          done: realm.rim !== before,
          detail: `DATA ${hex(first.pa)} (RIPAS ${first.ripas}); RIM ${short(before)} -> ${short(realm.rim)}`,
        };
      },
    },
    {
      id: 'activated',
      title: 'Activate the realm: it is ACTIVE and its RIM is frozen.',
      check({ machine }) {
        const realm = listRealms(machine.state)[0];
        if (!realm) return { done: false, detail: 'the realm is gone' };
        return {
          done: realm.state === 'ACTIVE',
          detail: `realm ${hex(realm.rd)} is ${realm.state}; RIM ${short(realm.rim)}`,
        };
      },
    },
    {
      id: 'rim-frozen',
      title: 'After activation, see another DATA_CREATE refused.',
      check({ ledger }) {
        const activated = successes(ledger, 'RMI_REALM_ACTIVATE', RD_PA)[0];
        if (activated === undefined) return { done: false, detail: 'activate the realm first' };
        const refused = eventsOf(ledger, 'smc:return').find(
          (r) =>
            r.call > activated &&
            r.name === 'RMI_DATA_CREATE' &&
            r.failure?.label === 'realm_state',
        );
        return refused
          ? { done: true, detail: `refused: ${refused.status}, ${refused.failure?.reason ?? ''}` }
          : { done: false, detail: 'no DATA_CREATE attempted on the active realm yet' };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: `Delegate a granule for the data (\`delegate 0x80005000\`), then try \`rmi DATA_CREATE rd=${rd} data=0x80005000 ipa=0x0 src=${image} flags=1\` straight away: the failure label says what is missing between the level-1 tables and IPA 0.`,
    },
    {
      tier: 'stronger',
      text: `Delegate two granules and use them as RTTs: \`rmi RTT_CREATE rd=${rd} rtt=<pa> ipa=0x0 level=2\`, then the same with \`level=3\`. Then delegate a granule for the data.`,
    },
    {
      tier: 'near-solution',
      text: `\`rmi DATA_CREATE rd=${rd} data=0x80005000 ipa=0x0 src=${image} flags=1\`, \`rmi REALM_ACTIVATE rd=${rd}\`, then one more DATA_CREATE at \`ipa=0x1000\` with a freshly delegated granule.`,
    },
  ],
  solution: [
    ...LOAD_IMAGE_LINES,
    `rmi REALM_ACTIVATE rd=${rd}`,
    'delegate 0x80006000',
    `rmi DATA_CREATE rd=${rd} data=0x80006000 ipa=0x1000 src=${image} flags=1`,
  ],
  glossary: ['RIM', 'RTT', 'IPA', 'HIPAS / RIPAS', 'Realm', 'RD'],
  specRefs: [
    { source: 'DEN0137', section: 'A7.1.1', title: 'Realm Initial Measurement' },
    { source: 'DEN0137', section: 'A2.1.5', title: 'Realm lifecycle' },
    { source: 'DEN0137', section: 'B4.3.1', title: 'RMI_DATA_CREATE' },
    { source: 'DEN0137', section: 'B4.3.8', title: 'RMI_REALM_ACTIVATE' },
    { source: 'DEN0137', section: 'B4.3.15', title: 'RMI_RTT_CREATE' },
    { source: 'cca-spec.md', section: '§5.3', title: 'DATA_CREATE measurement descriptor' },
  ],
};
