/**
 * Realm Management Interface constants, RMM specification DEN0137 1.0-rel0 (RMI 1.0),
 * spec B4.3-B4.4; TF-RMM lib/smc/include/smc-rmi.h @ rmm-spec-v1.0-rel0. See cca-spec.md §2.
 * Names are the spec's; do not add 1.1+ values here (cca-spec.md §0 "Do not mix").
 */
import { field } from '../../lib/bits.ts';

/** RMI interface version implemented: 1.0 (major << 16 | minor). */
export const RMI_ABI_VERSION_MAJOR = 1;
export const RMI_ABI_VERSION_MINOR = 0;
export const RMI_ABI_VERSION = (RMI_ABI_VERSION_MAJOR << 16) | RMI_ABI_VERSION_MINOR;

/** RMI function IDs (spec B4.3, command summary in cca-spec.md §2.2). */
export const SMC_RMI_VERSION = 0xc4000150;
export const SMC_RMI_GRANULE_DELEGATE = 0xc4000151;
export const SMC_RMI_GRANULE_UNDELEGATE = 0xc4000152;
export const SMC_RMI_DATA_CREATE = 0xc4000153;
export const SMC_RMI_DATA_CREATE_UNKNOWN = 0xc4000154;
export const SMC_RMI_DATA_DESTROY = 0xc4000155;
export const SMC_RMI_REALM_ACTIVATE = 0xc4000157;
export const SMC_RMI_REALM_CREATE = 0xc4000158;
export const SMC_RMI_REALM_DESTROY = 0xc4000159;
export const SMC_RMI_REC_CREATE = 0xc400015a;
export const SMC_RMI_REC_DESTROY = 0xc400015b;
export const SMC_RMI_REC_ENTER = 0xc400015c;
export const SMC_RMI_RTT_CREATE = 0xc400015d;
export const SMC_RMI_RTT_DESTROY = 0xc400015e;
export const SMC_RMI_RTT_MAP_UNPROTECTED = 0xc400015f;
export const SMC_RMI_RTT_READ_ENTRY = 0xc4000161;
export const SMC_RMI_RTT_UNMAP_UNPROTECTED = 0xc4000162;
export const SMC_RMI_PSCI_COMPLETE = 0xc4000164;
export const SMC_RMI_FEATURES = 0xc4000165;
export const SMC_RMI_RTT_FOLD = 0xc4000166;
export const SMC_RMI_REC_AUX_COUNT = 0xc4000167;
export const SMC_RMI_RTT_INIT_RIPAS = 0xc4000168;
export const SMC_RMI_RTT_SET_RIPAS = 0xc4000169;

/** The spec's list of RMI 1.0 commands and their FIDs, for the table-vs-spec test. */
export const RMI_SPEC_FIDS = {
  RMI_VERSION: SMC_RMI_VERSION,
  RMI_GRANULE_DELEGATE: SMC_RMI_GRANULE_DELEGATE,
  RMI_GRANULE_UNDELEGATE: SMC_RMI_GRANULE_UNDELEGATE,
  RMI_DATA_CREATE: SMC_RMI_DATA_CREATE,
  RMI_DATA_CREATE_UNKNOWN: SMC_RMI_DATA_CREATE_UNKNOWN,
  RMI_DATA_DESTROY: SMC_RMI_DATA_DESTROY,
  RMI_REALM_ACTIVATE: SMC_RMI_REALM_ACTIVATE,
  RMI_REALM_CREATE: SMC_RMI_REALM_CREATE,
  RMI_REALM_DESTROY: SMC_RMI_REALM_DESTROY,
  RMI_REC_CREATE: SMC_RMI_REC_CREATE,
  RMI_REC_DESTROY: SMC_RMI_REC_DESTROY,
  RMI_REC_ENTER: SMC_RMI_REC_ENTER,
  RMI_RTT_CREATE: SMC_RMI_RTT_CREATE,
  RMI_RTT_DESTROY: SMC_RMI_RTT_DESTROY,
  RMI_RTT_MAP_UNPROTECTED: SMC_RMI_RTT_MAP_UNPROTECTED,
  RMI_RTT_READ_ENTRY: SMC_RMI_RTT_READ_ENTRY,
  RMI_RTT_UNMAP_UNPROTECTED: SMC_RMI_RTT_UNMAP_UNPROTECTED,
  RMI_PSCI_COMPLETE: SMC_RMI_PSCI_COMPLETE,
  RMI_FEATURES: SMC_RMI_FEATURES,
  RMI_RTT_FOLD: SMC_RMI_RTT_FOLD,
  RMI_REC_AUX_COUNT: SMC_RMI_REC_AUX_COUNT,
  RMI_RTT_INIT_RIPAS: SMC_RMI_RTT_INIT_RIPAS,
  RMI_RTT_SET_RIPAS: SMC_RMI_RTT_SET_RIPAS,
} as const;

