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
 *
 * Labels are facts of the machine, not claims of a program (issue 10): the only places a label
 * is attached are {@link labelAtSource} and {@link receiveAtSource} (the same, with the
 * device's write of the bytes), called by the side that declares a sensitive input (the
 * tenant's upload arriving on a gateway's network device, a scenario's declared input).
 * From there labels travel with the bytes: a load returns them, the guest's CPU model keeps
 * them with the register and hands them to the store that writes it, a write replaces them,
 * a wipe removes them. No guest-facing operation sets or clears a label.
 *
 * Sanitiser marks (issue 10 item 1, mica-spec.md §1.3, §4.5 step 6): the tenant names the
 * realms whose computation it trusts to sanitise (the moderator, the guardrail filter) by their
 * measured identity, the RIM ({@link declareRealm}). A result such a realm *computes* from
 * labelled bytes (a bulk map, a store of a value computed from registers) carries, beside the
 * input's labels, the mark {@link passedMark}`(name)` ({@link computedLabels}). Marks live in
 * the same label runs, so copies, loads and stores carry them byte for byte. A computation
 * anywhere else drops the marks of what it read: its result is not the sanitiser's output any
 * more. Nothing can add a mark but the declared realm's own computation, and dropping one only
 * turns a sanitised exit into a leak, so no program gains by it.
 *
 * The gateway (issue 10 item 2) and the members of the tenant's pipeline (§1.3 "any realm not
 * named") are declared the same way, by RIM ({@link declareRealm}, one declaration with a role,
 * kept in `state.tenant`). A flow a realm hands to a host-visible place records the RIM of the
 * realm that acted on its source end, and a flow that brings bytes into a realm the RIM of the
 * realm that received them on its destination end (`Endpoint.rim`): whether that realm was the
 * tenant's gateway, or one it named at all, is then a fact of the event, not of the name the
 * host gave the realm or of whatever realm holds its RD later.
 */
import type { Ctx } from './context.ts';
import { addLabel } from './hw/labels.ts';
import { HOST, physWrite, type WriteResult } from './hw/memory.ts';
import {
  UNNUMBERED,
  type Decision,
  type Endpoint,
  type LedgerEvent,
  type LedgerEventOf,
} from './ledger.ts';
import {
  TENANT_ROLES,
  type DeclaredExpectation,
  type DeclaredRealm,
  type TenantRole,
} from './state.ts';

/** Endpoint name of host-visible (Non-secure) memory. */
export const NS_MEMORY = 'NS memory';

/** The decision plain CCA makes for data that reaches the host: nothing stops it. */
export const CCA_HOST_VISIBLE: Decision = {
  verdict: 'allowed',
  rule: 'cca:host-visible',
  reason:
    'plain CCA protects realm memory only; data a realm puts in NS memory, exit registers or a device is the host’s to read',
};

/** The rule of the `flow` that records a declared source attaching its label. */
export const SOURCE_RULE = 'source:declared';

/** A declared sensitive input: where its bytes sit, what they are, and who declared them. */
export interface SourceDeclaration {
  /** PA of the bytes (already written there by the device that delivered them). */
  readonly pa: number;
  readonly bytes: number;
  /** The provenance label the declaring side gives its input (e.g. `video`). */
  readonly label: string;
  /** Who the input comes from (e.g. the tenant on the network). */
  readonly source: Endpoint;
  /** The realm the input is for (the gateway), with the IPA it reaches it at. */
  readonly destination: Endpoint;
  /** How it arrives (e.g. `tenant-input`). */
  readonly channel: string;
}

/**
 * Attaches `label` to the bytes of a declared input, at the device that delivered them, and
 * records it as a `flow` under {@link SOURCE_RULE}. The single place labels are born; its
 * destination is the realm the input is for, so the arrival itself is not a leak.
 */
export function labelAtSource(ctx: Ctx, input: SourceDeclaration): void {
  addLabel(ctx.state, input.pa, input.bytes, input.label);
  reportSource(ctx, input, input.bytes);
}

