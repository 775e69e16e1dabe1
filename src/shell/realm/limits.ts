/** Limits of the realm shell's commands (lab choices, not spec values). */

/** Most bytes one read, write, copy or send moves (one granule). */
export const GUEST_MAX_TRANSFER_BYTES = 4096;
