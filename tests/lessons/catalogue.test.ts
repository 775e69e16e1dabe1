// The lesson catalogue against the engine: every lesson is well formed, every reference
// solution solves its lesson on a fresh machine through the headless host shell, and no goal
// is already done on the bare setup (so every goal can fail).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { abi } from '../../src/emulator/index.ts';
import { hex } from '../../src/lib/hex.ts';
import {
  COURSE,
  GLOSSARY,
  PARTS,
  loadLesson,
  nextLessonId,
  formatProblem,
  replayCommands,
  replaySolution,
  startLesson,
  validateCatalogue,
  type Lesson,
} from '../../src/lessons/index.ts';
import { CATALOGUE, LESSONS, findLesson } from '../../src/lessons/loaded.ts';

function lesson(id: string): Lesson {
  const found = findLesson(id);
  if (!found) throw new Error(`no lesson ${id}`);
  return found;
}

function goalsDone(id: string, lines: string[]): Record<string, boolean> {
  const replay = replayCommands(lesson(id), lines);
  return Object.fromEntries(replay.goals.map((g) => [g.id, g.done]));
}

describe('lesson catalogue', () => {
  it('every part and entry passes the validator', () => {
    expect(validateCatalogue(PARTS, CATALOGUE).map(formatProblem)).toEqual([]);
  });

  it('each row of the course names the lesson of its module, with the same id, part and mode', async () => {
    for (const row of COURSE) {
      if (row.status !== 'ready') continue;
      const loaded = await loadLesson(row.id);
      expect(loaded && { id: loaded.id, part: loaded.part, mode: loaded.mode }).toEqual({
        id: row.id,
        part: row.part,
        mode: row.mode,
      });
    }
    expect(CATALOGUE.map((e) => e.id)).toEqual(COURSE.map((row) => row.id));
  });

  it('loads nothing for an unknown or planned id, and finds the next playable lesson', async () => {
    expect(await loadLesson('01-worlds/99-nothing')).toBeUndefined();
    const outline = COURSE.find((row) => row.status === 'planned');
    if (outline) expect(await loadLesson(outline.id)).toBeUndefined();
    expect(nextLessonId('03-pipeline-cca/02-four-stages')).toBe(
      '03-pipeline-cca/03-through-the-host',
    );
    expect(nextLessonId('04-mica/01-declare')).toBe('04-mica/02-enforce');
    expect(nextLessonId(LESSONS[LESSONS.length - 1]!.id)).toBeUndefined();
  });

  it('has the four "Worlds" lessons, playable, in order', () => {
    expect(LESSONS.map((l) => l.id).filter((id) => id.startsWith('01-worlds/'))).toEqual([
      '01-worlds/01-address-spaces',
      '01-worlds/02-granule-delegation',
      '01-worlds/03-wiping',
      '01-worlds/04-failure-conditions',
    ]);
  });

  it('outlines the later parts as planned entries without goals', () => {
    for (const part of PARTS.filter((p) => p.status === 'planned')) {
      const entries = CATALOGUE.filter((e) => e.part === part.id);
      expect(entries.length, part.id).toBeGreaterThan(0);
      for (const e of entries) {
        expect(e.status).toBe('planned');
        expect('goals' in e).toBe(false);
      }
    }
  });

  describe.each(LESSONS.map((l) => [l.id, l] as const))('%s', (_id, l) => {
    it('its reference solution solves it on a fresh machine', () => {
      const replay = replaySolution(l);
      for (const step of replay.transcript) {
        const text = step.output.map((o) => o.text).join('\n');
        expect(text, step.line).not.toMatch(/switched off|unknown command|internal emulator error/);
      }
      expect(replay.goals.filter((g) => !g.done)).toEqual([]);
      expect(replay.solved).toBe(true);
      expect(replay.session.machine.checkInvariants()).toEqual([]);
    });

    it('no goal is done on the bare setup', () => {
      const session = startLesson(l);
      expect(session.check().filter((g) => g.done)).toEqual([]);
      expect(session.solved()).toBe(false);
    });

    it('checking goals does not touch the machine', () => {
      const { session } = replaySolution(l);
      const before = session.machine.ledger.length;
      session.check();
      expect(session.machine.ledger.length).toBe(before);
    });

    it('every glossary term it links is in GLOSSARY.md', () => {
      for (const term of l.glossary) {
        expect(GLOSSARY.some((g) => g.term === term)).toBe(true);
      }
    });
  });
});

