/**
 * Lesson 02-realms/03: run the realm. The setup starts from the named fixture
 * `buildLoadedRealm` (fixtures/realm-build.ts: the NEW realm with its image at IPA 0, where
 * the previous lesson stands before activation) and plays the VMM once more: RmiRecParams for one runnable
 * vCPU; the RmiRecRun page it names is blank (zero) NS memory. The learner creates the REC (with its auxiliary
 * granules), activates the realm, enters the REC and reads why it came back: the host sees
 * the exit record, never the realm's memory or registers.
 * Spec: DEN0137 A2.3 (REC), A4.2-4.3 (REC entry and exit), B4.3.11 (RMI_REC_AUX_COUNT),
 * B4.3.12 (RMI_REC_CREATE), B4.3.14 (RMI_REC_ENTER), B4.4.19 (RmiRecParams);
 * cca-spec.md §2.5, §3.3.
 */
import {
  abi,
  encodeRecParams,
  listRealms,
  granuleIndex,
  mpidrOfIndex,
  type Machine,
  type MachineView,
} from '../../emulator/index.ts';
import type { Lesson } from '../schema.ts';
import { eventsOf, hostAccesses, wayBack } from '../ledger-queries.ts';
import { hex } from '../../lib/hex.ts';
import { RD_PA, buildLoadedRealm } from '../fixtures/realm-build.ts';

/** Where the setup leaves RmiRecParams. */
export const REC_PARAMS_PA = 0x8001_2000;
/** The RmiRecRun page the host passes to REC_ENTER (NS memory). */
export const RUN_PA = 0x8001_3000;
/** The REC granule the parameters are meant for, and the first auxiliary granule. */
export const REC_PA = 0x8000_8000;
export const AUX_BASE = 0x8000_9000;

const rd = hex(RD_PA);
const rec = hex(REC_PA);
const run = hex(RUN_PA);
const recParams = hex(REC_PARAMS_PA);
const exitAt = hex(RUN_PA + abi.RMI_REC_RUN_EXIT);

/** The loaded realm (still NEW), the REC parameters and the run page. */
function setup(machine: Machine): void {
  buildLoadedRealm(machine);
  const count = Number(machine.smc(abi.SMC_RMI_REC_AUX_COUNT, RD_PA).x[1] ?? 0n);
  machine.write(
    REC_PARAMS_PA,
    encodeRecParams({
      flags: BigInt(abi.RMI_RUNNABLE),
      mpidr: mpidrOfIndex(0),
      pc: 0n,
      numAux: BigInt(count),
      aux: Array.from({ length: count }, (_, i) => BigInt(AUX_BASE + i * abi.GRANULE_SIZE)),
    }),
  );
  // RUN_PA is left all zero: a blank RmiRecRun (no entry flags, no registers to hand back).
}

/** The RECs of the realm at `rdPa`. */
function recsOf(machine: MachineView, rdPa: number) {
  return Object.values(machine.state.rmm.recs).filter((r) => r.owner === rdPa);
}

/** The exit_reason byte at `pa` (NS memory the host may read), named. */
function exitReason(machine: MachineView, pa: number): string {
  const page = machine.state.memory[granuleIndex(pa)];
  const code = page?.[pa % abi.GRANULE_SIZE] ?? 0;
  return `exit_reason ${code} (${abi.RMI_EXIT_NAMES[code] ?? 'unknown'})`;
}

const body = `
## A vCPU the host schedules but cannot see into

A realm runs on **RECs** (Realm Execution Contexts), one per virtual CPU. A REC holds the
vCPU's registers and state inside the Realm PAS; it is created with the RMI command
\`RMI_REC_CREATE(rd, rec, params_ptr)\` while the realm is NEW (a runnable REC's entry point
and registers are measured into the RIM), and it needs a few **auxiliary granules** for
state such as FP/SIMD: \`RMI_REC_AUX_COUNT(rd)\` says how many, and RmiRecParams lists them.

The host runs a vCPU with \`RMI_REC_ENTER(rec, run_ptr)\`. \`run_ptr\` is an **RmiRecRun**
page in NS memory with two halves: *RmiRecEnter* (0x000), what the host passes in, and
*RmiRecExit* (0x800), what the RMM writes back when the realm stops. The realm runs until
something needs the host: an interrupt, an emulated MMIO access, a PSCI call, a host call.
\`REC_ENTER\` then returns \`RMI_SUCCESS\` and the exit record says why:

| \`exit_reason\` (RmiRecExit + 0x000) | Meaning |
|---|---|
| 0 \`RMI_EXIT_SYNC\` | a synchronous exception the host must handle (e.g. an MMIO data abort) |
| 1 \`RMI_EXIT_IRQ\` | an interrupt for the host arrived; the realm was preempted |
| 3 \`RMI_EXIT_PSCI\` | the realm made a PSCI call (CPU_ON, SYSTEM_OFF, ...) |
| 5 \`RMI_EXIT_HOST_CALL\` | the realm called the host on purpose (\`RSI_HOST_CALL\`) |

Everything else (the realm's general-purpose registers, its memory, its page tables) stays
behind the GPT. The host only learns what the exit record shows, and for most exits the RMM
exposes just the registers the architecture requires.

## Your turn

The setup rebuilt the NEW realm of the last lesson (RD \`${rd}\`, its image loaded at IPA 0)
and, playing the VMM, wrote RmiRecParams at \`${recParams}\` (one runnable vCPU, PC = IPA 0,
auxiliary granules listed at 0x808) and a blank RmiRecRun page at \`${run}\`. Create the REC
at \`${rec}\`, activate the realm, enter the REC, and read the exit reason at \`${exitAt}\`.
`;

