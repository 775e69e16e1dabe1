/**
 * The attestation chain, read from a verifier's report (lab-ux.md §3.1 items 1-2): hardware
 * root → platform token → RAK → realm (or group) token → the members' measurements and
 * policies → the verifier's own checks → verdict. Each link carries the checks that decide
 * it, pass, fail or skip, with the verifier's reason, so a broken chain says where and why.
 *
 * The checks and the verdict come from the lab's one relying party (emulator
 * host/relying-party.ts: the same call, with the same inputs, as the host's "attest verify
 * last" and the Token tab) and, for a Mica group token, from the group verifier
 * (mica-spec.md §4.5). The model only sorts the checks onto the links of the chain.
 */
import {
  LAB_ANCHOR_NAME,
  appraise,
  appraiseLastToken,
  attest,
  type Appraisal,
  type EvidenceOverrides,
  type MachineState,
} from '../../emulator/index.ts';
import type { GroupCheck, GroupVerdict } from '../../policy/index.ts';

export type LinkStatus = 'pass' | 'fail' | 'skip';

/** One check shown under a link. */
export interface ChainCheck {
  readonly title: string;
  readonly status: LinkStatus;
  readonly reason: string;
  readonly spec?: string;
}

/** A link of the chain. */
export interface ChainLink {
  readonly id: string;
  readonly title: string;
  /** What the link is, in a few words (key names, members...). */
  readonly subtitle: string;
  readonly status: LinkStatus;
  /** The deciding reason: the first failure, else a summary. */
  readonly reason: string;
  readonly checks: readonly ChainCheck[];
  /** How this link vouches for the next one ("signs", "hashes into"...). */
  readonly edge?: string;
}

/** The chain's verdict, in the relying party's one vocabulary (emulator attest/verdict.ts). */
export interface ChainVerdict {
  readonly kind: attest.VerdictKind;
  /** "verified", "rejected" or "not verified". */
  readonly word: string;
  /** The short form ("rejected: 1 failed") and the full line with the reason. */
  readonly summary: string;
  readonly text: string;
}

/** The chain and its verdict. */
export interface Chain {
  readonly source: string;
  readonly links: readonly ChainLink[];
  readonly verdict: ChainVerdict;
}

const fromReport = (c: attest.VerifierCheck): ChainCheck => ({
  title: c.title,
  status: c.status,
  reason: c.reason,
  spec: c.spec,
});

const fromGroup = (c: GroupCheck): ChainCheck => ({
  title: c.title,
  status: c.status,
  reason: c.reason,
  spec: c.spec,
});

function statusOf(checks: readonly ChainCheck[]): LinkStatus {
  if (checks.some((c) => c.status === 'fail')) return 'fail';
  if (checks.length === 0 || checks.every((c) => c.status === 'skip')) return 'skip';
  return 'pass';
}

function link(
  id: string,
  title: string,
  subtitle: string,
  checks: readonly ChainCheck[],
  edge?: string,
): ChainLink {
  const status = statusOf(checks);
  const failed = checks.find((c) => c.status === 'fail');
  const passed = checks.filter((c) => c.status === 'pass').length;
  const skipped = checks.filter((c) => c.status === 'skip');
  const reason =
    failed?.reason ??
    (status === 'skip'
      ? (skipped[0]?.reason ?? 'not checked')
      : `${passed} check${passed === 1 ? '' : 's'} passed` +
        (skipped.length ? `, ${skipped.length} not checked` : ''));
  return { id, title, subtitle, status, reason, checks, ...(edge ? { edge } : {}) };
}

/** Sorts a CCA verifier report onto the links up to and including the realm token. */
function tokenLinks(report: attest.VerifierReport, realmTitle: string): ChainLink[] {
  const of = (...ids: attest.VerifierCheck['id'][]) =>
    report.checks.filter((c) => ids.includes(c.id)).map(fromReport);
  const platformImpl = report.platform?.implementationId;
  return [
    link(
      'root',
      'Hardware root of trust',
      'CPAK, the platform attestation key: the public TF-A test key (its private half is published)',
      of('platform-signature'),
      'signs the platform token',
    ),
    link(
      'platform',
      'Platform token',
      `CCA platform claims${platformImpl ? ', implementation ' + shortHex(platformImpl) : ''}: lifecycle, software components, challenge`,
      of('wrapper', 'platform-cose', 'platform-claim', 'sw-components'),
      'its challenge is the hash of the RAK',
    ),
    link(
      'rak',
      'Realm attestation key (RAK)',
      'claim 44237 of the realm token, bound to the platform token',
      of('rak', 'binding'),
      'signs the realm token',
    ),
    link(
      'realm',
      realmTitle,
      'realm claims: challenge, RPV, RIM, REMs, hash algorithm',
      of('realm-cose', 'realm-claim', 'realm-signature', 'freshness', 'profile'),
      'carries the measurements',
    ),
  ];
}

