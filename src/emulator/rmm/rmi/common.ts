/**
 * Failure conditions shared by the RMI command families (cca-spec.md §2.1 "Common
 * predicates"): `*_align` (not 4 KiB aligned), `*_bound` (not a granule the RMM tracks:
 * outside delegable DRAM), `*_state` (granule state mismatch) and `*_pas` (the RMM's read of
 * a host structure through the NS PAS faults). Each builder takes the spec label and an
 * accessor, so command files list their conditions as data in spec order.
 */
import { assert } from '../../../lib/assert.ts';
import { hex64 } from '../../../lib/bits.ts';
import { GRANULE_SIZE } from '../../abi/gpt.ts';
import { PA_BITS_NO_LPA2, RMI_ERROR_INPUT, type GranuleState } from '../../abi/rmi.ts';
import type { Ctx } from '../../context.ts';
import { regionOf, toPa } from '../../hw/memory-map.ts';
import { physRead, physReadLent, rawRead, RMM_VIA_NS, type AccessFault } from '../../hw/memory.ts';
import type { MachineState, RealmRecord, RecRecord } from '../../state.ts';
import type { FailureCondition } from '../conditions.ts';
import { granuleState } from '../granule.ts';
import { paKey } from '../rtt.ts';

/** What every command's condition input carries. */
export interface CommandInput {
  readonly ctx: Ctx;
}

/** GRANULE_SIZE as a 64-bit argument value. */
const GRANULE_SIZE_U64 = BigInt(GRANULE_SIZE);

/** `<name>_align`: the address is not 4 KiB aligned. */
export function alignCondition<C extends CommandInput>(
  label: string,
  name: string,
  get: (c: C) => bigint,
): FailureCondition<C> {
  return {
    label,
    status: RMI_ERROR_INPUT,
    fails: (c) =>
      get(c) % GRANULE_SIZE_U64 !== 0n &&
      `${name} ${hex64(get(c))} is not aligned to a 4 KiB granule`,
  };
}

/** True when `addr` is a granule the RMM tracks (in a delegable region of the board). */
export function isTrackedGranule(ctx: Ctx, addr: bigint): boolean {
  const pa = toPa(addr);
  return pa !== undefined && regionOf(ctx.state.config.memoryMap, pa)?.delegable === true;
}

/** `<name>_bound`: the address is not a granule the RMM knows (outside delegable DRAM). */
export function boundCondition<C extends CommandInput>(
  label: string,
  name: string,
  get: (c: C) => bigint,
): FailureCondition<C> {
  return {
    label,
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const addr = get(c);
      if (isTrackedGranule(c.ctx, addr)) return false;
      const pa = toPa(addr);
      const region = pa === undefined ? undefined : regionOf(c.ctx.state.config.memoryMap, pa);
      return region
        ? `${name} ${hex64(addr)} is in "${region.name}", not in memory the RMM tracks`
        : `${name} ${hex64(addr)} is outside every memory region of the board`;
    },
  };
}

/** The PA of an address the `_bound` condition already accepted. */
export function paOf(addr: bigint): number {
  const pa = toPa(addr);
  if (pa === undefined) assert(false, `${hex64(addr)} passed its bound check but is not a PA`);
  return pa;
}

/** `<name>_state`: the granule is not in (one of) the expected state(s). */
export function stateCondition<C extends CommandInput>(
  label: string,
  name: string,
  get: (c: C) => bigint,
  expected: GranuleState,
): FailureCondition<C> {
  return {
    label,
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const pa = paOf(get(c));
      const state = granuleState(c.ctx.state, pa);
      return (
        state !== expected && `granule ${hex64(pa)} (${name}) is ${state}, expected ${expected}`
      );
    },
  };
}

