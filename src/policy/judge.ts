/**
 * What one ledger `flow` event amounts to, in words a room can read: allowed, blocked (and by
 * which rule of whose policy), or a leak (labelled bytes that reached a place the host can see,
 * or a realm the tenant did not name, mica-spec.md §1.3). The realm terminals and the Pipeline
 * drawing both print these sentences, so the terminal, the ledger and the diagram say the same
 * thing about the same event.
 *
 * Design rationale: "leak" is judged only from where labelled bytes ended up
 * ({@link isHostVisible}, the emulator's definition that `leaksOf` uses too), never from which
 * command ran or how the realm's access ended; "blocked" only from the decision the machine
 * logged. The sentence is built from the event alone plus a name lookup for realms, so a
 * replayed or restored ledger reads the same. The one allowed way out for the tenant's data
 * (mica-spec.md §1.3, §4.5 step 6) is read from the machine too: {@link sanitisedPassage}
 * accepts a host-visible flow only when the machine marked its bytes as a named sanitiser's
 * output (emulator provenance.ts marks) and the realm handing them out is the tenant's gateway
 * by measurement: the RIM the machine recorded on the flow when the realm acted is one the
 * tenant declared its gateway's (`state.tenant`, provenance.ts `declareRealm`), the way it
 * declares its sanitisers. The realms that may receive the tenant's data are read the same
 * way: once the tenant declared the members of its pipeline, {@link undeclaredRecipient} finds
 * labelled bytes a realm received whose RIM, recorded on the flow when the bytes arrived, it
 * did not declare (a realm built after the pipeline, one reading leftovers after a teardown, a
 * substitute under a member's name). Names only word the sentences: the name a realm goes by
 * is the host's to give (it can call storage "gateway"), and an RD is reused after a destroy.
 * Both together are the one leak rule, {@link leakOf} for a flow and {@link runLeaks} for a
 * run: `judgeFlow`'s `leak` outcome, the scenario report, the built-in attacks and the Data
 * view all read it, so none of them has a leak rule of its own to drift.
 */
import {
  abi,
  isHostVisible,
  sanitisersPassed,
  SOURCE_RULE,
  type Endpoint,
  type LedgerEvent,
  type LedgerEventOf,
  type MachineState,
} from '../emulator/index.ts';
import { hex } from '../lib/hex.ts';
import { MICA_GAPS, type MicaGap } from './abi.ts';
import { EXIT_HOST_ENDS } from './monitor/common.ts';
import { MICA_EXT, micaOf } from './monitor/state.ts';

/** How a flow ended, as the diagram and the terminal show it. */
export type FlowOutcome = 'allowed' | 'blocked' | 'leak';

/** A flow event judged and put into words. */
export interface FlowJudgement {
  /** The ledger event's sequence number. */
  readonly seq: number;
  readonly outcome: FlowOutcome;
  /** Who acted: a realm's name, `host`, ... */
  readonly actor: string;
  /** The rule in a word or two (`CF3`, `Mem1 prot`, `is-gateway`), for the drawing. */
  readonly rule: string;
  /** The clause as the ledger names it (`CF3 owner VM2 EXCEPTION 0x24 BLOCK`). */
  readonly clause: string;
  /** The machine's own explanation. */
  readonly reason: string;
  /**
   * One plain sentence, e.g. "encoder tried to hand data to the host (MMIO exit registers):
   * blocked by its policy, rule CF3".
   */
  readonly text: string;
  /**
   * The prototype gap that let this allowed flow through (its decision's rule is one of
   * {@link MICA_GAPS}: the check Mica mode makes was not made), else undefined.
   */
  readonly gap?: MicaGap;
}

const GAPS: ReadonlySet<string> = new Set(MICA_GAPS);

/**
 * The prototype gap the machine named as the rule that allowed `e` (mica-spec.md §6 Status G:
 * the prototype lets it through; Mica mode checks it), else undefined. Read from the decision
 * the monitor logged, never from what a script says it did.
 */
export function gapOf(e: LedgerEventOf<'flow'>): MicaGap | undefined {
  return e.decision.verdict === 'allowed' && GAPS.has(e.decision.rule)
    ? (e.decision.rule as MicaGap)
    : undefined;
}

/** Maps endpoint names such as `realm:0x84026000` to the realm's name. */
export type NameOf = (name: string) => string;

const REALM_ACTOR = /^realm:(0x[0-9a-f]+)$/i;

