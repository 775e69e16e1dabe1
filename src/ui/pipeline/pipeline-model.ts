/**
 * The pipeline view's model, read from the machine: the Mica realms grouped by trust (the
 * tenant's gateways, third-party stages, and U: the host and the network), the shared
 * objects between them as pipes (from the policy package's flow graph, mica-spec.md §4.5
 * step 5), the policy rules on each pipe and exit as valves, and the ledger's `flow` events
 * mapped onto those pipes: where each one goes, whether it stopped at a valve (and which
 * clause stopped it), and whether labelled data reached U (a leak). Edges the policies never
 * declared but the machine made (a realm in the SGT on another pipe's page, §6 row 6) are
 * drawn too, from the monitor's SGT. On CCA alone (no monitor, no policies) the host's realms
 * are drawn with no pipe between them and every exit open: the stages can only hand data on
 * through NS memory, so each hop is a flow to U and back (product.md story step 3), the leaks in
 * red; the tenant's declared gateway (by RIM, `state.tenant`) sits in the tenant's row, and
 * when the tenant declared none (the lab's free terminals) that row says so instead of
 * standing empty.
 *
 * Every blocked or leaking flow (and every undeclared edge) gets a callout: a numbered marker
 * where it happened and, in a lane under U, a plain sentence from policy/judge.ts, the same
 * words the realm terminal prints for the same ledger event. So does an allowed flow the
 * monitor let through only because a prototype gap is open (its decision's rule names the gap,
 * policy/judge.ts `gapOf`): an attack that goes through without a leak (§6 attacks 11, 20) is
 * marked where the machine recorded it, the host taking back a shared page on that object's
 * pipe (with the realms that then faulted on the page, from the ledger's `gpf` events), the
 * host's interrupt at the realm it reached.
 *
 * Design rationale: positions are a fixed grid (column = upload order, row = trust group),
 * so the drawing is identical on every screen and in every screenshot (lab-ux.md §4.4: no
 * force layout on a projector). Callouts are laid out in rows of their own below U, so they
 * can never cover a realm box or each other; their width is estimated from a monospace font.
 * Everything here is a pure function of machine state and the ledger; the component only draws.
 */
import {
  abi,
  type LedgerEvent,
  type LedgerEventOf,
  type MachineState,
} from '../../emulator/index.ts';
import {
  buildFlowGraph,
  declaredPassage,
  judgeFlow,
  micaOf,
  micaView,
  pipeOfPage,
  policyOf,
  realmNamer,
  type AllowedPassage,
  type FlowOutcome,
  type MicaGap,
  type MicaView,
  type NameOf,
  type PageOfPipe,
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

/** The drawing's width in SVG units. */
export const WIDTH = 640;
/** The height of the drawing without callouts, in SVG units. */
export const HEIGHT = 300;
const ROW_Y: Record<TrustGroup, number> = { tenant: 62, 'third-party': 158, untrusted: 262 };
const NODE_W = 92;
const NODE_H = 40;

/** Callout lane geometry (SVG units): font size, monospace advance, line and row spacing. */
export const CALLOUT_FONT = 11;
const CALLOUT_ADVANCE = CALLOUT_FONT * 0.6;
export const CALLOUT_LINE = 14;
export const CALLOUT_PAD = 5;
const CALLOUT_GAP = 6;
const CALLOUT_LEFT = 20;
const CALLOUT_BADGE = 9;
/** How many of the latest flows travel in the drawing and are listed under it. */
export const RECENT_FLOWS = 8;
/** At most this many callouts are drawn (the newest); the list under the drawing has all. */
export const MAX_CALLOUTS = 4;
/** Space between markers that share a spot. */
const MARKER_STEP = 20;
/** How far under a pipe's middle a flow acting on one of its pages ends (clear of its name). */
const PAGE_MARK_DROP = 12;
/** Where, from a realm box's bottom middle, the marker of a flow from U into it sits. */
const UNDER_BOX = { dx: 24, dy: 15 };

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
  /** Where its callout's marker goes when not at `end` (clear of the box the dot rests on). */
  readonly mark?: { readonly x: number; readonly y: number };
  /**
   * Labelled data that reached a host-visible place (`to` is `U`) or a realm the tenant did not
   * declare (policy/judge.ts).
   */
  readonly leak: boolean;
  /** How it ended: allowed, blocked or leak (policy/judge.ts). */
  readonly outcome: FlowOutcome;
  /** The plain sentence the terminal prints for the same event. */
  readonly text: string;
  /** The rule in a word or two (`CF3`). */
  readonly shortRule: string;
  /**
   * The prototype gap that let this allowed flow through (policy/judge.ts `gapOf`): an attack
   * that went through without a leak, drawn where it happened (§6 attacks 11, 20).
   */
  readonly gap?: MicaGap;
  /**
   * What the machine then recorded there, in words, for a gap flow on a shared page: the
   * realms whose next access to the page faulted ("encoder then faulted on it (SEA)").
   */
  readonly effect?: string;
}