describe('goals test machine state, not what was typed', () => {
  it('01: reads of other addresses in the same regions pass too', () => {
    const done = goalsDone('01-worlds/01-address-spaces', [
      'read 0x87ffff00 4',
      'read 0x1c090010 4',
      'read 0x4001000',
      'read 0x603f000',
      'read 0x60bf000',
    ]);
    expect(Object.values(done).every(Boolean)).toBe(true);
  });

  it('01: a bus error outside every region is not a GPF', () => {
    const done = goalsDone('01-worlds/01-address-spaces', ['read 0x0', 'read 0x90000000']);
    expect(Object.values(done).some(Boolean)).toBe(false);
  });

  it('02: delegating and taking the granule back is not "delegated"', () => {
    const done = goalsDone('01-worlds/02-granule-delegation', [
      'read 0x80010000',
      'delegate 0x80010000',
      'read 0x80010000',
    ]);
    expect(done).toEqual({ 'read-before': true, delegated: true, 'host-fault': true });
    const session = startLesson(lesson('01-worlds/02-granule-delegation'));
    session.machine.smc(abi.SMC_RMI_GRANULE_DELEGATE, 0x8001_0000);
    session.machine.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, 0x8001_0000);
    expect(session.check().find((g) => g.id === 'delegated')?.done).toBe(false);
  });

  it('02: a fault on another granule does not count', () => {
    const replay = replayCommands(lesson('01-worlds/02-granule-delegation'), [
      'delegate 0x80010000',
      'read 0x6080000',
    ]);
    // The read did fault, so the goal has a fault to tell apart from one on 0x80010000.
    const faults = replay.session.machine.ledger.filter((e) => e.kind === 'gpf');
    expect(faults.map((e) => e.pa)).toEqual([0x608_0000]);
    const done = Object.fromEntries(replay.goals.map((g) => [g.id, g.done]));
    expect(done['host-fault']).toBe(false);
    expect(done['read-before']).toBe(false);
  });

  it('03: any DRAM granule works, through the low-level rmi command too', () => {
    const done = goalsDone('01-worlds/03-wiping', [
      'write 0x87ff0010 "key=42"',
      'rmi GRANULE_DELEGATE 0x87ff0000',
      'rmi GRANULE_UNDELEGATE addr=0x87ff0000',
      'read 0x87ff0010 6',
    ]);
    // `rmi` is switched off in this lesson, so only the write counts.
    expect(done).toEqual({ 'secret-written': true, 'round-trip': false, 'zeroes-read': false });
    const alt = goalsDone('01-worlds/03-wiping', [
      'write 0x87ff0010 "key=42"',
      'delegate 0x87ff0000',
      'undelegate 0x87ff0000',
      'read 0x87ff0000 64',
    ]);
    expect(Object.values(alt).every(Boolean)).toBe(true);
  });

  it('03: a read after writing again, or of other bytes, proves nothing', () => {
    const rewritten = goalsDone('01-worlds/03-wiping', [
      'write 0x80020000 "my secret"',
      'delegate 0x80020000',
      'undelegate 0x80020000',
      'write 0x80020000 0x00',
      'read 0x80020000 16',
    ]);
    expect(rewritten['round-trip']).toBe(true);
    expect(rewritten['zeroes-read']).toBe(false);
    const elsewhere = goalsDone('01-worlds/03-wiping', [
      'write 0x80020000 "my secret"',
      'delegate 0x80020000',
      'undelegate 0x80020000',
      'read 0x80020800 16',
    ]);
    expect(elsewhere['zeroes-read']).toBe(false);
  });

  it('04: refusals count however the call was made; repeats of one label do not', () => {
    const raw = goalsDone('01-worlds/04-failure-conditions', [
      `smc ${hex(abi.SMC_RMI_GRANULE_DELEGATE)} 0x80000010`,
      'rmi GRANULE_DELEGATE addr=0x90000000',
      'rmi GRANULE_UNDELEGATE 0x80001000',
    ]);
    expect(raw).toEqual({ 'three-labels': true, 'both-commands': true });
    const same = goalsDone('01-worlds/04-failure-conditions', [
      'delegate 0x80000001',
      'delegate 0x80000002',
      'undelegate 0x80000003',
    ]);
    expect(same).toEqual({ 'three-labels': false, 'both-commands': true });
  });
});