/**
 * A name lookup for `state`: `realm:<rd>` (how the emulator names a realm that acts) becomes
 * the realm's name in the VMM or in the Mica monitor; other names pass through.
 */
export function realmNamer(state: Readonly<MachineState>): NameOf {
  const byRd = new Map<number, string>();
  // The VMM's records by name (a destroyed realm's stays, with an RD a later realm may have
  // taken), then the name the host gave each RD last, which takes precedence: a state saved
  // before the host kept `names` has only the records.
  for (const r of Object.values(state.host?.realms ?? {})) byRd.set(r.rd, r.name);
  for (const [key, name] of Object.entries(state.host?.names ?? {})) byRd.set(Number(key), name);
  for (const [key, r] of Object.entries(micaOf(state)?.realms ?? {})) {
    const rd = Number(key);
    if (r.name && !byRd.has(rd)) byRd.set(rd, r.name);
  }
  return (name) => {
    const m = REALM_ACTOR.exec(name);
    return m ? (byRd.get(Number(m[1])) ?? name) : name;
  };
}

/** The rule in a word or two: `CF3`, `Mem1 prot`, `is-gateway`, else the rule as logged. */
export function shortRule(rule: string): string {
  const cf = /^([A-Za-z]+\d+) owner /.exec(rule);
  if (cf) return cf[1]!;
  const prot = /^(\w+)\.mappings\.\w+\.prot$/.exec(rule);
  if (prot) return `${prot[1]} prot`;
  const flag = /^\w+ (is-gateway|strict) (true|false)$/.exec(rule);
  if (flag) return flag[1]!;
  return rule;
}

/** What was attempted, as "tried to …" and as "… did" with the data named. */
interface Action {
  readonly attempt: string;
  readonly done: (what: string) => string;
  /**
   * What the machine did about it without refusing the call it came in (a blocked decision on
   * a call that succeeded), in words: the SGT updates it serialised. Undefined: a blocked
   * decision is a refusal.
   */
  readonly held?: string;
}

function describeAction(e: LedgerEventOf<'flow'>, source: string, target: string): Action {
  const object = e.destination.kind === 'memory' ? e.destination.name : e.source.name;
  switch (e.channel) {
    case 'mmio':
      return MMIO_DATA;
    case 'exit':
      return exitAction(e);
    case 'host-call':
      return {
        attempt: 'pass data to the host in a host call',
        done: (w) => `passed ${w} to the host in a host call`,
      };
    case 'smc': {
      // Named by where the call ended up: an RSI call at the RMM, a host call at the host, a
      // PSCI call the RMM handed to the host (RMI_EXIT_PSCI; monitor/common.ts psciHostEnd).
      const psci = e.destination.kind === 'host' ? psciFunctionOf(e.destination.name) : undefined;
      if (psci)
        return {
          attempt: `call ${psci}, which the RMM hands to the host`,
          done: () => `called ${psci}; the RMM asked the host to complete it (RMI_EXIT_PSCI)`,
        };
      return e.destination.kind === 'host'
        ? { attempt: 'call the host', done: (w) => `called the host with ${w}` }
        : { attempt: `call the ${target}`, done: (w) => `called the ${target} with ${w}` };
    }
    case 'ns-memory':
      return {
        attempt: 'copy data into host-visible memory',
        done: (w) => `copied ${w} into host-visible (NS) memory`,
      };
    case 'console':
      return {
        attempt: "print on the host's console",
        done: (w) => `printed ${w} on the console`,
      };
    case 'network':
      return { attempt: 'send data to the network', done: (w) => `sent ${w} to the network` };
    case 'shared-memory':
      return e.source.kind === 'memory'
        ? { attempt: `read ${object}`, done: (w) => `read ${w} from ${object}` }
        : { attempt: `write ${object}`, done: (w) => `wrote ${w} to ${object}` };
    case 'ns-map':
      return {
        attempt: `give ${target} an NS page`,
        done: () => `gave ${target} an NS page`,
      };
    case 'ns-unmap':
      return {
        attempt: `keep an NS page mapped in ${source}`,
        done: () => `kept an NS page mapped in ${source}`,
      };
    case 'shared-map':
      return {
        attempt: `map a shared page into ${target}`,
        done: () => `mapped a shared page into ${target}`,
      };
    case 'interrupt':
      return {
        attempt: `interrupt ${target}`,
        done: () => `interrupted ${target}`,
      };
    case 'policy-upload':
      return { attempt: 'upload its policy', done: () => 'uploaded its policy' };
    case 'undelegate':
      return {
        attempt: `undelegate ${pageOf(e)}`,
        done: () => `undelegated ${pageOf(e)} while it is still shared`,
      };
    case 'granule':
      return {
        attempt: `reuse ${pageOf(e)}, which Mica holds`,
        done: () => `reused ${pageOf(e)}, which Mica holds`,
      };
    case 'sgt':
      return {
        attempt: 'update the SGT for two realms at once',
        done: () => 'updated the SGT for two realms at once',
        // §3.3 "SGT errors" (d): the monitor takes the racing updates one at a time.
        held: 'the Mica monitor serialised the two updates, so neither was lost',
      };
    default:
      return { attempt: e.channel, done: (w) => `${e.channel}: ${w}` };
  }
}