/**
 * A flow's sentence as the drawing and the list under it say it: the judge's, then what the
 * machine recorded after a gap flow ("…; then encoder faulted on it (SEA)").
 */
export function flowSentence(f: Pick<PlacedFlow, 'text' | 'effect'>): string {
  return f.effect ? `${f.text}; ${f.effect}` : f.text;
}

/** An edge the machine made that no policy declares (from the monitor's SGT). */
export interface UndeclaredEdge {
  readonly id: string;
  /** The pipe (object) whose page it reaches, or the realm whose private page it is. */
  readonly from: string;
  readonly to: string;
  readonly path: string;
  readonly mid: { readonly x: number; readonly y: number };
  readonly text: string;
}

/** A numbered note on the drawing: a marker where it happened, a sentence in the lane. */
export interface Callout {
  readonly id: string;
  readonly n: number;
  /** A flow's outcome, an undeclared edge, or `gap`: an allowed flow a prototype gap let through. */
  readonly kind: FlowOutcome | 'undeclared' | 'gap';
  /** The ledger event, for flows (undefined for an undeclared edge). */
  readonly seq?: number;
  readonly marker: { readonly x: number; readonly y: number };
  /** The label box in the lane, and its text lines. */
  readonly box: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly lines: readonly string[];
  readonly text: string;
  readonly clause: string;
  readonly reason: string;
  /** How many ledger events say the same thing. */
  readonly count: number;
}

/**
 * A flow of a realm the drawing has no box for (it holds no accepted policy: a refused
 * upload, a stage before its upload), judged like a drawn one and listed under the drawing.
 */
export interface OffDrawingFlow {
  readonly seq: number;
  readonly outcome: FlowOutcome;
  readonly text: string;
  readonly rule: string;
  readonly shortRule: string;
  /** The prototype gap that let it through (policy/judge.ts `gapOf`). */
  readonly gap?: MicaGap;
}

/** A trust row of realms drawn as a band (U is drawn apart). */
export interface Band {
  readonly group: Exclude<TrustGroup, 'untrusted'>;
  /** The middle of the row (SVG units): where its realms' boxes sit. */
  readonly y: number;
  /** Said in the row when no realm is in it, instead of leaving it blank. */
  readonly hint?: string;
}

export interface PipelineModel {
  /** The trust rows, top to bottom. */
  readonly bands: readonly Band[];
  readonly realms: readonly RealmNode[];
  readonly pipes: readonly Pipe[];
  readonly exits: readonly Exit[];
  readonly flows: readonly PlacedFlow[];
  /** Flows of realms not drawn, oldest first (04-mica/03's refused upload). */
  readonly offDrawing: readonly OffDrawingFlow[];
  readonly undeclared: readonly UndeclaredEdge[];
  readonly callouts: readonly Callout[];
  readonly u: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly nodeSize: { readonly w: number; readonly h: number };
  /** The drawing's height with its callout lane. */
  readonly height: number;
}

