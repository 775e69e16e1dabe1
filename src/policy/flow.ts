/**
 * The verifier's flow graph (mica-spec.md §4.5 steps 5-6) built from a set of per-realm
 * policies, and the path search "every path from the sensitive-input realm to the untrusted
 * world U passes through a designated sanitiser". Every edge carries the policy fields that
 * create it, so a refused pipeline is explained edge by edge.
 *
 * Edges (§4.5 step 5): shared PROTECTED memory a → b when a's prot has W and b's has R; an ANY
 * mapping (or a VM outside the set) stands for U; every gateway has edges to and from U
 * (unprotected memory, network); a non-gateway realm has an edge to U for every exit class
 * that carries realm data (abi.ts EXIT_CLASSES: SMC, data abort, instruction abort; WFx shows
 * only timing, §1.3, since the monitor drops the WFI/WFE bit unless a rule ALLOWs WFx, and
 * such a rule draws its own edge) that no policy of the set BLOCKs, since an exit the table does not list reaches the host unchanged (host calls, MMIO
 * data, realm-chosen fault addresses); every ALLOW or OTHER (dialect-P SCRUB / DELEGATE)
 * control-flow rule adds an edge from its owner to U. UNPROTECTED objects add nothing beyond the
 * gateway edges (they only tell a strict gateway which NS windows to keep, §2.2.4).
 */
import { EXIT_CLASSES } from './abi.ts';
import { realmLabel, type RealmPolicy } from './agreement.ts';
import { hex } from './format.ts';
import { canRead, canWrite, type Policy, type PolicyMapping } from './model.ts';

/** The node standing for the host, the network, realms outside the set and ANY slots. */
export const UNTRUSTED = 'U';

/** A policy field that contributes to an edge. */
export interface FieldRef {
  /** Realm whose policy file holds the field. */
  readonly realm: string;
  /** Key path in that file, e.g. `Mem2.mappings.VM3.prot`. */
  readonly path: string;
  readonly value: string;
}

/** Why an edge exists. */
export type FlowEdgeKind = 'shared-memory' | 'any-window' | 'gateway' | 'control-transfer';

/** A directed information-flow edge. */
export interface FlowEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: FlowEdgeKind;
  /** Memory object or CF rule behind the edge. */
  readonly via?: string;
  readonly reason: string;
  readonly fields: readonly FieldRef[];
}

/** Nodes are realm labels plus {@link UNTRUSTED}. */
export interface FlowGraph {
  readonly nodes: readonly string[];
  readonly edges: readonly FlowEdge[];
}

/** Options of {@link buildFlowGraph}. */
export interface FlowOptions {
  /** Treat ANY slots as trusted (no U edges for them); default false (§4.5 step 5). */
  readonly trustAny?: boolean;
}

function vmName(p: Policy, m: PolicyMapping): string {
  return m.vm === 'ANY' ? 'ANY' : (p.vms[m.vm]?.name ?? `#${m.vm}`);
}

