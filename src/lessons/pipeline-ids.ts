/**
 * The Pipeline view's scenarios by number, without their code (mica-spec.md §6): 0 the clean
 * video pipeline, 1..PIPELINE_ATTACK_COUNT the attacks. Links and save files are checked
 * against this on a cold load; the workflows that run a scenario (./pipeline.ts and
 * src/workflows) are loaded when one is first run (`loadPipeline`), so the first screen does
 * not carry them (issue 14).
 */
import { adoptHeld, holdState, type Machine, type MachineMode } from '../emulator/index.ts';
import { loadShellCode } from '../shell/index.ts';
import type { PipelineRun } from './pipeline.ts';

/** The Mica modes a pipeline scenario runs in. */
export type PipelineMode = Exclude<MachineMode, 'cca'>;

/**
 * How many §6 attacks the workflows define, numbered from 1 (`ATTACKS` in
 * src/workflows/attacks.ts; tests/lessons/links.test.ts checks the two agree).
 */
export const PIPELINE_ATTACK_COUNT = 21;

/** Whether `n` names a pipeline scenario. */
export function isPipelineScenario(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= PIPELINE_ATTACK_COUNT;
}

/** The menu and undo label of scenario `n`: "video pipeline" or "attack 19". */
export function pipelineLabel(n: number): string {
  return n === 0 ? 'video pipeline' : `attack ${n}`;
}

/** Loads the pipeline scenarios' code (the workflows, the attacks, `runPipeline`). */
export function loadPipeline(): Promise<typeof import('./pipeline.ts')> {
  // A run builds, attests and verifies: the code the shells load when first used comes too.
  return Promise.all([import('./pipeline.ts'), loadShellCode()]).then(([pipeline]) => pipeline);
}

/**
 * Puts `target` (the lab's or a lesson's machine) where `run` ended: its state and its whole
 * ledger, as a new history (as a restore starts one). A checkpoint adoption, not a snapshot
 * and a restore: the
 * run's machine was built here, by this code, so the snapshot's serialisation and the
 * restore's validation of untrusted input (two thirds of a Run in the page) have nothing to
 * check. Refused, with the reason, when `target` lacks an extension the run used.
 */
export function adoptRun(
  target: Machine,
  run: PipelineRun,
): { ok: true } | { ok: false; error: string } {
  return adoptHeld(target, holdState(run.machine));
}
