/**
 * The claim rules of the verifier as ordered data (cca-spec.md §6.2 realm claims, §6.3
 * platform claims; DEN0137 A7.2.3.1-2): one row per claim with its key, whether it is
 * optional, the check of its value (with a plain-word reason either way) and where the decoded
 * value goes. verify.ts runs the rows in order and turns each into a report line.
 */
import { toHex } from '../../lib/bytes.ts';
import {
  CCA_PLATFORM_CHALLENGE,
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
  CCA_PLATFORM_SW_COMPONENTS,
  CCA_PLATFORM_VERIFICATION_SERVICE,
  CCA_REALM_CHALLENGE,
  CCA_REALM_CHALLENGE_SIZE,
  CCA_REALM_EXTENSIBLE_MEASUREMENTS,
  CCA_REALM_EXTENSIBLE_MEASUREMENTS_COUNT,
  CCA_REALM_HASH_ALGO_ID,
  CCA_REALM_INITIAL_MEASUREMENT,
  CCA_REALM_PERSONALIZATION_VALUE,
  CCA_REALM_PERSONALIZATION_VALUE_SIZE,
  CCA_REALM_PROFILE,
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
import { describeItem, intOf, mapEntries, type ByteRange, type CborItem } from './cbor.ts';
import { isHashAlgoName } from './hash.ts';

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
  /** Bytes of the component map in the token. */
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

/** A writable view of a decoded-claims record, filled while the rules run. */
export type Filling<T> = { -readonly [K in keyof T]: T[K] };

/** The outcome of checking one claim value. */
export interface ClaimVerdict {
  readonly ok: boolean;
  readonly reason: string;
}

/** One row: a claim, its check, and where its decoded value goes. */
export interface ClaimRule<D> {
  readonly key: number;
  readonly optional?: boolean;
  readonly check: (value: CborItem) => ClaimVerdict;
  /** Stores the decoded value; only called when `check` passed. */
  readonly keep: (value: CborItem, into: Filling<D>) => void;
}

const hexPreview = (b: Uint8Array, n = 8): string =>
  `${toHex(b.subarray(0, n))}${b.length > n ? '...' : ''}`;

const bytesOf = (v: CborItem): Uint8Array | undefined => (v.kind === 'bstr' ? v.value : undefined);
const textOf = (v: CborItem): string | undefined => (v.kind === 'tstr' ? v.value : undefined);

function text(what: string): (v: CborItem) => ClaimVerdict {
  return (v) =>
    v.kind === 'tstr'
      ? { ok: true, reason: JSON.stringify(v.value) }
      : { ok: false, reason: `${what} must be a text string; found ${describeItem(v)}` };
}

function exactBytes(size: number): (v: CborItem) => ClaimVerdict {
  return (v) =>
    v.kind === 'bstr' && v.value.length === size
      ? { ok: true, reason: `${size} bytes ${hexPreview(v.value)}` }
      : { ok: false, reason: `must be exactly ${size} bytes; found ${describeItem(v)}` };
}

function digestBytes(v: CborItem): ClaimVerdict {
  return v.kind === 'bstr' && [32, 48, 64].includes(v.value.length)
    ? { ok: true, reason: `${v.value.length} bytes ${hexPreview(v.value)}` }
    : { ok: false, reason: `must be a 32, 48 or 64-byte digest; found ${describeItem(v)}` };
}

function lifecycle(v: CborItem): ClaimVerdict {
  const n = v.kind === 'uint' ? intOf(v) : undefined;
  if (n === undefined || n > 0xffff) {
    return { ok: false, reason: `must be an unsigned 16-bit value; found ${describeItem(v)}` };
  }
  const state = CCA_PLATFORM_LIFECYCLE_STATES[n >> 8];
  const shown = `0x${n.toString(16).padStart(4, '0')}`;
  if (!state) return { ok: false, reason: `${shown} is not in any defined lifecycle range` };
  if (state !== 'secured') {
    return {
      ok: false,
      reason: `${shown} means "${state}": only a platform in the secured state (0x3000-0x30FF) can be trusted`,
    };
  }
  return { ok: true, reason: `${shown}: secured` };
}

function swComponents(v: CborItem): ClaimVerdict {
  if (v.kind !== 'array' || v.items.length === 0) {
    return {
      ok: false,
      reason: `must be a non-empty array of component maps; found ${describeItem(v)}`,
    };
  }
  for (const [i, c] of v.items.entries()) {
    if (c.kind !== 'map') {
      return { ok: false, reason: `component ${i} must be a map; found ${describeItem(c)}` };
    }
    const m = mapEntries(c, CCA_SW_COMPONENT_MEASUREMENT_VALUE)[0]?.value;
    const s = mapEntries(c, CCA_SW_COMPONENT_SIGNER_ID)[0]?.value;
    if (m?.kind !== 'bstr' || m.value.length < 32) {
      return {
        ok: false,
        reason: `component ${i} needs a measurement-value (2) of at least 32 bytes`,
      };
    }
    if (s?.kind !== 'bstr') {
      return { ok: false, reason: `component ${i} needs a signer-id (5) byte string` };
    }
  }
  return {
    ok: true,
    reason: `${v.items.length} measured component(s), each with a measurement and a signer id`,
  };
}

/** Decodes one sw component map (already checked by the sw-components rule). */
export function decodeSwComponent(item: CborItem): DecodedSwComponent {
  const get = (key: number): CborItem | undefined => mapEntries(item, key)[0]?.value;
  const out: Filling<DecodedSwComponent> = { range: [item.start, item.end] };
  const field = <T>(key: number, read: (v: CborItem) => T | undefined): T | undefined => {
    const value = get(key);
    return value ? read(value) : undefined;
  };
  const type = field(CCA_SW_COMPONENT_TYPE, textOf);
  const measurement = field(CCA_SW_COMPONENT_MEASUREMENT_VALUE, bytesOf);
  const version = field(CCA_SW_COMPONENT_VERSION, textOf);
  const signerId = field(CCA_SW_COMPONENT_SIGNER_ID, bytesOf);
  const hashAlgo = field(CCA_SW_COMPONENT_HASH_ALGO_ID, textOf);
  if (type !== undefined) out.type = type;
  if (measurement) out.measurement = measurement;
  if (version !== undefined) out.version = version;
  if (signerId) out.signerId = signerId;
  if (hashAlgo !== undefined) out.hashAlgo = hashAlgo;
  return out;
}

/** Platform claim rules in report order (cca-spec.md §6.3). */
export const PLATFORM_CLAIM_RULES: readonly ClaimRule<DecodedPlatformClaims>[] = [
  {
    key: CCA_PLATFORM_PROFILE,
    check: text('the profile'),
    keep: (v, d) => (d.profile = textOf(v)),
  },
  {
    key: CCA_PLATFORM_CHALLENGE,
    check: (v) =>
      v.kind === 'bstr' && [32, 48, 64].includes(v.value.length)
        ? {
            ok: true,
            reason: `${v.value.length} bytes ${hexPreview(v.value)} (the hash of the RAK, checked under "binding")`,
          }
        : {
            ok: false,
            reason: `must be a 32, 48 or 64-byte hash of the realm attestation key; found ${describeItem(v)}`,
          },
    keep: (v, d) => (d.challenge = bytesOf(v)),
  },
  {
    key: CCA_PLATFORM_IMPLEMENTATION_ID,
    check: (v) =>
      v.kind === 'bstr' && v.value.length === CCA_PLATFORM_IMPLEMENTATION_ID_SIZE
        ? {
            ok: true,
            reason: `${hexPreview(v.value)} names the platform implementation (the verifier looks up the trust anchor by it)`,
          }
        : {
            ok: false,
            reason: `must be a ${CCA_PLATFORM_IMPLEMENTATION_ID_SIZE}-byte string; found ${describeItem(v)}`,
          },
    keep: (v, d) => (d.implementationId = bytesOf(v)),
  },
  {
    key: CCA_PLATFORM_INSTANCE_ID,
    check: (v) =>
      v.kind === 'bstr' &&
      v.value.length === CCA_PLATFORM_INSTANCE_ID_SIZE &&
      v.value[0] === CCA_PLATFORM_INSTANCE_ID_TYPE_RAND
        ? { ok: true, reason: `UEID ${hexPreview(v.value)} identifies this platform instance` }
        : {
            ok: false,
            reason: `must be a ${CCA_PLATFORM_INSTANCE_ID_SIZE}-byte UEID starting 0x01; found ${describeItem(v)}${v.kind === 'bstr' ? ` starting 0x${toHex(v.value.subarray(0, 1))}` : ''}`,
          },
    keep: (v, d) => (d.instanceId = bytesOf(v)),
  },
  {
    key: CCA_PLATFORM_CONFIG,
    check: (v) =>
      v.kind === 'bstr'
        ? { ok: true, reason: `${v.value.length} bytes of system properties` }
        : { ok: false, reason: `must be a byte string; found ${describeItem(v)}` },
    keep: (v, d) => (d.config = bytesOf(v)),
  },
  {
    key: CCA_PLATFORM_LIFECYCLE,
    check: lifecycle,
    keep: (v, d) => (d.lifecycle = intOf(v)),
  },
  {
    key: CCA_PLATFORM_SW_COMPONENTS,
    check: swComponents,
    keep: (v, d) => (d.swComponents = v.kind === 'array' ? v.items.map(decodeSwComponent) : []),
  },
  {
    key: CCA_PLATFORM_VERIFICATION_SERVICE,
    optional: true,
    check: text('the verification service'),
    keep: (v, d) => (d.verificationService = textOf(v)),
  },
  {
    key: CCA_PLATFORM_HASH_ALGO_ID,
    check: text('the hash algorithm id'),
    keep: (v, d) => (d.hashAlgo = textOf(v)),
  },
];

/** Realm claim rules in TF-RMM's claim order (cca-spec.md §6.2). */
export const REALM_CLAIM_RULES: readonly ClaimRule<DecodedRealmClaims>[] = [
  {
    key: CCA_REALM_CHALLENGE,
    check: exactBytes(CCA_REALM_CHALLENGE_SIZE),
    keep: (v, d) => (d.challenge = bytesOf(v)),
  },
  {
    key: CCA_REALM_PERSONALIZATION_VALUE,
    check: exactBytes(CCA_REALM_PERSONALIZATION_VALUE_SIZE),
    keep: (v, d) => (d.rpv = bytesOf(v)),
  },
  {
    key: CCA_REALM_PUBLIC_KEY,
    check: (v) =>
      v.kind === 'bstr' && v.definite
        ? { ok: true, reason: `${v.value.length} bytes (decoded under "realm attestation key")` }
        : { ok: false, reason: `must be a byte string; found ${describeItem(v)}` },
    keep: (v, d) => (d.publicKey = bytesOf(v)),
  },
  {
    key: CCA_REALM_HASH_ALGO_ID,
    check: (v) =>
      v.kind === 'tstr' && (v.value === HASH_ALGO_SHA_256 || v.value === HASH_ALGO_SHA_512)
        ? { ok: true, reason: `"${v.value}": the realm's measurements use this hash` }
        : {
            ok: false,
            reason: `must be "sha-256" or "sha-512" (the realm hash algorithms of RMM 1.0); found ${describeItem(v)}`,
          },
    keep: (v, d) => (d.hashAlgo = textOf(v)),
  },
  {
    key: CCA_REALM_PUBLIC_KEY_HASH_ALGO_ID,
    check: (v) =>
      v.kind === 'tstr' && isHashAlgoName(v.value)
        ? {
            ok: true,
            reason: `"${v.value}": the platform challenge must be this hash of claim 44237`,
          }
        : {
            ok: false,
            reason: `must name a hash the verifier can compute ("sha-256", "sha-384", "sha-512"); found ${describeItem(v)}`,
          },
    keep: (v, d) => (d.publicKeyHashAlgo = textOf(v)),
  },
  {
    key: CCA_REALM_PROFILE,
    optional: true,
    check: text('the profile'),
    keep: (v, d) => (d.profile = textOf(v)),
  },
  {
    key: CCA_REALM_INITIAL_MEASUREMENT,
    check: digestBytes,
    keep: (v, d) => (d.rim = bytesOf(v)),
  },
  {
    key: CCA_REALM_EXTENSIBLE_MEASUREMENTS,
    check: (v) => {
      if (v.kind !== 'array' || v.items.length !== CCA_REALM_EXTENSIBLE_MEASUREMENTS_COUNT) {
        return {
          ok: false,
          reason: `must be an array of exactly ${CCA_REALM_EXTENSIBLE_MEASUREMENTS_COUNT} digests; found ${describeItem(v)}`,
        };
      }
      const bad = v.items.findIndex((i) => !digestBytes(i).ok);
      if (bad >= 0) {
        return {
          ok: false,
          reason: `REM${bad} must be a 32, 48 or 64-byte digest; found ${describeItem(v.items[bad]!)}`,
        };
      }
      return { ok: true, reason: `4 REMs of ${bytesOf(v.items[0]!)?.length ?? 0} bytes` };
    },
    keep: (v, d) =>
      (d.rems = v.kind === 'array' ? v.items.map((i) => bytesOf(i) ?? new Uint8Array(0)) : []),
  },
];
