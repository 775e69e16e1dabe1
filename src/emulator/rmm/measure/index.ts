/**
 * Realm measurements (RMM spec DEN0137 1.0-rel0 A7.1, B4.3.1.4, B4.3.9.4, B4.3.12.4,
 * B4.3.18.4, C1.11-C1.13; cca-spec.md §5): the RIM rolling hash over Realm construction and
 * the REM extension of RSI_MEASUREMENT_EXTEND.
 *
 * Design rationale: every function here is pure (bytes in, fresh bytes out) so the RMM
 * commands own the state and the UI can replay any step. Stored measurements are always
 * {@link MEASUREMENT_SIZE} (64) bytes, SHA-256 results zero-extended (§5.1). The descriptor
 * builders are exported so a UI can show the exact 0x100 bytes that were hashed; the
 * `extend*` functions are just RHA(descriptor), zero-extended.
 *
 * Like TF-RMM (lib/measurement), a descriptor embeds only the digest-length prefix of the
 * current RIM; with a zero-extended stored RIM this is the same as copying all 64 bytes.
 */
import { assert, unreachable } from '../../../lib/assert.ts';
import { concatBytes, writeLe } from '../../../lib/bytes.ts';
import { sha256, sha512 } from '../../attest/hash.ts';
import { GRANULE_SIZE } from '../../abi/gpt.ts';
import {
  MEASURED_REALM_PARAMS_FLAGS_OFFSET,
  MEASURED_REALM_PARAMS_HASH_ALGO_OFFSET,
  MEASURED_REALM_PARAMS_NUM_BPS_OFFSET,
  MEASURED_REALM_PARAMS_NUM_WPS_OFFSET,
  MEASURED_REALM_PARAMS_PMU_NUM_CTRS_OFFSET,
  MEASURED_REALM_PARAMS_S2SZ_OFFSET,
  MEASURED_REALM_PARAMS_SIZE,
  MEASURED_REALM_PARAMS_SVE_VL_OFFSET,
  MEASURED_REC_PARAMS_FLAGS_OFFSET,
  MEASURED_REC_PARAMS_GPRS_OFFSET,
  MEASURED_REC_PARAMS_NUM_GPRS,
  MEASURED_REC_PARAMS_PC_OFFSET,
  MEASURED_REC_PARAMS_SIZE,
  MEASURE_DESC_DATA_CONTENT_OFFSET,
  MEASURE_DESC_DATA_FLAGS_OFFSET,
  MEASURE_DESC_DATA_IPA_OFFSET,
  MEASURE_DESC_LEN_OFFSET,
  MEASURE_DESC_REC_CONTENT_OFFSET,
  MEASURE_DESC_RIM_OFFSET,
  MEASURE_DESC_RIPAS_BASE_OFFSET,
  MEASURE_DESC_RIPAS_TOP_OFFSET,
  MEASURE_DESC_TYPE_DATA,
  MEASURE_DESC_TYPE_OFFSET,
  MEASURE_DESC_TYPE_REC,
  MEASURE_DESC_TYPE_RIPAS,
  MEASUREMENT_SIZE,
  RMI_DATA_FLAGS_MEASURE_MASK,
  RMI_HASH_SHA_256,
  RMI_HASH_SHA_512,
  RMI_MEASURE_CONTENT,
  RMM_MEASUREMENT_DESCRIPTOR_LEN,
  SHA256_SIZE,
  SHA512_SIZE,
} from '../../abi/measurement.ts';

/** Realm Hash Algorithm, by its IANA name (as in realm token claim 44236). */
export type RmmHashAlgo = 'sha-256' | 'sha-512';

/** The RmiRealmParams fields that enter the initial RIM (§5.2). */
export interface MeasuredRealmParams {
  flags: bigint;
  s2sz: bigint;
  sveVl: bigint;
  numBps: bigint;
  numWps: bigint;
  pmuNumCtrs: bigint;
  hashAlgo: bigint;
}

/** The RmiRecParams fields that enter the RIM at RMI_REC_CREATE (§5.4). */
export interface MeasuredRecParams {
  flags: bigint;
  pc: bigint;
  /** gprs[0..7]; missing entries are zero, more than 8 is an emulator bug. */
  gprs: readonly bigint[];
}

/**
 * Decodes RmiRealmParams.hash_algo (RmiHashAlgorithm, B4.4): 0 RMI_HASH_SHA_256, 1 RMI_HASH_SHA_512.
 * Any other value is `undefined` (RMI_REALM_CREATE then fails with RMI_ERROR_INPUT).
 */
export function rmmHashAlgoFromParam(value: bigint): RmmHashAlgo | undefined {
  if (value === BigInt(RMI_HASH_SHA_256)) return 'sha-256';
  if (value === BigInt(RMI_HASH_SHA_512)) return 'sha-512';
  return undefined;
}

