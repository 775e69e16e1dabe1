/**
 * The host's VMM: builds realms with the real RMI sequence and runs them with a KVM-like
 * loop (cca-spec.md §2.2-2.5, §4.3). Everything goes through `machine.smc`, `machine.read`
 * and `machine.write` as NS-EL2 software would, so every call is in the ledger.
 *
 * Building a realm: delegate the RD and starting RTT(s), write RmiRealmParams into an NS
 * granule, RMI_REALM_CREATE, create the RTTs covering RAM, RMI_RTT_INIT_RIPAS over RAM,
 * RMI_DATA_CREATE of the measured image at IPA 0, RMI_REC_CREATE (REC 0 runnable, the
 * others waiting for PSCI_CPU_ON), RMI_REALM_ACTIVATE.
 *
 * Running it: RMI_REC_ENTER again and again (trapping WFI, so an idle guest comes back to
 * the host as KVM's vCPU would block), handling each exit: a stage 2 fault in RAM is
 * answered by delegating a pool page and RMI_DATA_CREATE_UNKNOWN; a fault on a device
 * buffer or a shared page by RMI_RTT_MAP_UNPROTECTED of an NS page; an MMIO doorbell is
 * emulated (emul_mmio); PSCI_CPU_ON / AFFINITY_INFO are completed with RMI_PSCI_COMPLETE;
 * RIPAS changes are applied with RMI_RTT_SET_RIPAS and accepted; host calls are answered
 * by echoing the realm's registers. Anything else is refused with inject_sea.
 */
import { getField, hex64 } from '../../lib/bits.ts';
import {
  ESR_EL2_ABORT_ISV,
  ESR_EL2_ABORT_WNR,
  ESR_EL2_EC,
  ESR_EL2_EC_DATA_ABORT,
  ESR_EL2_EC_INST_ABORT,
  ESR_EL2_EC_WFX,
} from '../abi/esr.ts';
import { GRANULE_SIZE } from '../abi/gpt.ts';
import { RMI_MEASURE_CONTENT } from '../abi/measurement.ts';
import {
  PSCI_AFFINITY_INFO_AARCH64,
  PSCI_CPU_OFF,
  PSCI_CPU_ON_AARCH64,
  PSCI_NAMES,
  PSCI_SUCCESS,
  PSCI_SYSTEM_OFF,
  PSCI_SYSTEM_RESET,
} from '../abi/psci.ts';
import {
  RMI_ERROR_RTT,
  RMI_EXIT_HOST_CALL,
  RMI_EXIT_NAMES,
  RMI_EXIT_PSCI,
  RMI_EXIT_RIPAS_CHANGE,
  RMI_EXIT_SYNC,
  RMI_NOT_RUNNABLE,
  RMI_RUNNABLE,
  RMI_TABLE,
  RTT_PAGE_LEVEL,
  S2TTE_AP,
  S2TTE_AP_RW,
  S2TTE_MEMATTR,
  S2TTE_MEMATTR_FWB_NORMAL_WB,
  SMC_RMI_DATA_CREATE,
  SMC_RMI_DATA_CREATE_UNKNOWN,
  SMC_RMI_GRANULE_DELEGATE,
  SMC_RMI_PSCI_COMPLETE,
  SMC_RMI_REALM_ACTIVATE,
  SMC_RMI_REALM_CREATE,
  SMC_RMI_REC_AUX_COUNT,
  SMC_RMI_REC_CREATE,
  SMC_RMI_REC_ENTER,
  SMC_RMI_RTT_CREATE,
  SMC_RMI_RTT_INIT_RIPAS,
  SMC_RMI_RTT_MAP_UNPROTECTED,
  SMC_RMI_RTT_READ_ENTRY,
  SMC_RMI_RTT_SET_RIPAS,
  unpackReturnCode,
} from '../abi/rmi.ts';
import { RSI_EMPTY } from '../abi/rsi.ts';
import { setField } from '../../lib/bits.ts';
import { guestApp, guestApps } from '../guest/apps.ts';
import { didYouMean } from '../../lib/suggest.ts';
import {
  GUEST_DEFAULT_IPA_WIDTH,
  GUEST_DEFAULT_RAM_PAGES,
  GUEST_IMAGE_IPA,
  GUEST_MAX_RAM_PAGES,
  GUEST_MIN_RAM_PAGES,
  deviceAt,
  guestLayout,
} from '../guest/layout.ts';
import type { Machine, SmcResult } from '../machine.ts';
import { mpidrOfIndex } from '../rmm/rec-index.ts';
import { entrySize, numStartingRtts, rttConfigProblem } from '../rmm/rtt.ts';
import { realmOf } from '../rmm/views.ts';
import {
  decodeRecExit,
  encodeRealmParams,
  encodeRecEnter,
  encodeRecEnterFlags,
  encodeRecParams,
  type RecEnterFlags,
  type RecExit,
} from '../rmm/structs.ts';
import { deviceReceive, deviceSend } from './devices.ts';
import {
  VMM_NUM_BPS,
  VMM_NUM_WPS,
  hashAlgoParam,
  measuredImage,
  realmRpv,
  type RealmIntent,
} from './reference.ts';
import {
  HOST_POOL_TOP,
  hostState,
  recordRealm,
  unplugShared,
  type HostRealm,
  type HostState,
} from './state.ts';
import { hex } from '../../lib/hex.ts';

