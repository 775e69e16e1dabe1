/**
 * The machine's state: plain data (records, arrays, numbers, strings; memory as byte
 * arrays) with a version number. No class instances, no closures: snapshot() is a
 * serialisation of this tree and restore() its validated inverse (see snapshot.ts).
 *
 * Design rationale: granule-indexed records are sparse. A granule absent from `granules` is
 * UNDELEGATED with no owner; a PA absent from `gpt` has its region's boot GPI; a granule
 * absent from `memory` reads as zeroes. That keeps a 128 MiB board cheap to snapshot.
 */
import type { GranuleState, Ripas } from './abi/rmi.ts';
import type { Gpi } from './abi/gpt.ts';
import type { MemoryRegion } from './abi/platform.ts';
import { DEFAULT_MEMORY_MAP } from './abi/platform.ts';
import type { HostState } from './host/state.ts';
import type { LedgerState } from './ledger.ts';
import { emptyLedger } from './ledger.ts';
import { copyPages } from './hw/pages.ts';
import type { RmmHashAlgo } from './rmm/measure/index.ts';

/**
 * Version of the state layout. Bump it whenever the shape of {@link MachineState} changes;
 * restore() refuses other versions with a message instead of guessing.
 */
export const STATE_VERSION = 1;

/** The three machine modes (product.md). */
export type MachineMode = 'cca' | 'mica' | 'mica-prototype';

/** Configuration fixed at machine creation and recorded in snapshots. */
export interface MachineConfig {
  /** Physical memory map of the board. */
  readonly memoryMap: readonly MemoryRegion[];
  /** CCA only, Mica (default) or the Mica prototype's behaviour. */
  readonly mode: MachineMode;
  /** Named prototype gaps switched on (Mica prototype mode). */
  readonly gaps: readonly string[];
}

/** RMM bookkeeping for one granule that is not plainly UNDELEGATED. */
export interface GranuleRecord {
  state: GranuleState;
  /** PA of the RD of the realm that owns it (RD/REC/REC_AUX/DATA/RTT). */
  realm?: number;
  /** Reference count (RD: RECs + RTTs as TF-RMM counts; RTT: live entries). */
  refcount: number;
  /**
   * Set by an extension that uses this DELEGATED granule for its own purpose (e.g.
   * `mica:shared` for a protected shared page mapped by realms, `mica:pd`, `mica:dummy`):
   * such a granule may hold data, and the extension decides whether it may be undelegated.
   */
  ext?: string;
}

/** Realm lifecycle state (spec A2.1.5; cca-spec.md §3.2). */
export type RealmLifecycle = 'NEW' | 'ACTIVE' | 'SYSTEM_OFF';

/**
 * A Realm Descriptor: what the RMM keeps in the RD granule (spec A2.1, B4.3.9). 64-bit
 * values the learner may need exactly are 0x-hex strings; measurements are hex of their
 * 64 stored bytes (SHA-256 values zero-extended, cca-spec.md §5.1).
 */
export interface RealmRecord {
  /** PA of the RD granule (also the key of this record). */
  rd: number;
  state: RealmLifecycle;
  /** IPA width in bits (RmiRealmParams.s2sz); protected IPAs are below 2^(ipaWidth-1). */
  ipaWidth: number;
  hashAlgo: RmmHashAlgo;
  /** RmiRealmParams.flags as given (0x-hex). */
  flags: string;
  featLpa2: boolean;
  sveVl: number;
  numBps: number;
  numWps: number;
  pmuNumCtrs: number;
  /** PA of the first starting-level RTT. */
  rttBase: number;
  rttLevelStart: number;
  rttNumStart: number;
  vmid: number;
  /** Realm Personalization Value, hex of 64 bytes. */
  rpv: string;
  /** Realm Initial Measurement, hex of 64 bytes; frozen once ACTIVE. */
  rim: string;
  /** Realm Extensible Measurements 0..3, hex of 64 bytes each. */
  rems: string[];
  /** RecIndex the next REC_CREATE must use (RECs are created in MPIDR order). */
  recIndex: number;
  /** RECs that currently exist. */
  numRecs: number;
}

/** REC lifecycle (spec A2.3; cca-spec.md §3.3). */
export type RecLifecycle = 'READY' | 'RUNNING';

/** What the realm asked the host with its last REC exit that still needs an answer. */
export type RecPending =
  | { kind: 'none' }
  /** A PSCI call the host must complete with RMI_PSCI_COMPLETE before the next entry. */
  | { kind: 'psci'; fid: number; target: string; entry: string; contextId: string }
  /** A data abort at an unprotected IPA: the host may emulate it or inject an SEA. */
  | {
      kind: 'mmio';
      /** Emulatable (valid syndrome, unprotected IPA): the host may complete it with emul_mmio. */
      emulatable: boolean;
      ipa: number;
      write: boolean;
      size: number;
      register: number;
      signExtend: boolean;
    }
  /** RSI_IPA_STATE_SET waiting for RMI_RTT_SET_RIPAS and the host's response. */
  | { kind: 'ripas' }
  /**
   * RSI_HOST_CALL: on the next entry enter.gprs are copied into the RsiHostCall at `ipa`.
   * `scrubbed` (a call an extension forwarded SCRUBbed): if the struct is no longer mapped
   * RAM the results are dropped and X0 = RSI_ERROR_INPUT, never a fault exit whose address the
   * realm chose.
   */
  | { kind: 'hostCall'; ipa: number; scrubbed?: boolean };

