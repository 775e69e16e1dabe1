/**
 * The attestation code as one module, loaded when first used (issue 14): token building
 * (cca-spec.md §6.1-6.4), COSE and CBOR (cbor-x, @noble/curves) and the explaining verifier.
 * Only {@link ATTESTATION_CODE} (lazy.ts) imports it, with a literal `import()`; tests and the
 * CLI may import `attest` from src/emulator/index.ts as before.
 */
export * from './index.ts';
