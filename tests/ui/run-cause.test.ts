/**
 * The Pipeline banner words what decided a run as the rest of the lab words a refusal
 * (src/ui/pipeline/outcomes.ts `runCause`): a block by the sentence the list under the drawing
 * gives its deciding flow ("blocked by the Mica monitor, check <label>", "blocked by its
 * policy, rule CF1" with the clause), not the monitor's internal rule name ("by shared page
 * mapped"); a verifier's catch by its check.
 */
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/lessons/pipeline.ts';
import { buildPipeline } from '../../src/ui/pipeline/pipeline-model.ts';
import { runCause } from '../../src/ui/pipeline/outcomes.ts';

/** The banner's words after "<title> attack n (mode)" for pipeline scenario `n` in Mica mode. */
function cause(n: number): { rule: string | undefined; text: string } {
  const { machine, result } = runPipeline(n, 'mica');
  const model = buildPipeline(machine.state, machine.ledger);
  return { rule: result.rule, text: runCause(result, [...model.flows, ...model.offDrawing]) };
}

describe('the Pipeline banner words a refusal as the lab does', () => {
  it('a host page refused by the monitor: "blocked by the Mica monitor, check …", with the reason', () => {
    const { rule, text } = cause(11);
    expect(rule).toBe('shared page mapped');
    expect(text).not.toMatch(/^ by shared page mapped/);
    expect(text).toMatch(
      /^: host tried to reuse shared page 0x[0-9a-f]+, which Mica holds: blocked by the Mica monitor, check mica_shared_mapped\. granule 0x[0-9a-f]+ is a protected shared page mapped by 2 realm\(s\)/,
    );
  });

  it('a call refused by a stage’s policy: its rule in short, the whole clause after it', () => {
    const { text } = cause(3);
    expect(text).toMatch(
      /^: encoder tried to call the host: blocked by its policy, rule CF1 \(CF1 owner VM2 CALL 0x17 BLOCK\)\. /,
    );
  });

  it('a catch by the verifier names its check', () => {
    const { rule, text } = cause(17);
    expect(text.startsWith(`, check ${rule}: `)).toBe(true);
  });
});
