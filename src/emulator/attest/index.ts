/**
 * Attestation (cca-spec.md §6; RMM 1.0-rel0 DEN0137 A7): building CCA tokens the way TF-RMM
 * and the Root world do, and the explaining verifier. Re-exported by src/emulator/index.ts as
 * the `attest` namespace.
 *
 * RMM side: at boot `initRmmAttestation()` (or el3/attest.ts) gets the RAK from EL3
 * (`getRealmAttestKey`) and the platform token for SHA-256 of the RAK's COSE_Key
 * (`getPlatformToken`); on RSI_ATTESTATION_TOKEN_INIT the RMM calls
 * `buildCcaToken({ challenge, rpv, rim, rems, hashAlgo, rak, platform })` and copies the bytes
 * out in RSI_ATTESTATION_TOKEN_CONTINUE chunks.
 *
 * Verifier / UI side: `verifyCcaToken(bytes, { cpak, challenge, referenceValues })` returns
 * ordered checks (status, reason, claim, byte range, tree path) and `tree`, the inspector
 * model; `nodePathAt(tree, offset)` maps a byte to its claim, a node's `range` maps back.
 * `verdictOf(report)` is the relying party's verdict in the one vocabulary every view uses
 * (verified / rejected / not verified); `formatReport` / `formatTree` render for terminals.
 */
export {
  CBOR_DECODER_OPTIONS,
  CBOR_ENCODER_OPTIONS,
  decodeCbor,
  describeItem,
  encodeCbor,
  walkCbor,
  type ByteRange,
  type CborDecodeResult,
  type CborEntry,
  type CborItem,
  type WalkResult,
} from './cbor.ts';
export {
  algForCurve,
  decodeCoseKey,
  decodeSec1Point,
  encodeCoseKey,
  importJwk,
  parseCoseSign1,
  privateKeyFromScalar,
  protectedHeaderFor,
  sigStructure,
  signCoseSign1,
  forgetSignatureChecks,
  verifyCoseSign1,
  verifyCoseSign1Async,
  type CoseParseResult,
  type CoseSign1,
  type CurveName,
  type EcPrivateKey,
  type EcPublicKey,
  type JwkResult,
  type KeyResult,
  type SignatureResult,
} from './cose.ts';
export {
  digest,
  digestSize,
  isHashAlgoName,
  type HashAlgoName,
  type RealmHashAlgo,
} from './hash.ts';
export {
  FVP_SAMPLE_RAK,
  FVP_SAMPLE_RAK_COSE_KEY,
  FVP_SAMPLE_RAK_SCALAR,
  TEST_CPAK,
  TEST_CPAK_JWK,
  TEST_CPAK_PUBLIC,
} from './keys.ts';
export {
  buildRealmToken,
  encodeRealmClaims,
  realmClaimsProblem,
  significantBytes,
  type RealmClaims,
} from './realm-token.ts';
export {
  LAB_FIRMWARE_SIGNER_ID,
  LAB_IMPLEMENTATION_ID,
  LAB_PLATFORM_CONFIG,
  LAB_PLATFORM_SW_COMPONENTS,
  buildPlatformToken,
  encodePlatformClaims,
  getPlatformToken,
  getRealmAttestKey,
  labInstanceId,
  labPlatformClaims,
  type PlatformClaims,
  type PlatformSwComponent,
} from './platform-token.ts';
export {
  buildCcaToken,
  ccaTokenInputProblem,
  decodeCcaWrapper,
  initRmmAttestation,
  rakBindingChallenge,
  wrapCcaToken,
  type CcaTokenForm,
  type CcaTokenInput,
  type CcaTokenParts,
  type CcaWrapperResult,
  type El3AttestationServices,
  type RmmAttestationContext,
} from './cca-token.ts';
export { findNode, formatTree, inspectToken, nodePathAt, type TokenNode } from './inspect.ts';
export {
  checkClaimSet,
  formatReport,
  verifyCcaToken,
  verifyCcaTokenAsync,
  signaturesToCheck,
  type SignatureToCheck,
  type ClaimSetReport,
  type CheckId,
  type CheckStatus,
  type DecodedPlatformClaims,
  type DecodedRealmClaims,
  type DecodedSwComponent,
  type ReferenceSwComponent,
  type ReferenceValues,
  type VerifierCheck,
  type VerifierReport,
  type VerifyOptions,
} from './verify.ts';
export {
  OPTIONAL_CHECKS,
  VERDICT_WORDS,
  countsText,
  verdictOf,
  verdictOfChecks,
  type AppraisedCheck,
  type Verdict,
  type VerdictKind,
} from './verdict.ts';
