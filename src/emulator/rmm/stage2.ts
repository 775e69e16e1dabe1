/**
 * What happens when a realm accesses an IPA (spec A5.2.6-A5.3.1; cca-spec.md §2.5 and the
 * HIPAS x RIPAS table of §3.4): the access completes through stage 2, an SEA is injected
 * into the realm, or the RMM makes a data/instruction abort REC exit whose syndrome says
 * whether the host can emulate it.
 *
 * Realm accesses go through the granule protection check like any other: protected
 * memory through the Realm PAS, unprotected (ASSIGNED_NS) memory through the NS PAS, where
 * a host page delegated meanwhile faults and the realm takes an SEA (A5.2.6).
 */
import { getField, packLowFields, setField, u64 } from '../../lib/bits.ts';
import { readLe, writeLe } from '../../lib/bytes.ts';
import { GRANULE_SHIFT, GRANULE_SIZE } from '../abi/gpt.ts';
import {
  A64_XZR,
  ESR_EL2_ABORT_FSC,
  ESR_EL2_ABORT_FSC_PERMISSION_FAULT_L0,
  ESR_EL2_ABORT_FSC_TRANSLATION_FAULT_L0,
  ESR_EL2_ABORT_ISV,
  ESR_EL2_ABORT_SAS,
  ESR_EL2_ABORT_SF,
  ESR_EL2_ABORT_WNR,
  ESR_EL2_EC,
  ESR_EL2_EC_DATA_ABORT,
  ESR_EL2_EC_INST_ABORT,
  ESR_EL2_IL,
  HPFAR_EL2_FIPA,
} from '../abi/esr.ts';
import { RMI_EXIT_SYNC, S2TTE_AP, S2TTE_AP_READ, S2TTE_AP_WRITE } from '../abi/rmi.ts';
import type { Ctx } from '../context.ts';
import { addLabel, labelsIn } from '../hw/labels.ts';
import { physRead, physWrite, type Initiator } from '../hw/memory.ts';
import type { Decision } from '../ledger.ts';
import { NS_MEMORY, reportFlow } from '../provenance.ts';
import type { RealmRecord, RecPending, RecRecord } from '../state.ts';
import { setGpr, type GuestStop } from './guest.ts';
import { inIpaSpace, isProtectedIpa, paKey, walkRtt, type RttWalk } from './rtt.ts';
import type { RecExit } from './structs.ts';
import { pageFlowEvent } from './tlb.ts';

/** A guest memory access stop. */
export type AccessStop = Extract<GuestStop, { kind: 'access' }>;

/** What became of an access. */
export type AccessOutcome =
  /** Completed; a read reports the provenance labels of the bytes it loaded. */
  | { readonly kind: 'done'; readonly labels?: readonly string[] }
  | { readonly kind: 'sea'; readonly ipa: number }
  | { readonly kind: 'exit'; readonly exit: Partial<RecExit>; readonly pending: RecPending };

/** A realm's actor name and initiators, by RD PA (made once: every access names them). */
interface RealmIds {
  readonly actor: string;
  readonly REALM: Initiator;
  readonly NS: Initiator;
}
const realmIds = new Map<number, RealmIds>();
/** Bound on {@link realmIds}: a run that made many realms starts the cache again. */
const MAX_REALM_IDS = 4096;

function idsOf(rd: number): RealmIds {
  let ids = realmIds.get(rd);
  if (!ids) {
    if (realmIds.size >= MAX_REALM_IDS) realmIds.clear();
    const actor = `realm:${paKey(rd)}`;
    ids = {
      actor,
      REALM: { actor, world: 'REALM', pas: 'REALM' },
      NS: { actor, world: 'REALM', pas: 'NS' },
    };
    realmIds.set(rd, ids);
  }
  return ids;
}

/** The ledger actor of a realm: `realm:<RD PA>`. */
export function realmActor(realm: Readonly<RealmRecord>): string {
  return idsOf(realm.rd).actor;
}

/** The initiator a realm's accesses use through `pas` (shared: never change it). */
export function realmInitiator(realm: Readonly<RealmRecord>, pas: 'REALM' | 'NS'): Initiator {
  return idsOf(realm.rd)[pas];
}

/** log2 of an access size, as ESR.SAS encodes it. */
function sas(size: number): number {
  return Math.log2(size);
}

function hpfar(ipa: number): bigint {
  return setField(0n, HPFAR_EL2_FIPA, BigInt(ipa) >> BigInt(GRANULE_SHIFT));
}

/**
 * The exit for an abort at `ipa`. Non-emulatable aborts expose only EC, the fault status and
 * HPFAR; emulatable ones (unprotected IPA, valid syndrome) add ISV, SAS, SF, WnR, the page
 * offset in FAR and, for a write, the value in gprs[0] (cca-spec.md §2.5).
 */
