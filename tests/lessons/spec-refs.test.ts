// The lessons' spec trail is the emulator's (issue 15): a lesson that cites an RMI/RSI
// command's DEN0137 section cites the section on that command's table row, and no
// learner-facing text (bodies, hints, goal titles, spec references, host `help`) cites the
// project's internal style documents as if they were a spec.
import { describe, expect, it } from 'vitest';
import { LESSONS } from '../../src/lessons/loaded.ts';
import { createLabMachine, createHostShell } from '../../src/shell/index.ts';
import { COMMAND_ROWS } from '../spec/spec-title.ts';

/** The internal documents: how the project is written, not what the machine is. */
const INTERNAL = /code-style|style-review|CONTRIBUTING|principle \d/i;

/** Every string a learner can read in a lesson (functions dropped). */
function learnerText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'function' ? undefined : v));
}

describe('lessons cite the spec the way the emulator does', () => {
  it('a DEN0137 reference to a command cites the section on its table row', () => {
    const refs = LESSONS.flatMap((lesson) =>
      lesson.specRefs.map((ref) => ({ lesson: lesson.id, ...ref })),
    );
    const commandRefs = refs.filter(
      (ref) => ref.source === 'DEN0137' && COMMAND_ROWS.some((c) => c.name === ref.title),
    );
    expect(commandRefs.length).toBeGreaterThan(5);
    const wrong = commandRefs
      .filter(
        (ref) =>
          COMMAND_ROWS.find((c) => c.name === ref.title)!.section !== `DEN0137 ${ref.section}`,
      )
      .map((ref) => `${ref.lesson}: ${ref.title} ${ref.section}`);
    expect(wrong).toEqual([]);
  });

  it('no learner-facing text cites the internal style documents', () => {
    expect(INTERNAL.test(learnerText({ body: 'see code-style.md principle 3' }))).toBe(true);
    const cited = LESSONS.filter((lesson) => INTERNAL.test(learnerText(lesson))).map((l) => l.id);
    expect(cited).toEqual([]);
    const help = createHostShell(createLabMachine()).execute('help');
    expect(INTERNAL.test(JSON.stringify(help))).toBe(false);
  });
});
