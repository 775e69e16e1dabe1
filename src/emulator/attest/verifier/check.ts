/**
 * One line of the verifier's report and the one helper that builds it (cca-spec.md §6.4).
 *
 * Design rationale: every step of the verifier answers with a check built by `checkOf`, so
 * each line carries the same fields in the same order and a step reads as its outcomes only
 * (`return c.skip('...')`, `return c.fail(reason, at)`), the way the RMM's failure conditions
 * read as labels and reasons.
 */
import { toHex } from '../../../lib/bytes.ts';
import type { ByteRange, CborEntry, CborItem } from '../cbor.ts';

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

/** The claim a check concerns, with its spec name and key. */
export interface CheckClaim {
  readonly name: string;
  readonly key: number;
}

/** One line of the report. */
export interface VerifierCheck {
  readonly id: CheckId;
  /** Short title, e.g. "realm signature" or "cca-realm-challenge (10)". */
  readonly title: string;
  readonly status: CheckStatus;
  /** Plain-word explanation of the outcome. */
  readonly reason: string;
  /** The claim concerned, with its spec name and key. */
  readonly claim?: CheckClaim;
  /** The bytes of the token this check is about, [start, end). */
  readonly range?: ByteRange;
  /** Path of the inspector node the check is about (see inspect.ts). */
  readonly path?: string;
  /** Where the rule comes from. */
  readonly spec: string;
}

/** What a check points at: a claim, bytes of the token, an inspector path. */
export interface CheckAt {
  readonly claim?: CheckClaim | undefined;
  readonly range?: ByteRange | undefined;
  readonly path?: string | undefined;
}

export const SPEC_TOKEN = 'cca-spec.md §6.1 (DEN0137 A7.2.3)';
export const SPEC_REALM = 'cca-spec.md §6.2 (DEN0137 A7.2.3.1)';
export const SPEC_PLATFORM = 'cca-spec.md §6.3 (DEN0137 A7.2.3.2)';
export const SPEC_BINDING = 'cca-spec.md §6.4';

/** The outcomes of one check whose id, title, spec and default target are fixed. */
export interface CheckOf {
  readonly pass: (reason: string, at?: CheckAt) => VerifierCheck;
  readonly fail: (reason: string, at?: CheckAt) => VerifierCheck;
  readonly skip: (reason: string, at?: CheckAt) => VerifierCheck;
  /** pass with the first reason when `ok`, else fail with the second. */
  readonly either: (ok: boolean, passed: string, failed: string, at?: CheckAt) => VerifierCheck;
}

/** The one way to build a report line: `checkOf(id, title, spec, at).fail(reason)`. */
export function checkOf(id: CheckId, title: string, spec: string, base: CheckAt = {}): CheckOf {
  const line =
    (status: CheckStatus) =>
    (reason: string, at: CheckAt = {}): VerifierCheck => {
      const { claim, range, path } = { ...base, ...at };
      return {
        id,
        title,
        status,
        reason,
        ...(claim ? { claim } : {}),
        ...(range ? { range } : {}),
        ...(path !== undefined ? { path } : {}),
        spec,
      };
    };
  const pass = line('pass');
  const fail = line('fail');
  return {
    pass,
    fail,
    skip: line('skip'),
    either: (ok, passed, failed, at) => (ok ? pass(passed, at) : fail(failed, at)),
  };
}

/** Range of a map entry (key through value). */
export const entryRange = (e: CborEntry): ByteRange => [e.key.start, e.value.end];
export const itemRange = (i: CborItem): ByteRange => [i.start, i.end];
export const hexPreview = (b: Uint8Array, n = 8): string =>
  `${toHex(b.subarray(0, n))}${b.length > n ? '...' : ''}`;

/** Explains where two byte strings differ. */
export function difference(actual: Uint8Array, expected: Uint8Array): string {
  if (actual.length !== expected.length) {
    return `it is ${actual.length} bytes, the reference ${expected.length}`;
  }
  const i = actual.findIndex((b, k) => b !== expected[k]);
  return `it differs from the reference first in byte ${i} (0x${toHex(actual.subarray(i, i + 1))} instead of 0x${toHex(expected.subarray(i, i + 1))})`;
}
