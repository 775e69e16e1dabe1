/**
 * CCA attestation token constants (RMM 1.0-rel0, DEN0137 A7.2.3; cca-spec.md §6.1-6.4):
 * collection tags and keys, realm and platform claim keys, COSE labels (RFC 9052/9053) and
 * the profile strings. The tag 907 CMW form and the 2.0 realm profile are RMM 1.1 numbers,
 * listed only so the verifier can recognise and explain them; the lab emits the 1.0 form.
 */

// §6.1 Top-level collection.

/** CBOR tag of the RMM 1.0 CCA token collection (bytes D9 01 8F). */
export const CCA_TOKEN_COLLECTION_TAG = 399;
/** CBOR tag of the RMM 1.1 CMW collection (bytes D9 03 8B); entries are `[263, bstr]`. */
export const CCA_CMW_COLLECTION_TAG = 907;
/** Collection key of the CCA platform token (0xACCA). */
export const CCA_PLATFORM_TOKEN = 44234;
/** Collection key of the realm delegated token (0xACD1). */
export const CCA_REALM_DELEGATED_TOKEN = 44241;
/** CoAP content format of an EAT CWT; the first element of each tag-907 CMW entry. */
export const COAP_CONTENT_FORMAT_EAT_CWT = 263;

// §6.2 Realm token claims.

/** cca-realm-challenge (EAT nonce): bstr, exactly 64 bytes. */
export const CCA_REALM_CHALLENGE = 10;
/** cca-realm-profile (EAT profile), optional in 1.0-rel0 (absent in pre-rel0 tokens). */
export const CCA_REALM_PROFILE = 265;
/** cca-realm-personalization-value: bstr, 64 bytes (RmiRealmParams.rpv). */
export const CCA_REALM_PERSONALIZATION_VALUE = 44235;
/** cca-realm-hash-algo-id: text, IANA hash name of the realm hash algorithm (RHA). */
export const CCA_REALM_HASH_ALGO_ID = 44236;
/** cca-realm-public-key: bstr; 1.0-rel0 a bstr-wrapped COSE_Key, pre-rel0 a raw SEC1 point. */
export const CCA_REALM_PUBLIC_KEY = 44237;
/** cca-realm-initial-measurement: bstr of the RHA digest length (RIM). */
export const CCA_REALM_INITIAL_MEASUREMENT = 44238;
/** cca-realm-extensible-measurements: array of exactly 4 bstr (REM0..REM3). */
export const CCA_REALM_EXTENSIBLE_MEASUREMENTS = 44239;
/** cca-realm-public-key-hash-algo-id: text, algorithm of the platform binding hash. */
export const CCA_REALM_PUBLIC_KEY_HASH_ALGO_ID = 44240;

/** Size of cca-realm-challenge in bytes. */
export const CCA_REALM_CHALLENGE_SIZE = 64;
/** Size of cca-realm-personalization-value in bytes. */
export const CCA_REALM_PERSONALIZATION_VALUE_SIZE = 64;
/** Number of REMs in cca-realm-extensible-measurements. */
export const CCA_REALM_EXTENSIBLE_MEASUREMENTS_COUNT = 4;

/** Realm profile of RMM 1.0-rel0. */
export const CCA_REALM_PROFILE_1_0 = 'tag:arm.com,2023:realm#1.0.0';
/** Realm profile of RMM 1.1 drops; recognised for explanations only. */
export const CCA_REALM_PROFILE_2_0 = 'tag:arm.com,2024:realm#2.0.0';

/** TF-RMM's encoding order of the realm claims map (maps are unordered; decoders must not care). */
export const CCA_REALM_CLAIM_ORDER: readonly number[] = [
  CCA_REALM_CHALLENGE,
  CCA_REALM_PERSONALIZATION_VALUE,
  CCA_REALM_PUBLIC_KEY,
  CCA_REALM_HASH_ALGO_ID,
  CCA_REALM_PUBLIC_KEY_HASH_ALGO_ID,
  CCA_REALM_PROFILE,
  CCA_REALM_INITIAL_MEASUREMENT,
  CCA_REALM_EXTENSIBLE_MEASUREMENTS,
];