/** What the learner asks for. */
export interface RealmSpec {
  readonly name: string;
  readonly ramPages?: number;
  readonly hashAlgo?: 'sha-256' | 'sha-512';
  /** Guest application in the image (guest/apps.ts). Default `shell`. */
  readonly image?: string;
  readonly net?: boolean;
  readonly ipaWidth?: number;
  /** Number of RECs (vCPUs); REC 0 runs, the others wait for PSCI_CPU_ON. Default 1. */
  readonly recs?: number;
  /**
   * Extra host calls made after the RECs and before REALM_ACTIVATE (a monitor extension's
   * set-up, e.g. Mica's PD, dummy page and SGT, mica-spec.md §8 item 12). `call` records the
   * call (and stops the build when it fails); `delegated` hands out a delegated pool page.
   */
  readonly beforeActivate?: (setup: RealmSetup) => void;
  /**
   * A role string measured into the image after its header (so realms running the same app
   * get different RIMs, as different software would: Mica binds labels to RIMs, §8 item 3).
   */
  readonly role?: string;
  /**
   * A malicious host (issue 11): it builds this guest application instead of `image`, the one
   * the tenant asked for. The tenant's intent is still recorded as asked, so its relying party
   * recomputes the reference RIM from `image` and rejects the realm's tokens.
   */
  readonly hostImage?: string;
}

/** What {@link RealmSpec.beforeActivate} gets. */
export interface RealmSetup {
  readonly machine: Machine;
  /** The realm's name (the VMM's; the RMM knows only the RD). */
  readonly name: string;
  readonly rd: number;
  readonly call: (what: string, fid: number, ...args: (number | bigint)[]) => SmcResult;
  readonly delegated: (what: string) => number;
}

/** One host call the VMM made, for printing. */
export interface HostCall {
  readonly what: string;
  readonly result: SmcResult;
}

/** Outcome of {@link createRealm}. */
export type CreateRealmResult =
  | { readonly ok: true; readonly realm: HostRealm; readonly calls: readonly HostCall[] }
  | { readonly ok: false; readonly error: string; readonly calls: readonly HostCall[] };

/** A realm name the VMM accepts. */
export const REALM_NAME_PATTERN = /^[a-z][a-z0-9-]{0,15}$/;

/**
 * Why `name` is not a realm name ({@link REALM_NAME_PATTERN}), in words, else undefined.
 * Realm names are lower case and matched exactly everywhere (the host shell, `@<realm>`,
 * scenario files, links), as the shells' command names are (`REALM` gets "did you mean
 * realm"): a name that is one once lower-cased is refused with that form suggested.
 */
export function realmNameProblem(name: string): string | undefined {
  if (REALM_NAME_PATTERN.test(name)) return undefined;
  const lower = name.toLowerCase();
  const hint =
    lower !== name && REALM_NAME_PATTERN.test(lower)
      ? `: realm names are lower case, did you mean "${lower}"?`
      : '';
  return `"${name}" is not a realm name (a-z, 0-9, -, up to 16 characters)${hint}`;
}

/**
 * "no realm `name`" when none of `names` (the realms that exist) is it, saying which exist and,
 * when one differs from `name` only in case, suggesting it: realm names are matched exactly
 * ({@link realmNameProblem}).
 */
export function unknownRealm(name: string, names: readonly string[]): string {
  const known = names.length
    ? ` (realms: ${names.join(', ')})`
    : '; create one with "realm create <name>"';
  const same = names.find((n) => n !== name && n.toLowerCase() === name.toLowerCase());
  const hint =
    same === undefined ? '' : `: realm names are lower case and exact, did you mean "${same}"?`;
  return `no realm "${name}"${known}${hint}`;
}

/** {@link unknownRealm} for `name` among the realms the VMM of `machine` has built. */
export function unknownHostRealm(machine: Pick<Machine, 'state'>, name: string): string {
  return unknownRealm(
    name,
    hostRealms(machine).map((r) => r.name),
  );
}

/**
 * Names that already mean something else where realms are named: `host` is the hypervisor's
 * own terminal (`host$`, and `@host` in a lesson step would name the realm instead).
 */
const RESERVED_REALM_NAMES: ReadonlySet<string> = new Set(['host']);

/** Takes a page from the VMM's pool (`count` contiguous pages aligned to their total size). */
function allocPages(hs: HostState, count = 1): number | undefined {
  if (count === 1) {
    const free = hs.freePages.pop();
    if (free !== undefined) return free;
  }
  const span = count * GRANULE_SIZE;
  const base = Math.ceil(hs.nextPage / span) * span;
  if (base + span > HOST_POOL_TOP) return undefined;
  hs.nextPage = base + span;
  return base;
}