/** An exit that hands the host a value the realm stored (the emulated MMIO write's register). */
const MMIO_DATA: Action = {
  attempt: 'hand data to the host (MMIO exit registers)',
  done: (w) => `handed ${w} to the host (MMIO exit registers)`,
};

/**
 * A REC exit the monitor decided, in words, by what it hands the host: the host end the
 * monitor named after the exit the RMM built (monitor/common.ts `EXIT_HOST_ENDS`) and the IPA
 * the access stopped at. Only an emulatable MMIO write carries data (cca-spec.md §2.5); an
 * abort at a protected IPA exits with no register value, and a blocked one becomes an SEA in
 * the realm (mica-spec.md §8 item 6), so no data leaves either way.
 */
function exitAction(e: LedgerEventOf<'flow'>): Action {
  const at = e.source.address === undefined ? '' : ` ${hex(e.source.address)}`;
  switch (e.destination.name) {
    case EXIT_HOST_ENDS.mmioWrite.name:
      return MMIO_DATA;
    case EXIT_HOST_ENDS.mmioRead.name:
      return {
        attempt: `make the host emulate an MMIO read at unprotected address${at} (no data leaves)`,
        done: () => `made the host emulate an MMIO read at unprotected address${at} (no data left)`,
      };
    case EXIT_HOST_ENDS.protectedFault.name:
      return {
        attempt: `make the host handle a fault at protected address${at} (no data leaves)`,
        done: () => `made the host handle a fault at protected address${at} (no data left)`,
      };
    case EXIT_HOST_ENDS.unemulatedFault.name:
      return {
        attempt: `make the host handle a fault it cannot emulate at address${at} (no data leaves)`,
        done: () => `made the host handle a fault at address${at} (no data left)`,
      };
    case EXIT_HOST_ENDS.wfx.name:
      return {
        attempt: 'exit to the host on WFI/WFE',
        done: () => 'exited to the host on WFI/WFE',
      };
    case EXIT_HOST_ENDS.serror.name:
      return {
        attempt: 'report an SError to the host',
        done: () => 'reported an SError to the host',
      };
    case EXIT_HOST_ENDS.scrubbed.name:
      return {
        attempt: 'exit to the host',
        done: () => 'exited to the host with its registers and fault address zeroed',
      };
    default:
      // A ledger saved before the monitor named what an exit carries: the exit itself.
      return { attempt: 'exit to the host', done: (w) => `exited to the host with ${w}` };
  }
}

/** The spec names of the PSCI functions (`PSCI_CPU_ON`, ...). */
const PSCI_FUNCTIONS: ReadonlySet<string> = new Set(Object.values(abi.PSCI_NAMES));

/** The host endpoint of a PSCI call the RMM handed over: `host (PSCI_CPU_ON)`. */
const PSCI_AT_HOST = /^host \((\w+)\)$/;

/**
 * The PSCI function a host endpoint is named after (a call the RMM handed to the host,
 * monitor/common.ts `psciHostEnd`), else undefined.
 */
function psciFunctionOf(name: string): string | undefined {
  const fn = PSCI_AT_HOST.exec(name)?.[1];
  return fn !== undefined && PSCI_FUNCTIONS.has(fn) ? fn : undefined;
}

/** A page a host or the monitor acted on, in words: "shared page 0x80075000". */
function pageOf(e: LedgerEventOf<'flow'>): string {
  const d = e.destination;
  const what = d.name === 'shared page' || d.name === 'mica:shared' ? 'shared page' : 'page';
  return d.address === undefined ? what : `${what} ${hex(d.address)}`;
}

/**
 * Whose policy decided: the realm at either end (the actor's own first), else undefined (the
 * host acting on a page or the monitor's state: no realm's policy is at stake).
 */