/** The lesson. */
export const RUN_REALM: Lesson = {
  status: 'ready',
  id: '02-realms/03-run',
  part: '02-realms',
  title: 'Run it: RECs, REC_ENTER and exits',
  summary:
    'Create a vCPU, activate the realm, enter it and read the exit record: all the host ever sees.',
  objectives: [
    'Explain what a REC is, why it needs auxiliary granules, and when it can be created.',
    'Use RMI_REC_ENTER with an RmiRecRun page and read the exit reason.',
    'Say what the host learns at a REC exit and what stays hidden.',
  ],
  body,
  mode: 'cca',
  commands: {},
  setup,
  goals: [
    {
      id: 'rec-created',
      title: 'Create a runnable REC for the realm.',
      check({ machine }) {
        const realm = listRealms(machine.state)[0];
        const recs = realm ? recsOf(machine, realm.rd) : [];
        const first = recs[0];
        return first
          ? {
              done: true,
              detail: `REC ${hex(first.rec)} (MPIDR ${first.mpidr}), ${first.aux.length} aux granule(s), ${first.runnable ? 'runnable' : 'not runnable'}`,
            }
          : {
              done: false,
              detail:
                realm?.state === 'ACTIVE'
                  ? `the realm has no REC and is already ACTIVE: RMI_REC_CREATE needs a NEW realm, so none can be added now; ${wayBack('RMI_REALM_ACTIVATE')}`
                  : 'the realm has no REC yet',
            };
      },
    },
    {
      id: 'activated',
      title: 'Activate the realm after creating its REC.',
      check({ machine }) {
        const realm = listRealms(machine.state)[0];
        if (!realm) return { done: false, detail: 'the realm is gone' };
        const recs = recsOf(machine, realm.rd).length;
        return {
          done: realm.state === 'ACTIVE' && recs > 0,
          detail:
            realm.state === 'ACTIVE' && recs === 0
              ? `realm ${hex(realm.rd)} was activated with no REC, and an ACTIVE realm takes no new REC; ${wayBack('RMI_REALM_ACTIVATE')}`
              : `realm ${hex(realm.rd)} is ${realm.state} with ${recs} REC(s)`,
        };
      },
    },
    {
      id: 'exit-read',
      title: 'Enter the REC, then read the exit reason from the RmiRecRun page.',
      check({ machine, ledger }) {
        const ok = new Set(
          eventsOf(ledger, 'smc:return')
            .filter((r) => r.name === 'RMI_REC_ENTER' && r.status === 'RMI_SUCCESS')
            .map((r) => r.call),
        );
        const entries = eventsOf(ledger, 'smc:call').filter((c) => ok.has(c.seq));
        if (entries.length === 0) return { done: false, detail: 'no successful REC_ENTER yet' };
        const reads = hostAccesses(ledger, 'read', 'allowed');
        for (const entry of entries) {
          const exit = Number(entry.args[1]) + abi.RMI_REC_RUN_EXIT;
          const read = reads.find((r) => r.seq > entry.seq && r.pa <= exit && r.pa + r.len > exit);
          if (read) {
            return {
              done: true,
              detail: `the host read the exit record at ${hex(exit)}: ${exitReason(machine, exit)}`,
            };
          }
        }
        const exit = Number(entries[0]!.args[1]) + abi.RMI_REC_RUN_EXIT;
        return {
          done: false,
          detail: `the REC ran and exited; read exit_reason at ${hex(exit)}`,
        };
      },
    },
  ],
  hints: [
    {
      tier: 'nudge',
      text: `\`read ${hex(REC_PARAMS_PA + 0x800)} 32\` shows num_aux and the auxiliary granules the REC needs; they must be delegated, like the REC itself.`,
    },
    {
      tier: 'stronger',
      text: `The order matters: REC_CREATE needs a NEW realm, REC_ENTER an ACTIVE one. \`rmi REC_AUX_COUNT ${rd}\` tells you how many aux granules to delegate from ${hex(AUX_BASE)}.`,
    },
    {
      tier: 'near-solution',
      text: `Delegate ${rec}, ${hex(AUX_BASE)} and ${hex(AUX_BASE + abi.GRANULE_SIZE)}; \`rmi REC_CREATE rd=${rd} rec=${rec} params_ptr=${recParams}\`; \`rmi REALM_ACTIVATE rd=${rd}\`; \`rmi REC_ENTER rec=${rec} run_ptr=${run}\`; \`read ${exitAt} 16\`.`,
    },
  ],
  solution: [
    `rmi REC_AUX_COUNT rd=${rd}`,
    `delegate ${rec}`,
    `delegate ${hex(AUX_BASE)}`,
    `delegate ${hex(AUX_BASE + abi.GRANULE_SIZE)}`,
    `rmi REC_CREATE rd=${rd} rec=${rec} params_ptr=${recParams}`,
    `rmi REALM_ACTIVATE rd=${rd}`,
    `rmi REC_ENTER rec=${rec} run_ptr=${run}`,
    `read ${exitAt} 16`,
  ],
  glossary: ['REC', 'Realm', 'RMI', 'RIM'],
  specRefs: [
    { source: 'DEN0137', section: 'A2.3', title: 'Realm Execution Context' },
    { source: 'DEN0137', section: 'A4.3', title: 'REC exit' },
    { source: 'DEN0137', section: 'B4.3.12', title: 'RMI_REC_CREATE' },
    { source: 'DEN0137', section: 'B4.3.14', title: 'RMI_REC_ENTER' },
    { source: 'cca-spec.md', section: '§2.5', title: 'REC exit reasons and what the host sees' },
    { source: 'cca-spec.md', section: '§3.3', title: 'REC lifecycle' },
  ],
};