/**
 * A REC: one virtual CPU of a realm (spec A2.3). Registers are 0x-hex strings.
 */
export interface RecRecord {
  /** PA of the REC granule (also the key of this record). */
  rec: number;
  /** PA of the owning realm's RD. */
  owner: number;
  state: RecLifecycle;
  /** RmiRecParams.mpidr (0x-hex) and its RecIndex. */
  mpidr: string;
  index: number;
  runnable: boolean;
  pc: string;
  /** X0..X30. */
  gprs: string[];
  /** PAs of the REC_AUX granules. */
  aux: number[];
  pending: RecPending;
  /** RIPAS change in progress (RSI_IPA_STATE_SET): next address, top, value, DESTROYED allowed. */
  ripasAddr: number;
  ripasTop: number;
  ripasValue: Ripas;
  ripasDestroyed: boolean;
  /** Last GICv3 state the host passed in (0x-hex): ICH_HCR_EL2 and list registers. */
  gicv3Hcr: string;
  gicv3Lrs: string[];
  /** Scratch owned by the guest model (plain data), e.g. a script position. */
  guest: Record<string, ScratchValue>;
  /**
   * Attestation in progress on this REC (attest_state ATTEST_IN_PROGRESS, spec B5.3.7;
   * cca-spec.md §3.3): absent when NO_ATTEST_IN_PROGRESS.
   */
  attest?: RecAttest;
}

/** JSON-safe values the guest model may keep in `RecRecord.guest`. */
export type ScratchValue =
  string | number | boolean | null | ScratchValue[] | { [key: string]: ScratchValue };

/** A token being streamed out by RSI_ATTESTATION_TOKEN_CONTINUE. */
export interface RecAttest {
  /** The 64-byte challenge of RSI_ATTESTATION_TOKEN_INIT, hex. */
  challenge: string;
  /** The whole CCA token built at INIT (with the measurements of that moment), hex. */
  token: string;
  /** Bytes already copied to the realm. */
  copied: number;
}

/**
 * Provenance labels of memory bytes: per granule index, sorted non-overlapping runs
 * [start, end) of offsets inside the granule with the label they carry (hw/labels.ts).
 */
export type LabelRun = [start: number, end: number, label: string];

/** An entry of a realm translation table: HIPAS x RIPAS (spec A5.5.4; cca-spec.md §3.4). */
export type RttEntry =
  /** Protected IPA, no granule: RIPAS says what the realm may expect. */
  | { readonly state: 'UNASSIGNED'; readonly ripas: Ripas }
  /** Protected IPA mapped to DATA at `pa` (a block when the RTT level is below 3). */
  | { readonly state: 'ASSIGNED'; readonly ripas: Ripas; readonly pa: number }
  /** Unprotected IPA, nothing mapped. */
  | { readonly state: 'UNASSIGNED_NS' }
  /** Unprotected IPA mapped to host memory at `pa`, with the host's MemAttr and S2AP bits. */
  | { readonly state: 'ASSIGNED_NS'; readonly pa: number; readonly attr: number }
  /** Points to the next-level RTT at `pa`. */
  | { readonly state: 'TABLE'; readonly pa: number };

/** One RTT granule and its 512 entries. */
export interface RttRecord {
  /** PA of the RTT granule (also the key of this record). */
  rtt: number;
  /** PA of the owning realm's RD. */
  realm: number;
  level: number;
  /** First IPA this table maps. */
  base: number;
  entries: RttEntry[];
}

/** Everything the RMM keeps, keyed by granule PA in 0x-hex (JSON round trips stay exact). */
export interface RmmState {
  /** Realm descriptors by RD PA. */
  realms: Record<string, RealmRecord>;
  /** RECs by REC PA. */
  recs: Record<string, RecRecord>;
  /** RTTs by RTT PA. */
  rtts: Record<string, RttRecord>;
}

