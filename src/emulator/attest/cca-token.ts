/**
 * The CCA attestation token (RMM 1.0-rel0, DEN0137 A7.2.3; cca-spec.md §6.1, §6.4): the tag
 * 399 collection {44234: bstr(platform COSE_Sign1_Tagged), 44241: bstr(realm
 * COSE_Sign1_Tagged)}, built the way TF-RMM does, and the wrapper decoder that also reads
 * the RMM 1.1 CMW form (tag 907, entries `[263, bstr]`).
 */
import {
  CCA_CMW_COLLECTION_TAG,
  CCA_PLATFORM_TOKEN,
  CCA_REALM_DELEGATED_TOKEN,
  CCA_TOKEN_COLLECTION_TAG,
  COAP_CONTENT_FORMAT_EAT_CWT,
  HASH_ALGO_SHA_256,
} from '../abi/token.ts';
import {
  describeItem,
  encodeCbor,
  intOf,
  mapEntries,
  taggedValue,
  walkCbor,
  type ByteRange,
  type CborEntry,
  type CborItem,
} from './cbor.ts';
import {
  encodeCoseKey,
  privateKeyFromScalar,
  type EcPrivateKey,
  type EcPublicKey,
} from './cose.ts';
import { digest, type HashAlgoName, type RealmHashAlgo } from './hash.ts';
import { FVP_SAMPLE_RAK } from './keys.ts';
import { getPlatformToken, getRealmAttestKey } from './platform-token.ts';
import { buildRealmToken, realmClaimsProblem } from './realm-token.ts';

/** What the RMM supplies for one RSI_ATTESTATION_TOKEN_INIT/CONTINUE sequence. */
export interface CcaTokenInput {
  /** The realm's 64-byte challenge (X1..X8 of RSI_ATTESTATION_TOKEN_INIT). */
  readonly challenge: Uint8Array;
  /** RmiRealmParams.rpv, 64 bytes. */
  readonly rpv: Uint8Array;
  /** RIM; only the first digest-size bytes are used (32 for sha-256). */
  readonly rim: Uint8Array;
  /** REM0..REM3; significant bytes as for the RIM. */
  readonly rems: readonly Uint8Array[];
  /** The realm hash algorithm. */
  readonly hashAlgo: RealmHashAlgo;
  /** The RAK: a key pair or the 48-byte P-384 scalar from EL3. Default: the FVP sample RAK. */
  readonly rak?: EcPrivateKey | Uint8Array;
  /**
   * The platform token exactly as EL3 returned it (COSE_Sign1_Tagged). Default: the lab
   * platform token for SHA-256 of the RAK's COSE_Key, signed with the test CPAK.
   */
  readonly platform?: Uint8Array;
}

/**
 * The platform challenge that binds a RAK: hash of its COSE_Key encoding (cca-spec.md §6.4).
 * TF-RMM uses sha-256 (c_size 32).
 */
export function rakBindingChallenge(
  rak: EcPublicKey,
  algo: HashAlgoName = HASH_ALGO_SHA_256,
): Uint8Array {
  return digest(algo, encodeCoseKey(rak));
}

/** The EL3 attestation services the RMM calls at boot (cca-spec.md §1.3). */
export interface El3AttestationServices {
  /** RMM_ATTEST_GET_REALM_KEY: the RAK private scalar (P-384, 48 bytes). */
  readonly getRealmAttestKey: () => Uint8Array;
  /** RMM_ATTEST_GET_PLAT_TOKEN: the platform token for a challenge (hash of the RAK). */
  readonly getPlatformToken: (challenge: Uint8Array) => Uint8Array;
}

/** What the RMM caches after attestation init: the RAK and the one platform token. */
export interface RmmAttestationContext {
  readonly rak: EcPrivateKey;
  /** The RAK public key as it goes into claim 44237 (107-byte COSE_Key). */
  readonly rakCoseKey: Uint8Array;
  /** The platform token exactly as EL3 returned it, embedded unchanged in every CCA token. */
  readonly platformToken: Uint8Array;
}

/**
 * RMM attestation init, as TF-RMM's attestation_key.c does at boot: fetch the RAK from EL3,
 * encode its public key as a COSE_Key, and ask EL3 once for the platform token with
 * challenge = SHA-256(COSE_Key). Pass the result's `rak` and `platformToken` to
 * `buildCcaToken` for every RSI_ATTESTATION_TOKEN_INIT. Defaults to the lab's EL3.
 */
