/**
 * Byte offsets of the in-memory RMI structures the host writes into NS granules and passes
 * by PA (spec B4.4.12 RmiRealmParams, B4.4.19 RmiRecParams, B4.4.17-18 RmiRecEnter /
 * RmiRecExit / RmiRecRun; cca-spec.md §2.4). All fields are little-endian; field names
 * are the spec's. Sizes in bytes.
 */

/** Every RMI parameter structure occupies one 4 KiB granule. */
export const RMI_STRUCT_SIZE = 0x1000;

/** RmiRealmParams (spec B4.4.12). */
export const RMI_REALM_PARAMS = {
  flags: { offset: 0x000, size: 8 },
  s2sz: { offset: 0x008, size: 1 },
  sve_vl: { offset: 0x010, size: 1 },
  num_bps: { offset: 0x018, size: 1 },
  num_wps: { offset: 0x020, size: 1 },
  pmu_num_ctrs: { offset: 0x028, size: 1 },
  hash_algo: { offset: 0x030, size: 1 },
  rpv: { offset: 0x400, size: 64 },
  vmid: { offset: 0x800, size: 2 },
  rtt_base: { offset: 0x808, size: 8 },
  rtt_level_start: { offset: 0x810, size: 8 },
  rtt_num_start: { offset: 0x818, size: 4 },
} as const;

/** RmiRecParams (spec B4.4.19). gprs[i] is at gprs.offset + 8·i. */
export const RMI_REC_PARAMS = {
  flags: { offset: 0x000, size: 8 },
  mpidr: { offset: 0x100, size: 8 },
  pc: { offset: 0x200, size: 8 },
  gprs: { offset: 0x300, size: 8, count: 8 },
  num_aux: { offset: 0x800, size: 8 },
  aux: { offset: 0x808, size: 8, count: 16 },
} as const;

/** Offset of RmiRecEnter inside RmiRecRun. */
export const RMI_REC_RUN_ENTER = 0x000;
/** Offset of RmiRecExit inside RmiRecRun. */
export const RMI_REC_RUN_EXIT = 0x800;
/** Size of each half of RmiRecRun. */
export const RMI_REC_RUN_HALF_SIZE = 0x800;

/** RmiRecEnter (spec B4.4.17), offsets relative to the start of RmiRecEnter. */
export const RMI_REC_ENTER = {
  flags: { offset: 0x000, size: 8 },
  gprs: { offset: 0x200, size: 8, count: 31 },
  gicv3_hcr: { offset: 0x300, size: 8 },
  gicv3_lrs: { offset: 0x308, size: 8, count: 16 },
} as const;

/** RmiRecExit (spec B4.4.18), offsets relative to the start of RmiRecExit. */
export const RMI_REC_EXIT = {
  exit_reason: { offset: 0x000, size: 1 },
  esr: { offset: 0x100, size: 8 },
  far: { offset: 0x108, size: 8 },
  hpfar: { offset: 0x110, size: 8 },
  gprs: { offset: 0x200, size: 8, count: 31 },
  gicv3_hcr: { offset: 0x300, size: 8 },
  gicv3_lrs: { offset: 0x308, size: 8, count: 16 },
  gicv3_misr: { offset: 0x388, size: 8 },
  gicv3_vmcr: { offset: 0x390, size: 8 },
  cntp_ctl: { offset: 0x400, size: 8 },
  cntp_cval: { offset: 0x408, size: 8 },
  cntv_ctl: { offset: 0x410, size: 8 },
  cntv_cval: { offset: 0x418, size: 8 },
  ripas_base: { offset: 0x500, size: 8 },
  ripas_top: { offset: 0x508, size: 8 },
  ripas_value: { offset: 0x510, size: 1 },
  imm: { offset: 0x600, size: 2 },
  pmu_ovf_status: { offset: 0x700, size: 1 },
} as const;