/** `<name>_bound2`: without LPA2, a PA at or above 2^48 cannot be used. */
export function lpa2BoundCondition<C extends CommandInput>(
  label: string,
  name: string,
  get: (c: C) => bigint,
  realm: (c: C) => Readonly<RealmRecord> | undefined,
): FailureCondition<C> {
  return {
    label,
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const featLpa2 = realm(c)?.featLpa2 ?? false;
      return (
        !featLpa2 &&
        get(c) >= 1n << BigInt(PA_BITS_NO_LPA2) &&
        `${name} ${hex64(get(c))} needs LPA2, which this realm does not have`
      );
    },
  };
}

/**
 * `<name>_pas`: the RMM reads the host's structure through the NS PAS (RMM_VIA_NS); a
 * granule protection fault makes the command fail. On success the bytes are handed to
 * `keep` so later conditions and the handler decode them. With `lent`, `keep` only borrows
 * the bytes (a view of memory, valid during the call: it must decode them at once and keep
 * nothing of them), which saves a copy of the structure on a hot path.
 */
export function nsReadCondition<C extends CommandInput>(
  label: string,
  name: string,
  get: (c: C) => bigint,
  len: number,
  keep: (c: C, bytes: Uint8Array) => void,
  lent = false,
): FailureCondition<C> {
  const keepLent = (bytes: Uint8Array, c: C) => keep(c, bytes);
  return {
    label,
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const pa = paOf(get(c));
      const fault = lent
        ? physReadLent(c.ctx, RMM_VIA_NS, pa, len, keepLent, c)
        : readInto(c, pa, len, keep);
      if (fault) return `${name} ${hex64(get(c))} is not Non-secure memory: ${fault.reason}`;
      return false;
    },
  };
}

/** A copied read handed to `keep`; the fault, if the check refused it. */
function readInto<C extends CommandInput>(
  c: C,
  pa: number,
  len: number,
  keep: (c: C, bytes: Uint8Array) => void,
): AccessFault | undefined {
  const read = physRead(c.ctx, RMM_VIA_NS, pa, len);
  if (!read.ok) return read.fault;
  keep(c, read.bytes);
  return undefined;
}

/**
 * For a command's `consumes` (types.ts): the PAs among `addrs`. An address that is not a PA
 * consumes nothing (the command's own conditions refuse it).
 */
export function pasOf(addrs: readonly bigint[]): number[] {
  return addrs.flatMap((a) => {
    const pa = toPa(a);
    return pa === undefined ? [] : [pa];
  });
}

/**
 * For a command's `consumes`: the host structure (RMI_STRUCT_SIZE bytes) at `ptr`, read
 * without a ledger event; undefined when `ptr` is not a PA. The command reads it again
 * through the NS PAS (`<name>_pas`), so what is decoded here is what it would consume.
 */
export function peekStruct(state: MachineState, ptr: bigint, len: number): Uint8Array | undefined {
  const pa = toPa(ptr);
  return pa === undefined ? undefined : rawRead(state, pa, len);
}

/** The realm whose RD is at `rd`, which `rd_state` already found to be an RD. */
export function realmAt(ctx: Ctx, rd: bigint): RealmRecord {
  const realm = ctx.state.rmm.realms[paKey(paOf(rd))];
  if (!realm) assert(false, `granule ${hex64(rd)} is an RD without a realm record`);
  return realm;
}

/** The REC at `rec`, which `rec_state` already found to be a REC. */
export function recAt(ctx: Ctx, rec: bigint): RecRecord {
  const record = ctx.state.rmm.recs[paKey(paOf(rec))];
  if (!record) assert(false, `granule ${hex64(rec)} is a REC without a REC record`);
  return record;
}

/** The three `rd_*` conditions every realm-scoped command starts with. */
export function rdConditions<
  C extends CommandInput & { readonly rd: bigint },
>(): FailureCondition<C>[] {
  return [
    alignCondition<C>('rd_align', 'rd', (c) => c.rd),
    boundCondition<C>('rd_bound', 'rd', (c) => c.rd),
    stateCondition<C>('rd_state', 'rd', (c) => c.rd, 'RD'),
  ];
}
