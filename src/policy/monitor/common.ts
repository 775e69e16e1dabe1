/**
 * Small helpers of the Mica monitor: ledger decisions, memory reads of the RMM, RTT lookups,
 * RIM-derived labels (mica-spec.md §8 item 3) and windows of policy objects.
 */
import {
  abi,
  granuleState,
  isProtectedIpa,
  psciGoesToHost,
  walkRtt,
  type Ctx,
  type Decision,
  type Endpoint,
  type ExitEvent,
  type RealmRecord,
  type RecRecord,
} from '../../emulator/index.ts';
import { getField } from '../../lib/bits.ts';
import { MEM_PAGE_SIZE } from '../abi.ts';
import type { Policy, PolicyMapping, PolicyMem } from '../model.ts';
import { mica, realmName } from './state.ts';
import { hex } from '../../lib/hex.ts';

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
/** The RMM, where a realm's RSI calls go (all but RSI_HOST_CALL, which exits to the host). */
export const RMM_END: Endpoint = { kind: 'rmm', name: 'RMM' };

/**
 * Where a realm's SMC with function ID `fid` ends up, read from the machine before it runs
 * (`rec` holds its arguments): RSI_HOST_CALL at the host (an exit the host completes); a PSCI
 * call the RMM hands to the host with an RMI_EXIT_PSCI exit (CPU_ON, AFFINITY_INFO, CPU_OFF,
 * SYSTEM_OFF, ...: emulator `psciGoesToHost`) at the host too, named by its PSCI function
 * ({@link psciHostEnd}); every other call (RSI, PSCI VERSION/FEATURES, a PSCI call the RMM
 * refuses) at the RMM, which answers it (cca-spec.md §4.1, §4.2, §2.5).
 */
export function smcDestination(realm: RealmRecord, rec: RecRecord, fid: number): Endpoint {
  if (fid === abi.SMC_RSI_HOST_CALL) return HOST_END;
  return psciGoesToHost(realm, rec, fid) ? psciHostEnd(fid) : RMM_END;
}

/**
 * The host as the end of a realm's PSCI call `fid` that the RMM asked it to complete
 * (RMI_EXIT_PSCI): the endpoint is the host with the PSCI function in brackets
 * (`host (PSCI_CPU_ON)`), which is how the judge tells it from a host call.
 */
export function psciHostEnd(fid: number): Endpoint {
  return { kind: 'host', name: `host (${abi.PSCI_NAMES[fid] ?? hex(fid)})` };
}

/**
 * The host as the end of a REC exit the monitor decides (§3.6 EXCEPTION / OTHER, §8 items 6
 * and 7), named after what that exit hands the host (cca-spec.md §2.5): only an emulatable
 * MMIO write carries a value the realm chose (exit.gprs[0]); an abort at a protected IPA, or
 * one the host cannot emulate, carries the syndrome and the faulting page, no register value;
 * a SCRUBbed exit not even the address. The judge (policy/judge.ts) words the decision from
 * this name, so "hand data to the host" is said only of an exit that would have carried data.
 */
export const EXIT_HOST_ENDS = {
  /** An emulatable MMIO write: the stored value is in exit.gprs[0]. */
  mmioWrite: { kind: 'host', name: 'host (emulatable MMIO write: the value in exit.gprs[0])' },
  /** An emulatable MMIO read: the host is asked for a value; the address goes, no data. */
  mmioRead: { kind: 'host', name: 'host (emulatable MMIO read: the address, no data)' },
  /** A data or instruction abort at a protected IPA: ESR and HPFAR, no register value. */
  protectedFault: { kind: 'host', name: 'host (fault at a protected IPA: the address, no data)' },
  /** An abort at an unprotected IPA without a valid syndrome (ISV 0): ESR and HPFAR only. */
  unemulatedFault: {
    kind: 'host',
    name: 'host (fault the host cannot emulate: the address, no data)',
  },
  /** A trapped WFI or WFE: the syndrome only. */
  wfx: { kind: 'host', name: 'host (WFI/WFE exit)' },
  /** An SError: the syndrome only. */
  serror: { kind: 'host', name: 'host (SError exit)' },
  /** A SCRUBbed exit (§8 item 7): registers and fault address zeroed, the syndrome only. */
  scrubbed: { kind: 'host', name: 'host (SCRUBbed exit: the syndrome only)' },
} as const satisfies Record<string, Endpoint>;

