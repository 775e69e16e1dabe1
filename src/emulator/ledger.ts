/**
 * The flow ledger: an append-only, sequence-numbered log of everything the machine does.
 * Every view (terminals, diagrams, explanations), every lesson goal and every test reads it;
 * nothing reads emulator internals to learn what happened.
 *
 * Design rationale: each event is plain JSON (addresses as numbers, 64-bit register values
 * as 0x-hex strings) so the ledger can be snapshotted, diffed, replayed and shipped in a
 * link. Events nest: `parent` is the sequence number of the SMC call that caused them, so a
 * timeline can fold "RMI_GRANULE_DELEGATE" over its GTSI call, GPT update and transition.
 * Data movements (`flow`) carry source, destination, size, provenance labels and the
 * decision with the rule or policy clause that made it: the Mica monitor and the guest
 * model emit those, and "it leaked" is a fact read from here.
 */
import type { GranuleState } from './abi/rmi.ts';
import type { Gpi, Pas, SecurityState } from './abi/gpt.ts';

/** Who performed an action: `host`, `rmm`, `el3`, `secure`, or `realm:<name>`. */
export type Actor = string;

/** The outcome of a check, with the rule that decided it in words a learner can read. */
export interface Decision {
  readonly verdict: 'allowed' | 'blocked';
  /** Machine-readable rule id: `gpc`, `rmi:gran_state`, `Mem1.mappings.RE.prot`, ... */
  readonly rule: string;
  /** Plain-word explanation. */
  readonly reason: string;
}

/** One end of a data movement. */
export interface Endpoint {
  readonly kind: 'host' | 'realm' | 'rmm' | 'el3' | 'network' | 'console' | 'memory' | 'register';
  /** Display name: realm name, device name, `NS memory`, ... */
  readonly name: string;
  /** Physical or intermediate address, when the endpoint is memory. */
  readonly address?: number;
  /**
   * The realm's measured identity (RIM, hex) at the time of the flow: on the realm end of a
   * flow a realm hands to a host-visible place (provenance.ts `isHostVisible`), and on the
   * receiving end of a flow that brings bytes into a realm (a load, a bulk read or copy through
   * an extension mapping). The judge tells the tenant's gateway (policy/judge.ts
   * `sanitisedPassage`) and the realms it named (`undeclaredRecipient`) by it: the name is the
   * host's to give and an RD can be reused after a destroy, the measurement of the realm that
   * acted or received is neither.
   */
  readonly rim?: string;
}

interface Base {
  /** Position in the ledger, from 1, never reused. */
  readonly seq: number;
  /** Sequence number of the SMC call (or run step) this event happened inside. */
  readonly parent?: number;
}

/** Every event kind with its payload. Extend here; every consumer switches on `kind`. */
export interface LedgerPayloads {
  /** An SMC was issued by `caller` in `world`. */
  'smc:call': {
    readonly world: SecurityState;
    readonly caller: Actor;
    readonly fid: string;
    readonly name: string;
    readonly args: readonly string[];
  };
  /** The SMC returned. `failure` names the spec failure condition that fired, if any. */
  'smc:return': {
    readonly call: number;
    readonly name: string;
    readonly results: readonly string[];
    readonly status: string;
    readonly index: number;
    /** The condition that fired; `by` names the extension when it was an extension's. */
    readonly failure?: { readonly label: string; readonly reason: string; readonly by?: string };
  };
  /** A granule changed RMM state (wiped when it passed through DELEGATED). */
  'granule:transition': {
    readonly pa: number;
    readonly from: GranuleState;
    readonly to: GranuleState;
    readonly command: string;
    readonly wiped: boolean;
  };
  /** EL3 changed a GPT entry. */
  'gpt:update': { readonly pa: number; readonly from: Gpi; readonly to: Gpi };
  /** A physical memory access and the granule protection check's decision. */
  'mem:access': {
    readonly actor: Actor;
    readonly world: SecurityState;
    readonly pas: Pas;
    readonly op: 'read' | 'write';
    readonly pa: number;
    readonly len: number;
    readonly decision: Decision;
  };
  /** A Granule Protection Fault: the access never reached memory. */
  gpf: {
    readonly actor: Actor;
    readonly world: SecurityState;
    readonly pas: Pas;
    readonly op: 'read' | 'write';
    readonly pa: number;
    readonly gpi: Gpi;
  };
  /**
   * A realm's access at an IPA and what stage 2 made of it (cca-spec.md §3.4): completed
   * (`done`), a Synchronous External Abort injected into the realm (`sea`), or a REC exit to
   * the host (`exit`). The physical access itself, if any, is the `mem:access` that follows.
   */
  'realm:access': {
    readonly actor: Actor;
    readonly rec: number;
    readonly op: 'read' | 'write' | 'fetch';
    readonly ipa: number;
    readonly size: number;
    readonly outcome: 'done' | 'sea' | 'exit';
    readonly decision: Decision;
  };
  /** Data moved from one place to another, allowed or blocked. */
  flow: {
    readonly channel: string;
    readonly source: Endpoint;
    readonly destination: Endpoint;
    readonly bytes: number;
    readonly labels: readonly string[];
    readonly decision: Decision;
  };
  /** A machine-level note (restore, reset, mode change). */
  note: { readonly text: string };
}

/** The kinds of ledger event. */
export type LedgerKind = keyof LedgerPayloads;

/** A ledger event of kind `K`. */
export type LedgerEventOf<K extends LedgerKind> = Base & { readonly kind: K } & LedgerPayloads[K];

/** Any ledger event. */
export type LedgerEvent = { [K in LedgerKind]: LedgerEventOf<K> }[LedgerKind];

/**
 * An event before the ledger numbers it. The hot emitters name `parent` and `seq` in the
 * literal as placeholders ({@link UNNUMBERED}, `parent: undefined`), which the ledger sets in
 * place: V8 keeps a literal's properties in the object itself, and one added later takes a
 * separate property store (~24 bytes and an allocation per event, on events that stay for the
 * life of the ledger).
 */
export type NewLedgerEvent = {
  [K in LedgerKind]: {
    readonly kind: K;
    readonly parent?: number | undefined;
    readonly seq?: number;
  } & LedgerPayloads[K];
}[LedgerKind];

/** The `seq` placeholder of an event literal ({@link NewLedgerEvent}); the ledger numbers it. */
export const UNNUMBERED = 0;

/** The ledger itself: plain data, snapshotted with the machine. */
export interface LedgerState {
  events: LedgerEvent[];
  nextSeq: number;
}

/** A fresh, empty ledger. */
export function emptyLedger(): LedgerState {
  return { events: [], nextSeq: 1 };
}

/**
 * Appends `event`, numbering it, and returns it. The event object itself becomes the ledger's
 * entry (its `seq` is set in place, no copy: this runs for every event the machine makes), so
 * callers hand over a fresh object and do not emit it twice.
 */
export function appendEvent(ledger: LedgerState, event: NewLedgerEvent): LedgerEvent {
  const numbered = event as NewLedgerEvent & { seq: number };
  numbered.seq = ledger.nextSeq++;
  ledger.events.push(numbered as LedgerEvent);
  return numbered as LedgerEvent;
}

/** Events after sequence number `seq` (exclusive). */
export function eventsSince(ledger: LedgerState, seq: number): LedgerEvent[] {
  // Sequence numbers are dense from the first retained event, so index arithmetic is exact.
  const first = ledger.events[0]?.seq ?? ledger.nextSeq;
  return ledger.events.slice(Math.max(0, seq + 1 - first));
}
