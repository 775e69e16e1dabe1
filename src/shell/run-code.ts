/**
 * The code a realm's run may reach, loaded when first used (issue 14): the realm's program
 * may ask for a token (the attestation code, cca-spec.md §6.1, mica-spec.md §4.3) or upload
 * its policy (the monitor's upload code, mica-spec.md §3.3). Every command that runs a realm
 * lists it in `needs`; src/shell/lazy.ts loads it for the programs that load all up front.
 */
import { ATTESTATION_CODE } from '../emulator/index.ts';
import type { LazyCode } from '../lib/lazy.ts';
import { UPLOAD_CODE } from '../policy/index.ts';

/** What a command that runs a realm needs loaded first. */
export const REALM_RUN_CODE: readonly LazyCode<unknown>[] = [ATTESTATION_CODE, UPLOAD_CODE];