function policyOwner(e: LedgerEventOf<'flow'>, nameOf: NameOf, actor: string): string | undefined {
  const realm = (p: Endpoint) => (p.kind === 'realm' ? nameOf(p.name) : undefined);
  const owner = realm(e.source) ?? realm(e.destination);
  if (!owner) return undefined;
  return owner === actor ? 'its policy' : `${owner}'s policy`;
}

/** The failure the machine logged on a call's return (ledger `smc:return`). */
export type CallFailure = NonNullable<LedgerEventOf<'smc:return'>['failure']>;

/**
 * The return of the host call that `e` was decided in: the `smc:return` of the flow's parent
 * call, found by index in the densely numbered `ledger`, else undefined (the flow was not
 * decided inside a call, or the ledger ends before its return).
 */
function callReturnOf(
  ledger: readonly LedgerEvent[],
  e: LedgerEventOf<'flow'>,
): LedgerEventOf<'smc:return'> | undefined {
  const call = e.parent;
  const first = ledger[0]?.seq;
  if (call === undefined || first === undefined) return undefined;
  if (ledger[call - first]?.kind !== 'smc:call') return undefined;
  for (let i = e.seq - first + 1; i < ledger.length; i++) {
    const x = ledger[i]!;
    if (x.kind === 'smc:return' && x.call === call) return x;
  }
  return undefined;
}

/**
 * The failure of the host call that `e` was decided in ({@link callReturnOf}), else undefined
 * (the flow was not decided inside a call, the call succeeded, or the ledger ends before its
 * return).
 */
export function callFailureOf(
  ledger: readonly LedgerEvent[],
  e: LedgerEventOf<'flow'>,
): CallFailure | undefined {
  return callReturnOf(ledger, e)?.failure;
}

/**
 * Who refused a call, in words, from the failure the machine logged (mica-spec.md §8: the
 * monitor's own checks; cca-spec.md: the RMM's RMI failure conditions): the Mica monitor and
 * its check when the Mica extension's condition fired (`by` is {@link MICA_EXT}), else the
 * RMM and its condition label. Never from what an attack says it did.
 */
export function refuserOf(failure: Pick<CallFailure, 'label' | 'by'>): string {
  return `${refuser(failure)}, ${refusalKind(failure)} ${failure.label}`;
}

/**
 * Whose condition a failure label is, for the line that prints the label (the host terminal,
 * the ledger list): "the Mica monitor's check", "the RMM's condition" ({@link refuserOf}).
 */
export function failureOwner(failure: Pick<CallFailure, 'by'>): string {
  return `${refuser(failure)}'s ${refusalKind(failure)}`;
}

function refuser(failure: Pick<CallFailure, 'by'>): string {
  if (failure.by === MICA_EXT) return 'the Mica monitor';
  return failure.by === undefined ? 'the RMM' : `the ${failure.by} extension`;
}

/** An extension's conditions are its checks; the RMM's are the RMI failure conditions. */
function refusalKind(failure: Pick<CallFailure, 'by'>): string {
  return failure.by === undefined ? 'condition' : 'check';
}

/** Channels of the host's NS mappings of a realm: a way to host-visible memory (§6 attack 1). */
const NS_MAPPING_CHANNELS: ReadonlySet<string> = new Set(['ns-map', 'ns-unmap']);

/**
 * True when the refused flow `e` stopped an attack in its own right, so it outranks the tenant's
 * verifier rejecting a group token (the run's verdict: leak, then such a block, then the
 * verifier's rejection, then any other refusal, then no leak: {@link decidingRefusal}, which
 * workflows/run.ts and lessons/judged-run.ts both use): a refusal of labelled bytes (the
 * tenant's data was stopped), the monitor refusing a realm's policy upload (mica-spec.md §3.3,
 * §8 item 3: the realm never joined the group, whatever token is taken later), the monitor
 * refusing or removing a host's NS mapping of a realm that may not have one (§6 attack 1: the
 * way out to host-visible memory is closed before any byte is written; what the realm tries
 * later is refused because of it), or the monitor refusing to interleave the host's concurrent
 * SGT updates (§6 attack 21; §3.3 "SGT errors" (d) and Appendix A: racing prefaults or uploads
 * lose SGT entries, and with them a realm's coverage or its place in the group; the emulator's
 * Mica serialises them, so the race is stopped where it starts and nothing is lost; a later
 * refusal in that run, such as an upload failing its coverage check, is not what stopped the
 * race). Any other refusal (a stage's own call refused by its CF rules, a probe of the
 * dummy page, CLEAN) is a block only when the verifier does not reject.
 */
