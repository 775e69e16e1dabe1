/**
 * The explaining verifier (lab-ux.md §3.1 item 2; cca-spec.md §6.4 verification recipe, §6.5):
 * checks a CCA token step by step and says, in plain words, why each step passes or fails,
 * which claim it concerns and which bytes of the token it is about.
 *
 * Design rationale: the verifier is a pure function that never throws. It runs the ordered
 * steps of `verifier/steps.ts` (each returns its check, built by `checkOf` in
 * `verifier/check.ts`) and sums them into a verdict; bare claims maps are checked by
 * `verifier/claims.ts`, and `verifier/report-text.ts` renders a report for terminals.
 */
import type { CcaTokenForm } from './cca-token.ts';
import { verifyCoseSign1Async, type CoseSign1, type EcPublicKey } from './cose.ts';
import type { DecodedPlatformClaims, DecodedRealmClaims } from './claim-rules.ts';
import { inspectToken, type TokenNode } from './inspect.ts';
import { checkOf, type VerifierCheck } from './verifier/check.ts';
import { STEPS, type Evidence, type VerifyOptions } from './verifier/steps.ts';

export type {
  DecodedPlatformClaims,
  DecodedRealmClaims,
  DecodedSwComponent,
} from './claim-rules.ts';
export type { CheckId, CheckStatus, VerifierCheck } from './verifier/check.ts';
export type { ReferenceSwComponent, ReferenceValues, VerifyOptions } from './verifier/steps.ts';
export { checkClaimSet, type ClaimSetReport } from './verifier/claims.ts';
export { formatReport } from './verifier/report-text.ts';

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

/** Verifies a CCA token and explains every step. Never throws. */
export function verifyCcaToken(bytes: Uint8Array, options: VerifyOptions = {}): VerifierReport {
  let tree: TokenNode | undefined;
  try {
    tree = inspectToken(bytes);
    const ev: Evidence = { bytes, options, platform: {}, realm: {} };
    const checks = STEPS.flatMap((step) => step(ev));
    const failed = checks.some((c) => c.status === 'fail');
    const skipped = checks.some((c) => c.status === 'skip');
    return {
      verdict: failed ? 'fail' : skipped ? 'incomplete' : 'pass',
      checks,
      ...(ev.parts ? { form: ev.parts.form } : {}),
      ...(tree ? { tree } : {}),
      ...(ev.platformClaims ? { platform: ev.platform } : {}),
      ...(ev.realmClaims ? { realm: ev.realm } : {}),
      ...(ev.rak ? { rak: ev.rak } : {}),
    };
  } catch (err) {
    // A bug in the verifier itself, never a property of the token: say so, do not throw.
    const internal = checkOf('internal', 'verifier', 'code-style.md §7 principle 7');
    return {
      verdict: 'fail',
      checks: [
        internal.fail(`internal verifier error (a lab bug, please report it): ${String(err)}`),
      ],
      ...(tree ? { tree } : {}),
    };
  }
}

/** A signature the verifier checks: the COSE_Sign1 and the key it is checked with. */
export interface SignatureToCheck {
  readonly sign1: CoseSign1;
  readonly key: EcPublicKey;
}

/**
 * The signatures {@link verifyCcaToken} would check for these bytes and options: its steps run
 * with a recorder in place of the signature check. Never throws.
 */
export function signaturesToCheck(
  bytes: Uint8Array,
  options: VerifyOptions = {},
): SignatureToCheck[] {
  const asked: SignatureToCheck[] = [];
  try {
    const ev: Evidence = {
      bytes,
      options,
      platform: {},
      realm: {},
      checkSignature: (sign1, key) => {
        asked.push({ sign1, key });
        return { ok: true };
      },
    };
    for (const step of STEPS) step(ev);
  } catch {
    // The synchronous verifier reports the same failure as a check.
  }
  return asked;
}

/**
 * {@link verifyCcaToken} with the platform's ECDSA (WebCrypto) for the two signatures: the
 * same steps, checks and verdict, 6-8x faster for ES384 (issue 10 item 5, bench P5). The
 * signatures the token asks for ({@link signaturesToCheck}) are checked asynchronously into
 * the signature memo, and the ordinary synchronous verifier then runs and answers from it, so
 * the report is the synchronous verifier's report by construction. Never rejects.
 */
export async function verifyCcaTokenAsync(
  bytes: Uint8Array,
  options: VerifyOptions = {},
): Promise<VerifierReport> {
  await Promise.all(
    signaturesToCheck(bytes, options).map(({ sign1, key }) => verifyCoseSign1Async(sign1, key)),
  );
  return verifyCcaToken(bytes, options);
}
