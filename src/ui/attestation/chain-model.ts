/**
 * The attestation chain, read from a verifier's report (lab-ux.md §3.1 items 1-2): hardware
 * root → platform token → RAK → realm (or group) token → the members' measurements and
 * policies → the verifier's own checks → verdict. Each link carries the checks that decide
 * it, pass, fail or skip, with the verifier's reason, so a broken chain says where and why.
 *
 * The checks come from the emulator's explaining verifier (`attest.verifyCcaToken`) and, for
 * a Mica group token, from the group verifier (mica-spec.md §4.5). Nothing here re-verifies:
 * the model only sorts the checks onto the links of the chain.
 */
import { attest } from '../../emulator/index.ts';
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

/** The chain and its verdict. */
export interface Chain {
  readonly source: string;
  readonly links: readonly ChainLink[];
  readonly verdict: { readonly ok: boolean; readonly text: string };
}

const fromReport = (c: attest.VerifierCheck): ChainCheck => ({
  title: c.title,
  status: c.status,
  reason: c.reason,
  spec: c.spec,
});

const fromGroup = (c: GroupCheck): ChainCheck => ({
  title: GROUP_TITLES[c.id],
  status: c.ok ? 'pass' : 'fail',
  reason: c.reason,
  spec: 'mica-spec.md §4.5',
});

const GROUP_TITLES: Record<GroupCheck['id'], string> = {
  token: 'CCA token verifies',
  blobs: 'policy blobs readable',
  identity: 'each blob names its realm',
  'group-rim': 'group RIM recomputed',
  'group-rem0': 'group REM0 (policies) recomputed',
  'group-rpv': 'group RPV recomputed',
  policies: 'policies are the expected ones',
  flags: 'gateway and strict flags',
  membership: 'members are the expected realms',
  agreement: 'neighbours agree (§2.5-§2.7)',
  flow: 'every path to U passes the sanitiser',
};

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

/** The chain of a single realm's CCA token. */
export function realmChain(report: attest.VerifierReport, source: string): Chain {
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
  const ok = report.verdict === 'pass';
  return {
    source,
    links,
    verdict: {
      ok,
      text:
        report.verdict === 'pass'
          ? 'Trusted: every check passed'
          : report.verdict === 'incomplete'
            ? 'Incomplete: nothing failed, but some checks had no reference values'
            : `Rejected: ${report.checks.find((c) => c.status === 'fail')?.reason ?? 'a check failed'}`,
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
      of('token', 'agreement', 'flow'),
    ),
  ];
  return {
    source,
    links,
    verdict: {
      ok: verdict.verdict === 'accept',
      text:
        verdict.verdict === 'accept'
          ? `Accepted: ${verdict.reason.replace(/^accepted:\s*/i, '')}`
          : `Rejected: ${(verdict.reason.split('\n')[0] ?? '').replace(/^rejected:\s*/i, '')}`,
    },
  };
}

/** Verifies a single CCA token against the lab's trust anchor (no reference values). */
export function verifyLabToken(bytes: Uint8Array, challenge?: Uint8Array): attest.VerifierReport {
  return attest.verifyCcaToken(bytes, {
    cpak: attest.TEST_CPAK_PUBLIC,
    ...(challenge ? { challenge } : {}),
  });
}

/** A sample token for a realm with a made-up RIM, so the chain is never empty. */
export function sampleToken(): { bytes: Uint8Array; challenge: Uint8Array } {
  const challenge = new Uint8Array(64).map((_, i) => i);
  const zero = new Uint8Array(64);
  const rim = new Uint8Array(64);
  rim.fill(0x5a, 0, 32);
  const bytes = attest.buildCcaToken({
    challenge,
    rpv: zero,
    rim,
    rems: [zero, zero, zero, zero],
    hashAlgo: 'sha-256',
  });
  return { bytes, challenge };
}
