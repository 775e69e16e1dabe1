/**
 * The guest plug-in point of RMI_REC_ENTER (cca-spec.md §7: "drive REC exits from a
 * scripted guest"). What runs inside a realm is not Arm code here: a {@link GuestRunner}
 * says what the vCPU did next (an SMC, a memory access at an IPA, WFI/WFE, an interrupt)
 * as a {@link GuestStop}, and the RMM (rec-run.ts) turns that into the architectural
 * consequence: it completes the access or call itself and runs the guest again, injects an
 * SEA, or makes a REC exit to the host.
 *
 * Design rationale: a runner is behaviour, not state. Everything it needs to remember
 * between runs lives in the REC (`rec.gprs`, `rec.pc`, and the plain-data scratch
 * `rec.guest`), so snapshots and restores capture the guest too. The machine takes a runner
 * in `createMachine({ guest })`; without one it uses {@link IDLE_GUEST}.
 */
import { hex64, u64 } from '../../lib/bits.ts';
import { assert } from '../../lib/assert.ts';
import { PSCI_SYSTEM_OFF } from '../abi/psci.ts';
import type { Ctx } from '../context.ts';
import type { RealmRecord, RecRecord } from '../state.ts';
import type { RecExit } from './structs.ts';

/** What the guest did that stops it and needs the RMM. */
export type GuestStop =
  /** SMC #0 with the function ID in X0 and arguments in X1..: PSCI or RSI. PC at the SMC. */
  | { readonly kind: 'smc' }
  /** WFI / WFE: traps to the host when the host asked for it, else waits for an interrupt. */
  | { readonly kind: 'wfi' }
  | { readonly kind: 'wfe' }
  /**
   * A load, store or instruction fetch at `ipa` that needs stage 2 (PC at the instruction).
   * Reads write the value into `register` (sign-extended when `signExtend`); writes store
   * `value`. `isv` false models an instruction without a valid syndrome (not emulatable).
   */
  | {
      readonly kind: 'access';
      readonly access: 'read' | 'write' | 'fetch';
      readonly ipa: number;
      readonly size: 1 | 2 | 4 | 8;
      readonly register: number;
      readonly value?: bigint;
      readonly signExtend?: boolean;
      readonly isv?: boolean;
      /** Provenance labels of the value a write stores (the guest model tracks them). */
      readonly labels?: readonly string[];
      /**
       * Provenance labels of the address itself, when the realm computed it from data: a
       * fault at it hands the address to the host in HPFAR / FAR (mica-spec.md §1.3).
       */
      readonly addressLabels?: readonly string[];
    }
  /** HVC: realms have no hypervisor to call; the RMM injects an undefined exception. */
  | { readonly kind: 'hvc' }
  /** A physical interrupt for the host arrived (or the guest yields its time slice). */
  | { readonly kind: 'irq' };

/** Why the guest is being run. */
export interface GuestEntry {
  /** `enter`: first run of this RMI_REC_ENTER; `resume`: the RMM completed the last stop. */
  readonly reason: 'enter' | 'resume';
  /** Set when the guest must take a synchronous external abort now (injected SEA). */
  readonly sea?: { readonly ipa?: number };
  /** Set when the guest must take an undefined-instruction exception now (after HVC). */
  readonly undef?: true;
  /** Provenance labels of the bytes the last completed load read (for taint tracking). */
  readonly loadLabels?: readonly string[];
  /** RmiRecEnter.flags trap_wfi / trap_wfe of this entry. */
  readonly trapWfi: boolean;
  readonly trapWfe: boolean;
}

/** The guest model the RMM runs in a REC. */
export interface GuestRunner {
  readonly name: string;
  /** Runs the vCPU `rec` of `realm` until it does something the RMM must handle. */
  run(ctx: Ctx, realm: Readonly<RealmRecord>, rec: RecRecord, entry: GuestEntry): GuestStop;
}

/** Reads GPR `n` (X0..X30) of a REC. */
export function gpr(rec: Readonly<RecRecord>, n: number): bigint {
  const value = rec.gprs[n];
  if (value === undefined) assert(false, `REC has no X${n}`);
  return BigInt(value);
}

/** Writes GPR `n` (X0..X30) of a REC. */
export function setGpr(rec: RecRecord, n: number, value: bigint | number): void {
  if (n < 0 || n >= rec.gprs.length) assert(false, `REC has no X${n}`);
  rec.gprs[n] = hex64(u64(value));
}

/** Puts `fid` in X0 and `args` in X1.. and returns the SMC stop. */
export function smcStop(rec: RecRecord, fid: number, ...args: (bigint | number)[]): GuestStop {
  setGpr(rec, 0, fid);
  args.forEach((a, i) => setGpr(rec, i + 1, a));
  return { kind: 'smc' };
}

/** A guest that idles: every run ends in WFI (an IRQ exit, or a WFI exit when trapped). */
export const IDLE_GUEST: GuestRunner = {
  name: 'idle',
  run: () => ({ kind: 'wfi' }),
};

/** A guest that powers the realm off at once (PSCI_SYSTEM_OFF). */
export const SYSTEM_OFF_GUEST: GuestRunner = {
  name: 'system-off',
  run: (_ctx, _realm, rec) => smcStop(rec, PSCI_SYSTEM_OFF),
};

/** One step of a scripted guest: a fixed stop, or a function of the REC (it may set registers). */
export type GuestScriptStep =
  GuestStop | ((rec: RecRecord, entry: GuestEntry, realm: Readonly<RealmRecord>) => GuestStop);

/**
 * A guest that plays `steps` in order on every REC (each REC keeps its position in
 * `rec.guest.step`), then idles. For tests and lesson demonstrations.
 */
export function scriptedGuest(steps: readonly GuestScriptStep[], name = 'scripted'): GuestRunner {
  return {
    name,
    run(_ctx, realm, rec, entry) {
      const at = typeof rec.guest.step === 'number' ? rec.guest.step : 0;
      const step = steps[at];
      if (step === undefined) return { kind: 'wfi' };
      rec.guest.step = at + 1;
      return typeof step === 'function' ? step(rec, entry, realm) : step;
    },
  };
}

/** What an RSI handler decided for a realm SMC the RMM does not handle itself. */
export type RsiResult =
  /** Return to the realm with these X0.. values (the PC advances past the SMC). */
  | { readonly kind: 'return'; readonly x: readonly bigint[] }
  /**
   * Make a REC exit instead (e.g. a memory argument at an unmapped IPA: a stage 2 fault
   * exit with `advance` false, so the realm re-executes the SMC after the host maps it).
   */
  | { readonly kind: 'exit'; readonly exit: Partial<RecExit>; readonly advance: boolean }
  /** Not handled here: the next handler in the chain (finally SMCCC_NOT_SUPPORTED). */
  | { readonly kind: 'unhandled' };

/**
 * Plug-in point for realm SMCs beyond the exit protocol. The RMM itself handles PSCI,
 * RSI_IPA_STATE_SET and RSI_HOST_CALL (realm-calls.ts); everything else goes to the
 * machine's handler chain: extension handlers first, then the built-in RSI table
 * (rmm/rsi/table.ts), then SMCCC_NOT_SUPPORTED. A handler answers `unhandled` for FIDs
 * that are not its own.
 */
export type RsiHandler = (ctx: Ctx, realm: RealmRecord, rec: RecRecord, fid: number) => RsiResult;
