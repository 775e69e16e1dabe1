/**
 * The machine's state: plain data (records, arrays, numbers, strings; memory as byte
 * arrays) with a version number. No class instances, no closures: snapshot() is a
 * serialisation of this tree and restore() its validated inverse (see snapshot.ts).
 *
 * Design rationale: granule-indexed records are sparse. A granule absent from `granules` is
 * UNDELEGATED with no owner; a PA absent from `gpt` has its region's boot GPI; a granule
 * absent from `memory` reads as zeroes. That keeps a 128 MiB board cheap to snapshot.
 */
import type { GranuleState } from './abi/rmi.ts';
import type { Gpi } from './abi/gpt.ts';
import type { MemoryRegion } from './abi/platform.ts';
import { DEFAULT_MEMORY_MAP } from './abi/platform.ts';
import type { LedgerState } from './ledger.ts';
import { emptyLedger } from './ledger.ts';

/**
 * Version of the state layout. Bump it whenever the shape of {@link MachineState} changes;
 * restore() refuses other versions with a message instead of guessing.
 */
export const STATE_VERSION = 1;

/** The three machine modes (product.md). */
export type MachineMode = 'cca' | 'mica' | 'mica-prototype';

/** Configuration fixed at machine creation and recorded in snapshots. */
export interface MachineConfig {
  /** Physical memory map of the board. */
  readonly memoryMap: readonly MemoryRegion[];
  /** CCA only, Mica (default) or the Mica prototype's behaviour. */
  readonly mode: MachineMode;
  /** Named prototype gaps switched on (Mica prototype mode). */
  readonly gaps: readonly string[];
}

/** RMM bookkeeping for one granule that is not plainly UNDELEGATED. */
export interface GranuleRecord {
  state: GranuleState;
  /** PA of the RD of the realm that owns it (RD/REC/REC_AUX/DATA/RTT). */
  realm?: number;
  /** Reference count (RD: RECs + RTTs as TF-RMM counts; RTT: live entries). */
  refcount: number;
}

/** Everything the RMM keeps. Realms, RECs and RTTs are added by the RMI command families. */
export interface RmmState {
  /** Realm descriptors by RD PA (hex string keys keep JSON round trips exact). */
  realms: Record<string, unknown>;
}

/** The whole machine. */
export interface MachineState {
  version: typeof STATE_VERSION;
  config: MachineConfig;
  /** Granule contents by granule index (PA >> 12); absent = all zeroes. */
  memory: Record<number, Uint8Array>;
  /** GPT entries that differ from the boot GPI of their region, by granule index. */
  gpt: Record<number, Gpi>;
  /** RMM granule records by granule index; absent = UNDELEGATED. */
  granules: Record<number, GranuleRecord>;
  rmm: RmmState;
  /** State owned by extensions (the Mica monitor), by extension name. */
  ext: Record<string, unknown>;
  ledger: LedgerState;
}

/** Default configuration. */
export const DEFAULT_CONFIG: MachineConfig = {
  memoryMap: DEFAULT_MEMORY_MAP,
  mode: 'mica',
  gaps: [],
};

/** A fresh machine state for `config`. */
export function initialState(config: MachineConfig): MachineState {
  return {
    version: STATE_VERSION,
    config,
    memory: {},
    gpt: {},
    granules: {},
    rmm: { realms: {} },
    ext: {},
    ledger: emptyLedger(),
  };
}