/** Name of an RMI 1.0 command. */
export type RmiCommandName = keyof typeof RMI_SPEC_FIDS;

/** RmiStatusCode (spec B4.4.1), 1.0-rel0 values only. */
export const RMI_SUCCESS = 0;
export const RMI_ERROR_INPUT = 1;
export const RMI_ERROR_REALM = 2;
export const RMI_ERROR_REC = 3;
export const RMI_ERROR_RTT = 4;

/** An RMI status code value. */
export type RmiStatus =
  | typeof RMI_SUCCESS
  | typeof RMI_ERROR_INPUT
  | typeof RMI_ERROR_REALM
  | typeof RMI_ERROR_REC
  | typeof RMI_ERROR_RTT;

/** Spec names of the status codes. */
export const RMI_STATUS_NAMES: Readonly<Record<RmiStatus, string>> = {
  [RMI_SUCCESS]: 'RMI_SUCCESS',
  [RMI_ERROR_INPUT]: 'RMI_ERROR_INPUT',
  [RMI_ERROR_REALM]: 'RMI_ERROR_REALM',
  [RMI_ERROR_REC]: 'RMI_ERROR_REC',
  [RMI_ERROR_RTT]: 'RMI_ERROR_RTT',
};

/** RmiCommandReturnCode layout (spec B4.4.1): X0[7:0] status, X0[15:8] index. */
export const RMI_RETURN_STATUS_SHIFT = 0;
export const RMI_RETURN_INDEX_SHIFT = 8;
export const RMI_RETURN_FIELD_MASK = 0xff;

/** Packs status and index the way TF-RMM does: `(index << 8) | status`. */
export function packReturnCode(status: number, index = 0): bigint {
  return (
    (BigInt(index & RMI_RETURN_FIELD_MASK) << BigInt(RMI_RETURN_INDEX_SHIFT)) |
    BigInt(status & RMI_RETURN_FIELD_MASK)
  );
}

/** Splits an X0 return code into status and index. */
export function unpackReturnCode(x0: bigint): { status: number; index: number } {
  return {
    status: Number((x0 >> BigInt(RMI_RETURN_STATUS_SHIFT)) & BigInt(RMI_RETURN_FIELD_MASK)),
    index: Number((x0 >> BigInt(RMI_RETURN_INDEX_SHIFT)) & BigInt(RMI_RETURN_FIELD_MASK)),
  };
}

/**
 * RMM granule states (spec A2.2.3; cca-spec.md §3.1). Each is what the RMM believes a
 * physical granule is used for.
 * - UNDELEGATED: host-owned, GPI not REALM.
 * - DELEGATED: owned by the RMM, free, wiped; GPI REALM.
 * - RD: a Realm Descriptor. REC / REC_AUX: a REC and its auxiliary granules.
 * - DATA: realm code/data mapped at exactly one protected IPA. RTT: a realm translation table.
 */
export type GranuleState = 'UNDELEGATED' | 'DELEGATED' | 'RD' | 'REC' | 'REC_AUX' | 'DATA' | 'RTT';

/** Every granule state, in spec order. */
export const GRANULE_STATES: readonly GranuleState[] = [
  'UNDELEGATED',
  'DELEGATED',
  'RD',
  'REC',
  'REC_AUX',
  'DATA',
  'RTT',
];

/** RmiRttEntryState (spec B4.4.16): what RMI_RTT_READ_ENTRY reports in X2. */
export const RMI_UNASSIGNED = 0;
export const RMI_ASSIGNED = 1;
export const RMI_TABLE = 2;

/** RmiRipas (spec B4.4.15): RIPAS encodings in X4 of RMI_RTT_READ_ENTRY and RmiRecExit.ripas_value. */
export const RMI_EMPTY = 0;
export const RMI_RAM = 1;
export const RMI_DESTROYED = 2;

/** Realm IPA state (spec A5.2.2; cca-spec.md §3.4). */
export type Ripas = 'EMPTY' | 'RAM' | 'DESTROYED';
/** Encoding of each RIPAS value. */
export const RIPAS_ENCODING: Readonly<Record<Ripas, number>> = {
  EMPTY: RMI_EMPTY,
  RAM: RMI_RAM,
  DESTROYED: RMI_DESTROYED,
};

