/**
 * The 2184-byte parsed policy record (`parsed_payload`, mica-spec.md §4.2): what the RMM stores
 * in the realm's PD granule, extends into REM0 at upload (§3.3 step 8, §4.1) and streams after a
 * group token (§4.3). Fixed slots, little-endian, zero-filled before parsing, so two equal
 * policies always give the same bytes and the same measurement.
 *
 * Design rationale: the decoder is the verifier's view (§4.5 step 2). It refuses anything the
 * RMM could not have written, including non-zero padding and non-empty unused slots, because
 * such bytes would change REM0 without changing the policy.
 */
import {
  PARSER_MAX_CFS,
  PARSER_MAX_MAPPINGS,
  PARSER_MAX_MEMS,
  PARSER_MAX_RANGE,
  PARSER_MAX_VMS,
  RECORD_CF_OFF_OWNER,
  RECORD_CF_OFF_POLICY,
  RECORD_CF_OFF_RANGE,
  RECORD_CF_OFF_RANGE_LEN,
  RECORD_CF_OFF_TYPE,
  RECORD_CF_SIZE,
  RECORD_MAP_OFF_ANY_COUNT,
  RECORD_MAP_OFF_GPA,
  RECORD_MAP_OFF_PROT,
  RECORD_MAP_SIZE,
  RECORD_MEM_OFF_MAPS,
  RECORD_MEM_OFF_NUM_MAPS,
  RECORD_MEM_OFF_SIZE,
  RECORD_MEM_OFF_TYPE,
  RECORD_MEM_SIZE,
  RECORD_OFF_CFS,
  RECORD_OFF_MEMS,
  RECORD_OFF_NUM_CFS,
  RECORD_OFF_NUM_MEMS,
  RECORD_OFF_NUM_VMS,
  RECORD_OFF_SELF,
  RECORD_OFF_VMS,
  RECORD_SIZE,
  RECORD_VM_SIZE,
  VM_IDX_ANY,
} from './abi.ts';
import { checkEncodable, LeView, type EncodeResult } from './binary.ts';
import { binaryDiagnostic, type BinaryDiagnostic } from './diagnostics.ts';
import {
  protBits,
  type CfPolicy,
  type CfType,
  type Policy,
  type PolicyCf,
  type PolicyMapping,
  type PolicyMem,
  type PolicyVm,
  type Prot,
} from './model.ts';
import { hex } from '../lib/hex.ts';

/** Result of {@link decodeRecord}. */
export type RecordDecodeResult =
  | { readonly ok: true; readonly policy: Policy }
  | { readonly ok: false; readonly errors: readonly BinaryDiagnostic[] };

const MEM_TYPE_CODE = { PROTECTED: 1, UNPROTECTED: 2, OTHER: 3 } as const;
const CF_TYPES: readonly CfType[] = ['CALL', 'EXCEPTION', 'OTHER'];
const CF_POLICIES: readonly CfPolicy[] = ['BLOCK', 'ALLOW', 'OTHER'];
const PROTS: readonly Prot[] = ['R', 'W', 'RW'];

/** Byte offset of VM slot `i`. */
export function recordVmOffset(i: number): number {
  return RECORD_OFF_VMS + i * RECORD_VM_SIZE;
}

/** Byte offset of MEM slot `i`. */
export function recordMemOffset(i: number): number {
  return RECORD_OFF_MEMS + i * RECORD_MEM_SIZE;
}

/** Byte offset of mapping slot `j` of MEM slot `i`. */
export function recordMapOffset(i: number, j: number): number {
  return recordMemOffset(i) + RECORD_MEM_OFF_MAPS + j * RECORD_MAP_SIZE;
}

/** Byte offset of CF slot `i`. */
export function recordCfOffset(i: number): number {
  return RECORD_OFF_CFS + i * RECORD_CF_SIZE;
}

/**
 * Encodes the record the RMM would hold after parsing `policy` (§4.2). OTHER memory types are
 * refused (the RMM never stores them); dialect-P display data is not part of the record.
 */
