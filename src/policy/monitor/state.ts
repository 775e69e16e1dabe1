/**
 * The Mica monitor's machine-wide state (mica-spec.md §3.2, Appendix A), kept as plain,
 * JSON-safe data at `state.ext.mica` so snapshots, undo and links carry it: per-realm fields
 * (PD, dummy page, uploaded record, shared mappings), the realm registry, the shared-granule
 * table (SGT), the transition table, the protected-shared-range table and the FRESH page
 * ownership table.
 *
 * Design rationale: the parsed policy is stored exactly as the RMM stores it, the 2184-byte
 * record (hex), and decoded on use (with a small cache), so what the monitor enforces, what
 * REM0 measures and what the group token streams are the same bytes. Shared protected
 * mappings live here rather than in the RTT records: they are the monitor's own stage-2
 * leaves (the emulator consults them through the `translate` hook), and the page behind them
 * stays DELEGATED, tagged `mica:shared`, exactly as in the prototype (§3.7).
 */
import type { Ctx, MachineMode, MachineState } from '../../emulator/index.ts';
import type { TransitionEntry } from '../agreement.ts';
import type { MicaGap } from '../abi.ts';
import type { Policy, Prot } from '../model.ts';
import { decodeRecord } from '../record.ts';
import { hex } from '../../lib/hex.ts';

/** Name of the extension; its state lives at `state.ext[MICA_EXT]`. */
export const MICA_EXT = 'mica';

/** One stage-2 leaf of protected shared memory (Appendix A: DUMMY → ACTIVE(prot)). */
export interface SharedMapping {
  readonly ipa: number;
  /** The real page (what the SGT records), even while the realm sees its dummy page. */
  readonly pa: number;
  state: 'DUMMY' | 'ACTIVE';
  prot: Prot;
  /** Memory object whose window activated it, or null (post-upload prototype mapping). */
  mem: string | null;
}

/** Per-realm Mica fields of the RD (§3.1 REALM_CREATE, §3.2). */
export interface MicaRealm {
  readonly rd: number;
  /** Display name given by the host (scenario), for messages and views. */
  name: string;
  /** PA of the policy descriptor granule, 0 if none. */
  pd: number;
  /** PA of the dummy page, 0 if none. */
  dummy: number;
  /** `rsi_uploaded_policy`. */
  uploaded: boolean;
  /** Hex of the 2184-byte parsed record in the PD ('' = empty PD). */
  record: string;
  /** Upload order (1, 2, ...) once accepted, 0 before. */
  order: number;
  /** Shared protected mappings by IPA (0x-hex). */
  mappings: Record<string, SharedMapping>;
}

/** Realm registry entry (§3.2): RD ↔ PD ↔ RIM ↔ policy hash label. */
export interface RegistryEntry {
  readonly rd: number;
  readonly pd: number;
  /** Hex of the RIM at activation. */
  readonly rim: string;
  /** Bound at upload; null before. */
  hash: number | null;
}

/** One SGT entry (§3.2): realm `rd` maps physical page `pa` at IPA `gpa`. */
export interface SgtEntry {
  readonly pa: number;
  readonly gpa: number;
  readonly rd: number;
}

/** The whole monitor state. */
export interface MicaState {
  readonly mode: Exclude<MachineMode, 'cca'>;
  readonly gaps: readonly MicaGap[];
  realms: Record<string, MicaRealm>;
  registry: RegistryEntry[];
  sgt: { granules: number[]; entries: SgtEntry[] };
  /** Transition table (§2.7), keyed by owner identity (§8 item 8). */
  table: TransitionEntry[];
  /** Protected-shared-range table (§3.1). */
  ranges: { rd: number; ipa: number; size: number }[];
  /** FRESH ownership (§3.8): page PA (0x-hex) → region id. */
  fresh: Record<string, string>;
  /** Uploads accepted so far (for upload order). */
  uploads: number;
  /**
   * The host runs set-up scripts concurrently (attack 21): the prototype's unlocked SGT
   * read-modify-write then loses updates; the monitor serialises them.
   */
  concurrent?: boolean;
  /** Last SGT upsert (for the lost-update model of `gap-sgt-race`). */
  lastUpsert?: SgtEntry;
  /** Group tokens being streamed, by REC PA (0x-hex): hex of token ‖ blobs, bytes sent. */
  attest: Record<string, { stream: string; sent: number; members: number[] }>;
}

/** A fresh monitor state. */
export function initialMicaState(
  mode: Exclude<MachineMode, 'cca'>,
  gaps: readonly MicaGap[],
): MicaState {
  return {
    mode,
    gaps: [...gaps],
    realms: {},
    registry: [],
    sgt: { granules: [], entries: [] },
    table: [],
    ranges: [],
    fresh: {},
    uploads: 0,
    attest: {},
  };
}

/** The monitor state of a machine state (undefined when Mica is not installed). */
export function micaOf(state: Readonly<MachineState>): MicaState | undefined {
  return state.ext[MICA_EXT] as MicaState | undefined;
}

/** The monitor state through a Ctx (the extension is installed when its hooks run). */
export function mica(ctx: Ctx): MicaState {
  return ctx.state.ext[MICA_EXT] as MicaState;
}

/** True when prototype gap `gap` is switched on. */
export function gapOn(monitor: MicaState, gap: MicaGap): boolean {
  return monitor.gaps.includes(gap);
}

/** The Mica fields of the realm at `rd`, created on first use. */
export function micaRealm(monitor: MicaState, rd: number): MicaRealm {
  let r = monitor.realms[hex(rd)];
  if (!r) {
    r = {
      rd,
      name: hex(rd),
      pd: 0,
      dummy: 0,
      uploaded: false,
      record: '',
      order: 0,
      mappings: {},
    };
    monitor.realms[hex(rd)] = r;
  }
  return r;
}

const cache = new Map<string, Policy | null>();

/** The policy a record (hex) holds, or undefined for an empty / unreadable PD. */
export function policyOfRecord(hexRecord: string): Policy | undefined {
  if (hexRecord === '') return undefined;
  let p = cache.get(hexRecord);
  if (p === undefined) {
    const bytes = new Uint8Array(hexRecord.length / 2);
    for (let i = 0; i < bytes.length; i++)
      bytes[i] = parseInt(hexRecord.slice(2 * i, 2 * i + 2), 16);
    const decoded = decodeRecord(bytes);
    p = decoded.ok ? decoded.policy : null;
    if (cache.size > 256) cache.clear();
    cache.set(hexRecord, p);
  }
  return p ?? undefined;
}

/** The policy of realm `r` (its PD record), if any. */
export function policyOf(r: Readonly<MicaRealm>): Policy | undefined {
  return policyOfRecord(r.record);
}

/** The realm whose registry entry is bound to `hash`. */
export function rdOfHash(monitor: MicaState, hash: number): number | undefined {
  return monitor.registry.find((e) => e.hash === hash)?.rd;
}

/** The hash bound to `rd`, if any. */
export function hashOfRd(monitor: MicaState, rd: number): number | undefined {
  return monitor.registry.find((e) => e.rd === rd)?.hash ?? undefined;
}

/** Display name of the realm at `rd`. */
export function realmName(monitor: MicaState, rd: number): string {
  return monitor.realms[hex(rd)]?.name ?? hex(rd);
}
