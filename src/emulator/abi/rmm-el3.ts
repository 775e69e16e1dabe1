/**
 * RMM <-> EL3 interface (TF-A docs/components/rmm-el3-comms-spec.rst; TF-RMM
 * lib/rmm_el3_ifc/include/rmm_el3_ifc.h, interface 0.3). Spec: cca-spec.md §1.3.
 */

export const RMM_RMI_REQ_COMPLETE = 0xc400018f;
export const RMM_GTSI_DELEGATE = 0xc40001b0;
export const RMM_GTSI_UNDELEGATE = 0xc40001b1;
export const RMM_ATTEST_GET_REALM_KEY = 0xc40001b2;
export const RMM_ATTEST_GET_PLAT_TOKEN = 0xc40001b3;
export const RMM_BOOT_COMPLETE = 0xc40001cf;

/** EL3 status codes returned to the RMM. */
export const E_RMM_OK = 0;
export const E_RMM_UNK = -1;
export const E_RMM_BAD_ADDR = -2;
export const E_RMM_BAD_PAS = -3;
export const E_RMM_NOMEM = -4;
export const E_RMM_INVAL = -5;
export const E_RMM_AGAIN = -6;

/** Names of the E_RMM codes, for the ledger. */
export const E_RMM_NAMES: Readonly<Record<number, string>> = {
  [E_RMM_OK]: 'E_RMM_OK',
  [E_RMM_UNK]: 'E_RMM_UNK',
  [E_RMM_BAD_ADDR]: 'E_RMM_BAD_ADDR',
  [E_RMM_BAD_PAS]: 'E_RMM_BAD_PAS',
  [E_RMM_NOMEM]: 'E_RMM_NOMEM',
  [E_RMM_INVAL]: 'E_RMM_INVAL',
  [E_RMM_AGAIN]: 'E_RMM_AGAIN',
};
