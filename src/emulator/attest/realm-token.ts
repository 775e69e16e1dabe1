/**
 * The realm token (RMM 1.0-rel0, DEN0137 A7.2.3.1; cca-spec.md §6.2): the claims map in
 * TF-RMM's order (lib/attestation/src/attestation_token.c, attest_realm_token_create), signed
 * by the RAK as a COSE_Sign1_Tagged with ES384. Other producers order the map differently (the
 * IETF draft example starts with the profile); maps are unordered, so verifiers must not care.
 */
import {
  CCA_REALM_CHALLENGE,
  CCA_REALM_CHALLENGE_SIZE,
  CCA_REALM_EXTENSIBLE_MEASUREMENTS,
  CCA_REALM_EXTENSIBLE_MEASUREMENTS_COUNT,
  CCA_REALM_HASH_ALGO_ID,
  CCA_REALM_INITIAL_MEASUREMENT,
  CCA_REALM_PERSONALIZATION_VALUE,
  CCA_REALM_PERSONALIZATION_VALUE_SIZE,
  CCA_REALM_PROFILE,
  CCA_REALM_PROFILE_1_0,
  CCA_REALM_PUBLIC_KEY,
  CCA_REALM_PUBLIC_KEY_HASH_ALGO_ID,
  HASH_ALGO_SHA_256,
} from '../abi/token.ts';
import { encodeCbor } from './cbor.ts';
import { signCoseSign1, type EcPrivateKey } from './cose.ts';
import { digestSize, type HashAlgoName, type RealmHashAlgo } from './hash.ts';

/** The realm claims as the RMM fills them in. */
export interface RealmClaims {
  /** cca-realm-challenge: the 64 bytes the realm passed to RSI_ATTESTATION_TOKEN_INIT. */
  readonly challenge: Uint8Array;
  /** cca-realm-personalization-value: RmiRealmParams.rpv, 64 bytes. */
  readonly rpv: Uint8Array;
  /** cca-realm-initial-measurement: the RIM, digest-size bytes. */
  readonly rim: Uint8Array;
  /** cca-realm-extensible-measurements: REM0..REM3, digest-size bytes each. */
  readonly rems: readonly Uint8Array[];
  /** cca-realm-hash-algo-id: the realm hash algorithm (RHA). */
  readonly hashAlgo: RealmHashAlgo;
  /** cca-realm-public-key: the exact claim bytes (the RAK's COSE_Key in 1.0-rel0). */
  readonly rakPublicKey: Uint8Array;
  /** cca-realm-public-key-hash-algo-id; TF-RMM uses "sha-256". */
  readonly rakHashAlgo?: HashAlgoName;
  /** cca-realm-profile; defaults to the 1.0 profile, `null` omits it (pre-rel0 shape). */
  readonly profile?: string | null;
}

/**
 * A measurement's significant bytes: TF-RMM keeps RIM/REMs in 64-byte buffers but the token
 * carries only the digest of the realm hash algorithm (32 bytes for sha-256).
 */
export function significantBytes(measurement: Uint8Array, algo: RealmHashAlgo): Uint8Array {
  return measurement.slice(0, digestSize(algo));
}

/**
 * Returns why `claims` cannot be encoded (a wrong-length input that the RMM would never
 * produce), or undefined when they are well-formed.
 */
export function realmClaimsProblem(claims: RealmClaims): string | undefined {
  const size = digestSize(claims.hashAlgo);
  if (claims.challenge.length !== CCA_REALM_CHALLENGE_SIZE) {
    return `challenge must be ${CCA_REALM_CHALLENGE_SIZE} bytes, got ${claims.challenge.length}`;
  }
  if (claims.rpv.length !== CCA_REALM_PERSONALIZATION_VALUE_SIZE) {
    return `rpv must be ${CCA_REALM_PERSONALIZATION_VALUE_SIZE} bytes, got ${claims.rpv.length}`;
  }
  if (claims.rim.length < size)
    return `rim must hold at least ${size} bytes for ${claims.hashAlgo}`;
  if (claims.rems.length !== CCA_REALM_EXTENSIBLE_MEASUREMENTS_COUNT) {
    return `exactly ${CCA_REALM_EXTENSIBLE_MEASUREMENTS_COUNT} REMs are needed, got ${claims.rems.length}`;
  }
  if (claims.rems.some((rem) => rem.length < size)) {
    return `each REM must hold at least ${size} bytes for ${claims.hashAlgo}`;
  }
  return undefined;
}

/**
 * Encodes the realm claims map in TF-RMM's order (10, 44235, 44237, 44236, 44240, 265, 44238,
 * 44239), truncating RIM and REMs to their significant bytes. Throws RangeError only on an
 * emulator bug: inputs that `realmClaimsProblem` rejects.
 */
export function encodeRealmClaims(claims: RealmClaims): Uint8Array {
  const problem = realmClaimsProblem(claims);
  if (problem) throw new RangeError(`realm claims: ${problem}`);
  const map = new Map<number, unknown>([
    [CCA_REALM_CHALLENGE, claims.challenge],
    [CCA_REALM_PERSONALIZATION_VALUE, claims.rpv],
    [CCA_REALM_PUBLIC_KEY, claims.rakPublicKey],
    [CCA_REALM_HASH_ALGO_ID, claims.hashAlgo],
    [CCA_REALM_PUBLIC_KEY_HASH_ALGO_ID, claims.rakHashAlgo ?? HASH_ALGO_SHA_256],
  ]);
  const profile = claims.profile === undefined ? CCA_REALM_PROFILE_1_0 : claims.profile;
  if (profile !== null) map.set(CCA_REALM_PROFILE, profile);
  map.set(CCA_REALM_INITIAL_MEASUREMENT, significantBytes(claims.rim, claims.hashAlgo));
  map.set(
    CCA_REALM_EXTENSIBLE_MEASUREMENTS,
    claims.rems.map((rem) => significantBytes(rem, claims.hashAlgo)),
  );
  return encodeCbor(map);
}

/** Builds the realm token: COSE_Sign1_Tagged over the claims, signed with the RAK. */
export function buildRealmToken(claims: RealmClaims, rak: EcPrivateKey): Uint8Array {
  return signCoseSign1(encodeRealmClaims(claims), rak);
}
