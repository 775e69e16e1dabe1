/**
 * The lab's relying party: the ONE place that decides which inputs a CCA token is appraised
 * with (cca-spec.md §6.4) and returns the report and the verdict every view shows. The host
 * terminal (`attest verify last`), the Token tab and the Chain tab all call
 * {@link appraiseLastToken} (or {@link appraise} for a token they issue themselves), so one
 * token yields one verdict.
 *
 * Inputs of the last token a realm handed to the host (`state.host.lastToken`):
 * - trust anchor: the lab's PUBLIC TEST CPAK (the platform signature's key);
 * - challenge: the nonce the realm put in RSI_ATTESTATION_TOKEN_INIT (`lastChallenge`);
 * - reference values: the RIM and RPV of the realm that produced the token (`lastTokenRealm`),
 *   recomputed from the image and parameters the tenant asked for (reference.ts), not read
 *   from the RD the host built (issue 11), and the lab platform's endorsed firmware.
 *
 * A missing input is never filled in with a guess: the check is skipped and the verdict is
 * "not verified" with the reason (attest/verdict.ts). NOT part of any Arm specification: a
 * verifier is outside the platform; the lab keeps it here so every face shares it.
 */
import { fromHex, toHex } from '../../lib/bytes.ts';
import { realmRpv, referenceRim, type RealmIntent } from './reference.ts';
import { ATTESTATION_CODE } from '../attest/lazy.ts';
import type { EcPublicKey } from '../attest/cose.ts';
import { verdictOf, type Verdict } from '../attest/verdict.ts';
import type { ReferenceValues, VerifierReport } from '../attest/verify.ts';
import type { MachineState } from '../state.ts';

/** The name every view gives the lab's trust anchor. */
export const LAB_ANCHOR_NAME = 'the lab PUBLIC TEST CPAK';

/** A token and everything the relying party appraises it with. */
export interface Evidence {
  readonly token: Uint8Array;
  /** The 64-byte nonce the relying party sent; undefined when unknown. */
  readonly challenge?: Uint8Array;
  /** Trust anchor for the platform signature; undefined when none is known. */
  readonly anchor?: EcPublicKey;
  readonly referenceValues: ReferenceValues;
  /** Where the inputs came from, in plain words (shown by the views). */
  readonly inputs: {
    readonly realm?: string;
    readonly anchor: string;
    readonly challenge: string;
    readonly reference: string;
  };
}

/** The relying party's answer: the checks and the one verdict. */
export interface Appraisal {
  readonly evidence: Evidence;
  readonly report: VerifierReport;
  readonly verdict: Verdict;
}

/** What a view may change before appraising (a tampering or "wrong nonce" experiment). */
export interface EvidenceOverrides {
  /** Bytes to appraise instead of the recorded token. */
  readonly token?: Uint8Array;
  /** A nonce to check freshness against instead of the recorded one; null: none known. */
  readonly challenge?: Uint8Array | null;
}

/**
 * The lab platform's endorsed firmware, as sw-component reference values: what every relying
 * party of the lab (this one and the Mica group verifier) appraises the platform claims with.
 */
export function labFirmware(): NonNullable<ReferenceValues['swComponents']> {
  return ATTESTATION_CODE.get().LAB_PLATFORM_SW_COMPONENTS.map((c) => ({
    measurement: c.measurement,
    ...(c.signerId ? { signerId: c.signerId } : {}),
    ...(c.type !== undefined ? { type: c.type } : {}),
  }));
}

/**
 * Reference RIM and RPV of realm `name`, recomputed from what the tenant asked for
 * (`state.host.intents`, reference.ts), never read from the RD the host built: a host that
 * swapped the image or a measured parameter gets a realm whose RIM differs. None when the
 * tenant asked for no realm of that name.
 */
export function tenantReference(
  state: MachineState,
  name: string | undefined,
): { readonly rim: string; readonly rpv: string; readonly intent: RealmIntent } | undefined {
  const intent = name === undefined ? undefined : state.host?.intents?.[name];
  if (!intent || name === undefined) return undefined;
  return { rim: referenceRim(intent), rpv: toHex(realmRpv(name)), intent };
}

function realmReference(state: MachineState, name: string | undefined): ReferenceValues {
  const ref = tenantReference(state, name);
  if (!ref) return {};
  return {
    rim: ATTESTATION_CODE.get().significantBytes(fromHex(ref.rim)!, ref.intent.hashAlgo),
    rpv: fromHex(ref.rpv)!,
  };
}

/** The evidence of the last token a realm handed to the host, or undefined if none. */
export function lastTokenEvidence(
  state: MachineState,
  overrides: EvidenceOverrides = {},
): Evidence | undefined {
  const host = state.host;
  const recorded = host?.lastToken ? fromHex(host.lastToken) : undefined;
  const token = overrides.token ?? recorded;
  if (!token) return undefined;
  const realm = host?.lastTokenRealm;
  const recordedChallenge = host?.lastChallenge ? fromHex(host.lastChallenge) : undefined;
  const challenge =
    overrides.challenge === null ? undefined : (overrides.challenge ?? recordedChallenge);
  const refs = realmReference(state, realm);
  const who = realm === undefined ? 'the realm' : `realm "${realm}"`;
  return {
    token,
    ...(challenge ? { challenge } : {}),
    anchor: ATTESTATION_CODE.get().TEST_CPAK_PUBLIC,
    referenceValues: { ...refs, swComponents: labFirmware() },
    inputs: {
      ...(realm !== undefined ? { realm } : {}),
      anchor: LAB_ANCHOR_NAME,
      challenge: !challenge
        ? 'none known'
        : overrides.challenge
          ? 'the nonce given here'
          : `the nonce ${who} sent with RSI_ATTESTATION_TOKEN_INIT`,
      reference: refs.rim
        ? `RIM and RPV recomputed from the image and parameters the tenant asked for ${who}; the lab platform's firmware`
        : `none for ${who} (the tenant asked for no realm of that name); the lab platform's firmware`,
    },
  };
}

/** Appraises `evidence`: the explaining verifier's checks and the verdict. */
export function appraise(evidence: Evidence): Appraisal {
  const report = ATTESTATION_CODE.get().verifyCcaToken(evidence.token, {
    ...(evidence.anchor ? { cpak: evidence.anchor } : {}),
    ...(evidence.challenge ? { challenge: evidence.challenge } : {}),
    referenceValues: evidence.referenceValues,
  });
  return { evidence, report, verdict: verdictOf(report) };
}

/**
 * Appraises the last token a realm handed to the host with its recorded challenge, the lab
 * anchor and the producing realm's reference values. Undefined when no realm made a token.
 */
export function appraiseLastToken(
  state: MachineState,
  overrides: EvidenceOverrides = {},
): Appraisal | undefined {
  const evidence = lastTokenEvidence(state, overrides);
  return evidence ? appraise(evidence) : undefined;
}