export function encodeRecord(policy: Policy): EncodeResult {
  const errors = checkEncodable(policy);
  policy.mems.forEach((m, i) => {
    if (m.type === 'OTHER')
      errors.push({
        field: `mems[${i}].type`,
        message: 'type OTHER is rejected by the RMM and never stored',
      });
  });
  if (errors.length > 0) return { ok: false, errors };
  const bytes = new Uint8Array(RECORD_SIZE);
  const v = new LeView(bytes);
  v.setU16(RECORD_OFF_SELF, policy.self);
  v.setU16(RECORD_OFF_NUM_VMS, policy.vms.length);
  v.setU16(RECORD_OFF_NUM_MEMS, policy.mems.length);
  v.setU16(RECORD_OFF_NUM_CFS, policy.cfs.length);
  policy.vms.forEach((vm, i) => {
    const at = recordVmOffset(i);
    v.setName(at, vm.name);
    v.setU32(at + 4, vm.hash);
    v.setU8(at + 8, vm.isGateway ? 1 : 0);
    v.setU8(at + 9, vm.strict ? 1 : 0);
  });
  policy.mems.forEach((mem, i) => {
    const at = recordMemOffset(i);
    v.setName(at, mem.name);
    v.setU64(at + RECORD_MEM_OFF_SIZE, mem.size);
    v.setU16(at + RECORD_MEM_OFF_TYPE, MEM_TYPE_CODE[mem.type]);
    v.setU16(at + RECORD_MEM_OFF_NUM_MAPS, mem.mappings.length);
    mem.mappings.forEach((m, j) => {
      const mat = recordMapOffset(i, j);
      v.setU16(mat, m.vm === 'ANY' ? VM_IDX_ANY : m.vm);
      v.setU16(mat + RECORD_MAP_OFF_PROT, protBits(m.prot));
      v.setU64(mat + RECORD_MAP_OFF_GPA, m.gpa);
      v.setI32(mat + RECORD_MAP_OFF_ANY_COUNT, m.anyCount);
    });
  });
  policy.cfs.forEach((cf, i) => {
    const at = recordCfOffset(i);
    v.setName(at, cf.name);
    v.setU16(at + RECORD_CF_OFF_OWNER, cf.owner === 'NONE' ? VM_IDX_ANY : cf.owner);
    v.setU16(at + RECORD_CF_OFF_TYPE, CF_TYPES.indexOf(cf.type) + 1);
    v.setU16(at + RECORD_CF_OFF_POLICY, CF_POLICIES.indexOf(cf.policy) + 1);
    v.setU16(at + RECORD_CF_OFF_RANGE_LEN, cf.range.length);
    cf.range.forEach((value, k) => v.setU32(at + RECORD_CF_OFF_RANGE + 4 * k, value));
  });
  return { ok: true, bytes };
}

/** Byte ranges the RMM always leaves zero in a record with the given counts. */
function zeroRanges(
  numVms: number,
  numMems: number,
  mapsPerMem: readonly number[],
  cfRangeLens: readonly number[],
): Array<readonly [number, number, string]> {
  const out: Array<readonly [number, number, string]> = [];
  for (let i = 0; i < PARSER_MAX_VMS; i++) {
    const at = recordVmOffset(i);
    if (i >= numVms) out.push([at, at + RECORD_VM_SIZE, `vms[${i}] (unused slot)`]);
    else out.push([at + 10, at + 12, `vms[${i}].reserved`]);
  }
  for (let i = 0; i < PARSER_MAX_MEMS; i++) {
    const at = recordMemOffset(i);
    if (i >= numMems) {
      out.push([at, at + RECORD_MEM_SIZE, `mems[${i}] (unused slot)`]);
      continue;
    }
    out.push([at + 4, at + 8, `mems[${i}].pad`], [at + 20, at + 24, `mems[${i}].pad`]);
    for (let j = 0; j < PARSER_MAX_MAPPINGS; j++) {
      const mat = recordMapOffset(i, j);
      if (j >= (mapsPerMem[i] ?? 0))
        out.push([mat, mat + RECORD_MAP_SIZE, `mems[${i}].maps[${j}] (unused slot)`]);
      else
        out.push(
          [mat + 4, mat + 8, `mems[${i}].maps[${j}].pad`],
          [mat + 20, mat + 24, `mems[${i}].maps[${j}].pad`],
        );
    }
  }
  for (let i = 0; i < PARSER_MAX_CFS; i++) {
    const at = recordCfOffset(i);
    if (i >= cfRangeLens.length) out.push([at, at + RECORD_CF_SIZE, `cfs[${i}] (unused slot)`]);
    else {
      const used = at + RECORD_CF_OFF_RANGE + 4 * (cfRangeLens[i] ?? 0);
      out.push([used, at + RECORD_CF_SIZE, `cfs[${i}].range (unused values)`]);
    }
  }
  return out;
}

