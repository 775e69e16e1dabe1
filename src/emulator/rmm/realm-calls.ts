/**
 * SMCs a realm makes that are part of the REC exit protocol (cca-spec.md §2.5, §4.1-4.2):
 * PSCI (spec B6) and the two RSI commands that make REC exits, RSI_IPA_STATE_SET (B5.3.9)
 * and RSI_HOST_CALL (B5.3.4). Other RSI commands go to the pluggable handler (guest.ts);
 * without one they return SMCCC_NOT_SUPPORTED.
 *
 * Each handler returns a {@link CallOutcome}: complete the SMC in the realm, or make a REC
 * exit (with or without advancing the PC past the SMC).
 */
import { getField, hex64, s64, u64 } from '../../lib/bits.ts';
import { readLe } from '../../lib/bytes.ts';
import {
  PSCI_AFFINITY_INFO_AARCH64,
  PSCI_AFFINITY_INFO_ON,
  PSCI_ALREADY_ON,
  PSCI_CPU_OFF,
  PSCI_CPU_ON_AARCH64,
  PSCI_CPU_SUSPEND_AARCH64,
  PSCI_FEATURES,
  PSCI_INVALID_ADDRESS,
  PSCI_INVALID_PARAMETERS,
  PSCI_NAMES,
  PSCI_NOT_SUPPORTED,
  PSCI_SUCCESS,
  PSCI_SYSTEM_OFF,
  PSCI_SYSTEM_RESET,
  PSCI_VERSION,
  PSCI_VERSION_1_1,
} from '../abi/psci.ts';
import {
  RIPAS_ENCODING,
  RMI_EXIT_HOST_CALL,
  RMI_EXIT_PSCI,
  RMI_EXIT_RIPAS_CHANGE,
  type Ripas,
} from '../abi/rmi.ts';
import {
  RSI_CHANGE_DESTROYED,
  RSI_IPA_STATE_SET_RIPAS,
  RSI_EMPTY,
  RSI_ERROR_INPUT,
  RSI_HOST_CALL,
  RSI_HOST_CALL_SIZE,
  RSI_RAM,
  SMC_RSI_HOST_CALL,
  SMC_RSI_IPA_STATE_SET,
} from '../abi/rsi.ts';
import { SMCCC_NOT_SUPPORTED } from '../abi/smccc.ts';
import type { Ctx } from '../context.ts';
import { labelsIn } from '../hw/labels.ts';
import { rawRead } from '../hw/memory.ts';
import { reportFlow } from '../provenance.ts';
import type { RealmRecord, RecRecord } from '../state.ts';
import { gpr } from './guest.ts';
import { recIndexOf } from './rec-index.ts';
import { firstFailure } from './conditions.ts';
import {
  HOST_CALL_CONDITIONS,
  IPA_STATE_SET_CONDITIONS,
  logRsiRefusal,
  rsiCallOf,
} from './rsi/exit-calls.ts';
import { BUILTIN_RSI } from './rsi/table.ts';
import { walkRtt } from './rtt.ts';
import type { RecExit } from './structs.ts';
import { abortExit, realmActor } from './stage2.ts';

/** What the RMM does with a realm SMC. */
export type CallOutcome =
  /** Complete the SMC: X0.. get `x`, the PC moves past the SMC, the guest runs on. */
  | { readonly kind: 'return'; readonly x: readonly bigint[] }
  /** Make a REC exit; `advance` says whether the PC moves past the SMC first. */
  | { readonly kind: 'exit'; readonly exit: Partial<RecExit>; readonly advance: boolean };

function ret(...x: (bigint | number)[]): CallOutcome {
  return { kind: 'return', x: x.map((v) => u64(v)) };
}

function psciExit(fid: number, target?: bigint): CallOutcome {
  const gprs = [BigInt(fid), ...(target === undefined ? [] : [target])];
  return { kind: 'exit', exit: { exitReason: BigInt(RMI_EXIT_PSCI), gprs }, advance: true };
}

/** The REC of `realm` whose MPIDR is `mpidr`, if one exists. */
export function recByMpidr(ctx: Ctx, realm: RealmRecord, mpidr: bigint): RecRecord | undefined {
  return Object.values(ctx.state.rmm.recs).find(
    (r) => r.owner === realm.rd && BigInt(r.mpidr) === mpidr,
  );
}

/** The PSCI functions the RMM hands to the host with an RMI_EXIT_PSCI exit (spec B6). */
const PSCI_EXITS: ReadonlySet<number> = new Set([
  PSCI_CPU_SUSPEND_AARCH64,
  PSCI_CPU_OFF,
  PSCI_SYSTEM_OFF,
  PSCI_SYSTEM_RESET,
  PSCI_CPU_ON_AARCH64,
  PSCI_AFFINITY_INFO_AARCH64,
]);

