/**
 * Bounds on what a snapshot may describe. NOT part of any Arm specification: the lab's own
 * limits for untrusted saved states, links and imported files (snapshot.ts, state-shape.ts).
 * Each is far above what the lab's board and scenarios produce, and low enough that a restore
 * that passes them is checked in time and memory proportional to the input.
 */

/** Regions in a board's memory map. */
export const SNAPSHOT_MAX_REGIONS = 64;
/** Total bytes of physical memory a board may describe (4 GiB = 2^20 granules). */
export const SNAPSHOT_MAX_PHYS_BYTES = 2 ** 32;
/** Highest physical or intermediate address a record may hold (a 48-bit space, no LPA2). */
export const SNAPSHOT_MAX_ADDRESS = 2 ** 48;
/** Records (realms, RECs, RTTs, granules, GPT entries, pages) of one kind. */
export const SNAPSHOT_MAX_RECORDS = 1 << 20;
/** Ledger events kept in a snapshot. */
export const SNAPSHOT_MAX_EVENTS = 1 << 20;
/** Longest string field (console text, token hex, names). */
export const SNAPSHOT_MAX_TEXT = 1 << 22;
/** Items of small lists (aux granules, list registers, gaps, labels of a flow). */
export const SNAPSHOT_MAX_LIST = 4096;
/** Nesting depth of opaque scratch data (a REC's guest scratch). */
export const SNAPSHOT_MAX_SCRATCH_DEPTH = 8;
/** Values (scalars, arrays, objects) in one REC's guest scratch. */
export const SNAPSHOT_MAX_SCRATCH_VALUES = 1 << 16;
/**
 * Widest IPA width a record may state: the 64-bit address space. A width the RMM would not
 * create is still a shape it can describe (rttConfigProblem then judges the RTT layout).
 */
export const SNAPSHOT_MAX_IPA_WIDTH = 64;
/** Largest 64-bit register value written as 0x-hex: 16 digits. */
export const SNAPSHOT_HEX64_DIGITS = 16;