/** RmiRecRunnable (spec B4.4.20): RmiRecParams.flags bit 0. */
export const RMI_NOT_RUNNABLE = 0;
export const RMI_RUNNABLE = 1;

/** RmiResponse (spec B4.4.14): RmiRecEnter.flags.ripas_response. */
export const RMI_ACCEPT = 0;
export const RMI_REJECT = 1;

/** RmiRecExitReason (spec B4.4.18; cca-spec.md §2.5). */
export const RMI_EXIT_SYNC = 0;
export const RMI_EXIT_IRQ = 1;
export const RMI_EXIT_FIQ = 2;
export const RMI_EXIT_PSCI = 3;
export const RMI_EXIT_RIPAS_CHANGE = 4;
export const RMI_EXIT_HOST_CALL = 5;
export const RMI_EXIT_SERROR = 6;

/** Spec names of the exit reasons, by value. */
export const RMI_EXIT_NAMES: Readonly<Record<number, string>> = {
  [RMI_EXIT_SYNC]: 'RMI_EXIT_SYNC',
  [RMI_EXIT_IRQ]: 'RMI_EXIT_IRQ',
  [RMI_EXIT_FIQ]: 'RMI_EXIT_FIQ',
  [RMI_EXIT_PSCI]: 'RMI_EXIT_PSCI',
  [RMI_EXIT_RIPAS_CHANGE]: 'RMI_EXIT_RIPAS_CHANGE',
  [RMI_EXIT_HOST_CALL]: 'RMI_EXIT_HOST_CALL',
  [RMI_EXIT_SERROR]: 'RMI_EXIT_SERROR',
};

/** RmiFeatureRegister0 fields (spec B4.4.6, 1.0-rel0). */
export const RMI_FEATURE_REGISTER_0_INDEX = 0;
export const RMI_FEATURE_REGISTER_0_S2SZ = field(7, 0);
export const RMI_FEATURE_REGISTER_0_LPA2 = field(8, 8);
export const RMI_FEATURE_REGISTER_0_SVE_EN = field(9, 9);
export const RMI_FEATURE_REGISTER_0_SVE_VL = field(13, 10);
export const RMI_FEATURE_REGISTER_0_NUM_BPS = field(19, 14);
export const RMI_FEATURE_REGISTER_0_NUM_WPS = field(25, 20);
export const RMI_FEATURE_REGISTER_0_PMU_EN = field(26, 26);
export const RMI_FEATURE_REGISTER_0_PMU_NUM_CTRS = field(31, 27);
export const RMI_FEATURE_REGISTER_0_HASH_SHA_256 = field(32, 32);
export const RMI_FEATURE_REGISTER_0_HASH_SHA_512 = field(33, 33);
export const RMI_FEATURE_REGISTER_0_GICV3_NUM_LRS = field(37, 34);
export const RMI_FEATURE_REGISTER_0_MAX_RECS_ORDER = field(41, 38);

/** RmiRealmFlags (spec B4.4.11): RmiRealmParams.flags bits. */
export const RMI_REALM_FLAGS_LPA2 = field(0, 0);
export const RMI_REALM_FLAGS_SVE = field(1, 1);
export const RMI_REALM_FLAGS_PMU = field(2, 2);
/** Bits of RmiRealmFlags that are defined; the rest SBZ (`params_valid`). */
export const RMI_REALM_FLAGS_DEFINED_MASK = 0b111n;

/** RmiRecEnterFlags (spec B4.4.17) bit positions. */
export const RMI_REC_ENTER_FLAGS_EMUL_MMIO = 0;
export const RMI_REC_ENTER_FLAGS_INJECT_SEA = 1;
export const RMI_REC_ENTER_FLAGS_TRAP_WFI = 2;
export const RMI_REC_ENTER_FLAGS_TRAP_WFE = 3;
export const RMI_REC_ENTER_FLAGS_RIPAS_RESPONSE = 4;

/**
 * Stage 2 translation geometry with a 4 KiB granule (spec A5.5.1; TF-RMM
 * lib/s2tt/src/s2tt_pvt_defs.h and runtime/rmi/realm.c).
 */
