/**
 * The explaining verifier (lab-ux.md §3.1 item 2; cca-spec.md §6.4 verification recipe, §6.5):
 * checks a CCA token step by step and says, in plain words, why each step passes or fails,
 * which claim it concerns and which bytes of the token it is about.
 *
 * Design rationale: the verifier is a pure function that never throws. Every step is a value
 * in an ordered list with status pass/fail/skip; a step that cannot run because an earlier
 * one failed is a skip that names the earlier step, so learners see the whole picture rather
 * than the first error only. Signatures are checked over the original bytes (cose.ts). The
 * order follows Veraison's `Evidence.Verify` (platform signature, RAK, realm signature,
 * binding) with structure and claim checks before, and appraisal against the relying party's
 * nonce and reference values after.
 */
import { bytesEqual, toHex } from '../../lib/bytes.ts';
import {
  CCA_PLATFORM_CHALLENGE,
  CCA_PLATFORM_CLAIM_NAMES,
  CCA_PLATFORM_PROFILE_1_0,
  CCA_PLATFORM_PROFILE_LEGACY,
  CCA_PLATFORM_SW_COMPONENTS,
  CCA_REALM_CHALLENGE,
  CCA_REALM_CHALLENGE_SIZE,
  CCA_REALM_CLAIM_NAMES,
  CCA_REALM_EXTENSIBLE_MEASUREMENTS,
  CCA_REALM_INITIAL_MEASUREMENT,
  CCA_REALM_PERSONALIZATION_VALUE,
  CCA_REALM_PROFILE,
  CCA_REALM_PROFILE_1_0,
  CCA_REALM_PROFILE_2_0,
  CCA_REALM_PUBLIC_KEY,
} from '../abi/token.ts';
import { decodeCcaWrapper, type CcaTokenForm, type CcaTokenParts } from './cca-token.ts';
import {
  describeItem,
  mapEntries,
  walkCbor,
  type ByteRange,
  type CborEntry,
  type CborItem,
} from './cbor.ts';
import {
  algName,
  coseKeyFromItem,
  decodeSec1Point,
  parseCoseSign1,
  verifyCoseSign1,
  type CoseSign1,
  type EcPublicKey,
} from './cose.ts';
import {
  PLATFORM_CLAIM_RULES,
  REALM_CLAIM_RULES,
  type ClaimRule,
  type DecodedPlatformClaims,
  type DecodedRealmClaims,
  type Filling,
} from './claim-rules.ts';
import { digest, isHashAlgoName } from './hash.ts';
import { inspectToken, type TokenNode } from './inspect.ts';
import { countsText, verdictOf } from './verdict.ts';

export type {
  DecodedPlatformClaims,
  DecodedRealmClaims,
  DecodedSwComponent,
} from './claim-rules.ts';

/** Outcome of one check. */
export type CheckStatus = 'pass' | 'fail' | 'skip';

/** The kinds of check, in report order. */
export type CheckId =
  | 'wrapper'
  | 'platform-cose'
  | 'platform-signature'
  | 'platform-claim'
  | 'realm-cose'
  | 'realm-claim'
  | 'rak'
  | 'realm-signature'
  | 'binding'
  | 'freshness'
  | 'rim'
  | 'rems'
  | 'rpv'
  | 'sw-components'
  | 'profile'
  | 'internal';

/** One line of the report. */
export interface VerifierCheck {
  readonly id: CheckId;
  /** Short title, e.g. "realm signature" or "cca-realm-challenge (10)". */
  readonly title: string;
  readonly status: CheckStatus;
  /** Plain-word explanation of the outcome. */
  readonly reason: string;
  /** The claim concerned, with its spec name and key. */
  readonly claim?: { readonly name: string; readonly key: number };
  /** The bytes of the token this check is about, [start, end). */
  readonly range?: ByteRange;
  /** Path of the inspector node the check is about (see inspect.ts). */
  readonly path?: string;
  /** Where the rule comes from. */
  readonly spec: string;
}

/** A known-good platform software component. */
export interface ReferenceSwComponent {
  readonly measurement: Uint8Array;
  readonly signerId?: Uint8Array;
  readonly type?: string;
}

/** Reference values the relying party trusts; each one given is compared. */
export interface ReferenceValues {
  readonly rim?: Uint8Array;
  /** REM0..REM3; an undefined entry is not compared. */
  readonly rems?: readonly (Uint8Array | undefined)[];
  readonly rpv?: Uint8Array;
  readonly swComponents?: readonly ReferenceSwComponent[];
}

