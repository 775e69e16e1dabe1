// Goals are total functions of the machine: whatever the learner types, in whatever order,
// every goal check returns a verdict (never a "lesson bug"), and checking never changes the
// machine. Random subsequences of each solution, mixed with wrong and hostile commands.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { abi } from '../../src/emulator/index.ts';
import { hex } from '../../src/lib/hex.ts';
import { replayCommands } from '../../src/lessons/index.ts';
import { LESSONS } from '../../src/lessons/loaded.ts';

const NOISE = [
  'delegate 0x80000000',
  'undelegate 0x80000000',
  'delegate 0x80002000',
  'read 0x80002000',
  'write 0x80002000 "x"',
  'rmi REALM_DESTROY 0x80002000',
  'rmi DATA_DESTROY 0x80002000 0x0',
  'rmi REC_DESTROY 0x80008000',
  `smc ${hex(abi.SMC_RMI_GRANULE_DELEGATE)} 0x1`,
  'realm create zz --image hello',
  '@gw mem write 0x2000 "y"',
  'tenant send gw "y"',
  '@gw net recv 0x2000',
  '@r1 psci system-off',
  '@nobody config',
  '@BAD x',
  'gpt',
];

describe.each(LESSONS.map((l) => [l.id, l] as const))('%s', (_id, lesson) => {
  it('goal checks stay total on random command sequences', () => {
    const pool = [...lesson.solution, ...NOISE];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pool), { maxLength: 12 }), (steps) => {
        const replay = replayCommands(lesson, steps);
        for (const g of replay.goals) expect(g.detail).not.toContain('lesson bug');
        const before = replay.session.machine.ledger.length;
        replay.session.check();
        expect(replay.session.machine.ledger.length).toBe(before);
      }),
      { numRuns: 25 },
    );
  });
});