export function stopsAnAttack(e: LedgerEventOf<'flow'>): boolean {
  return (
    e.labels.length > 0 ||
    e.channel === 'policy-upload' ||
    e.channel === 'sgt' ||
    NS_MAPPING_CHANNELS.has(e.channel)
  );
}

/** The refusal that decides a run's `blocked` verdict ({@link decidingRefusal}). */
export interface DecidingRefusal {
  /** The refused flow. */
  readonly event: LedgerEventOf<'flow'>;
  /** {@link stopsAnAttack} holds for it: it outranks the verifier's rejection. */
  readonly stopsAnAttack: boolean;
}

/**
 * The refusal that decides a run, from its flow events in ledger order (only the refused ones,
 * `decision.verdict` `blocked`, are candidates), or undefined when none counts. The one
 * rule both judges use (the run report, workflows/run.ts `runScenarioFile`, and the lessons'
 * `judgeView`), so the Pipeline banner, the lesson and the progress file name the same clause:
 *
 * 1. the FIRST refusal that {@link stopsAnAttack}: a §6 attack is stopped by the mechanism the
 *    table names, and it acts first; what the machine refuses after it is a consequence, not
 *    another attack stopped (attack 1: the non-gateway's NS mapping is removed at upload,
 *    §3.5, and the exit the stage then tries is refused by CF3 only because the way was
 *    closed; attacks 5, 8, 12, 14: the first refused upload leaves later realms refused as
 *    unregistered peers and every stage reading its dummy page, §3.3 step 7, §3.4 step 3);
 * 2. else the first refusal of an attempt (any refusal but CLEAN) from the run's first flow of
 *    the tenant's labelled data on: a stage's call refused by its control-flow rules (§3.6,
 *    attacks 2, 3, 20), a host call the monitor refuses (§8 items 4 and 13, attacks 6, 11);
 *    first for the same reason as above (a stage that retries is refused again because of the
 *    first refusal). These rank below the verifier's rejection, which the caller checks
 *    between 1 and 2. Earlier ones do not count: a CF rule BLOCKs every SMC of its class from
 *    the realm's upload on (§3.6), so a stage that reads its own measurements right after its
 *    upload, before any of the tenant's data moves, is refused: the stage meeting its own
 *    rule during its set-up, not an attempt on the tenant's data (§1.3), and a run that then
 *    moves the data and leaks nothing is no-leak. When the run moves no labelled data at all
 *    (it acts on what the machine already holds: a teardown of the tenant's pages), every
 *    refusal counts. The ledger does not record which RSI function an `smc` event was, so the
 *    judge cannot tell a set-up call from a call made later on the way out any other way;
 * 3. else the first such CLEAN (§3.7): the monitor zeroing a region that lost its last mapping
 *    is no one's attempt refused, so it decides only when nothing else was refused (attack 10:
 *    leftovers never survive a teardown).
 */
export function decidingRefusal(
  flows: Iterable<LedgerEventOf<'flow'>>,
): DecidingRefusal | undefined {
  // The first refusal of an attempt and the first CLEAN, before and from the first labelled flow.
  const before: { attempt?: LedgerEventOf<'flow'>; clean?: LedgerEventOf<'flow'> } = {};
  const inPlay: typeof before = {};
  let moved = false;
  for (const e of flows) {
    moved ||= e.labels.length > 0;
    if (e.decision.verdict !== 'blocked') continue;
    if (stopsAnAttack(e)) return { event: e, stopsAnAttack: true };
    const found = moved ? inPlay : before;
    if (e.channel === 'clean') found.clean ??= e;
    else found.attempt ??= e;
  }
  const counted = moved ? inPlay : before;
  const event = counted.attempt ?? counted.clean;
  return event && { event, stopsAnAttack: false };
}

/**
 * Judges one flow event. A leak is an allowed flow of labelled bytes to a host-visible place,
 * unless `passage` is given and the flow is its allowed exit ({@link sanitisedPassage}: then
 * it is `allowed`, in the passage's words), or, when `passage` names the tenant's realms, an
 * allowed flow of labelled bytes into a realm it did not name ({@link undeclaredRecipient});
 * a blocked flow is one the machine refused. `nameOf` resolves `realm:<rd>` names. A refusal
 * no realm's policy made (the host acting on a page the monitor holds) names who refused from
 * the failure of the call it was decided in ({@link callFailureOf}, {@link refuserOf}) when
 * `ledger` is given, else "the machine"; one that refused nothing (the racing SGT updates the
 * monitor serialised, §3.3 "SGT errors" (d), inside a call that succeeded) says what the
 * machine did instead, and names the call that went on when `ledger` is given.
 */