/** The whole machine. */
export interface MachineState {
  version: typeof STATE_VERSION;
  config: MachineConfig;
  /** Granule contents by granule index (PA >> 12); absent = all zeroes. */
  memory: Record<number, Uint8Array>;
  /** GPT entries that differ from the boot GPI of their region, by granule index. */
  gpt: Record<number, Gpi>;
  /** RMM granule records by granule index; absent = UNDELEGATED. */
  granules: Record<number, GranuleRecord>;
  rmm: RmmState;
  /** State owned by extensions (the Mica monitor), by extension name. */
  ext: Record<string, unknown>;
  ledger: LedgerState;
  /** Provenance labels by granule index (absent = no labelled byte anywhere). */
  labels?: Record<number, LabelRun[]>;
  /**
   * What the tenant declared about realms, by measured identity: RIM (hex) -> the realm's name
   * and roles (provenance.ts `declareRealm`): the members of its pipeline (mica-spec.md §1.3:
   * labelled bytes reaching any realm it did not name are a leak), its gateway, its sanitisers,
   * the source of its verifier's path search, and what its verifier expects of each realm
   * ({@link DeclaredRealm.expects}, §4.5). Absent: the tenant declared nothing (the lab's free
   * terminals).
   */
  tenant?: Record<string, DeclaredRealm>;
  /**
   * The host's VMM bookkeeping (realm names, its page pool, device state): untrusted host
   * software, kept here so snapshots capture it, never read by the RMM (host/state.ts).
   */
  host?: HostState;
}

/**
 * A role the tenant gives a realm it declares: `member`, a realm of its pipeline, which may hold
 * its data (once it declared one, the list is closed: mica-spec.md §1.3 "any realm not named");
 * `gateway`, the realm its data enters and, sanitised, leaves by (§4.5 step 6); `sanitiser`, a
 * realm whose computation it trusts to sanitise (what it computes from labelled bytes is
 * marked, provenance.ts `computedLabels`); `source`, the realm its group verifier's path search
 * starts from (mica-spec.md §4.5 step 6: where its sensitive input is held; the judge does not
 * read it).
 */
export type TenantRole = 'member' | 'gateway' | 'sanitiser' | 'source';

/** The roles a tenant can give, in the order a declaration lists them. */
export const TENANT_ROLES: readonly TenantRole[] = ['member', 'gateway', 'sanitiser', 'source'];

/**
 * What the tenant's group verifier expects of a realm it declared (mica-spec.md §4.5 steps
 * 3-4), besides the RIM that keys the declaration: its reference RPV and the policy it must
 * have uploaded, as a record (policy/record.ts), both hex so a snapshot keeps them.
 */
export interface DeclaredExpectation {
  /** The reference Realm Personalization Value, hex. */
  rpv: string;
  /** The expected policy, encoded as the record the RMM writes for a group token, hex. */
  policy: string;
}

/** What the tenant declared about one realm (by its RIM, the key of `MachineState.tenant`). */
export interface DeclaredRealm {
  /** The name the tenant gives it (the realm's name in the workflow). */
  name: string;
  /** Its roles, in {@link TENANT_ROLES} order. */
  roles: TenantRole[];
  /** What the tenant's verifier expects of it; absent: the tenant declared it for the judge only. */
  expects?: DeclaredExpectation;
}

/** Default configuration. */
export const DEFAULT_CONFIG: MachineConfig = {
  memoryMap: DEFAULT_MEMORY_MAP,
  mode: 'mica',
  gaps: [],
};

/** A fresh machine state for `config`. */
export function initialState(config: MachineConfig): MachineState {
  return {
    version: STATE_VERSION,
    config,
    memory: {},
    gpt: {},
    granules: {},
    rmm: { realms: {}, recs: {}, rtts: {} },
    ext: {},
    ledger: emptyLedger(),
  };
}

/**
 * A copy of a state without its ledger, for checkpoints and time travel. RTT entries are
 * immutable (their fields are readonly; a write replaces the entry), so the copy shares them
 * and copies only each RTT's entry array: a two-realm machine's 4k entries made a checkpoint
 * cost 4 ms of structuredClone, the page's price of every typed command (issue 10 P3). Memory
 * pages are copied into one new buffer (hw/pages.ts `copyPages`).
 */
export function copyStateWithoutLedger(
  state: Omit<MachineState, 'ledger'>,
): Omit<MachineState, 'ledger'> {
  const { rtts, ...rmmRest } = state.rmm;
  const copiedRtts: typeof rtts = {};
  for (const [key, rtt] of Object.entries(rtts)) {
    copiedRtts[key] = { ...rtt, entries: rtt.entries.slice() };
  }
  // Memory pages are views of shared slabs (hw/pages.ts), which structuredClone would copy
  // whole: they are copied on their own. Everything else is cloned in one call; keys keep
  // their order (snapshots compare as text).
  const memory = copyPages(state.memory);
  const copy = structuredClone({ ...state, memory: {}, rmm: rmmRest });
  const rmm: Record<string, unknown> = {};
  for (const key of Object.keys(state.rmm)) {
    rmm[key] = key === 'rtts' ? copiedRtts : copy.rmm[key as keyof typeof copy.rmm];
  }
  return { ...copy, memory, rmm: rmm as unknown as RmmState };
}
