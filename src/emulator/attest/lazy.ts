/**
 * The attestation code, fetched when first used (issue 14: the first screen carries no CBOR,
 * no ECDSA and no verifier). The machine asks for it synchronously (`ATTESTATION_CODE.get()`)
 * when a realm asks for a token (RSI_ATTESTATION_TOKEN_INIT, cca-spec.md §6.1), when the RMM
 * fetches its RAK and platform token from EL3 (§6.4), when the monitor builds a group token
 * (mica-spec.md §4.3) and when the relying party appraises one; so whatever may reach those
 * awaits `ATTESTATION_CODE.load()` first (a shell command lists it in `needs`).
 */
import { lazyCode, type LazyCode } from '../../lib/lazy.ts';

/** What the attestation module exports (the `attest` namespace of src/emulator/index.ts). */
export type AttestationCode = typeof import('./code.ts');

/** The attestation code: load it before anything that may build, sign or verify a token. */
export const ATTESTATION_CODE: LazyCode<AttestationCode> = lazyCode(
  'the attestation code (CBOR, COSE, token building and the verifier)',
  () => import('./code.ts'),
);
