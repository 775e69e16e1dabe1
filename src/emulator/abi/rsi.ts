/**
 * Realm Services Interface constants, RMM specification DEN0137 1.0-rel0 (RSI 1.0),
 * spec B5.3-B5.4; TF-RMM lib/smc/include/smc-rsi.h @ rmm-spec-v1.0-rel0. See cca-spec.md §4.
 */

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
