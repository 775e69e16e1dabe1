/**
 * The verifier's steps (cca-spec.md §6.4 verification recipe), in report order. Each step
 * reads the evidence gathered so far, may add what it decoded, and returns its check(s).
 *
 * Design rationale: a step that cannot run because an earlier one failed returns a skip that
 * names what is missing, so learners see the whole picture rather than the first error only.
 * The order follows Veraison's `Evidence.Verify` (platform signature, RAK, realm signature,
 * binding) with structure and claim checks before, and appraisal against the relying party's
 * nonce and reference values after. Signatures are checked over the original bytes (cose.ts).
 */
import { bytesEqual } from '../../../lib/bytes.ts';
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
} from '../../abi/token.ts';
import { decodeCcaWrapper, type CcaTokenParts } from '../cca-token.ts';
import { describeItem, mapEntries, walkCbor, type CborEntry } from '../cbor.ts';
import {
  algName,
  coseKeyFromItem,
  decodeSec1Point,
  parseCoseSign1,
  verifyCoseSign1,
  type CoseSign1,
  type EcPublicKey,
  type SignatureResult,
} from '../cose.ts';
import {
  PLATFORM_CLAIM_RULES,
  REALM_CLAIM_RULES,
  type DecodedPlatformClaims,
  type DecodedRealmClaims,
  type Filling,
} from '../claim-rules.ts';
import { digest, isHashAlgoName } from '../hash.ts';
import {
  SPEC_BINDING,
  SPEC_PLATFORM,
  SPEC_REALM,
  SPEC_TOKEN,
  checkOf,
  difference,
  entryRange,
  hexPreview,
  itemRange,
  type CheckAt,
  type VerifierCheck,
} from './check.ts';
import { claimSpec, runClaimRules, type ClaimSet, type TokenName } from './claims.ts';

/** Known-good platform software component. */
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

/** What the steps have read from the token so far; each step adds what it decodes. */
export interface Evidence {
  readonly bytes: Uint8Array;
  readonly options: VerifyOptions;
  parts?: CcaTokenParts;
  platformCose?: CoseSign1;
  realmCose?: CoseSign1;
  platformClaims?: ClaimSet;
  realmClaims?: ClaimSet;
  readonly platform: Filling<DecodedPlatformClaims>;
  readonly realm: Filling<DecodedRealmClaims>;
  rak?: EcPublicKey;
  /**
   * How the signature steps check a COSE_Sign1 (default {@link verifyCoseSign1}). The
   * asynchronous verifier passes a recorder here for its first pass (see `verifyCcaTokenAsync`).
   */
  readonly checkSignature?: (sign1: CoseSign1, key: EcPublicKey) => SignatureResult;
}

/** One step: its check, or one check per rule for the claim tables. */
export type Step = (ev: Evidence) => VerifierCheck | readonly VerifierCheck[];

const platformEntry = (ev: Evidence, key: number): CborEntry | undefined =>
  ev.platformClaims ? mapEntries(ev.platformClaims.map, key)[0] : undefined;
const realmEntry = (ev: Evidence, key: number): CborEntry | undefined =>
  ev.realmClaims ? mapEntries(ev.realmClaims.map, key)[0] : undefined;
const realmClaim = (key: number): CheckAt['claim'] => ({ name: CCA_REALM_CLAIM_NAMES[key]!, key });
const platformClaim = (key: number): CheckAt['claim'] => ({
  name: CCA_PLATFORM_CLAIM_NAMES[key]!,
  key,
});

/** Where a realm claim sits: its entry's bytes and path, when the claim is there. */
function realmClaimAt(ev: Evidence, key: number): CheckAt {
  const entry = realmEntry(ev, key);
  return {
    claim: realmClaim(key),
    ...(entry ? { range: entryRange(entry), path: `realm/payload/${key}` } : {}),
  };
}

