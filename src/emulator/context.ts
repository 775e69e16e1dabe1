/**
 * The context every part of the machine works through: the state tree plus the ledger
 * writer. Handlers get a Ctx; only machine.ts creates one.
 */
import type { LedgerEvent, NewLedgerEvent } from './ledger.ts';
import type { MachineState } from './state.ts';
import type { GuestRunner, RsiHandler } from './rmm/guest.ts';
import type { MachineHooks } from './hooks.ts';
import type { TranslationCache } from './rmm/tlb.ts';

/** What a handler can touch. */
export interface Ctx {
  readonly state: MachineState;
  /** Appends an event to the ledger, parented to the innermost open call, and notifies listeners. */
  emit(event: NewLedgerEvent): LedgerEvent;
  /** Runs `body` with `seq` as the parent of every event it emits. */
  within<T>(seq: number, body: () => T): T;
  /** The guest model RMI_REC_ENTER runs (rmm/guest.ts); the idle guest when unset. */
  readonly guest?: GuestRunner;
  /** Handler for the RSI commands the RMM does not implement itself (rmm/guest.ts). */
  readonly rsi?: RsiHandler;
  /** Hooks of the machine's extensions, in registration order (hooks.ts). */
  readonly extensions?: readonly MachineHooks[];
  /**
   * The translation cache of bulk accesses (rmm/tlb.ts); code that changes what a translation
   * gives (RTTs, GPT, an extension's mappings) calls its `flush`.
   */
  readonly translations?: TranslationCache;
}
