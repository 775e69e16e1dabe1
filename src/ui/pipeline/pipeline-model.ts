/**
 * The pipeline view's model, read from the machine: the Mica realms grouped by trust (the
 * tenant's gateways, third-party stages, and U: the host and the network), the shared
 * objects between them as pipes (from the policy package's flow graph, mica-spec.md §4.5
 * step 5), the policy rules on each pipe and exit as valves, and the ledger's `flow` events
 * mapped onto those pipes: where each one goes, whether it stopped at a valve (and which
 * clause stopped it), and whether labelled data reached U (a leak).
 *
 * Design rationale: positions are a fixed grid (column = upload order, row = trust group),
 * so the drawing is identical on every screen and in every screenshot (lab-ux.md §4.4: no
 * force layout on a projector). Everything here is a pure function of machine state and the
 * ledger; the component only draws.
 */
import type { LedgerEvent, LedgerEventOf, MachineState } from '../../emulator/index.ts';
import {
  buildFlowGraph,
  micaOf,
  policyOf,
  type Policy,
  type RealmPolicy,
} from '../../policy/index.ts';

/** The trust groups, top to bottom. */
export type TrustGroup = 'tenant' | 'third-party' | 'untrusted';

export const GROUP_LABEL: Record<TrustGroup, string> = {
  tenant: 'Tenant (gateways)',
  'third-party': 'Third-party stages',
  untrusted: 'Untrusted: host and network (U)',
};

/** The drawing's size in SVG units. */
export const WIDTH = 640;
export const HEIGHT = 300;
const ROW_Y: Record<TrustGroup, number> = { tenant: 62, 'third-party': 158, untrusted: 262 };
const NODE_W = 92;
const NODE_H = 40;

export interface RealmNode {
  readonly id: string;
  readonly name: string;
  readonly group: TrustGroup;
  readonly x: number;
  readonly y: number;
  readonly uploaded: boolean;
  readonly gateway: boolean;
  /** Control-flow rules that close this realm's exits (the valve on its line to U). */
  readonly blocks: readonly string[];
  /** Rules or flags that leave a way out (gateway, ALLOW rules, unblocked SMCs). */
  readonly opens: readonly string[];
}

/** A valve: a policy clause on a pipe or an exit. */
export interface Valve {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  /** The clause, as the ledger's decisions name it (e.g. `Mem2.mappings.VM3.prot`). */
  readonly rule: string;
  readonly text: string;
}

/** A shared object between a writer and a reader. */
export interface Pipe {
  readonly id: string;
  readonly object: string;
  readonly from: string;
  readonly to: string;
  /** Polyline points, writer → object → reader. */
  readonly path: string;
  readonly mid: { readonly x: number; readonly y: number };
  readonly valves: readonly [Valve, Valve];
}

/** A realm's line to U, with its valve. */
export interface Exit {
  readonly realm: string;
  readonly path: string;
  readonly valve: Valve;
  readonly open: boolean;
}

/** A `flow` event placed on the drawing. */
export interface PlacedFlow {
  readonly seq: number;
  readonly from: string;
  readonly to: string;
  readonly channel: string;
  readonly bytes: number;
  readonly labels: readonly string[];
  readonly verdict: 'allowed' | 'blocked';
  readonly rule: string;
  readonly reason: string;
  /** Where the dot travels (SVG path); a blocked flow's path ends at its valve. */
  readonly path: string;
  readonly end: { readonly x: number; readonly y: number };
  /** Labelled data that reached the host, the network or NS memory. */
  readonly leak: boolean;
}

export interface PipelineModel {
  readonly realms: readonly RealmNode[];
  readonly pipes: readonly Pipe[];
  readonly exits: readonly Exit[];
  readonly flows: readonly PlacedFlow[];
  readonly u: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly nodeSize: { readonly w: number; readonly h: number };
}

const EMPTY: PipelineModel = {
  realms: [],
  pipes: [],
  exits: [],
  flows: [],
  u: { x: 20, y: ROW_Y.untrusted - 18, w: WIDTH - 40, h: 36 },
  nodeSize: { w: NODE_W, h: NODE_H },
};

const UNTRUSTED_KINDS = new Set(['host', 'network', 'console']);

function line(points: readonly { x: number; y: number }[]): string {
  return points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
}

function lerp(a: { x: number; y: number }, b: { x: number; y: number }, t: number) {
  return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
}

