/**
 * Issue 6 "done": a learner uploads policies to three realms from the terminals and the
 * agreement check accepts or refuses them. Only shell lines, as `mica-lab shell` types them.
 */
import { describe, expect, it } from 'vitest';
import { hostRealm } from '../../src/emulator/index.ts';
import { hex } from '../../src/lib/hex.ts';
import { micaOf } from '../../src/policy/index.ts';
import { startLesson } from '../../src/lessons/index.ts';
import { findLesson } from '../../src/lessons/loaded.ts';
import { labTerminals } from './lab-terminals.ts';

const SETUP = [
  'realm create gateway',
  'realm create encoder',
  'realm create moderator',
  'mica share Mem1 gateway:0 encoder:0 --size 0x40000',
  'mica share Mem2 encoder:1 moderator:0 --size 0x40000',
  'mica share Mem3 moderator:1 --size 0x40000',
];

describe('Mica in the terminals', () => {
  it('realm create attaches PD, dummy page and SGT before REALM_ACTIVATE', () => {
    const { type } = labTerminals();
    const first = type('realm create gateway');
    const order = [
      'REALM_CREATE',
      'REC_CREATE 0',
      'RMI_REALM_PD',
      'RMI_REALM_DUMMY_PAGE',
      'RMI_SGT 1/',
      'REALM_ACTIVATE',
    ];
    const at = order.map((w) => first.indexOf(w));
    expect(at.every((x) => x >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    // The SGT granules are donated once per machine.
    expect(type('realm create encoder')).not.toContain('RMI_SGT');
  });

  it('three realms of the video workflow upload in order and are accepted', () => {
    const { type } = labTerminals();
    SETUP.forEach((l) => type(l));
    for (const r of ['gateway', 'encoder', 'moderator']) {
      const o = type(`@${r} policy upload video-moderation`);
      expect(o).toContain('policy upload: RSI_SUCCESS');
      expect(o).toContain('allowed by upload:accepted');
      expect(o).toMatch(/REM0/);
    }
    expect(type('mica status')).toContain('3 upload(s) accepted');
  });

  it('an accepted file that BLOCKs the realm’s own SMCs leaves no blocked attempt the learner never made', () => {
    const { machine, type } = labTerminals();
    SETUP.forEach((l) => type(l));
    type('@gateway policy upload video-moderation');
    const before = machine.ledger.length;
    // The encoder's file BLOCKs its SMC class (CF1 owner VM2 CALL 0x17): reading REM0 with
    // RSI_MEASUREMENT_READ right after the upload was refused and printed as a red "tried to
    // call the host" on a successful upload.
    const o = type('@encoder policy upload video-moderation');
    expect(o).toContain('allowed by upload:accepted');
    const blocked = machine.ledger
      .slice(before)
      .filter((e) => e.kind === 'flow' && e.decision.verdict === 'blocked');
    expect(blocked).toEqual([]);
    expect(o).not.toMatch(/✖|tried to call the host/);
    const rd = hostRealm(machine, 'encoder')!.rd;
    const rem0 = machine.state.rmm.realms['0x' + rd.toString(16)]!.rems[0]!.slice(0, 64);
    expect(o, 'REM0 printed is the RMM’s, as extended by the upload').toContain(`REM0 ${rem0}`);
    expect(o).toMatch(/CF1 now blocks this realm's own SMCs/);
  });

  it('a typed file without CF rules, whose SMCs a neighbour’s accepted file BLOCKs, uploads without a blocked attempt', () => {
    // 04-mica/01: the learner types the encoder's file (no CF rules); the gateway's accepted
    // file BLOCKs VM2's SMC class, so the transition table does.
    const lesson = findLesson('04-mica/01-declare')!;
    const typed = lesson.solution.find((l) => l.startsWith('@encoder policy upload'))!;
    const session = startLesson(lesson);
    const before = session.machine.ledger.length;
    const o = session.terminals
      .execute(typed)
      .output.map((l) => l.text)
      .join('\n');
    expect(o).toContain('allowed by upload:accepted');
    const blocked = session.machine.ledger
      .slice(before)
      .filter((e) => e.kind === 'flow' && e.decision.verdict === 'blocked');
    expect(blocked).toEqual([]);
    expect(o).toMatch(/CF1 of gateway's file now blocks this realm's own SMCs/);
  });

  it('gpt names the realm that owns a granule and the shared object a pipe page belongs to', () => {
    const { machine, type } = labTerminals();
    SETUP.forEach((l) => type(l));
    type('@gateway policy upload video-moderation');
    type('@encoder policy upload video-moderation');
    const encoder = hostRealm(machine, 'encoder')!.rd;
    const mem1 = Object.values(micaOf(machine.state)!.realms)
      .flatMap((r) => Object.values(r.mappings))
      .find((m) => m.mem === 'Mem1')!.pa;
    // A pipe page is DELEGATED in the RMM with no owner: `gpt` printed nothing after the state,
    // and a realm's granules only by RD, so a learner told "Mem1 starts at ..." or "find a
    // DATA granule of the encoder" could not tell from the table.
    expect(type(`gpt ${hex(mem1)} 1`)).toMatch(/DELEGATED\s+Mem1, mapped by gateway and encoder/);
    expect(type(`gpt ${hex(encoder)} 1`)).toContain(`RD           realm ${hex(encoder)} (encoder)`);
  });

  it('a mismatched policy is refused by name, and a second upload is refused (one-shot)', () => {
    const { type } = labTerminals();
    SETUP.forEach((l) => type(l));
    type('@gateway policy upload video-moderation');
    type('@encoder policy upload video-moderation');
    const bad = type('@moderator policy upload size-mismatch');
    expect(bad).toContain('refused');
    expect(bad).toContain('blocked by Mem2.size');
    const again = type('@gateway policy upload video-moderation');
    expect(again).toContain('refused');
    expect(again).toContain('upload:one-shot');
  });
});