/** Thrown inside {@link createRealm} to stop at the first refused call. */
class Refused {
  constructor(readonly message: string) {}
}

function ok(result: SmcResult): boolean {
  return result.status === 'RMI_SUCCESS';
}

/** The starting level and number of starting RTTs for a `w`-bit IPA space (lowest level that works). */
export function startingGeometry(ipaWidth: number): { level: number; count: number } | undefined {
  for (let level = 0; level <= RTT_PAGE_LEVEL; level++) {
    const count = numStartingRtts(ipaWidth, level);
    if (!rttConfigProblem(ipaWidth, level, count)) return { level, count };
  }
  return undefined;
}

export { realmRpv } from './reference.ts';

/**
 * The smallest VMID no live realm uses (DEN0137 B4.3.9 vmid_valid: VMIDs are unique among
 * realms): the VMM reuses the VMID of a destroyed realm, as KVM does.
 */
function freeVmid(machine: Machine): number {
  const used = new Set(Object.values(machine.state.rmm.realms).map((r) => Number(r.vmid)));
  let vmid = 1;
  while (used.has(vmid)) vmid++;
  return vmid;
}

/** Builds and activates a realm named `spec.name` (see the file header for the sequence). */
export function createRealm(machine: Machine, spec: RealmSpec): CreateRealmResult {
  const calls: HostCall[] = [];
  const hs = hostState(machine.state);
  const fail = (error: string): CreateRealmResult => ({ ok: false, error, calls });
  const problem = realmNameProblem(spec.name);
  if (problem !== undefined) return fail(problem);
  if (RESERVED_REALM_NAMES.has(spec.name)) {
    return fail(
      `"${spec.name}" names the host hypervisor's own terminal (host$): pick another realm name`,
    );
  }
  const previous = hs.realms[spec.name];
  if (previous && realmOf(machine.state, previous.rd)) {
    return fail(
      `a realm called "${spec.name}" exists already: "realm destroy ${spec.name}" tears it down, or pick another name`,
    );
  }
  // A destroyed realm's name is free again; its VM is gone, so are the windows it plugged.
  if (previous) unplugShared(hs, spec.name);
  const ramPages = spec.ramPages ?? GUEST_DEFAULT_RAM_PAGES;
  if (
    !Number.isInteger(ramPages) ||
    ramPages < GUEST_MIN_RAM_PAGES ||
    ramPages > GUEST_MAX_RAM_PAGES
  ) {
    return fail(
      `a realm's RAM must be ${GUEST_MIN_RAM_PAGES}..${GUEST_MAX_RAM_PAGES} pages, not ${ramPages}`,
    );
  }
  const image = spec.image ?? 'shell';
  if (!guestApp(image)) return fail(noGuestImage(image));
  const built = spec.hostImage ?? image;
  if (!guestApp(built)) return fail(noGuestImage(built));
  const ipaWidth = spec.ipaWidth ?? GUEST_DEFAULT_IPA_WIDTH;
  const geometry = startingGeometry(ipaWidth);
  if (!geometry) return fail(`no RTT geometry for a ${ipaWidth}-bit IPA space`);
  const recCount = spec.recs ?? 1;
  const hashAlgo = spec.hashAlgo ?? 'sha-256';
  // What the tenant asked for, kept for its relying party (reference.ts), not for the build.
  const intent: RealmIntent = {
    image,
    ramPages,
    net: !!spec.net,
    hashAlgo,
    ipaWidth,
    recs: recCount,
    ...(spec.role !== undefined ? { role: spec.role } : {}),
  };
  (hs.intents ??= {})[spec.name] = intent;

  const call = (what: string, fid: number, ...args: (number | bigint)[]): SmcResult => {
    const result = machine.smc(fid, ...args);
    calls.push({ what, result });
    if (!ok(result)) {
      throw new Refused(
        `${what} failed: ${result.status}${result.failure ? ` (${result.failure.label}: ${result.failure.reason})` : ''}`,
      );
    }
    return result;
  };
  const page = (count = 1): number => {
    const pa = allocPages(hs, count);
    if (pa === undefined) throw new Refused('the VMM ran out of pool pages');
    return pa;
  };
  const delegated = (what: string): number => {
    const pa = page();
    call(`delegate ${what}`, SMC_RMI_GRANULE_DELEGATE, pa);
    return pa;
  };
  const nsPage = (bytes: Uint8Array): number => {
    const pa = page();
    if (!machine.write(pa, bytes).ok) throw new Refused(`cannot write NS page ${hex64(pa)}`);
    return pa;
  };

  try {
    const rttBase = page(geometry.count);
    for (let i = 0; i < geometry.count; i++) {
      call('delegate starting RTT', SMC_RMI_GRANULE_DELEGATE, rttBase + i * GRANULE_SIZE);
    }
    const rd = delegated('RD');
    const vmid = freeVmid(machine);
    const params = nsPage(
      encodeRealmParams({
        s2sz: BigInt(ipaWidth),
        numBps: BigInt(VMM_NUM_BPS),
        numWps: BigInt(VMM_NUM_WPS),
        hashAlgo: BigInt(hashAlgoParam(intent)),
        rpv: realmRpv(spec.name),
        vmid: BigInt(vmid),
        rttBase: BigInt(rttBase),
        rttLevelStart: BigInt(geometry.level),
        rttNumStart: BigInt(geometry.count),
      }),
    );
    call('REALM_CREATE', SMC_RMI_REALM_CREATE, rd, params);
    hs.freePages.push(params);
    const ramTop = ramPages * GRANULE_SIZE;
    const tables = (ipa: number): void =>
      ensureTables(machine, rd, geometry.level, ipa, call, delegated);
    for (let ipa = 0; ipa < ramTop; ipa += entrySize(RTT_PAGE_LEVEL - 1)) tables(ipa);
    let at = 0;
    while (at < ramTop) {
      const r = call('RTT_INIT_RIPAS', SMC_RMI_RTT_INIT_RIPAS, rd, at, ramTop);
      at = Number(r.x[1] ?? BigInt(ramTop));
    }
    const imagePage = measuredImage({ ...intent, image: built });
    const imageSrc = nsPage(imagePage);
    const data = delegated('image DATA');
    call(
      'DATA_CREATE image',
      SMC_RMI_DATA_CREATE,
      rd,
      data,
      GUEST_IMAGE_IPA,
      imageSrc,
      RMI_MEASURE_CONTENT,
    );
    hs.freePages.push(imageSrc);
    const auxCount = Number(call('REC_AUX_COUNT', SMC_RMI_REC_AUX_COUNT, rd).x[1] ?? 0n);
    const recs: number[] = [];
    for (let index = 0; index < recCount; index++) {
      const rec = delegated(`REC ${index}`);
      const aux = Array.from({ length: auxCount }, () => BigInt(delegated(`REC ${index} aux`)));
      const recParams = nsPage(
        encodeRecParams({
          flags: BigInt(index === 0 ? RMI_RUNNABLE : RMI_NOT_RUNNABLE),
          mpidr: mpidrOfIndex(index),
          pc: BigInt(GUEST_IMAGE_IPA),
          numAux: BigInt(auxCount),
          aux,
        }),
      );
      call(`REC_CREATE ${index}`, SMC_RMI_REC_CREATE, rd, rec, recParams);
      hs.freePages.push(recParams);
      recs.push(rec);
    }
    spec.beforeActivate?.({ machine, name: spec.name, rd, call, delegated });
    call('REALM_ACTIVATE', SMC_RMI_REALM_ACTIVATE, rd);
    const run = nsPage(new Uint8Array(GRANULE_SIZE));
    const realm: HostRealm = {
      name: spec.name,
      rd,
      recs,
      run,
      ipaWidth,
      ramPages,
      hashAlgo,
      image: built,
      net: !!spec.net,
      shared: {},
      console: '',
      network: [],
      exits: 0,
      enter: {},
      off: false,
    };
    recordRealm(machine.state, realm);
    return { ok: true, realm, calls };
  } catch (error) {
    if (error instanceof Refused) return fail(error.message);
    throw error;
  }
}