export function initRmmAttestation(
  el3: El3AttestationServices = { getRealmAttestKey, getPlatformToken },
): RmmAttestationContext {
  const rak = privateKeyFromScalar(el3.getRealmAttestKey(), 'P-384');
  const rakCoseKey = encodeCoseKey(rak);
  const platformToken = el3.getPlatformToken(digest(HASH_ALGO_SHA_256, rakCoseKey));
  return { rak, rakCoseKey, platformToken };
}

/** Returns why `input` cannot make a token, or undefined if it can. */
export function ccaTokenInputProblem(input: CcaTokenInput): string | undefined {
  if (input.rak instanceof Uint8Array && input.rak.length !== 48) {
    return `the RAK scalar must be 48 bytes (P-384), got ${input.rak.length}`;
  }
  return realmClaimsProblem({ ...input, rakPublicKey: new Uint8Array(0) });
}

/**
 * Builds a CCA token the way TF-RMM 1.0-rel0 does: realm claims signed by the RAK, the cached
 * platform token embedded unchanged, both wrapped in the tag 399 collection. Deterministic.
 * Throws RangeError only on an emulator bug (inputs `ccaTokenInputProblem` rejects).
 */
export function buildCcaToken(input: CcaTokenInput): Uint8Array {
  const problem = ccaTokenInputProblem(input);
  if (problem) throw new RangeError(`CCA token: ${problem}`);
  const rak =
    input.rak === undefined
      ? FVP_SAMPLE_RAK
      : input.rak instanceof Uint8Array
        ? privateKeyFromScalar(input.rak, 'P-384')
        : input.rak;
  const rakCoseKey = encodeCoseKey(rak);
  const platform = input.platform ?? getPlatformToken(digest(HASH_ALGO_SHA_256, rakCoseKey));
  const realm = buildRealmToken(
    {
      challenge: input.challenge,
      rpv: input.rpv,
      rim: input.rim,
      rems: input.rems,
      hashAlgo: input.hashAlgo,
      rakPublicKey: rakCoseKey,
      rakHashAlgo: HASH_ALGO_SHA_256,
    },
    rak,
  );
  return wrapCcaToken(platform, realm);
}

/** The two collection forms. */
export type CcaTokenForm = '1.0' | '1.1';

/**
 * Wraps a platform and a realm COSE_Sign1_Tagged into a collection: '1.0' = tag 399 with bstr
 * values (what RMM 1.0 emits), '1.1' = tag 907 with `[263, bstr]` values (for teaching).
 */
export function wrapCcaToken(
  platform: Uint8Array,
  realm: Uint8Array,
  form: CcaTokenForm = '1.0',
): Uint8Array {
  if (form === '1.0') {
    return encodeCbor(
      taggedValue(
        CCA_TOKEN_COLLECTION_TAG,
        new Map([
          [CCA_PLATFORM_TOKEN, platform],
          [CCA_REALM_DELEGATED_TOKEN, realm],
        ]),
      ),
    );
  }
  return encodeCbor(
    taggedValue(
      CCA_CMW_COLLECTION_TAG,
      new Map([
        [CCA_PLATFORM_TOKEN, [COAP_CONTENT_FORMAT_EAT_CWT, platform]],
        [CCA_REALM_DELEGATED_TOKEN, [COAP_CONTENT_FORMAT_EAT_CWT, realm]],
      ]),
    ),
  );
}

/** The located parts of a collection; the bstr items hold the two COSE_Sign1_Tagged. */
export interface CcaTokenParts {
  readonly form: CcaTokenForm;
  /** The whole token, walked. */
  readonly root: CborItem;
  readonly platformEntry: CborEntry;
  readonly realmEntry: CborEntry;
  /** The byte string holding the platform COSE_Sign1_Tagged. */
  readonly platformBstr: CborItem & { kind: 'bstr' };
  /** The byte string holding the realm COSE_Sign1_Tagged. */
  readonly realmBstr: CborItem & { kind: 'bstr' };
}