/**
 * The result the RMM answers a realm's CPU_ON or AFFINITY_INFO with itself, from its
 * arguments in `rec`, without asking the host; undefined when the host must complete it.
 * Its failure conditions (spec B6.3), and a call naming the caller's own MPIDR: the caller
 * is running, so CPU_ON gets PSCI_ALREADY_ON and AFFINITY_INFO gets ON (B6.3.1.3: a
 * RUNNABLE target is PSCI_SUCCESS), with no exit, as TF-RMM does
 * (psci.c, "Check if the vCPU targets itself"). A4.3.7 says these calls *can* cause a REC
 * exit due to PSCI; this one must not: RMI_PSCI_COMPLETE refuses a target that is the
 * calling REC (B4.3.7 `alias`), so no host could complete it and the REC would never run
 * again.
 */
function psciAnswer(realm: RealmRecord, rec: RecRecord, fid: number): number | undefined {
  if (fid === PSCI_CPU_ON_AARCH64) {
    if (gpr(rec, 2) >= 2n ** BigInt(realm.ipaWidth - 1)) return PSCI_INVALID_ADDRESS;
    const index = recIndexOf(gpr(rec, 1));
    if (index === undefined || index >= realm.recIndex) return PSCI_INVALID_PARAMETERS;
    if (index === rec.index) return PSCI_ALREADY_ON;
  }
  if (fid === PSCI_AFFINITY_INFO_AARCH64) {
    const index = recIndexOf(gpr(rec, 1));
    if (gpr(rec, 2) !== 0n || index === undefined || index >= realm.recIndex)
      return PSCI_INVALID_PARAMETERS;
    if (index === rec.index) return PSCI_AFFINITY_INFO_ON;
  }
  return undefined;
}

/**
 * Whether the realm's PSCI call `fid`, with its arguments in `rec`, ends at the host: the RMM
 * hands it over with an RMI_EXIT_PSCI exit for the host to complete (spec B6; cca-spec.md
 * §4.2), rather than answering it itself (VERSION, FEATURES, a call it refuses, a CPU_ON or
 * AFFINITY_INFO naming the caller itself). The rule
 * `psci` follows; an extension asks it before the call runs. Reads only; changes nothing.
 */
export function psciGoesToHost(realm: RealmRecord, rec: RecRecord, fid: number): boolean {
  return PSCI_EXITS.has(fid) && psciAnswer(realm, rec, fid) === undefined;
}

/** PSCI from a realm (spec B6; cca-spec.md §4.2). */
function psci(ctx: Ctx, realm: RealmRecord, rec: RecRecord, fid: number): CallOutcome {
  const answer = psciAnswer(realm, rec, fid);
  if (answer !== undefined) return ret(answer);
  switch (fid) {
    case PSCI_VERSION:
      return ret(PSCI_VERSION_1_1);
    case PSCI_FEATURES:
      return ret(PSCI_NAMES[Number(gpr(rec, 1))] ? PSCI_SUCCESS : PSCI_NOT_SUPPORTED);
    case PSCI_CPU_SUSPEND_AARCH64:
      rec.gprs[0] = hex64(PSCI_SUCCESS);
      return psciExit(fid);
    case PSCI_CPU_OFF:
      rec.runnable = false;
      rec.gprs[0] = hex64(PSCI_SUCCESS);
      return psciExit(fid);
    case PSCI_SYSTEM_OFF:
    case PSCI_SYSTEM_RESET:
      realm.state = 'SYSTEM_OFF';
      return psciExit(fid);
    case PSCI_CPU_ON_AARCH64: {
      const target = gpr(rec, 1);
      const entry = gpr(rec, 2);
      rec.pending = {
        kind: 'psci',
        fid,
        target: hex64(target),
        entry: hex64(entry),
        contextId: hex64(gpr(rec, 3)),
      };
      return psciExit(fid, target);
    }
    case PSCI_AFFINITY_INFO_AARCH64: {
      const target = gpr(rec, 1);
      rec.pending = { kind: 'psci', fid, target: hex64(target), entry: '0x0', contextId: '0x0' };
      return psciExit(fid, target);
    }
    default:
      return ret(PSCI_NOT_SUPPORTED);
  }
}

const RIPAS_OF_RSI: Readonly<Record<number, Ripas>> = { [RSI_EMPTY]: 'EMPTY', [RSI_RAM]: 'RAM' };

/** RSI_IPA_STATE_SET (B5.3.9): checks the request, then asks the host (RIPAS_CHANGE exit). */
function ipaStateSet(ctx: Ctx, realm: RealmRecord, rec: RecRecord): CallOutcome {
  const call = rsiCallOf(ctx, realm, rec);
  const failure = firstFailure(IPA_STATE_SET_CONDITIONS, call);
  if (failure) {
    logRsiRefusal(ctx, call, SMC_RSI_IPA_STATE_SET, 'RSI_IPA_STATE_SET', failure);
    return ret(failure.status);
  }
  const base = gpr(rec, 1);
  const top = gpr(rec, 2);
  const ripas = RIPAS_OF_RSI[Number(getField(gpr(rec, 3), RSI_IPA_STATE_SET_RIPAS))];
  const flags = gpr(rec, 4);
  // ripas_valid (IPA_STATE_SET_CONDITIONS) admitted only EMPTY and RAM.
  if (ripas === undefined) return ret(RSI_ERROR_INPUT);
  rec.ripasAddr = Number(base);
  rec.ripasTop = Number(top);
  rec.ripasValue = ripas;
  rec.ripasDestroyed = (flags & 1n) === BigInt(RSI_CHANGE_DESTROYED);
  rec.pending = { kind: 'ripas' };
  return {
    kind: 'exit',
    advance: true,
    exit: {
      exitReason: BigInt(RMI_EXIT_RIPAS_CHANGE),
      ripasBase: base,
      ripasTop: top,
      ripasValue: BigInt(RIPAS_ENCODING[ripas]),
    },
  };
}

