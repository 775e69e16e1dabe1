/**
 * How the pipeline view shows an ending, in one place: a flow's outcome (policy/judge.ts:
 * allowed, blocked, leak; and an undeclared edge's callout) and a run's outcome (an attack
 * blocked, caught by the verifier or gone through; the clean pipeline). Each entry pairs an
 * icon with words, so nothing is told by colour alone (lab-ux.md).
 */
import type { FlowOutcome } from '../../policy/index.ts';
import type { DemoResult } from './demo.svelte.ts';
import type { Callout } from './pipeline-model.ts';

/** How a flow's outcome is shown. */
export interface FlowShown {
  /** The icon in the list and on a clause. */
  readonly icon: string;
  /** What a screen reader hears before the flow's sentence. */
  readonly said: string;
  /** The verdict cell of the Flows table. */
  readonly verdict: string;
}

/** Every flow outcome, shown. */
export const FLOW_SHOWN: Readonly<Record<FlowOutcome, FlowShown>> = {
  allowed: { icon: '→', said: 'Allowed:', verdict: '✓ allowed' },
  blocked: { icon: '✖', said: 'Blocked:', verdict: '✖ blocked' },
  leak: { icon: '⚠', said: 'Leak:', verdict: '⚠ leak' },
};

/** The icon of a callout: its flow's, or the undeclared edge's. */
export function calloutIcon(kind: Callout['kind']): string {
  return kind === 'undeclared' ? '◆' : FLOW_SHOWN[kind].icon;
}

/** How a run's outcome is shown in the banner. */
export interface RunShown {
  readonly icon: string;
  readonly title: string;
}

/** Every run outcome, shown. */
export const RUN_SHOWN: Readonly<Record<DemoResult['outcome'], RunShown>> = {
  blocked: { icon: '✖', title: 'Blocked' },
  caught: { icon: '◎', title: 'Caught by the verifier' },
  through: { icon: '⚠', title: 'Went through' },
  clean: { icon: '✓', title: 'Ran cleanly' },
};
