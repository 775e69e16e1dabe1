/**
 * Claim checks (cca-spec.md §6.2, §6.3): the claim-rule tables of claim-rules.ts run over a
 * claims map, one report line per rule, and `checkClaimSet` for a bare claims map (a COSE
 * payload, e.g. Veraison's claim-set vectors).
 */
import { CCA_PLATFORM_CLAIM_NAMES, CCA_REALM_CLAIM_NAMES } from '../../abi/token.ts';
import { describeItem, mapEntries, walkCbor, type CborItem } from '../cbor.ts';
import {
  PLATFORM_CLAIM_RULES,
  REALM_CLAIM_RULES,
  type ClaimRule,
  type DecodedPlatformClaims,
  type DecodedRealmClaims,
  type Filling,
} from '../claim-rules.ts';
import { SPEC_PLATFORM, SPEC_REALM, checkOf, entryRange, type VerifierCheck } from './check.ts';

/** Which token a claims map belongs to. */
export type TokenName = 'platform' | 'realm';

/** A claims map found in the token, and the inspector path of that map. */
export interface ClaimSet {
  readonly token: TokenName;
  readonly map: CborItem;
  readonly path: string;
}

/** The spec section of a token's claims. */
export const claimSpec = (token: TokenName): string =>
  token === 'platform' ? SPEC_PLATFORM : SPEC_REALM;

/** The line for a claim rule's key in `set`: missing, repeated, wrongly typed, or valid. */
function claimCheck<D>(set: ClaimSet, rule: ClaimRule<D>, into: Filling<D>): VerifierCheck[] {
  const key = rule.key;
  const names = set.token === 'platform' ? CCA_PLATFORM_CLAIM_NAMES : CCA_REALM_CLAIM_NAMES;
  const name = names[key] ?? `claim ${key}`;
  const c = checkOf(`${set.token}-claim`, `${name} (${key})`, claimSpec(set.token), {
    claim: { name, key },
  });
  const found = mapEntries(set.map, key);
  const path = `${set.path}/${key}`;
  if (found.length === 0) {
    if (rule.optional) return [];
    const reason = `mandatory claim missing from the ${set.token} token`;
    return [c.fail(reason, { range: [set.map.start, set.map.headerEnd], path: set.path })];
  }
  if (found.length > 1) {
    const reason = `the claim appears ${found.length} times; a claims map must not repeat a key`;
    return [c.fail(reason, { range: entryRange(found[1]!), path })];
  }
  const entry = found[0]!;
  const verdict = rule.check(entry.value);
  if (verdict.ok) rule.keep(entry.value, into);
  const at = { range: entryRange(entry), path };
  return [verdict.ok ? c.pass(verdict.reason, at) : c.fail(verdict.reason, at)];
}

/**
 * Runs a table of claim rules over a claims map: each rule becomes one check, and valid values
 * are stored in `into`.
 */
export function runClaimRules<D>(
  set: ClaimSet,
  rules: readonly ClaimRule<D>[],
  into: Filling<D>,
): VerifierCheck[] {
  return rules.flatMap((rule) => claimCheck(set, rule, into));
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
export function checkClaimSet(bytes: Uint8Array, token: TokenName): ClaimSetReport {
  const walked = walkCbor(bytes);
  if (!walked.ok || walked.item.kind !== 'map') {
    const reason = walked.ok
      ? `a claims map is a CBOR map; this is ${describeItem(walked.item)}`
      : `not well-formed CBOR: ${walked.error} (byte ${walked.offset})`;
    const at = walked.ok ? walked.item.start : walked.offset;
    const range: [number, number] = [at, Math.min(at + 1, bytes.length)];
    const check = checkOf(`${token}-claim`, `${token} claims`, claimSpec(token)).fail(reason, {
      range,
    });
    return { verdict: 'fail', checks: [check], claims: {} };
  }
  const set: ClaimSet = { token, map: walked.item, path: 'claims' };
  const claims: Filling<DecodedRealmClaims> | Filling<DecodedPlatformClaims> = {};
  const checks =
    token === 'realm'
      ? runClaimRules(set, REALM_CLAIM_RULES, claims as Filling<DecodedRealmClaims>)
      : runClaimRules(set, PLATFORM_CLAIM_RULES, claims as Filling<DecodedPlatformClaims>);
  return { verdict: checks.some((c) => c.status === 'fail') ? 'fail' : 'pass', checks, claims };
}
