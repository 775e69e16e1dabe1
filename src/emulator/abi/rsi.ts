/**
 * Realm Services Interface constants, RMM specification DEN0137 1.0-rel0 (RSI 1.0),
 * spec B5.3-B5.4; TF-RMM lib/smc/include/smc-rsi.h @ rmm-spec-v1.0-rel0. See cca-spec.md §4.
 */
import { field } from '../../lib/bits.ts';

/** RSI function IDs (spec B5.3; cca-spec.md §4.1). */
export const SMC_RSI_VERSION = 0xc4000190;
export const SMC_RSI_FEATURES = 0xc4000191;
export const SMC_RSI_MEASUREMENT_READ = 0xc4000192;
export const SMC_RSI_MEASUREMENT_EXTEND = 0xc4000193;
export const SMC_RSI_ATTESTATION_TOKEN_INIT = 0xc4000194;
export const SMC_RSI_ATTESTATION_TOKEN_CONTINUE = 0xc4000195;
export const SMC_RSI_REALM_CONFIG = 0xc4000196;
export const SMC_RSI_IPA_STATE_SET = 0xc4000197;
export const SMC_RSI_IPA_STATE_GET = 0xc4000198;
export const SMC_RSI_HOST_CALL = 0xc4000199;

/** RsiCommandReturnCode (spec B5.4.2). */
export const RSI_SUCCESS = 0;
export const RSI_ERROR_INPUT = 1;
export const RSI_ERROR_STATE = 2;
export const RSI_INCOMPLETE = 3;
export const RSI_ERROR_UNKNOWN = 4;

/** RSI_IPA_STATE_SET X3: the requested RIPAS is bits 7:0. */
export const RSI_IPA_STATE_SET_RIPAS = field(7, 0);

/** RsiRipas (spec B5.4.9). */
export const RSI_EMPTY = 0;
export const RSI_RAM = 1;
export const RSI_DESTROYED = 2;

/** RsiRipasChangeFlags bit 0 (spec B5.4.8): 1 = a DESTROYED IPA may change. */
export const RSI_NO_CHANGE_DESTROYED = 0;
export const RSI_CHANGE_DESTROYED = 1;

/** RsiResponse (spec B5.4.10): what the host answered to a RIPAS change request. */
export const RSI_ACCEPT = 0;
export const RSI_REJECT = 1;

/** RsiHostCall (spec B5.4.6): 0x100 bytes, 256-byte aligned. gprs[i] at 0x008 + 8·i. */
export const RSI_HOST_CALL_SIZE = 0x100;
export const RSI_HOST_CALL = {
  imm: { offset: 0x000, size: 2 },
  gprs: { offset: 0x008, size: 8, count: 31 },
} as const;

/** RsiInterfaceVersion (spec B5.4.7): major << 16 | minor. RSI 1.0. */
export const RSI_ABI_VERSION_MAJOR = 1;
export const RSI_ABI_VERSION_MINOR = 0;
export const RSI_ABI_VERSION = (RSI_ABI_VERSION_MAJOR << 16) | RSI_ABI_VERSION_MINOR;

/** RSI_MEASUREMENT_READ / EXTEND index (spec B5.3.3-4): 0 = RIM, 1..4 = REM0..REM3. */
export const RSI_MEASUREMENT_RIM_INDEX = 0;
export const RSI_MEASUREMENT_REM_MIN_INDEX = 1;
export const RSI_MEASUREMENT_REM_MAX_INDEX = 4;
/** Most bytes one RSI_MEASUREMENT_EXTEND takes (X3..X10). */
export const RSI_MEASUREMENT_EXTEND_MAX_SIZE = 64;

/** RSI_FEATURES (spec B5.3.2): every feature register reads as zero in RSI 1.0. */
export const RSI_FEATURE_REGISTER_0_INDEX = 0;

/**
 * RsiRealmConfig (spec B5.4.5; cca-spec.md §4.1): 0x1000 bytes written by RSI_REALM_CONFIG,
 * fields not listed MBZ. hash_algo uses RsiHashAlgorithm: 0 SHA-256, 1 SHA-512.
 */
export const RSI_REALM_CONFIG_SIZE = 0x1000;
export const RSI_REALM_CONFIG = {
  ipa_width: { offset: 0x000, size: 8 },
  hash_algo: { offset: 0x008, size: 1 },
  rpv: { offset: 0x200, size: 64 },
} as const;
/** RsiHashAlgorithm (spec B5.4.4). */
export const RSI_HASH_SHA_256 = 0;
export const RSI_HASH_SHA_512 = 1;

/** Spec names of the RSI status codes. */
export const RSI_STATUS_NAMES: Readonly<Record<number, string>> = {
  [RSI_SUCCESS]: 'RSI_SUCCESS',
  [RSI_ERROR_INPUT]: 'RSI_ERROR_INPUT',
  [RSI_ERROR_STATE]: 'RSI_ERROR_STATE',
  [RSI_INCOMPLETE]: 'RSI_INCOMPLETE',
  [RSI_ERROR_UNKNOWN]: 'RSI_ERROR_UNKNOWN',
};