/** 1. Collection wrapper (§6.1). */
const wrapper: Step = (ev) => {
  const c = checkOf('wrapper', 'token structure', SPEC_TOKEN, { path: 'token' });
  const decoded = decodeCcaWrapper(ev.bytes);
  if (!decoded.ok) return c.fail(decoded.error, { range: decoded.range });
  ev.parts = decoded.parts;
  return c.pass(
    decoded.parts.form === '1.0'
      ? 'tag 399 collection (RMM 1.0) holding a platform token (44234) and a realm token (44241)'
      : 'tag 907 collection (RMM 1.1 CMW form, entries [263, bstr]); this lab emits the RMM 1.0 tag 399 and reads both — the signed tokens inside are the same',
    { range: itemRange(decoded.parts.root) },
  );
};

/** 2./5. COSE_Sign1 structure of each token; also finds its claims map. */
const coseOf =
  (token: TokenName): Step =>
  (ev) => {
    const c = checkOf(`${token}-cose`, `${token} COSE_Sign1 structure`, claimSpec(token));
    if (!ev.parts) return c.skip('the token structure could not be read');
    const holder = token === 'platform' ? ev.parts.platformBstr : ev.parts.realmBstr;
    const walked = walkCbor(ev.bytes, holder.headerEnd, holder.end);
    if (!walked.ok) {
      return c.fail(
        `the ${token} token bytes are not well-formed CBOR: ${walked.error} (byte ${walked.offset})`,
        { range: [walked.offset, Math.min(walked.offset + 1, holder.end)], path: token },
      );
    }
    const parsed = parseCoseSign1(walked.item);
    if (!parsed.ok) return c.fail(parsed.error, { range: parsed.range, path: token });
    const sign1 = parsed.sign1;
    if (!sign1.tagged) {
      return c.fail(
        `the ${token} token must be a COSE_Sign1_Tagged (first byte 0xD2, tag 18); this one is untagged`,
        { range: [sign1.item.start, sign1.item.headerEnd], path: token },
      );
    }
    const payload = sign1.payloadItem;
    const claims = walkCbor(ev.bytes, payload.headerEnd, payload.end);
    if (!claims.ok || claims.item.kind !== 'map') {
      const why = claims.ok
        ? `is ${describeItem(claims.item)}, not a map`
        : `is not well-formed CBOR: ${claims.error} (byte ${claims.offset})`;
      return c.fail(`the ${token} payload ${why}`, {
        range: itemRange(payload),
        path: `${token}/payload`,
      });
    }
    const set: ClaimSet = { token, map: claims.item, path: `${token}/payload` };
    if (token === 'platform') {
      ev.platformCose = sign1;
      ev.platformClaims = set;
    } else {
      ev.realmCose = sign1;
      ev.realmClaims = set;
    }
    return c.pass(
      `COSE_Sign1_Tagged, ${algName(sign1.alg)}, ${claims.item.entries.length} claims in a ${sign1.payload.length}-byte payload, ${sign1.signature.length}-byte signature`,
      { range: itemRange(sign1.item), path: token },
    );
  };

/** 3. Platform signature against the trust anchor. */
const platformSignature: Step = (ev) => {
  const c = checkOf('platform-signature', 'platform signature (CPAK)', SPEC_BINDING);
  if (!ev.platformCose) return c.skip('the platform COSE_Sign1 could not be read');
  const at = { range: itemRange(ev.platformCose.signatureItem), path: 'platform/signature' };
  const cpak = ev.options.cpak;
  if (!cpak) {
    return c.skip(
      'no trust anchor given: pass the CPAK (platform attestation public key) to check who signed the platform token',
      at,
    );
  }
  const result = (ev.checkSignature ?? verifyCoseSign1)(ev.platformCose, cpak);
  if (result.ok) {
    return c.pass(
      `the platform token's ${algName(ev.platformCose.alg)} signature verifies with the trusted ${cpak.crv} CPAK`,
      at,
    );
  }
  return c.fail(
    result.kind === 'mismatch'
      ? `${result.error}: the platform token was not signed by the trusted platform key, or was changed after signing`
      : result.error,
    at,
  );
};

