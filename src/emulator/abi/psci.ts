/**
 * PSCI as a realm sees it (Arm DEN0022 PSCI 1.1; RMM spec B6; cca-spec.md §4.2): function
 * IDs (SMC64 where both exist) and return codes.
 */

export const PSCI_VERSION = 0x84000000;
export const PSCI_CPU_SUSPEND_AARCH64 = 0xc4000001;
export const PSCI_CPU_OFF = 0x84000002;
export const PSCI_CPU_ON_AARCH64 = 0xc4000003;
export const PSCI_AFFINITY_INFO_AARCH64 = 0xc4000004;
export const PSCI_SYSTEM_OFF = 0x84000008;
export const PSCI_SYSTEM_RESET = 0x84000009;
export const PSCI_FEATURES = 0x8400000a;

/** PSCI version the RMM reports to realms: 1.1. */
export const PSCI_VERSION_1_1 = 0x10001;

/** PSCI return codes (signed). */
export const PSCI_SUCCESS = 0;
export const PSCI_NOT_SUPPORTED = -1;
export const PSCI_INVALID_PARAMETERS = -2;
export const PSCI_DENIED = -3;
export const PSCI_ALREADY_ON = -4;
export const PSCI_ON_PENDING = -5;
export const PSCI_INTERNAL_FAILURE = -6;
export const PSCI_NOT_PRESENT = -7;
export const PSCI_DISABLED = -8;
export const PSCI_INVALID_ADDRESS = -9;

/** GPRs RMI_PSCI_COMPLETE zeroes in the calling REC besides the X0 result (X1..X3). */
export const PSCI_COMPLETE_CLEARED_GPRS: readonly number[] = [1, 2, 3];

/** AFFINITY_INFO results. */
export const PSCI_AFFINITY_INFO_ON = 0;
export const PSCI_AFFINITY_INFO_OFF = 1;

/** Spec names of the PSCI functions the RMM handles, by FID. */
export const PSCI_NAMES: Readonly<Record<number, string>> = {
  [PSCI_VERSION]: 'PSCI_VERSION',
  [PSCI_CPU_SUSPEND_AARCH64]: 'PSCI_CPU_SUSPEND',
  [PSCI_CPU_OFF]: 'PSCI_CPU_OFF',
  [PSCI_CPU_ON_AARCH64]: 'PSCI_CPU_ON',
  [PSCI_AFFINITY_INFO_AARCH64]: 'PSCI_AFFINITY_INFO',
  [PSCI_SYSTEM_OFF]: 'PSCI_SYSTEM_OFF',
  [PSCI_SYSTEM_RESET]: 'PSCI_SYSTEM_RESET',
  [PSCI_FEATURES]: 'PSCI_FEATURES',
};
