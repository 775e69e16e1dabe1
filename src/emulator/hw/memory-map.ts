/**
 * Address arithmetic over the board's memory map: which region a PA is in, granule
 * indices and alignment. Spec: cca-spec.md §1.2 (4 KiB granules).
 */
import { GRANULE_SHIFT, GRANULE_SIZE, PA_SPACE_SIZE } from '../abi/gpt.ts';
import type { MemoryRegion } from '../abi/platform.ts';

/** Granule index of `pa`. */
export function granuleIndex(pa: number): number {
  return Math.floor(pa / GRANULE_SIZE);
}

/** Base PA of granule `index`. */
export function granuleBase(index: number): number {
  return index * GRANULE_SIZE;
}

/** True when `pa` is 4 KiB aligned. */
export function isGranuleAligned(pa: number): boolean {
  return pa % GRANULE_SIZE === 0;
}

/** The region containing `pa`, if any. */
export function regionOf(map: readonly MemoryRegion[], pa: number): MemoryRegion | undefined {
  for (let i = 0; i < map.length; i++) {
    const r = map[i]!;
    if (pa >= r.base && pa < r.base + r.size) return r;
  }
  return undefined;
}

/** First value past the physical address space, as a register value. */
const PA_LIMIT = BigInt(PA_SPACE_SIZE);

/**
 * Converts a 64-bit register value to a PA the board can hold, or `undefined` when it is
 * beyond what a JS number represents exactly (such a PA is outside every region anyway).
 */
export function toPa(value: bigint): number | undefined {
  return value >= 0n && value < PA_LIMIT ? Number(value) : undefined;
}

/** Number of granules in a region. */
export function granuleCount(region: MemoryRegion): number {
  return region.size >> GRANULE_SHIFT;
}
