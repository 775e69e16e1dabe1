/**
 * The Pipeline view's scenarios as a start state: the video-moderation workflow (gateway →
 * encoder → moderator → storage) run cleanly, or one of the §6 attacks against it, in Mica or
 * prototype mode, followed by a group token request and its verification. The page's Run
 * button, a scenario link naming a pipeline scenario and `runScenario` all build it here, so
 * a link reproduces the same run, outcome and Chain evidence as the button.
 *
 * Design rationale: the policy package builds and runs the workflow on its own machine (with
 * the monitor installed) and observes the outcome; this file only picks the scenario and
 * returns the resulting machine plus what the views show. Everything is
 * deterministic (fixed challenge, deterministic ECDSA), so a link needs only the number.
 */
import type { Machine, MachineMode } from '../emulator/index.ts';
import { isPipelineScenario, type PipelineMode } from './pipeline-ids.ts';
import {
  rememberGroupEpoch,
  verifyGroup,
  type GroupExpectations,
  type GroupVerdict,
} from '../policy/index.ts';
import {
  ATTACKS,
  buildVideoWorkflow,
  declareTenant,
  runAttack,
  type AttackOutcome,
  type VideoWorkflow,
  watchingWorkflows,
} from '../workflows/index.ts';

export { isPipelineScenario, pipelineLabel, type PipelineMode } from './pipeline-ids.ts';

/** The pipeline scenarios: 0 the clean pipeline, then the attacks by number. */
export const PIPELINE_SCENARIOS: readonly { readonly number: number; readonly title: string }[] = [
  { number: 0, title: 'Video pipeline, no attack' },
  ...ATTACKS.map((a) => ({ number: a.number, title: `Attack ${a.number}: ${a.title}` })),
];

/** What a finished pipeline scenario reports. */
export interface PipelineResult {
  /** 0 for the clean pipeline, else the attack number. */
  readonly attack: number;
  readonly title: string;
  /** The machine's mode (a workflow scenario file may also run on CCA alone). */
  readonly mode: MachineMode;
  /** How it ended: an attack's outcome, or `clean` for the plain pipeline. */
  readonly outcome: AttackOutcome | 'clean';
  readonly rule?: string;
  readonly reason: string;
  /** The group verifier's verdict, when a group token could be requested. */
  readonly verdict?: GroupVerdict;
  /**
   * What that verdict was reached on, when this file requested the token: the bytes and the
   * tenant's expectations, so a view can re-run `verifyGroup` on a tampered copy.
   */
  readonly evidence?: GroupAppraisal;
}

/** A group token, its policy blobs and the tenant's expectations: `verifyGroup`'s inputs. */
export interface GroupAppraisal {
  readonly token: Uint8Array;
  readonly blobs: readonly Uint8Array[];
  readonly expectations: GroupExpectations;
}

/** A pipeline scenario's end state and report. */
export interface PipelineRun {
  /** The workflow's machine after the run: `adoptRun` (pipeline-ids.ts) puts the lab's machine there. */
  readonly machine: Machine;
  readonly result: PipelineResult;
}

/** Requests a group token from the workflow's gateway and verifies it; undefined if none. */
function groupVerdict(
  wf: VideoWorkflow,
): { verdict: GroupVerdict; evidence: GroupAppraisal } | undefined {
  try {
    const got = wf.attest();
    if (!got) return undefined;
    // The workflow's expectations carry the lab's anchor (its public TEST CPAK), the nonce
    // and the reference values: the verdict here is the one the CLI prints.
    const evidence = { token: got.token, blobs: got.blobs, expectations: wf.expectations() };
    return {
      verdict: verifyGroup(evidence.token, evidence.blobs, evidence.expectations),
      evidence,
    };
  } catch {
    return undefined; // the attack left the group unable to attest (a realm destroyed, ...)
  }
}

/**
 * Runs pipeline scenario `n` (0 = the clean pipeline, else attack `n`) in `mode`. Throws a
 * RangeError for a number that is not a scenario (links are validated before this). With
 * `watch`, it is called with the workflow's machine before its first event.
 */
export function runPipeline(
  n: number,
  mode: PipelineMode,
  watch?: (machine: Machine) => void,
): PipelineRun {
  // Time travel replays a run watching its machine (src/lessons/timeline.ts).
  if (watch) return watchingWorkflows(watch, () => runPipeline(n, mode));
  if (!isPipelineScenario(n)) throw new RangeError(`there is no pipeline scenario ${n}`);
  let wf: VideoWorkflow;
  let result: PipelineResult;
  if (n === 0) {
    // The shipped object sizes: exactly what 'policy show' prints and the terminals upload.
    wf = buildVideoWorkflow({ mode });
    declareTenant(wf, wf.order, wf.example.sanitisers);
    wf.runApp();
    const group = groupVerdict(wf);
    result = {
      attack: 0,
      title: 'the video pipeline, no attack',
      mode,
      outcome: 'clean',
      reason: 'the video moves gateway → encoder → moderator → storage',
      ...(group ? { verdict: group.verdict, evidence: group.evidence } : {}),
    };
  } else {
    const r = runAttack(n, mode);
    wf = r.workflow;
    const group = r.verifier ? undefined : groupVerdict(wf);
    const verdict = r.verifier ?? group?.verdict;
    result = {
      attack: n,
      title: r.title,
      mode,
      outcome: r.outcome,
      reason: r.reason,
      ...(r.rule ? { rule: r.rule } : {}),
      ...(verdict ? { verdict } : {}),
      ...(group ? { evidence: group.evidence } : {}),
    };
  }
  // The tenant remembers the epoch it verified, so the terminals' `mica verify last` after a
  // Run rejects an older group token as stale (issue 11 finding 5).
  if (result.verdict) rememberGroupEpoch(wf.machine.state, wf.example.id, result.verdict);
  return { machine: wf.machine, result };
}
