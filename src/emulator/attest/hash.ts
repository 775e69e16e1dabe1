/**
 * Hash algorithms named by the token's hash-algo-id claims (IANA names, cca-spec.md §6.2-6.4):
 * sha-256, sha-384, sha-512 from @noble/hashes.
 */
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { HASH_ALGO_SHA_256, HASH_ALGO_SHA_384, HASH_ALGO_SHA_512 } from '../abi/token.ts';

/** The hash algorithms a realm may use (RMI_HASH_SHA_256 / RMI_HASH_SHA_512). */
export type RealmHashAlgo = typeof HASH_ALGO_SHA_256 | typeof HASH_ALGO_SHA_512;

/** Any hash the lab can compute for a hash-algo-id claim. */
export type HashAlgoName = RealmHashAlgo | typeof HASH_ALGO_SHA_384;

const HASHES: Readonly<Record<HashAlgoName, (data: Uint8Array) => Uint8Array>> = {
  [HASH_ALGO_SHA_256]: sha256,
  [HASH_ALGO_SHA_384]: sha384,
  [HASH_ALGO_SHA_512]: sha512,
};

/** True if `name` is a hash-algo-id this lab can compute. */
export function isHashAlgoName(name: unknown): name is HashAlgoName {
  return typeof name === 'string' && Object.hasOwn(HASHES, name);
}

/** Digest of `data` with the named algorithm. */
export function digest(algo: HashAlgoName, data: Uint8Array): Uint8Array {
  return HASHES[algo](data);
}

/** Digest size in bytes of a named algorithm. */
export function digestSize(algo: HashAlgoName): number {
  return algo === HASH_ALGO_SHA_256 ? 32 : algo === HASH_ALGO_SHA_384 ? 48 : 64;
}