function cfText(policy: Policy, name: string): string {
  const cf = policy.cfs.find((c) => c.name === name);
  if (!cf) return name;
  return `${cf.name} ${cf.type} ${cf.policy}`;
}

/** Builds the model from the machine state and its ledger. */
export function buildPipeline(
  state: Readonly<MachineState>,
  ledger: readonly LedgerEvent[],
): PipelineModel {
  const mica = micaOf(state);
  if (!mica) return EMPTY;
  const realms = Object.entries(mica.realms)
    .map(([key, r]) => ({ key, r, policy: policyOf(r) }))
    .filter((x): x is typeof x & { policy: Policy } => x.policy !== undefined)
    .sort((a, b) => (a.r.order || 1e9) - (b.r.order || 1e9) || a.r.rd - b.r.rd);
  if (realms.length === 0) return EMPTY;

  const step = (WIDTH - 40) / realms.length;
  const byName = new Map<string, RealmNode>();
  const byRd = new Map<string, string>();
  const set: RealmPolicy[] = realms.map(({ r, policy }) => ({ policy, name: r.name }));
  const graph = buildFlowGraph(set);
  const nodes: RealmNode[] = realms.map(({ key, r, policy }, i) => {
    const me = policy.vms[policy.self];
    const gateway = me?.isGateway ?? false;
    const blocks = policy.cfs
      .filter((cf) => cf.owner === policy.self && cf.policy === 'BLOCK')
      .map((cf) => cf.name);
    const opens = graph.edges
      .filter((e) => e.from === r.name && e.to === 'U')
      .map((e) => (e.kind === 'gateway' ? 'gateway' : (e.via ?? e.kind)));
    const group: TrustGroup = gateway ? 'tenant' : 'third-party';
    const node: RealmNode = {
      id: key,
      name: r.name,
      group,
      x: 20 + step * (i + 0.5),
      y: ROW_Y[group],
      uploaded: r.uploaded,
      gateway,
      blocks,
      opens,
    };
    byName.set(r.name, node);
    byRd.set(`realm:${key}`, r.name);
    return node;
  });

  // Pipes: one per shared object and writer → reader pair (flow graph, shared-memory edges).
  const pipes: Pipe[] = [];
  for (const edge of graph.edges) {
    if (edge.kind !== 'shared-memory' || !edge.via) continue;
    const a = byName.get(edge.from);
    const b = byName.get(edge.to);
    if (!a || !b) continue;
    const start = { x: a.x + (b.x > a.x ? NODE_W / 2 : 0), y: a.y };
    const endPt = { x: b.x - (b.x > a.x ? NODE_W / 2 : 0), y: b.y };
    const mid = lerp(start, endPt, 0.5);
    const w = lerp(start, endPt, 0.22);
    const r = lerp(start, endPt, 0.78);
    const wf = edge.fields[0];
    const rf = edge.fields[1];
    pipes.push({
      id: `${edge.via}:${edge.from}>${edge.to}`,
      object: edge.via,
      from: edge.from,
      to: edge.to,
      path: line([start, endPt]),
      mid,
      valves: [
        {
          id: `${edge.via}:w:${edge.from}`,
          ...w,
          rule: wf?.path ?? `${edge.via} W`,
          text: `${edge.from} may write ${edge.via} (${wf?.path ?? ''} = ${wf?.value ?? 'W'})`,
        },
        {
          id: `${edge.via}:r:${edge.to}`,
          ...r,
          rule: rf?.path ?? `${edge.via} R`,
          text: `${edge.to} may read ${edge.via} (${rf?.path ?? ''} = ${rf?.value ?? 'R'})`,
        },
      ],
    });
  }

  // Exits: every realm's line down to U, with the rules that close or open it.
  const exits: Exit[] = nodes.map((n) => {
    const top = { x: n.x, y: n.y + NODE_H / 2 };
    const bottom = { x: n.x, y: ROW_Y.untrusted - 18 };
    const v = lerp(top, bottom, 0.5);
    const policy = realms.find((x) => x.r.name === n.name)!.policy;
    const open = n.opens.length > 0;
    const text = open
      ? `open: ${n.opens.join(', ')}`
      : `closed by ${n.blocks.map((b) => cfText(policy, b)).join('; ') || 'no rule'}`;
    return {
      realm: n.name,
      path: line([top, bottom]),
      open,
      valve: { id: `exit:${n.name}`, ...v, rule: n.blocks.join(' '), text },
    };
  });

  const flows = placeFlows(ledger, byName, byRd, pipes, exits);
  return { ...EMPTY, realms: nodes, pipes, exits, flows };
}