/** What the verifier is told besides the token. */
export interface VerifyOptions {
  /** Trust anchor for the platform signature (the CPAK / IAK public key). */
  readonly cpak?: EcPublicKey;
  /** The nonce the relying party sent; compared with cca-realm-challenge. */
  readonly challenge?: Uint8Array;
  readonly referenceValues?: ReferenceValues;
}

/** The verifier's answer. */
export interface VerifierReport {
  /** pass: every check passed; fail: at least one failed; incomplete: none failed, some skipped. */
  readonly verdict: 'pass' | 'fail' | 'incomplete';
  readonly checks: readonly VerifierCheck[];
  /** Which collection form the token used, if readable. */
  readonly form?: CcaTokenForm;
  /** The inspector tree with byte ranges (undefined if the bytes are not CBOR at all). */
  readonly tree?: TokenNode;
  readonly platform?: DecodedPlatformClaims;
  readonly realm?: DecodedRealmClaims;
  /** The RAK as decoded from claim 44237. */
  readonly rak?: EcPublicKey;
}

const SPEC_TOKEN = 'cca-spec.md §6.1 (DEN0137 A7.2.3)';
const SPEC_REALM = 'cca-spec.md §6.2 (DEN0137 A7.2.3.1)';
const SPEC_PLATFORM = 'cca-spec.md §6.3 (DEN0137 A7.2.3.2)';
const SPEC_BINDING = 'cca-spec.md §6.4';

/** Verifies a CCA token and explains every step. Never throws. */
export function verifyCcaToken(bytes: Uint8Array, options: VerifyOptions = {}): VerifierReport {
  let tree: TokenNode | undefined;
  try {
    tree = inspectToken(bytes);
    return new Verification(bytes, options, tree).run();
  } catch (err) {
    // A bug in the verifier itself, never a property of the token: say so, do not throw.
    return {
      verdict: 'fail',
      checks: [
        {
          id: 'internal',
          title: 'verifier',
          status: 'fail',
          reason: `internal verifier error (a lab bug, please report it): ${String(err)}`,
          spec: 'code-style.md §7 principle 7',
        },
      ],
      ...(tree ? { tree } : {}),
    };
  }
}

/** Range of a map entry (key through value). */
const entryRange = (e: CborEntry): ByteRange => [e.key.start, e.value.end];
const itemRange = (i: CborItem): ByteRange => [i.start, i.end];
const hexPreview = (b: Uint8Array, n = 8): string =>
  `${toHex(b.subarray(0, n))}${b.length > n ? '...' : ''}`;

/** Explains where two byte strings differ. */
function difference(actual: Uint8Array, expected: Uint8Array): string {
  if (actual.length !== expected.length) {
    return `it is ${actual.length} bytes, the reference ${expected.length}`;
  }
  const i = actual.findIndex((b, k) => b !== expected[k]);
  return `it differs from the reference first in byte ${i} (0x${toHex(actual.subarray(i, i + 1))} instead of 0x${toHex(expected.subarray(i, i + 1))})`;
}

interface ClaimSet {
  readonly token: 'platform' | 'realm';
  readonly map: CborItem;
  readonly path: string;
}

/**
 * Runs a table of claim rules over a claims map: each rule becomes one check (missing,
 * repeated, wrongly typed, or valid), and valid values are stored in `into`.
 */
function runClaimRules<D>(
  set: ClaimSet,
  rules: readonly ClaimRule<D>[],
  into: Filling<D>,
  add: (check: VerifierCheck) => void,
): void {
  const names = set.token === 'platform' ? CCA_PLATFORM_CLAIM_NAMES : CCA_REALM_CLAIM_NAMES;
  for (const rule of rules) {
    const key = rule.key;
    const name = names[key] ?? `claim ${key}`;
    const base = {
      id: `${set.token}-claim` as const,
      title: `${name} (${key})`,
      claim: { name, key },
      spec: set.token === 'platform' ? SPEC_PLATFORM : SPEC_REALM,
    };
    const found = mapEntries(set.map, key);
    const path = `${set.path}/${key}`;
    if (found.length === 0) {
      if (!rule.optional) {
        add({
          ...base,
          status: 'fail',
          reason: `mandatory claim missing from the ${set.token} token`,
          range: [set.map.start, set.map.headerEnd],
          path: set.path,
        });
      }
    } else if (found.length > 1) {
      add({
        ...base,
        status: 'fail',
        reason: `the claim appears ${found.length} times; a claims map must not repeat a key`,
        range: entryRange(found[1]!),
        path,
      });
    } else {
      const entry = found[0]!;
      const verdict = rule.check(entry.value);
      add({
        ...base,
        status: verdict.ok ? 'pass' : 'fail',
        reason: verdict.reason,
        range: entryRange(entry),
        path,
      });
      if (verdict.ok) rule.keep(entry.value, into);
    }
  }
}