/** Builds the flow graph of a policy set (one policy per realm, labels as in agreement.ts). */
export function buildFlowGraph(set: readonly RealmPolicy[], options: FlowOptions = {}): FlowGraph {
  const byHash = new Map<number, string>();
  for (const rp of set) {
    const vm = rp.policy.vms[rp.policy.self];
    if (vm && !byHash.has(vm.hash)) byHash.set(vm.hash, realmLabel(rp));
  }
  const nodes = [...new Set(set.map(realmLabel)), UNTRUSTED];
  const edges: FlowEdge[] = [];
  const add = (edge: FlowEdge) => {
    if (edge.from === edge.to) return;
    const same = edges.find(
      (e) => e.from === edge.from && e.to === edge.to && e.kind === edge.kind && e.via === edge.via,
    );
    if (!same) {
      edges.push(edge);
      return;
    }
    const merged = [...same.fields];
    for (const f of edge.fields) {
      if (!merged.some((g) => g.realm === f.realm && g.path === f.path && g.value === f.value))
        merged.push(f);
    }
    edges[edges.indexOf(same)] = { ...same, fields: merged };
  };
  const nodeOf = (p: Policy, m: PolicyMapping): string | undefined => {
    if (m.vm === 'ANY') return options.trustAny ? undefined : UNTRUSTED;
    const hash = p.vms[m.vm]?.hash;
    return hash === undefined ? undefined : (byHash.get(hash) ?? UNTRUSTED);
  };

  for (const rp of set) {
    const p = rp.policy;
    const file = realmLabel(rp);
    for (const mem of p.mems) {
      if (mem.type !== 'PROTECTED') continue;
      for (const a of mem.mappings) {
        for (const b of mem.mappings) {
          if (a === b || !canWrite(a.prot) || !canRead(b.prot)) continue;
          const from = nodeOf(p, a);
          const to = nodeOf(p, b);
          if (from === undefined || to === undefined) continue;
          const any = a.vm === 'ANY' || b.vm === 'ANY';
          add({
            from,
            to,
            kind: any ? 'any-window' : 'shared-memory',
            via: mem.name,
            reason: `${from} writes ${mem.name} (${vmName(p, a)} ${a.prot} at ${hex(a.gpa)}), ${to} reads it (${vmName(p, b)} ${b.prot} at ${hex(b.gpa)})`,
            fields: [
              { realm: file, path: `${mem.name}.mappings.${vmName(p, a)}.prot`, value: a.prot },
              { realm: file, path: `${mem.name}.mappings.${vmName(p, b)}.prot`, value: b.prot },
            ],
          });
        }
      }
    }
  }

  // Realm-level edges come from each realm's own file (its flags), rules from any file of the set.
  const blocked = (hash: number, type: string, range: number) =>
    set.some(({ policy: p }) =>
      p.cfs.some(
        (cf) =>
          cf.owner !== 'NONE' &&
          p.vms[cf.owner]?.hash === hash &&
          cf.type === type &&
          cf.policy === 'BLOCK' &&
          cf.range.includes(range),
      ),
    );
  for (const rp of set) {
    const p = rp.policy;
    const me = p.vms[p.self];
    if (!me) continue;
    const label = realmLabel(rp);
    const flag: FieldRef = {
      realm: label,
      path: `${me.name}.is-gateway`,
      value: String(me.isGateway),
    };
    if (me.isGateway) {
      const reason = `${label} is a gateway: unprotected memory and the network reach the untrusted world`;
      add({ from: label, to: UNTRUSTED, kind: 'gateway', reason, fields: [flag] });
      add({ from: UNTRUSTED, to: label, kind: 'gateway', reason, fields: [flag] });
      continue;
    }
    for (const c of EXIT_CLASSES) {
      // A timing-only class (WFx) carries no realm data to the host (§1.3; abi.ts).
      if (!c.data || blocked(me.hash, c.type, c.range)) continue;
      add({
        from: label,
        to: UNTRUSTED,
        kind: 'control-transfer',
        via: `${c.type} ${hex(c.range)}`,
        reason: `${label} is not a gateway, but no CF rule BLOCKs its ${c.name} exits (${c.type} ${hex(c.range)}): they reach the host with ${c.carries}`,
        fields: [flag],
      });
    }
  }
  for (const rp of set) {
    const p = rp.policy;
    for (const cf of p.cfs) {
      if (cf.policy === 'BLOCK' || cf.owner === 'NONE') continue;
      const hash = p.vms[cf.owner]?.hash;
      const owner = hash === undefined ? undefined : byHash.get(hash);
      if (owner === undefined) continue;
      const how = cf.legacy ? `${cf.legacy.policy} (dialect P)` : cf.policy;
      add({
        from: owner,
        to: UNTRUSTED,
        kind: 'control-transfer',
        via: cf.name,
        reason: `${cf.name} lets ${owner}'s ${cf.type} transitions [${cf.range.map(hex).join(', ')}] through to the host (${how})`,
        fields: [{ realm: realmLabel(rp), path: `${cf.name}.policy`, value: cf.policy }],
      });
    }
  }
  return { nodes, edges };
}

/** Question for {@link findUnsanitisedPath}. */
export interface SanitiserQuery {
  /** The realm that receives the sensitive input. */
  readonly source: string;
  /** Realms every path to the sink must pass through (moderator, guardrail filter). */
  readonly sanitisers: readonly string[];
  /** Defaults to {@link UNTRUSTED}. */
  readonly sink?: string;
}

/** Verdict: accepted, or the shortest offending path, edge by edge. */
export type SanitiserVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly path: readonly FlowEdge[]; readonly message: string };

/** One edge in words: `encoder -> U [control-transfer SMC]: … (encoder: VM2.is-gateway = false)`. */
export function formatEdge(e: FlowEdge): string {
  const via = e.via ? ` ${e.via}` : '';
  const fields = e.fields.map((f) => `${f.realm}: ${f.path} = ${f.value}`).join('; ');
  return `${e.from} -> ${e.to} [${e.kind}${via}]: ${e.reason} (${fields})`;
}

/**
 * §4.5 step 6: accepts iff every path from `source` to the sink passes through a sanitiser.
 * Breadth-first search that may not enter a sanitiser; a path that still reaches the sink is
 * returned (shortest first). A source that is itself a sanitiser is searched from its outputs.
 */
export function findUnsanitisedPath(graph: FlowGraph, query: SanitiserQuery): SanitiserVerdict {
  const sink = query.sink ?? UNTRUSTED;
  if (!graph.nodes.includes(query.source)) {
    return {
      ok: false,
      path: [],
      message: `source ${query.source} is not a node of the graph (${graph.nodes.join(', ')})`,
    };
  }
  const barred = new Set(query.sanitisers.filter((s) => s !== query.source));
  const previous = new Map<string, FlowEdge | null>([[query.source, null]]);
  const queue = [query.source];
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (node === sink && node !== query.source) break;
    for (const e of graph.edges) {
      if (e.from !== node || previous.has(e.to) || barred.has(e.to)) continue;
      previous.set(e.to, e);
      queue.push(e.to);
    }
  }
  if (!previous.has(sink) || sink === query.source) return { ok: true };
  const path: FlowEdge[] = [];
  for (let e = previous.get(sink); e; e = previous.get(e.from)) path.unshift(e);
  const route = [query.source, ...path.map((e) => e.to)].join(' -> ');
  const around = query.sanitisers.length ? ` without passing ${query.sanitisers.join(' or ')}` : '';
  const message = [
    `${route}: data from ${query.source} reaches ${sink}${around}`,
    ...path.map((e) => '  ' + formatEdge(e)),
  ].join('\n');
  return { ok: false, path, message };
}