/** RSI_HOST_CALL (B5.3.4): reads RsiHostCall from realm memory and exits to the host. */
function hostCall(ctx: Ctx, realm: RealmRecord, rec: RecRecord): CallOutcome {
  const call = rsiCallOf(ctx, realm, rec);
  const failure = firstFailure(HOST_CALL_CONDITIONS, call);
  if (failure) {
    logRsiRefusal(ctx, call, SMC_RSI_HOST_CALL, 'RSI_HOST_CALL', failure);
    return ret(failure.status);
  }
  const ipa = Number(gpr(rec, 1));
  const walk = walkRtt(ctx.state, realm, ipa);
  if (walk.entry.state !== 'UNASSIGNED' && walk.entry.state !== 'ASSIGNED') {
    return ret(RSI_ERROR_INPUT);
  }
  if (walk.entry.ripas === 'EMPTY') return ret(RSI_ERROR_INPUT);
  if (walk.entry.state !== 'ASSIGNED' || walk.entry.ripas !== 'RAM') {
    // Not mapped: the SMC is not completed; a stage 2 fault exit makes the host map it.
    return { kind: 'exit', exit: abortExit(walk, ipa, 'read', false), advance: false };
  }
  const pa = walk.entry.pa + (ipa - walk.entryBase);
  const bytes = rawRead(ctx.state, pa, RSI_HOST_CALL_SIZE);
  const f = RSI_HOST_CALL;
  rec.pending = { kind: 'hostCall', ipa };
  // The struct's contents become exit registers the host reads: a provenance sink.
  const labels = labelsIn(ctx.state, pa, RSI_HOST_CALL_SIZE);
  if (labels.length > 0) {
    reportFlow(ctx, {
      channel: 'host-call',
      source: { kind: 'realm', name: realmActor(realm), address: ipa, rim: realm.rim },
      destination: { kind: 'register', name: 'exit.gprs (RSI_HOST_CALL)' },
      bytes: RSI_HOST_CALL_SIZE,
      labels,
    });
  }
  return {
    kind: 'exit',
    advance: true,
    exit: {
      exitReason: BigInt(RMI_EXIT_HOST_CALL),
      imm: readLe(bytes, f.imm.offset, f.imm.size),
      gprs: Array.from({ length: f.gprs.count }, (_, i) =>
        readLe(bytes, f.gprs.offset + i * f.gprs.size, f.gprs.size),
      ),
    },
  };
}

/** Handles an SMC the realm made with its function ID in X0. */
export function realmSmc(ctx: Ctx, realm: RealmRecord, rec: RecRecord): CallOutcome {
  const fid = Number(gpr(rec, 0) & 0xffffffffn);
  // Extension chain (hooks.ts): transition checks first, then extension RSI handlers.
  for (const ext of ctx.extensions ?? []) {
    const verdict = ext.onRealmSmc?.(ctx, realm, rec, fid);
    if (verdict?.kind === 'exit') {
      rec.pending = verdict.pending;
      return { kind: 'exit', exit: verdict.exit, advance: true };
    }
    if (verdict) return ret(...verdict.x);
  }
  for (const ext of ctx.extensions ?? []) {
    const handled = ext.rsi?.(ctx, realm, rec, fid);
    if (handled?.kind === 'return') return ret(...handled.x);
    if (handled?.kind === 'exit') return handled;
  }
  if (PSCI_NAMES[fid] !== undefined) return psci(ctx, realm, rec, fid);
  if (fid === SMC_RSI_IPA_STATE_SET) return ipaStateSet(ctx, realm, rec);
  if (fid === SMC_RSI_HOST_CALL) return hostCall(ctx, realm, rec);
  // The built-in RSI table (rsi/table.ts), then the machine's `rsi` option.
  const builtin = BUILTIN_RSI(ctx, realm, rec, fid);
  if (builtin.kind === 'return') return ret(...builtin.x);
  if (builtin.kind === 'exit') return builtin;
  const plugged = ctx.rsi?.(ctx, realm, rec, fid);
  if (plugged?.kind === 'return') return ret(...plugged.x);
  if (plugged?.kind === 'exit') return plugged;
  return ret(s64(u64(SMCCC_NOT_SUPPORTED)));
}
