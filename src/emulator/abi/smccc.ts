/**
 * SMC Calling Convention constants (Arm DEN0028, SMCCC >= 1.2 as the RMM requires).
 * Spec: cca-spec.md §2.1. Names follow the spec.
 */

/** Returned in X0 for a function ID nobody implements (SMCCC: -1). */
export const SMCCC_NOT_SUPPORTED = -1n;
/** SMCCC_VERSION function ID. */
export const SMCCC_VERSION = 0x80000000;
/** SMCCC version implemented: 1.2 (major << 16 | minor). */
export const SMCCC_VERSION_1_2 = 0x10002;

/** Standard Secure Service calls, SMC64 fast calls, OEN 4: base of the RMM FID space. */
export const SMC64_STD_SERVICE_BASE = 0xc4000000;
/** RMI function IDs occupy 0xC4000150..0xC400018F (TF-RMM lib/smc/include/smc.h). */
export const SMC_RMI_FID_MIN = 0xc4000150;
export const SMC_RMI_FID_MAX = 0xc400018f;
/** RSI function IDs occupy 0xC4000190..0xC40001AF. */
export const SMC_RSI_FID_MIN = 0xc4000190;
export const SMC_RSI_FID_MAX = 0xc40001af;
/** RMM-EL3 interface function IDs occupy 0xC40001B0..0xC40001CF. */
export const SMC_RMM_EL3_FID_MIN = 0xc40001b0;
export const SMC_RMM_EL3_FID_MAX = 0xc40001cf;

/** Number of general-purpose argument/result registers an SMC carries in this model (X0..X17). */
export const SMC_REGISTER_COUNT = 18;