/** Spec names of the realm claims, for explanations. */
export const CCA_REALM_CLAIM_NAMES: Readonly<Record<number, string>> = {
  [CCA_REALM_CHALLENGE]: 'cca-realm-challenge',
  [CCA_REALM_PROFILE]: 'cca-realm-profile',
  [CCA_REALM_PERSONALIZATION_VALUE]: 'cca-realm-personalization-value',
  [CCA_REALM_HASH_ALGO_ID]: 'cca-realm-hash-algo-id',
  [CCA_REALM_PUBLIC_KEY]: 'cca-realm-public-key',
  [CCA_REALM_INITIAL_MEASUREMENT]: 'cca-realm-initial-measurement',
  [CCA_REALM_EXTENSIBLE_MEASUREMENTS]: 'cca-realm-extensible-measurements',
  [CCA_REALM_PUBLIC_KEY_HASH_ALGO_ID]: 'cca-realm-public-key-hash-algo-id',
};

// §6.3 CCA platform token claims.

/** cca-platform-profile (EAT profile), text. */
export const CCA_PLATFORM_PROFILE = 265;
/** cca-platform-challenge: bstr 32/48/64 = hash of the RAK public key (binding, §6.4). */
export const CCA_PLATFORM_CHALLENGE = 10;
/** cca-platform-instance-id (EAT UEID): bstr 33, first byte 0x01. */
export const CCA_PLATFORM_INSTANCE_ID = 256;
/** cca-platform-lifecycle: uint, bits 15:8 state, 7:0 IMPDEF. */
export const CCA_PLATFORM_LIFECYCLE = 2395;
/** cca-platform-implementation-id: bstr 32. */
export const CCA_PLATFORM_IMPLEMENTATION_ID = 2396;
/** cca-platform-sw-components: array (at least one) of sw component maps. */
export const CCA_PLATFORM_SW_COMPONENTS = 2399;
/** cca-platform-verification-service: text, optional. */
export const CCA_PLATFORM_VERIFICATION_SERVICE = 2400;
/** cca-platform-config: bstr (system properties). */
export const CCA_PLATFORM_CONFIG = 2401;
/** cca-platform-hash-algo-id: text, default hash algorithm of the platform token. */
export const CCA_PLATFORM_HASH_ALGO_ID = 2402;

/** Spec names of the platform claims, for explanations. */
export const CCA_PLATFORM_CLAIM_NAMES: Readonly<Record<number, string>> = {
  [CCA_PLATFORM_PROFILE]: 'cca-platform-profile',
  [CCA_PLATFORM_CHALLENGE]: 'cca-platform-challenge',
  [CCA_PLATFORM_INSTANCE_ID]: 'cca-platform-instance-id',
  [CCA_PLATFORM_LIFECYCLE]: 'cca-platform-lifecycle',
  [CCA_PLATFORM_IMPLEMENTATION_ID]: 'cca-platform-implementation-id',
  [CCA_PLATFORM_SW_COMPONENTS]: 'cca-platform-sw-components',
  [CCA_PLATFORM_VERIFICATION_SERVICE]: 'cca-platform-verification-service',
  [CCA_PLATFORM_CONFIG]: 'cca-platform-config',
  [CCA_PLATFORM_HASH_ALGO_ID]: 'cca-platform-hash-algo-id',
};

/** Size of cca-platform-implementation-id in bytes. */
export const CCA_PLATFORM_IMPLEMENTATION_ID_SIZE = 32;
/** Size of cca-platform-instance-id in bytes (type byte 0x01 + 32). */
export const CCA_PLATFORM_INSTANCE_ID_SIZE = 33;
/** First byte of cca-platform-instance-id (EAT UEID type RAND). */
export const CCA_PLATFORM_INSTANCE_ID_TYPE_RAND = 0x01;

