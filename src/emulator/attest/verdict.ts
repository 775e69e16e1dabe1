/**
 * The relying party's verdict on a verifier report (cca-spec.md §6.4; lab-ux.md §3.1 item 2):
 * one vocabulary for every view (host terminal, Token tab, Chain tab, CLI).
 *
 * - **verified**: no check failed and every check the relying party needs ran and passed;
 * - **rejected: N failed**: at least one check failed (the token, or its appraisal, is bad);
 * - **not verified: <reason>**: nothing failed, but a needed check was skipped because an
 *   input was missing (no trust anchor: the platform signature; no challenge: freshness; no
 *   reference value: the RIM, RPV or platform firmware).
 *
 * Design rationale: a skipped check never counts as a pass. Every skip is needed except one:
 * the REMs, which a realm extends at run time, so a relying party without a REM policy has
 * nothing to compare them with. Their skip keeps "verified" but is named in the verdict
 * ("REMs not appraised"); given reference REMs are always compared, and a mismatch rejects.
 */
import type { CheckId, CheckStatus, VerifierCheck, VerifierReport } from './verify.ts';

/** The three outcomes a relying party can reach. */
export type VerdictKind = 'verified' | 'rejected' | 'not-verified';

/** Checks whose skip does not stop "verified" (named in the verdict all the same). */
export const OPTIONAL_CHECKS: ReadonlySet<CheckId> = new Set<CheckId>(['rems']);

/** The words of each outcome, as every view shows them. */
export const VERDICT_WORDS: Readonly<Record<VerdictKind, string>> = {
  verified: 'verified',
  rejected: 'rejected',
  'not-verified': 'not verified',
};

/** What the verdict needs of a check: a verifier's line, or any other verifier's (the Mica group). */
export interface AppraisedCheck {
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  readonly reason: string;
}

/** The relying party's verdict and the checks that decided it. */
export interface Verdict<C extends AppraisedCheck = VerifierCheck> {
  readonly kind: VerdictKind;
  /** The outcome's word: "verified", "rejected" or "not verified". */
  readonly word: string;
  /** One line: "verified", "rejected: 1 failed (challenge freshness)", "not verified: ...". */
  readonly text: string;
  /** The short form for a badge: "verified", "rejected: 1 failed", "not verified: <what>". */
  readonly summary: string;
  /** The failed checks (rejected). */
  readonly failed: readonly C[];
  /** Needed checks that were skipped (not verified when nothing failed). */
  readonly missing: readonly C[];
  /** Optional checks that were skipped (named, never counted as passed). */
  readonly notAppraised: readonly C[];
  /** Check counts by status. */
  readonly counts: { readonly pass: number; readonly fail: number; readonly skip: number };
}

const titles = (checks: readonly AppraisedCheck[]): string =>
  [...new Set(checks.map((c) => c.title))].join(', ');

/** The verdict on `report`: never "verified" when a needed check was skipped. */
export function verdictOf(report: VerifierReport): Verdict {
  return verdictOfChecks(report.checks, OPTIONAL_CHECKS);
}

/**
 * The verdict on any list of checks, in the same words: never "verified" when a check not in
 * `optional` was skipped. The Mica group verifier (src/policy/group) speaks through this.
 */
export function verdictOfChecks<C extends AppraisedCheck>(
  checks: readonly C[],
  optional: ReadonlySet<string> = new Set(),
): Verdict<C> {
  const failed = checks.filter((c) => c.status === 'fail');
  const skipped = checks.filter((c) => c.status === 'skip');
  const missing = skipped.filter((c) => !optional.has(c.id));
  const notAppraised = skipped.filter((c) => optional.has(c.id));
  const counts = {
    pass: checks.filter((c) => c.status === 'pass').length,
    fail: failed.length,
    skip: skipped.length,
  };
  const base = { failed, missing, notAppraised, counts };
  if (failed.length > 0) {
    return {
      ...base,
      kind: 'rejected',
      word: VERDICT_WORDS.rejected,
      text: `${VERDICT_WORDS.rejected}: ${failed.length} failed (${titles(failed)})`,
      summary: `${VERDICT_WORDS.rejected}: ${failed.length} failed`,
    };
  }
  if (missing.length > 0 || checks.length === 0) {
    const first = missing[0];
    const reason = first ? `${first.title} not checked: ${first.reason}` : 'nothing was checked';
    const more = missing.length > 1 ? ` (also not checked: ${titles(missing.slice(1))})` : '';
    return {
      ...base,
      kind: 'not-verified',
      word: VERDICT_WORDS['not-verified'],
      text: `${VERDICT_WORDS['not-verified']}: ${reason}${more}`,
      summary: `${VERDICT_WORDS['not-verified']}: ${first ? `${titles(missing)} not checked` : 'nothing checked'}`,
    };
  }
  const note = notAppraised.length
    ? ` (${titles(notAppraised)} not appraised: no reference values)`
    : '';
  return {
    ...base,
    kind: 'verified',
    word: VERDICT_WORDS.verified,
    text: `${VERDICT_WORDS.verified}${note}`,
    summary: VERDICT_WORDS.verified,
  };
}

/** The counts as the terminal prints them: "24 passed, 0 failed, 5 skipped". */
export function countsText(verdict: Verdict<AppraisedCheck>): string {
  const { pass, fail, skip } = verdict.counts;
  return `${pass} passed, ${fail} failed, ${skip} skipped`;
}