/**
 * The host end of the exit `event` of `realm` as the RMM built it ({@link EXIT_HOST_ENDS}),
 * else {@link HOST_END} for an exit class the monitor does not tell apart.
 */
export function exitHostEnd(realm: Readonly<RealmRecord>, event: ExitEvent): Endpoint {
  const { ec, exit, stop } = event;
  if (ec === abi.ESR_EL2_EC_WFX) return EXIT_HOST_ENDS.wfx;
  if (ec === abi.ESR_EL2_EC_SERROR) return EXIT_HOST_ENDS.serror;
  if (ec !== abi.ESR_EL2_EC_DATA_ABORT && ec !== abi.ESR_EL2_EC_INST_ABORT) return HOST_END;
  const ipa = stop?.kind === 'access' ? stop.ipa : undefined;
  const emulatable = getField(exit.esr ?? 0n, abi.ESR_EL2_ABORT_ISV) === 1n;
  // A realm's RSI call that needs the host to map a page makes a protected-IPA abort (no stop).
  if (ipa === undefined || isProtectedIpa(realm, ipa)) return EXIT_HOST_ENDS.protectedFault;
  if (!emulatable) return EXIT_HOST_ENDS.unemulatedFault;
  const write = getField(exit.esr ?? 0n, abi.ESR_EL2_ABORT_WNR) === 1n;
  return write && exit.gprs?.[0] !== undefined ? EXIT_HOST_ENDS.mmioWrite : EXIT_HOST_ENDS.mmioRead;
}

/** The realm record at `rd`. */
export function realmRecord(ctx: Ctx, rd: number): RealmRecord | undefined {
  return ctx.state.rmm.realms[hex(rd)];
}

/** Where a protected IPA of a realm lands in its RTTs: the DATA PA when ASSIGNED RAM. */
export function privatePa(ctx: Ctx, realm: Readonly<RealmRecord>, ipa: number): number | string {
  if (ipa % abi.GRANULE_SIZE !== 0) return `IPA ${hex(ipa)} is not 4 KiB aligned`;
  if (ipa >= 2 ** (realm.ipaWidth - 1)) return `IPA ${hex(ipa)} is not in the protected half`;
  const walk = walkRtt(ctx.state, realm, ipa);
  const e = walk.entry;
  if (e.state === 'UNASSIGNED' || e.state === 'ASSIGNED') {
    if (e.ripas === 'EMPTY') return `IPA ${hex(ipa)} has RIPAS EMPTY`;
  }
  if (e.state !== 'ASSIGNED' || e.ripas !== 'RAM') return `IPA ${hex(ipa)} is not mapped`;
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
export function windowOf(mem: PolicyMem, mapping: PolicyMapping): { base: number; top: number } {
  const base = Number(mapping.gpa);
  return { base, top: base + Number(mem.size) };
}

/** Number of 4 KiB pages of `mem`. */
export function pagesOf(mem: PolicyMem): number {
  return Math.floor(Number(mem.size) / MEM_PAGE_SIZE);
}

/** The uploader's own window of `mem` (named first, ANY as fallback, §3.4 step 4). */
export function ownWindow(p: Policy, mem: PolicyMem): PolicyMapping | undefined {
  return (
    mem.mappings.find((mapping) => mapping.vm === p.self) ??
    mem.mappings.find((mapping) => mapping.vm === 'ANY')
  );
}

/** The granule state at `pa` (for conditions). */
export function stateAt(ctx: Ctx, pa: number): string {
  return granuleState(ctx.state, pa);
}
