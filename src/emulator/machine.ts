/**
 * The Machine facade: the one front door through which the UI, shells, lessons, CLI and
 * tests drive the emulator (code-style.md principle 2). It owns the state tree and the
 * ledger; its own parts (RMM, hardware, extensions' hooks) receive a Ctx, its clients (the
 * untrusted host's VMM and devices in host/, the shells, the UI) only this facade: the
 * host's ledger entries go through {@link HostIo}, never through the Ctx.
 *
 * SMC routing follows EL3 (cca-spec.md §1.3, §2.1): host SMCs with an RMI FID are forwarded
 * to the RMM; RSI and RMM-EL3 FIDs are not callable from the host; anything else returns
 * SMCCC_NOT_SUPPORTED.
 */
import { hex64, u64 } from '../lib/bits.ts';
import { EmulatorBug } from '../lib/assert.ts';
import type { Gpi } from './abi/gpt.ts';
import {
  RMI_STATUS_NAMES,
  RMI_SUCCESS,
  SMC_RMI_REC_ENTER,
  packReturnCode,
  type GranuleState,
  type RmiStatus,
} from './abi/rmi.ts';
import {
  SMCCC_NOT_SUPPORTED,
  SMC_REGISTER_COUNT,
  SMC_RMI_FID_MAX,
  SMC_RMI_FID_MIN,
} from './abi/smccc.ts';
import type { Ctx } from './context.ts';
import type { MachineHooks } from './hooks.ts';
import { gpiOf } from './hw/gpt.ts';
import {
  HOST,
  physRead,
  physReadLent,
  physWrite,
  type AccessFault,
  type ReadResult,
  type WriteResult,
} from './hw/memory.ts';
import { checkInvariants } from './invariants.ts';
import {
  declareRealm,
  labelAtSource,
  receiveAtSource,
  reportFlow,
  type FlowReport,
  type RealmDeclaration,
  type SourceDeclaration,
} from './provenance.ts';
import {
  appendEvent,
  UNNUMBERED,
  type LedgerEvent,
  type LedgerEventOf,
  type LedgerKind,
  type NewLedgerEvent,
} from './ledger.ts';
import type { Failure } from './rmm/conditions.ts';
import type { GuestRunner, RsiHandler } from './rmm/guest.ts';
import { granuleAt } from './rmm/granule.ts';
import { RMI_COMMANDS } from './rmm/rmi/table.ts';
import { TranslationCache } from './rmm/tlb.ts';
import type { RmiCommandSpec, RmiOutcome } from './rmm/rmi/types.ts';
import { fromSnapshot, toSnapshot, type MachineSnapshot } from './snapshot.ts';
import {
  DEFAULT_CONFIG,
  copyStateWithoutLedger,
  initialState,
  type GranuleRecord,
  type MachineConfig,
  type MachineState,
} from './state.ts';

/**
 * An extension of the machine (the Mica monitor is one). It plugs in through this
 * documented hook; the emulator never imports the code that implements it.
 */
export interface MachineExtension extends MachineHooks {
  /** Unique name; its state lives at `state.ext[name]`. */
  readonly name: string;
  /** Extra RMI commands (new FIDs in the RMI range). A FID already taken is a bug. */
  readonly rmiCommands?: readonly RmiCommandSpec[];
  /**
   * Initial extension state for a fresh machine. An extension is active exactly while
   * `state.ext[name]` holds its state: a machine restored from a snapshot without it (a
   * CCA-only machine) runs with the extension dormant: its RMI FIDs answer
   * SMCCC_NOT_SUPPORTED and its hooks are not asked. So one machine can take the snapshot
   * of any mode, and undo, reset and lesson starts never leave it half-configured.
   */
  readonly initialState?: () => unknown;
  /** Whether a fresh machine with this config starts with the extension active (default yes). */
  readonly activeIn?: (config: MachineConfig) => boolean;
  /**
   * The extension's own invariants over a state where it is active (plain-word problems, none
   * when consistent): checked with the machine's by `checkInvariants()` and on every restore.
   */
  readonly invariants?: (state: Readonly<MachineState>) => string[];
  /**
   * Checks the shape of the extension's state in an untrusted snapshot (restore, links,
   * imported files) before anything else reads it: the first problem, located by its JSON
   * path from `state` (e.g. `state.ext.mica.sgt.entries[3].pa: ...`), or undefined. It must
   * not throw and must not mutate; `invariants` run only on a state that passed it.
   */
  readonly validateState?: (ext: unknown, state: Readonly<MachineState>) => string | undefined;
}

