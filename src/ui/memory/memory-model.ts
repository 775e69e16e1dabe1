/**
 * The Memory view's model (issue 14, lab-ux.md §3.1 item 7): the granules that matter to
 * one realm, seen twice. The host column lists them by PA as the host (NS-EL2) sees them:
 * GPI, RMM granule state, what a host read would return and the GPFs the ledger already
 * holds for them. The realm column lists the realm's IPA space from its RTT walk: protected
 * entries (HIPAS x RIPAS), unprotected (NS) mappings, and the Mica monitor's protected shared
 * mappings with their rights. A row on either side that is backed by a granule carries the
 * granule index as `granule`, the key that links partner rows.
 *
 * Design rationale: "what a host read returns" is derived, never performed: a read through
 * the machine's front door is a checked access that appends `mem:access` (and `gpf`) events
 * to the ledger, so looking at the view would change what it shows. The model applies the
 * granule protection check as a predicate (`gpcAllows`, cca-spec.md §1.2) and copies the
 * first bytes of NS granules out of `state.memory` read-only. Everything here is a pure
 * function of machine state and the ledger; the component only draws.
 *
 * Rules (cca-spec.md §1.2, §3.1, §3.4, §4.3; mica-spec.md §3.4-3.5):
 * - a granule whose GPI does not admit the NS PAS reads as a GPF for the host;
 * - a protected IPA maps Realm-PAS memory only when ASSIGNED with RIPAS RAM;
 * - an unprotected IPA (top IPA bit set) maps an NS page the host can read too;
 * - a Mica shared page is DELEGATED (Realm PAS) and each realm maps it with its own rights;
 *   until the realm's policy is uploaded its stage 2 points at its dummy page instead.
 */
import {
  abi,
  entrySize,
  gpcAllows,
  granuleIndex,
  regionOf,
  rttEntries,
  type HostSharedObject,
  type LedgerEvent,
  type MachineView,
  type RttEntry,
} from '../../emulator/index.ts';
import { micaOf, policyOf, type MicaState, type Prot } from '../../policy/index.ts';
import { realmNameOf } from '../state/realm-names.ts';
import { hex } from '../../lib/hex.ts';

/** What a host read of a granule returns, derived from its GPI (no read is issued). */
export type HostRead =
  /** The GPC refuses the NS PAS: the read faults and returns nothing. */
  | { readonly kind: 'gpf'; readonly text: string; readonly reason: string }
  /** The read succeeds: the first bytes, hex. */
  | { readonly kind: 'bytes'; readonly text: string }
  /** No memory behind the PA. */
  | { readonly kind: 'none'; readonly text: string };

/** One granule as the host sees it. */
export interface HostRow {
  /** Granule index: the link to the realm rows backed by this granule. */
  readonly granule: number;
  readonly pa: number;
  readonly gpi: abi.Gpi;
  readonly state: abi.GranuleState;
  /** What the granule is for, in words ("DATA", "RTT level 3", "Mica shared page Mem1"). */
  readonly role: string;
  readonly read: HostRead;
  /** GPF events the ledger holds for this granule, and the latest one in words. */
  readonly gpfs: number;
  readonly lastGpf?: string;
  /** Realms that map this page through Mica, with their rights (shared pages only). */
  readonly sharers: readonly ShareRight[];
}

/** One realm's rights on a shared page or object. */
export interface ShareRight {
  readonly realm: string;
  /** null: the window is wired by the host but the realm has uploaded no policy yet. */
  readonly prot: Prot | null;
  readonly state?: 'DUMMY' | 'ACTIVE';
  /** The realm was destroyed: the host still lists the end, the monitor no longer has it. */
  readonly gone?: boolean;
}

/** How the realm reaches one IPA range. */
export type RealmRowKind = 'protected' | 'unprotected' | 'shared' | 'unmapped';

/** One IPA range of the chosen realm. */
export interface RealmRow {
  /** Granule index of the page its stage 2 points at, when it maps one. */
  readonly granule?: number;
  readonly ipa: number;
  /** End of the range (exclusive). */
  readonly top: number;
  readonly kind: RealmRowKind;
  /** Which half of the IPA space (cca-spec.md §4.3). */
  readonly half: 'protected' | 'unprotected';
  /** HIPAS, as the RTT entry says (shared pages are the monitor's own leaves: ASSIGNED). */
  readonly hipas: 'ASSIGNED' | 'UNASSIGNED' | 'ASSIGNED_NS' | 'UNASSIGNED_NS';
  /** RIPAS (protected half only). */
  readonly ripas?: abi.Ripas;
  /** PA the stage-2 entry points at. */
  readonly pa?: number;
  /** What a realm access here does, in words (cca-spec.md §3.4). */
  readonly access: string;
  /** Mica shared mapping: the object, this realm's rights and the other ends'. */
  readonly shared?: {
    readonly mem: string | null;
    readonly prot: Prot;
    readonly state: 'DUMMY' | 'ACTIVE';
    /** The real page the SGT records (differs from `pa` while DUMMY). */
    readonly realPa: number;
    readonly others: readonly ShareRight[];
  };
}