describe('02-realms/01-build goals', () => {
  const id = '02-realms/01-build';

  it('accept any RD, and refused attempts on the way', () => {
    const done = goalsDone(id, [
      'rmi REALM_CREATE rd=0x80005000 params_ptr=0x80010000',
      'delegate 0x80005000',
      'delegate 0x80000000',
      'delegate 0x80001000',
      'rmi REALM_CREATE 0x80005000 0x80010000',
      'read 0x80005000 8',
    ]);
    expect(done).toEqual({ 'realm-created': true, 'granules-owned': true, 'rd-hidden': true });
  });

  it('a read of the RD granule before the realm exists does not count', () => {
    const done = goalsDone(id, [
      'delegate 0x80000000',
      'delegate 0x80001000',
      'delegate 0x80002000',
      'read 0x80002000',
      'rmi REALM_CREATE rd=0x80002000 params_ptr=0x80010000',
    ]);
    expect(done).toEqual({ 'realm-created': true, 'granules-owned': true, 'rd-hidden': false });
  });

  it('nothing is done when REALM_CREATE is refused for a missing starting RTT', () => {
    const replay = replayCommands(lesson(id), [
      'delegate 0x80000000',
      'delegate 0x80002000',
      'rmi REALM_CREATE rd=0x80002000 params_ptr=0x80010000',
    ]);
    expect(replay.transcript[2]?.output.map((o) => o.text).join('\n')).toContain('rtt_state');
    expect(replay.goals.filter((g) => g.done)).toEqual([]);
  });
});