/** Options for {@link createMachine}. */
export interface MachineOptions extends Partial<MachineConfig> {
  readonly extensions?: readonly MachineExtension[];
  /** What runs inside realms during RMI_REC_ENTER (default: the idle guest). */
  readonly guest?: GuestRunner;
  /** RSI commands beyond the exit protocol (a later issue plugs them in here). */
  readonly rsi?: RsiHandler;
}

/** Events a subscriber can listen to: every ledger kind, all of them, and restores. */
export type MachineEvents = { [K in LedgerKind]: LedgerEventOf<K> } & {
  /** Every ledger event, in order. */
  ledger: LedgerEvent;
  /** The whole state was replaced (restore, reset); views should re-read. */
  restore: { readonly ledgerLength: number };
};

/** What an SMC returned: the registers, and (for RMI) the decoded status. */
export interface SmcResult {
  /** X0..Xn as 64-bit values. */
  readonly x: readonly bigint[];
  /** Spec name of the status (RMI commands), or SMCCC_NOT_SUPPORTED. */
  readonly status: string;
  readonly index: number;
  /** The failure condition that fired, with its plain-word reason. */
  readonly failure?: Failure;
  /** Ledger sequence number of the call. */
  readonly seq: number;
}

/** A read-only view of state for diagrams and tests (never mutate through it). */
export interface MachineView {
  readonly state: Readonly<MachineState>;
  gpiOf(pa: number): Gpi;
  granuleOf(pa: number): Readonly<GranuleRecord> & { readonly state: GranuleState };
}

/** The front door. */
export interface Machine extends MachineView {
  /** Issues an SMC from the host (NS-EL2), as `SMC #0` with X0 = fid, X1.. = args. */
  smc(fid: number | bigint, ...args: (number | bigint)[]): SmcResult;
  /** A host (NS) read of physical memory, through the granule protection check. */
  read(pa: number, len: number): ReadResult;
  /**
   * The same checked, logged host read, its bytes lent rather than copied: `use` gets a view
   * of memory valid only during the call (decode at once, keep and change nothing), as KVM
   * reads the RmiRecRun page it shares with the RMM. Returns the fault, if the check refused it.
   */
  readLent(pa: number, len: number, use: (bytes: Uint8Array) => void): AccessFault | undefined;
  /** A host (NS) write of physical memory, through the granule protection check. */
  write(pa: number, bytes: Uint8Array): WriteResult;
  /** JSON-safe copy of the whole state, stamped with the state version. */
  snapshot(): MachineSnapshot;
  /** Replaces the state with a snapshot; on a bad snapshot nothing changes. */
  restore(snapshot: unknown): { ok: true } | { ok: false; error: string };
  /**
   * A cheap undo point: a copy of the state without the ledger, plus the ledger's length.
   * The ledger is append-only, so going back only truncates it: the cost is the size of the
   * machine, not of its history (undo in the page at 100k events).
   */
  checkpoint(): MachineCheckpoint;
  /**
   * Goes back to a checkpoint of this machine. Refused (nothing changes) when the ledger no
   * longer starts with the checkpoint's history (a restore replaced it since).
   */
  rewind(checkpoint: MachineCheckpoint): { ok: true } | { ok: false; error: string };
  /**
   * Puts this machine at a checkpoint taken by another machine built the same way (time
   * travel's scratch machines, src/emulator/timeline.ts), with the first
   * `checkpoint.ledgerLength` of `events` as its ledger. A checkpoint is made only by
   * `checkpoint()` (never read from a link or a file), so it is not validated again; refused
   * when `events` is shorter than the checkpoint's ledger or the checkpoint needs an extension
   * this machine lacks. Starts a new history, like a restore.
   */
  adopt(
    checkpoint: MachineCheckpoint,
    events: readonly LedgerEvent[],
  ): { ok: true } | { ok: false; error: string };
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof MachineEvents>(event: K, fn: (e: MachineEvents[K]) => void): () => void;
  /** The ledger, oldest first. */
  readonly ledger: readonly LedgerEvent[];
  /** The RMI command table in force (spec commands plus extensions). */
  readonly rmiCommands: readonly RmiCommandSpec[];
  /** Runs every invariant; an empty list means consistent. */
  checkInvariants(): string[];
  /** The guest model realms run on this machine (undefined: the idle guest). */
  readonly guest: GuestRunner | undefined;
  /** What the untrusted host's software puts in the ledger besides its SMCs and accesses. */
  readonly hostIo: HostIo;
}