/** Creates the RTTs below the starting level down to level 3 for `ipa`, as needed. */
function ensureTables(
  machine: Machine,
  rd: number,
  startLevel: number,
  ipa: number,
  call: (what: string, fid: number, ...args: (number | bigint)[]) => SmcResult,
  delegated: (what: string) => number,
): void {
  for (let level = startLevel + 1; level <= RTT_PAGE_LEVEL; level++) {
    const span = entrySize(level - 1);
    const base = Math.floor(ipa / span) * span;
    const read = machine.smc(SMC_RMI_RTT_READ_ENTRY, rd, base, level - 1);
    if (ok(read) && read.x[2] === BigInt(RMI_TABLE)) continue;
    const rtt = delegated(`level ${level} RTT`);
    call(`RTT_CREATE level ${level}`, SMC_RMI_RTT_CREATE, rd, rtt, base, level);
  }
}

/** A guest image name that is none: the nearest name and every image, so a typo is one look. */
function noGuestImage(name: string): string {
  const names = guestApps().map((a) => a.name);
  return `no guest image "${name}"${didYouMean(name, names)}; the images: ${names.join(', ')}`;
}

/** The realm called `name` in the VMM's records. */
export function hostRealm(machine: Machine, name: string): HostRealm | undefined {
  return machine.state.host?.realms[name];
}

/** One exit the run loop handled. */
export interface ExitReport {
  /** REC index. */
  readonly rec: number;
  /** RMI_EXIT_SYNC, RMI_EXIT_IRQ, ... */
  readonly reason: string;
  /** What the exit said (syndrome decoded, PSCI function, ...). */
  readonly detail: string;
  /** What the host did about it. */
  readonly action: string;
  /** Ledger sequence number of the RMI_REC_ENTER call that returned this exit. */
  readonly seq: number;
  /** Device output this exit produced. */
  readonly output?: {
    readonly device: string;
    readonly text: string;
    readonly labels: readonly string[];
  };
}

