/**
 * Running a REC for RMI_REC_ENTER (spec A4.3-A4.4, B4.3.13; cca-spec.md §2.5): complete
 * what the last exit asked of the host (emulated MMIO, RIPAS-change response, host-call
 * results), run the guest until something needs the host, and build the RmiRecExit.
 *
 * Design rationale: the guest (guest.ts) only reports what it did; everything
 * architectural - stage 2 (stage2.ts), PSCI and the exit-making RSI calls
 * (realm-calls.ts), SEA injection, PC advance, the exit syndrome - happens here, so a later
 * guest model replaces only behaviour, never the protocol. A guest that never stops is
 * interrupted after LAB_REC_ENTER_STEP_LIMIT steps by an IRQ exit, as the host's timer would.
 */
import { getField, hex64, packFields, u64 } from '../../lib/bits.ts';
import { writeLe } from '../../lib/bytes.ts';
import {
  A64_INSTRUCTION_SIZE,
  ESR_EL2_EC,
  ESR_EL2_EC_WFX,
  ESR_EL2_IL,
  ESR_EL2_WFX_TI,
  ESR_EL2_WFX_TI_WFE,
  ESR_EL2_WFX_TI_WFI,
} from '../abi/esr.ts';
import { RMI_EXIT_IRQ, RMI_EXIT_SYNC } from '../abi/rmi.ts';
import { RSI_ACCEPT, RSI_ERROR_INPUT, RSI_HOST_CALL, RSI_REJECT, RSI_SUCCESS } from '../abi/rsi.ts';
import { LAB_REC_ENTER_STEP_LIMIT } from '../abi/rmm-impl.ts';
import type { Ctx } from '../context.ts';
import type { ExitEvent, ExitVerdict } from '../hooks.ts';
import { physWrite } from '../hw/memory.ts';
import type { RealmRecord, RecRecord } from '../state.ts';
import { IDLE_GUEST, setGpr, type GuestEntry } from './guest.ts';
import { realmSmc } from './realm-calls.ts';
import { walkRtt } from './rtt.ts';
import { abortExit, guestAccess, reportExitFlows, loadRegister, realmInitiator } from './stage2.ts';
import { isDecodedZeroes, type RecEnter, type RecEnterFlags, type RecExit } from './structs.ts';

/** Moves the REC's PC past the current instruction. */
export function advancePc(rec: RecRecord): void {
  // A short 0x-hex PC is exact as a number; a wide one (near the top of the 64-bit space,
  // where the PC wraps) goes through bigint.
  if (rec.pc.startsWith('0x') && rec.pc.length <= 14) {
    rec.pc = hex64(Number(rec.pc) + A64_INSTRUCTION_SIZE);
    return;
  }
  rec.pc = hex64(u64(BigInt(rec.pc) + BigInt(A64_INSTRUCTION_SIZE)));
}

function wfxExit(ti: number): Partial<RecExit> {
  return {
    exitReason: BigInt(RMI_EXIT_SYNC),
    esr: packFields([
      [ESR_EL2_EC, ESR_EL2_EC_WFX],
      [ESR_EL2_IL, 1],
      [ESR_EL2_WFX_TI, ti],
    ]),
  };
}

/** What completing the previous exit produced before the guest runs. */
type EntryResult =
  | { readonly kind: 'run'; readonly sea?: { readonly ipa?: number } }
  | { readonly kind: 'exit'; readonly exit: Partial<RecExit> };

/**
 * Completes what the previous exit asked of the host, using the host's RmiRecEnter
 * (cca-spec.md §2.5). REC_ENTER's conditions already refused inconsistent requests.
 */
