/**
 * Lesson 04-mica/02: the monitor enforces the declaration. The setup builds and uploads the
 * video pipeline in Mica mode; the learner, as the host, tries three things a host would
 * do to get at the video: read a shared page, give a non-gateway stage a new NS page, and map
 * a shared page into a stage whose policy does not declare it. Goals read the monitor's
 * decisions in the ledger (the clause that refused) and the GPT; never what was typed.
 * Spec: mica-spec.md §3.4 (activation of declared windows), §3.5 (NS rules), §6 rows 1, 5-7.
 */
import { eventsOf, granuleOfPa, refusals } from '../ledger-queries.ts';
import { hex } from '../../lib/hex.ts';
import { micaDecisions } from '../../policy/index.ts';
import type { Lesson } from '../schema.ts';
import {
  MEM1_PA,
  NS_IPA,
  RD,
  UNDECLARED_IPA,
  monitorOf,
  pipelineSetup,
} from '../fixtures/mica-pipeline.ts';

const body = `
## Every path declared, every other path closed

In Mica each realm uploads a **policy** (\`RSI_UPLOAD_POLICY\`) that names every shared
object it uses (its IPA window, its protection, its peers), whether it is a **gateway**
(allowed to talk to the outside world) and its control-flow rules. The RMM's monitor
extension checks that neighbours agree, then **activates** only the declared windows and
refuses whatever the policy does not allow:

* a stage that is **not a gateway** gets no new unprotected (NS) mapping after its upload:
  it is *sealed* (§3.5);
* a shared page is mapped into a realm only inside a window that realm's uploaded policy
  declares (§3.4);
* shared pages are Realm-PAS granules: the GPT keeps the host out (a GPF) as for any realm memory.

Every refusal is a failure condition of the RMI command (\`mica_sealed\`, \`mica_policy\`, ...)
and a **flow decision** in the ledger, with the clause that decided it
(\`VM2 is-gateway false\`, \`VM4 mappings\`, ...).

## Your turn

The setup built the §5.1 pipeline and uploaded all four policies: gateway (RD
\`${hex(RD.gateway)}\`), encoder (\`${hex(RD.encoder)}\`), moderator (\`${hex(RD.moderator)}\`)
and storage (\`${hex(RD.storage)}\`). Mem1, the pipe from gateway to encoder, starts at PA
\`${hex(MEM1_PA)}\`. You are the host:

1. read the video in transit: \`read ${hex(MEM1_PA)} 8\` (and \`gpt ${hex(MEM1_PA)}\`);
2. give the encoder an NS page to copy frames into:
   \`rmi RMI_RTT_MAP_UNPROTECTED rd=<encoder> ipa=${hex(NS_IPA)} level=3 desc=<NS page>\`;
3. map Mem1's first page into storage, which never declared Mem1, just past its own window:
   \`rmi RMI_DATA_CREATE_UNKNOWN_SHARED rd=<storage> data=${hex(MEM1_PA)} ipa=${hex(UNDECLARED_IPA)}\`.

Read each refusal: which clause of which policy stopped you?
`;

/** The lesson. */
export const ENFORCE: Lesson = {
  status: 'ready',
  id: '04-mica/02-enforce',
  part: '04-mica',
  title: 'The monitor enforces the declaration',
  summary:
    'With the pipeline’s policies uploaded, try to read a pipe, give a stage an NS page and map a pipe into a stage that never declared it.',
  objectives: [
    'Explain what “sealed” means for a realm that is not a gateway.',
    'Explain why a shared page is mapped only inside a declared window (and nowhere else).',
    'Find the policy clause behind a monitor refusal in the ledger.',
  ],
  body,
  mode: 'mica',
  commands: {},
  setup: pipelineSetup('mica'),
  goals: [
    {
      id: 'pipe-protected',
      title: 'As the host, fail to read a page of a shared object (a GPF on a pipe page).',
      check({ machine, ledger }) {
        const shared = new Set(monitorOf(machine.state).sgt.map((e) => e.pa));
        const hit = eventsOf(ledger, 'gpf').find(
          (f) => f.actor === 'host' && shared.has(granuleOfPa(f.pa)),
        );
        return hit
          ? { done: true, detail: `GPF at ${hex(hit.pa)}: a shared page stays in the Realm PAS` }
          : { done: false, detail: 'no host fault on a shared-object page yet' };
      },
    },
    {
      id: 'sealed',
      title: 'Try to give a non-gateway stage a new NS mapping, and see the monitor refuse it.',
      check({ machine, ledger }) {
        const view = monitorOf(machine.state);
        const sealed = new Set(
          view.realms.filter((r) => r.uploaded && r.isGateway === false).map((r) => r.name),
        );
        const hit = micaDecisions(ledger, 'blocked').find(
          (d) => d.channel === 'ns-map' && sealed.has(d.destination.name),
        );
        return hit
          ? {
              done: true,
              detail: `refused by ${hit.decision.rule}: ${hit.decision.reason}`,
            }
          : {
              done: false,
              detail: 'no NS mapping of a non-gateway stage has been refused yet',
            };
      },
    },
    {
      id: 'undeclared-window',
      title: 'Try to map a shared page into a realm outside its declared windows, and be refused.',
      check({ ledger }) {
        const hit = micaDecisions(ledger, 'blocked').find((d) => d.channel === 'shared-map');
        const refused = refusals(ledger, ['RMI_DATA_CREATE_UNKNOWN_SHARED']).find((r) =>
          r.failure.label.startsWith('mica_'),
        );
        if (hit && refused) {
          return {
            done: true,
            detail: `${refused.failure.label}, clause ${hit.decision.rule}: ${hit.decision.reason}`,
          };
        }
        return { done: false, detail: 'no shared mapping has been refused by the monitor yet' };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: '`rmi list` shows every RMI command with its arguments; `gpt <pa>` who owns a page.',
    },
    {
      tier: 'stronger',
      text: `The encoder is VM2 and not a gateway; storage is VM4 and declares only Mem3 at 0x18000000000-0x18000003fff. Any NS page works as \`desc\`, the monitor refuses before looking at it.`,
    },
    {
      tier: 'near-solution',
      text: `\`read ${hex(MEM1_PA)} 8\`, \`rmi RMI_RTT_MAP_UNPROTECTED ${hex(RD.encoder)} ${hex(NS_IPA)} 3 0x88000000\`, \`rmi RMI_DATA_CREATE_UNKNOWN_SHARED ${hex(RD.storage)} ${hex(MEM1_PA)} ${hex(UNDECLARED_IPA)}\`.`,
    },
  ],
  solution: [
    `read ${hex(MEM1_PA)} 8`,
    `gpt ${hex(MEM1_PA)}`,
    `rmi RMI_RTT_MAP_UNPROTECTED ${hex(RD.encoder)} ${hex(NS_IPA)} 3 0x88000000`,
    `rmi RMI_DATA_CREATE_UNKNOWN_SHARED ${hex(RD.storage)} ${hex(MEM1_PA)} ${hex(UNDECLARED_IPA)}`,
  ],
  glossary: [
    'Mica policy / policy',
    'RMI',
    'Failure condition',
    'Flow ledger / ledger',
    'GPC / GPF',
  ],
  specRefs: [
    { source: 'mica-spec.md', section: '§3.4', title: 'Protected shared memory: activation' },
    { source: 'mica-spec.md', section: '§3.5', title: 'Unprotected (NS) memory rules' },
    { source: 'mica-spec.md', section: '§6', title: 'Attacks 1, 5 and 7' },
  ],
};