/** Why the loop stopped. */
/**
 * Why a run ended: every REC idle, the realm off, the exit budget spent, a REC stuck (the
 * same exit with the guest unchanged, so the next entry can only repeat it), or an error.
 */
export type RunStop = 'idle' | 'off' | 'limit' | 'stuck' | 'error';

/**
 * Identical exits in a row, with the REC's guest state unchanged, after which the host stops
 * running a REC: the machine is deterministic, so the next entry would make the same exit.
 */
export const STUCK_REPEATS = 3;

/** Outcome of {@link runRealm}. */
export interface RunReport {
  readonly exits: readonly ExitReport[];
  readonly stop: RunStop;
  readonly error?: string;
}

/** Options for {@link runRealm}. */
export interface RunOptions {
  /** Most REC exits to handle before giving up (default 2000). */
  readonly maxExits?: number;
}

type Handled = {
  readonly next: 'enter' | 'idle' | 'off-rec' | 'off';
  readonly report: Omit<ExitReport, 'rec' | 'reason' | 'seq'>;
};

function enterFlags(f: Partial<RecEnterFlags>): string {
  return hex64(encodeRecEnterFlags({ trapWfi: true, ...f }));
}

/**
 * Runs the realm `name` until every runnable REC is idle (trapped WFI), the realm is off, or
 * `maxExits` exits were handled. Each exit is reported with what the host did.
 */
export function runRealm(machine: Machine, name: string, options: RunOptions = {}): RunReport {
  const realm = hostRealm(machine, name);
  if (!realm) return { exits: [], stop: 'error', error: `no realm called "${name}"` };
  const maxExits = options.maxExits ?? 2000;
  const exits: ExitReport[] = [];
  const idle = new Set<number>();
  const offRecs = new Set<number>();
  /** The last exit of each REC with the guest state after it, and how often it repeated. */
  const last = new Map<number, { signature: string; repeats: number }>();
  while (exits.length < maxExits) {
    const rmmRealm = machine.state.rmm.realms[hex(realm.rd)];
    if (!rmmRealm)
      return { exits, stop: 'error', error: `realm "${name}" no longer exists in the RMM` };
    if (rmmRealm.state === 'SYSTEM_OFF' || realm.off) return { exits, stop: 'off' };
    const recPa = realm.recs.find((pa) => {
      const rec = machine.state.rmm.recs[hex(pa)];
      return rec?.runnable && !idle.has(pa) && !offRecs.has(pa);
    });
    if (recPa === undefined) return { exits, stop: 'idle' };
    const key = hex64(recPa);
    const pending = realm.enter[key] ?? { flags: enterFlags({}), gprs: [] };
    delete realm.enter[key];
    machine.write(
      realm.run,
      encodeRecEnter({ flags: BigInt(pending.flags), gprs: pending.gprs.map((g) => BigInt(g)) }),
    );
    const entered = machine.smc(SMC_RMI_REC_ENTER, recPa, realm.run);
    const index = realm.recs.indexOf(recPa);
    if (!ok(entered)) {
      const why = entered.failure
        ? `${entered.failure.label}: ${entered.failure.reason}`
        : entered.status;
      if (entered.failure?.label === 'system_off') return { exits, stop: 'off' };
      return { exits, stop: 'error', error: `RMI_REC_ENTER of REC ${index} failed: ${why}` };
    }
    const bytes = machine.read(realm.run, GRANULE_SIZE);
    if (!bytes.ok) return { exits, stop: 'error', error: 'the VMM cannot read its RmiRecRun page' };
    const exit = decodeRecExit(bytes.bytes);
    realm.exits += 1;
    const handled = handleExit(machine, realm, recPa, exit);
    const report: ExitReport = {
      rec: index,
      reason: RMI_EXIT_NAMES[Number(exit.exitReason)] ?? `exit ${exit.exitReason}`,
      seq: entered.seq,
      ...handled.report,
    };
    exits.push(report);
    // Livelock: the same exit and host answer with the guest state unchanged cannot end.
    const guest = machine.state.rmm.recs[hex(recPa)]?.guest;
    const signature = `${report.reason}|${report.detail ?? ''}|${report.action}|${JSON.stringify(guest ?? null)}`;
    const seen = last.get(recPa);
    const repeats = seen?.signature === signature ? seen.repeats + 1 : 1;
    last.set(recPa, { signature, repeats });
    if (repeats >= STUCK_REPEATS && handled.next === 'enter') {
      return {
        exits,
        stop: 'stuck',
        error: `REC ${index} made the same exit ${repeats} times in a row with nothing changed (${report.reason}${report.detail ? `: ${report.detail}` : ''} -> ${report.action}); running it again would repeat it, so the host stops`,
      };
    }
    // The host's side of the exit, in the ledger timeline next to the RMI calls it made.
    machine.hostIo.note(
      `VMM: ${name} REC ${index} ${report.reason}${report.detail ? `: ${report.detail}` : ''} -> ${report.action}`,
    );
    if (handled.next === 'idle') idle.add(recPa);
    if (handled.next === 'off-rec') offRecs.add(recPa);
    if (handled.next === 'off') {
      realm.off = true;
      return { exits, stop: 'off' };
    }
    // A REC that was started (PSCI_CPU_ON) or woken gets its turn: clear idleness of others.
    if (handled.next === 'enter' && exit.exitReason === BigInt(RMI_EXIT_PSCI)) idle.clear();
  }
  return { exits, stop: 'limit' };
}

