/**
 * Hash algorithms named by the token's hash-algo-id claims (IANA names, cca-spec.md §6.2-6.4):
 * sha-256, sha-384, sha-512, and the synchronous SHA-2 the whole machine uses (RIM/REM
 * measurements, token digests, signature memo keys).
 *
 * Design rationale: the RMM hashes synchronously, so the hash must be synchronous. Where the
 * platform has a synchronous native SHA-2 (Node's `crypto`, reached through
 * `process.getBuiltinModule`, so no bundler sees an import of it) that one is used; in the
 * browser (WebCrypto is asynchronous only) @noble/hashes is. Both compute the same function;
 * tests/attest/hash.test.ts holds them to the same outputs.
 */
import {
  sha256 as nobleSha256,
  sha384 as nobleSha384,
  sha512 as nobleSha512,
} from '@noble/hashes/sha2.js';
import { HASH_ALGO_SHA_256, HASH_ALGO_SHA_384, HASH_ALGO_SHA_512 } from '../abi/token.ts';

/** The part of Node's `crypto` used here. */
interface NativeCrypto {
  createHash(algorithm: string): {
    update(data: Uint8Array): { digest(): Uint8Array };
  };
}

/** Node's `crypto` when this runs in Node (>= 20.16), else undefined (browsers). */
function nativeCrypto(): NativeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const mod = proc?.getBuiltinModule?.('node:crypto') as NativeCrypto | undefined;
    return typeof mod?.createHash === 'function' ? mod : undefined;
  } catch {
    return undefined;
  }
}

const NATIVE = nativeCrypto();

/** A synchronous hash: the platform's native one when there is one, else noble's. */
function sha2(
  name: string,
  noble: (data: Uint8Array) => Uint8Array,
): (data: Uint8Array) => Uint8Array {
  const native = NATIVE;
  if (!native) return noble;
  // A plain Uint8Array copy of the digest (not a Buffer on a shared pool).
  return (data) => new Uint8Array(native.createHash(name).update(data).digest());
}

/** SHA-256 of `data`. */
export const sha256 = sha2('sha256', nobleSha256);
/** SHA-384 of `data`. */
export const sha384 = sha2('sha384', nobleSha384);
/** SHA-512 of `data`. */
export const sha512 = sha2('sha512', nobleSha512);

/** True when the hashes above are the platform's native SHA-2 (for tests and benchmarks). */
export const NATIVE_SHA2 = NATIVE !== undefined;

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