/** Digest length of `algo` in bytes: the significant prefix of a stored measurement. */
export function digestLength(algo: RmmHashAlgo): 32 | 64 {
  switch (algo) {
    case 'sha-256':
      return SHA256_SIZE;
    case 'sha-512':
      return SHA512_SIZE;
    default:
      return unreachable(algo, 'hash algorithm');
  }
}

/** RHA(bytes): the raw digest (32 or 64 bytes), not zero-extended. */
export function rhash(algo: RmmHashAlgo, bytes: Uint8Array): Uint8Array {
  switch (algo) {
    case 'sha-256':
      return sha256(bytes);
    case 'sha-512':
      return sha512(bytes);
    default:
      return unreachable(algo, 'hash algorithm');
  }
}

/** Zero-extends a digest to the 64-byte stored form (§5.1). */
function toStored(digest: Uint8Array): Uint8Array {
  const out = new Uint8Array(MEASUREMENT_SIZE);
  out.set(digest);
  return out;
}

/** The significant prefix of a stored measurement, checked to be long enough. */
function significant(algo: RmmHashAlgo, stored: Uint8Array, what: string): Uint8Array {
  const size = digestLength(algo);
  if (stored.length < size) assert(false, `${what} is ${stored.length} bytes, expected ${size}+`);
  return stored.subarray(0, size);
}

/**
 * The 4096 bytes hashed at RMI_REALM_CREATE (§5.2): a zero-filled RmiRealmParams with only
 * flags, s2sz, sve_vl, num_bps, num_wps, pmu_num_ctrs and hash_algo copied in. RPV, VMID and
 * the RTT parameters are deliberately absent.
 */
export function measuredRealmParamsBytes(p: MeasuredRealmParams): Uint8Array {
  const out = new Uint8Array(MEASURED_REALM_PARAMS_SIZE);
  writeLe(out, MEASURED_REALM_PARAMS_FLAGS_OFFSET, 8, p.flags);
  // The remaining fields are UInt8 in B4.4.12; the bytes after them are padding (zero).
  writeLe(out, MEASURED_REALM_PARAMS_S2SZ_OFFSET, 1, p.s2sz);
  writeLe(out, MEASURED_REALM_PARAMS_SVE_VL_OFFSET, 1, p.sveVl);
  writeLe(out, MEASURED_REALM_PARAMS_NUM_BPS_OFFSET, 1, p.numBps);
  writeLe(out, MEASURED_REALM_PARAMS_NUM_WPS_OFFSET, 1, p.numWps);
  writeLe(out, MEASURED_REALM_PARAMS_PMU_NUM_CTRS_OFFSET, 1, p.pmuNumCtrs);
  writeLe(out, MEASURED_REALM_PARAMS_HASH_ALGO_OFFSET, 1, p.hashAlgo);
  return out;
}

/** Initial RIM at RMI_REALM_CREATE (B4.3.9.4, §5.2): RHA(measured params), 64-byte stored form. */
export function rimInit(algo: RmmHashAlgo, p: MeasuredRealmParams): Uint8Array {
  return toStored(rhash(algo, measuredRealmParamsBytes(p)));
}

/** A zeroed 0x100-byte descriptor with the common header (desc_type, len, rim) filled in. */
function descriptorHeader(algo: RmmHashAlgo, descType: number, rim: Uint8Array): Uint8Array {
  const desc = new Uint8Array(RMM_MEASUREMENT_DESCRIPTOR_LEN);
  writeLe(desc, MEASURE_DESC_TYPE_OFFSET, 1, descType);
  writeLe(desc, MEASURE_DESC_LEN_OFFSET, 8, RMM_MEASUREMENT_DESCRIPTOR_LEN);
  desc.set(significant(algo, rim, 'RIM'), MEASURE_DESC_RIM_OFFSET);
  return desc;
}

/**
 * RmmMeasurementDescriptorData (C1.11) for RMI_DATA_CREATE (§5.3). `content` is RHA(page)
 * when `flags` has RMI_MEASURE_CONTENT and a page is given, otherwise all zero: an
 * unmeasured page still contributes its IPA and flags.
 */
export function rimDataDescriptor(
  algo: RmmHashAlgo,
  rim: Uint8Array,
  ipa: bigint,
  flags: bigint,
  page: Uint8Array | undefined,
): Uint8Array {
  const desc = descriptorHeader(algo, MEASURE_DESC_TYPE_DATA, rim);
  writeLe(desc, MEASURE_DESC_DATA_IPA_OFFSET, 8, ipa);
  writeLe(desc, MEASURE_DESC_DATA_FLAGS_OFFSET, 8, flags);
  const measured = (flags & RMI_DATA_FLAGS_MEASURE_MASK) === BigInt(RMI_MEASURE_CONTENT);
  if (measured && page !== undefined) {
    if (page.length !== GRANULE_SIZE)
      assert(false, `DATA page is ${page.length} bytes, expected a granule`);
    desc.set(rhash(algo, page), MEASURE_DESC_DATA_CONTENT_OFFSET);
  }
  return desc;
}