/**
 * Decodes a 2184-byte record (the verifier's view of a streamed blob, §4.5 step 2). Every
 * rejection names the byte offset and field; never throws.
 */
export function decodeRecord(bytes: Uint8Array): RecordDecodeResult {
  const bad = (offset: number, field: string, text: string): RecordDecodeResult => ({
    ok: false,
    errors: [binaryDiagnostic('error', offset, field, text)],
  });
  if (bytes.length !== RECORD_SIZE) {
    return bad(
      Math.min(bytes.length, RECORD_SIZE),
      'length',
      `a record is exactly ${RECORD_SIZE} bytes, found ${bytes.length}`,
    );
  }
  const v = new LeView(bytes);
  const self = v.u16(RECORD_OFF_SELF);
  const numVms = v.u16(RECORD_OFF_NUM_VMS);
  const numMems = v.u16(RECORD_OFF_NUM_MEMS);
  const numCfs = v.u16(RECORD_OFF_NUM_CFS);
  if (numVms > PARSER_MAX_VMS)
    return bad(RECORD_OFF_NUM_VMS, 'num_vms', `${numVms} exceeds the ${PARSER_MAX_VMS} slots`);
  if (numMems > PARSER_MAX_MEMS)
    return bad(RECORD_OFF_NUM_MEMS, 'num_mems', `${numMems} exceeds the ${PARSER_MAX_MEMS} slots`);
  if (numCfs > PARSER_MAX_CFS)
    return bad(RECORD_OFF_NUM_CFS, 'num_cfs', `${numCfs} exceeds the ${PARSER_MAX_CFS} slots`);
  if (self >= numVms)
    return bad(
      RECORD_OFF_SELF,
      'self_vm_index',
      `self_vm_index ${self} is not below num_vms ${numVms}`,
    );
  const vms: PolicyVm[] = [];
  for (let i = 0; i < numVms; i++) {
    const at = recordVmOffset(i);
    for (const [off, name] of [
      [8, 'is_gateway'],
      [9, 'strict'],
    ] as const) {
      if (v.u8(at + off) > 1)
        return bad(at + off, `vms[${i}].${name}`, `expected 0 or 1, found ${v.u8(at + off)}`);
    }
    vms.push({
      name: v.name(at),
      hash: v.u32(at + 4),
      isGateway: v.u8(at + 8) === 1,
      strict: v.u8(at + 9) === 1,
    });
  }
  const mems: PolicyMem[] = [];
  const mapsPerMem: number[] = [];
  for (let i = 0; i < numMems; i++) {
    const at = recordMemOffset(i);
    const type = v.u16(at + RECORD_MEM_OFF_TYPE);
    if (type !== 1 && type !== 2)
      return bad(
        at + RECORD_MEM_OFF_TYPE,
        `mems[${i}].type`,
        `expected 1 (PROTECTED) or 2 (UNPROTECTED), found ${type}`,
      );
    const numMaps = v.u16(at + RECORD_MEM_OFF_NUM_MAPS);
    if (numMaps > PARSER_MAX_MAPPINGS)
      return bad(
        at + RECORD_MEM_OFF_NUM_MAPS,
        `mems[${i}].num_mappings`,
        `${numMaps} exceeds the ${PARSER_MAX_MAPPINGS} slots`,
      );
    mapsPerMem.push(numMaps);
    const mappings: PolicyMapping[] = [];
    for (let j = 0; j < numMaps; j++) {
      const mat = recordMapOffset(i, j);
      const f = `mems[${i}].maps[${j}]`;
      const index = v.u16(mat);
      if (index >= numVms && index !== VM_IDX_ANY)
        return bad(
          mat,
          `${f}.vm_index`,
          `VM index ${index} is out of range (num_vms ${numVms}) and not ANY 0xffff`,
        );
      const prot = v.u16(mat + RECORD_MAP_OFF_PROT);
      if (prot < 1 || prot > 3)
        return bad(
          mat + RECORD_MAP_OFF_PROT,
          `${f}.prot`,
          `expected 1 (R), 2 (W) or 3 (RW), found ${prot}`,
        );
      const anyCount = v.i32(mat + RECORD_MAP_OFF_ANY_COUNT);
      if (index === VM_IDX_ANY ? anyCount < -1 : anyCount !== 0) {
        return bad(
          mat + RECORD_MAP_OFF_ANY_COUNT,
          `${f}.any_count`,
          index === VM_IDX_ANY
            ? `ANY any_count ${anyCount} is below -1`
            : `named mapping carries any_count ${anyCount}, expected 0`,
        );
      }
      mappings.push({
        vm: index === VM_IDX_ANY ? 'ANY' : index,
        prot: PROTS[prot - 1]!,
        gpa: v.u64(mat + RECORD_MAP_OFF_GPA),
        anyCount,
      });
    }
    mems.push({
      name: v.name(at),
      size: v.u64(at + RECORD_MEM_OFF_SIZE),
      type: type === 1 ? 'PROTECTED' : 'UNPROTECTED',
      mappings,
    });
  }
  const cfs: PolicyCf[] = [];
  const rangeLens: number[] = [];
  for (let i = 0; i < numCfs; i++) {
    const at = recordCfOffset(i);
    const f = `cfs[${i}]`;
    const owner = v.u16(at + RECORD_CF_OFF_OWNER);
    if (owner >= numVms && owner !== VM_IDX_ANY)
      return bad(
        at + RECORD_CF_OFF_OWNER,
        `${f}.owner`,
        `owner index ${owner} is out of range and not 0xffff`,
      );
    const type = CF_TYPES[v.u16(at + RECORD_CF_OFF_TYPE) - 1];
    if (!type)
      return bad(
        at + RECORD_CF_OFF_TYPE,
        `${f}.type`,
        `expected 1..3 (the RMM coerces 0 to 3 before storing), found ${v.u16(at + RECORD_CF_OFF_TYPE)}`,
      );
    const policy = CF_POLICIES[v.u16(at + RECORD_CF_OFF_POLICY) - 1];
    if (!policy)
      return bad(
        at + RECORD_CF_OFF_POLICY,
        `${f}.policy`,
        `expected 1..3 (the RMM coerces 0 to 3 before storing), found ${v.u16(at + RECORD_CF_OFF_POLICY)}`,
      );
    const len = v.u16(at + RECORD_CF_OFF_RANGE_LEN);
    if (len > PARSER_MAX_RANGE)
      return bad(
        at + RECORD_CF_OFF_RANGE_LEN,
        `${f}.range_len`,
        `${len} exceeds the ${PARSER_MAX_RANGE} slots`,
      );
    rangeLens.push(len);
    const range: number[] = [];
    for (let k = 0; k < len; k++) range.push(v.u32(at + RECORD_CF_OFF_RANGE + 4 * k));
    cfs.push({
      name: v.name(at),
      owner: owner === VM_IDX_ANY ? 'NONE' : owner,
      type,
      policy,
      range,
    });
  }
  for (const [from, to, field] of zeroRanges(numVms, numMems, mapsPerMem, rangeLens)) {
    for (let k = from; k < to; k++) {
      if (bytes[k] !== 0)
        return bad(
          k,
          field,
          `non-zero byte ${hex(bytes[k]!)}: the RMM zero-fills the record, so it did not write this blob`,
        );
    }
  }
  // Name bytes after the first NUL are padding too.
  const names: Array<readonly [number, string]> = [
    ...vms.map((_, i) => [recordVmOffset(i), `vms[${i}].name`] as const),
    ...mems.map((_, i) => [recordMemOffset(i), `mems[${i}].name`] as const),
    ...cfs.map((_, i) => [recordCfOffset(i), `cfs[${i}].name`] as const),
  ];
  for (const [at, field] of names) {
    const nul = bytes.subarray(at, at + 4).indexOf(0);
    for (let k = nul < 0 ? 4 : nul; k < 4; k++) {
      if (bytes[at + k] !== 0)
        return bad(at + k, field, "non-zero byte after the name's terminating NUL");
    }
  }
  return { ok: true, policy: { dialect: 'C', self, vms, mems, cfs } };
}