export function judgeFlow(
  e: LedgerEventOf<'flow'>,
  nameOf: NameOf = (name) => name,
  passage?: AllowedPassage,
  ledger?: readonly LedgerEvent[],
): FlowJudgement {
  const source = nameOf(e.source.name);
  const target = nameOf(e.destination.name);
  // ns-unmap is logged from the realm's side, but it is the host's earlier mapping that goes.
  // A device the host emulates reads its NS buffer: the host is the one acting.
  const actor =
    e.source.kind === 'memory' && e.destination.kind === 'realm'
      ? target
      : e.channel === 'ns-unmap' || isHostVisible(e.source)
        ? 'host'
        : source;
  const action = describeAction(e, source, target);
  const rule = shortRule(e.decision.rule);
  const base = { seq: e.seq, actor, rule, clause: e.decision.rule, reason: e.decision.reason };
  const what = e.labels.length > 0 ? e.labels.join(', ') : `${e.bytes} byte(s)`;
  // CLEAN (mica-spec.md §3.7) is the monitor acting on a page, not an actor trying something:
  // one sentence per outcome, the same for every page, so a teardown reads as one line.
  if (e.channel === 'clean') {
    const blocked = e.decision.verdict === 'blocked';
    const gap = gapOf(e);
    return {
      ...base,
      ...(gap ? { gap } : {}),
      actor: 'Mica monitor',
      outcome: blocked ? 'blocked' : 'allowed',
      text: blocked
        ? 'a shared page lost its last mapping: the monitor zeroed it before anyone can reuse it'
        : 'a shared page lost its last mapping and keeps its contents (prototype: no CLEAN)',
    };
  }
  if (e.decision.verdict === 'blocked') {
    const by = policyOwner(e, nameOf, actor);
    const verb = e.channel === 'ns-unmap' ? 'removed' : 'blocked';
    const done = by === undefined && ledger ? callReturnOf(ledger, e) : undefined;
    // A decision that did not refuse the call it came in says what the machine did instead.
    if (by === undefined && action.held !== undefined && !done?.failure) {
      const call = done ? `${done.name} succeeded; ` : '';
      return {
        ...base,
        outcome: 'blocked',
        text: `${actor} tried to ${action.attempt}: ${call}${action.held}, rule ${rule}`,
      };
    }
    const failure = done?.failure;
    const who = failure ? refuserOf(failure) : `${by ?? 'the machine'}, rule ${rule}`;
    return {
      ...base,
      outcome: 'blocked',
      text: `${actor} tried to ${action.attempt}: ${verb} by ${who}`,
    };
  }
  const leak = leakOf(e, passage ?? NOTHING_DECLARED);
  if (leak?.kind === 'stranger')
    return {
      ...base,
      outcome: 'leak',
      text: `LEAK: ${target} ${action.done(what)}, but ${leak.why} (mica-spec §1.3: any realm not named)`,
    };
  if (leak)
    return {
      ...base,
      outcome: 'leak',
      text: `LEAK: ${actor} ${action.done(what)}; no rule stopped it`,
    };
  const way = passage ? sanitisedPassage(e, passage, nameOf) : undefined;
  if (way) return { ...base, outcome: 'allowed', text: `${actor} ${way.text}` };
  const gap = gapOf(e);
  if (gap)
    return {
      ...base,
      outcome: 'allowed',
      gap,
      text: `${actor} ${action.done(what)}: let through by the prototype (${gap})`,
    };
  return { ...base, outcome: 'allowed', text: `${actor} ${action.done(what)}: allowed, ${rule}` };
}

/** Why a flow is a leak (mica-spec.md §1.3): the two places labelled bytes may not reach. */
export type LeakKind =
  /** A host-visible place (NS memory, exit registers, a host call, the console, the network), not by the allowed exit. */
  | 'host-visible'
  /** A realm the tenant did not name ({@link undeclaredRecipient}). */
  | 'stranger';

/** Why one flow is a leak: {@link leakOf}. */
export interface LeakReason {
  readonly kind: LeakKind;
  /** The receiving realm's measurement as the flow recorded it (`stranger` only). */
  readonly rim?: string;
  /** In words: "its measurement (RIM 1a2b…) is not one the tenant declared", ... */
  readonly why: string;
}

