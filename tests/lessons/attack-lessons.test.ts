// The lessons that pass the video through the host and the attack challenges (05-attacks/02..):
// each reference solution replayed headless satisfies every goal (the catalogue test does
// that for every lesson), and a plausible wrong route satisfies none of them, or only the
// goals it really reached. Goals are judged from the ledger and the machine state.
import { describe, expect, it } from 'vitest';
import { replayCommands, replaySolution, type Lesson } from '../../src/lessons/index.ts';
import { keptGroupAppraisal } from '../../src/shell/host/verify-group.ts';
import { LESSONS, findLesson } from '../../src/lessons/loaded.ts';

function lesson(id: string): Lesson {
  const found = findLesson(id);
  if (!found) throw new Error(`no lesson ${id}`);
  return found;
}

function goalsDone(id: string, lines: readonly string[]): Record<string, boolean> {
  const replay = replayCommands(lesson(id), [...lines]);
  return Object.fromEntries(replay.goals.map((g) => [g.id, g.done]));
}

describe('03-pipeline-cca/03-through-the-host goals', () => {
  const id = '03-pipeline-cca/03-through-the-host';

  it('a copy inside the gateway and a page the encoder shares alone pass nothing on', () => {
    expect(
      goalsDone(id, [
        '@gw copy 0x1000 0x5000 18',
        'read 0x84019000 18',
        '@enc ipa-state set 0x8000 0x9000 empty',
        '@enc copy 0x20000008000 0x5000 18',
      ]),
    ).toEqual({ 'shared-page': false, 'host-read': false, delivered: false });
  });

  it('two realms sharing one IPA each get their own page unless the host swaps them', () => {
    expect(
      goalsDone(id, [
        '@gw ipa-state set 0x8000 0x9000 empty',
        '@gw copy 0x1000 0x20000008000 18',
        '@enc ipa-state set 0x8000 0x9000 empty',
        '@enc copy 0x20000008000 0x5000 18',
      ]),
    ).toEqual({ 'shared-page': true, 'host-read': false, delivered: false });
  });

  it('an NS mapping without access bits gives the encoder a fault, not the frame', () => {
    const done = goalsDone(id, [
      '@gw ipa-state set 0x8000 0x9000 empty',
      '@gw copy 0x1000 0x20000008000 18',
      '@enc ipa-state set 0x8000 0x9000 empty',
      '@enc mem read 0x20000008000 4',
      'rmi RTT_UNMAP_UNPROTECTED 0x8400b000 0x20000008000 3',
      'rmi RTT_MAP_UNPROTECTED 0x8400b000 0x20000008000 3 0x84019000',
      '@enc copy 0x20000008000 0x5000 18',
    ]);
    expect(done.delivered).toBe(false);
  });
});

describe('05-attacks/02-copy-to-host goals', () => {
  const id = '05-attacks/02-copy-to-host';

  it('a store of typed bytes to host memory is not the video, and Mem1 is not Mem2', () => {
    expect(
      goalsDone(id, [
        '@encoder mem write 0x20000001000 "not the video"',
        '@encoder copy 0x18000000020 0x5000 50',
      ]),
    ).toEqual({ attempt: false, verdict: false, 'pipe-works': false });
  });

  it('the blocked store carries the video labels: the ledger says what was stopped', () => {
    const replay = replayCommands(lesson(id), ['@encoder copy 0x18000000020 0x20000001000 50']);
    const blocked = replay.session.machine.ledger.filter(
      (e) =>
        e.kind === 'flow' && e.decision.verdict === 'blocked' && e.seq > replay.session.startSeq,
    );
    expect(blocked.map((e) => (e.kind === 'flow' ? e.labels : []))).toContainEqual(['video']);
  });
});

describe('05-attacks/03-private-to-shared goals', () => {
  const id = '05-attacks/03-private-to-shared';

  it('an IPA_STATE_GET is refused too, but it is not a share; a share of an empty page proves nothing', () => {
    expect(goalsDone(id, ['@encoder ipa-state get 0x5000 0x6000'])).toEqual({
      'private-copy': false,
      attempt: false,
      verdict: false,
    });
    expect(goalsDone(id, ['@encoder ipa-state set 0x5000 0x6000 empty'])).toEqual({
      'private-copy': false,
      attempt: true,
      verdict: false,
    });
  });
});

describe('05-attacks/04-host-call goals', () => {
  it('another refused SMC (RSI_VERSION) is not a host call', () => {
    expect(goalsDone('05-attacks/04-host-call', ['@encoder smc 0xc4000190 0x10000'])).toEqual({
      attempt: false,
      verdict: false,
    });
  });
});

describe('05-attacks/05-host-in-the-middle goals', () => {
  it('an honest host wiring Mem1 into the encoder gets the upload accepted: nothing ticks', () => {
    expect(
      goalsDone('05-attacks/05-host-in-the-middle', [
        'mica share Mem1 encoder:0',
        '@encoder policy upload video-moderation',
      ]),
    ).toEqual({ 'different-pages': false, refused: false });
  });
});

describe('05-attacks/06-leftovers goals', () => {
  const id = '05-attacks/06-leftovers';

  it('one end torn down and a faulting read are not a look at the leftovers', () => {
    expect(
      goalsDone(id, ['realm destroy gateway', 'read 0x8404f020 50', 'undelegate 0x8404f000']),
    ).toEqual({ teardown: false, attempt: false, verdict: false });
  });

  it('both ends gone, but the page still DELEGATED: the GPT stopped the read', () => {
    expect(
      goalsDone(id, ['realm destroy gateway', 'realm destroy encoder', 'read 0x8404f020 50']),
    ).toEqual({ teardown: true, attempt: false, verdict: false });
  });
});