/** The level whose entries map single 4 KiB pages. */
export const RTT_PAGE_LEVEL = 3;
/** Lowest starting level without LPA2. */
export const RTT_MIN_STARTING_LEVEL = 0;
/** Lowest level at which a block (ASSIGNED / ASSIGNED_NS) mapping may exist. */
export const RTT_MIN_BLOCK_LEVEL = 1;
/** Bits of IPA resolved per level (S2TTE_STRIDE). */
export const S2TTE_STRIDE = 9;
/** Entries in one RTT granule (2^S2TTE_STRIDE). */
export const S2TTES_PER_S2TT = 512;
/** Most concatenated starting-level tables (RMM A5.5.1). */
export const S2TT_MAX_CONCAT_TABLES = 16;
/** log2 of S2TT_MAX_CONCAT_TABLES: extra IPA bits concatenation resolves. */
export const S2TT_MAX_CONCAT_BITS = 4;
/** Narrowest IPA width a realm may have (TF-RMM MIN_IPA_BITS). */
export const MIN_IPA_BITS = 32;
/** Widest IPA width without LPA2 (TF-RMM MAX_IPA_BITS). */
export const MAX_IPA_BITS = 48;
/** Without LPA2, PAs must be below 2^48 (`*_bound2`, `addr_bound`). */
export const PA_BITS_NO_LPA2 = 48;

/**
 * Host-controlled fields of an RMI_RTT_MAP_UNPROTECTED descriptor (TF-RMM
 * S2TTE_NS_ATTR_HOST_MASK): MemAttr[2:0] bits 4:2, S2AP bits 7:6, OA bits 47:12.
 */
export const S2TTE_MEMATTR = field(4, 2);
export const S2TTE_AP = field(7, 6);
export const S2TTE_OA = field(47, 12);
/** S2AP bit 0 allows reads, bit 1 allows writes. */
export const S2TTE_AP_READ = 0b01;
export const S2TTE_AP_WRITE = 0b10;
/** MemAttr value reserved with FEAT_S2FWB, rejected by `attr_valid`. */
export const S2TTE_MEMATTR_FWB_RESERVED = 0b100;
/** MemAttr with FEAT_S2FWB: Normal, Write-Back cacheable (what a VMM maps shared RAM with). */
export const S2TTE_MEMATTR_FWB_NORMAL_WB = 0b110;
/** S2AP: read and write allowed. */
export const S2TTE_AP_RW = 0b11;

/** MPIDR affinity fields as RmiRecMpidr encodes them (spec B4.4.21). */
export const RMI_MPIDR_AFF0 = field(3, 0);
export const RMI_MPIDR_AFF0_RES0 = field(7, 4);
export const RMI_MPIDR_AFF1 = field(15, 8);
export const RMI_MPIDR_AFF2 = field(23, 16);
export const RMI_MPIDR_AFF3 = field(31, 24);
/** Multipliers of RecIndex(mpidr) (spec A2.3.3): Aff0 + 16·Aff1 + 16·256·Aff2 + 16·256·256·Aff3. */
export const REC_INDEX_AFF0_SPAN = 16;
export const REC_INDEX_AFF_SPAN = 256;

/** Most aux granules a REC may have (TF-RMM MAX_REC_AUX_GRANULES). */
export const MAX_REC_AUX_GRANULES = 16;
/** Number of general-purpose registers a REC keeps (X0..X30). */
export const REC_NUM_GPRS = 31;
/** GPRs RmiRecParams carries (X0..X7). */
export const REC_PARAMS_NUM_GPRS = 8;
/** GICv3 list registers RmiRecEnter / RmiRecExit carry. */
export const REC_GIC_NUM_LRS = 16;

/**
 * ICH_HCR_EL2 bits the host may set in RmiRecEnter.gicv3_hcr (spec B4.4.17; TF-RMM
 * REC_GIC_HCR_FLAGS_MASK): UIE 1, LRENPIE 2, NPIE 3, VGrp0EIE 4, VGrp0DIE 5, VGrp1EIE 6,
 * VGrp1DIE 7, TDIR 14.
 */
export const ICH_HCR_EL2_HOST_MASK = 0x40fen;
/** ICH_LR<n>_EL2.HW (bit 61): must be 0 in every list register the host passes. */
export const ICH_LR_EL2_HW_BIT = 61;
/** ICH_LR<n>_EL2.Group (bit 60): 1 a Group 1 interrupt (signalled as vIRQ), 0 Group 0 (vFIQ). */
export const ICH_LR_EL2_GROUP_BIT = 60;

/** Realm Extensible Measurements per realm (REM[0..3], spec A7.1). */
export const REALM_NUM_REMS = 4;