function completePrevious(
  ctx: Ctx,
  realm: RealmRecord,
  rec: RecRecord,
  enter: RecEnter,
  flags: RecEnterFlags,
): EntryResult {
  const pending = rec.pending;
  switch (pending.kind) {
    case 'mmio':
      rec.pending = { kind: 'none' };
      if (flags.injectSea) return { kind: 'run', sea: { ipa: pending.ipa } };
      if (flags.emulMmio) {
        if (!pending.write) {
          const value = enter.gprs[0] ?? 0n;
          loadRegister(rec, pending.register, pending.size, value, pending.signExtend);
        }
        advancePc(rec);
      }
      return { kind: 'run' };
    case 'ripas':
      rec.pending = { kind: 'none' };
      setGpr(rec, 0, RSI_SUCCESS);
      setGpr(rec, 1, rec.ripasAddr);
      setGpr(rec, 2, flags.ripasReject ? RSI_REJECT : RSI_ACCEPT);
      rec.ripasTop = rec.ripasAddr;
      return { kind: 'run' };
    case 'hostCall': {
      const walk = walkRtt(ctx.state, realm, pending.ipa);
      const e = walk.entry;
      if (e.state !== 'ASSIGNED' || e.ripas !== 'RAM') {
        if (pending.scrubbed) {
          // A fault here would hand the host an address the realm chose (issue 11 finding 4).
          rec.pending = { kind: 'none' };
          setGpr(rec, 0, RSI_ERROR_INPUT);
          return { kind: 'run' };
        }
        return { kind: 'exit', exit: abortExit(walk, pending.ipa, 'write', false) };
      }
      const f = RSI_HOST_CALL.gprs;
      const bytes = new Uint8Array(f.count * f.size);
      for (let i = 0; i < f.count; i++) writeLe(bytes, i * f.size, f.size, enter.gprs[i] ?? 0n);
      const pa = e.pa + (pending.ipa - walk.entryBase) + f.offset;
      physWrite(ctx, realmInitiator(realm, 'REALM'), pa, bytes);
      rec.pending = { kind: 'none' };
      setGpr(rec, 0, RSI_SUCCESS);
      return { kind: 'run' };
    }
    case 'psci':
    case 'none':
      return { kind: 'run' };
  }
}

/** Asks the extensions (hooks.ts onExit) about an exit; the first verdict wins. */
function filterExit(ctx: Ctx, realm: RealmRecord, rec: RecRecord, event: ExitEvent): ExitVerdict {
  for (const ext of ctx.extensions ?? []) {
    const v = ext.onExit?.(ctx, realm, rec, event);
    if (v) return v;
  }
  return { kind: 'forward', exit: event.exit };
}