/** The result of checking a bare claims map (no COSE, no signatures). */
export interface ClaimSetReport {
  readonly verdict: 'pass' | 'fail';
  readonly checks: readonly VerifierCheck[];
  /** The claims that had the right type. */
  readonly claims: DecodedRealmClaims | DecodedPlatformClaims;
}

/**
 * Checks a bare realm or platform claims map (a COSE payload, e.g. Veraison's claim-set
 * vectors) against the claim rules of §6.2/§6.3. Paths are `claims/<key>`; ranges are offsets
 * in `bytes`. Never throws.
 */
export function checkClaimSet(bytes: Uint8Array, token: 'realm' | 'platform'): ClaimSetReport {
  const checks: VerifierCheck[] = [];
  const walked = walkCbor(bytes);
  if (!walked.ok || walked.item.kind !== 'map') {
    const reason = walked.ok
      ? `a claims map is a CBOR map; this is ${describeItem(walked.item)}`
      : `not well-formed CBOR: ${walked.error} (byte ${walked.offset})`;
    const at = walked.ok ? walked.item.start : walked.offset;
    checks.push({
      id: `${token}-claim`,
      title: `${token} claims`,
      status: 'fail',
      reason,
      range: [at, Math.min(at + 1, bytes.length)],
      spec: token === 'platform' ? SPEC_PLATFORM : SPEC_REALM,
    });
    return { verdict: 'fail', checks, claims: {} };
  }
  const set: ClaimSet = { token, map: walked.item, path: 'claims' };
  const add = (c: VerifierCheck): void => void checks.push(c);
  let claims: Filling<DecodedRealmClaims> | Filling<DecodedPlatformClaims>;
  if (token === 'realm') {
    const into: Filling<DecodedRealmClaims> = {};
    runClaimRules(set, REALM_CLAIM_RULES, into, add);
    claims = into;
  } else {
    const into: Filling<DecodedPlatformClaims> = {};
    runClaimRules(set, PLATFORM_CLAIM_RULES, into, add);
    claims = into;
  }
  return { verdict: checks.some((c) => c.status === 'fail') ? 'fail' : 'pass', checks, claims };
}

