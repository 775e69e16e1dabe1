/**
 * Exception Syndrome Register encodings the RMM fabricates in RmiRecExit.esr (Arm ARM
 * DDI0487 D24.2.40 ESR_EL2; cca-spec.md §2.5). Only the classes and ISS fields a REC exit
 * can carry are listed. Field positions are [msb, lsb].
 */
import { field } from '../../lib/bits.ts';

/** ESR_EL2.EC: exception class. */
export const ESR_EL2_EC = field(31, 26);
/** ESR_EL2.IL: 32-bit instruction. */
export const ESR_EL2_IL = field(25, 25);
/** EC: trapped WFI or WFE. */
export const ESR_EL2_EC_WFX = 0x01;
/** EC: instruction abort from a lower exception level. */
export const ESR_EL2_EC_INST_ABORT = 0x20;
/** EC: data abort from a lower exception level. */
export const ESR_EL2_EC_DATA_ABORT = 0x24;
/** EC: SError interrupt. */
export const ESR_EL2_EC_SERROR = 0x2f;

/** WFx ISS.TI: 0 WFI, 1 WFE. */
export const ESR_EL2_WFX_TI = field(0, 0);
export const ESR_EL2_WFX_TI_WFI = 0;
export const ESR_EL2_WFX_TI_WFE = 1;

/** Data abort ISS fields. */
export const ESR_EL2_ABORT_ISV = field(24, 24);
export const ESR_EL2_ABORT_SAS = field(23, 22);
export const ESR_EL2_ABORT_SSE = field(21, 21);
export const ESR_EL2_ABORT_SRT = field(20, 16);
export const ESR_EL2_ABORT_SF = field(15, 15);
export const ESR_EL2_ABORT_FNV = field(10, 10);
export const ESR_EL2_ABORT_EA = field(9, 9);
export const ESR_EL2_ABORT_WNR = field(6, 6);
export const ESR_EL2_ABORT_FSC = field(5, 0);
/** FSC of a translation fault at level n is 0b0001nn (n = 0..3). */
export const ESR_EL2_ABORT_FSC_TRANSLATION_FAULT_L0 = 0b000100;

/** HPFAR_EL2.FIPA holds IPA[47:12] in bits [43:4]: hpfar = (ipa >> 12) << 4. */
export const HPFAR_EL2_FIPA_SHIFT = 8;
export const HPFAR_EL2_FIPA = field(43, 4);
/** FSC of a permission fault at level n is 0b0011nn (n = 0..3). */
export const ESR_EL2_ABORT_FSC_PERMISSION_FAULT_L0 = 0b001100;
/** Instruction size of A64 code: the PC advances by this much past a completed instruction. */
export const A64_INSTRUCTION_SIZE = 4;
/** Register number 31 is XZR for loads and stores: writes to it are discarded. */
export const A64_XZR = 31;