/**
 * The ledger entries of the host's side (host/vmm.ts, host/devices.ts): its notes, and the
 * bytes its devices move in and out of the machine. Labels are attached only here, at the
 * declared source (tenant input on a network device), never by a program.
 */
export interface HostIo {
  /** A note of what the host did, in the ledger next to the calls it made. */
  note(text: string): void;
  /** Bytes a host device sent out (console, network): a `flow` event. */
  deviceOutput(flow: FlowReport): void;
  /** Bytes arriving at a declared source: labelled where they land, and a `flow` event. */
  declaredInput(input: SourceDeclaration): void;
  /**
   * The device of a declared source writes `data` at `input.pa` (checked and logged like
   * {@link Machine.write}) and labels it there in the same pass, with the `flow` event of
   * {@link HostIo.declaredInput} (provenance.ts `receiveAtSource`).
   */
  deviceInput(input: SourceDeclaration, data: Uint8Array): WriteResult;
  /**
   * The tenant names the realm measured as `decl.rim`: a member of its pipeline, its gateway or
   * a sanitiser (provenance.ts `declareRealm`; the judge reads the declarations by RIM).
   */
  declaredRealm(decl: RealmDeclaration): void;
}

const contexts = new WeakMap<Machine, Ctx>();

/** A zero register as the ledger prints it (most results are zero). */
const ZERO_TEXT = hex64(0n);
/** The results of a call that returned RMI_SUCCESS and nothing else (shared by its events). */
const SUCCESS_RESULTS: readonly string[] = Object.freeze([ZERO_TEXT]);

/** The `consumes` list of a command that declares none (shared, never changed). */
const NOTHING_DECLARED: readonly number[] = [];

/**
 * The Ctx of `machine`, for tests of the machine's own parts (a granule transition guard,
 * say). Not exported from the facade (index.ts): clients drive the machine through it.
 */
export function contextOf(machine: Machine): Ctx {
  const ctx = contexts.get(machine);
  if (!ctx) throw new EmulatorBug('not a machine built by createMachine');
  return ctx;
}

/** An undo point of one machine (see {@link Machine.checkpoint}); opaque to callers. */
export interface MachineCheckpoint {
  readonly state: Omit<MachineState, 'ledger'>;
  readonly ledgerLength: number;
  readonly nextSeq: number;
  /** The machine's restore count at checkpoint time: a restore starts another history. */
  readonly epoch: number;
}

/**
 * A machine's state held with its whole ledger, to put a machine there later
 * ({@link adoptHeld}): an undo point before something replaces the ledger, a lesson's start
 * for its reset, a pipeline run for the lab to adopt. The ledger's events never change once
 * appended and a replacement or a rewind starts a new list, so holding the list copies
 * nothing; a held state comes from a machine built in this process, so adopting it skips the
 * serialisation and the validation a snapshot (untrusted input) gets.
 */