/** Both rows, as Mica draws them: its realms' own policies say which realm is a gateway. */
const BANDS: readonly Band[] = [
  { group: 'tenant', y: ROW_Y.tenant },
  { group: 'third-party', y: ROW_Y['third-party'] },
];

/**
 * What the tenant's row says on CCA alone when the tenant declared no gateway (the lab's free
 * terminals declare none): no realm is the tenant's by measurement, so its row holds none.
 */
export const NO_DECLARED_GATEWAY =
  'No realm here is the tenant’s: none was declared its gateway (by its measurement)';

const EMPTY: PipelineModel = {
  bands: BANDS,
  realms: [],
  pipes: [],
  exits: [],
  flows: [],
  offDrawing: [],
  undeclared: [],
  callouts: [],
  u: { x: 20, y: ROW_Y.untrusted - 18, w: WIDTH - 40, h: 36 },
  nodeSize: { w: NODE_W, h: NODE_H },
  height: HEIGHT,
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
  if (!mica) return ccaPipeline(state, ledger);
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
    // From the writer's side facing the reader to the reader's side facing the writer (a
    // pipe back to the left, like storage → gateway, leaves from the left edge).
    const side = b.x === a.x ? 0 : (Math.sign(b.x - a.x) * NODE_W) / 2;
    const start = { x: a.x + side, y: a.y };
    const endPt = { x: b.x - side, y: b.y };
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
    const policy = realms.find((x) => x.r.name === n.name)!.policy;
    const open = n.opens.length > 0;
    const text = open
      ? `open: ${n.opens.join(', ')}`
      : `closed by ${n.blocks.map((b) => cfText(policy, b)).join('; ') || 'no rule'}`;
    return exitOf(n, open, n.blocks.join(' '), text);
  });

  // The monitor's view and which pipe each shared page backs, read once for the undeclared
  // edges and for placing flows on a page.
  const view = micaView(state);
  const pages = view ? pipeOfPage(view) : NO_PAGES;
  const drawn: Drawn = { byName, byRd, pipes, exits, pages };
  return withFlows(state, ledger, nodes, drawn, view ? undeclaredEdges(state, view, drawn) : []);
}

/** No shared pages (CCA alone). */
const NO_PAGES: ReadonlyMap<number, PageOfPipe> = new Map();

/** The model of `nodes`, `pipes` and `exits` with the ledger's flows and their callouts. */
function withFlows(
  state: Readonly<MachineState>,
  ledger: readonly LedgerEvent[],
  nodes: RealmNode[],
  drawn: Drawn,
  undeclared: UndeclaredEdge[],
): PipelineModel {
  const { pipes, exits } = drawn;
  const nameOf = realmNamer(state);
  const offDrawing: OffDrawingFlow[] = [];
  const flows = placeFlows(ledger, drawn, nameOf, declaredPassage(state), offDrawing);
  const callouts = layoutCallouts(flows, undeclared);
  const last = callouts.at(-1);
  const height = last ? Math.max(HEIGHT, last.box.y + last.box.h + CALLOUT_GAP) : HEIGHT;
  return {
    ...EMPTY,
    realms: nodes,
    pipes,
    exits,
    flows,
    offDrawing,
    undeclared,
    callouts,
    height,
  };
}

/** What an exit says on CCA alone. */
const CCA_EXIT = 'open: CCA alone has no monitor and no policy to close it';

/**
 * CCA alone: the RMM's realms in the order they were made, named as the host names them, no
 * pipes, every exit open (see the file comment). The tenant's declared gateway, by the RIM the RMM recorded, is in the
 * tenant's row; the rest are third-party stages.
 */