/** IPA of a data/instruction abort exit: HPFAR page plus the FAR page offset (if given). */
function abortIpa(exit: RecExit): number {
  return Number(exit.hpfar << 8n) + Number(exit.far & 0xfffn);
}

function handleExit(machine: Machine, realm: HostRealm, recPa: number, exit: RecExit): Handled {
  const key = hex64(recPa);
  const setEnter = (f: Partial<RecEnterFlags>, gprs: bigint[] = []): void => {
    realm.enter[key] = { flags: enterFlags(f), gprs: gprs.map(hex64) };
  };
  switch (Number(exit.exitReason)) {
    case RMI_EXIT_SYNC: {
      const ec = Number(getField(exit.esr, ESR_EL2_EC));
      if (ec === ESR_EL2_EC_WFX) {
        return {
          next: 'idle',
          report: {
            detail: 'WFI (trapped)',
            action: 'the vCPU is idle; the host stops running it',
          },
        };
      }
      if (ec === ESR_EL2_EC_DATA_ABORT || ec === ESR_EL2_EC_INST_ABORT) {
        return handleAbort(machine, realm, recPa, exit, setEnter);
      }
      setEnter({ injectSea: true });
      return {
        next: 'enter',
        report: {
          detail: `ESR ${hex64(exit.esr)}`,
          action: 'unknown synchronous exit: inject SEA',
        },
      };
    }
    case RMI_EXIT_PSCI:
      return handlePsci(machine, realm, recPa, exit, setEnter);
    case RMI_EXIT_RIPAS_CHANGE: {
      const base = Number(exit.ripasBase);
      const top = Number(exit.ripasTop);
      const value = Number(exit.ripasValue) === RSI_EMPTY ? 'EMPTY' : 'RAM';
      let at = base;
      let refused = '';
      for (let guard = 0; at < top && guard < 1024; guard++) {
        const r = machine.smc(SMC_RMI_RTT_SET_RIPAS, realm.rd, recPa, at, top);
        if (ok(r)) {
          at = Number(r.x[1] ?? BigInt(top));
          continue;
        }
        const { status, index: level } = unpackReturnCode(r.x[0] ?? 0n);
        if (
          status !== RMI_ERROR_RTT ||
          level >= RTT_PAGE_LEVEL ||
          !createTable(machine, realm, at, level + 1)
        ) {
          refused = `${r.status}${r.failure ? ` (${r.failure.label})` : ''}`;
          break;
        }
      }
      setEnter({});
      return {
        next: 'enter',
        report: {
          detail: `RSI_IPA_STATE_SET [${hex64(base)}, ${hex64(top)}) -> ${value}`,
          action: refused
            ? `RMI_RTT_SET_RIPAS refused: ${refused}; the realm sees how far it got`
            : `RMI_RTT_SET_RIPAS up to ${hex64(at)}, response RMI_ACCEPT`,
        },
      };
    }
    case RMI_EXIT_HOST_CALL: {
      const gprs = [...exit.gprs];
      setEnter({}, gprs);
      const shown = gprs
        .slice(0, 4)
        .map((g, i) => `x${i}=${hex64(g)}`)
        .join(' ');
      return {
        next: 'enter',
        report: {
          detail: `RSI_HOST_CALL imm=${exit.imm} ${shown}`,
          action: 'answered: the registers are echoed back',
        },
      };
    }
    default:
      setEnter({});
      return { next: 'enter', report: { detail: '', action: 're-enter' } };
  }
}

/** Creates one RTT at `level` covering `ipa` of `realm`. */
function createTable(machine: Machine, realm: HostRealm, ipa: number, level: number): boolean {
  const hs = hostState(machine.state);
  const pa = allocPages(hs);
  if (pa === undefined) return false;
  if (!ok(machine.smc(SMC_RMI_GRANULE_DELEGATE, pa))) return false;
  const span = entrySize(level - 1);
  return ok(machine.smc(SMC_RMI_RTT_CREATE, realm.rd, pa, Math.floor(ipa / span) * span, level));
}