class Verification {
  private readonly checks: VerifierCheck[] = [];
  private parts: CcaTokenParts | undefined;
  private platformCose: CoseSign1 | undefined;
  private realmCose: CoseSign1 | undefined;
  private platformClaims: ClaimSet | undefined;
  private realmClaims: ClaimSet | undefined;
  private readonly platform: Filling<DecodedPlatformClaims> = {};
  private readonly realm: Filling<DecodedRealmClaims> = {};
  private rak: EcPublicKey | undefined;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: VerifyOptions,
    private readonly tree: TokenNode | undefined,
  ) {}

  private add(check: VerifierCheck): void {
    this.checks.push(check);
  }

  run(): VerifierReport {
    this.checkWrapper();
    this.checkCose('platform');
    this.checkPlatformSignature();
    this.checkClaims(this.platformClaims, 'platform', PLATFORM_CLAIM_RULES, this.platform);
    this.checkCose('realm');
    this.checkClaims(this.realmClaims, 'realm', REALM_CLAIM_RULES, this.realm);
    this.checkRak();
    this.checkRealmSignature();
    this.checkBinding();
    this.checkFreshness();
    this.checkReferenceValues();
    this.checkSwComponents();
    this.checkProfiles();
    const failed = this.checks.some((c) => c.status === 'fail');
    const skipped = this.checks.some((c) => c.status === 'skip');
    return {
      verdict: failed ? 'fail' : skipped ? 'incomplete' : 'pass',
      checks: this.checks,
      ...(this.parts ? { form: this.parts.form } : {}),
      ...(this.tree ? { tree: this.tree } : {}),
      ...(this.platformClaims ? { platform: this.platform } : {}),
      ...(this.realmClaims ? { realm: this.realm } : {}),
      ...(this.rak ? { rak: this.rak } : {}),
    };
  }

  // 1. Collection wrapper (§6.1).
  private checkWrapper(): void {
    const wrapper = decodeCcaWrapper(this.bytes);
    if (!wrapper.ok) {
      this.add({
        id: 'wrapper',
        title: 'token structure',
        status: 'fail',
        reason: wrapper.error,
        range: wrapper.range,
        path: 'token',
        spec: SPEC_TOKEN,
      });
      return;
    }
    this.parts = wrapper.parts;
    const reason =
      wrapper.parts.form === '1.0'
        ? 'tag 399 collection (RMM 1.0) holding a platform token (44234) and a realm token (44241)'
        : 'tag 907 collection (RMM 1.1 CMW form, entries [263, bstr]); this lab emits the RMM 1.0 tag 399 and reads both — the signed tokens inside are the same';
    this.add({
      id: 'wrapper',
      title: 'token structure',
      status: 'pass',
      reason,
      range: itemRange(wrapper.parts.root),
      path: 'token',
      spec: SPEC_TOKEN,
    });
  }

  // 2./5. COSE_Sign1 structure of each token; also decodes its claims map in place.
  private checkCose(token: 'platform' | 'realm'): void {
    const title = `${token} COSE_Sign1 structure`;
    const spec = token === 'platform' ? SPEC_PLATFORM : SPEC_REALM;
    if (!this.parts) {
      this.add({
        id: `${token}-cose`,
        title,
        status: 'skip',
        reason: 'the token structure could not be read',
        spec,
      });
      return;
    }
    const holder = token === 'platform' ? this.parts.platformBstr : this.parts.realmBstr;
    const walked = walkCbor(this.bytes, holder.headerEnd, holder.end);
    if (!walked.ok) {
      this.add({
        id: `${token}-cose`,
        title,
        status: 'fail',
        reason: `the ${token} token bytes are not well-formed CBOR: ${walked.error} (byte ${walked.offset})`,
        range: [walked.offset, Math.min(walked.offset + 1, holder.end)],
        path: token,
        spec,
      });
      return;
    }
    const parsed = parseCoseSign1(walked.item);
    if (!parsed.ok) {
      this.add({
        id: `${token}-cose`,
        title,
        status: 'fail',
        reason: parsed.error,
        range: parsed.range,
        path: token,
        spec,
      });
      return;
    }
    const sign1 = parsed.sign1;
    if (!sign1.tagged) {
      this.add({
        id: `${token}-cose`,
        title,
        status: 'fail',
        reason: `the ${token} token must be a COSE_Sign1_Tagged (first byte 0xD2, tag 18); this one is untagged`,
        range: [sign1.item.start, sign1.item.headerEnd],
        path: token,
        spec,
      });
      return;
    }
    const payload = sign1.payloadItem;
    const claims = walkCbor(this.bytes, payload.headerEnd, payload.end);
    if (!claims.ok || claims.item.kind !== 'map') {
      const why = claims.ok
        ? `is ${describeItem(claims.item)}, not a map`
        : `is not well-formed CBOR: ${claims.error} (byte ${claims.offset})`;
      this.add({
        id: `${token}-cose`,
        title,
        status: 'fail',
        reason: `the ${token} payload ${why}`,
        range: itemRange(payload),
        path: `${token}/payload`,
        spec,
      });
      return;
    }
    if (token === 'platform') {
      this.platformCose = sign1;
      this.platformClaims = { token, map: claims.item, path: 'platform/payload' };
    } else {
      this.realmCose = sign1;
      this.realmClaims = { token, map: claims.item, path: 'realm/payload' };
    }
    this.add({
      id: `${token}-cose`,
      title,
      status: 'pass',
      reason: `COSE_Sign1_Tagged, ${algName(sign1.alg)}, ${claims.item.entries.length} claims in a ${sign1.payload.length}-byte payload, ${sign1.signature.length}-byte signature`,
      range: itemRange(sign1.item),
      path: token,
      spec,
    });
  }

  // 3. Platform signature against the trust anchor.
  private checkPlatformSignature(): void {
    const title = 'platform signature (CPAK)';
    if (!this.platformCose) {
      this.add({
        id: 'platform-signature',
        title,
        status: 'skip',
        reason: 'the platform COSE_Sign1 could not be read',
        spec: SPEC_BINDING,
      });
      return;
    }
    const range = itemRange(this.platformCose.signatureItem);
    const cpak = this.options.cpak;
    if (!cpak) {
      this.add({
        id: 'platform-signature',
        title,
        status: 'skip',
        reason:
          'no trust anchor given: pass the CPAK (platform attestation public key) to check who signed the platform token',
        range,
        path: 'platform/signature',
        spec: SPEC_BINDING,
      });
      return;
    }
    const result = verifyCoseSign1(this.platformCose, cpak);
    this.add({
      id: 'platform-signature',
      title,
      status: result.ok ? 'pass' : 'fail',
      reason: result.ok
        ? `the platform token's ${algName(this.platformCose.alg)} signature verifies with the trusted ${cpak.crv} CPAK`
        : result.kind === 'mismatch'
          ? `${result.error}: the platform token was not signed by the trusted platform key, or was changed after signing`
          : result.error,
      range,
      path: 'platform/signature',
      spec: SPEC_BINDING,
    });
  }

  /** Runs a table of claim rules; each row becomes one report line. */
  private checkClaims<D>(
    set: ClaimSet | undefined,
    token: 'platform' | 'realm',
    rules: readonly ClaimRule<D>[],
    into: Filling<D>,
  ): void {
    if (!set) {
      this.add({
        id: `${token}-claim`,
        title: `${token} claims`,
        status: 'skip',
        reason: `the ${token} claims could not be read`,
        spec: token === 'platform' ? SPEC_PLATFORM : SPEC_REALM,
      });
      return;
    }
    runClaimRules(set, rules, into, (check) => this.add(check));
  }

  // 7. RAK decoding: COSE_Key if a realm profile is present, else a raw SEC1 point (§6.4 step 2).
  private checkRak(): void {
    const title = 'realm attestation key (44237)';
    const claim = { name: CCA_REALM_CLAIM_NAMES[CCA_REALM_PUBLIC_KEY]!, key: CCA_REALM_PUBLIC_KEY };
    const entry = this.realmClaims
      ? mapEntries(this.realmClaims.map, CCA_REALM_PUBLIC_KEY)[0]
      : undefined;
    if (!this.realm.publicKey || !entry) {
      this.add({
        id: 'rak',
        title,
        status: 'skip',
        reason: 'claim 44237 is missing or not a byte string',
        claim,
        spec: SPEC_BINDING,
      });
      return;
    }
    const value = entry.value;
    const range = entryRange(entry);
    const path = 'realm/payload/44237';
    const raw = this.realm.publicKey;
    const asCose = (): ReturnType<typeof coseKeyFromItem> => {
      const walked = walkCbor(this.bytes, value.headerEnd, value.end);
      return walked.ok
        ? coseKeyFromItem(walked.item)
        : { ok: false, error: `not well-formed CBOR: ${walked.error}` };
    };
    const hasProfile = this.realm.profile !== undefined;
    const result = hasProfile ? asCose() : decodeSec1Point(raw, 'P-384');
    if (result.ok) {
      this.rak = result.key;
      this.add({
        id: 'rak',
        title,
        status: 'pass',
        reason: hasProfile
          ? `a COSE_Key for a ${result.key.crv} key ${hexPreview(result.key.point)} (1.0-rel0 format, since the realm profile claim is present)`
          : `a raw ${raw.length}-byte ${result.key.crv} point ${hexPreview(raw)} (pre-rel0 format, since there is no realm profile claim)`,
        claim,
        range,
        path,
        spec: SPEC_BINDING,
      });
      return;
    }
    const other = hasProfile ? decodeSec1Point(raw, 'P-384') : asCose();
    const hint = other.ok
      ? hasProfile
        ? ' It is a raw SEC1 point, the pre-rel0 format; a token with a realm profile claim must carry a COSE_Key.'
        : ' It is a COSE_Key, the 1.0-rel0 format; verifiers read it as a COSE_Key only when the realm profile claim (265) is present.'
      : '';
    this.add({
      id: 'rak',
      title,
      status: 'fail',
      reason: `${result.error}.${hint}`,
      claim,
      range,
      path,
      spec: SPEC_BINDING,
    });
  }

  // 8. Realm signature with the RAK from claim 44237.
  private checkRealmSignature(): void {
    const title = 'realm signature (RAK)';
    if (!this.realmCose) {
      this.add({
        id: 'realm-signature',
        title,
        status: 'skip',
        reason: 'the realm COSE_Sign1 could not be read',
        spec: SPEC_BINDING,
      });
      return;
    }
    const range = itemRange(this.realmCose.signatureItem);
    if (!this.rak) {
      this.add({
        id: 'realm-signature',
        title,
        status: 'skip',
        reason: 'no usable key in claim 44237 to check the signature with',
        range,
        path: 'realm/signature',
        spec: SPEC_BINDING,
      });
      return;
    }
    const result = verifyCoseSign1(this.realmCose, this.rak);
    this.add({
      id: 'realm-signature',
      title,
      status: result.ok ? 'pass' : 'fail',
      reason: result.ok
        ? `the realm token's ${algName(this.realmCose.alg)} signature verifies with the key in claim 44237`
        : result.kind === 'mismatch'
          ? `${result.error}: the signature over the realm token doesn't verify with the key in claim 44237, so the realm claims were changed or signed by another key`
          : result.error,
      range,
      path: 'realm/signature',
      spec: SPEC_BINDING,
    });
  }

  // 9. Binding: platform challenge == Hash_{44240}(raw bytes of 44237).
  private checkBinding(): void {
    const title = 'binding (platform challenge = hash of the realm key)';
    const claim = {
      name: CCA_PLATFORM_CLAIM_NAMES[CCA_PLATFORM_CHALLENGE]!,
      key: CCA_PLATFORM_CHALLENGE,
    };
    const platformChallenge = this.platform.challenge;
    const key = this.realm.publicKey;
    const algo = this.realm.publicKeyHashAlgo;
    const entry = this.platformClaims
      ? mapEntries(this.platformClaims.map, CCA_PLATFORM_CHALLENGE)[0]
      : undefined;
    if (!platformChallenge || !key || !algo || !isHashAlgoName(algo) || !entry) {
      const missing = !platformChallenge
        ? 'platform challenge (10)'
        : !key
          ? 'realm public key (44237)'
          : 'realm public key hash algorithm (44240)';
      this.add({
        id: 'binding',
        title,
        status: 'skip',
        reason: `cannot compare: no usable ${missing}`,
        claim,
        spec: SPEC_BINDING,
      });
      return;
    }
    const expected = digest(algo, key);
    const range = entryRange(entry);
    const path = 'platform/payload/10';
    if (bytesEqual(expected, platformChallenge)) {
      this.add({
        id: 'binding',
        title,
        status: 'pass',
        reason: `the platform challenge equals ${algo}(claim 44237) = ${hexPreview(expected)}: the platform vouches for this realm attestation key`,
        claim,
        range,
        path,
        spec: SPEC_BINDING,
      });
      return;
    }
    const why =
      expected.length !== platformChallenge.length
        ? `the platform challenge is ${platformChallenge.length} bytes but ${algo} gives ${expected.length}`
        : `the platform challenge ${hexPreview(platformChallenge)} is not ${algo}(claim 44237) = ${hexPreview(expected)}`;
    this.add({
      id: 'binding',
      title,
      status: 'fail',
      reason: `${why}: the platform token was issued for a different realm attestation key (for example a static sample platform token), so nothing ties the realm token to this platform`,
      claim,
      range,
      path,
      spec: SPEC_BINDING,
    });
  }

  // 10. Freshness: realm challenge == the relying party's nonce.
  private checkFreshness(): void {
    const title = 'challenge freshness';
    const claim = { name: CCA_REALM_CLAIM_NAMES[CCA_REALM_CHALLENGE]!, key: CCA_REALM_CHALLENGE };
    const expected = this.options.challenge;
    const actual = this.realm.challenge;
    const range = this.realmEntryRange(CCA_REALM_CHALLENGE);
    const at = { claim, ...(range ? { range, path: 'realm/payload/10' } : {}), spec: SPEC_BINDING };
    if (!expected) {
      this.add({
        id: 'freshness',
        title,
        status: 'skip',
        reason:
          'no expected challenge given, so the token could be a replay; pass the nonce you sent to the realm',
        ...at,
      });
      return;
    }
    if (!actual) {
      this.add({
        id: 'freshness',
        title,
        status: 'skip',
        reason: 'the realm challenge claim is missing or malformed',
        ...at,
      });
      return;
    }
    const ok = bytesEqual(actual, expected);
    const pad =
      expected.length < CCA_REALM_CHALLENGE_SIZE
        ? ` (the realm challenge is always ${CCA_REALM_CHALLENGE_SIZE} bytes; pad a shorter nonce with zeros the way the realm did)`
        : '';
    this.add({
      id: 'freshness',
      title,
      status: ok ? 'pass' : 'fail',
      reason: ok
        ? 'the realm challenge equals the nonce the relying party sent'
        : `the realm challenge is not the nonce the relying party sent: ${difference(actual, expected)}${pad}`,
      ...at,
    });
  }

  private realmEntryRange(key: number): ByteRange | undefined {
    const entry = this.realmClaims ? mapEntries(this.realmClaims.map, key)[0] : undefined;
    return entry ? entryRange(entry) : undefined;
  }

  // 11-13. RIM, REMs, RPV against reference values.
  private checkReferenceValues(): void {
    const refs = this.options.referenceValues ?? {};
    const one = (
      id: 'rim' | 'rpv',
      key: number,
      title: string,
      actual: Uint8Array | undefined,
      expected: Uint8Array | undefined,
    ): void => {
      const claim = { name: CCA_REALM_CLAIM_NAMES[key]!, key };
      const range = this.realmEntryRange(key);
      const at = {
        claim,
        ...(range ? { range, path: `realm/payload/${key}` } : {}),
        spec: SPEC_REALM,
      };
      if (!expected) {
        this.add({ id, title, status: 'skip', reason: `no reference ${title} given`, ...at });
      } else if (!actual) {
        this.add({ id, title, status: 'skip', reason: 'the claim is missing or malformed', ...at });
      } else {
        const ok = bytesEqual(actual, expected);
        this.add({
          id,
          title,
          status: ok ? 'pass' : 'fail',
          reason: ok
            ? `matches the reference value ${hexPreview(expected)}`
            : `${title} does not match the reference: ${difference(actual, expected)}`,
          ...at,
        });
      }
    };
    one('rim', CCA_REALM_INITIAL_MEASUREMENT, 'RIM', this.realm.rim, refs.rim);

    const remClaim = {
      name: CCA_REALM_CLAIM_NAMES[CCA_REALM_EXTENSIBLE_MEASUREMENTS]!,
      key: CCA_REALM_EXTENSIBLE_MEASUREMENTS,
    };
    const remRange = this.realmEntryRange(CCA_REALM_EXTENSIBLE_MEASUREMENTS);
    const remAt = {
      claim: remClaim,
      ...(remRange ? { range: remRange, path: 'realm/payload/44239' } : {}),
      spec: SPEC_REALM,
    };
    const expectedRems = refs.rems;
    if (!expectedRems || expectedRems.every((r) => r === undefined)) {
      this.add({
        id: 'rems',
        title: 'REMs',
        status: 'skip',
        reason: 'no reference REMs given',
        ...remAt,
      });
    } else if (!this.realm.rems) {
      this.add({
        id: 'rems',
        title: 'REMs',
        status: 'skip',
        reason: 'the REM claim is missing or malformed',
        ...remAt,
      });
    } else {
      const bad = expectedRems.findIndex(
        (e, i) => e !== undefined && !bytesEqual(this.realm.rems![i] ?? new Uint8Array(0), e),
      );
      const compared = expectedRems.filter((e) => e !== undefined).length;
      if (bad < 0) {
        this.add({
          id: 'rems',
          title: 'REMs',
          status: 'pass',
          reason: `${compared} REM(s) match their reference values`,
          ...remAt,
        });
      } else {
        const item = this.realmClaims
          ? mapEntries(this.realmClaims.map, CCA_REALM_EXTENSIBLE_MEASUREMENTS)[0]?.value
          : undefined;
        const remItem = item?.kind === 'array' ? item.items[bad] : undefined;
        this.add({
          id: 'rems',
          title: 'REMs',
          status: 'fail',
          reason: `REM${bad} does not match the reference: ${difference(this.realm.rems[bad] ?? new Uint8Array(0), expectedRems[bad]!)}`,
          ...remAt,
          ...(remItem ? { range: itemRange(remItem), path: `realm/payload/44239/${bad}` } : {}),
        });
      }
    }
    one('rpv', CCA_REALM_PERSONALIZATION_VALUE, 'RPV', this.realm.rpv, refs.rpv);
  }

  // 14. Platform software components against reference values.
  private checkSwComponents(): void {
    const title = 'platform software components';
    const claim = {
      name: CCA_PLATFORM_CLAIM_NAMES[CCA_PLATFORM_SW_COMPONENTS]!,
      key: CCA_PLATFORM_SW_COMPONENTS,
    };
    const refs = this.options.referenceValues?.swComponents;
    const entry = this.platformClaims
      ? mapEntries(this.platformClaims.map, CCA_PLATFORM_SW_COMPONENTS)[0]
      : undefined;
    const at = {
      claim,
      ...(entry ? { range: entryRange(entry), path: 'platform/payload/2399' } : {}),
      spec: SPEC_PLATFORM,
    };
    const components = this.platform.swComponents;
    if (!refs) {
      this.add({
        id: 'sw-components',
        title,
        status: 'skip',
        reason: 'no reference values for the platform firmware given',
        ...at,
      });
      return;
    }
    if (!components) {
      this.add({
        id: 'sw-components',
        title,
        status: 'skip',
        reason: 'the sw components claim is missing or malformed',
        ...at,
      });
      return;
    }
    for (const [i, c] of components.entries()) {
      const known = refs.some(
        (r) =>
          c.measurement &&
          bytesEqual(r.measurement, c.measurement) &&
          (!r.signerId || (c.signerId && bytesEqual(r.signerId, c.signerId))) &&
          (r.type === undefined || r.type === c.type),
      );
      if (!known) {
        const label = c.type ? `"${c.type}"` : `${i}`;
        this.add({
          id: 'sw-components',
          title,
          status: 'fail',
          reason: `component ${label} (measurement ${hexPreview(c.measurement ?? new Uint8Array(0))}) matches no reference value: unknown or modified firmware`,
          claim,
          range: c.range,
          path: `platform/payload/2399/${i}`,
          spec: SPEC_PLATFORM,
        });
        return;
      }
    }
    this.add({
      id: 'sw-components',
      title,
      status: 'pass',
      reason: `all ${components.length} components match reference values`,
      ...at,
    });
  }

  // 15. Profiles and version.
  private checkProfiles(): void {
    const title = 'profiles and version';
    const problems: string[] = [];
    const notes: string[] = [];
    const pp = this.platform.profile;
    const rp = this.realm.profile;
    if (!this.platformClaims && !this.realmClaims) {
      this.add({
        id: 'profile',
        title,
        status: 'skip',
        reason: 'no claims could be read',
        spec: SPEC_TOKEN,
      });
      return;
    }
    if (pp === CCA_PLATFORM_PROFILE_1_0) notes.push(`platform profile ${pp}`);
    else if (pp === CCA_PLATFORM_PROFILE_LEGACY)
      notes.push(`legacy (EAC-era) platform profile ${pp}`);
    else if (pp !== undefined) problems.push(`unknown platform profile ${JSON.stringify(pp)}`);
    if (rp === CCA_REALM_PROFILE_1_0) notes.push(`realm profile ${rp} (RMM 1.0-rel0)`);
    else if (rp === undefined && this.realmClaims)
      notes.push('no realm profile: a pre-rel0 realm token');
    else if (rp === CCA_REALM_PROFILE_2_0)
      problems.push(`realm profile ${rp} is RMM 1.1's; this lab models RMM 1.0 claims`);
    else if (rp !== undefined) problems.push(`unknown realm profile ${JSON.stringify(rp)}`);
    if (this.parts?.form === '1.1') notes.push('tag 907 (RMM 1.1) wrapper');
    if (this.parts?.form === '1.0') notes.push('tag 399 (RMM 1.0) wrapper');
    const profileEntry = this.realmClaims
      ? mapEntries(this.realmClaims.map, CCA_REALM_PROFILE)[0]
      : undefined;
    const range = profileEntry ? entryRange(profileEntry) : undefined;
    this.add({
      id: 'profile',
      title,
      status: problems.length ? 'fail' : 'pass',
      reason: problems.length ? `${problems.join('; ')}` : notes.join('; '),
      ...(range ? { range, path: 'realm/payload/265' } : {}),
      spec: SPEC_TOKEN,
    });
  }
}

const GLYPH: Readonly<Record<CheckStatus, string>> = { pass: '✓', fail: '✗', skip: '–' };

/**
 * Renders a report for a terminal: one line per check (✓/✗/–, title, reason), then the
 * relying party's verdict in the lab's one vocabulary (verdict.ts) and the counts.
 */
export function formatReport(report: VerifierReport): string {
  const lines = report.checks.map((c) => {
    const bytes = c.range ? ` [bytes ${c.range[0]}..${c.range[1]})` : '';
    return `${GLYPH[c.status]} ${c.title}: ${c.reason}${bytes}`;
  });
  const verdict = verdictOf(report);
  return `${lines.join('\n')}\nVerdict: ${verdict.text}; ${countsText(verdict)}\n`;
}
