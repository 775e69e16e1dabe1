/**
 * Mica demo scenarios for the pipeline and attestation views: the video-moderation workflow
 * (gateway → encoder → moderator → storage) run cleanly, or one of the §6 attacks, in Mica
 * or prototype mode. The lessons package runs the scenario on its own machine
 * (`runPipeline`, the same call a scenario link makes); the resulting state, ledger included,
 * is adopted by the lab's machine so every view reads the same machine and ledger
 * (product.md), and the group verifier's verdict is kept for the attestation chain.
 *
 * Design rationale: the menus' choice lives here, not in the view, so a link that names
 * attack 19 shows attack 19 in the Scenario menu. A run replaces whatever machine the
 * learner had, so it is undoable by name ("undo: back to the state before "Run attack
 * 19"") and, when it replaced a machine built by hand, a notice says so. A run takes a
 * second or two (ECDSA signing in the group token), so `running` lets the view say so:
 * {@link DemoState.start} sets it and waits for the next frame to be painted before the
 * synchronous run blocks the page. Changing the machine's mode keeps the demo's menus and
 * result undoable with the machine.
 */
import {
  adoptRun,
  loadPipeline,
  pipelineLabel,
  type PipelineMode,
  type PipelineResult,
} from '../../lessons/index.ts';
import { lessonOf } from '../lesson/lesson-state.svelte.ts';
import type { RunReport } from '../../workflows/run.ts';
import type { ScenarioFile } from '../../workflows/scenario-file.ts';
import { adoptHeld, holdState, type MachineMode } from '../../emulator/index.ts';
import { loadShellCode } from '../../shell/index.ts';
import type { LabMachine } from '../state/machine.svelte.ts';

/** The Scenario menu's id of the scenario file dropped on the page (no shipped id has a colon). */
export const DROPPED_ID = 'dropped:';

/** The Mica modes a demo runs in. */
export type DemoMode = PipelineMode;

/** What a finished demo reports. */
export type DemoResult = PipelineResult;

export class DemoState {
  readonly lab: LabMachine;
  /** The last demo run on this lab, if any. */
  result = $state.raw<DemoResult | undefined>(undefined);
  /** True while a demo is being built and run. */
  running = $state(false);
  /** The Scenario menu's choice: 0 the clean pipeline, else the attack number. */
  choice = $state(1);
  /**
   * The Scenario menu's choice when it is a scenario file: a shipped file's id, or
   * {@link DROPPED_ID} for the file dropped on the page; wins over `choice`.
   */
  file = $state<string | undefined>(undefined);
  /** The scenario file last dropped on the page (persist/open-file.ts), runnable again from the menu. */
  dropped = $state.raw<{ readonly scenario: ScenarioFile; readonly name: string } | undefined>(
    undefined,
  );
  // No mode of its own: the Mode menu is the machine's mode (lab.mode), as the header shows.

  constructor(lab: LabMachine) {
    this.lab = lab;
  }

  /**
   * Loads scenario `attack` (0 = the clean pipeline) in `mode` into the lab, with no undo
   * entry (the caller makes one), once the pipeline's code has loaded (the first run fetches
   * it). Resolves to the result, or undefined when the machine refused the state (a notice
   * says why; nothing changed).
   */
  async load(attack: number, mode: DemoMode): Promise<DemoResult | undefined> {
    const { runPipeline } = await loadPipeline();
    return this.loadWith(runPipeline, attack, mode);
  }

