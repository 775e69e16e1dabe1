/**
 * The CCA platform token (DEN0137 A7.2.3.2; cca-spec.md §6.3-6.4) as the lab's Root world
 * produces it, plus the two EL3 attestation services the RMM calls at boot (cca-spec.md §1.3:
 * RMM_ATTEST_GET_REALM_KEY, RMM_ATTEST_GET_PLAT_TOKEN). In TF-A these are
 * plat_rmmd_get_cca_realm_attest_key / plat_rmmd_get_cca_attest_token.
 *
 * Design rationale: TF-A on FVP returns a hard-coded platform token whose challenge only fits
 * its hard-coded RAK. The lab instead signs a fresh platform token with the public test CPAK
 * for whatever challenge the RMM sends, so a lab RAK other than the FVP sample still binds.
 * The claim VALUES below (implementation id, components, versions) are NOT from any Arm
 * specification: they are the lab's invented platform, derived from readable labels so that
 * learners can recompute them.
 */
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { concatBytes, toHex } from '../../lib/bytes.ts';
import {
  CCA_PLATFORM_CHALLENGE,
  CCA_PLATFORM_CONFIG,
  CCA_PLATFORM_HASH_ALGO_ID,
  CCA_PLATFORM_IMPLEMENTATION_ID,
  CCA_PLATFORM_INSTANCE_ID,
  CCA_PLATFORM_INSTANCE_ID_TYPE_RAND,
  CCA_PLATFORM_LIFECYCLE,
  CCA_PLATFORM_LIFECYCLE_SECURED,
  CCA_PLATFORM_PROFILE,
  CCA_PLATFORM_PROFILE_1_0,
  CCA_PLATFORM_SW_COMPONENTS,
  CCA_PLATFORM_VERIFICATION_SERVICE,
  CCA_SW_COMPONENT_HASH_ALGO_ID,
  CCA_SW_COMPONENT_MEASUREMENT_VALUE,
  CCA_SW_COMPONENT_SIGNER_ID,
  CCA_SW_COMPONENT_TYPE,
  CCA_SW_COMPONENT_VERSION,
  HASH_ALGO_SHA_256,
} from '../abi/token.ts';
import { encodeCbor } from './cbor.ts';
import { signCoseSign1, type EcPrivateKey } from './cose.ts';
import { digest } from './hash.ts';
import { FVP_SAMPLE_RAK_SCALAR, TEST_CPAK } from './keys.ts';

/** One entry of cca-platform-sw-components. */
export interface PlatformSwComponent {
  /** component-type (1), optional, e.g. "BL31". */
  readonly type?: string;
  /** measurement-value (2), mandatory. */
  readonly measurement: Uint8Array;
  /** version (4), optional. */
  readonly version?: string;
  /** signer-id (5), mandatory. */
  readonly signerId: Uint8Array;
  /** hash-algo-id (6), optional. */
  readonly hashAlgo?: string;
}

/** The platform claims. */
export interface PlatformClaims {
  readonly profile: string;
  /** cca-platform-challenge: hash of the RAK public key (the binding). */
  readonly challenge: Uint8Array;
  readonly implementationId: Uint8Array;
  readonly instanceId: Uint8Array;
  readonly config: Uint8Array;
  readonly lifecycle: number;
  readonly swComponents: readonly PlatformSwComponent[];
  readonly verificationService?: string;
  readonly hashAlgo: string;
}

const labHash = (label: string): Uint8Array => digest(HASH_ALGO_SHA_256, utf8ToBytes(label));

/** Lab invention: the signer id of every lab firmware image (SHA-256 of this label). */
export const LAB_FIRMWARE_SIGNER_ID: Uint8Array = labHash('Mica Lab firmware signer (test key)');

/**
 * Lab invention: the measured boot chain of the emulated platform. Each measurement is the
 * SHA-256 of "mica-lab:<type>:<version>", standing in for the image hash a real RoT records.
 */
export const LAB_PLATFORM_SW_COMPONENTS: readonly PlatformSwComponent[] = (
  [
    ['RSE_BL1_2', '1.0.0'],
    ['RSE_BL2', '1.0.0'],
    ['RSE_S', '1.0.0'],
    ['AP_BL1', '2.12.0'],
    ['AP_BL2', '2.12.0'],
    ['AP_BL31', '2.12.0'],
    ['RMM', '1.0.0'],
  ] as const
).map(([type, version]) => ({
  type,
  measurement: labHash(`mica-lab:${type}:${version}`),
  version,
  signerId: LAB_FIRMWARE_SIGNER_ID,
  hashAlgo: HASH_ALGO_SHA_256,
}));

/** Lab invention: cca-platform-implementation-id, SHA-256 of the platform's name. */
export const LAB_IMPLEMENTATION_ID: Uint8Array = labHash('Mica Lab CCA platform (emulated FVP)');