export function abortExit(
  walk: RttWalk | undefined,
  ipa: number,
  access: 'read' | 'write' | 'fetch',
  emulatable:
    false | { readonly size: number; readonly value?: bigint; readonly permission?: boolean },
): Partial<RecExit> {
  const level = walk?.level ?? 0;
  const fsc =
    (emulatable && emulatable.permission
      ? ESR_EL2_ABORT_FSC_PERMISSION_FAULT_L0
      : ESR_EL2_ABORT_FSC_TRANSLATION_FAULT_L0) + level;
  const ec = access === 'fetch' ? ESR_EL2_EC_INST_ABORT : ESR_EL2_EC_DATA_ABORT;
  if (!emulatable) {
    const esr = packLowFields(ESR_EL2_EC, ec, ESR_EL2_IL, 1, ESR_EL2_ABORT_FSC, fsc);
    return { exitReason: BigInt(RMI_EXIT_SYNC), esr, hpfar: hpfar(ipa) };
  }
  const esr = packLowFields(
    ESR_EL2_EC,
    ec,
    ESR_EL2_IL,
    1,
    ESR_EL2_ABORT_FSC,
    fsc,
    ESR_EL2_ABORT_ISV,
    1,
    ESR_EL2_ABORT_SAS,
    sas(emulatable.size),
    ESR_EL2_ABORT_SF,
    1,
    ESR_EL2_ABORT_WNR,
    access === 'write' ? 1 : 0,
  );
  return {
    exitReason: BigInt(RMI_EXIT_SYNC),
    esr,
    far: BigInt(ipa % GRANULE_SIZE),
    hpfar: hpfar(ipa),
    gprs: access === 'write' ? [emulatable.value ?? 0n] : [],
  };
}

/** Writes a loaded value into the destination register, sign-extending when asked. */
export function loadRegister(
  rec: RecRecord,
  register: number,
  size: number,
  raw: bigint,
  signExtend: boolean,
): void {
  if (register === A64_XZR) return;
  const bits = size * 8;
  const value = signExtend ? u64(BigInt.asIntN(bits, raw)) : BigInt.asUintN(bits, raw);
  setGpr(rec, register, value);
}

/**
 * Performs the access once stage 2 allowed it; a GPF on the way becomes an SEA. `loaded`: the
 * labels of the bytes a load reads there, when the caller looked them up already.
 */
function complete(
  ctx: Ctx,
  realm: Readonly<RealmRecord>,
  rec: RecRecord,
  stop: AccessStop,
  pa: number,
  pas: 'REALM' | 'NS',
  loaded?: readonly string[],
): AccessOutcome {
  const who = realmInitiator(realm, pas);
  if (stop.access === 'write') {
    const bytes = new Uint8Array(stop.size);
    writeLe(bytes, 0, stop.size, stop.value ?? 0n);
    const wrote = physWrite(ctx, who, pa, bytes);
    if (!wrote.ok) return { kind: 'sea', ipa: stop.ipa };
    const labels = stop.labels ?? [];
    for (const label of labels) addLabel(ctx.state, pa, stop.size, label);
    if (pas === 'NS' && labels.length > 0) {
      reportFlow(ctx, {
        channel: 'ns-memory',
        source: { kind: 'realm', name: realmActor(realm), address: stop.ipa, rim: realm.rim },
        destination: { kind: 'memory', name: NS_MEMORY, address: pa },
        bytes: stop.size,
        labels,
      });
    }
    return { kind: 'done' };
  }
  const read = physRead(ctx, who, pa, stop.size);
  if (!read.ok) return { kind: 'sea', ipa: stop.ipa };
  const labels = loaded ?? labelsIn(ctx.state, pa, stop.size);
  if (stop.access === 'read') {
    loadRegister(
      rec,
      stop.register,
      stop.size,
      readLe(read.bytes, 0, stop.size),
      !!stop.signExtend,
    );
  }
  return labels.length > 0 ? { kind: 'done', labels } : { kind: 'done' };
}

/** Why stage 2 decided what it did, for the ledger. */
function accessDecision(outcome: AccessOutcome, why: string): Decision {
  if (outcome.kind === 'done') return { verdict: 'allowed', rule: 'stage2', reason: why };
  const rule = outcome.kind === 'sea' ? 'stage2:sea' : 'stage2:exit';
  return { verdict: 'blocked', rule, reason: why };
}

/**
 * Resolves a realm access at an IPA through the realm's RTTs (cca-spec.md §3.4 table) and
 * records the outcome as a `realm:access` ledger event.
 */
