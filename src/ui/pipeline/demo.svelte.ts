/**
 * Mica demo scenarios for the pipeline and attestation views: the video-moderation workflow
 * (gateway → encoder → moderator → storage) run cleanly, or one of the §6 attacks, in Mica
 * or prototype mode. The policy package builds and runs the scenario on its own machine (with
 * the monitor installed); the resulting state, ledger included, is restored into the lab's
 * machine so every view reads the same machine and ledger (product.md), and the group
 * verifier's verdict is kept for the attestation chain.
 *
 * Design rationale: the attack runners are the policy package's (their outcomes are observed,
 * not asserted); this file only chooses one and publishes what the views need. A run takes
 * a second or two (ECDSA signing in the group token), so `running` lets the view say so.
 */
import { attest, type MachineMode } from '../../emulator/index.ts';
import {
  ATTACKS,
  buildVideoWorkflow,
  runAttack,
  verifyGroup,
  type AttackOutcome,
  type GroupVerdict,
  type VideoWorkflow,
} from '../../policy/index.ts';
import { lessonOf } from '../lesson/lesson-state.svelte.ts';
import type { LabMachine } from '../state/machine.svelte.ts';

/** The Mica modes a demo runs in. */
export type DemoMode = Exclude<MachineMode, 'cca'>;

/** What a finished demo reports. */
export interface DemoResult {
  /** 0 for the clean pipeline, else the attack number. */
  readonly attack: number;
  readonly title: string;
  readonly mode: DemoMode;
  /** How it ended: an attack's outcome, or `clean` for the plain pipeline. */
  readonly outcome: AttackOutcome | 'clean';
  readonly rule?: string;
  readonly reason: string;
  /** The group verifier's verdict, when a group token could be requested. */
  readonly verdict?: GroupVerdict;
}

/** The attacks offered in the picker. */
export const DEMO_ATTACKS = ATTACKS.map((a) => ({ number: a.number, title: a.title }));

/** Requests a group token from the workflow's gateway and verifies it; undefined if none. */
function groupVerdict(wf: VideoWorkflow): GroupVerdict | undefined {
  try {
    const evidence = wf.attest();
    if (!evidence) return undefined;
    const verdict = verifyGroup(evidence.token, evidence.blobs, wf.expectations());
    // The group verifier is given no trust anchor; check the platform signature with the
    // lab's CPAK too, so the chain can show its root.
    const anchored = attest.verifyCcaToken(evidence.token, {
      cpak: attest.TEST_CPAK_PUBLIC,
      challenge: evidence.challenge,
    });
    return { ...verdict, token: anchored };
  } catch {
    return undefined; // the attack left the group unable to attest (a realm destroyed, ...)
  }
}

export class DemoState {
  readonly lab: LabMachine;
  /** The last demo run on this lab, if any. */
  result = $state.raw<DemoResult | undefined>(undefined);
  /** True while a demo is being built and run. */
  running = $state(false);

  constructor(lab: LabMachine) {
    this.lab = lab;
  }

  /** Runs attack `attack` (0 = the clean pipeline) in `mode` and loads it into the lab. */
  run(attack: number, mode: DemoMode): DemoResult {
    let wf: VideoWorkflow;
    let result: DemoResult;
    if (attack === 0) {
      wf = buildVideoWorkflow({ mode, size: 0x4000 });
      wf.runApp();
      const verdict = groupVerdict(wf);
      result = {
        attack,
        title: 'the video pipeline, no attack',
        mode,
        outcome: 'clean',
        reason: 'the video moves gateway → encoder → moderator → storage',
        ...(verdict ? { verdict } : {}),
      };
    } else {
      const r = runAttack(attack, mode);
      wf = r.workflow;
      const verdict = r.verifier ?? groupVerdict(wf);
      result = {
        attack,
        title: r.title,
        mode,
        outcome: r.outcome,
        reason: r.reason,
        ...(r.rule ? { rule: r.rule } : {}),
        ...(verdict ? { verdict } : {}),
      };
    }
    const restored = this.lab.machine.restore(wf.machine.snapshot());
    const course = lessonOf(this.lab);
    if (!restored.ok) {
      course.notify('error', 'The demo could not be loaded', restored.error);
      return result;
    }
    course.leave();
    course.scenarioTitle =
      attack === 0 ? `Video pipeline (${mode})` : `Attack ${attack}: ${result.title} (${mode})`;
    this.result = result;
    return result;
  }
}

const registry = new WeakMap<LabMachine, DemoState>();

/** The demo state of `lab`, created on first use. */
export function demoOf(lab: LabMachine): DemoState {
  let state = registry.get(lab);
  if (!state) {
    state = new DemoState(lab);
    registry.set(lab, state);
  }
  return state;
}
