/**
 * Extension hook points (the Mica monitor is the first user): generic places where an
 * extension can add conditions, handle calls, translate accesses or decide exits, without
 * the emulator knowing what the extension is. The emulator never imports an extension; it
 * only calls the hooks listed on `ctx.extensions`, in registration order.
 *
 * Design rationale: every hook is optional and returns "not mine" (undefined) by default, so
 * a machine without extensions behaves exactly as plain RMM 1.0. Hooks receive the Ctx and
 * may emit ledger events (an enforcement decision must be a ledger event naming its rule).
 * Hooks keep their own state in `ctx.state.ext[name]` as plain data.
 */
import type { Ctx } from './context.ts';
import type { Failure } from './rmm/conditions.ts';
import type { GuestStop, RsiHandler } from './rmm/guest.ts';
import type { RmiCommandSpec, RmiOutcome } from './rmm/rmi/types.ts';
import type { PageFlow } from './rmm/tlb.ts';
import type { RecEnter, RecExit } from './rmm/structs.ts';
import type { RealmRecord, RecPending, RecRecord } from './state.ts';

/** What an extension decided about a realm SMC before the RMM dispatches it. */
export type RealmSmcVerdict =
  /** Complete the SMC now with these X0.. values (e.g. a BLOCK rule: RSI_ERROR_STATE). */
  | { readonly kind: 'return'; readonly x: readonly bigint[] }
  /**
   * Forward the SMC to the host as this exit, which the extension built itself (a SCRUBbed
   * host call: nothing the realm chose reaches the host). The PC moves past the SMC, no RSI
   * handler runs, and `pending` says how the next entry completes the call.
   */
  | { readonly kind: 'exit'; readonly exit: Partial<RecExit>; readonly pending: RecPending };

/**
 * What an extension decided about every access of one kind (read, write or fetch) to one
 * protected page. Besides where it goes, the verdict may carry the enforcement decision the
 * emulator records as a ledger `flow` for each access (with the access's bytes and labels).
 */
export type AccessVerdict =
  /** Complete the access through the Realm PAS; `pa` is the PA of the page. */
  | { readonly kind: 'pa'; readonly pa: number; readonly flow?: PageFlow }
  /** Inject a synchronous external abort into the realm. */
  | { readonly kind: 'sea'; readonly flow?: PageFlow }
  /** Stage 2 translation fault: exit to the host (it may map the page and re-enter). */
  | { readonly kind: 'fault'; readonly flow?: PageFlow };

/** A REC exit an extension may filter (control-transfer classes EXCEPTION / OTHER). */
export interface ExitEvent {
  /** ESR_EL2.EC of a synchronous exit, or a pseudo-class (`irq` exits). */
  readonly ec: number;
  /** What the RMM is about to return to the host. */
  readonly exit: Partial<RecExit>;
  /** What the guest did (for access exits). */
  readonly stop?: GuestStop;
}

/** What becomes of an exit. */
export type ExitVerdict =
  /** Forward to the host (possibly with registers scrubbed). */
  | { readonly kind: 'forward'; readonly exit: Partial<RecExit> }
  /** Do not exit: MMIO aborts become an SEA in the realm, WFx a NOP. */
  | { readonly kind: 'block' };

/** The hook points. All optional. */
export interface MachineHooks {
  /**
   * RSI handlers of the extension, tried before the built-in RSI table (the RSI dispatch
   * chain is: `onRealmSmc` checks, extension handlers, built-in handlers, `options.rsi`).
   */
  readonly rsi?: RsiHandler;
  /** Checked before any realm SMC (PSCI and RSI alike) runs; a verdict completes the SMC. */
  readonly onRealmSmc?: (
    ctx: Ctx,
    realm: RealmRecord,
    rec: RecRecord,
    fid: number,
  ) => RealmSmcVerdict | undefined;
  /**
   * Extra failure conditions of a host RMI call, evaluated before the command runs (e.g. a
   * veto of RMI_RTT_MAP_UNPROTECTED or RMI_GRANULE_UNDELEGATE). A failure refuses the call.
   */
  readonly beforeRmi?: (
    ctx: Ctx,
    command: RmiCommandSpec,
    args: readonly bigint[],
  ) => Failure | undefined;
  /**
   * Completes a host RMI call on objects the extension owns, after `beforeRmi` and instead of
   * the command's handler; undefined = not the extension's (the handler runs). Mica: an
   * RMI_DATA_DESTROY at an IPA the monitor maps a shared page at unmaps it (CLEAN), and an
   * RMI_RTT_READ_ENTRY there reports the monitor's stage 2 leaf.
   */
  readonly handleRmi?: (
    ctx: Ctx,
    command: RmiCommandSpec,
    args: readonly bigint[],
  ) => RmiOutcome | undefined;
  /** Called after a host RMI call ran (realm create / activate / destroy bookkeeping). */
  readonly afterRmi?: (
    ctx: Ctx,
    command: RmiCommandSpec,
    args: readonly bigint[],
    outcome: RmiOutcome,
  ) => void;
  /**
   * A realm's `access` to the protected page at IPA `page`, asked before the RTT walk;
   * undefined = not the extension's. The verdict holds for every access of that kind inside
   * the page and must follow from the state alone: the hook emits no event and changes
   * nothing (the emulator records `flow` per access), so the emulator may cache it until the
   * next flush of its translation cache (rmm/tlb.ts). An extension that changes what this hook
   * answers outside an SMC must flush (`ctx.translations?.flush()`).
   */
  readonly translate?: (
    ctx: Ctx,
    realm: Readonly<RealmRecord>,
    access: 'read' | 'write' | 'fetch',
    page: number,
  ) => AccessVerdict | undefined;
  /** A REC exit is about to reach the host; undefined = forward unchanged. */
  readonly onExit?: (
    ctx: Ctx,
    realm: RealmRecord,
    rec: RecRecord,
    event: ExitEvent,
  ) => ExitVerdict | undefined;
  /**
   * A REC entry, after the host's GIC state is loaded (the extension may drop host-injected
   * interrupts by clearing `rec.gicv3Lrs`).
   */
  readonly onEnter?: (ctx: Ctx, realm: RealmRecord, rec: RecRecord, enter: RecEnter) => void;
}