/**
 * The device of a declared source delivers its input: writes `data` at `input.pa` through the
 * host's PAS (checked and logged like the host's own write: a NIC's DMA into its receive
 * buffer), the bytes carrying exactly `input.label` from then on, and records the arrival like
 * {@link labelAtSource}. The same events as a write followed by `labelAtSource`, in one pass
 * over the bytes: their labels are replaced, not cleared and added back. Nothing is labelled
 * when the write faults.
 */
export function receiveAtSource(ctx: Ctx, input: SourceDeclaration, data: Uint8Array): WriteResult {
  const written = physWrite(ctx, HOST, input.pa, data, input.label);
  if (written.ok) reportSource(ctx, input, data.length);
  return written;
}

/**
 * The decision and the label list of the last source flow, reused while its words stay the
 * same (the ledger keeps both: a stream's packets share them, frozen).
 */
let lastSource:
  | {
      bytes: number;
      name: string;
      label: string;
      decision: Decision;
      labels: readonly string[];
    }
  | undefined;

/** The `flow` event of the arrival of `bytes` bytes of declared input (no string per packet of a stream). */
function reportSource(ctx: Ctx, input: SourceDeclaration, bytes: number): void {
  let last = lastSource;
  if (
    !last ||
    last.bytes !== bytes ||
    last.name !== input.destination.name ||
    last.label !== input.label
  ) {
    last = lastSource = {
      bytes,
      name: input.destination.name,
      label: input.label,
      decision: {
        verdict: 'allowed',
        rule: SOURCE_RULE,
        reason: `declared input: ${bytes} byte(s) for ${input.destination.name}, labelled ${input.label} where they arrive`,
      },
      labels: Object.freeze([input.label]),
    };
  }
  reportFlow(ctx, {
    channel: input.channel,
    source: input.source,
    destination: input.destination,
    bytes,
    labels: last.labels,
    decision: last.decision,
  });
}

/** Prefix of a sanitiser mark: `passed:<sanitiser>` sits among a byte's labels. */
export const PASSED_PREFIX = 'passed:';

/** The mark the output of sanitiser `name` carries. */
export function passedMark(name: string): string {
  return PASSED_PREFIX + name;
}

/** True when `label` is a sanitiser mark rather than an input's label. */
export function isPassedMark(label: string): boolean {
  return label.startsWith(PASSED_PREFIX);
}

/** The sanitisers named in `labels`' marks (`passed:moderator` -> `moderator`). */
export function sanitisersPassed(labels: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of labels) if (isPassedMark(l)) out.push(l.slice(PASSED_PREFIX.length));
  return out;
}

/** The tenant's statement that the realm measured as `rim` is its `name`, in `role`. */
export interface RealmDeclaration {
  /** The realm's RIM, hex, as RMI_REALM_ACTIVATE left it (its measured identity). */
  readonly rim: string;
  /** The name the tenant gives it (the realm's name in the workflow). */
  readonly name: string;
  /** What it is to the tenant (state.ts {@link TenantRole}); a realm may be declared in several. */
  readonly role: TenantRole;
  /**
   * What the tenant's group verifier expects of the realm (its RPV and policy, §4.5): kept with
   * the declaration, the latest one given standing.
   */
  readonly expects?: Readonly<DeclaredExpectation>;
}

/** What each role adds to the judge, in the declaration's note. */
const ROLE_NOTE: Readonly<Record<TenantRole, (name: string) => string>> = {
  member: () =>
    'labelled bytes may reach the realm measured so, and no realm the tenant did not declare',
  gateway: () => 'a sanitised exit is allowed only from the realm measured so',
  sanitiser: (name) => `what it computes from labelled input is marked ${passedMark(name)}`,
  source: () => "the group verifier's path search (§4.5 step 6) starts at the realm measured so",
};