/** 4./6. The claim table of one token; each row becomes one report line. */
const claimsOf =
  (token: TokenName): Step =>
  (ev) => {
    const set = token === 'platform' ? ev.platformClaims : ev.realmClaims;
    if (!set) {
      const c = checkOf(`${token}-claim`, `${token} claims`, claimSpec(token));
      return c.skip(`the ${token} claims could not be read`);
    }
    return token === 'platform'
      ? runClaimRules(set, PLATFORM_CLAIM_RULES, ev.platform)
      : runClaimRules(set, REALM_CLAIM_RULES, ev.realm);
  };

/** 7. RAK decoding: COSE_Key if a realm profile is present, else a raw SEC1 point (§6.4 step 2). */
const rak: Step = (ev) => {
  const c = checkOf('rak', 'realm attestation key (44237)', SPEC_BINDING, {
    claim: realmClaim(CCA_REALM_PUBLIC_KEY),
  });
  if (!ev.realmClaims) return c.skip('the realm claims could not be read');
  const entry = realmEntry(ev, CCA_REALM_PUBLIC_KEY);
  const raw = ev.realm.publicKey;
  if (!raw || !entry) return c.skip('claim 44237 is missing or not a byte string');
  const value = entry.value;
  const at = { range: entryRange(entry), path: 'realm/payload/44237' };
  const asCose = (): ReturnType<typeof coseKeyFromItem> => {
    const walked = walkCbor(ev.bytes, value.headerEnd, value.end);
    return walked.ok
      ? coseKeyFromItem(walked.item)
      : { ok: false, error: `not well-formed CBOR: ${walked.error}` };
  };
  const hasProfile = ev.realm.profile !== undefined;
  const result = hasProfile ? asCose() : decodeSec1Point(raw, 'P-384');
  if (result.ok) {
    ev.rak = result.key;
    return c.pass(
      hasProfile
        ? `a COSE_Key for a ${result.key.crv} key ${hexPreview(result.key.point)} (1.0-rel0 format, since the realm profile claim is present)`
        : `a raw ${raw.length}-byte ${result.key.crv} point ${hexPreview(raw)} (pre-rel0 format, since there is no realm profile claim)`,
      at,
    );
  }
  const other = hasProfile ? decodeSec1Point(raw, 'P-384') : asCose();
  const hint = other.ok
    ? hasProfile
      ? ' It is a raw SEC1 point, the pre-rel0 format; a token with a realm profile claim must carry a COSE_Key.'
      : ' It is a COSE_Key, the 1.0-rel0 format; verifiers read it as a COSE_Key only when the realm profile claim (265) is present.'
    : '';
  return c.fail(`${result.error}.${hint}`, at);
};

/** 8. Realm signature with the RAK from claim 44237. */
const realmSignature: Step = (ev) => {
  const c = checkOf('realm-signature', 'realm signature (RAK)', SPEC_BINDING);
  if (!ev.realmCose) return c.skip('the realm COSE_Sign1 could not be read');
  const at = { range: itemRange(ev.realmCose.signatureItem), path: 'realm/signature' };
  if (!ev.rak) return c.skip('no usable key in claim 44237 to check the signature with', at);
  const result = (ev.checkSignature ?? verifyCoseSign1)(ev.realmCose, ev.rak);
  if (result.ok) {
    return c.pass(
      `the realm token's ${algName(ev.realmCose.alg)} signature verifies with the key in claim 44237`,
      at,
    );
  }
  return c.fail(
    result.kind === 'mismatch'
      ? `${result.error}: the signature over the realm token doesn't verify with the key in claim 44237, so the realm claims were changed or signed by another key`
      : result.error,
    at,
  );
};

