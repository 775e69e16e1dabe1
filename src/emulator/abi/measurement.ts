/**
 * Measurement constants, RMM specification DEN0137 1.0-rel0: measurement descriptors
 * (C1.11 RmmMeasurementDescriptorData, C1.12 RmmMeasurementDescriptorRec, C1.13
 * RmmMeasurementDescriptorRipas), RmiHashAlgorithm (B4.4), RmiDataFlags (B4.4) and the
 * measured subsets of RmiRealmParams (B4.4.12) and RmiRecParams (B4.4.19). See cca-spec.md
 * §5 and §2.4. Constant names follow TF-RMM (lib/smc/include/smc-rmi.h,
 * lib/measurement/include/measurement.h) where the spec gives only a value.
 *
 * The struct offsets here are prefixed `MEASURED_` because they cover only the fields
 * that enter the RIM; the full RmiRealmParams / RmiRecParams layouts belong to the RMI
 * struct definitions.
 */

/** Size in bytes of every stored measurement (RIM, REM[0..3]); TF-RMM MAX_MEASUREMENT_SIZE. */
export const MEASUREMENT_SIZE = 64;
/** Digest length of SHA-256, the significant prefix of a stored measurement (TF-RMM SHA256_SIZE). */
export const SHA256_SIZE = 32;
/** Digest length of SHA-512 (TF-RMM SHA512_SIZE). */
export const SHA512_SIZE = 64;

/** RmiHashAlgorithm (B4.4), RmiRealmParams.hash_algo: SHA-256. */
export const RMI_HASH_SHA_256 = 0;
/** RmiHashAlgorithm (B4.4), RmiRealmParams.hash_algo: SHA-512. */
export const RMI_HASH_SHA_512 = 1;

/** RmiDataFlags.measure (B4.4, flags bit 0): the page content is not measured. */
export const RMI_NO_MEASURE_CONTENT = 0;
/** RmiDataFlags.measure (B4.4, flags bit 0): the page content is measured. */
export const RMI_MEASURE_CONTENT = 1;
/** Mask of the `measure` bit in the RMI_DATA_CREATE flags argument. */
export const RMI_DATA_FLAGS_MEASURE_MASK = 1n;

/** Length of every measurement descriptor; also the value of its `len` field (C1.11-C1.13). */
export const RMM_MEASUREMENT_DESCRIPTOR_LEN = 0x100;

/** desc_type of RmmMeasurementDescriptorData (C1.11). */
export const MEASURE_DESC_TYPE_DATA = 0x0;
/** desc_type of RmmMeasurementDescriptorRec (C1.12). */
export const MEASURE_DESC_TYPE_REC = 0x1;
/** desc_type of RmmMeasurementDescriptorRipas (C1.13). */
export const MEASURE_DESC_TYPE_RIPAS = 0x2;

/** Common descriptor header: desc_type (UInt8, then padding to 8 bytes). */
export const MEASURE_DESC_TYPE_OFFSET = 0x00;
/** Common descriptor header: len (UInt64), always 0x100. */
export const MEASURE_DESC_LEN_OFFSET = 0x08;
/** Common descriptor header: rim (64 bytes), the current RIM. */
export const MEASURE_DESC_RIM_OFFSET = 0x10;

/** RmmMeasurementDescriptorData.ipa (UInt64). */
export const MEASURE_DESC_DATA_IPA_OFFSET = 0x50;
/** RmmMeasurementDescriptorData.flags (UInt64, the host's RmiDataFlags). */
export const MEASURE_DESC_DATA_FLAGS_OFFSET = 0x58;
/** RmmMeasurementDescriptorData.content (64 bytes): RHA(page) or zero. */
export const MEASURE_DESC_DATA_CONTENT_OFFSET = 0x60;

/** RmmMeasurementDescriptorRec.content (64 bytes): RHA(measured RmiRecParams). */
export const MEASURE_DESC_REC_CONTENT_OFFSET = 0x50;

/** RmmMeasurementDescriptorRipas.base (UInt64): IPA of the RTT entry. */
export const MEASURE_DESC_RIPAS_BASE_OFFSET = 0x50;
/** RmmMeasurementDescriptorRipas.top (UInt64): min(entry end, top input). */
export const MEASURE_DESC_RIPAS_TOP_OFFSET = 0x58;

/** Size of RmiRealmParams (B4.4.12), hashed whole at RMI_REALM_CREATE (§5.2). */
export const MEASURED_REALM_PARAMS_SIZE = 0x1000;
/** RmiRealmParams.flags (UInt64). */
export const MEASURED_REALM_PARAMS_FLAGS_OFFSET = 0x000;
/** RmiRealmParams.s2sz (UInt8). */
export const MEASURED_REALM_PARAMS_S2SZ_OFFSET = 0x008;
/** RmiRealmParams.sve_vl (UInt8). */
export const MEASURED_REALM_PARAMS_SVE_VL_OFFSET = 0x010;
/** RmiRealmParams.num_bps (UInt8). */
export const MEASURED_REALM_PARAMS_NUM_BPS_OFFSET = 0x018;
/** RmiRealmParams.num_wps (UInt8). */
export const MEASURED_REALM_PARAMS_NUM_WPS_OFFSET = 0x020;
/** RmiRealmParams.pmu_num_ctrs (UInt8). */
export const MEASURED_REALM_PARAMS_PMU_NUM_CTRS_OFFSET = 0x028;
/** RmiRealmParams.hash_algo (UInt8, RmiHashAlgorithm). */
export const MEASURED_REALM_PARAMS_HASH_ALGO_OFFSET = 0x030;

/** Size of RmiRecParams (B4.4.19), hashed whole at RMI_REC_CREATE (§5.4). */
export const MEASURED_REC_PARAMS_SIZE = 0x1000;
/** RmiRecParams.flags (UInt64; bit 0 runnable). */
export const MEASURED_REC_PARAMS_FLAGS_OFFSET = 0x000;
/** RmiRecParams.pc (UInt64). */
export const MEASURED_REC_PARAMS_PC_OFFSET = 0x200;
/** RmiRecParams.gprs[0] (UInt64 each, 8 apart). */
export const MEASURED_REC_PARAMS_GPRS_OFFSET = 0x300;
/** Number of RmiRecParams.gprs entries (X0..X7). */
export const MEASURED_REC_PARAMS_NUM_GPRS = 8;