/** A Mica shared window of the chosen realm (host wiring and, once uploaded, its policy). */
export interface SharedWindow {
  readonly mem: string;
  readonly ipa: number;
  readonly size: number;
  /** Every end of the object, this realm first. */
  readonly rights: readonly ShareRight[];
}

/** The whole view for one realm. */
export interface MemoryModel {
  readonly rd: number;
  readonly name: string;
  readonly ipaWidth: number;
  readonly host: readonly HostRow[];
  readonly realm: readonly RealmRow[];
  readonly windows: readonly SharedWindow[];
}

/** Bytes of an NS granule shown as "what a host read returns". */
export const PEEK_BYTES = 8;

/** What a host (NS-EL2, NS PAS) read of the granule at `pa` returns, without reading it. */
export function hostReadOf(view: MachineView, pa: number): HostRead {
  const state = view.state;
  if (!regionOf(state.config.memoryMap, pa)) {
    return { kind: 'none', text: 'bus error: no memory here' };
  }
  const gpi = view.gpiOf(pa);
  if (!gpcAllows('NS', 'NS', gpi)) {
    return {
      kind: 'gpf',
      text: 'GPF',
      reason: `GPI ${gpi} does not admit the Non-secure PAS: the read faults, no byte comes back`,
    };
  }
  const page = state.memory[granuleIndex(pa)];
  const bytes = page ? page.subarray(0, PEEK_BYTES) : new Uint8Array(PEEK_BYTES);
  return { kind: 'bytes', text: [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ') };
}

/** What a realm data access does for an RTT entry (cca-spec.md §3.4, realm-visible table). */
function accessOf(entry: RttEntry, view: MachineView): string {
  switch (entry.state) {
    case 'ASSIGNED':
      if (entry.ripas === 'RAM') return 'reads and writes, Realm PAS';
      return entry.ripas === 'EMPTY' ? 'SEA injected' : 'REC exit to the host';
    case 'UNASSIGNED':
      return entry.ripas === 'EMPTY' ? 'SEA injected' : 'REC exit to the host (data abort)';
    case 'ASSIGNED_NS':
      return gpcAllows('REALM', 'NS', view.gpiOf(entry.pa))
        ? 'reads and writes, NS PAS (the host sees it too)'
        : 'GPF: the host delegated the page after mapping it';
    case 'UNASSIGNED_NS':
      return 'REC exit to the host (emulated MMIO)';
    case 'TABLE':
      return 'table';
  }
}

/** The realm whose policy maps object `mem`, and with what rights (null before upload). */
function protOf(m: MicaState | undefined, realm: string, mem: string): Prot | null {
  const r = m && Object.values(m.realms).find((x) => x.name === realm);
  const policy = r?.uploaded ? policyOf(r) : undefined;
  if (!policy) return null;
  const own = policy.mems
    .find((x) => x.name === mem && x.type === 'PROTECTED')
    ?.mappings.find((x) => x.vm === policy.self);
  return own ? own.prot : null;
}

/** Every Mica shared mapping on the machine by real page (granule index). */
function sharersByGranule(m: MicaState | undefined): Map<number, ShareRight[]> {
  const out = new Map<number, ShareRight[]>();
  for (const r of Object.values(m?.realms ?? {})) {
    for (const x of Object.values(r.mappings)) {
      const g = granuleIndex(x.pa);
      out.set(g, [...(out.get(g) ?? []), { realm: r.name, prot: x.prot, state: x.state }]);
    }
  }
  return out;
}

/** The realm rows: mapped entries, Mica leaves, and merged runs of unmapped entries. */
function realmRows(view: MachineView, rd: number, ipaWidth: number): RealmRow[] {
  const state = view.state;
  const m = micaOf(state);
  const mr = m?.realms[hex(rd)];
  const sharers = sharersByGranule(m);
  const half = (ipa: number): RealmRow['half'] =>
    ipa < 2 ** (ipaWidth - 1) ? 'protected' : 'unprotected';
  const rows: RealmRow[] = [];
  const micaIpas: number[] = [];
  for (const x of Object.values(mr?.mappings ?? {})) {
    const seen = x.state === 'ACTIVE' ? x.pa : (mr?.dummy ?? x.pa);
    micaIpas.push(x.ipa);
    rows.push({
      granule: granuleIndex(seen),
      ipa: x.ipa,
      top: x.ipa + abi.GRANULE_SIZE,
      kind: 'shared',
      half: half(x.ipa),
      hipas: 'ASSIGNED',
      pa: seen,
      access:
        x.state === 'DUMMY'
          ? 'reads the zeroed dummy page until its policy is uploaded'
          : `${x.prot === 'R' ? 'reads' : x.prot === 'W' ? 'writes' : 'reads and writes'}, Realm PAS, shared`,
      shared: {
        mem: x.mem,
        prot: x.prot,
        state: x.state,
        realPa: x.pa,
        others: (sharers.get(granuleIndex(x.pa)) ?? []).filter((s) => s.realm !== mr?.name),
      },
    });
  }
  micaIpas.sort((a, b) => a - b);
  const unmapped: RealmRow[] = [];
  const pushUnmapped = (ipa: number, top: number, entry: RttEntry): void => {
    if (top <= ipa) return;
    const ripas = entry.state === 'UNASSIGNED' ? entry.ripas : undefined;
    const hipas = entry.state === 'UNASSIGNED' ? 'UNASSIGNED' : 'UNASSIGNED_NS';
    const last = unmapped.at(-1);
    if (last && last.top === ipa && last.hipas === hipas && last.ripas === ripas) {
      unmapped[unmapped.length - 1] = { ...last, top };
      return;
    }
    unmapped.push({
      ipa,
      top,
      kind: 'unmapped',
      half: half(ipa),
      hipas,
      ...(ripas ? { ripas } : {}),
      access: accessOf(entry, view),
    });
  };
  for (const { ipa, level, entry } of rttEntries(state, rd)) {
    const top = ipa + entrySize(level);
    if (entry.state === 'UNASSIGNED' || entry.state === 'UNASSIGNED_NS') {
      // Mica leaves sit over unassigned entries: cut the run around each of them.
      let from = ipa;
      for (const at of micaIpas) {
        if (at < ipa || at >= top) continue;
        pushUnmapped(from, at, entry);
        from = at + abi.GRANULE_SIZE;
      }
      pushUnmapped(from, top, entry);
    } else if (entry.state === 'ASSIGNED' || entry.state === 'ASSIGNED_NS') {
      rows.push({
        granule: granuleIndex(entry.pa),
        ipa,
        top,
        kind: entry.state === 'ASSIGNED' ? 'protected' : 'unprotected',
        half: half(ipa),
        hipas: entry.state,
        ...(entry.state === 'ASSIGNED' ? { ripas: entry.ripas } : {}),
        pa: entry.pa,
        access: accessOf(entry, view),
      });
    }
  }
  return [...rows, ...unmapped].sort((a, b) => a.ipa - b.ipa);
}

/** What a granule is for, in words. */
function roleOf(view: MachineView, index: number, run: ReadonlySet<number>): string {
  const state = view.state;
  const record = state.granules[index];
  const pa = index * abi.GRANULE_SIZE;
  switch (record?.state) {
    case 'RD':
      return 'RD (realm descriptor)';
    case 'REC':
      return 'REC (a vCPU)';
    case 'REC_AUX':
      return 'REC auxiliary';
    case 'RTT':
      return `RTT level ${state.rmm.rtts[hex(pa)]?.level ?? '?'}`;
    case 'DATA':
      return 'DATA (realm memory)';
    case 'DELEGATED': {
      if (record.ext === 'mica:pd') return 'Mica policy descriptor';
      if (record.ext === 'mica:dummy') return 'Mica dummy page';
      if (record.ext === 'mica:shared') {
        const name =
          Object.entries(state.host?.sharedObjects ?? {}).find(([, o]) =>
            Object.values(o.pages).includes(pa),
          )?.[0] ??
          Object.values(micaOf(state)?.realms ?? {})
            .flatMap((r) => Object.values(r.mappings))
            .find((x) => x.pa === pa)?.mem ??
          undefined;
        return `Mica shared page${name ? ` ${name}` : ''}`;
      }
      return 'delegated, free';
    }
    default:
      return run.has(index) ? 'host page: REC run page' : 'host page (NS)';
  }
}

/** GPF events in `ledger` per granule index: count and the latest in words. */
function gpfsByGranule(ledger: readonly LedgerEvent[]): Map<number, { n: number; last: string }> {
  const out = new Map<number, { n: number; last: string }>();
  for (const e of ledger) {
    if (e.kind !== 'gpf') continue;
    const g = granuleIndex(e.pa);
    out.set(g, { n: (out.get(g)?.n ?? 0) + 1, last: `#${e.seq} ${e.actor} ${e.op}` });
  }
  return out;
}

/**
 * Each end of every shared object (realm, IPA, size): the host's wiring (`mica share`) and the
 * uploaded policies' PROTECTED objects, merged by realm.
 */
function objectEnds(
  objects: Readonly<Record<string, HostSharedObject>>,
  m: MicaState | undefined,
): Map<string, { realm: string; ipa: number; size: number }[]> {
  const out = new Map<string, { realm: string; ipa: number; size: number }[]>();
  const add = (mem: string, end: { realm: string; ipa: number; size: number }): void => {
    const ends = out.get(mem) ?? [];
    if (!ends.some((e) => e.realm === end.realm)) out.set(mem, [...ends, end]);
  };
  for (const [mem, object] of Object.entries(objects)) for (const end of object.ends) add(mem, end);
  for (const r of Object.values(m?.realms ?? {})) {
    const policy = r.uploaded ? policyOf(r) : undefined;
    for (const mem of policy?.mems ?? []) {
      const own = mem.mappings.find((x) => x.vm === policy?.self);
      if (mem.type !== 'PROTECTED' || !own) continue;
      add(mem.name, { realm: r.name, ipa: Number(own.gpa), size: Number(mem.size) });
    }
  }
  return out;
}

/** The shared windows of realm `name`, with every end's rights. */
function windowsOf(
  objects: Readonly<Record<string, HostSharedObject>>,
  m: MicaState | undefined,
  name: string,
): SharedWindow[] {
  return [...objectEnds(objects, m)].flatMap(([mem, ends]) => {
    const own = ends.find((e) => e.realm === name);
    if (!own) return [];
    const ordered = [own, ...ends.filter((e) => e !== own)];
    return [
      {
        mem,
        ipa: own.ipa,
        size: own.size,
        rights: ordered.map((e) => ({
          realm: e.realm,
          prot: protOf(m, e.realm, mem),
          ...(m && !Object.values(m.realms).some((x) => x.name === e.realm) ? { gone: true } : {}),
        })),
      },
    ];
  });
}

/**
 * The Memory view of realm `rd`: the granules it owns or maps as the host sees them, beside
 * its IPA space. Reads machine state only; issues no access and appends no ledger event.
 * Undefined when there is no realm at `rd`.
 */
export function buildMemoryModel(
  view: MachineView,
  ledger: readonly LedgerEvent[],
  rd: number,
): MemoryModel | undefined {
  const state = view.state;
  const realm = state.rmm.realms[hex(rd)];
  if (!realm) return undefined;
  const m = micaOf(state);
  const mr = m?.realms[hex(rd)];
  const hostRealm = Object.values(state.host?.realms ?? {}).find((r) => r.rd === rd);
  const name = realmNameOf(state, rd);
  const realm_ = realmRows(view, rd, realm.ipaWidth);

  // The host column: what the realm owns, what it maps, its Mica pages, its REC run page.
  const indices = new Set<number>();
  for (const [index, record] of Object.entries(state.granules)) {
    if (record.realm === rd) indices.add(Number(index));
  }
  for (const row of realm_) {
    if (row.granule !== undefined) indices.add(row.granule);
    if (row.shared) indices.add(granuleIndex(row.shared.realPa));
  }
  for (const pa of [mr?.pd, mr?.dummy]) if (pa) indices.add(granuleIndex(pa));
  const run = new Set(hostRealm ? [granuleIndex(hostRealm.run)] : []);
  for (const index of run) indices.add(index);

  const gpfs = gpfsByGranule(ledger);
  const sharers = sharersByGranule(m);
  const host = [...indices]
    .sort((a, b) => a - b)
    .map((index): HostRow => {
      const pa = index * abi.GRANULE_SIZE;
      const seen = gpfs.get(index);
      return {
        granule: index,
        pa,
        gpi: view.gpiOf(pa),
        state: state.granules[index]?.state ?? 'UNDELEGATED',
        role: roleOf(view, index, run),
        read: hostReadOf(view, pa),
        gpfs: seen?.n ?? 0,
        ...(seen ? { lastGpf: seen.last } : {}),
        sharers: sharers.get(index) ?? [],
      };
    });

  const windows = windowsOf(state.host?.sharedObjects ?? {}, m, name);
  return { rd, name, ipaWidth: realm.ipaWidth, host, realm: realm_, windows };
}
