/**
 * Lesson 02-realms/05: attest it. Inside a running realm the learner extends a REM with a
 * record of what it did at run time, then asks the RMM for a CCA attestation token bound to
 * a challenge, and, as the relying party, verifies the token check by check in the host
 * terminal, then breaks one byte of it. Goals read the realm's REMs and the RSI calls in the
 * ledger; the verification itself happens outside the machine (a verifier is not part of
 * the platform), so it is guided by the text, not checked by a goal.
 * Spec: DEN0137 A7.1.2 (REMs), A7.2 (realm attestation), B5.3.1-2 (RSI_ATTESTATION_TOKEN_
 * CONTINUE / INIT), B5.3.7 (RSI_MEASUREMENT_EXTEND); cca-spec.md §5.6, §6.
 */
import { listRealms, type Machine } from '../../emulator/index.ts';
import type { GoalView, Lesson } from '../schema.ts';
import { openTerminals } from '../terminals.ts';
import { eventsOf } from '../ledger-queries.ts';

function setup(machine: Machine): void {
  openTerminals(machine).execute('realm create r1 --image shell');
}

/** Index (1-based, as RSI numbers them) and value of the first non-zero REM of the realm. */
function firstRem(rems: readonly string[]): { index: number; value: string } | undefined {
  const i = rems.findIndex((r) => /[^0]/.test(r));
  return i < 0 ? undefined : { index: i + 1, value: rems[i]! };
}

/** Sequence numbers of calls of RSI command `name` that returned `status`. */
function rsiCalls(ledger: GoalView['ledger'], name: string, status: string): number[] {
  return eventsOf(ledger, 'smc:return')
    .filter((r) => r.name === name && r.status === status)
    .map((r) => r.call);
}

const body = `
## Proving what runs, to someone who is not there

A relying party (the tenant, a key broker) wants evidence before it sends a realm secrets.
The realm asks the RMM for a **CCA attestation token** with
\`RSI_ATTESTATION_TOKEN_INIT\` (passing the relying party's 64-byte **challenge**) and
collects it with \`RSI_ATTESTATION_TOKEN_CONTINUE\`. The token has two parts:

* the **realm token**, signed with the Realm Attestation Key (RAK): the challenge, the RIM,
  the four **REMs**, the RPV, the hash algorithm and the RAK's public key;
* the **platform token**, signed by the platform's key (CPAK): the firmware measurements
  and, as its challenge, the hash of the RAK, which **binds** the two together.

The RIM says how the realm was built; **REMs** (Realm Extensible Measurements) record what
happened since: the realm extends them with \`RSI_MEASUREMENT_EXTEND\` (say, the hash of a
model it loaded), and they cannot be rolled back.

A verifier then checks, in order: both signatures, the binding, the freshness of the
challenge, the profiles, and the measurements against reference values. One flipped byte
anywhere breaks a check.

## Your turn

The setup created realm \`r1\`. In its terminal (\`@r1 ...\`):

1. extend REM0 with a record of something the realm did: \`@r1 measure extend 1 "..."\`
   (RSI numbers the measurements from the RIM: index 0 is the RIM, 1..4 are REM0..REM3);
2. get a token for a challenge of your choice: \`@r1 attest 0x<hex>\`.

Then, as the relying party in the host terminal: \`attest verify last --challenge 0x<hex>\`
walks through every check; add \`--flip <offset>\` to corrupt one byte and see which check
fails and why.
`;

/** The lesson. */
export const ATTEST_REALM: Lesson = {
  status: 'ready',
  id: '02-realms/05-attest',
  part: '02-realms',
  title: 'Attest it: the CCA token and the verifier',
  summary:
    'Extend a REM, get a token bound to your challenge, verify it check by check, and break it on purpose.',
  objectives: [
    'Name the two parts of a CCA token, who signs each, and what binds them.',
    'Explain the difference between the RIM and the REMs.',
    'Read a verifier’s checks and say which one a corrupted byte breaks.',
  ],
  body,
  mode: 'cca',
  commands: {},
  setup,
  goals: [
    {
      id: 'rem-extended',
      title: 'Inside the realm, extend a REM with a record of what it did.',
      check({ machine }) {
        const realm = listRealms(machine.state)[0];
        const rem = realm ? firstRem(realm.rems) : undefined;
        return rem
          ? { done: true, detail: `REM${rem.index - 1} = ${rem.value.slice(0, 16)}…` }
          : { done: false, detail: 'every REM is still zero' };
      },
    },
    {
      id: 'token',
      title: 'After extending it, get a complete attestation token for your challenge.',
      check({ ledger }) {
        const extended = rsiCalls(ledger, 'RSI_MEASUREMENT_EXTEND', 'RSI_SUCCESS')[0];
        if (extended === undefined) return { done: false, detail: 'extend a REM first' };
        const done = rsiCalls(ledger, 'RSI_ATTESTATION_TOKEN_CONTINUE', 'RSI_SUCCESS').find(
          (seq) => seq > extended,
        );
        if (done === undefined) {
          return { done: false, detail: 'no token completed since the REM was extended' };
        }
        const chunks = rsiCalls(ledger, 'RSI_ATTESTATION_TOKEN_CONTINUE', 'RSI_INCOMPLETE').length;
        return {
          done: true,
          detail: `token complete after ${chunks + 1} RSI_ATTESTATION_TOKEN_CONTINUE call(s); now verify it in the host terminal`,
        };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: '`@r1 help measure` and `@r1 help attest` explain the two realm commands you need.',
    },
    {
      tier: 'stronger',
      text: 'REM0 is index 1 for RSI (index 0 is the RIM). The challenge is any hex up to 64 bytes.',
    },
    {
      tier: 'near-solution',
      text: '`@r1 measure extend 1 "loaded model weights v3"`, `@r1 attest 0x5eed`, then `attest verify last --challenge 0x5eed` and `attest verify last --challenge 0x5eed --flip 1400`.',
    },
  ],
  solution: [
    '@r1 measure extend 1 "loaded model weights v3"',
    '@r1 attest 0x5eed',
    'attest verify last --challenge 0x5eed',
    'attest verify last --challenge 0x5eed --flip 1400',
  ],
  glossary: ['CCA token / CCA attestation token', 'RAK / CPAK', 'Binding', 'RIM', 'REM', 'RPV'],
  specRefs: [
    { source: 'DEN0137', section: 'A7.1.2', title: 'Realm Extensible Measurements' },
    { source: 'DEN0137', section: 'A7.2', title: 'Realm attestation' },
    { source: 'DEN0137', section: 'B5.3.2', title: 'RSI_ATTESTATION_TOKEN_INIT' },
    { source: 'DEN0137', section: 'B5.3.7', title: 'RSI_MEASUREMENT_EXTEND' },
    { source: 'cca-spec.md', section: '§6', title: 'CCA attestation token' },
    { source: 'cca-spec.md', section: '§6.4', title: 'Binding and key provenance' },
  ],
};