export function guestAccess(
  ctx: Ctx,
  realm: Readonly<RealmRecord>,
  rec: RecRecord,
  stop: AccessStop,
): AccessOutcome {
  let why = '';
  const outcome = resolveAccess(ctx, realm, rec, stop, (reason) => {
    why = reason;
  });
  ctx.emit({
    kind: 'realm:access',
    actor: realmActor(realm),
    rec: rec.rec,
    op: stop.access,
    ipa: stop.ipa,
    size: stop.size,
    outcome: outcome.kind,
    decision: accessDecision(outcome, why),
  });
  return outcome;
}

/**
 * What an abort exit that really reaches the host carries of realm data, as provenance flows
 * (mica-spec.md §1.3): an emulatable write's value in exit.gprs[0], and the fault address in
 * HPFAR (and FAR) when the realm computed the address from labelled data. `exit` is the exit as
 * the host receives it, after any extension filtered it: a zeroed register or fault address
 * (a SCRUBbed exit) carries nothing.
 */
export function reportExitFlows(
  ctx: Ctx,
  realm: Readonly<RealmRecord>,
  stop: AccessStop,
  pending: RecPending,
  exit: Partial<RecExit>,
): void {
  const source = {
    kind: 'realm' as const,
    name: realmActor(realm),
    address: stop.ipa,
    rim: realm.rim,
  };
  const labels = stop.labels ?? [];
  const value = exit.gprs?.[0];
  if (
    pending.kind === 'mmio' &&
    pending.emulatable &&
    pending.write &&
    labels.length > 0 &&
    value !== undefined
  ) {
    reportFlow(ctx, {
      channel: 'mmio',
      source,
      destination: { kind: 'register', name: 'exit.gprs[0] (emulated MMIO write)' },
      bytes: stop.size,
      labels,
    });
  }
  const addressLabels = stop.addressLabels ?? [];
  if (addressLabels.length > 0 && (exit.hpfar ?? 0n) !== 0n) {
    reportFlow(ctx, {
      channel: 'fault-address',
      source,
      destination: { kind: 'register', name: 'exit.hpfar / exit.far (fault address)' },
      bytes: FAULT_ADDRESS_BYTES,
      labels: addressLabels,
    });
  }
}

/** Size of the fault address a REC exit reports (HPFAR_EL2 and FAR_EL2 are 64-bit). */
const FAULT_ADDRESS_BYTES = 8;

/** Reasons of accesses an extension mapped, by PA (every access to a shared page says one). */
const extensionReasons = new Map<number, string>();
/** Bound on {@link extensionReasons}: a run that touched many pages starts the cache again. */
const MAX_EXTENSION_REASONS = 0x10000;

/** `extension mapping: PA <pa>` (built once per PA), or `extension mapping: <kind>`. */
function extensionReason(to: number | 'sea' | 'fault'): string {
  if (typeof to !== 'number')
    return to === 'sea' ? 'extension mapping: sea' : 'extension mapping: fault';
  let reason = extensionReasons.get(to);
  if (reason === undefined) {
    if (extensionReasons.size >= MAX_EXTENSION_REASONS) extensionReasons.clear();
    extensionReasons.set(to, (reason = `extension mapping: PA ${paKey(to)}`));
  }
  return reason;
}