function placeFlows(
  ledger: readonly LedgerEvent[],
  byName: Map<string, RealmNode>,
  byRd: Map<string, string>,
  pipes: readonly Pipe[],
  exits: readonly Exit[],
): PlacedFlow[] {
  const realmName = (name: string) => (byName.has(name) ? name : byRd.get(name));
  const out: PlacedFlow[] = [];
  for (const e of ledger) {
    if (e.kind !== 'flow') continue;
    const placed = placeFlow(e, realmName, byName, pipes, exits);
    if (placed) out.push(placed);
  }
  return out;
}

function placeFlow(
  e: LedgerEventOf<'flow'>,
  realmName: (name: string) => string | undefined,
  byName: Map<string, RealmNode>,
  pipes: readonly Pipe[],
  exits: readonly Exit[],
): PlacedFlow | undefined {
  const blocked = e.decision.verdict === 'blocked';
  const src = e.source.kind === 'realm' ? realmName(e.source.name) : undefined;
  const dst = e.destination.kind === 'realm' ? realmName(e.destination.name) : undefined;
  const toU =
    UNTRUSTED_KINDS.has(e.destination.kind) ||
    (e.destination.kind === 'memory' && e.destination.name === 'NS memory');
  const fromU =
    UNTRUSTED_KINDS.has(e.source.kind) ||
    (e.source.kind === 'memory' && e.source.name === 'NS memory');
  const base = {
    seq: e.seq,
    channel: e.channel,
    bytes: e.bytes,
    labels: e.labels,
    verdict: e.decision.verdict,
    rule: e.decision.rule,
    reason: e.decision.reason,
  };
  const at = (pts: { x: number; y: number }[]) => ({ path: line(pts), end: pts[pts.length - 1]! });

  // Realm → shared object (a write) or shared object → realm (a read).
  if (src && e.destination.kind === 'memory' && !toU) {
    const pipe = pipes.find((p) => p.object === e.destination.name && p.from === src);
    const node = byName.get(src)!;
    if (pipe) {
      const stop = blocked ? pipe.valves[0] : pipe.mid;
      return { ...base, from: src, to: pipe.object, leak: false, ...at([node, stop]) };
    }
    return { ...base, from: src, to: e.destination.name, leak: false, ...at([node, node]) };
  }
  if (dst && e.source.kind === 'memory' && !fromU) {
    const pipe = pipes.find((p) => p.object === e.source.name && p.to === dst);
    const node = byName.get(dst)!;
    if (pipe) {
      const pts = blocked ? [pipe.mid, pipe.valves[1]] : [pipe.mid, node];
      return { ...base, from: pipe.object, to: dst, leak: false, ...at(pts) };
    }
    return { ...base, from: e.source.name, to: dst, leak: false, ...at([node, node]) };
  }
  // Realm → U (host, network, console, NS memory): along the realm's exit.
  if (src && (toU || !dst)) {
    const exit = exits.find((x) => x.realm === src)!;
    const node = byName.get(src)!;
    const bottom = { x: node.x, y: ROW_Y.untrusted - 18 };
    const pts = blocked ? [node, exit.valve] : [node, bottom];
    return {
      ...base,
      from: src,
      to: 'U',
      leak: !blocked && e.labels.length > 0,
      ...at(pts),
    };
  }
  // U → realm (host maps, host writes): up the realm's exit.
  if (dst && fromU) {
    const exit = exits.find((x) => x.realm === dst)!;
    const node = byName.get(dst)!;
    const bottom = { x: node.x, y: ROW_Y.untrusted - 18 };
    const pts = blocked ? [bottom, exit.valve] : [bottom, node];
    return { ...base, from: 'U', to: dst, leak: false, ...at(pts) };
  }
  if (src && dst) {
    const a = byName.get(src)!;
    const b = byName.get(dst)!;
    return {
      ...base,
      from: src,
      to: dst,
      leak: false,
      ...at(blocked ? [a, lerp(a, b, 0.5)] : [a, b]),
    };
  }
  return undefined;
}

/** Who can read and write a pipe's object, in words (for the table view). */
export function pipeRule(p: Pipe): string {
  return `${p.valves[0].text}; ${p.valves[1].text}`;
}
