// The page-level session never meets an internal error (issue 9): random command sequences
// typed into the page's terminals (host with `@realm` routing, realm terminals, undo), on
// the page's machine in each of the three modes and after each lesson's start, end with no
// "internal emulator error" and a machine that passes its invariants.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LESSONS } from '../../src/lessons/loaded.ts';
import { abi, type MachineMode } from '../../src/emulator/index.ts';
import { hex } from '../../src/lib/hex.ts';
import { isInternalError } from '../../src/shell/index.ts';
import { lessonOf } from '../../src/ui/lesson/lesson-state.svelte.ts';
import { LabMachine } from '../../src/ui/state/machine.svelte.ts';
import { openPageTerminals } from '../../src/ui/terminal/page-terminals.ts';

/** Lines a learner (or a curious one) types: real steps, wrong ones and hostile ones. */
const POOL = [
  'realm create gw --net',
  'realm create enc --image shell',
  'realm create a --image hello',
  'realm list',
  'run gw',
  'run a',
  '@gw attest random',
  '@gw measure read',
  '@gw measure extend 1 "x"',
  '@gw mem write 0x1000 "frame"',
  'tenant send gw "frame"',
  '@gw net recv 0x1000',
  '@gw console @0x1000 16',
  '@enc console @0x18000000000 16',
  '@gw policy upload video-moderation',
  '@enc policy upload video-moderation',
  '@gw psci system-off',
  '@nobody config',
  '@BAD x',
  '@gw',
  'attest verify last',
  'delegate 0x80000000',
  'undelegate 0x80000000',
  'read 0x80000000 16',
  'write 0x80000000 "x"',
  'rmi REALM_DESTROY 0x80002000',
  'rmi REALM_ACTIVATE 0x80002000',
  `smc ${hex(abi.SMC_RMI_GRANULE_DELEGATE)} 0x1`,
  'gpt',
  'clear',
  'help',
  'policy show video-moderation',
  'mica status',
  '"unterminated',
];

/** One action: a line in the host terminal, a line in a realm's terminal, or undo. */
const action = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...POOL).map((line) => ({ kind: 'host', line })) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('gw', 'enc', 'a'), fc.constantFrom(...POOL))
      .map(([realm, line]) => ({ kind: 'realm', realm, line: line.replace(/^@\S+\s*/, '') })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'undo' }) },
);

type Action =
  | { kind: 'host'; line: string }
  | { kind: 'realm'; realm: string; line: string }
  | { kind: 'undo' };

function play(lab: LabMachine, actions: readonly Action[]): void {
  const terminals = openPageTerminals(lab);
  for (const a of actions) {
    if (a.kind === 'undo') {
      lab.undo();
      continue;
    }
    const session = a.kind === 'host' ? terminals.host : terminals.realm(a.realm);
    const output = session.execute(a.line);
    expect(isInternalError(output), `${JSON.stringify(a)}: ${JSON.stringify(output)}`).toBe(false);
  }
  expect(lab.machine.checkInvariants()).toEqual([]);
}

const MODES: readonly MachineMode[] = ['cca', 'mica', 'mica-prototype'];

describe('the page-level session never reports an internal error', () => {
  it.each(MODES)('on the page machine in %s mode', (mode) => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 14 }), (actions) => {
        const lab = new LabMachine({ mode });
        try {
          play(lab, actions as Action[]);
        } finally {
          lab.dispose();
        }
      }),
      { numRuns: 30 },
    );
  });

  it.each(LESSONS.map((l) => [l.id, l] as const))('inside lesson %s', (_id, lesson) => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 10 }), (actions) => {
        const lab = new LabMachine({ mode: 'mica' });
        try {
          lessonOf(lab).start(lesson);
          play(lab, [
            ...lesson.solution.map((line) => ({ kind: 'host', line }) as const),
            ...(actions as Action[]),
          ]);
        } finally {
          lab.dispose();
        }
      }),
      { numRuns: 8 },
    );
  });
});

describe('the page’s host terminal suggests only commands the lesson offers', () => {
  // Lesson 01-worlds/01 switches delegate off; gpt's summary said 'Try "delegate 0x80000000"'
  // in the page (the lesson's gate wraps the shell, which did not know).
  it('gpt in 01-worlds/01 does not suggest delegate; outside a lesson it does', () => {
    const lab = new LabMachine({ mode: 'cca' });
    const terminals = openPageTerminals(lab);
    const gpt = () =>
      terminals.host
        .execute('gpt')
        .map((l) => l.text)
        .join('\n');
    expect(gpt()).toContain('Try "delegate 0x80000000".');
    lessonOf(lab).start(LESSONS.find((l) => l.id === '01-worlds/01-address-spaces')!);
    expect(gpt()).toContain('No granule has changed since boot.');
    expect(gpt()).not.toContain('delegate');
  });
});