function ccaPipeline(state: Readonly<MachineState>, ledger: readonly LedgerEvent[]): PipelineModel {
  const gateways = declaredPassage(state).gateways;
  const nameOf = realmNamer(state);
  // The RMM's realms in the order they were made (record keys keep insertion order).
  const realms = Object.entries(state.rmm.realms);
  if (realms.length === 0) return EMPTY;
  const step = (WIDTH - 40) / realms.length;
  const byName = new Map<string, RealmNode>();
  const byRd = new Map<string, string>();
  const nodes: RealmNode[] = realms.map(([key, realm], i) => {
    const name = nameOf(`realm:${key}`);
    const gateway = Object.hasOwn(gateways, realm.rim);
    const group: TrustGroup = gateway ? 'tenant' : 'third-party';
    const node: RealmNode = {
      id: key,
      name,
      group,
      x: 20 + step * (i + 0.5),
      y: ROW_Y[group],
      uploaded: false,
      gateway,
      blocks: [],
      opens: ['no monitor'],
    };
    byName.set(name, node);
    byRd.set(`realm:${key}`, name);
    return node;
  });
  const exits = nodes.map((n) => exitOf(n, true, '', CCA_EXIT));
  const drawn: Drawn = { byName, byRd, pipes: [], exits, pages: NO_PAGES };
  const model = withFlows(state, ledger, nodes, drawn, []);
  // The tenant's row is the declared gateway's: without one it says why it is empty.
  if (nodes.some((n) => n.group === 'tenant')) return model;
  return {
    ...model,
    bands: BANDS.map((b) => (b.group === 'tenant' ? { ...b, hint: NO_DECLARED_GATEWAY } : b)),
  };
}

/** Realm `n`'s line down to U, its valve halfway with the clause `rule` and `text`. */
function exitOf(n: RealmNode, open: boolean, rule: string, text: string): Exit {
  const top = { x: n.x, y: n.y + NODE_H / 2 };
  const bottom = { x: n.x, y: ROW_Y.untrusted - 18 };
  return {
    realm: n.name,
    path: line([top, bottom]),
    open,
    valve: { id: `exit:${n.name}`, ...lerp(top, bottom, 0.5), rule, text },
  };
}

/** Edges in the SGT that no policy declares: a realm on a pipe's page, or on a private page. */
function undeclaredEdges(
  state: Readonly<MachineState>,
  view: MicaView,
  drawn: Drawn,
): UndeclaredEdge[] {
  const { byName, pipes, pages: pageOf } = drawn;
  const nameOfRd = (rd: number) => view.realms.find((r) => r.rd === rd)?.name;
  const out = new Map<string, UndeclaredEdge>();
  for (const e of view.sgt) {
    const who = nameOfRd(e.rd);
    const node = who === undefined ? undefined : byName.get(who);
    if (!who || !node) continue;
    const page = pageOf.get(e.pa);
    const granule = state.granules[Math.floor(e.pa / abi.GRANULE_SIZE)];
    const owner =
      granule?.state === 'DATA' && granule.realm !== undefined && granule.realm !== e.rd
        ? nameOfRd(granule.realm)
        : undefined;
    let from: { x: number; y: number } | undefined;
    let label: string | undefined;
    let source: string | undefined;
    if (page && !page.ends.has(who)) {
      const pipe = pipes.find((p) => p.object === page.pipe);
      from = pipe?.mid;
      source = page.pipe;
      label = `${who} was joined to ${page.pipe}, which its policy never declares`;
    } else if (owner) {
      from = byName.get(owner);
      source = owner;
      label = `${who} maps a private page of ${owner}, which no policy declares`;
    }
    if (!from || !label || !source) continue;
    const id = `${source}>${who}`;
    if (out.has(id)) continue;
    const to = { x: node.x, y: node.y - NODE_H / 2 };
    out.set(id, {
      id,
      from: source,
      to: who,
      path: line([from, to]),
      mid: lerp(from, to, 0.5),
      text: label,
    });
  }
  return [...out.values()];
}