describe('02-realms/02-measure goals', () => {
  const id = '02-realms/02-measure';
  const rd = '0x80002000';
  const tables = [
    'delegate 0x80003000',
    `rmi RTT_CREATE ${rd} 0x80003000 0x0 2`,
    'delegate 0x80004000',
    `rmi RTT_CREATE ${rd} 0x80004000 0x0 3`,
  ];

  it('activating an empty realm is not loading it, and early refusals do not count', () => {
    const done = goalsDone(id, [
      'delegate 0x80005000',
      `rmi DATA_CREATE ${rd} 0x80005000 0x0 0x80011000 1`,
      `rmi REALM_ACTIVATE ${rd}`,
    ]);
    expect(done).toEqual({ 'data-loaded': false, activated: true, 'rim-frozen': false });
  });

  it('activating before loading: the load goal says it can no longer be met and the way back', () => {
    const replay = replayCommands(lesson(id), [`rmi REALM_ACTIVATE ${rd}`]);
    const loaded = replay.goals.find((g) => g.id === 'data-loaded');
    expect(loaded?.done).toBe(false);
    expect(loaded?.detail).toMatch(/activated before anything was loaded/);
    expect(loaded?.detail).toMatch(
      /Undo \(Alt\+Z\) back before RMI_REALM_ACTIVATE, or Reset lesson/,
    );
  });

  it('the nudge’s first step is refused for the missing tables, as the nudge says (rtt_walk)', () => {
    const nudge = lesson(id).hints.find((h) => h.tier === 'nudge')!.text;
    const lines = [...nudge.matchAll(/`((?:delegate|rmi) [^`]+)`/g)].map((m) => m[1]!);
    expect(lines.at(-1)).toMatch(/^rmi DATA_CREATE /);
    const replay = replayCommands(lesson(id), lines);
    expect(
      replay.transcript
        .at(-1)
        ?.output.map((l) => l.text)
        .join('\n'),
    ).toMatch(/failed rtt_walk/);
  });

  it('an unmeasured-content load still extends the RIM (the IPA is measured)', () => {
    const done = goalsDone(id, [
      ...tables,
      'delegate 0x80007000',
      `rmi DATA_CREATE ${rd} 0x80007000 0x3000 0x80011000 0`,
    ]);
    expect(done).toEqual({ 'data-loaded': true, activated: false, 'rim-frozen': false });
  });
});

describe('02-realms/03-run goals', () => {
  const id = '02-realms/03-run';
  const rec = ['delegate 0x80008000', 'delegate 0x80009000', 'delegate 0x8000a000'];
  const create = 'rmi REC_CREATE 0x80002000 0x80008000 0x80012000';

  it('REC_ENTER before activation is refused, and a read before any entry does not count', () => {
    const replay = replayCommands(lesson(id), [
      ...rec,
      create,
      'read 0x80013800 8',
      'rmi REC_ENTER 0x80008000 0x80013000',
    ]);
    expect(replay.transcript[5]?.output[0]?.text).toContain('RMI_ERROR_REALM');
    expect(Object.fromEntries(replay.goals.map((g) => [g.id, g.done]))).toEqual({
      'rec-created': true,
      activated: false,
      'exit-read': false,
    });
  });

  it('activating before creating a REC: both REC goals say so and the way back', () => {
    const replay = replayCommands(lesson(id), ['rmi REALM_ACTIVATE 0x80002000']);
    for (const goal of ['rec-created', 'activated']) {
      const g = replay.goals.find((x) => x.id === goal);
      expect(g?.done).toBe(false);
      expect(g?.detail).toMatch(/Undo \(Alt\+Z\) back before RMI_REALM_ACTIVATE, or Reset lesson/);
    }
  });

  it('names the exit reason it finds in the RmiRecRun page', () => {
    const replay = replaySolution(lesson(id));
    expect(replay.goals.find((g) => g.id === 'exit-read')?.detail).toContain('RMI_EXIT_');
  });
});

describe('02-realms/04-identity goals', () => {
  const id = '02-realms/04-identity';

  it('RIMs under different hash algorithms are not compared', () => {
    const done = goalsDone(id, [
      'realm create a --image hello',
      'realm create d --image hello --hash sha512',
    ]);
    expect(done).toEqual({ 'same-rim': false, 'different-rim': false });
  });

  it('more RAM is a different realm; a hand-built NEW realm is not compared', () => {
    const done = goalsDone(id, [
      'realm create a --image hello',
      'realm create e --image hello --ram 32',
      'delegate 0x87000000',
      'delegate 0x87001000',
      'delegate 0x87002000',
    ]);
    expect(done).toEqual({ 'same-rim': false, 'different-rim': true });
  });
});

describe('03-pipeline-cca/01-host-sees goals', () => {
  const id = '03-pipeline-cca/01-host-sees';

  it('unlabelled data leaving the realm proves nothing about the video', () => {
    const done = goalsDone(id, [
      '@gw mem write 0x1000 "frame 0001"',
      '@gw console @0x1000 10',
      'read 0x8400b000 16',
    ]);
    expect(done).toEqual({
      input: false,
      protected: false,
      'left-realm': false,
      'host-read': false,
    });
  });

  it('a program cannot label its own frame: mem write --label is refused, nothing counts', () => {
    const done = goalsDone(id, [
      '@gw mem write 0x1000 "frame 0001" --label video',
      '@gw console @0x1000 10',
      'read 0x8400b000 16',
    ]);
    expect(done).toEqual({
      input: false,
      protected: false,
      'left-realm': false,
      'host-read': false,
    });
  });

  it('a host read of the shared page before the realm wrote to it does not count', () => {
    const done = goalsDone(id, [
      'tenant send gw "frame 0001"',
      '@gw net recv 0x1000',
      'read 0x8400f000 16',
      'read 0x8400e000 16',
    ]);
    expect(done).toEqual({ input: true, protected: true, 'left-realm': false, 'host-read': false });
  });

  it('the VMM reading the console page to print it is not the host’s read the lesson asks for', () => {
    const printed = [
      'tenant send gw "frame 0001"',
      '@gw net recv 0x1000',
      '@gw console @0x1000 10',
    ];
    expect(goalsDone(id, printed)).toMatchObject({ 'left-realm': true, 'host-read': false });
    expect(goalsDone(id, [...printed, 'read 0x8400f000 16'])).toMatchObject({
      'host-read': true,
    });
  });

  it('reading the tenant input in the network buffer is not the realm leaking it', () => {
    const done = goalsDone(id, [
      'tenant send gw "frame 0001"',
      '@gw net recv 0x1000',
      'read 0x8400a000 16',
    ]);
    expect(done).toMatchObject({ input: true, 'left-realm': false, 'host-read': false });
  });
});

describe('03-pipeline-cca/02-four-stages goals', () => {
  const id = '03-pipeline-cca/02-four-stages';

  it('four realms built alike are one identity, and a frame left waiting is not in a realm', () => {
    const done = goalsDone(id, [
      'realm create gateway --net',
      'realm create encoder',
      'realm create moderator',
      'realm create storage',
      'tenant send gateway "frame 0001"',
    ]);
    expect(done).toEqual({ 'four-realms': false, 'frame-in': false });
  });
});

describe('04-mica/02-enforce goals', () => {
  it('an NS mapping refused for a gateway, or a walk failure, is not a monitor refusal', () => {
    const done = goalsDone('04-mica/02-enforce', [
      'read 0x80001000 8',
      'rmi RMI_DATA_CREATE_UNKNOWN_SHARED 0x8005d000 0x80075000 0x18008000000',
    ]);
    expect(done).toEqual({
      'pipe-protected': false,
      sealed: false,
      'undeclared-window': false,
    });
  });
});

describe('04-mica/03-agreement goals', () => {
  it('a refusal that names no neighbour (one-shot, a second upload) is not a disagreement', () => {
    const done = goalsDone('04-mica/03-agreement', [
      '@encoder policy upload video-moderation',
      '@moderator policy upload video-moderation',
      '@storage policy upload video-moderation',
    ]);
    expect(done).toEqual({ refused: false, fixed: false, complete: true });
  });

  it('a refusal left unfixed completes nothing', () => {
    const done = goalsDone('04-mica/03-agreement', ['@moderator policy upload size-mismatch']);
    expect(done).toEqual({ refused: true, fixed: false, complete: false });
  });

  it('any disagreeing file counts: storage claiming Mem2 is refused by name too', () => {
    const done = goalsDone('04-mica/03-agreement', [
      '@moderator policy upload video-moderation',
      '@storage policy upload storage-bypass',
      '@storage policy upload video-moderation',
    ]);
    expect(done).toEqual({ refused: true, fixed: true, complete: true });
  });
});

describe('04-mica/04-group-token goals', () => {
  const BUILD = [
    'realm create gateway',
    'realm create encoder',
    'realm create moderator',
    'realm create storage',
    'mica share Mem1 gateway:0 encoder:0',
    'mica share Mem2 encoder:1 moderator:0',
    'mica share Mem3 moderator:1 storage:0',
  ];
  const RING = [
    'realm create rg',
    'realm create re',
    'realm create rn',
    'mica share Ring1 rg:0 re:0',
    'mica share Ring2 re:1 rn:0',
    'mica share Ring3 rn:1 rg:1',
  ];

  it('a token taken before storage uploaded is not the pipeline the tenant expects', () => {
    const done = goalsDone('04-mica/04-group-token', [
      ...BUILD,
      '@gateway policy upload video-moderation',
      '@encoder policy upload video-moderation',
      '@moderator policy upload video-moderation',
      '@gateway attest group random',
      'mica verify last video-moderation',
    ]);
    expect(done).toEqual({ verified: false, 'offending-path': false });
  });

  it('the locked-down ring verifies: no offending path, so the second goal stays open', () => {
    const done = goalsDone('04-mica/04-group-token', [
      ...BUILD,
      ...['gateway', 'encoder', 'moderator', 'storage'].map(
        (s) => `@${s} policy upload video-moderation`,
      ),
      '@gateway attest group random',
      ...RING,
      ...['rg', 're', 'rn'].map((s) => `@${s} policy upload video-ring-locked`),
      '@rg attest group random',
    ]);
    expect(done).toEqual({ verified: true, 'offending-path': false });
  });

  it('the goals read the kept tokens, not the verify command: no verify typed, both done', () => {
    const l = lesson('04-mica/04-group-token');
    const lines = l.solution.filter((s) => !s.startsWith('mica verify'));
    expect(goalsDone('04-mica/04-group-token', lines)).toEqual({
      verified: true,
      'offending-path': true,
    });
  });
});

describe('05-attacks/01-late-join goals', () => {
  it('a refused mapping of an NS page joins nothing', () => {
    const done = goalsDone('05-attacks/01-late-join', [
      'rmi RMI_DATA_CREATE_UNKNOWN_SHARED 0x8005d000 0x80034000 0x18000004000',
    ]);
    expect(done).toEqual({ 'joined-pipe': false, 'private-page': false });
  });
});

describe('02-realms/05-attest goals', () => {
  it('a token taken before the REM was extended does not carry it, so it does not count', () => {
    const done = goalsDone('02-realms/05-attest', [
      '@r1 attest 0x5eed',
      '@r1 measure extend 1 "after the fact"',
    ]);
    expect(done).toEqual({ 'rem-extended': true, token: false });
  });
});

describe('glossary', () => {
  it('mirrors GLOSSARY.md row for row', () => {
    const md = readFileSync(new URL('../../GLOSSARY.md', import.meta.url), 'utf8');
    const rows = [...md.matchAll(/^\|\s*\*\*(.+?)\*\*(?:\s*\(Mica\))?\s*\|\s*(.+?)\s*\|$/gm)].map(
      (m) => ({ term: m[1], definition: m[2] }),
    );
    expect(GLOSSARY.map(({ term, definition }) => ({ term, definition }))).toEqual(rows);
  });
});

describe('hints', () => {
  it('no hint tells the learner to type a command the lesson withholds', () => {
    // 04-mica/01's near-solution said "`@encoder policy show video-moderation` prints a file
    // that works", and the lesson refuses that very command (the encoder's file is withheld).
    const refused: string[] = [];
    for (const l of LESSONS) {
      const spans = l.hints.flatMap((h) => [...h.text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
      const session = startLesson(l);
      for (const span of spans) {
        const said = session.terminals
          .execute(span)
          .output.map((o) => o.text)
          .join('\n');
        if (/withheld/.test(said)) refused.push(`${l.id}: ${span}`);
      }
    }
    expect(refused).toEqual([]);
  });
});