/** A leak flow of a run, with its reason and the labels asked about that it carried. */
export interface RunLeak extends LeakReason {
  readonly event: LedgerEventOf<'flow'>;
  /** The labels of the run's question ({@link runLeaks} `labels`) the flow carried, in that order. */
  readonly labels: readonly string[];
}

/** What the judge reads when the tenant declared nothing: no realms, no gateway, no sanitiser. */
const NOTHING_DECLARED: AllowedPassage = { sanitisers: [], gateways: {} };

const HOST_VISIBLE_WHY =
  'labelled bytes reached a place the host can see, not through a declared sanitiser and the gateway';

/**
 * The leak rule, for one flow: an allowed flow of labelled bytes into a realm the tenant did not
 * name ({@link undeclaredRecipient}), or to a host-visible place ({@link isHostVisible}) other
 * than by the tenant's allowed exit ({@link sanitisedPassage}). Undefined for every other flow:
 * refused ones, unlabelled ones, CLEAN (the monitor acting on a page, mica-spec.md §3.7).
 * {@link judgeFlow}'s `leak` outcome and {@link runLeaks} both read it.
 */
export function leakOf(
  e: LedgerEventOf<'flow'>,
  passage: AllowedPassage = NOTHING_DECLARED,
): LeakReason | undefined {
  if (e.decision.verdict !== 'allowed' || e.labels.length === 0 || e.channel === 'clean')
    return undefined;
  const stranger = undeclaredRecipient(e, passage);
  if (stranger)
    return stranger.rim === undefined
      ? { kind: 'stranger', why: stranger.why }
      : { kind: 'stranger', rim: stranger.rim, why: stranger.why };
  if (!isHostVisible(e.destination) || sanitisedPassage(e, passage) !== undefined) return undefined;
  return { kind: 'host-visible', why: HOST_VISIBLE_WHY };
}

/**
 * The leaks of a run: the flows of `ledger` ({@link leakOf}, with what the tenant declared,
 * `passage`: {@link declaredPassage}) that carried any of `labels` (the inputs the run asks
 * about), oldest first, each with its reason. The one leak rule of every judge of a run: the
 * scenario report (workflows/run.ts), the built-in attacks (workflows/attacks.ts) and the
 * Data view's findings (ui/data/data-model.ts); the Pipeline drawing and the terminals read
 * the same rule flow by flow through {@link judgeFlow}. Flows with none of `labels` (another
 * input's, a realm's own secret) are not this question's leaks.
 */
export function runLeaks(
  ledger: Iterable<LedgerEvent>,
  passage: AllowedPassage,
  labels: readonly string[],
): RunLeak[] {
  const out: RunLeak[] = [];
  for (const e of ledger) {
    if (e.kind !== 'flow' || e.labels.length === 0) continue;
    const carried = labels.filter((l) => e.labels.includes(l));
    if (carried.length === 0) continue;
    const reason = leakOf(e, passage);
    if (reason) out.push({ ...reason, event: e, labels: carried });
  }
  return out;
}

/**
 * What the tenant declared to the machine, as the judge reads it (`state.tenant`, emulator
 * provenance.ts `declareRealm`): the realms it named, and the path it allows its data out by
 * (mica-spec.md §1.3, §4.5 step 6). Realms are told by measured identity, never by name.
 */
export interface AllowedPassage {
  /** The sanitisers the tenant named (realm names, as in their marks). */
  readonly sanitisers: readonly string[];
  /**
   * The realms the tenant's data enters and leaves by (its gateway), by measured identity:
   * RIM (hex) -> the name the tenant gives it.
   */
  readonly gateways: Readonly<Record<string, string>>;
  /**
   * The realms the tenant named, RIM (hex) -> name, once it declared the members of its
   * pipeline (every realm it declared, whatever its role): labelled bytes reaching any other
   * realm are a leak ({@link undeclaredRecipient}). Undefined when it declared no member: which
   * realms receive its data is then not judged (the lab's free terminals).
   */
  readonly members?: Readonly<Record<string, string>>;
}

/** The tenant's declarations as the machine keeps them: realms, gateway, sanitisers, by RIM. */
export function declaredPassage(state: Pick<Readonly<MachineState>, 'tenant'>): AllowedPassage {
  const sanitisers: string[] = [];
  const gateways: Record<string, string> = {};
  const named: Record<string, string> = {};
  let closed = false;
  for (const [rim, d] of Object.entries(state.tenant ?? {})) {
    named[rim] = d.name;
    if (d.roles.includes('member')) closed = true;
    if (d.roles.includes('gateway')) gateways[rim] = d.name;
    if (d.roles.includes('sanitiser') && !sanitisers.includes(d.name)) sanitisers.push(d.name);
  }
  return closed ? { sanitisers, gateways, members: named } : { sanitisers, gateways };
}