/** Calls `make` and, while it fails with RMI_ERROR_RTT at a level above 3, adds the table. */
function withTables(
  machine: Machine,
  realm: HostRealm,
  ipa: number,
  make: () => SmcResult,
): SmcResult {
  let result = make();
  for (let guard = 0; guard < 4 && !ok(result); guard++) {
    const { status, index: level } = unpackReturnCode(result.x[0] ?? 0n);
    if (status !== RMI_ERROR_RTT || level >= RTT_PAGE_LEVEL) break;
    if (!createTable(machine, realm, ipa, level + 1)) break;
    result = make();
  }
  return result;
}

/** Takes one page from the VMM's pool (NS, undelegated), for extensions' host-side backing. */
export function allocHostPage(machine: Machine): number | undefined {
  return allocPages(hostState(machine.state));
}

/**
 * Issues `make` (a call that maps `ipa` of `realm`) and, while it fails for a missing RTT,
 * creates the table it names and retries (extensions' host-side mappings use it).
 */
export function withHostTables(
  machine: Machine,
  realm: HostRealm,
  ipa: number,
  make: () => SmcResult,
): SmcResult {
  return withTables(machine, realm, ipa, make);
}

/** What an extension's host-side abort handler decided. */
export interface HostAbortAnswer {
  /** What the host did, for the exit report. */
  readonly action: string;
  /** How to re-enter: retry the access (it mapped something), or inject an SEA. */
  readonly enter: 'retry' | 'sea';
}

/**
 * A host-side handler for data aborts the stock VMM does not know about (the Mica VMM maps
 * protected shared windows, mica-spec.md §3.4). Undefined = not its address.
 */
export type HostAbortHandler = (
  machine: Machine,
  realm: HostRealm,
  rec: number,
  ipa: number,
  write: boolean,
) => HostAbortAnswer | undefined;

/**
 * Each machine's host abort handlers. The VMM of one machine never asks another machine's
 * handlers; they are added when that machine is built (shell/machine.ts), not at import.
 */
const abortHandlers = new WeakMap<Machine, readonly HostAbortHandler[]>();

/**
 * Adds a host abort handler to `machine`'s VMM (tried, in the order added, before the VMM's
 * own answer); returns its removal.
 */
export function addHostAbortHandler(machine: Machine, handler: HostAbortHandler): () => void {
  abortHandlers.set(machine, [...(abortHandlers.get(machine) ?? []), handler]);
  return () => {
    abortHandlers.set(
      machine,
      (abortHandlers.get(machine) ?? []).filter((h) => h !== handler),
    );
  };
}

function handleAbort(
  machine: Machine,
  realm: HostRealm,
  recPa: number,
  exit: RecExit,
  setEnter: (f: Partial<RecEnterFlags>, gprs?: bigint[]) => void,
): Handled {
  const hs = hostState(machine.state);
  const ipa = abortIpa(exit);
  const page = ipa - (ipa % GRANULE_SIZE);
  const isv = getField(exit.esr, ESR_EL2_ABORT_ISV) === 1n;
  const write = getField(exit.esr, ESR_EL2_ABORT_WNR) === 1n;
  const layout = guestLayout(realm.ipaWidth, realm.ramPages, realm.net);
  const detail = `${write ? 'write' : 'read'} abort at IPA ${hex64(ipa)}${isv ? ' (ISV: emulatable)' : ''}`;
  for (const handler of abortHandlers.get(machine) ?? []) {
    const answer = handler(machine, realm, recPa, ipa, write);
    if (!answer) continue;
    setEnter(answer.enter === 'sea' ? { injectSea: true } : {});
    return { next: 'enter', report: { detail, action: answer.action } };
  }
  const sea = (why: string): Handled => {
    setEnter({ injectSea: true });
    return { next: 'enter', report: { detail, action: `${why}: inject SEA` } };
  };
  if (ipa < layout.unprotected) {
    if (page >= layout.ram.top) return sea('not RAM the VMM gave this realm');
    const pa = allocPages(hs);
    if (pa === undefined) return sea('the VMM is out of pages');
    if (!ok(machine.smc(SMC_RMI_GRANULE_DELEGATE, pa))) return sea('delegation refused');
    const r = withTables(machine, realm, page, () =>
      machine.smc(SMC_RMI_DATA_CREATE_UNKNOWN, realm.rd, pa, page),
    );
    if (!ok(r)) return sea(`RMI_DATA_CREATE_UNKNOWN refused (${r.failure?.label ?? r.status})`);
    setEnter({});
    return {
      next: 'enter',
      report: {
        detail,
        action: `mapped RAM: delegated ${hex64(pa)}, RMI_DATA_CREATE_UNKNOWN at ${hex64(page)}`,
      },
    };
  }
  const device = deviceAt(layout, ipa);
  if (device?.part === 'doorbell' && isv) {
    if (!write && device.device.name === 'net') {
      const buffer = device.device.buffer;
      const length = deviceReceive(machine, realm, realm.shared[hex64(buffer)], buffer);
      setEnter({ emulMmio: true }, [BigInt(length)]);
      return {
        next: 'enter',
        report: {
          detail,
          action:
            length > 0
              ? `emulated net receive: the tenant's packet (${length} bytes) is in the shared buffer`
              : 'emulated net receive: no packet waiting (0)',
        },
      };
    }
    if (!write) {
      setEnter({ emulMmio: true }, [0n]);
      return {
        next: 'enter',
        report: { detail, action: `emulated ${device.device.name} status read (0)` },
      };
    }
    const length = Math.min(Number(exit.gprs[0] ?? 0n), GRANULE_SIZE);
    const output = deviceSend(
      machine,
      realm,
      device.device.name,
      realm.shared[hex64(device.device.buffer)],
      length,
    );
    setEnter({ emulMmio: true });
    return {
      next: 'enter',
      report: {
        detail: `${detail}, value ${length}`,
        action: output
          ? `emulated ${device.device.name}: sent ${length} bytes`
          : `emulated ${device.device.name}: buffer not mapped, nothing sent`,
        ...(output ? { output } : {}),
      },
    };
  }
  // A device buffer, or the alias of a page the realm shared (RIPAS EMPTY): map NS memory.
  const aliasOf = page - layout.unprotected;
  const sharedRam = aliasOf < layout.ram.top && ripasOfPage(machine, realm, aliasOf) === 'EMPTY';
  if (device?.part === 'buffer' || sharedRam) {
    const pa = allocPages(hs);
    if (pa === undefined) return sea('the VMM is out of pages');
    if (!machine.write(pa, new Uint8Array(GRANULE_SIZE)).ok) return sea('cannot clear the NS page');
    let desc = BigInt(pa);
    desc = setField(desc, S2TTE_MEMATTR, S2TTE_MEMATTR_FWB_NORMAL_WB);
    desc = setField(desc, S2TTE_AP, S2TTE_AP_RW);
    const r = withTables(machine, realm, page, () =>
      machine.smc(SMC_RMI_RTT_MAP_UNPROTECTED, realm.rd, page, RTT_PAGE_LEVEL, desc),
    );
    if (!ok(r)) return sea(`RMI_RTT_MAP_UNPROTECTED refused (${r.failure?.label ?? r.status})`);
    realm.shared[hex64(page)] = pa;
    setEnter({});
    const what = device ? `${device.device.name} buffer` : 'shared page';
    return {
      next: 'enter',
      report: {
        detail,
        action: `mapped ${what}: NS page ${hex64(pa)} at ${hex64(page)} (RMI_RTT_MAP_UNPROTECTED)`,
      },
    };
  }
  return sea('nothing the VMM emulates at this address');
}