/** Runs the guest until the next REC exit; returns that exit. */
function runGuest(
  ctx: Ctx,
  realm: RealmRecord,
  rec: RecRecord,
  flags: RecEnterFlags,
  sea: { readonly ipa?: number } | undefined,
): Partial<RecExit> {
  const guest = ctx.guest ?? IDLE_GUEST;
  let entry: GuestEntry = {
    reason: 'enter',
    trapWfi: flags.trapWfi,
    trapWfe: flags.trapWfe,
    ...(sea ? { sea } : {}),
  };
  for (let step = 0; step < LAB_REC_ENTER_STEP_LIMIT; step++) {
    const stop = guest.run(ctx, realm, rec, entry);
    entry = { reason: 'resume', trapWfi: flags.trapWfi, trapWfe: flags.trapWfe };
    switch (stop.kind) {
      case 'smc': {
        let outcome: ReturnType<typeof realmSmc>;
        try {
          outcome = realmSmc(ctx, realm, rec);
        } finally {
          // A realm's SMC may change a translation (RSI_IPA_STATE_SET, a policy upload that
          // activates shared mappings, PSCI): the bulk translation cache goes (tlb.ts).
          ctx.translations?.flush();
        }
        if (outcome.kind === 'exit') {
          if (outcome.advance) advancePc(rec);
          return outcome.exit;
        }
        outcome.x.forEach((v, i) => setGpr(rec, i, v));
        advancePc(rec);
        break;
      }
      case 'wfi':
      case 'wfe': {
        // A trapped WFx exits with its syndrome; an untrapped one sleeps until an interrupt.
        const trapped = stop.kind === 'wfi' ? flags.trapWfi : flags.trapWfe;
        advancePc(rec);
        if (trapped) {
          const exit = wfxExit(stop.kind === 'wfi' ? ESR_EL2_WFX_TI_WFI : ESR_EL2_WFX_TI_WFE);
          const v = filterExit(ctx, realm, rec, { ec: ESR_EL2_EC_WFX, exit, stop });
          // A blocked WFx is a NOP: the guest runs on.
          if (v.kind === 'block') break;
          return v.exit;
        }
        return { exitReason: BigInt(RMI_EXIT_IRQ) };
      }
      case 'access': {
        const outcome = guestAccess(ctx, realm, rec, stop);
        if (outcome.kind === 'exit') {
          const ec = Number(getField(outcome.exit.esr ?? 0n, ESR_EL2_EC));
          const v = filterExit(ctx, realm, rec, { ec, exit: outcome.exit, stop });
          if (v.kind === 'block') {
            // A blocked abort exit becomes an SEA in the realm instead (mica-spec.md §8 item 6).
            entry = { ...entry, sea: { ipa: stop.ipa } };
            break;
          }
          rec.pending = outcome.pending;
          reportExitFlows(ctx, realm, stop, outcome.pending, v.exit);
          return v.exit;
        }
        if (outcome.kind === 'sea') entry = { ...entry, sea: { ipa: outcome.ipa } };
        else {
          advancePc(rec);
          if (outcome.labels) entry = { ...entry, loadLabels: outcome.labels };
        }
        break;
      }
      case 'hvc':
        // No hypervisor is reachable from a realm: an undefined exception at the HVC.
        entry = { ...entry, undef: true };
        break;
      case 'irq':
        return { exitReason: BigInt(RMI_EXIT_IRQ) };
    }
  }
  return { exitReason: BigInt(RMI_EXIT_IRQ) };
}

/**
 * Enters `rec` with the host's RmiRecEnter and returns the RmiRecExit fields the run made:
 * the caller completes them with the GIC state the host handed in (gicv3_hcr, gicv3_lrs) and
 * cuts gprs to X0..X30 as it encodes them (encodeRecExit). The caller has checked every
 * REC_ENTER condition. GPRs of the exit are zero except for PSCI and host-call exits and
 * emulatable writes (cca-spec.md §2.5). `flags` is `enter.flags` unpacked (REC_ENTER's
 * rec_mmio condition has done it already).
 */
export function enterRec(
  ctx: Ctx,
  realm: RealmRecord,
  rec: RecRecord,
  enter: RecEnter,
  flags: RecEnterFlags,
): Partial<RecExit> {
  if (enter.gicv3Hcr !== 0n || rec.gicv3Hcr !== ZERO_HEX) rec.gicv3Hcr = hex64(enter.gicv3Hcr);
  if (!sameHex64(rec.gicv3Lrs, enter.gicv3Lrs)) rec.gicv3Lrs = enter.gicv3Lrs.map(hex64);
  rec.state = 'RUNNING';
  for (const ext of ctx.extensions ?? []) ext.onEnter?.(ctx, realm, rec, enter);
  const first = completePrevious(ctx, realm, rec, enter, flags);
  const exit = first.kind === 'exit' ? first.exit : runGuest(ctx, realm, rec, flags, first.sea);
  rec.state = 'READY';
  return exit;
}

/** Zero as the REC's record writes it. */
const ZERO_HEX = '0x0';

/**
 * True when the REC's 0x-hex record of a register array already says `values` (so an entry
 * that changed nothing builds no strings: zero compares as `0x0` without formatting).
 */
function sameHex64(recorded: readonly string[], values: readonly bigint[]): boolean {
  if (recorded.length !== values.length) return false;
  if (isDecodedZeroes(values)) {
    for (let i = 0; i < recorded.length; i++) if (recorded[i] !== ZERO_HEX) return false;
    return true;
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === 0n ? recorded[i] !== ZERO_HEX : recorded[i] !== hex64(v)) return false;
  }
  return true;
}