describe('05-attacks/07-substitution goals', () => {
  it('the real encoder uploading and a verified token: no substitute, nothing caught', () => {
    expect(
      goalsDone('05-attacks/07-substitution', [
        '@encoder policy upload video-moderation',
        '@gateway attest group random',
        'mica verify last video-moderation',
      ]),
    ).toEqual({ substituted: false, leaked: false, caught: false });
  });
});

describe('05-attacks/08-gap-caught goals', () => {
  it('a mapping into an outsider that has not uploaded gives it the dummy page: no leak, no join', () => {
    expect(
      goalsDone('05-attacks/08-gap-caught', [
        'realm create spy',
        'mica share MemX spy:0 --size 0x1000',
        '@spy mem read 0x18000000000 8',
        'rmi RMI_DATA_CREATE_UNKNOWN_SHARED 0x84121000 0x84049000 0x18000010000',
        '@spy console @0x18000010020 50',
      ]),
    ).toEqual({ joined: false, leaked: false, caught: false });
  });
});

describe('05-attacks/09-gap-uncaught goals', () => {
  const id = '05-attacks/09-gap-uncaught';

  it('a token taken before the leak does not show the verifier missing it', () => {
    expect(
      goalsDone(id, [
        '@gateway attest group random',
        'rmi RMI_DATA_CREATE_UNKNOWN_SHARED 0x8403e000 0x84049000 0x18000040000',
        '@storage console @0x18000040020 50',
      ]),
    ).toEqual({ joined: true, leaked: true, verified: false });
  });

  it('a mapping inside storage’s own window is refused: no join, no leak', () => {
    expect(
      goalsDone(id, [
        'rmi RMI_DATA_CREATE_UNKNOWN_SHARED 0x8403e000 0x84049000 0x18000010000',
        '@storage console @0x18000010020 50',
        '@gateway attest group random',
      ]),
    ).toEqual({ joined: false, leaked: false, verified: false });
  });
});

describe('goal titles ask for what the goals check', () => {
  it('a goal met without the tenant running `mica verify` does not ask the learner to verify', () => {
    // Group-token goals recompute the tenant's verdict on every kept token (tenantVerdicts),
    // so they are met once the host holds the token: "Have the tenant verify ..." turned ✓
    // before the learner typed `mica verify` (05-attacks/07-09).
    const asked: string[] = [];
    for (const l of LESSONS) {
      if (!l.solution.some((line) => line.startsWith('mica verify'))) continue;
      const replay = replayCommands(
        l,
        l.solution.filter((line) => !line.startsWith('mica verify')),
      );
      for (const g of replay.goals) {
        const title = l.goals.find((x) => x.id === g.id)!.title;
        if (g.done && /\bverify\b/i.test(title)) asked.push(`${l.id} ${g.id}: ${title}`);
      }
    }
    expect(asked).toEqual([]);
  });
});

describe('05-attacks/06-leftovers output', () => {
  it('the monitor’s CLEAN at the teardown is said as done, not as a stopped attempt in red', () => {
    const replay = replayCommands(lesson('05-attacks/06-leftovers'), [
      'realm destroy gateway',
      'realm destroy encoder',
    ]);
    const clean = replay.transcript
      .flatMap((t) => t.output)
      .filter((l) => l.text.includes('the monitor zeroed it'));
    expect(clean.length).toBeGreaterThan(0);
    for (const l of clean) {
      expect(l.tone).toBe('ok');
      expect(l.text).toMatch(/^ {2}✓ #\d+ /);
    }
  });
});

describe('host rmi output on a mapping decision', () => {
  it('says who was refused what, without a byte count of nothing', () => {
    // 04-mica/02 printed "blocked ns-map: host -> encoder, 0 bytes (VM2 is-gateway false: …)".
    const replay = replayCommands(lesson('04-mica/02-enforce'), [
      'rmi RMI_RTT_MAP_UNPROTECTED 0x80033000 0x20000001000 3 0x88000000',
    ]);
    const lines = replay.transcript.flatMap((t) => t.output.map((l) => l.text));
    expect(
      lines.some((l) => /^ {2}blocked ns-map: host -> encoder \(VM2 is-gateway false: /.test(l)),
    ).toBe(true);
    expect(lines.some((l) => /, 0 bytes/.test(l))).toBe(false);
  });
});

describe('a refused console print is named as typed', () => {
  it('`console @<ipa> <len>` refused reads "console: …", not the guest op\'s "send: …"', () => {
    const replay = replayCommands(lesson('05-attacks/02-copy-to-host'), [
      '@encoder console @0x18000000020 50',
    ]);
    const lines = replay.transcript.flatMap((t) => t.output.map((l) => l.text));
    expect(lines.some((l) => l.startsWith('console: synchronous external abort'))).toBe(true);
    expect(lines.some((l) => l.startsWith('send:'))).toBe(false);
  });
});

describe('the Chain tab’s group token (keptGroupAppraisal)', () => {
  it('is appraised as the tenant verified it, an outsider’s blob included', () => {
    // 05-attacks/08: the spy's blob names no realm of any example; the Chain fell back to the
    // sample token, "verified", while `mica verify` printed "rejected".
    const caught = replaySolution(lesson('05-attacks/08-gap-caught')).session.machine.state;
    const a = keptGroupAppraisal(caught)!;
    expect(a.expected).toBe('video-moderation');
    expect(a.verdict.kind).toBe('rejected');
    expect(a.verdict.checks.find((c) => c.id === 'membership')?.status).toBe('fail');
    const ring = replaySolution(lesson('04-mica/04-group-token')).session.machine.state;
    expect(keptGroupAppraisal(ring)).toMatchObject({ expected: 'video-ring-shipped' });
  });
});
