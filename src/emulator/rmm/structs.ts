/**
 * Encoders and decoders of the in-memory RMI structures (spec B4.4.12 RmiRealmParams,
 * B4.4.19 RmiRecParams, B4.4.17-18 RmiRecEnter / RmiRecExit; cca-spec.md §2.4). The host
 * shell and tests build parameter granules with the encoders and write them into NS memory;
 * the RMM decodes what it read through the NS PAS. Offsets come from abi/rmi-structs.ts.
 *
 * Every numeric field is a bigint so that a host can pass any 64-bit value, valid or not:
 * validity is the RMM's business, not the encoder's.
 */
import { s64 } from '../../lib/bits.ts';
import { allZero, readLe, writeLe } from '../../lib/bytes.ts';
import {
  RMI_REC_ENTER_FLAGS_EMUL_MMIO,
  RMI_REC_ENTER_FLAGS_INJECT_SEA,
  RMI_REC_ENTER_FLAGS_RIPAS_RESPONSE,
  RMI_REC_ENTER_FLAGS_TRAP_WFE,
  RMI_REC_ENTER_FLAGS_TRAP_WFI,
} from '../abi/rmi.ts';
import {
  RMI_REALM_PARAMS,
  RMI_REC_ENTER,
  RMI_REC_EXIT,
  RMI_REC_PARAMS,
  RMI_REC_RUN_EXIT,
  RMI_REC_RUN_HALF_SIZE,
  RMI_STRUCT_SIZE,
} from '../abi/rmi-structs.ts';

interface Field {
  readonly offset: number;
  readonly size: number;
}

interface ArrayField extends Field {
  readonly count: number;
}

/** Writes a field into a fresh (zeroed) struct: undefined and zero fields are already there. */
function put(bytes: Uint8Array, f: Field, value: bigint | number | undefined): void {
  if (value !== undefined && value !== 0n && value !== 0) writeLe(bytes, f.offset, f.size, value);
}

function get(bytes: Uint8Array, f: Field): bigint {
  return readLe(bytes, f.offset, f.size);
}

function putArray(bytes: Uint8Array, f: ArrayField, values: readonly bigint[] | undefined): void {
  const n = Math.min(values?.length ?? 0, f.count);
  for (let i = 0; i < n; i++) {
    const v = values![i]!;
    if (v !== 0n) writeLe(bytes, f.offset + i * f.size, f.size, v);
  }
}

/** Arrays of zeroes by length, frozen: what an all-zero array field decodes to (shared). */
const zeroArrays = new Map<number, readonly bigint[]>();

/**
 * True when `values` is the shared array an all-zero array field decodes to (so a caller can
 * skip comparing its elements: every entry that hands the realm no registers).
 */
export function isDecodedZeroes(values: readonly bigint[]): boolean {
  return zeroArrays.get(values.length) === values;
}

function getArray(bytes: Uint8Array, f: ArrayField): readonly bigint[] {
  const end = Math.min(bytes.length, f.offset + f.count * f.size);
  if (allZero(bytes, f.offset, end)) {
    // Most entries hand the realm no registers and no list registers: one shared array.
    let zeroes = zeroArrays.get(f.count);
    if (!zeroes)
      zeroArrays.set(f.count, (zeroes = Object.freeze(new Array<bigint>(f.count).fill(0n))));
    return zeroes;
  }
  const out: bigint[] = [];
  for (let i = 0; i < f.count; i++) out.push(readLe(bytes, f.offset + i * f.size, f.size));
  return out;
}

/** RmiRealmParams fields (spec B4.4.12). */
export interface RealmParams {
  flags: bigint;
  s2sz: bigint;
  sveVl: bigint;
  numBps: bigint;
  numWps: bigint;
  pmuNumCtrs: bigint;
  hashAlgo: bigint;
  /** Realm Personalization Value, 64 bytes. */
  rpv: Uint8Array;
  vmid: bigint;
  rttBase: bigint;
  /** Signed in the spec (Int64); two's complement in the granule. */
  rttLevelStart: bigint;
  rttNumStart: bigint;
}

