/**
 * Granule Protection Table constants: GPI encodings (Arm ARM DDI0487 D9.6.5; TF-A
 * include/lib/gpt_rme/gpt_rme.h) and the physical address spaces. Spec: cca-spec.md §1.1-1.2.
 */

/** Size of a granule: 4 KiB for CCA (RMM A2.2). */
export const GRANULE_SIZE = 0x1000;
/** log2(GRANULE_SIZE). */
export const GRANULE_SHIFT = 12;

/**
 * Width of the physical address space: 52 bits, the widest Armv9-A has (FEAT_LPA; the GPT's
 * protected physical address size GPCCR_EL3.PPS is at most 4 PB). Every PA is below
 * {@link PA_SPACE_SIZE}.
 */
export const PA_SPACE_BITS = 52;
/** First address past the physical address space (2^52: exact as a JS number). */
export const PA_SPACE_SIZE = 2 ** PA_SPACE_BITS;

/** 4-bit GPI encodings. */
export const GPT_GPI_NO_ACCESS = 0b0000;
export const GPT_GPI_SECURE = 0b1000;
export const GPT_GPI_NS = 0b1001;
export const GPT_GPI_ROOT = 0b1010;
export const GPT_GPI_REALM = 0b1011;
export const GPT_GPI_ANY = 0b1111;

/** The GPIs the emulator models, by name (cca-spec.md §7: NS/REALM/SECURE/ROOT/ANY/NO_ACCESS). */
export type Gpi = 'NO_ACCESS' | 'SECURE' | 'NS' | 'ROOT' | 'REALM' | 'ANY';

/** Encoding of each modelled GPI. */
export const GPI_ENCODING: Readonly<Record<Gpi, number>> = {
  NO_ACCESS: GPT_GPI_NO_ACCESS,
  SECURE: GPT_GPI_SECURE,
  NS: GPT_GPI_NS,
  ROOT: GPT_GPI_ROOT,
  REALM: GPT_GPI_REALM,
  ANY: GPT_GPI_ANY,
};

/** Physical address spaces. */
export type Pas = 'NS' | 'REALM' | 'SECURE' | 'ROOT';

/** Security states (who issues an access). */
export type SecurityState = 'NS' | 'REALM' | 'SECURE' | 'ROOT';

/** Which PAS each security state can emit (cca-spec.md §1.1 table). */
export const PAS_OF_STATE: Readonly<Record<SecurityState, readonly Pas[]>> = {
  ROOT: ['ROOT', 'REALM', 'SECURE', 'NS'],
  REALM: ['REALM', 'NS'],
  SECURE: ['SECURE', 'NS'],
  NS: ['NS'],
};

/** Fault status code for a GPF not on a translation table walk (DFSC 0b101000, Arm ARM D24.2.142). */
export const DFSC_GPF_NON_TTW = 0b101000;