export interface HeldState {
  readonly checkpoint: MachineCheckpoint;
  readonly events: readonly LedgerEvent[];
}

/** Holds `machine`'s state as it is now ({@link HeldState}). */
export function holdState(machine: Machine): HeldState {
  return { checkpoint: machine.checkpoint(), events: machine.ledger };
}

/** Puts `target` at `held` (`Machine.adopt`): a new history, as a restore starts one. */
export function adoptHeld(
  target: Machine,
  held: HeldState,
): { ok: true } | { ok: false; error: string } {
  return target.adopt(held.checkpoint, held.events);
}

/** Creates a machine. */
export function createMachine(options: MachineOptions = {}): Machine {
  const { extensions = [], guest, rsi, ...configPart } = options;
  const config: MachineConfig = { ...DEFAULT_CONFIG, ...configPart };
  let state = initialState(config);
  /** Restores so far: checkpoints belong to the history between two restores. */
  let epoch = 0;
  const rmiTable = [...RMI_COMMANDS];
  for (const ext of extensions) {
    for (const cmd of ext.rmiCommands ?? []) {
      if (rmiTable.some((c) => c.fid === cmd.fid)) {
        throw new EmulatorBug(`extension ${ext.name} reuses RMI FID ${hex64(cmd.fid)}`);
      }
      rmiTable.push(cmd);
    }
    if (ext.activeIn?.(config) ?? true) state.ext[ext.name] = ext.initialState?.() ?? {};
  }
  /**
   * Extensions whose state is present (see MachineExtension.initialState). Presence changes
   * only when the state is replaced (restore, rewind), so the list is kept, not rebuilt on
   * every SMC and guest access that asks the hooks.
   */
  const present = (): readonly MachineExtension[] =>
    extensions.filter((ext) => state.ext[ext.name] !== undefined);
  let activeList = present();
  const active = (): readonly MachineExtension[] => activeList;
  /**
   * The RMI table by FID, less SMC_RMI_FID_MIN, each command with the extension that owns it
   * (one array index on every SMC).
   */
  const byFid: ({ command: RmiCommandSpec; owner?: MachineExtension } | undefined)[] = [];
  for (const command of rmiTable) {
    if (command.fid < SMC_RMI_FID_MIN || command.fid > SMC_RMI_FID_MAX) continue;
    const owner = extensions.find((ext) => ext.rmiCommands?.some((c) => c.fid === command.fid));
    byFid[command.fid - SMC_RMI_FID_MIN] = owner ? { command, owner } : { command };
  }
  const names = new Set(extensions.map((ext) => ext.name));

  type Listener = (e: never) => void;
  const listeners = new Map<keyof MachineEvents, Set<Listener>>();
  const parents: number[] = [];

  function notify<K extends keyof MachineEvents>(kind: K, e: MachineEvents[K]): void {
    // Most kinds have no listener: no empty array or iterator per event then.
    const set = listeners.get(kind);
    if (set === undefined || set.size === 0) return;
    for (const fn of set) (fn as (x: MachineEvents[K]) => void)(e);
  }

  /** Bulk accesses' translation cache (rmm/tlb.ts), flushed at every change below. */
  const translations = new TranslationCache();

  const ctx: Ctx = {
    get state() {
      return state;
    },
    translations,
    ...(guest ? { guest } : {}),
    ...(rsi ? { rsi } : {}),
    get extensions() {
      return active();
    },
    emit(event: NewLedgerEvent): LedgerEvent {
      // Parented in place (appendEvent numbers the same object): no copy per event.
      if (event.parent === undefined && parents.length > 0)
        (event as { parent?: number }).parent = parents[parents.length - 1];
      const numbered = appendEvent(state.ledger, event);
      notify(numbered.kind, numbered as never);
      notify('ledger', numbered);
      return numbered;
    },
    within<T>(seq: number, body: () => T): T {
      parents.push(seq);
      try {
        return body();
      } finally {
        parents.pop();
      }
    },
  };

  /**
   * A command took out of DELEGATED only the granules its `consumes` declared (types.ts), so
   * the one list extensions check (hooks.ts beforeRmi) is never incomplete: an undeclared
   * consumption is an emulator bug, found by the first test that runs the command.
   */
  function assertDeclared(command: RmiCommandSpec, declared: readonly number[], from: number) {
    const events = state.ledger.events;
    for (let i = from; i < events.length; i++) {
      const e = events[i]!;
      if (e.kind !== 'granule:transition' || e.from !== 'DELEGATED') continue;
      if (!declared.includes(e.pa)) {
        throw new EmulatorBug(
          `${command.name} took granule ${hex64(e.pa)} out of DELEGATED without declaring it in consumes`,
        );
      }
    }
  }

  /** The machine's invariants and those of every extension active in `s`. */
  function allInvariants(s: MachineState): string[] {
    return [
      ...checkInvariants(s),
      ...extensions
        .filter((ext) => s.ext[ext.name] !== undefined)
        .flatMap((ext) => ext.invariants?.(s) ?? []),
    ];
  }

  function smc(fidIn: number | bigint, ...argsIn: (number | bigint)[]): SmcResult {
    // A 32-bit FID as a number (every call the host model makes) needs no bigint.
    const fid =
      typeof fidIn === 'number' && fidIn >= 0 && fidIn <= 0xffffffff && Number.isInteger(fidIn)
        ? fidIn
        : Number(u64(fidIn) & 0xffffffffn);
    const args: bigint[] = [];
    for (let i = 0; i < argsIn.length && i < SMC_REGISTER_COUNT - 1; i++)
      args.push(u64(argsIn[i]!));
    const slot =
      fid >= SMC_RMI_FID_MIN && fid <= SMC_RMI_FID_MAX ? byFid[fid - SMC_RMI_FID_MIN] : undefined;
    const from = slot?.owner;
    // A dormant extension's commands do not exist on this machine.
    const command = from && state.ext[from.name] === undefined ? undefined : slot?.command;
    const name = command?.name ?? `SMC ${hex64(fid)}`;
    const call = ctx.emit({
      kind: 'smc:call',
      world: 'NS',
      caller: 'host',
      fid: command ? fidText(command) : hex64(fid),
      name,
      args: hexArgs(args, command?.args.length ?? args.length),
      parent: undefined,
      seq: UNNUMBERED,
    });
    if (!command) {
      // Unknown RMI FID, RSI/RMM-EL3 FIDs from the host, other services: SMCCC says -1.
      const x = [u64(SMCCC_NOT_SUPPORTED)];
      ctx.emit({
        kind: 'smc:return',
        call: call.seq,
        name,
        results: x.map(hex64),
        status: 'SMCCC_NOT_SUPPORTED',
        index: 0,
      });
      return { x, status: 'SMCCC_NOT_SUPPORTED', index: 0, seq: call.seq };
    }
    let outcome: RmiOutcome;
    parents.push(call.seq);
    try {
      outcome = runCommand(command, args);
    } finally {
      parents.pop();
      // Every host command but REC_ENTER may change a translation (rmm/tlb.ts); REC_ENTER
      // runs the realm, whose own SMCs flush (rec-run.ts).
      if (fid !== SMC_RMI_REC_ENTER) translations.flush();
    }
    const index = outcome.index ?? 0;
    // X0 then the results, zero-filled to the command's count; no spreads on this path.
    const x: bigint[] = [packReturnCode(outcome.status, index)];
    const given = outcome.out ?? [];
    for (let i = 0; i < given.length || i < command.results.length; i++)
      x.push(i < given.length ? u64(given[i]!) : 0n);
    // Kept by the ledger: made at its size, like hexArgs's; a bare success (REC_ENTER, most
    // commands) shares one frozen list.
    let results: readonly string[] = SUCCESS_RESULTS;
    if (x.length !== 1 || x[0] !== 0n) {
      const texts = new Array<string>(x.length);
      for (let i = 0; i < x.length; i++) texts[i] = x[i] === 0n ? ZERO_TEXT : hex64(x[i]!);
      results = texts;
    }
    const status = RMI_STATUS_NAMES[outcome.status as RmiStatus];
    const failure = outcome.failure;
    const returned: Extract<NewLedgerEvent, { kind: 'smc:return' }> = {
      kind: 'smc:return',
      call: call.seq,
      name,
      results,
      status,
      index,
      parent: undefined,
      seq: UNNUMBERED,
    };
    if (failure)
      (returned as { failure?: { label: string; reason: string; by?: string } }).failure =
        failure.by === undefined
          ? { label: failure.label, reason: failure.reason }
          : { label: failure.label, reason: failure.reason, by: failure.by };
    ctx.emit(returned);
    const result: SmcResult = { x, status, index, seq: call.seq };
    if (failure) (result as { failure?: Failure }).failure = failure;
    return result;
  }

  /** Runs a host RMI command inside its call: extension vetoes, the handler, the after hooks. */
  function runCommand(command: RmiCommandSpec, args: readonly bigint[]): RmiOutcome {
    const exts = active();
    // Extension conditions (hooks.ts beforeRmi) refuse before the command runs.
    for (let i = 0; i < exts.length; i++) {
      const veto = exts[i]!.beforeRmi?.(ctx, command, args);
      if (veto) {
        const failure: Failure = { ...veto, by: exts[i]!.name };
        return { status: veto.status, index: veto.index, failure } as RmiOutcome;
      }
    }
    const declared = command.consumes?.(state, args) ?? NOTHING_DECLARED;
    const before = state.ledger.events.length;
    let result: RmiOutcome | undefined;
    // A hook completing a call on the extension's objects answers with the RMM's handler's
    // outcome when it fails (enforce.ts handleRmi), so its failures stay the RMM's.
    for (let i = 0; i < exts.length && !result; i++)
      result = exts[i]!.handleRmi?.(ctx, command, args);
    if (!result) {
      result = command.handler(ctx, args);
      // A command an extension added (its own FID) fails by that extension's conditions.
      const owner = result.failure && exts.find((x) => x.rmiCommands?.includes(command));
      if (owner) result = { ...result, failure: { ...result.failure!, by: owner.name } };
    }
    if (result.status === RMI_SUCCESS) assertDeclared(command, declared, before);
    for (let i = 0; i < exts.length; i++) exts[i]!.afterRmi?.(ctx, command, args, result);
    return result;
  }

  /** Each command's FID as the ledger prints it, formatted once. */
  const fidTexts = new Map<RmiCommandSpec, string>();
  function fidText(command: RmiCommandSpec): string {
    let text = fidTexts.get(command);
    if (text === undefined) fidTexts.set(command, (text = hex64(command.fid)));
    return text;
  }

  /**
   * The ledger's text of the first `n` args. The ledger keeps the array: it is made at its
   * size (an empty array grown by `push` reserves 17 slots, ~120 bytes kept per SMC).
   */
  function hexArgs(args: readonly bigint[], n: number): string[] {
    const out = new Array<string>(Math.min(args.length, n));
    for (let i = 0; i < out.length; i++) out[i] = hex64(args[i]!);
    return out;
  }

  const machine: Machine = {
    get state() {
      return state;
    },
    get ledger() {
      return state.ledger.events;
    },
    rmiCommands: rmiTable,
    guest,
    hostIo: {
      note(text) {
        ctx.emit({ kind: 'note', text });
      },
      deviceOutput: (flow) => reportFlow(ctx, flow),
      declaredInput: (input) => labelAtSource(ctx, input),
      deviceInput: (input, data) => receiveAtSource(ctx, input, data),
      declaredRealm: (decl) => declareRealm(ctx, decl),
    },
    gpiOf: (pa) => gpiOf(state, pa),
    granuleOf: (pa) => granuleAt(state, pa),
    smc,
    read: (pa, len) => physRead(ctx, HOST, pa, len),
    readLent: (pa, len, use) => physReadLent(ctx, HOST, pa, len, use, undefined),
    write: (pa, bytes) => physWrite(ctx, HOST, pa, bytes),
    snapshot: () => toSnapshot(state),
    restore(snapshot) {
      const read = fromSnapshot(snapshot);
      if (!read.ok) return read;
      const unknown = Object.keys(read.state.ext).filter((name) => !names.has(name));
      if (unknown.length > 0) {
        return {
          ok: false,
          error: `state.ext.${unknown[0]}: the snapshot needs the "${unknown[0]}" extension, which this machine was built without`,
        };
      }
      const mismatch = extensions.find(
        (ext) =>
          ext.activeIn &&
          ext.activeIn(read.state.config) !== (read.state.ext[ext.name] !== undefined),
      );
      if (mismatch) {
        return {
          ok: false,
          error: `state.config.mode: "${read.state.config.mode}" does not match the state of the "${mismatch.name}" extension`,
        };
      }
      // Each extension checks its own state with its own rules before any invariant walks it.
      for (const ext of extensions) {
        const own = read.state.ext[ext.name];
        const problem = own === undefined ? undefined : ext.validateState?.(own, read.state);
        if (problem) return { ok: false, error: problem };
      }
      // A well-formed snapshot can still describe an impossible machine (hand-edited, or
      // corrupted in a link): refuse it rather than run on inconsistent state.
      let problems: string[];
      try {
        problems = allInvariants(read.state);
      } catch (error) {
        // A shape check above let through a state the invariants cannot read: an emulator
        // bug, reported as such (the fuzz test in tests/mica/restore-fuzz.test.ts looks
        // for this wording), and the machine still keeps its state.
        problems = [`internal error: ${String(error instanceof Error ? error.message : error)}`];
      }
      if (problems.length > 0) {
        const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
        return {
          ok: false,
          error: `the snapshot describes an inconsistent machine: ${problems[0]}${more}`,
        };
      }
      state = read.state;
      activeList = present();
      translations.flush();
      epoch++;
      notify('restore', { ledgerLength: state.ledger.events.length });
      return { ok: true };
    },
    checkpoint() {
      const { ledger, ...rest } = state;
      return {
        state: copyStateWithoutLedger(rest),
        ledgerLength: ledger.events.length,
        nextSeq: ledger.nextSeq,
        epoch,
      };
    },
    rewind(checkpoint) {
      const events = state.ledger.events;
      const at = checkpoint.ledgerLength;
      if (checkpoint.epoch !== epoch || events.length < at) {
        return { ok: false, error: 'the ledger was replaced since this undo point was taken' };
      }
      state = {
        ...copyStateWithoutLedger(checkpoint.state),
        ledger: { events: events.slice(0, at), nextSeq: checkpoint.nextSeq },
      };
      activeList = present();
      translations.flush();
      notify('restore', { ledgerLength: at });
      return { ok: true };
    },
    adopt(checkpoint, events) {
      const at = checkpoint.ledgerLength;
      if (events.length < at) {
        return {
          ok: false,
          error: `the checkpoint needs ${at} ledger events, got ${events.length}`,
        };
      }
      const unknown = Object.keys(checkpoint.state.ext).find((name) => !names.has(name));
      if (unknown !== undefined) {
        return { ok: false, error: `the checkpoint needs the "${unknown}" extension` };
      }
      state = {
        ...copyStateWithoutLedger(checkpoint.state),
        ledger: { events: events.slice(0, at), nextSeq: checkpoint.nextSeq },
      };
      activeList = present();
      translations.flush();
      epoch++;
      notify('restore', { ledgerLength: at });
      return { ok: true };
    },
    on(event, fn) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(fn as Listener);
      return () => set.delete(fn as Listener);
    },
    checkInvariants: () => allInvariants(state),
  };
  contexts.set(machine, ctx);
  return machine;
}