/** Builds the 4096-byte RmiRealmParams granule; missing fields are zero. */
export function encodeRealmParams(p: Partial<RealmParams>): Uint8Array {
  const out = new Uint8Array(RMI_STRUCT_SIZE);
  const f = RMI_REALM_PARAMS;
  put(out, f.flags, p.flags);
  put(out, f.s2sz, p.s2sz);
  put(out, f.sve_vl, p.sveVl);
  put(out, f.num_bps, p.numBps);
  put(out, f.num_wps, p.numWps);
  put(out, f.pmu_num_ctrs, p.pmuNumCtrs);
  put(out, f.hash_algo, p.hashAlgo);
  if (p.rpv) out.set(p.rpv.subarray(0, f.rpv.size), f.rpv.offset);
  put(out, f.vmid, p.vmid);
  put(out, f.rtt_base, p.rttBase);
  put(out, f.rtt_level_start, p.rttLevelStart);
  put(out, f.rtt_num_start, p.rttNumStart);
  return out;
}

/** Reads RmiRealmParams from its granule bytes. */
export function decodeRealmParams(bytes: Uint8Array): RealmParams {
  const f = RMI_REALM_PARAMS;
  return {
    flags: get(bytes, f.flags),
    s2sz: get(bytes, f.s2sz),
    sveVl: get(bytes, f.sve_vl),
    numBps: get(bytes, f.num_bps),
    numWps: get(bytes, f.num_wps),
    pmuNumCtrs: get(bytes, f.pmu_num_ctrs),
    hashAlgo: get(bytes, f.hash_algo),
    rpv: bytes.slice(f.rpv.offset, f.rpv.offset + f.rpv.size),
    vmid: get(bytes, f.vmid),
    rttBase: get(bytes, f.rtt_base),
    rttLevelStart: s64(get(bytes, f.rtt_level_start)),
    rttNumStart: get(bytes, f.rtt_num_start),
  };
}

/** RmiRecParams fields (spec B4.4.19). */
export interface RecParams {
  /** bit 0: RMI_RUNNABLE. */
  flags: bigint;
  mpidr: bigint;
  pc: bigint;
  /** X0..X7. */
  gprs: readonly bigint[];
  numAux: bigint;
  /** PAs of the aux granules. */
  aux: readonly bigint[];
}

/** Builds the 4096-byte RmiRecParams granule; missing fields are zero. */
export function encodeRecParams(p: Partial<RecParams>): Uint8Array {
  const out = new Uint8Array(RMI_STRUCT_SIZE);
  const f = RMI_REC_PARAMS;
  put(out, f.flags, p.flags);
  put(out, f.mpidr, p.mpidr);
  put(out, f.pc, p.pc);
  putArray(out, f.gprs, p.gprs);
  put(out, f.num_aux, p.numAux);
  putArray(out, f.aux, p.aux);
  return out;
}

/** Reads RmiRecParams from its granule bytes. */
export function decodeRecParams(bytes: Uint8Array): RecParams {
  const f = RMI_REC_PARAMS;
  return {
    flags: get(bytes, f.flags),
    mpidr: get(bytes, f.mpidr),
    pc: get(bytes, f.pc),
    gprs: getArray(bytes, f.gprs),
    numAux: get(bytes, f.num_aux),
    aux: getArray(bytes, f.aux),
  };
}

/** RmiRecEnter.flags as named booleans (spec B4.4.17). */
export interface RecEnterFlags {
  emulMmio: boolean;
  injectSea: boolean;
  trapWfi: boolean;
  trapWfe: boolean;
  /** true = RMI_REJECT. */
  ripasReject: boolean;
}