/** 9. Binding: platform challenge == Hash_{44240}(raw bytes of 44237). */
const binding: Step = (ev) => {
  const c = checkOf(
    'binding',
    'binding (platform challenge = hash of the realm key)',
    SPEC_BINDING,
    {
      claim: platformClaim(CCA_PLATFORM_CHALLENGE),
    },
  );
  const platformChallenge = ev.platform.challenge;
  const key = ev.realm.publicKey;
  const algo = ev.realm.publicKeyHashAlgo;
  const entry = platformEntry(ev, CCA_PLATFORM_CHALLENGE);
  if (!platformChallenge || !key || !algo || !isHashAlgoName(algo) || !entry) {
    const missing = !platformChallenge
      ? 'platform challenge (10)'
      : !key
        ? 'realm public key (44237)'
        : 'realm public key hash algorithm (44240)';
    return c.skip(`cannot compare: no usable ${missing}`);
  }
  const expected = digest(algo, key);
  const at = { range: entryRange(entry), path: 'platform/payload/10' };
  if (bytesEqual(expected, platformChallenge)) {
    return c.pass(
      `the platform challenge equals ${algo}(claim 44237) = ${hexPreview(expected)}: the platform vouches for this realm attestation key`,
      at,
    );
  }
  const why =
    expected.length !== platformChallenge.length
      ? `the platform challenge is ${platformChallenge.length} bytes but ${algo} gives ${expected.length}`
      : `the platform challenge ${hexPreview(platformChallenge)} is not ${algo}(claim 44237) = ${hexPreview(expected)}`;
  return c.fail(
    `${why}: the platform token was issued for a different realm attestation key (for example a static sample platform token), so nothing ties the realm token to this platform`,
    at,
  );
};

/** 10. Freshness: realm challenge == the relying party's nonce. */
const freshness: Step = (ev) => {
  const c = checkOf(
    'freshness',
    'challenge freshness',
    SPEC_BINDING,
    realmClaimAt(ev, CCA_REALM_CHALLENGE),
  );
  const expected = ev.options.challenge;
  const actual = ev.realm.challenge;
  if (!expected) {
    return c.skip(
      'no expected challenge given, so the token could be a replay; pass the nonce you sent to the realm',
    );
  }
  if (!actual) return c.skip('the realm challenge claim is missing or malformed');
  const pad =
    expected.length < CCA_REALM_CHALLENGE_SIZE
      ? ` (the realm challenge is always ${CCA_REALM_CHALLENGE_SIZE} bytes; pad a shorter nonce with zeros the way the realm did)`
      : '';
  return c.either(
    bytesEqual(actual, expected),
    'the realm challenge equals the nonce the relying party sent',
    `the realm challenge is not the nonce the relying party sent: ${difference(actual, expected)}${pad}`,
  );
};

/** 11./13. A single realm measurement (RIM, RPV) against its reference value. */
const measurement =
  (id: 'rim' | 'rpv', key: number, title: string, field: 'rim' | 'rpv'): Step =>
  (ev) => {
    const c = checkOf(id, title, SPEC_REALM, realmClaimAt(ev, key));
    const expected = ev.options.referenceValues?.[field];
    const actual = ev.realm[field];
    if (!expected) return c.skip(`no reference ${title} given`);
    if (!actual) return c.skip('the claim is missing or malformed');
    return c.either(
      bytesEqual(actual, expected),
      `matches the reference value ${hexPreview(expected)}`,
      `${title} does not match the reference: ${difference(actual, expected)}`,
    );
  };

/** 12. REMs against the reference REMs given (an undefined one is not compared). */
const rems: Step = (ev) => {
  const key = CCA_REALM_EXTENSIBLE_MEASUREMENTS;
  const c = checkOf('rems', 'REMs', SPEC_REALM, realmClaimAt(ev, key));
  const expected = ev.options.referenceValues?.rems;
  const actual = ev.realm.rems;
  if (!expected || expected.every((r) => r === undefined)) return c.skip('no reference REMs given');
  if (!actual) return c.skip('the REM claim is missing or malformed');
  const empty = new Uint8Array(0);
  const bad = expected.findIndex((e, i) => e !== undefined && !bytesEqual(actual[i] ?? empty, e));
  if (bad < 0) {
    const compared = expected.filter((e) => e !== undefined).length;
    return c.pass(`${compared} REM(s) match their reference values`);
  }
  const item = realmEntry(ev, key)?.value;
  const remItem = item?.kind === 'array' ? item.items[bad] : undefined;
  return c.fail(
    `REM${bad} does not match the reference: ${difference(actual[bad] ?? empty, expected[bad]!)}`,
    remItem ? { range: itemRange(remItem), path: `realm/payload/${key}/${bad}` } : {},
  );
};

