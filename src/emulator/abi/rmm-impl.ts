/**
 * The lab RMM's implementation choices. NOT part of the Arm specification: where DEN0137
 * leaves a value to the implementation (what RMI_FEATURES reports, RecAuxCount, VMID width)
 * these are the values this lab's RMM uses, chosen for a small teaching board. TF-RMM's
 * values are given next to each for comparison. See cca-spec.md §7 "Can be simplified".
 */

/** Widest IPA a realm may ask for (RmiFeatureRegister0.S2SZ). TF-RMM: the PA range, up to 48. */
export const LAB_MAX_IPA_WIDTH = 48;
/** LPA2 is not supported (so no 52-bit IPAs, no starting level -1). */
export const LAB_FEAT_LPA2 = 0;
/** SVE is not offered to realms. */
export const LAB_FEAT_SVE = 0;
export const LAB_MAX_SVE_VL = 0;
/** Breakpoints / watchpoints, minus one, as RmiFeatureRegister0 encodes them. */
export const LAB_NUM_BPS = 5;
export const LAB_NUM_WPS = 3;
/** The PMU is not offered to realms. */
export const LAB_FEAT_PMU = 0;
export const LAB_PMU_NUM_CTRS = 0;
/** Both realm hash algorithms are supported. */
export const LAB_HASH_SHA_256 = 1;
export const LAB_HASH_SHA_512 = 1;
/** GICv3 list registers, minus one (16 list registers). */
export const LAB_GICV3_NUM_LRS = 15;
/** Most RECs per realm = 2^order - 1 = 15. TF-RMM: order 10 (1023 RECs). */
export const LAB_MAX_RECS_ORDER = 4;

/**
 * RecAuxCount: aux granules every REC needs (RMI_REC_AUX_COUNT). TF-RMM always asks for
 * MAX_REC_AUX_GRANULES (16) to hold SVE/PMU context; this lab's RECs keep no such context,
 * so two keep the host's bookkeeping visible without making REC_CREATE tedious.
 */
export const LAB_REC_AUX_COUNT = 2;

/** VMIDs are 16 bits (FEAT_VMID16). */
export const LAB_VMID_BITS = 16;

/**
 * Guest steps the RMM runs inside one RMI_REC_ENTER before it behaves as if the host's
 * timer interrupt arrived (an RMI_EXIT_IRQ exit). Keeps a busy guest from hanging the lab.
 */
export const LAB_REC_ENTER_STEP_LIMIT = 256;

/**
 * Upper bound of a CCA token RSI_ATTESTATION_TOKEN_INIT reports in X1 (TF-RMM: one page,
 * 4096; the spec allows any value). Tokens of this lab fit in one granule.
 */
export const LAB_ATTEST_TOKEN_MAX_SIZE = 4096;