/** RIM after RMI_DATA_CREATE (B4.3.1.4, §5.3): RHA({@link rimDataDescriptor}), stored form. */
export function extendRimData(
  algo: RmmHashAlgo,
  rim: Uint8Array,
  ipa: bigint,
  flags: bigint,
  page: Uint8Array | undefined,
): Uint8Array {
  return toStored(rhash(algo, rimDataDescriptor(algo, rim, ipa, flags, page)));
}

/**
 * The 4096 bytes whose hash is the REC descriptor's content (§5.4): a zero-filled
 * RmiRecParams with only flags, pc and gprs[0..7]; mpidr and the aux granules are not measured.
 */
export function measuredRecParamsBytes(rec: MeasuredRecParams): Uint8Array {
  if (rec.gprs.length > MEASURED_REC_PARAMS_NUM_GPRS)
    assert(false, `RmiRecParams has ${MEASURED_REC_PARAMS_NUM_GPRS} gprs, got ${rec.gprs.length}`);
  const out = new Uint8Array(MEASURED_REC_PARAMS_SIZE);
  writeLe(out, MEASURED_REC_PARAMS_FLAGS_OFFSET, 8, rec.flags);
  writeLe(out, MEASURED_REC_PARAMS_PC_OFFSET, 8, rec.pc);
  rec.gprs.forEach((value, i) => writeLe(out, MEASURED_REC_PARAMS_GPRS_OFFSET + 8 * i, 8, value));
  return out;
}

/** RmmMeasurementDescriptorRec (C1.12) for a runnable RMI_REC_CREATE (§5.4). */
export function rimRecDescriptor(
  algo: RmmHashAlgo,
  rim: Uint8Array,
  rec: MeasuredRecParams,
): Uint8Array {
  const desc = descriptorHeader(algo, MEASURE_DESC_TYPE_REC, rim);
  desc.set(rhash(algo, measuredRecParamsBytes(rec)), MEASURE_DESC_REC_CONTENT_OFFSET);
  return desc;
}

/**
 * RIM after RMI_REC_CREATE (B4.3.12.4, §5.4). Only call it for a runnable REC: since
 * 1.0-eac3 a not-runnable REC leaves the RIM unchanged, and that decision is the caller's.
 */
export function extendRimRec(
  algo: RmmHashAlgo,
  rim: Uint8Array,
  rec: MeasuredRecParams,
): Uint8Array {
  return toStored(rhash(algo, rimRecDescriptor(algo, rim, rec)));
}

/** RmmMeasurementDescriptorRipas (C1.13) for one RTT entry of RMI_RTT_INIT_RIPAS (§5.5). */
export function rimRipasDescriptor(
  algo: RmmHashAlgo,
  rim: Uint8Array,
  base: bigint,
  top: bigint,
): Uint8Array {
  const desc = descriptorHeader(algo, MEASURE_DESC_TYPE_RIPAS, rim);
  writeLe(desc, MEASURE_DESC_RIPAS_BASE_OFFSET, 8, base);
  writeLe(desc, MEASURE_DESC_RIPAS_TOP_OFFSET, 8, top);
  return desc;
}

/**
 * RIM after one RTT entry of RMI_RTT_INIT_RIPAS (B4.3.18.4, §5.5). The caller walks the
 * entries and calls this once per entry, with `base` = entry IPA and
 * `top` = min(entry IPA + entry size, command top): the RIM therefore depends on the RTT
 * levels the host created.
 */
export function extendRimRipas(
  algo: RmmHashAlgo,
  rim: Uint8Array,
  base: bigint,
  top: bigint,
): Uint8Array {
  return toStored(rhash(algo, rimRipasDescriptor(algo, rim, base, top)));
}

/**
 * REM extension of RSI_MEASUREMENT_EXTEND (§5.6), TF-RMM semantics:
 * RHA(old digest-length prefix ‖ value), stored form. `value` is the first `size` bytes of
 * X3..X10 (at most 64); size 0 gives RHA(old).
 */
export function extendRem(algo: RmmHashAlgo, rem: Uint8Array, value: Uint8Array): Uint8Array {
  if (value.length > MEASUREMENT_SIZE)
    assert(false, `REM extend value is ${value.length} bytes, max 64`);
  return toStored(rhash(algo, concatBytes(significant(algo, rem, 'REM'), value)));
}

/** The bytes a token carries for a stored measurement: 32 for SHA-256, 64 for SHA-512 (§5.1). */
export function measurementForToken(algo: RmmHashAlgo, stored: Uint8Array): Uint8Array {
  return significant(algo, stored, 'measurement').slice();
}