/** 14. Platform software components against reference values. */
const swComponents: Step = (ev) => {
  const entry = platformEntry(ev, CCA_PLATFORM_SW_COMPONENTS);
  const c = checkOf('sw-components', 'platform software components', SPEC_PLATFORM, {
    claim: platformClaim(CCA_PLATFORM_SW_COMPONENTS),
    ...(entry ? { range: entryRange(entry), path: 'platform/payload/2399' } : {}),
  });
  const refs = ev.options.referenceValues?.swComponents;
  const components = ev.platform.swComponents;
  if (!refs) return c.skip('no reference values for the platform firmware given');
  if (!components) return c.skip('the sw components claim is missing or malformed');
  const unknown = components.findIndex(
    (sw) =>
      !refs.some(
        (r) =>
          sw.measurement &&
          bytesEqual(r.measurement, sw.measurement) &&
          (!r.signerId || (sw.signerId && bytesEqual(r.signerId, sw.signerId))) &&
          (r.type === undefined || r.type === sw.type),
      ),
  );
  if (unknown < 0) return c.pass(`all ${components.length} components match reference values`);
  const sw = components[unknown]!;
  const label = sw.type ? `"${sw.type}"` : `${unknown}`;
  return c.fail(
    `component ${label} (measurement ${hexPreview(sw.measurement ?? new Uint8Array(0))}) matches no reference value: unknown or modified firmware`,
    { range: sw.range, path: `platform/payload/2399/${unknown}` },
  );
};

/** 15. Profiles and version. */
const profiles: Step = (ev) => {
  const entry = realmEntry(ev, CCA_REALM_PROFILE);
  const c = checkOf(
    'profile',
    'profiles and version',
    SPEC_TOKEN,
    entry ? { range: entryRange(entry), path: 'realm/payload/265' } : {},
  );
  if (!ev.platformClaims && !ev.realmClaims) return c.skip('no claims could be read');
  const problems: string[] = [];
  const notes: string[] = [];
  const pp = ev.platform.profile;
  const rp = ev.realm.profile;
  if (pp === CCA_PLATFORM_PROFILE_1_0) notes.push(`platform profile ${pp}`);
  else if (pp === CCA_PLATFORM_PROFILE_LEGACY)
    notes.push(`legacy (EAC-era) platform profile ${pp}`);
  else if (pp !== undefined) problems.push(`unknown platform profile ${JSON.stringify(pp)}`);
  if (rp === CCA_REALM_PROFILE_1_0) notes.push(`realm profile ${rp} (RMM 1.0-rel0)`);
  else if (rp === undefined && ev.realmClaims)
    notes.push('no realm profile: a pre-rel0 realm token');
  else if (rp === CCA_REALM_PROFILE_2_0)
    problems.push(`realm profile ${rp} is RMM 1.1's; this lab models RMM 1.0 claims`);
  else if (rp !== undefined) problems.push(`unknown realm profile ${JSON.stringify(rp)}`);
  if (ev.parts?.form === '1.1') notes.push('tag 907 (RMM 1.1) wrapper');
  if (ev.parts?.form === '1.0') notes.push('tag 399 (RMM 1.0) wrapper');
  return c.either(problems.length === 0, notes.join('; '), problems.join('; '));
};

/** The verifier, in report order. */
export const STEPS: readonly Step[] = [
  wrapper,
  coseOf('platform'),
  platformSignature,
  claimsOf('platform'),
  coseOf('realm'),
  claimsOf('realm'),
  rak,
  realmSignature,
  binding,
  freshness,
  measurement('rim', CCA_REALM_INITIAL_MEASUREMENT, 'RIM', 'rim'),
  rems,
  measurement('rpv', CCA_REALM_PERSONALIZATION_VALUE, 'RPV', 'rpv'),
  swComponents,
  profiles,
];