/** Outcome of reading the collection wrapper; failures carry an explanation and bytes. */
export type CcaWrapperResult =
  | { readonly ok: true; readonly parts: CcaTokenParts }
  | {
      readonly ok: false;
      readonly error: string;
      readonly range: ByteRange;
      /** The walked token when it was well-formed CBOR (for the inspector). */
      readonly root?: CborItem;
    };

/**
 * Reads the collection wrapper of a CCA token: tag 399 (RMM 1.0) or tag 907 (RMM 1.1 CMW).
 * An unknown tag or shape gives an explanation, never an exception.
 */
export function decodeCcaWrapper(bytes: Uint8Array): CcaWrapperResult {
  const walked = walkCbor(bytes);
  if (!walked.ok) {
    return {
      ok: false,
      error: `the token is not well-formed CBOR: ${walked.error} (byte ${walked.offset})`,
      range: [walked.offset, Math.min(walked.offset + 1, bytes.length)],
    };
  }
  const root = walked.item;
  const fail = (error: string, item: CborItem, whole = false): CcaWrapperResult => ({
    ok: false,
    error,
    range: whole ? [item.start, item.end] : [item.start, item.headerEnd],
    root,
  });
  if (root.kind !== 'tag') {
    return fail(
      `a CCA token starts with tag 399 (bytes D9 01 8F); this one starts with ${describeItem(root)}`,
      root,
    );
  }
  let form: CcaTokenForm;
  if (root.tag === CCA_TOKEN_COLLECTION_TAG) form = '1.0';
  else if (root.tag === CCA_CMW_COLLECTION_TAG) form = '1.1';
  else {
    return fail(
      `collection tag ${String(root.tag)} is unknown: RMM 1.0 uses tag 399 (D9 01 8F) and RMM 1.1 ` +
        'tag 907 (D9 03 8B); this may not be a CCA token at all',
      root,
    );
  }
  const map = root.content;
  if (map.kind !== 'map') {
    return fail(`tag ${String(root.tag)} must wrap a map; found ${describeItem(map)}`, map, true);
  }
  const find = (key: number, name: string): CborEntry | string => {
    const found = mapEntries(map, key);
    if (found.length === 0) return `the collection has no ${name} (key ${key})`;
    if (found.length > 1) return `the collection has ${found.length} entries with key ${key}`;
    return found[0]!;
  };
  const platformEntry = find(CCA_PLATFORM_TOKEN, 'platform token');
  if (typeof platformEntry === 'string') return fail(platformEntry, map);
  const realmEntry = find(CCA_REALM_DELEGATED_TOKEN, 'realm delegated token');
  if (typeof realmEntry === 'string') return fail(realmEntry, map);
  const unwrap = (entry: CborEntry, name: string): (CborItem & { kind: 'bstr' }) | string => {
    const value = entry.value;
    if (form === '1.0') {
      if (value.kind === 'bstr') return value;
      if (value.kind === 'array') {
        return `the ${name} is a [content-format, bstr] array, the RMM 1.1 CMW shape, inside a tag 399 collection`;
      }
      return `the ${name} must be a byte string holding a COSE_Sign1; found ${describeItem(value)}`;
    }
    if (value.kind !== 'array' || value.items.length !== 2) {
      return `in a tag 907 (RMM 1.1) collection the ${name} must be [263, bstr]; found ${describeItem(value)}`;
    }
    const [format, inner] = value.items as [CborItem, CborItem];
    if (intOf(format) !== COAP_CONTENT_FORMAT_EAT_CWT) {
      return `the ${name} content format must be 263 (EAT CWT); found ${describeItem(format)}`;
    }
    if (inner.kind !== 'bstr')
      return `the ${name} must be a byte string in [263, bstr]; found ${describeItem(inner)}`;
    return inner;
  };
  const platformBstr = unwrap(platformEntry, 'platform token');
  if (typeof platformBstr === 'string') return fail(platformBstr, platformEntry.value, true);
  const realmBstr = unwrap(realmEntry, 'realm token');
  if (typeof realmBstr === 'string') return fail(realmBstr, realmEntry.value, true);
  if (!platformBstr.definite || !realmBstr.definite) {
    const bad = platformBstr.definite ? realmBstr : platformBstr;
    return fail('the token byte strings must have definite length', bad, true);
  }
  return { ok: true, parts: { form, root, platformEntry, realmEntry, platformBstr, realmBstr } };
}
