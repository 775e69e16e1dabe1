/**
 * Provenance flows: the ledger `flow` events that say labelled data reached a place the
 * host can see, and the query that turns them into "what leaked" (mica-spec.md §1.3: sinks
 * are the host through NS memory, exit registers and host-call arguments, the network and
 * the console).
 *
 * Design rationale: the places where data crosses into host view are few and architectural
 * (a realm store through the NS PAS, an emulatable MMIO write in exit.gprs[0], an
 * RsiHostCall copied into exit.gprs, a device the host emulates sending bytes out). Each of
 * them calls {@link reportFlow} with the labels of the bytes that crossed; plain CCA has no
 * rule against any of them, so the decision is `allowed` under rule `cca:host-visible`. An
 * extension (the Mica monitor) that blocks a path emits its own `blocked` flow instead.
 */
import type { Ctx } from './context.ts';
import type { Decision, Endpoint, LedgerEvent, LedgerEventOf } from './ledger.ts';

/** Endpoint name of host-visible (Non-secure) memory. */
export const NS_MEMORY = 'NS memory';

/** The decision plain CCA makes for data that reaches the host: nothing stops it. */
export const CCA_HOST_VISIBLE: Decision = {
  verdict: 'allowed',
  rule: 'cca:host-visible',
  reason:
    'plain CCA protects realm memory only; data a realm puts in NS memory, exit registers or a device is the host’s to read',
};

/** What moved. */
export interface FlowReport {
  readonly channel: string;
  readonly source: Endpoint;
  readonly destination: Endpoint;
  readonly bytes: number;
  readonly labels: readonly string[];
  readonly decision?: Decision;
}

/** Emits a `flow` event (decision defaults to {@link CCA_HOST_VISIBLE}). */
export function reportFlow(ctx: Ctx, flow: FlowReport): void {
  ctx.emit({
    kind: 'flow',
    channel: flow.channel,
    source: flow.source,
    destination: flow.destination,
    bytes: flow.bytes,
    labels: [...flow.labels],
    decision: flow.decision ?? CCA_HOST_VISIBLE,
  });
}

/** True when the host (or anyone outside the realms: network, console) can see `e`. */
export function isHostVisible(e: Endpoint): boolean {
  if (e.kind === 'memory') return e.name === NS_MEMORY;
  return e.kind === 'host' || e.kind === 'network' || e.kind === 'console' || e.kind === 'register';
}

/**
 * The flows by which data labelled `label` reached a host-visible place and was allowed to:
 * the leaks of that label, oldest first.
 */
export function leaksOf(ledger: readonly LedgerEvent[], label: string): LedgerEventOf<'flow'>[] {
  return ledger.filter(
    (e): e is LedgerEventOf<'flow'> =>
      e.kind === 'flow' &&
      e.decision.verdict === 'allowed' &&
      e.labels.includes(label) &&
      isHostVisible(e.destination),
  );
}