/** Lab invention: cca-platform-instance-id, 0x01 || SHA-256 of the CPAK public point. */
export function labInstanceId(cpak: EcPrivateKey = TEST_CPAK): Uint8Array {
  return concatBytes(
    Uint8Array.of(CCA_PLATFORM_INSTANCE_ID_TYPE_RAND),
    digest(HASH_ALGO_SHA_256, cpak.point),
  );
}

/** Lab invention: cca-platform-config, SHA-256 of the board description. */
export const LAB_PLATFORM_CONFIG: Uint8Array = labHash(
  'mica-lab board: 1 CPU, DRAM at 0x80000000, RME, 4 KB granules',
);

/** The lab platform's claims for a given challenge (normally SHA-256 of the RAK COSE_Key). */
export function labPlatformClaims(challenge: Uint8Array, cpak = TEST_CPAK): PlatformClaims {
  return {
    profile: CCA_PLATFORM_PROFILE_1_0,
    challenge,
    implementationId: LAB_IMPLEMENTATION_ID,
    instanceId: labInstanceId(cpak),
    config: LAB_PLATFORM_CONFIG,
    lifecycle: CCA_PLATFORM_LIFECYCLE_SECURED,
    swComponents: LAB_PLATFORM_SW_COMPONENTS,
    hashAlgo: HASH_ALGO_SHA_256,
  };
}

/** Encodes the platform claims map in the order of TF-A's sample token. */
export function encodePlatformClaims(claims: PlatformClaims): Uint8Array {
  const map = new Map<number, unknown>([
    [CCA_PLATFORM_PROFILE, claims.profile],
    [CCA_PLATFORM_CHALLENGE, claims.challenge],
    [CCA_PLATFORM_IMPLEMENTATION_ID, claims.implementationId],
    [CCA_PLATFORM_INSTANCE_ID, claims.instanceId],
    [CCA_PLATFORM_CONFIG, claims.config],
    [CCA_PLATFORM_LIFECYCLE, claims.lifecycle],
    [CCA_PLATFORM_HASH_ALGO_ID, claims.hashAlgo],
  ]);
  if (claims.verificationService !== undefined) {
    map.set(CCA_PLATFORM_VERIFICATION_SERVICE, claims.verificationService);
  }
  map.set(
    CCA_PLATFORM_SW_COMPONENTS,
    claims.swComponents.map((c) => {
      const entry = new Map<number, unknown>();
      if (c.type !== undefined) entry.set(CCA_SW_COMPONENT_TYPE, c.type);
      entry.set(CCA_SW_COMPONENT_MEASUREMENT_VALUE, c.measurement);
      if (c.version !== undefined) entry.set(CCA_SW_COMPONENT_VERSION, c.version);
      entry.set(CCA_SW_COMPONENT_SIGNER_ID, c.signerId);
      if (c.hashAlgo !== undefined) entry.set(CCA_SW_COMPONENT_HASH_ALGO_ID, c.hashAlgo);
      return entry;
    }),
  );
  return encodeCbor(map);
}

/** Signs platform claims with a CPAK: COSE_Sign1_Tagged, ES384 for a P-384 CPAK. */
export function buildPlatformToken(
  claims: PlatformClaims,
  cpak: EcPrivateKey = TEST_CPAK,
): Uint8Array {
  return signCoseSign1(encodePlatformClaims(claims), cpak);
}

/**
 * EL3 service RMM_ATTEST_GET_REALM_KEY (curve 0, SECP384R1): the RAK private scalar. The lab
 * platform hands out the FVP sample RAK, a PUBLIC TEST KEY, like TF-A on FVP.
 */
export function getRealmAttestKey(): Uint8Array {
  return FVP_SAMPLE_RAK_SCALAR.slice();
}

const platformTokenCache = new Map<string, Uint8Array>();

/**
 * EL3 service RMM_ATTEST_GET_PLAT_TOKEN: the platform token for `challenge` (the RMM sends
 * SHA-256 of the RAK's COSE_Key, c_size 32), produced by the Root world and signed by the
 * CPAK. Deterministic (RFC 6979), so results are memoised per challenge.
 */
export function getPlatformToken(
  challenge: Uint8Array,
  cpak: EcPrivateKey = TEST_CPAK,
): Uint8Array {
  const key = `${toHex(cpak.point)}:${toHex(challenge)}`;
  let token = platformTokenCache.get(key);
  if (!token) {
    token = buildPlatformToken(labPlatformClaims(challenge, cpak), cpak);
    if (platformTokenCache.size > 16) platformTokenCache.clear();
    platformTokenCache.set(key, token);
  }
  return token.slice();
}
