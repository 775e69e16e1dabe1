// Issue 11 finding 3, "the group verifier has no trust anchor" (mica-spec.md §4.5 step 1): the
// group verifier takes the trust anchor (the platform key), the challenge and the tenant's
// reference values as inputs, and never answers "verified" when a check was skipped. A group
// token built from scratch with an attacker's own platform key and RAK, carrying exactly the
// claims the honest pipeline would, is not accepted.
import { describe, expect, it } from 'vitest';
import { attest } from '../../src/emulator/index.ts';
import { verifyGroup, type GroupVerdict } from '../../src/policy/group/verify.ts';
import { buildVideoWorkflow, type VideoWorkflow } from '../../src/workflows/video.ts';

const SIZE = 0x4000;

let cached: { wf: VideoWorkflow; token: Uint8Array; blobs: Uint8Array[] } | undefined;
/** The clean locked-down video pipeline and one honest group token (built once: signing is slow). */
function honest() {
  if (!cached) {
    const wf = buildVideoWorkflow({ size: SIZE });
    wf.runApp();
    const ev = wf.attest()!;
    cached = { wf, token: ev.token, blobs: ev.blobs };
  }
  return cached;
}

/** A P-384 key of the attacker's own (any scalar in range will do). */
function attackerKey(fill: number): attest.EcPrivateKey {
  return attest.privateKeyFromScalar(new Uint8Array(48).fill(fill), 'P-384');
}

const statusOf = (v: GroupVerdict, id: string) => v.checks.find((c) => c.id === id)?.status;

describe('group verifier trust anchor (issue 11 finding 3)', () => {
  it('the honest pipeline with anchor, challenge and reference values is verified', () => {
    const { wf, token, blobs } = honest();
    const v = verifyGroup(token, blobs, wf.expectations());
    expect(v.kind).toBe('verified');
    expect(v.verdict.text).toBe('verified');
    expect(v.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(v.checks.find((c) => c.id === 'anchor')!.reason).toMatch(/PUBLIC TEST CPAK/);
  });

  it('a forged group token signed with an attacker’s own platform key and RAK is not accepted', () => {
    const { wf, token, blobs } = honest();
    const claims = attest.verifyCcaToken(token).realm!;
    const rak = attackerKey(0x11);
    const cpak = attackerKey(0x22);
    const platform = attest.getPlatformToken(attest.rakBindingChallenge(rak), cpak);
    const forged = attest.buildCcaToken({
      challenge: claims.challenge!,
      rim: claims.rim!,
      rpv: claims.rpv!,
      rems: claims.rems!,
      hashAlgo: 'sha-512',
      rak,
      platform,
    });
    const exp = wf.expectations();
    const v = verifyGroup(forged, blobs, exp);
    expect(v.kind).toBe('rejected');
    expect(statusOf(v, 'anchor')).toBe('fail');
    expect(v.verdict.text).toMatch(/^rejected: 1 failed \(platform signature/);
    // Everything the attacker controls checks out: only the anchor stops it.
    expect(v.checks.filter((c) => c.status !== 'pass').map((c) => c.id)).toEqual(['anchor']);
    // Without an anchor the same forgery is not verified either (the old verifier accepted it).
    const { anchor: _a, ...noAnchor } = exp;
    expect(verifyGroup(forged, blobs, noAnchor).kind).toBe('not-verified');
  });

  it('missing anchor: not verified, naming the platform signature', () => {
    const { wf, token, blobs } = honest();
    const { anchor: _a, ...exp } = wf.expectations();
    const v = verifyGroup(token, blobs, exp);
    expect(v.kind).toBe('not-verified');
    expect(statusOf(v, 'anchor')).toBe('skip');
    expect(v.verdict.text).toMatch(
      /^not verified: platform signature \(trust anchor\) not checked: no trust anchor given/,
    );
  });

  it('missing challenge: not verified, naming freshness', () => {
    const { wf, token, blobs } = honest();
    const { challenge: _c, ...exp } = wf.expectations();
    const v = verifyGroup(token, blobs, exp);
    expect(v.kind).toBe('not-verified');
    expect(statusOf(v, 'challenge')).toBe('skip');
    expect(v.verdict.text).toMatch(/^not verified: challenge freshness not checked/);
  });

  it('missing reference values (platform firmware, a member’s expected policy): not verified', () => {
    const { wf, token, blobs } = honest();
    const { platform: _p, ...noFirmware } = wf.expectations();
    expect(verifyGroup(token, blobs, noFirmware).kind).toBe('not-verified');
    const exp = wf.expectations();
    const members = exp.members.map((m, i) => {
      if (i !== 1) return m;
      const { policy: _q, ...rest } = m;
      return rest;
    });
    const v = verifyGroup(token, blobs, { ...exp, members });
    expect(v.kind).toBe('not-verified');
    expect(v.reason).toMatch(/no expected policy given for encoder/);
  });

  it('a failure outranks a skip: a wrong challenge with no anchor is rejected', () => {
    const { wf, token, blobs } = honest();
    const { anchor: _a, ...exp } = wf.expectations();
    const v = verifyGroup(token, blobs, { ...exp, challenge: new Uint8Array(64) });
    expect(v.kind).toBe('rejected');
    expect(v.verdict.missing.map((c) => c.id)).toEqual(['anchor']);
  });
});

describe('one group verdict in every view (issue 11 finding 3)', () => {
  it('the Chain tab shows the group verifier’s verdict word for word', async () => {
    const { groupChain } = await import('../../src/ui/attestation/chain-model.ts');
    const { wf, token, blobs } = honest();
    const { anchor: _a, ...exp } = wf.expectations();
    for (const v of [
      verifyGroup(token, blobs, wf.expectations()),
      verifyGroup(token, blobs, exp),
    ]) {
      const chain = groupChain(v, 'group');
      expect(chain.verdict.text).toBe(v.verdict.text);
      expect(chain.verdict.kind).toBe(v.kind);
    }
    const root = groupChain(verifyGroup(token, blobs, exp), 'group').links[0]!;
    expect(root.status).toBe('skip');
  });
});