  /** {@link DemoState.load} with the pipeline's code already loaded (`loadPipeline`). */
  loadWith(
    runPipeline: Awaited<ReturnType<typeof loadPipeline>>['runPipeline'],
    attack: number,
    mode: DemoMode,
  ): DemoResult | undefined {
    const run = runPipeline(attack, mode);
    const { result } = run;
    // Time travel replays this run with the same code.
    this.lab.pipelineRunner = runPipeline;
    const restored = adoptRun(this.lab.machine, run);
    const course = lessonOf(this.lab);
    if (!restored.ok) {
      course.notify('error', 'The demo could not be loaded', restored.error);
      return undefined;
    }
    // A sandbox lesson judges whatever runs; any other lesson's goals assume its own setup.
    if (!course.lesson?.sandbox) course.leave();
    course.scenarioTitle =
      attack === 0 ? `Video pipeline (${mode})` : `Attack ${attack}: ${result.title} (${mode})`;
    this.lab.rebase({ kind: 'pipeline', scenario: attack, mode });
    this.result = result;
    this.choice = attack;
    this.file = undefined;
    return result;
  }

  /**
   * Runs scenario `attack` in `mode` (the Run button): loads it, undoable by name, and says
   * so when it replaced a machine the learner had built. Commands typed while the pipeline's
   * code loads wait for the run.
   */
  async run(attack: number, mode: DemoMode): Promise<DemoResult | undefined> {
    const course = lessonOf(this.lab);
    const { runPipeline } = await course.whileLoading(loadPipeline());
    const before = this.lab.checkpoint();
    const putBack = this.capture();
    const putLessonBack = course.capture();
    const result = this.loadWith(runPipeline, attack, mode);
    if (!result) return undefined;
    const label = `Run ${pipelineLabel(attack)}`;
    this.lab.remember(label, before, () => {
      putBack();
      putLessonBack();
    });
    this.sayReplaced(before, label);
    return result;
  }

  /** Says so when the run `label` replaced a machine the learner had built (undo brings it back). */
  private sayReplaced(before: ReturnType<LabMachine['checkpoint']>, label: string): void {
    const course = lessonOf(this.lab);
    const handBuilt = before.steps.length > 0 || before.origin.kind === 'snapshot';
    if (handBuilt) {
      const what = before.steps.length
        ? `the machine you built (${before.steps.length} command${before.steps.length === 1 ? '' : 's'})`
        : 'the machine you had';
      course.notify(
        'info',
        'Your machine was replaced',
        `“${label}” replaced ${what}. Undo (Alt+Z, or the Undo button) brings it back.`,
      );
    }
  }

  /**
   * Runs the shipped scenario file `id` (scenarios/, the menu's file entries): its machine, in
   * the file's own mode, replaces the lab's, undoable by name; the banner says whether the
   * machine's judge and the verifier reached the outcome the file expects. The workflows'
   * code and the shipped files load when a file is first run (commands typed meanwhile wait).
   */
  async runFile(id: string, dropped?: DemoState['dropped']): Promise<DemoResult | undefined> {
    const course = lessonOf(this.lab);
    const [{ runScenarioFile }, { scenarioFile }] = await course.whileLoading(
      Promise.all([
        import('../../workflows/run.ts'),
        import('./scenario-files.ts'),
        loadShellCode(),
      ]),
    );
    const file = id === DROPPED_ID ? (dropped ?? this.dropped) : undefined;
    const scenario = id === DROPPED_ID ? file?.scenario : scenarioFile(id);
    if (!scenario) return undefined;
    const label = `Run ${file?.name ?? id}`;
    const before = this.lab.checkpoint();
    const putBack = this.capture();
    const putLessonBack = course.capture();
    let report: RunReport;
    try {
      report = runScenarioFile(scenario);
    } catch (error) {
      course.notify('error', 'The scenario could not be run', (error as Error).message);
      return undefined;
    }
    // The file's machine was built here: adopted, not restored (see adoptRun). Its snapshot
    // is the lab's origin from now on (time travel's start, a link of this state).
    const snapshot = report.machine.snapshot();
    const restored = adoptHeld(this.lab.machine, holdState(report.machine));
    if (!restored.ok) {
      course.notify('error', 'The scenario could not be loaded', restored.error);
      return undefined;
    }
    // A sandbox lesson judges whatever runs; any other lesson's goals assume its own setup.
    if (!course.lesson?.sandbox) course.leave();
    course.scenarioTitle = scenario.title;
    this.lab.rebase({ kind: 'snapshot', snapshot });
    const result = fileResult(report);
    this.result = result;
    this.file = id;
    this.dropped = file ?? this.dropped;
    this.lab.remember(label, before, () => {
      putBack();
      putLessonBack();
    });
    this.sayReplaced(before, label);
    return result;
  }

