// Shared fixtures for the attestation tests: vector files, trust anchors, and one lab token.
import { readFileSync } from 'node:fs';
import { attest } from '../../src/emulator/index.ts';

const DIR = new URL('../vectors/tokens/', import.meta.url);

/** Bytes of a file under tests/vectors/tokens. */
export function vector(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, DIR)));
}

/** A public key from a JWK / trust-anchor file under tests/vectors/tokens. */
export function jwkKey(name: string): attest.EcPublicKey {
  const imported = attest.importJwk(readFileSync(new URL(name, DIR), 'utf8'));
  if (!imported.ok) throw new Error(`${name}: ${imported.error}`);
  return imported.key;
}

/** Deterministic inputs for a lab token (what the RMM would pass). */
export function labInput(): attest.CcaTokenInput {
  return {
    challenge: Uint8Array.from({ length: 64 }, (_, i) => i),
    rpv: new Uint8Array(64).fill(0x11),
    // 64-byte buffers like TF-RMM's: only the first 32 bytes are significant for sha-256.
    rim: Uint8Array.from({ length: 64 }, (_, i) => (i < 32 ? 0xa0 + (i % 16) : 0xee)),
    rems: [1, 2, 3, 4].map((n) => Uint8Array.from({ length: 64 }, (_, i) => (i < 32 ? n : 0xee))),
    hashAlgo: 'sha-256',
  };
}