/** Splits `text` into lines of at most `max` characters, at spaces. */
function wrap(text: string, max: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current && current.length + 1 + word.length > max) {
      lines.push(current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines;
}

/**
 * One callout per distinct blocked flow, leak and undeclared edge (the newest
 * {@link MAX_CALLOUTS}), stacked in rows under U; markers sharing a spot are spread apart.
 */
function layoutCallouts(
  flows: readonly PlacedFlow[],
  undeclared: readonly UndeclaredEdge[],
): Callout[] {
  interface Item {
    id: string;
    kind: Callout['kind'];
    seq?: number;
    at: { x: number; y: number };
    text: string;
    clause: string;
    reason: string;
    count: number;
  }
  const items = new Map<string, Item>();
  for (const u of undeclared) {
    items.set(u.id, {
      id: `edge:${u.id}`,
      kind: 'undeclared',
      at: u.mid,
      text: u.text,
      clause: 'not in any uploaded policy',
      reason: 'the monitor’s SGT maps the page into this realm; the policies do not list it',
      count: 1,
    });
  }
  for (const f of flows) {
    // Allowed flows get no note, except one a prototype gap let through: the attack's effect.
    if (f.outcome === 'allowed' && f.gap === undefined) continue;
    const text = flowSentence(f);
    const prev = items.get(text);
    items.delete(text); // re-insert: the newest occurrence decides the order
    items.set(text, {
      id: `flow:${f.seq}`,
      kind: f.outcome === 'allowed' ? 'gap' : f.outcome,
      seq: f.seq,
      at: f.mark ?? f.end,
      text,
      clause: f.rule,
      reason: f.reason,
      count: (prev?.count ?? 0) + 1,
    });
  }
  const chosen = [...items.values()].slice(-MAX_CALLOUTS);
  const maxChars = Math.floor(
    (WIDTH - 2 * CALLOUT_LEFT - 2 * CALLOUT_BADGE - 3 * CALLOUT_PAD) / CALLOUT_ADVANCE,
  );
  const used = new Map<string, number>();
  let y = ROW_Y.untrusted + 18 + CALLOUT_GAP + 2;
  return chosen.map((item, i) => {
    const text = item.count > 1 ? `${item.text} (×${item.count})` : item.text;
    const lines = wrap(`${i + 1}  ${text}`, maxChars);
    const w = Math.max(...lines.map((l) => l.length)) * CALLOUT_ADVANCE + 2 * CALLOUT_PAD;
    const h = lines.length * CALLOUT_LINE + 2 * CALLOUT_PAD;
    const box = { x: CALLOUT_LEFT, y, w, h };
    y += h + CALLOUT_GAP;
    const spot = `${Math.round(item.at.x)},${Math.round(item.at.y)}`;
    const k = used.get(spot) ?? 0;
    used.set(spot, k + 1);
    return {
      id: item.id,
      n: i + 1,
      kind: item.kind,
      ...(item.seq === undefined ? {} : { seq: item.seq }),
      marker: { x: item.at.x + k * MARKER_STEP, y: item.at.y },
      box,
      lines,
      text,
      clause: item.clause,
      reason: item.reason,
      count: item.count,
    };
  });
}

/** What a flow is placed on: the realm boxes, the pipes, the exits and the pipes' pages. */
interface Drawn {
  readonly byName: Map<string, RealmNode>;
  readonly byRd: Map<string, string>;
  readonly pipes: readonly Pipe[];
  readonly exits: readonly Exit[];
  /** Each shared page (PA) and the pipe whose object it backs (the monitor's SGT). */
  readonly pages: ReadonlyMap<number, PageOfPipe>;
}

function placeFlows(
  ledger: readonly LedgerEvent[],
  drawn: Drawn,
  nameOf: NameOf,
  passage: AllowedPassage,
  offDrawing: OffDrawingFlow[],
): PlacedFlow[] {
  const { byName, byRd } = drawn;
  const realmName = (name: string) => (byName.has(name) ? name : byRd.get(name));
  const out: PlacedFlow[] = [];
  for (const e of ledger) {
    if (e.kind !== 'flow') continue;
    const placed = placeFlow(e, realmName, drawn, nameOf, passage, ledger);
    if (placed) out.push(placed.gap ? withEffect(placed, e, ledger, nameOf) : placed);
    else if (e.source.kind === 'realm' || e.destination.kind === 'realm') {
      const j = judgeFlow(e, nameOf, passage, ledger);
      offDrawing.push({
        seq: e.seq,
        outcome: j.outcome,
        text: j.text,
        rule: e.decision.rule,
        shortRule: j.rule,
        ...(j.gap ? { gap: j.gap } : {}),
      });
    }
  }
  return out;
}

/** The granule a physical address lies in (its first byte). */
function granuleOf(pa: number): number {
  return Math.floor(pa / abi.GRANULE_SIZE) * abi.GRANULE_SIZE;
}

/**
 * `flow` (a gap flow) with what the machine recorded on its page afterwards: the realms whose
 * access to that granule then took a granule protection fault (an SEA in the realm, §6
 * attack 11: the host took the page back while they still map it). Unchanged when the flow
 * names no page or nothing faulted on it.
 */
function withEffect(
  flow: PlacedFlow,
  e: LedgerEventOf<'flow'>,
  ledger: readonly LedgerEvent[],
  nameOf: NameOf,
): PlacedFlow {
  const at = e.destination.kind === 'memory' ? e.destination.address : undefined;
  if (at === undefined) return flow;
  const page = granuleOf(at);
  const faulted: string[] = [];
  for (const x of ledger) {
    if (x.seq <= e.seq || x.kind !== 'gpf' || granuleOf(x.pa) !== page) continue;
    if (!x.actor.startsWith('realm:')) continue;
    const who = nameOf(x.actor);
    if (!faulted.includes(who)) faulted.push(who);
  }
  if (faulted.length === 0) return flow;
  return { ...flow, effect: `then ${faulted.join(' and ')} faulted on it (SEA)` };
}

function placeFlow(
  e: LedgerEventOf<'flow'>,
  realmName: (name: string) => string | undefined,
  drawn: Drawn,
  nameOf: NameOf,
  passage: AllowedPassage,
  ledger: readonly LedgerEvent[],
): PlacedFlow | undefined {
  const { byName, pipes, exits, pages } = drawn;
  const blocked = e.decision.verdict === 'blocked';
  const src = e.source.kind === 'realm' ? realmName(e.source.name) : undefined;
  // The allowed exit is the tenant's declared gateway (by the RIM on the flow, not by a name or
  // a policy's is-gateway flag, which every realm of the shipped files has) handing out bytes
  // marked by a declared sanitiser (policy/judge.ts `sanitisedPassage`).
  const judged = judgeFlow(e, nameOf, passage, ledger);
  const leak = judged.outcome === 'leak';
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
    outcome: judged.outcome,
    text: judged.text,
    shortRule: judged.rule,
    leak,
    ...(judged.gap ? { gap: judged.gap } : {}),
  };
  const at = (pts: { x: number; y: number }[]) => ({ path: line(pts), end: pts[pts.length - 1]! });
  // A path into a realm ends on its box's edge: the dot that travels it rests there, not on
  // the realm's name in the middle of the box.
  const into = (from: { x: number; y: number }, node: RealmNode) => at([from, edgeOf(node, from)]);
  // A flow between a realm and an object it has no drawn pipe to (no policy, a dummy page) is
  // drawn on the realm itself: its marker sits on the box's left edge, clear of the name.
  const onNode = (node: RealmNode) => {
    const edge = { x: node.x - NODE_W / 2, y: node.y };
    return at([edge, edge]);
  };

  // Realm → shared object (a write) or shared object → realm (a read).
  if (src && e.destination.kind === 'memory' && !toU) {
    const pipe = pipes.find((p) => p.object === e.destination.name && p.from === src);
    const node = byName.get(src)!;
    if (pipe) {
      const stop = blocked ? pipe.valves[0] : pipe.mid;
      return { ...base, from: src, to: pipe.object, ...at([node, stop]) };
    }
    return { ...base, from: src, to: e.destination.name, ...onNode(node) };
  }
  if (dst && e.source.kind === 'memory' && !fromU) {
    const pipe = pipes.find((p) => p.object === e.source.name && p.to === dst);
    const node = byName.get(dst)!;
    if (pipe) {
      const path = blocked ? at([pipe.mid, pipe.valves[1]]) : into(pipe.mid, node);
      return { ...base, from: pipe.object, to: dst, ...path };
    }
    return { ...base, from: e.source.name, to: dst, ...onNode(node) };
  }
  // Realm → the monitor or the RMM (a policy upload, an RSI call): the decision is about the
  // realm itself; its marker sits on the box's top-left corner, clear of the name.
  if (src && e.destination.kind === 'rmm') {
    const node = byName.get(src)!;
    const corner = { x: node.x - NODE_W / 2, y: node.y - NODE_H / 2 };
    return { ...base, from: src, to: e.destination.name, ...at([corner, corner]) };
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
      ...at(pts),
    };
  }
  // U → realm (host maps, host writes): up the realm's exit.
  if (dst && fromU) {
    const exit = exits.find((x) => x.realm === dst)!;
    const node = byName.get(dst)!;
    const bottom = { x: node.x, y: ROW_Y.untrusted - 18 };
    const path = blocked ? at([bottom, exit.valve]) : into(bottom, node);
    // What reached the realm is marked just under its box, beside its exit and clear of the
    // box's labels and the exit's valve.
    const mark = { x: node.x + UNDER_BOX.dx, y: node.y + NODE_H / 2 + UNDER_BOX.dy };
    return { ...base, from: 'U', to: dst, ...path, ...(blocked ? {} : { mark }) };
  }
  // The host or the monitor acting on a page of a shared object (the host taking a page back,
  // §6 attack 11; the monitor refusing it, §8 item 13): drawn from U to that object's pipe,
  // where its realms meet it.
  const address = e.destination.kind === 'memory' ? e.destination.address : undefined;
  const object = address === undefined ? undefined : pages.get(granuleOf(address))?.pipe;
  const pipe = object === undefined ? undefined : pipes.find((p) => p.object === object);
  if (!src && !dst && pipe) {
    const below = { x: pipe.mid.x, y: ROW_Y.untrusted - 18 };
    // It stops just under the pipe, so its marker leaves the object's name above it readable.
    const under = { x: pipe.mid.x, y: pipe.mid.y + PAGE_MARK_DROP };
    const from = fromU ? 'U' : nameOf(e.source.name);
    return { ...base, from, to: pipe.object, ...at([below, under]) };
  }
  if (src && dst) {
    const a = byName.get(src)!;
    const b = byName.get(dst)!;
    return {
      ...base,
      from: src,
      to: dst,
      ...(blocked ? at([a, lerp(a, b, 0.5)]) : into(a, b)),
    };
  }
  return undefined;
}

/** Where the segment from `from` to the centre of `node` crosses the edge of its box. */
function edgeOf(node: RealmNode, from: { x: number; y: number }): { x: number; y: number } {
  const dx = from.x - node.x;
  const dy = from.y - node.y;
  if (dx === 0 && dy === 0) return node;
  const scale = Math.min(
    dx === 0 ? Infinity : NODE_W / 2 / Math.abs(dx),
    dy === 0 ? Infinity : NODE_H / 2 / Math.abs(dy),
  );
  return { x: node.x + dx * scale, y: node.y + dy * scale };
}

/** Who can read and write a pipe's object, in words (for the table view). */
export function pipeRule(p: Pipe): string {
  return `${p.valves[0].text}; ${p.valves[1].text}`;
}
