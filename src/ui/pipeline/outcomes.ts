/**
 * How the pipeline view shows an ending, in one place: a flow's outcome (policy/judge.ts:
 * allowed, blocked, leak; and the callouts of an undeclared edge and of a prototype gap) and a run's outcome (an attack
 * blocked, caught by the verifier or gone through; the clean pipeline). Each entry pairs an
 * icon with words, so nothing is told by colour alone (lab-ux.md).
 */
import type { FlowOutcome } from '../../policy/index.ts';
import type { DemoResult } from './demo.svelte.ts';
import {
  flowSentence,
  type Callout,
  type OffDrawingFlow,
  type PlacedFlow,
} from './pipeline-model.ts';

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

/** The icon of a callout that marks what a prototype gap let through (pipeline-model.ts). */
export const GAP_ICON = '⚑';

/**
 * An allowed flow a prototype gap let through (policy/judge.ts `gapOf`), shown as the
 * drawing's gap callout shows it: the gap mark, not the plain "allowed" arrow.
 */
export const GAP_SHOWN: FlowShown = {
  icon: GAP_ICON,
  said: 'Let through by a prototype gap:',
  verdict: `${GAP_ICON} prototype gap`,
};

/** How one flow is shown: its outcome's icon and words, or the gap's for a gap flow. */
export function flowShown(flow: Pick<ListedFlow, 'outcome' | 'gap'>): FlowShown {
  return flow.outcome === 'allowed' && flow.gap !== undefined
    ? GAP_SHOWN
    : FLOW_SHOWN[flow.outcome];
}

/**
 * A flow's line in the list under the drawing: the sentence its callout says (the judge's,
 * with what the machine recorded after a gap flow), and the whole clause after it when the
 * short name is not the clause already ("…: allowed, upload:accepted (upload:accepted)" said
 * it twice).
 */
export function flowLine(flow: Pick<ListedFlow, 'text' | 'rule' | 'shortRule' | 'effect'>): string {
  const text = flowSentence(flow);
  return flow.rule === flow.shortRule ? text : `${text} (${flow.rule})`;
}

/**
 * A line of the list under the drawing: a drawn flow's, or one of a realm not drawn (an
 * {@link OffDrawingFlow}, whose fields every line has).
 */
export interface ListedFlow extends OffDrawingFlow {
  /** What the machine recorded after a gap flow (drawn flows only). */
  readonly effect?: string;
}

/**
 * The newest `count` flows for the list under the drawing, newest first: the drawn ones and
 * those of realms the drawing has no box for (a refused upload), by their ledger order.
 */
export function newestFlows(
  drawn: readonly ListedFlow[],
  offDrawing: readonly ListedFlow[],
  count: number,
): ListedFlow[] {
  return [...drawn.slice(-count), ...offDrawing.slice(-count)]
    .sort((a, b) => b.seq - a.seq)
    .slice(0, count);
}

/** The icon of a callout: its flow's, the undeclared edge's, or a gap's. */
export function calloutIcon(kind: Callout['kind']): string {
  return kind === 'undeclared' ? '◆' : kind === 'gap' ? GAP_ICON : FLOW_SHOWN[kind].icon;
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

/**
 * What the banner says decided a finished run, after "Blocked attack 11 (mica)": for a block,
 * the line the list under the drawing gives its deciding flow (the first refused flow of the
 * run's rule), which words the refusal as the rest of the lab does ("host tried to reuse
 * shared page 0x80075000, which Mica holds: blocked by the Mica monitor, check
 * mica_shared_mapped", policy/judge.ts), then the machine's reason; otherwise (the verifier's
 * check, a run the drawing has no flow for) the run's rule and reason. Only the reason's first
 * line.
 */
export function runCause(
  result: Pick<DemoResult, 'outcome' | 'rule' | 'reason'>,
  flows: readonly (Pick<ListedFlow, 'outcome' | 'text' | 'rule' | 'shortRule'> & {
    readonly effect?: string;
  })[],
): string {
  const reason = result.reason.split('\n')[0] ?? '';
  const deciding =
    result.outcome === 'blocked' && result.rule !== undefined
      ? flows.find((f) => f.outcome === 'blocked' && f.rule === result.rule)
      : undefined;
  if (deciding) return `: ${flowLine(deciding)}. ${reason}`;
  const by =
    result.rule === undefined
      ? ''
      : result.outcome === 'caught'
        ? `, check ${result.rule}`
        : ` by ${result.rule}`;
  return `${by}: ${reason}`;
}

/** A run's outcome as of a ledger position: what the flows up to it show (time travel). */
export interface SoFarShown extends RunShown {
  /** `through` once a flow leaked, `blocked` once one was blocked, else `running`. */
  readonly outcome: 'through' | 'blocked' | 'running';
  /** The deciding flow's sentence, or how many flows there were. */
  readonly text: string;
}

/**
 * The outcome of a run as of the position whose flows are `flows` (oldest first), judged
 * from those flows alone, as the machine judged them (a leak, else a block, else running):
 * in the past the banner must not tell how the run ends (issue 14).
 */
export function outcomeSoFar(flows: readonly Pick<PlacedFlow, 'outcome' | 'text'>[]): SoFarShown {
  const leak = flows.find((f) => f.outcome === 'leak');
  if (leak) {
    return {
      outcome: 'through',
      icon: RUN_SHOWN.through.icon,
      title: 'Went through so far',
      text: leak.text,
    };
  }
  const blocked = flows.find((f) => f.outcome === 'blocked');
  if (blocked) {
    return {
      outcome: 'blocked',
      icon: RUN_SHOWN.blocked.icon,
      title: 'Blocked so far',
      text: blocked.text,
    };
  }
  const n = flows.length;
  return {
    outcome: 'running',
    icon: '…',
    title: 'Running…',
    text: `${n} flow${n === 1 ? '' : 's'} so far, none blocked and none leaked`,
  };
}
