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
  CCA_PLATFORM_CONFIG,
  CCA_PLATFORM_HASH_ALGO_ID,
  CCA_PLATFORM_IMPLEMENTATION_ID,
  CCA_PLATFORM_IMPLEMENTATION_ID_SIZE,
  CCA_PLATFORM_INSTANCE_ID,
  CCA_PLATFORM_INSTANCE_ID_SIZE,
  CCA_PLATFORM_INSTANCE_ID_TYPE_RAND,
  CCA_PLATFORM_LIFECYCLE,
  CCA_PLATFORM_LIFECYCLE_STATES,
  CCA_PLATFORM_PROFILE,
  CCA_PLATFORM_PROFILE_1_0,
  CCA_PLATFORM_PROFILE_LEGACY,
  CCA_PLATFORM_SW_COMPONENTS,
  CCA_PLATFORM_VERIFICATION_SERVICE,
  CCA_REALM_CHALLENGE,
  CCA_REALM_CHALLENGE_SIZE,
  CCA_REALM_CLAIM_NAMES,
  CCA_REALM_EXTENSIBLE_MEASUREMENTS,
  CCA_REALM_EXTENSIBLE_MEASUREMENTS_COUNT,
  CCA_REALM_HASH_ALGO_ID,
  CCA_REALM_INITIAL_MEASUREMENT,
  CCA_REALM_PERSONALIZATION_VALUE,
  CCA_REALM_PERSONALIZATION_VALUE_SIZE,
  CCA_REALM_PROFILE,
  CCA_REALM_PROFILE_1_0,
  CCA_REALM_PROFILE_2_0,
  CCA_REALM_PUBLIC_KEY,
  CCA_REALM_PUBLIC_KEY_HASH_ALGO_ID,
  CCA_SW_COMPONENT_HASH_ALGO_ID,
  CCA_SW_COMPONENT_MEASUREMENT_VALUE,
  CCA_SW_COMPONENT_SIGNER_ID,
  CCA_SW_COMPONENT_TYPE,
  CCA_SW_COMPONENT_VERSION,
  HASH_ALGO_SHA_256,
  HASH_ALGO_SHA_512,
} from '../abi/token.ts';
import { decodeCcaWrapper, type CcaTokenForm, type CcaTokenParts } from './cca-token.ts';
import {
  describeItem,
  intOf,
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
import { digest, isHashAlgoName } from './hash.ts';
import { inspectToken, type TokenNode } from './inspect.ts';

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

/** Realm claims as decoded (each present only if it had the right type). */
export interface DecodedRealmClaims {
  readonly challenge?: Uint8Array;
  readonly rpv?: Uint8Array;
  readonly rim?: Uint8Array;
  readonly rems?: readonly Uint8Array[];
  readonly hashAlgo?: string;
  /** Raw bytes of claim 44237. */
  readonly publicKey?: Uint8Array;
  readonly publicKeyHashAlgo?: string;
  readonly profile?: string;
}

/** A decoded platform sw component. */
export interface DecodedSwComponent {
  readonly type?: string;
  readonly measurement?: Uint8Array;
  readonly version?: string;
  readonly signerId?: Uint8Array;
  readonly hashAlgo?: string;
  readonly range: ByteRange;
}

/** Platform claims as decoded (each present only if it had the right type). */
export interface DecodedPlatformClaims {
  readonly profile?: string;
  readonly challenge?: Uint8Array;
  readonly implementationId?: Uint8Array;
  readonly instanceId?: Uint8Array;
  readonly config?: Uint8Array;
  readonly lifecycle?: number;
  readonly swComponents?: readonly DecodedSwComponent[];
  readonly verificationService?: string;
  readonly hashAlgo?: string;
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

class Verification {
  private readonly checks: VerifierCheck[] = [];
  private parts: CcaTokenParts | undefined;
  private platformCose: CoseSign1 | undefined;
  private realmCose: CoseSign1 | undefined;
  private platformClaims: ClaimSet | undefined;
  private realmClaims: ClaimSet | undefined;
  private readonly platform: {
    -readonly [K in keyof DecodedPlatformClaims]: DecodedPlatformClaims[K];
  } = {};
  private readonly realm: { -readonly [K in keyof DecodedRealmClaims]: DecodedRealmClaims[K] } = {};
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
    this.checkPlatformClaims();
    this.checkCose('realm');
    this.checkRealmClaims();
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

  /** Looks up a claim; reports missing/duplicate/wrongly typed values as failed checks. */
  private claimCheck(
    set: ClaimSet,
    key: number,
    validate: (value: CborItem) => { ok: boolean; reason: string },
    optional = false,
  ): CborEntry | undefined {
    const names = set.token === 'platform' ? CCA_PLATFORM_CLAIM_NAMES : CCA_REALM_CLAIM_NAMES;
    const name = names[key] ?? `claim ${key}`;
    const base = {
      id: `${set.token}-claim` as const,
      title: `${name} (${key})`,
      claim: { name, key },
      spec: set.token === 'platform' ? SPEC_PLATFORM : SPEC_REALM,
    };
    const found = mapEntries(set.map, key);
    if (found.length === 0) {
      if (optional) return undefined;
      this.add({
        ...base,
        status: 'fail',
        reason: `mandatory claim missing from the ${set.token} token`,
        range: [set.map.start, set.map.headerEnd],
        path: set.path,
      });
      return undefined;
    }
    const entry = found[0]!;
    const path = `${set.path}/${key}`;
    if (found.length > 1) {
      this.add({
        ...base,
        status: 'fail',
        reason: `the claim appears ${found.length} times; a claims map must not repeat a key`,
        range: entryRange(found[1]!),
        path,
      });
      return undefined;
    }
    const verdict = validate(entry.value);
    this.add({
      ...base,
      status: verdict.ok ? 'pass' : 'fail',
      reason: verdict.reason,
      range: entryRange(entry),
      path,
    });
    return verdict.ok ? entry : undefined;
  }

  // 4. Platform claims (§6.3).
  private checkPlatformClaims(): void {
    const set = this.platformClaims;
    if (!set) {
      this.add({
        id: 'platform-claim',
        title: 'platform claims',
        status: 'skip',
        reason: 'the platform claims could not be read',
        spec: SPEC_PLATFORM,
      });
      return;
    }
    const p = this.platform;
    const text = (v: CborItem, what: string) =>
      v.kind === 'tstr'
        ? { ok: true, reason: JSON.stringify(v.value) }
        : { ok: false, reason: `${what} must be a text string; found ${describeItem(v)}` };
    const profile = this.claimCheck(set, CCA_PLATFORM_PROFILE, (v) => text(v, 'the profile'));
    if (profile?.value.kind === 'tstr') p.profile = profile.value.value;
    const challenge = this.claimCheck(set, CCA_PLATFORM_CHALLENGE, (v) =>
      v.kind === 'bstr' && [32, 48, 64].includes(v.value.length)
        ? {
            ok: true,
            reason: `${v.value.length} bytes ${hexPreview(v.value)} (the hash of the RAK, checked under "binding")`,
          }
        : {
            ok: false,
            reason: `must be a 32, 48 or 64-byte hash of the realm attestation key; found ${describeItem(v)}`,
          },
    );
    if (challenge?.value.kind === 'bstr') p.challenge = challenge.value.value;
    const implId = this.claimCheck(set, CCA_PLATFORM_IMPLEMENTATION_ID, (v) =>
      v.kind === 'bstr' && v.value.length === CCA_PLATFORM_IMPLEMENTATION_ID_SIZE
        ? {
            ok: true,
            reason: `${hexPreview(v.value)} names the platform implementation (the verifier looks up the trust anchor by it)`,
          }
        : {
            ok: false,
            reason: `must be a ${CCA_PLATFORM_IMPLEMENTATION_ID_SIZE}-byte string; found ${describeItem(v)}`,
          },
    );
    if (implId?.value.kind === 'bstr') p.implementationId = implId.value.value;
    const instId = this.claimCheck(set, CCA_PLATFORM_INSTANCE_ID, (v) =>
      v.kind === 'bstr' &&
      v.value.length === CCA_PLATFORM_INSTANCE_ID_SIZE &&
      v.value[0] === CCA_PLATFORM_INSTANCE_ID_TYPE_RAND
        ? { ok: true, reason: `UEID ${hexPreview(v.value)} identifies this platform instance` }
        : {
            ok: false,
            reason: `must be a ${CCA_PLATFORM_INSTANCE_ID_SIZE}-byte UEID starting 0x01; found ${describeItem(v)}${v.kind === 'bstr' ? ` starting 0x${toHex(v.value.subarray(0, 1))}` : ''}`,
          },
    );
    if (instId?.value.kind === 'bstr') p.instanceId = instId.value.value;
    const config = this.claimCheck(set, CCA_PLATFORM_CONFIG, (v) =>
      v.kind === 'bstr'
        ? { ok: true, reason: `${v.value.length} bytes of system properties` }
        : { ok: false, reason: `must be a byte string; found ${describeItem(v)}` },
    );
    if (config?.value.kind === 'bstr') p.config = config.value.value;
    const lifecycle = this.claimCheck(set, CCA_PLATFORM_LIFECYCLE, (v) => {
      const n = v.kind === 'uint' ? intOf(v) : undefined;
      if (n === undefined || n > 0xffff)
        return { ok: false, reason: `must be an unsigned 16-bit value; found ${describeItem(v)}` };
      const state = CCA_PLATFORM_LIFECYCLE_STATES[n >> 8];
      const shown = `0x${n.toString(16).padStart(4, '0')}`;
      if (!state) return { ok: false, reason: `${shown} is not in any defined lifecycle range` };
      if (state !== 'secured')
        return {
          ok: false,
          reason: `${shown} means "${state}": only a platform in the secured state (0x3000-0x30FF) can be trusted`,
        };
      return { ok: true, reason: `${shown}: secured` };
    });
    if (lifecycle) p.lifecycle = intOf(lifecycle.value);
    const sw = this.claimCheck(set, CCA_PLATFORM_SW_COMPONENTS, (v) =>
      this.validateSwComponents(v),
    );
    if (sw?.value.kind === 'array') p.swComponents = sw.value.items.map(decodeSwComponent);
    const service = this.claimCheck(
      set,
      CCA_PLATFORM_VERIFICATION_SERVICE,
      (v) => text(v, 'the verification service'),
      true,
    );
    if (service?.value.kind === 'tstr') p.verificationService = service.value.value;
    const hash = this.claimCheck(set, CCA_PLATFORM_HASH_ALGO_ID, (v) =>
      text(v, 'the hash algorithm id'),
    );
    if (hash?.value.kind === 'tstr') p.hashAlgo = hash.value.value;
  }

  private validateSwComponents(v: CborItem): { ok: boolean; reason: string } {
    if (v.kind !== 'array' || v.items.length === 0) {
      return {
        ok: false,
        reason: `must be a non-empty array of component maps; found ${describeItem(v)}`,
      };
    }
    for (const [i, c] of v.items.entries()) {
      if (c.kind !== 'map')
        return { ok: false, reason: `component ${i} must be a map; found ${describeItem(c)}` };
      const m = mapEntries(c, CCA_SW_COMPONENT_MEASUREMENT_VALUE)[0]?.value;
      const s = mapEntries(c, CCA_SW_COMPONENT_SIGNER_ID)[0]?.value;
      if (m?.kind !== 'bstr' || m.value.length < 32) {
        return {
          ok: false,
          reason: `component ${i} needs a measurement-value (2) of at least 32 bytes`,
        };
      }
      if (s?.kind !== 'bstr')
        return { ok: false, reason: `component ${i} needs a signer-id (5) byte string` };
    }
    return {
      ok: true,
      reason: `${v.items.length} measured component(s), each with a measurement and a signer id`,
    };
  }

  // 6. Realm claims (§6.2).
  private checkRealmClaims(): void {
    const set = this.realmClaims;
    if (!set) {
      this.add({
        id: 'realm-claim',
        title: 'realm claims',
        status: 'skip',
        reason: 'the realm claims could not be read',
        spec: SPEC_REALM,
      });
      return;
    }
    const r = this.realm;
    const bytesOf = (size: number) => (v: CborItem) =>
      v.kind === 'bstr' && v.value.length === size
        ? { ok: true, reason: `${size} bytes ${hexPreview(v.value)}` }
        : { ok: false, reason: `must be exactly ${size} bytes; found ${describeItem(v)}` };
    const measurement = (v: CborItem) =>
      v.kind === 'bstr' && [32, 48, 64].includes(v.value.length)
        ? { ok: true, reason: `${v.value.length} bytes ${hexPreview(v.value)}` }
        : { ok: false, reason: `must be a 32, 48 or 64-byte digest; found ${describeItem(v)}` };
    const challenge = this.claimCheck(set, CCA_REALM_CHALLENGE, bytesOf(CCA_REALM_CHALLENGE_SIZE));
    if (challenge?.value.kind === 'bstr') r.challenge = challenge.value.value;
    const rpv = this.claimCheck(
      set,
      CCA_REALM_PERSONALIZATION_VALUE,
      bytesOf(CCA_REALM_PERSONALIZATION_VALUE_SIZE),
    );
    if (rpv?.value.kind === 'bstr') r.rpv = rpv.value.value;
    const key = this.claimCheck(set, CCA_REALM_PUBLIC_KEY, (v) =>
      v.kind === 'bstr' && v.definite
        ? { ok: true, reason: `${v.value.length} bytes (decoded under "realm attestation key")` }
        : { ok: false, reason: `must be a byte string; found ${describeItem(v)}` },
    );
    if (key?.value.kind === 'bstr') r.publicKey = key.value.value;
    const hash = this.claimCheck(set, CCA_REALM_HASH_ALGO_ID, (v) =>
      v.kind === 'tstr' && (v.value === HASH_ALGO_SHA_256 || v.value === HASH_ALGO_SHA_512)
        ? { ok: true, reason: `"${v.value}": the realm's measurements use this hash` }
        : {
            ok: false,
            reason: `must be "sha-256" or "sha-512" (the realm hash algorithms of RMM 1.0); found ${describeItem(v)}`,
          },
    );
    if (hash?.value.kind === 'tstr') r.hashAlgo = hash.value.value;
    const keyHash = this.claimCheck(set, CCA_REALM_PUBLIC_KEY_HASH_ALGO_ID, (v) =>
      v.kind === 'tstr' && isHashAlgoName(v.value)
        ? {
            ok: true,
            reason: `"${v.value}": the platform challenge must be this hash of claim 44237`,
          }
        : {
            ok: false,
            reason: `must name a hash the verifier can compute ("sha-256", "sha-384", "sha-512"); found ${describeItem(v)}`,
          },
    );
    if (keyHash?.value.kind === 'tstr') r.publicKeyHashAlgo = keyHash.value.value;
    const profile = this.claimCheck(
      set,
      CCA_REALM_PROFILE,
      (v) =>
        v.kind === 'tstr'
          ? { ok: true, reason: JSON.stringify(v.value) }
          : { ok: false, reason: `must be a text string; found ${describeItem(v)}` },
      true,
    );
    if (profile?.value.kind === 'tstr') r.profile = profile.value.value;
    const rim = this.claimCheck(set, CCA_REALM_INITIAL_MEASUREMENT, measurement);
    if (rim?.value.kind === 'bstr') r.rim = rim.value.value;
    const rems = this.claimCheck(set, CCA_REALM_EXTENSIBLE_MEASUREMENTS, (v) => {
      if (v.kind !== 'array' || v.items.length !== CCA_REALM_EXTENSIBLE_MEASUREMENTS_COUNT) {
        return {
          ok: false,
          reason: `must be an array of exactly ${CCA_REALM_EXTENSIBLE_MEASUREMENTS_COUNT} digests; found ${describeItem(v)}`,
        };
      }
      const bad = v.items.findIndex((i) => !measurement(i).ok);
      return bad >= 0
        ? {
            ok: false,
            reason: `REM${bad} must be a 32, 48 or 64-byte digest; found ${describeItem(v.items[bad]!)}`,
          }
        : {
            ok: true,
            reason: `4 REMs of ${(v.items[0] as { value: Uint8Array }).value.length} bytes`,
          };
    });
    if (rems?.value.kind === 'array')
      r.rems = rems.value.items.map((i) => (i as { value: Uint8Array }).value);
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

function decodeSwComponent(item: CborItem): DecodedSwComponent {
  const get = (key: number): CborItem | undefined => mapEntries(item, key)[0]?.value;
  const text = (i: CborItem | undefined): string | undefined =>
    i?.kind === 'tstr' ? i.value : undefined;
  const bin = (i: CborItem | undefined): Uint8Array | undefined =>
    i?.kind === 'bstr' ? i.value : undefined;
  const out: { -readonly [K in keyof DecodedSwComponent]: DecodedSwComponent[K] } = {
    range: itemRange(item),
  };
  const type = text(get(CCA_SW_COMPONENT_TYPE));
  const measurement = bin(get(CCA_SW_COMPONENT_MEASUREMENT_VALUE));
  const version = text(get(CCA_SW_COMPONENT_VERSION));
  const signerId = bin(get(CCA_SW_COMPONENT_SIGNER_ID));
  const hashAlgo = text(get(CCA_SW_COMPONENT_HASH_ALGO_ID));
  if (type !== undefined) out.type = type;
  if (measurement) out.measurement = measurement;
  if (version !== undefined) out.version = version;
  if (signerId) out.signerId = signerId;
  if (hashAlgo !== undefined) out.hashAlgo = hashAlgo;
  return out;
}

const GLYPH: Readonly<Record<CheckStatus, string>> = { pass: '✓', fail: '✗', skip: '–' };

/** Renders a report for a terminal: one line per check (✓/✗/–, title, reason), then the verdict. */
export function formatReport(report: VerifierReport): string {
  const lines = report.checks.map((c) => {
    const bytes = c.range ? ` [bytes ${c.range[0]}..${c.range[1]})` : '';
    return `${GLYPH[c.status]} ${c.title}: ${c.reason}${bytes}`;
  });
  const counts = (s: CheckStatus): number => report.checks.filter((c) => c.status === s).length;
  const verdict =
    report.verdict === 'pass'
      ? 'VERIFIED: every check passed'
      : report.verdict === 'fail'
        ? `NOT VERIFIED: ${counts('fail')} check(s) failed`
        : `NO FAILURES, but ${counts('skip')} check(s) skipped (give the missing inputs to complete them)`;
  return `${lines.join('\n')}\n${verdict} (${counts('pass')} passed, ${counts('fail')} failed, ${counts('skip')} skipped)\n`;
}
