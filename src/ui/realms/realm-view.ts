/**
 * What the realm panel and the RTT tree show, read from the machine through the emulator's
 * public views (listRealms, listRecs, rttOf) and copied into fresh plain objects: the
 * emulator mutates its records in place, so views must never hold them.
 *
 * The RTT tree is bounded for the screen: each RTT lists its sub-tables and its mapped
 * entries (ASSIGNED, ASSIGNED_NS) up to a limit; runs of unassigned entries are counted.
 */
import {
  abi,
  hostRealms,
  listRealms,
  listRecs,
  rttOf,
  type RealmLifecycle,
  type RecLifecycle,
  type RmmHashAlgo,
  type MachineView,
} from '../../emulator/index.ts';

export interface RecView {
  readonly rec: number;
  readonly index: number;
  readonly mpidr: string;
  readonly state: RecLifecycle;
  readonly runnable: boolean;
  readonly pc: string;
  /** What the REC is waiting for from the host (`none`, `psci`, `mmio`, ...). */
  readonly pending: string;
  readonly aux: readonly number[];
}

/** One node of a realm's RTT tree. */
export interface RttNode {
  /** Unique within the tree. */
  readonly id: string;
  readonly kind: 'realm' | 'rtt' | 'data' | 'ns' | 'block' | 'more';
  /** First line, e.g. `L1 RTT 0x8000_0000`. */
  readonly label: string;
  /** Second line: the IPA range or the mapping. */
  readonly detail: string;
  /** Third line, if any: what the unmapped entries are. */
  readonly note?: string;
  /** RTT level for tables and entries. */
  readonly level?: number;
  /** PA of the RTT granule or mapped page. */
  readonly pa?: number;
  readonly children: readonly RttNode[];
}

export interface RealmView {
  readonly rd: number;
  /** The name the host's VMM gave it, if it was built with "realm create". */
  readonly name?: string;
  readonly state: RealmLifecycle;
  readonly vmid: number;
  readonly ipaWidth: number;
  readonly hashAlgo: RmmHashAlgo;
  readonly rim: string;
  readonly rems: readonly string[];
  /** Realm Personalization Value, hex of 64 bytes. */
  readonly rpv: string;
  readonly rttLevelStart: number;
  readonly recs: readonly RecView[];
  /** Granules the realm owns, by RMM state. */
  readonly granules: Readonly<Partial<Record<abi.GranuleState, number>>>;
  readonly tree: RttNode;
}

/** Mapped entries shown per RTT before "n more". */
export const ENTRY_LIMIT = 6;

/** Bytes mapped by one entry at `level` (4 KiB at level 3, 2 MiB at 2, 1 GiB at 1). */
function entrySpan(level: number): number {
  return abi.GRANULE_SIZE * 512 ** (3 - level);
}

/** 0x-hex with 4-digit groups. */
export function hexGroups(n: number): string {
  return `0x${n.toString(16).replace(/\B(?=(?:[0-9a-f]{4})+$)/g, '_')}`;
}

function rttNode(
  machine: MachineView,
  pa: number,
  path: string,
  budget: { nodes: number },
): RttNode {
  const rtt = rttOf(machine.state, pa);
  if (!rtt) {
    return {
      id: path,
      kind: 'more',
      label: `RTT ${hexGroups(pa)}`,
      detail: 'missing',
      children: [],
    };
  }
  const span = entrySpan(rtt.level);
  const children: RttNode[] = [];
  const counts = new Map<string, number>();
  let hidden = 0;
  rtt.entries.forEach((entry, i) => {
    const ipa = rtt.base + i * span;
    if (entry.state === 'TABLE') {
      budget.nodes--;
      children.push(rttNode(machine, entry.pa, `${path}/${i}`, budget));
      return;
    }
    if (entry.state === 'UNASSIGNED' || entry.state === 'UNASSIGNED_NS') {
      const key = entry.state === 'UNASSIGNED' ? entry.ripas : 'NS';
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return;
    }
    const mapped = children.filter((c) => c.kind !== 'rtt').length;
    if (mapped >= ENTRY_LIMIT || budget.nodes <= 0) {
      hidden++;
      return;
    }
    budget.nodes--;
    const page = rtt.level === 3;
    children.push(
      entry.state === 'ASSIGNED'
        ? {
            id: `${path}/${i}`,
            kind: page ? 'data' : 'block',
            label: `IPA ${hexGroups(ipa)}`,
            detail: `${page ? 'DATA' : 'block'} ${hexGroups(entry.pa)}`,
            note: `RIPAS ${entry.ripas}`,
            level: rtt.level,
            pa: entry.pa,
            children: [],
          }
        : {
            id: `${path}/${i}`,
            kind: 'ns',
            label: `IPA ${hexGroups(ipa)}`,
            detail: `host page ${hexGroups(entry.pa)}`,
            note: 'unprotected (NS)',
            level: rtt.level,
            pa: entry.pa,
            children: [],
          },
    );
  });
  if (hidden > 0) {
    children.push({
      id: `${path}/more`,
      kind: 'more',
      label: `+${hidden} more mapped`,
      detail: `entries at L${rtt.level}`,
      children: [],
    });
  }
  const unassigned = [...counts]
    .map(([ripas, n]) => (ripas === 'NS' ? `${n} NS` : `${n} ${ripas}`))
    .join(', ');
  return {
    id: path,
    kind: 'rtt',
    label: `L${rtt.level} RTT ${hexGroups(pa)}`,
    detail: `IPA ${hexGroups(rtt.base)} +${formatSpan(span * 512)}`,
    ...(unassigned ? { note: `unassigned: ${unassigned}` } : {}),
    level: rtt.level,
    pa,
    children,
  };
}

/** 1 GiB, 2 MiB, 4 KiB ... */
export function formatSpan(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${n} ${units[u]}`;
}

/** The realms of `machine`, in RD order, with their RECs and RTT trees. */
export function readRealms(machine: MachineView): RealmView[] {
  const state = machine.state;
  const names = hostRealms(machine);
  return listRealms(state).map((realm) => {
    const name = names.find((r) => r.rd === realm.rd)?.name;
    const granules: Partial<Record<abi.GranuleState, number>> = {};
    for (const record of Object.values(state.granules)) {
      if (record.realm === realm.rd) granules[record.state] = (granules[record.state] ?? 0) + 1;
    }
    const budget = { nodes: 120 };
    const starting = Array.from({ length: realm.rttNumStart }, (_, i) =>
      rttNode(machine, realm.rttBase + i * abi.GRANULE_SIZE, `s${i}`, budget),
    );
    return {
      rd: realm.rd,
      ...(name !== undefined ? { name } : {}),
      state: realm.state,
      vmid: realm.vmid,
      ipaWidth: realm.ipaWidth,
      hashAlgo: realm.hashAlgo,
      rim: realm.rim,
      rems: [...realm.rems],
      rpv: realm.rpv,
      rttLevelStart: realm.rttLevelStart,
      recs: listRecs(state, realm.rd).map((r) => ({
        rec: r.rec,
        index: r.index,
        mpidr: r.mpidr,
        state: r.state,
        runnable: r.runnable,
        pc: r.pc,
        pending: r.pending.kind,
        aux: [...r.aux],
      })),
      granules,
      tree: {
        id: 'realm',
        kind: 'realm',
        label: `Realm ${name ? `${name} ` : ''}RD ${hexGroups(realm.rd)}`,
        detail: `${realm.state} · ${realm.ipaWidth}-bit IPA`,
        pa: realm.rd,
        children: starting,
      },
    };
  });
}