/**
 * Records the tenant's declaration `decl` in the machine (`state.tenant`, so a snapshot keeps
 * it): the realm measured as `decl.rim` is its `decl.name`, in `decl.role`. Declared by the
 * tenant's side like an input, never by a guest-facing call. The judge reads it by the
 * measurement the machine records on a flow ({@link Endpoint}`.rim`), never by the name the
 * host gives a realm or the RD it holds: the gateway of the allowed exit (policy/judge.ts
 * `sanitisedPassage`), the sanitisers whose output is marked ({@link computedLabels}), and,
 * once a member is declared, the closed list of realms that may receive labelled bytes
 * (policy/judge.ts `undeclaredRecipient`). With `decl.expects`, the declaration also states
 * what the tenant's group verifier expects of the realm (policy/group/declared.ts reads it), so
 * a verdict on a group token the host kept is recomputed from the machine alone.
 */
export function declareRealm(ctx: Ctx, decl: RealmDeclaration): void {
  const declared = ((ctx.state.tenant ??= {})[decl.rim] ??= { name: decl.name, roles: [] });
  if (!declared.roles.includes(decl.role)) {
    declared.roles.push(decl.role);
    declared.roles.sort((a, b) => TENANT_ROLES.indexOf(a) - TENANT_ROLES.indexOf(b));
  }
  if (decl.expects) declared.expects = { rpv: decl.expects.rpv, policy: decl.expects.policy };
  ctx.emit({
    kind: 'note',
    text: `declared ${decl.role}: ${decl.name} (RIM ${decl.rim.slice(0, 16)}…); ${ROLE_NOTE[decl.role](decl.name)}${decl.expects ? '; the verifier expects its RPV and policy as declared' : ''}`,
  });
}

/** The name of the sanitiser the tenant declared measured as `rim`, if it declared one. */
export function declaredSanitiser(
  state: { readonly tenant?: Readonly<Record<string, Readonly<DeclaredRealm>>> },
  rim: string,
): string | undefined {
  const d = state.tenant?.[rim];
  return d !== undefined && d.roles.includes('sanitiser') ? d.name : undefined;
}

/**
 * The labels of a result computed by `realm` from bytes carrying `read`: every input label
 * (computation does not launder), no mark of what was read (the result is this computation's,
 * not the sanitiser's), plus this realm's own mark when the tenant declared it a sanitiser and
 * the result derives from labelled input. Sorted. Builds nothing when nothing was labelled.
 */
export function computedLabels(
  state: { readonly tenant?: Readonly<Record<string, Readonly<DeclaredRealm>>> },
  realm: { readonly rim: string },
  read: Iterable<string>,
): string[] {
  const out: string[] = [];
  for (const l of read) if (!isPassedMark(l) && !out.includes(l)) out.push(l);
  if (out.length === 0) return out;
  const name = declaredSanitiser(state, realm.rim);
  if (name !== undefined) out.push(passedMark(name));
  return out.sort();
}

/** What moved. */
export interface FlowReport {
  readonly channel: string;
  readonly source: Endpoint;
  readonly destination: Endpoint;
  readonly bytes: number;
  readonly labels: readonly string[];
  readonly decision?: Decision;
}

/**
 * Emits a `flow` event (decision defaults to {@link CCA_HOST_VISIBLE}). Its label list is a
 * copy, unless the caller's is frozen: that one the ledger can share (a stream's packets).
 */
export function reportFlow(ctx: Ctx, flow: FlowReport): void {
  ctx.emit({
    kind: 'flow',
    channel: flow.channel,
    source: flow.source,
    destination: flow.destination,
    bytes: flow.bytes,
    labels: Object.isFrozen(flow.labels) ? flow.labels : [...flow.labels],
    decision: flow.decision ?? CCA_HOST_VISIBLE,
    parent: undefined,
    seq: UNNUMBERED,
  });
}

/** True when the host (or anyone outside the realms: network, console) can see `e`. */
export function isHostVisible(e: Endpoint): boolean {
  if (e.kind === 'memory') return e.name === NS_MEMORY;
  return e.kind === 'host' || e.kind === 'network' || e.kind === 'console' || e.kind === 'register';
}

/**
 * The flows by which data labelled `label` reached a host-visible place and was allowed to,
 * oldest first. A flow that also carries a sanitiser mark is among them: whether the path it
 * took was the one the tenant allows (through the sanitiser and the gateway) is the judge's
 * question (policy/judge.ts `sanitisedPassage`).
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
