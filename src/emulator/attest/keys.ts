/**
 * PUBLIC TEST KEYS. Every private key in this file is published in open-source repositories
 * and offers no security whatsoever; the lab uses them so that its tokens verify with the
 * trust anchors Veraison publishes for the Arm FVP (cca-spec.md §6.4-6.5). Never use them to
 * protect anything.
 *
 * - RAK: the FVP sample realm attestation key, the P-384 private scalar TF-A hands the RMM
 *   through RMM_ATTEST_GET_REALM_KEY (ARM-software/arm-trusted-firmware
 *   plat/arm/board/fvp/fvp_realm_attest_key.c). Public point 0476f988091be585...; SHA-256 of
 *   its COSE_Key = 0d22e08a...d711, the challenge of TF-A's sample platform token.
 * - CPAK: the CCA platform attestation key of the tf-m-tools sample (iat-verifier
 *   tests/data/cca_platform.pem), also veraison/ccatoken realm/testvectors/tf-rmm/
 *   cca_platform.pem, JWK `testRMMCPAK` in veraison/ccatoken test_common.go, and (public part
 *   only) veraison/rust-ccatoken testdata/cpak.json.
 */
import { fromHex } from '../../lib/bytes.ts';
import {
  encodeCoseKey,
  privateKeyFromScalar,
  type EcPrivateKey,
  type EcPublicKey,
} from './cose.ts';

function hex(text: string): Uint8Array {
  const bytes = fromHex(text);
  if (!bytes) throw new Error(`bad hex constant ${text}`);
  return bytes;
}

/** PUBLIC TEST KEY: private scalar of the FVP sample RAK (P-384, 48 bytes). */
export const FVP_SAMPLE_RAK_SCALAR: Uint8Array = hex(
  '2011c7f03cee4325176e524f033c0ce1e21a76e6c1a4f0b839aa1df61e0e8a5c8a05740f9b69efa7eb1a4185bd117f68',
);

/** PUBLIC TEST KEY: the FVP sample RAK key pair (P-384). */
export const FVP_SAMPLE_RAK: EcPrivateKey = privateKeyFromScalar(FVP_SAMPLE_RAK_SCALAR, 'P-384');

/** The FVP sample RAK public key as TF-RMM encodes it in claim 44237 (107-byte COSE_Key). */
export const FVP_SAMPLE_RAK_COSE_KEY: Uint8Array = encodeCoseKey(FVP_SAMPLE_RAK);

/** PUBLIC TEST KEY: the tf-m-tools sample CPAK as a JWK (P-384, with private `d`). */
export const TEST_CPAK_JWK = {
  kty: 'EC',
  crv: 'P-384',
  x: 'IShnxS4rlQiwpCCpBWDzlNLfqiG911FP8akBr-fh94uxHU5m-Kijivp2r2oxxN6M',
  y: 'hM4tr8mWQli1P61xh3T0ViDREbF26DGOEYfbAjWjGNN7pZf-6A4OTHYqEryz6m7U',
  d: 'isCQyZWGn2GsE1jwKwIaJqtus4YgOsc1186YVVOLkfdMRLDVgCQ--3maKT3LqgiZ',
} as const;

/** PUBLIC TEST KEY: the CPAK key pair that signs the lab's platform tokens (P-384). */
export const TEST_CPAK: EcPrivateKey = privateKeyFromScalar(
  hex(
    '8ac090c995869f61ac1358f02b021a26ab6eb386203ac735d7ce9855538b91f74c44b0d580243efb799a293dcbaa0899',
  ),
  'P-384',
);

/** The CPAK's public half: the trust anchor a verifier of lab tokens needs. */
export const TEST_CPAK_PUBLIC: EcPublicKey = { crv: TEST_CPAK.crv, point: TEST_CPAK.point };