/** Packs RmiRecEnter.flags. */
export function encodeRecEnterFlags(f: Partial<RecEnterFlags>): bigint {
  const bit = (on: boolean | undefined, n: number): bigint => (on ? 1n << BigInt(n) : 0n);
  return (
    bit(f.emulMmio, RMI_REC_ENTER_FLAGS_EMUL_MMIO) |
    bit(f.injectSea, RMI_REC_ENTER_FLAGS_INJECT_SEA) |
    bit(f.trapWfi, RMI_REC_ENTER_FLAGS_TRAP_WFI) |
    bit(f.trapWfe, RMI_REC_ENTER_FLAGS_TRAP_WFE) |
    bit(f.ripasReject, RMI_REC_ENTER_FLAGS_RIPAS_RESPONSE)
  );
}

/** Unpacks RmiRecEnter.flags. */
export function decodeRecEnterFlags(flags: bigint): RecEnterFlags {
  // Every flag is in the low word: one bigint operation, then plain bit tests.
  const low = Number(BigInt.asUintN(32, flags));
  return {
    emulMmio: flagBit(low, RMI_REC_ENTER_FLAGS_EMUL_MMIO),
    injectSea: flagBit(low, RMI_REC_ENTER_FLAGS_INJECT_SEA),
    trapWfi: flagBit(low, RMI_REC_ENTER_FLAGS_TRAP_WFI),
    trapWfe: flagBit(low, RMI_REC_ENTER_FLAGS_TRAP_WFE),
    ripasReject: flagBit(low, RMI_REC_ENTER_FLAGS_RIPAS_RESPONSE),
  };
}

/** Bit `n` (below 32) of `word`. */
function flagBit(word: number, n: number): boolean {
  return ((word >>> n) & 1) === 1;
}

/** RmiRecEnter fields (spec B4.4.17). */
export interface RecEnter {
  flags: bigint;
  /** X0..X30 handed to the realm (PSCI results come from the RMM, host-call values from here). */
  gprs: readonly bigint[];
  gicv3Hcr: bigint;
  gicv3Lrs: readonly bigint[];
}

/**
 * A zeroed buffer of `size` bytes: `into` (a caller's scratch buffer, reused on a hot path) or
 * a fresh one.
 */
function zeroed(size: number, into: Uint8Array | undefined): Uint8Array {
  if (!into) return new Uint8Array(size);
  if (into.length !== size)
    throw new RangeError(`struct buffer is ${into.length} bytes, not ${size}`);
  return into.fill(0);
}

/**
 * Builds RmiRecEnter (0x800 bytes; write it at offset 0 of the RmiRecRun granule), into
 * `into` when given (the host's reused scratch buffer).
 */
export function encodeRecEnter(p: Partial<RecEnter>, into?: Uint8Array): Uint8Array {
  const out = zeroed(RMI_REC_RUN_HALF_SIZE, into);
  const f = RMI_REC_ENTER;
  put(out, f.flags, p.flags);
  putArray(out, f.gprs, p.gprs);
  put(out, f.gicv3_hcr, p.gicv3Hcr);
  putArray(out, f.gicv3_lrs, p.gicv3Lrs);
  return out;
}

/**
 * Reads RmiRecEnter from its bytes: the first 0x800 bytes of RmiRecRun, or the whole granule
 * (it reads nothing past 0x800).
 */
export function decodeRecEnter(bytes: Uint8Array): RecEnter {
  const f = RMI_REC_ENTER;
  return {
    flags: get(bytes, f.flags),
    gprs: getArray(bytes, f.gprs),
    gicv3Hcr: get(bytes, f.gicv3_hcr),
    gicv3Lrs: getArray(bytes, f.gicv3_lrs),
  };
}

