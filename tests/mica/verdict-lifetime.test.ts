// Issue 11 finding 5, "a verdict must not outlive what it attested" (mica-spec.md §4.3, §4.5):
// tearing a stage down and rebuilding it from the same image under the same label let a
// different policy take effect while a group token taken before still verified. The group
// token now carries its configuration epoch (REM3: the newest upload order among the
// members, which only grows), and the verifier rejects a token older than the newest epoch
// the tenant has seen as stale.
import { describe, expect, it } from 'vitest';
import { verifyGroup } from '../../src/policy/group/verify.ts';
import type { Policy } from '../../src/policy/model.ts';
import { buildVideoWorkflow } from '../../src/workflows/video.ts';

const SIZE = 0x4000;
const FRESH_CHALLENGE = new Uint8Array(64).fill(0x5a);

/** The moderator's variant: it drops its own CALL rule (the monitor accepts that upload). */
const withoutOwnCallRule = (p: Policy): Policy => ({
  ...p,
  cfs: p.cfs.filter((c) => !(c.owner === p.self && c.type === 'CALL')),
});

describe('a verdict must not outlive what it attested (issue 11 finding 5)', () => {
  it('a stage rebuilt from the same image and label makes the earlier token stale', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    const before = wf.attest()!;
    const expected = wf.expectations();
    const first = verifyGroup(before.token, before.blobs, expected);
    expect(first.kind).toBe('verified');
    expect(first.epoch).toBeGreaterThan(0);
    const label = expected.members.find((m) => m.name === 'moderator')!;

    // The host tears the moderator down and rebuilds it: same image, same label, and a
    // policy without its own CALL rule. The monitor accepts the upload.
    expect(wf.rebuild('moderator', withoutOwnCallRule)).toBe(0);
    const again = wf.expectations().members.find((m) => m.name === 'moderator')!;
    expect(again.hash).toBe(label.hash);
    expect(again.rim).toEqual(label.rim);

    // A fresh token shows the new configuration: a newer epoch and the other policy.
    const after = wf.attest(undefined, FRESH_CHALLENGE)!;
    const second = verifyGroup(after.token, after.blobs, {
      ...expected,
      challenge: FRESH_CHALLENGE,
      epoch: first.epoch,
    });
    expect(second.epoch).toBeGreaterThan(first.epoch!);
    expect(second.kind).toBe('rejected');
    expect(second.checks.find((c) => c.id === 'policies')?.status).toBe('fail');

    // The token taken before still has a good signature, challenge and policies, but the
    // tenant has now seen a newer configuration: the verifier rejects it as stale.
    const replay = verifyGroup(before.token, before.blobs, { ...expected, epoch: second.epoch });
    expect(replay.kind).toBe('rejected');
    const epoch = replay.checks.find((c) => c.id === 'epoch')!;
    expect(epoch.status).toBe('fail');
    expect(epoch.reason).toMatch(
      /^stale: the token attests configuration epoch \d+, but the tenant has seen epoch \d+/,
    );
    expect(replay.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['epoch']);
  });

  it('the first verification names its epoch, and the same epoch again is current', () => {
    const wf = buildVideoWorkflow({ size: SIZE });
    const ev = wf.attest()!;
    const v = verifyGroup(ev.token, ev.blobs, wf.expectations());
    const epoch = v.checks.find((c) => c.id === 'epoch')!;
    expect(epoch.status).toBe('pass');
    expect(epoch.reason).toMatch(/the newest the tenant has seen/);
    // The same epoch again is current.
    expect(verifyGroup(ev.token, ev.blobs, { ...wf.expectations(), epoch: v.epoch }).kind).toBe(
      'verified',
    );
  });
});
