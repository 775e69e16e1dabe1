/**
 * Reading the granule view out of a machine, and diffing two readings. Plain TypeScript
 * (no runes): the LabMachine publishes the results as immutable `$state.raw` values.
 */
import { abi, granuleBase, regionOf, type MachineView } from '../../emulator/index.ts';

/** What the lab shows about one granule. */
export interface GranuleInfo {
  /** Granule index (PA >> 12). */
  readonly index: number;
  readonly pa: number;
  readonly gpi: abi.Gpi;
  readonly state: abi.GranuleState;
  /** PA of the owning realm's RD, when the RMM records one. */
  readonly realm?: number;
  /** Name of the memory-map region, if the PA is mapped. */
  readonly region?: string;
}

/** Granule index → info, for the granules that differ from boot. */
export type GranuleMap = ReadonlyMap<number, GranuleInfo>;

export const NO_GRANULES: GranuleMap = new Map();
export const NO_INDICES: ReadonlySet<number> = new Set();

/** Reads every granule whose GPI or RMM record differs from boot, in address order. */
export function readChanged(machine: MachineView): GranuleMap {
  const state = machine.state;
  const indices = new Set<number>([
    ...Object.keys(state.gpt).map(Number),
    ...Object.keys(state.granules).map(Number),
  ]);
  const result = new Map<number, GranuleInfo>();
  for (const index of [...indices].sort((a, b) => a - b)) {
    const pa = granuleBase(index);
    const record = state.granules[index];
    const region = regionOf(state.config.memoryMap, pa);
    result.set(index, {
      index,
      pa,
      gpi: machine.gpiOf(pa),
      state: record?.state ?? 'UNDELEGATED',
      ...(record?.realm !== undefined ? { realm: record.realm } : {}),
      ...(region ? { region: region.name } : {}),
    });
  }
  return result;
}

/** The boot-state info of a granule absent from the changed map. */
export function bootGranule(memoryMap: readonly abi.MemoryRegion[], pa: number): GranuleInfo {
  const index = Math.floor(pa / abi.GRANULE_SIZE);
  const region = regionOf(memoryMap, pa);
  return {
    index,
    pa: granuleBase(index),
    gpi: region?.gpi ?? 'NO_ACCESS',
    state: 'UNDELEGATED',
    ...(region ? { region: region.name } : {}),
  };
}

/** Whether two readings of a granule show the same: GPI, RMM state and owner. */
export function sameGranule(a: GranuleInfo, b: GranuleInfo): boolean {
  return a.index === b.index && a.gpi === b.gpi && a.state === b.state && a.realm === b.realm;
}

/** Indices whose GPI, state or owner differ between two readings. */
export function diffGranules(before: GranuleMap, after: GranuleMap): ReadonlySet<number> {
  const differ = new Set<number>();
  for (const [index, info] of after) {
    const old = before.get(index);
    if (!old || !sameGranule(old, info)) differ.add(index);
  }
  for (const index of before.keys()) if (!after.has(index)) differ.add(index);
  return differ;
}
