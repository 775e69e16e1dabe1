/**
 * Small helpers of the Mica monitor: ledger decisions, memory reads of the RMM, RTT lookups,
 * RIM-derived labels (mica-spec.md §8 item 3) and windows of policy objects.
 */
import {
  abi,
  granuleState,
  walkRtt,
  wipeGranule,
  type Ctx,
  type Decision,
  type Endpoint,
  type RealmRecord,
} from '../../emulator/index.ts';
import { MEM_PAGE_SIZE } from '../abi.ts';
import type { Policy, PolicyMapping, PolicyMem } from '../model.ts';
import { key, mica, realmName } from './state.ts';

/** Emits an enforcement decision as a ledger `flow` event (the pipeline view draws these). */
export function decide(
  ctx: Ctx,
  channel: string,
  source: Endpoint,
  destination: Endpoint,
  decision: Decision,
  bytes = 0,
  labels: readonly string[] = [],
): void {
  ctx.emit({ kind: 'flow', channel, source, destination, bytes, labels: [...labels], decision });
}

/** The realm endpoint of `rd`. */
export function realmEnd(ctx: Ctx, rd: number, address?: number): Endpoint {
  return {
    kind: 'realm',
    name: realmName(mica(ctx), rd),
    ...(address === undefined ? {} : { address }),
  };
}

/** The RMM (monitor) endpoint. */
export const MONITOR: Endpoint = { kind: 'rmm', name: 'Mica monitor' };
/** The host endpoint. */
export const HOST_END: Endpoint = { kind: 'host', name: 'host' };

/** The realm record at `rd`. */
export function realmRecord(ctx: Ctx, rd: number): RealmRecord | undefined {
  return ctx.state.rmm.realms[key(rd)];
}

/** Reads `len` bytes of physical memory as the RMM (no check, no log: its own view). */
export function rmmRead(ctx: Ctx, pa: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let done = 0; done < len;) {
    const at = pa + done;
    const g = Math.floor(at / 0x1000);
    const off = at % 0x1000;
    const n = Math.min(len - done, 0x1000 - off);
    const page = ctx.state.memory[g];
    if (page) out.set(page.subarray(off, off + n), done);
    done += n;
  }
  return out;
}

/**
 * Zeroes a granule (CLEAN, dummy page) and drops its memory record, with its provenance
 * labels: wiped bytes derive from nothing (before, the labels outlived the bytes, so a realm
 * reading the zeroed page was told it read the video).
 */
export function wipe(ctx: Ctx, pa: number): void {
  wipeGranule(ctx.state, pa);
}

/** Where a protected IPA of a realm lands in its RTTs: the DATA PA when ASSIGNED RAM. */
export function privatePa(ctx: Ctx, realm: Readonly<RealmRecord>, ipa: number): number | string {
  if (ipa % 0x1000 !== 0) return `IPA ${key(ipa)} is not 4 KiB aligned`;
  if (ipa >= 2 ** (realm.ipaWidth - 1)) return `IPA ${key(ipa)} is not in the protected half`;
  const walk = walkRtt(ctx.state, realm, ipa);
  const e = walk.entry;
  if (e.state === 'UNASSIGNED' || e.state === 'ASSIGNED') {
    if (e.ripas === 'EMPTY') return `IPA ${key(ipa)} has RIPAS EMPTY`;
  }
  if (e.state !== 'ASSIGNED' || e.ripas !== 'RAM') return `IPA ${key(ipa)} is not mapped`;
  return e.pa + (ipa - walk.entryBase);
}

/** The RIM-derived hash label of a realm (§8 item 3): u32 little-endian of the RIM's first bytes. */
export function rimLabel(rimHex: string): number {
  const b = (i: number) => parseInt(rimHex.slice(2 * i, 2 * i + 2), 16);
  return (b(0) | (b(1) << 8) | (b(2) << 16) | (b(3) << 24)) >>> 0;
}

/** Name of the VM at `index` of `p`. */
export function vmName(p: Policy, index: number | 'ANY'): string {
  return index === 'ANY' ? 'ANY' : (p.vms[index]?.name ?? `#${index}`);
}

/** The window of mapping `m` of object `mem`: [base, top). */
export function windowOf(mem: PolicyMem, m: PolicyMapping): { base: number; top: number } {
  const base = Number(m.gpa);
  return { base, top: base + Number(mem.size) };
}

/** Number of 4 KiB pages of `mem`. */
export function pagesOf(mem: PolicyMem): number {
  return Math.floor(Number(mem.size) / MEM_PAGE_SIZE);
}

/** The uploader's own window of `mem` (named first, ANY as fallback, §3.4 step 4). */
export function ownWindow(p: Policy, mem: PolicyMem): PolicyMapping | undefined {
  return mem.mappings.find((m) => m.vm === p.self) ?? mem.mappings.find((m) => m.vm === 'ANY');
}

/** The granule state at `pa` (for conditions). */
export function stateAt(ctx: Ctx, pa: number): string {
  return granuleState(ctx.state, pa);
}

/** RMI and RSI status values the monitor returns. */
export const S = {
  RMI_ERROR_INPUT: abi.RMI_ERROR_INPUT,
  RMI_ERROR_REALM: abi.RMI_ERROR_REALM,
  RMI_ERROR_RTT: abi.RMI_ERROR_RTT,
  RSI_SUCCESS: abi.RSI_SUCCESS,
  RSI_ERROR_INPUT: abi.RSI_ERROR_INPUT,
  RSI_ERROR_STATE: abi.RSI_ERROR_STATE,
  RSI_INCOMPLETE: abi.RSI_INCOMPLETE,
} as const;