function resolveAccess(
  ctx: Ctx,
  realm: Readonly<RealmRecord>,
  rec: RecRecord,
  stop: AccessStop,
  because: (reason: string) => void,
): AccessOutcome {
  const { ipa } = stop;
  if (!Number.isSafeInteger(ipa) || !inIpaSpace(realm, ipa)) {
    because(`IPA ${paKey(ipa)} is outside the realm's ${realm.ipaWidth}-bit IPA space: SEA`);
    return { kind: 'sea', ipa };
  }
  const none: RecPending = { kind: 'none' };
  const protectedIpa = isProtectedIpa(realm, ipa);
  if (protectedIpa) {
    // Extension mappings (hooks.ts translate, e.g. Mica protected shared memory) come first,
    // before the RTT walk they make unnecessary (issue 10).
    const offset = ipa % GRANULE_SIZE;
    for (const ext of ctx.extensions ?? []) {
      const v = ext.translate?.(ctx, realm, stop.access, ipa - offset);
      if (!v) continue;
      // A store carries the value's labels; a load or fetch those of the bytes it brings into
      // the realm (none when the extension maps nothing there).
      const loaded =
        stop.access !== 'write' && v.kind === 'pa'
          ? labelsIn(ctx.state, v.pa + offset, stop.size)
          : undefined;
      if (v.flow) {
        const labels = stop.access === 'write' ? (stop.labels ?? []) : (loaded ?? []);
        ctx.emit(pageFlowEvent(v.flow, stop.access, ipa, stop.size, labels, realm.rim));
      }
      because(extensionReason(v.kind === 'pa' ? v.pa + offset : v.kind));
      if (v.kind === 'sea') return { kind: 'sea', ipa };
      if (v.kind === 'fault') {
        const at = walkRtt(ctx.state, realm, ipa);
        return { kind: 'exit', exit: abortExit(at, ipa, stop.access, false), pending: none };
      }
      return complete(ctx, realm, rec, stop, v.pa + offset, 'REALM', loaded);
    }
  }
  const walk = walkRtt(ctx.state, realm, ipa);
  const entry = walk.entry;
  const offset = ipa - walk.entryBase;
  if (protectedIpa) {
    if (entry.state !== 'UNASSIGNED' && entry.state !== 'ASSIGNED') {
      because('protected IPA in an unprotected entry: SEA');
      return { kind: 'sea', ipa };
    }
    if (entry.ripas === 'EMPTY') {
      because('RIPAS EMPTY: the realm has not accepted memory here, so it takes an SEA');
      return { kind: 'sea', ipa };
    }
    if (entry.state === 'ASSIGNED' && entry.ripas === 'RAM') {
      because(`RIPAS RAM, mapped to DATA granule ${paKey(entry.pa)} (Realm PAS)`);
      const done = complete(ctx, realm, rec, stop, entry.pa + offset, 'REALM');
      if (done.kind === 'sea') because('the granule protection check refused the access: SEA');
      return done;
    }
    because(
      entry.ripas === 'DESTROYED'
        ? 'RIPAS DESTROYED: the host destroyed this page; REC exit (data abort)'
        : 'RIPAS RAM but no granule mapped: REC exit so the host can map one',
    );
    return { kind: 'exit', exit: abortExit(walk, ipa, stop.access, false), pending: none };
  }
  // Unprotected IPA: never executable; data accesses may be emulated by the host.
  if (stop.access === 'fetch') {
    because('instruction fetch from an unprotected IPA: SEA');
    return { kind: 'sea', ipa };
  }
  const emulatable = stop.isv !== false;
  const mmio = (permission: boolean): AccessOutcome => ({
    kind: 'exit',
    exit: abortExit(walk, ipa, stop.access, emulatable && { ...stop, permission }),
    pending: {
      kind: 'mmio',
      emulatable,
      ipa,
      write: stop.access === 'write',
      size: stop.size,
      register: stop.register,
      signExtend: !!stop.signExtend,
    },
  });
  if (entry.state === 'ASSIGNED_NS') {
    const ap = Number(getField(BigInt(entry.attr), S2TTE_AP));
    const needed = stop.access === 'write' ? S2TTE_AP_WRITE : S2TTE_AP_READ;
    const allowed = (ap & needed) !== 0;
    if (!allowed) {
      because(
        `unprotected IPA mapped without ${stop.access} permission (the descriptor's S2AP bits are ${ap}): REC exit (permission fault)`,
      );
      return mmio(true);
    }
    because(`unprotected IPA mapped to host granule ${paKey(entry.pa)} (NS PAS, host-visible)`);
    const done = complete(ctx, realm, rec, stop, entry.pa + offset, 'NS');
    if (done.kind === 'sea') because('the host page is no longer NS (GPF): SEA');
    return done;
  }
  because(
    emulatable
      ? 'unprotected IPA with nothing mapped: emulatable REC exit (MMIO)'
      : 'unprotected IPA with nothing mapped and no valid syndrome: REC exit',
  );
  return mmio(false);
}

/**
 * A guest model's bulk store into its own protected RAM (many stores collapsed into one
 * access): every page must be ASSIGNED with RIPAS RAM; the bytes go through the Realm PAS.
 * Returns false (nothing written) when a page is not mapped that way.
 */
export function guestStore(
  ctx: Ctx,
  realm: Readonly<RealmRecord>,
  ipa: number,
  bytes: Uint8Array,
): boolean {
  const pas: { pa: number; at: number; len: number }[] = [];
  for (let at = 0; at < bytes.length;) {
    const here = ipa + at;
    if (!inIpaSpace(realm, here) || !isProtectedIpa(realm, here)) return false;
    const walk = walkRtt(ctx.state, realm, here);
    if (walk.entry.state !== 'ASSIGNED' || walk.entry.ripas !== 'RAM') return false;
    const len = Math.min(bytes.length - at, GRANULE_SIZE - (here % GRANULE_SIZE));
    pas.push({ pa: walk.entry.pa + (here - walk.entryBase), at, len });
    at += len;
  }
  for (const p of pas) {
    if (
      !physWrite(ctx, realmInitiator(realm, 'REALM'), p.pa, bytes.subarray(p.at, p.at + p.len)).ok
    ) {
      return false;
    }
  }
  return true;
}