/** RIPAS of a protected page, read with RMI_RTT_READ_ENTRY (what the host can know). */
function ripasOfPage(
  machine: Machine,
  realm: HostRealm,
  ipa: number,
): 'EMPTY' | 'RAM' | 'DESTROYED' | undefined {
  const r = machine.smc(SMC_RMI_RTT_READ_ENTRY, realm.rd, ipa, RTT_PAGE_LEVEL);
  if (!ok(r)) return undefined;
  return (['EMPTY', 'RAM', 'DESTROYED'] as const)[Number(r.x[4] ?? 0n)];
}

function handlePsci(
  machine: Machine,
  realm: HostRealm,
  recPa: number,
  exit: RecExit,
  setEnter: (f: Partial<RecEnterFlags>, gprs?: bigint[]) => void,
): Handled {
  const fid = Number(exit.gprs[0] ?? 0n);
  const name = PSCI_NAMES[fid] ?? hex64(fid);
  switch (fid) {
    case PSCI_SYSTEM_OFF:
    case PSCI_SYSTEM_RESET:
      return {
        next: 'off',
        report: { detail: name, action: 'the realm is off; the VMM stops running it' },
      };
    case PSCI_CPU_OFF:
      setEnter({});
      return { next: 'off-rec', report: { detail: name, action: 'this vCPU is off' } };
    case PSCI_CPU_ON_AARCH64:
    case PSCI_AFFINITY_INFO_AARCH64: {
      const mpidr = exit.gprs[1] ?? 0n;
      const target = realm.recs.find(
        (pa) => BigInt(machine.state.rmm.recs[hex(pa)]?.mpidr ?? '-1') === mpidr,
      );
      setEnter({});
      if (target === undefined) {
        return {
          next: 'enter',
          report: { detail: `${name} ${hex64(mpidr)}`, action: 'no such vCPU in the VMM' },
        };
      }
      const r = machine.smc(SMC_RMI_PSCI_COMPLETE, recPa, target, PSCI_SUCCESS);
      return {
        next: 'enter',
        report: {
          detail: `${name} target ${hex64(mpidr)}`,
          action: `RMI_PSCI_COMPLETE(PSCI_SUCCESS) -> ${r.status}`,
        },
      };
    }
    default:
      setEnter({});
      return { next: 'enter', report: { detail: name, action: 're-enter' } };
  }
}

/** Realms the VMM created, in creation order of their RDs. */
export function hostRealms(machine: Pick<Machine, 'state'>): HostRealm[] {
  return Object.values(machine.state.host?.realms ?? {}).sort((a, b) => a.rd - b.rd);
}