  /**
   * Runs scenario file `scenario`, dropped on the page as `name` (already loaded by the same
   * reader as the shipped files), as the Run button runs a shipped one: the menu offers it
   * from now on (undo puts the menu back as it was).
   */
  startDropped(scenario: ScenarioFile, name: string): Promise<DemoResult | undefined> {
    return this.startFile(DROPPED_ID, { scenario, name });
  }

  /** {@link runFile} as the Run button calls it (see {@link start}). */
  async startFile(id: string, dropped?: DemoState['dropped']): Promise<DemoResult | undefined> {
    this.running = true;
    try {
      await nextPaint();
      return await this.runFile(id, dropped);
    } finally {
      this.running = false;
    }
  }

  /**
   * Runs scenario `attack` in `mode` as the Run button does: `running` is true from now
   * until the run ends, and the page paints that before the run (synchronous) starts.
   */
  async start(attack: number, mode: DemoMode): Promise<DemoResult | undefined> {
    this.running = true;
    try {
      await nextPaint();
      return await this.run(attack, mode);
    } finally {
      this.running = false;
    }
  }

  /**
   * Switches the lab's machine to `mode` (the Mode menu): undoable, with the demo's menus
   * and result and the lesson in play put back on undo. No-op when it is the mode already.
   */
  switchMode(mode: MachineMode): void {
    if (mode === this.lab.mode) return;
    const putBack = this.capture();
    const course = lessonOf(this.lab);
    const putLessonBack = course.capture();
    this.lab.switchMode(mode, () => {
      putBack();
      putLessonBack();
    });
    course.leave();
    this.result = undefined;
  }

  /** What is needed to put the menus and the result back: call the returned function. */
  capture(): () => void {
    const saved = {
      result: this.result,
      choice: this.choice,
      file: this.file,
      dropped: this.dropped,
    };
    return () => {
      this.result = saved.result;
      this.choice = saved.choice;
      this.file = saved.file;
      this.dropped = saved.dropped;
    };
  }
}

/** A scenario file's report as the banner shows a run: the judged outcome, and whether it was expected. */
function fileResult(r: RunReport): DemoResult {
  const o = r.outcome;
  const outcome =
    o.outcome === 'leak'
      ? 'through'
      : o.outcome === 'blocked'
        ? 'blocked'
        : o.outcome === 'rejected'
          ? 'caught'
          : 'clean';
  const rule = o.through ?? o.clause ?? o.check;
  // The sentence of what decided: the leak, the refusal the outcome names, or the verifier.
  const first = r.leaks[0]
    ? r.flows.find((f) => f.seq === r.leaks[0]!.seq)?.text
    : o.outcome === 'blocked'
      ? r.flows.find((f) => f.seq === o.seq)?.text
      : r.verifier.reason;
  const said =
    r.leaks[0] && !first
      ? `${r.leaks[0].label} reached ${r.leaks[0].to}`
      : first?.replace(/^LEAK: /, '');
  return {
    attack: r.scenario.attack ?? 0,
    title: r.scenario.title,
    mode: r.scenario.mode,
    outcome,
    ...(rule ? { rule } : {}),
    reason: `${said ?? ''} (${r.matched ? 'as the scenario expects' : `not as the scenario expects: ${r.mismatch}`})`,
    ...(r.verdict ? { verdict: r.verdict } : {}),
  };
}

/**
 * Resolves once the browser has painted the current DOM: the first animation-frame callback
 * runs before a paint, the second only after it.
 */
function nextPaint(): Promise<void> {
  return new Promise((resolve) =>
    requestAnimationFrame(() => requestAnimationFrame(() => resolve())),
  );
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
