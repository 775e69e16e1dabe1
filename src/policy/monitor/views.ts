/**
 * Read-only views of the monitor for diagrams (the pipeline view, the memory view) and lesson
 * goals: realms with their policy flags and upload state, shared objects as pipes with each
 * end's window, prot and activation, the SGT, and the monitor's decisions from the ledger.
 * Plain data derived from machine state; never mutates.
 */
import type { LedgerEvent, MachineState } from '../../emulator/index.ts';
import type { Prot } from '../model.ts';
import { micaOf, policyOf, type SgtEntry } from './state.ts';

/** One realm as the pipeline view draws it. */
export interface MicaRealmView {
  readonly rd: number;
  readonly name: string;
  readonly uploaded: boolean;
  /** Hash label bound in the registry, or null. */
  readonly hash: number | null;
  readonly isGateway: boolean | null;
  readonly strict: boolean | null;
  /** Pages mapped as dummy / active. */
  readonly dummyPages: number;
  readonly activePages: number;
}

/** One end of a pipe. */
export interface PipeEnd {
  readonly realm: string;
  readonly ipa: number;
  readonly prot: Prot;
  /** Pages of this end that are active in the realm's stage 2. */
  readonly activePages: number;
}

/** A shared object (pipe) as the uploaded policies declare it. */
export interface PipeView {
  readonly name: string;
  readonly size: number;
  readonly ends: readonly PipeEnd[];
}

/** The whole monitor view. */
export interface MicaView {
  readonly mode: string;
  readonly gaps: readonly string[];
  readonly realms: readonly MicaRealmView[];
  readonly pipes: readonly PipeView[];
  readonly sgt: readonly SgtEntry[];
  readonly transitions: number;
}

/** The monitor view of a machine state (undefined in CCA-only mode). */
export function micaView(state: Readonly<MachineState>): MicaView | undefined {
  const monitor = micaOf(state);
  if (!monitor) return undefined;
  const realms = Object.values(monitor.realms).map((r) => {
    const p = policyOf(r);
    const vm = p?.vms[p.self];
    const maps = Object.values(r.mappings);
    return {
      rd: r.rd,
      name: r.name,
      uploaded: r.uploaded,
      hash: monitor.registry.find((e) => e.rd === r.rd)?.hash ?? null,
      isGateway: vm ? vm.isGateway : null,
      strict: vm ? vm.strict : null,
      dummyPages: maps.filter((x) => x.state === 'DUMMY').length,
      activePages: maps.filter((x) => x.state === 'ACTIVE').length,
    };
  });
  const pipes = new Map<string, { size: number; ends: PipeEnd[] }>();
  for (const r of Object.values(monitor.realms)) {
    const p = policyOf(r);
    if (!p || !r.uploaded) continue;
    for (const mem of p.mems) {
      if (mem.type !== 'PROTECTED') continue;
      const own = mem.mappings.find((x) => x.vm === p.self);
      if (!own) continue;
      const pipe = pipes.get(mem.name) ?? { size: Number(mem.size), ends: [] };
      pipe.ends.push({
        realm: r.name,
        ipa: Number(own.gpa),
        prot: own.prot,
        activePages: Object.values(r.mappings).filter(
          (x) => x.mem === mem.name && x.state === 'ACTIVE',
        ).length,
      });
      pipes.set(mem.name, pipe);
    }
  }
  return {
    mode: monitor.mode,
    gaps: monitor.gaps,
    realms,
    pipes: [...pipes].map(([name, v]) => ({ name, ...v })),
    sgt: monitor.sgt.entries,
    transitions: monitor.table.length,
  };
}

/** The monitor's decisions (flow events it emitted), oldest first; `blocked` only if asked. */
export function micaDecisions(
  ledger: readonly LedgerEvent[],
  only?: 'blocked' | 'allowed',
): Extract<LedgerEvent, { kind: 'flow' }>[] {
  const channels = new Set([
    'shared-memory',
    'shared-map',
    'policy-upload',
    'smc',
    'exit',
    'interrupt',
    'ns-map',
    'ns-unmap',
    'granule',
    'undelegate',
    'clean',
    'sgt',
    'group-token',
    'realm-destroy',
  ]);
  return ledger.filter(
    (e): e is Extract<LedgerEvent, { kind: 'flow' }> =>
      e.kind === 'flow' && channels.has(e.channel) && (!only || e.decision.verdict === only),
  );
}

/** A shared page's pipe: the object's name and the realms at its declared ends. */
export interface PageOfPipe {
  readonly pipe: string;
  readonly ends: ReadonlySet<string>;
}

/**
 * The pipe each shared page belongs to, by PA, from the declared ends' own SGT entries (a
 * page some other realm maps, undeclared, is not among them).
 */
export function pipeOfPage(view: MicaView): Map<number, PageOfPipe> {
  const pages = new Map<number, PageOfPipe>();
  for (const pipe of view.pipes) {
    const ends = new Set(pipe.ends.map((e) => e.realm));
    for (const end of pipe.ends) {
      const rd = view.realms.find((r) => r.name === end.realm)?.rd;
      for (const e of view.sgt) {
        if (e.rd === rd && e.gpa >= end.ipa && e.gpa < end.ipa + pipe.size) {
          pages.set(e.pa, { pipe: pipe.name, ends });
        }
      }
    }
  }
  return pages;
}
