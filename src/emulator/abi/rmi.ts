/**
 * Realm Management Interface constants, RMM specification DEN0137 1.0-rel0 (RMI 1.0),
 * spec B4.3-B4.4; TF-RMM lib/smc/include/smc-rmi.h @ rmm-spec-v1.0-rel0. See cca-spec.md §2.
 * Names are the spec's; do not add 1.1+ values here (cca-spec.md §0 "Do not mix").
 */

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