function shortHex(v: unknown): string {
  if (v instanceof Uint8Array)
    return (
      Array.from(v.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join('') +
      (v.length > 6 ? '…' : '')
    );
  return String(v);
}

/** The chain of a single realm's CCA token, with the relying party's verdict on it. */
export function realmChain(appraisal: Appraisal, source: string): Chain {
  const { report, verdict } = appraisal;
  const of = (...ids: attest.VerifierCheck['id'][]) =>
    report.checks.filter((c) => ids.includes(c.id)).map(fromReport);
  const links = [
    ...tokenLinks(report, 'Realm token'),
    link(
      'members',
      'Measurements',
      'RIM, REM0-3 and RPV compared with the relying party’s reference values',
      of('rim', 'rems', 'rpv'),
      'judged by',
    ),
    link('verifier', 'Verifier checks', 'internal consistency', of('internal')),
  ];
  return {
    source,
    links,
    verdict: {
      kind: verdict.kind,
      word: verdict.word,
      summary: verdict.summary,
      text: verdict.text,
    },
  };
}

/** The chain of a Mica group token and its policy blobs. */
export function groupChain(verdict: GroupVerdict, source: string): Chain {
  const of = (...ids: GroupCheck['id'][]) =>
    verdict.checks.filter((c) => ids.includes(c.id)).map(fromGroup);
  const links = [
    ...tokenLinks(verdict.token, 'Group realm token'),
    link(
      'members',
      `Members: ${verdict.members.join(', ') || 'none identified'}`,
      'each member’s RIM, REM0 (its uploaded policy) and RPV, aggregated in blob order',
      of(
        'blobs',
        'identity',
        'group-rim',
        'group-rem0',
        'group-rpv',
        'policies',
        'flags',
        'membership',
      ),
      'judged by',
    ),
    link(
      'verifier',
      'Verifier checks',
      'the policies agree, and every path from the source to U passes a sanitiser',
      // The token's own checks (anchor, challenge, firmware, signatures) are on the links above.
      of('agreement', 'flow'),
    ),
  ];
  return {
    source,
    links,
    verdict: groupVerdict(verdict),
  };
}

/** The group verifier's verdict, already in the one vocabulary (attest/verdict.ts). */
function groupVerdict(verdict: GroupVerdict): ChainVerdict {
  const v = verdict.verdict;
  return { kind: v.kind, word: v.word, summary: v.summary, text: v.text };
}

/**
 * The relying party's appraisal of the realm's last token (the same call as the host's
 * "attest verify last" and the Token tab). `overrides` run the same call on tampered bytes
 * or against another nonce (null: none known), as the other views' experiments do.
 */
export function lastTokenAppraisal(
  state: MachineState,
  overrides: EvidenceOverrides = {},
): Appraisal | undefined {
  return appraiseLastToken(state, overrides);
}

/** The chain of the realm's last token (see {@link lastTokenAppraisal}). */
export function lastTokenChain(
  state: MachineState,
  source: string,
  overrides: EvidenceOverrides = {},
): Chain | undefined {
  const appraisal = lastTokenAppraisal(state, overrides);
  if (!appraisal) return undefined;
  return realmChain(appraisal, overrides.token ? `${source}, one byte flipped` : source);
}

/** `bytes` with its last byte (the end of the realm token's signature) changed. */
export function flipLastByte(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  if (copy.length > 0) copy[copy.length - 1]! ^= SIGNATURE_FLIP_MASK;
  return copy;
}

/** The XOR mask "flip a byte of the signature" applies. */
const SIGNATURE_FLIP_MASK = 0x01;

/** The sample realm's made-up RIM byte (SHA-256 digest 0x5a5a...). */
const SAMPLE_RIM_BYTE = 0x5a;

/**
 * The appraisal of a sample token for a realm with a made-up RIM, so the view is never empty:
 * appraised with its challenge, the lab anchor and its reference values, as a realm's would be.
 */
export function sampleAppraisal(tampered = false): Appraisal {
  const challenge = new Uint8Array(64).map((_, i) => i);
  const zero = new Uint8Array(64);
  const rim = new Uint8Array(64);
  rim.fill(SAMPLE_RIM_BYTE, 0, 32);
  const bytes = attest.buildCcaToken({
    challenge,
    rpv: zero,
    rim,
    rems: [zero, zero, zero, zero],
    hashAlgo: 'sha-256',
  });
  return appraise({
    token: tampered ? flipLastByte(bytes) : bytes,
    challenge,
    anchor: attest.TEST_CPAK_PUBLIC,
    referenceValues: {
      rim: rim.subarray(0, 32),
      rpv: zero,
      swComponents: attest.LAB_PLATFORM_SW_COMPONENTS.map((c) => ({
        measurement: c.measurement,
        signerId: c.signerId,
        ...(c.type !== undefined ? { type: c.type } : {}),
      })),
    },
    inputs: {
      anchor: LAB_ANCHOR_NAME,
      challenge: 'the sample’s nonce',
      reference: 'the sample’s RIM and RPV',
    },
  });
}

/** The chain of the sample token (see {@link sampleAppraisal}). */
export function sampleChain(source: string, tampered = false): Chain {
  return realmChain(sampleAppraisal(tampered), tampered ? `${source}, one byte flipped` : source);
}