/** A realm that received the tenant's labelled bytes without being one the tenant named. */
export interface UndeclaredRecipient {
  /** Its measurement as the flow recorded it (undefined: the flow records none). */
  readonly rim: string | undefined;
  /** The sentence's reason: "its RIM 1a2b…  is not one the tenant declared". */
  readonly why: string;
}

/**
 * The receiving realm of `e` when the tenant named its realms (`passage.members`) and this one
 * is not among them (mica-spec.md §1.3 "any realm not named"): an allowed flow of labelled
 * bytes into a realm whose measurement, as the machine recorded it on the flow when the bytes
 * arrived ({@link Endpoint}`.rim`), the tenant did not declare. A realm the host calls by a
 * member's name is a stranger all the same, and so is one that reads leftovers after the
 * pipeline is torn down. The declared source's own arrival (the tenant's input reaching the
 * realm it sent it to) is not judged here. Undefined for every other flow, and for every flow
 * when the tenant declared no member.
 */
export function undeclaredRecipient(
  e: LedgerEventOf<'flow'>,
  passage: AllowedPassage,
): UndeclaredRecipient | undefined {
  const members = passage.members;
  if (members === undefined || !bringsLabelledBytesIn(e)) return undefined;
  const rim = e.destination.rim;
  if (rim !== undefined && Object.hasOwn(members, rim)) return undefined;
  return {
    rim,
    why:
      rim === undefined
        ? 'the flow records no measurement of the realm, so it is not one the tenant declared'
        : `its measurement (RIM ${rim.slice(0, 16)}…) is not one the tenant declared`,
  };
}

/**
 * True when `e` let labelled bytes into a realm, other than the declared source's arrival at
 * the realm it was sent to: the flows whose receiver the list of named realms judges
 * ({@link undeclaredRecipient}).
 */
export function bringsLabelledBytesIn(e: LedgerEventOf<'flow'>): boolean {
  return (
    e.decision.verdict === 'allowed' &&
    e.labels.length > 0 &&
    e.destination.kind === 'realm' &&
    e.decision.rule !== SOURCE_RULE
  );
}

/** A host-visible flow the machine shows left through a sanitiser and the gateway. */
export interface SanitisedPassage {
  readonly seq: number;
  /** The sanitiser whose mark the bytes carry. */
  readonly sanitiser: string;
  /** Where they went (`NS memory`, `tenant`, ...). */
  readonly sink: string;
  /** "left through the moderator (sanitised) and gateway to NS memory: allowed". */
  readonly text: string;
}

/**
 * The gateway (the tenant's name for it) that handed out `e`: its source is a realm whose RIM,
 * as the machine recorded it on the flow, the tenant declared a gateway's. Undefined for any
 * other source, whatever the host calls it.
 */
function gatewayOf(e: LedgerEventOf<'flow'>, passage: AllowedPassage): string | undefined {
  const rim = e.source.kind === 'realm' ? e.source.rim : undefined;
  return rim !== undefined && Object.hasOwn(passage.gateways, rim)
    ? passage.gateways[rim]
    : undefined;
}

/**
 * The allowed exit of `e`, if it is one: an allowed flow of labelled bytes to a host-visible
 * place, handed out by a realm measured as one of `passage.gateways` (the RIM on the flow, not
 * the realm's name), whose bytes carry the mark of a sanitiser the tenant named. Anything else
 * that reaches such a place with a label stays a leak ({@link judgeFlow}). `nameOf` only words
 * the sink.
 */
export function sanitisedPassage(
  e: LedgerEventOf<'flow'>,
  passage: AllowedPassage,
  nameOf: NameOf = (name) => name,
): SanitisedPassage | undefined {
  if (e.decision.verdict !== 'allowed' || !isHostVisible(e.destination)) return undefined;
  const gateway = gatewayOf(e, passage);
  if (gateway === undefined) return undefined;
  const sanitiser = sanitisersPassed(e.labels).find((s) => passage.sanitisers.includes(s));
  if (sanitiser === undefined) return undefined;
  const sink = nameOf(e.destination.name);
  return {
    seq: e.seq,
    sanitiser,
    sink,
    text: `left through ${sanitiser} (sanitised) and ${gateway} to ${sink}: allowed (mica-spec §4.5 step 6)`,
  };
}