/** sw component: component type (text, optional). */
export const CCA_SW_COMPONENT_TYPE = 1;
/** sw component: measurement value (bstr hash, mandatory). */
export const CCA_SW_COMPONENT_MEASUREMENT_VALUE = 2;
/** sw component: version (text, optional). */
export const CCA_SW_COMPONENT_VERSION = 4;
/** sw component: signer id (bstr hash, mandatory). */
export const CCA_SW_COMPONENT_SIGNER_ID = 5;
/** sw component: hash algorithm id (text, optional). */
export const CCA_SW_COMPONENT_HASH_ALGO_ID = 6;

/** Spec names of the sw component fields. */
export const CCA_SW_COMPONENT_FIELD_NAMES: Readonly<Record<number, string>> = {
  [CCA_SW_COMPONENT_TYPE]: 'component-type',
  [CCA_SW_COMPONENT_MEASUREMENT_VALUE]: 'measurement-value',
  [CCA_SW_COMPONENT_VERSION]: 'version',
  [CCA_SW_COMPONENT_SIGNER_ID]: 'signer-id',
  [CCA_SW_COMPONENT_HASH_ALGO_ID]: 'hash-algo-id',
};

/** Platform profile of RMM 1.0-rel0 era platforms. */
export const CCA_PLATFORM_PROFILE_1_0 = 'tag:arm.com,2023:cca_platform#1.0.0';
/** Legacy (EAC-era) platform profile, found in pre-rel0 sample tokens. */
export const CCA_PLATFORM_PROFILE_LEGACY = 'http://arm.com/CCA-SSD/1.0.0';

/** cca-platform-lifecycle: first value of the "secured" range 0x3000-0x30FF. */
export const CCA_PLATFORM_LIFECYCLE_SECURED = 0x3000;

/** cca-platform-lifecycle state ranges (bits 15:8), with their spec names. */
export const CCA_PLATFORM_LIFECYCLE_STATES: Readonly<Record<number, string>> = {
  0x00: 'unknown',
  0x10: 'assembly-and-test',
  0x20: 'cca-platform-rot-provisioning',
  0x30: 'secured',
  0x40: 'non-cca-platform-rot-debug',
  0x50: 'recoverable-cca-platform-rot-debug',
  0x60: 'decommissioned',
};

// IANA hash names used by the hash-algo-id claims.

/** IANA name of SHA-256. */
export const HASH_ALGO_SHA_256 = 'sha-256';
/** IANA name of SHA-384. */
export const HASH_ALGO_SHA_384 = 'sha-384';
/** IANA name of SHA-512. */
export const HASH_ALGO_SHA_512 = 'sha-512';

// COSE (RFC 9052 / RFC 9053).

/** CBOR tag of COSE_Sign1_Tagged (first byte 0xD2). */
export const COSE_SIGN1_TAG = 18;
/** COSE header label: alg. */
export const COSE_HEADER_ALG = 1;
/** COSE algorithm ES256 (ECDSA P-256, SHA-256). */
export const COSE_ALG_ES256 = -7;
/** COSE algorithm ES384 (ECDSA P-384, SHA-384); protected header bytes `A1 01 38 22`. */
export const COSE_ALG_ES384 = -35;
/** COSE algorithm ES512 (ECDSA P-521, SHA-512); recognised, not supported. */
export const COSE_ALG_ES512 = -36;
/** Sig_structure context string for COSE_Sign1. */
export const COSE_SIG_CONTEXT_SIGNATURE1 = 'Signature1';

/** COSE_Key label: kty. */
export const COSE_KEY_KTY = 1;
/** COSE_Key kty value: EC2. */
export const COSE_KEY_KTY_EC2 = 2;
/** COSE_Key EC2 label: crv. */
export const COSE_KEY_EC2_CRV = -1;
/** COSE_Key EC2 label: x coordinate. */
export const COSE_KEY_EC2_X = -2;
/** COSE_Key EC2 label: y coordinate. */
export const COSE_KEY_EC2_Y = -3;
/** COSE elliptic curve P-256. */
export const COSE_EC2_CRV_P256 = 1;
/** COSE elliptic curve P-384. */
export const COSE_EC2_CRV_P384 = 2;
/** COSE elliptic curve P-521. */
export const COSE_EC2_CRV_P521 = 3;