/** RmiRecExit fields (spec B4.4.18; cca-spec.md §2.5). */
export interface RecExit {
  exitReason: bigint;
  esr: bigint;
  far: bigint;
  hpfar: bigint;
  gprs: readonly bigint[];
  gicv3Hcr: bigint;
  gicv3Lrs: readonly bigint[];
  gicv3Misr: bigint;
  gicv3Vmcr: bigint;
  cntpCtl: bigint;
  cntpCval: bigint;
  cntvCtl: bigint;
  cntvCval: bigint;
  ripasBase: bigint;
  ripasTop: bigint;
  ripasValue: bigint;
  imm: bigint;
  pmuOvfStatus: bigint;
}

/** A RecExit with every field zero. */
export function emptyRecExit(): RecExit {
  return decodeRecExit(new Uint8Array(RMI_REC_RUN_HALF_SIZE));
}

/**
 * Builds RmiRecExit (0x800 bytes; it lives at offset 0x800 of the RmiRecRun granule), into
 * `into` when given (the RMM's reused scratch buffer). `gic`, when given, supplies gicv3_hcr
 * and gicv3_lrs instead of `p` (REC_ENTER hands back the host's own values, cca-spec.md §2.5).
 * GPRs beyond X30 are not encoded.
 */
export function encodeRecExit(
  p: Partial<RecExit>,
  into?: Uint8Array,
  gic?: Pick<RecEnter, 'gicv3Hcr' | 'gicv3Lrs'>,
): Uint8Array {
  const out = zeroed(RMI_REC_RUN_HALF_SIZE, into);
  const f = RMI_REC_EXIT;
  put(out, f.exit_reason, p.exitReason);
  put(out, f.esr, p.esr);
  put(out, f.far, p.far);
  put(out, f.hpfar, p.hpfar);
  putArray(out, f.gprs, p.gprs);
  put(out, f.gicv3_hcr, gic ? gic.gicv3Hcr : p.gicv3Hcr);
  putArray(out, f.gicv3_lrs, gic ? gic.gicv3Lrs : p.gicv3Lrs);
  put(out, f.gicv3_misr, p.gicv3Misr);
  put(out, f.gicv3_vmcr, p.gicv3Vmcr);
  put(out, f.cntp_ctl, p.cntpCtl);
  put(out, f.cntp_cval, p.cntpCval);
  put(out, f.cntv_ctl, p.cntvCtl);
  put(out, f.cntv_cval, p.cntvCval);
  put(out, f.ripas_base, p.ripasBase);
  put(out, f.ripas_top, p.ripasTop);
  put(out, f.ripas_value, p.ripasValue);
  put(out, f.imm, p.imm);
  put(out, f.pmu_ovf_status, p.pmuOvfStatus);
  return out;
}

/**
 * Reads RmiRecExit. Accepts either the 0x800 exit bytes or the whole 4096-byte RmiRecRun
 * granule (then the exit half at 0x800 is used).
 */
export function decodeRecExit(bytes: Uint8Array): RecExit {
  const exit = bytes.length >= RMI_STRUCT_SIZE ? bytes.subarray(RMI_REC_RUN_EXIT) : bytes;
  const f = RMI_REC_EXIT;
  return {
    exitReason: get(exit, f.exit_reason),
    esr: get(exit, f.esr),
    far: get(exit, f.far),
    hpfar: get(exit, f.hpfar),
    gprs: getArray(exit, f.gprs),
    gicv3Hcr: get(exit, f.gicv3_hcr),
    gicv3Lrs: getArray(exit, f.gicv3_lrs),
    gicv3Misr: get(exit, f.gicv3_misr),
    gicv3Vmcr: get(exit, f.gicv3_vmcr),
    cntpCtl: get(exit, f.cntp_ctl),
    cntpCval: get(exit, f.cntp_cval),
    cntvCtl: get(exit, f.cntv_ctl),
    cntvCval: get(exit, f.cntv_cval),
    ripasBase: get(exit, f.ripas_base),
    ripasTop: get(exit, f.ripas_top),
    ripasValue: get(exit, f.ripas_value),
    imm: get(exit, f.imm),
    pmuOvfStatus: get(exit, f.pmu_ovf_status),
  };
}
