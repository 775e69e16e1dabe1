/**
 * `POLY` v1, the dialect-C binary (mica-spec.md §2.2.3): written by the kernel uploader into one
 * zeroed 4 KiB page and parsed again by the RMM. The decoder mirrors the RMM parser's rejection
 * list in the RMM's order and stops at the first rejection, because every later offset depends
 * on the counts already read.
 */
import {
  ANY_COUNT_UNLIMITED,
  PARSER_MAX_CFS,
  PARSER_MAX_MAPPINGS,
  PARSER_MAX_MEMS,
  PARSER_MAX_RANGE,
  PARSER_MAX_VMS,
  POLICY_BINARY_VERSION,
  POLICY_NAME_LEN,
  POLY_CF_SIZE,
  POLY_HEADER_SIZE,
  POLY_MAGIC,
  POLY_MAP_SIZE,
  POLY_MEM_SIZE,
  POLY_OFF_MAGIC,
  POLY_OFF_NUM_CFS,
  POLY_OFF_NUM_MEMS,
  POLY_OFF_NUM_VMS,
  POLY_OFF_SELF,
  POLY_OFF_VERSION,
  POLY_RANGE_SIZE,
  POLY_VM_SIZE,
  VM_IDX_ANY,
} from '../abi.ts';
import { binaryDiagnostic, type BinaryDiagnostic } from '../diagnostics.ts';
import {
  protBits,
  type CfPolicy,
  type CfType,
  type MemType,
  type Policy,
  type PolicyCf,
  type PolicyMapping,
  type PolicyMem,
  type PolicyVm,
} from '../model.ts';
import {
  Cursor,
  LeView,
  capped,
  checkZeroTail,
  fail,
  failWith,
  PROTS,
  readHeader,
  vmIndexOk,
  type DecodeResult,
  type EncodeError,
  type EncodeResult,
} from './common.ts';

const MEM_TYPE_CODE: Readonly<Record<MemType, number>> = { PROTECTED: 1, UNPROTECTED: 2, OTHER: 3 };
const CF_TYPE_CODE: Readonly<Record<CfType, number>> = { CALL: 1, EXCEPTION: 2, OTHER: 3 };
const CF_POLICY_CODE: Readonly<Record<CfPolicy, number>> = { BLOCK: 1, ALLOW: 2, OTHER: 3 };
const CF_TYPES: readonly CfType[] = ['CALL', 'EXCEPTION', 'OTHER'];
const CF_POLICIES: readonly CfPolicy[] = ['BLOCK', 'ALLOW', 'OTHER'];

/** Checks the model values every binary layout shares; returns the problems found. */
export function checkEncodable(policy: Policy): EncodeError[] {
  const errors: EncodeError[] = [];
  const err = (field: string, message: string) => errors.push({ field, message });
  const checkName = (field: string, name: string) => {
    // Empty is representable (four NULs) and is what a zeroed record slot decodes to.
    if (
      name.length > POLICY_NAME_LEN ||
      [...name].some((ch) => ch.charCodeAt(0) === 0 || ch.charCodeAt(0) > 0xff)
    ) {
      err(
        field,
        `name ${JSON.stringify(name)} must be at most ${POLICY_NAME_LEN} single-byte, non-NUL characters`,
      );
    }
  };
  const uint = (field: string, v: bigint | number, bits: number) => {
    const n = BigInt(v);
    if (n < 0n || n >= 1n << BigInt(bits)) err(field, `${String(v)} does not fit in u${bits}`);
  };
  const vmRef = (field: string, v: number | 'ANY' | 'NONE') => {
    if (typeof v === 'number' && (!Number.isInteger(v) || v < 0 || v >= policy.vms.length)) {
      err(field, `VM index ${v} is not one of the ${policy.vms.length} VM entries`);
    }
  };
  if (policy.vms.length > PARSER_MAX_VMS)
    err('vms', `${policy.vms.length} VMs, the cap is ${PARSER_MAX_VMS}`);
  if (policy.mems.length > PARSER_MAX_MEMS)
    err('mems', `${policy.mems.length} objects, the cap is ${PARSER_MAX_MEMS}`);
  if (policy.cfs.length > PARSER_MAX_CFS)
    err('cfs', `${policy.cfs.length} CF rules, the cap is ${PARSER_MAX_CFS}`);
  vmRef('self', policy.self);
  if (policy.vms[policy.self] === undefined) err('self', `self index ${policy.self} names no VM`);
  policy.vms.forEach((vm, i) => {
    checkName(`vms[${i}].name`, vm.name);
    uint(`vms[${i}].hash`, vm.hash, 32);
  });
  policy.mems.forEach((mem, i) => {
    checkName(`mems[${i}].name`, mem.name);
    uint(`mems[${i}].size`, mem.size, 64);
    if (mem.mappings.length > PARSER_MAX_MAPPINGS) {
      err(
        `mems[${i}].mappings`,
        `${mem.mappings.length} mappings, the cap is ${PARSER_MAX_MAPPINGS}`,
      );
    }
    mem.mappings.forEach((m, j) => {
      const f = `mems[${i}].mappings[${j}]`;
      vmRef(`${f}.vm`, m.vm);
      uint(`${f}.gpa`, m.gpa, 64);
      if (!Number.isInteger(m.anyCount) || m.anyCount < -(2 ** 31) || m.anyCount >= 2 ** 31) {
        err(`${f}.anyCount`, `${m.anyCount} does not fit in i32`);
      }
    });
  });
  policy.cfs.forEach((cf, i) => {
    checkName(`cfs[${i}].name`, cf.name);
    vmRef(`cfs[${i}].owner`, cf.owner);
    if (cf.range.length > PARSER_MAX_RANGE) {
      err(`cfs[${i}].range`, `${cf.range.length} values, the cap is ${PARSER_MAX_RANGE}`);
    }
    cf.range.forEach((v, j) => uint(`cfs[${i}].range[${j}]`, v, 32));
  });
  return errors;
}

/** Exact byte length of the `POLY` encoding of `policy` (§2.2.3). */
export function polySize(policy: Policy): number {
  let n = POLY_HEADER_SIZE + policy.vms.length * POLY_VM_SIZE;
  for (const mem of policy.mems) n += POLY_MEM_SIZE + mem.mappings.length * POLY_MAP_SIZE;
  for (const cf of policy.cfs) n += POLY_CF_SIZE + cf.range.length * POLY_RANGE_SIZE;
  return n;
}

/**
 * Encodes `policy` as `POLY` v1, exactly as the kernel uploader lays it out (§2.2.3): only the
 * records, no page padding (see {@link toPolicyPage}). Refuses values the format cannot hold.
 */
export function encodePoly(policy: Policy): EncodeResult {
  const errors = checkEncodable(policy);
  if (errors.length > 0) return { ok: false, errors };
  const bytes = new Uint8Array(polySize(policy));
  const v = new LeView(bytes);
  v.setU32(POLY_OFF_MAGIC, POLY_MAGIC);
  v.setU16(POLY_OFF_VERSION, POLICY_BINARY_VERSION);
  v.setU16(POLY_OFF_SELF, policy.self);
  v.setU16(POLY_OFF_NUM_VMS, policy.vms.length);
  v.setU16(POLY_OFF_NUM_MEMS, policy.mems.length);
  v.setU16(POLY_OFF_NUM_CFS, policy.cfs.length);
  let at = POLY_HEADER_SIZE;
  for (const vm of policy.vms) {
    v.setName(at, vm.name);
    v.setU32(at + 4, vm.hash);
    v.setU8(at + 8, vm.isGateway ? 1 : 0);
    v.setU8(at + 9, vm.strict ? 1 : 0);
    at += POLY_VM_SIZE;
  }
  for (const mem of policy.mems) {
    v.setName(at, mem.name);
    v.setU64(at + 4, mem.size);
    v.setU16(at + 12, MEM_TYPE_CODE[mem.type]);
    v.setU16(at + 14, mem.mappings.length);
    at += POLY_MEM_SIZE;
    for (const m of mem.mappings) {
      v.setU16(at, m.vm === 'ANY' ? VM_IDX_ANY : m.vm);
      v.setU16(at + 2, protBits(m.prot));
      v.setU64(at + 4, m.gpa);
      v.setI32(at + 12, m.anyCount);
      at += POLY_MAP_SIZE;
    }
  }
  for (const cf of policy.cfs) {
    v.setName(at, cf.name);
    v.setU16(at + 4, cf.owner === 'NONE' ? VM_IDX_ANY : cf.owner);
    v.setU16(at + 6, CF_TYPE_CODE[cf.type]);
    v.setU16(at + 8, CF_POLICY_CODE[cf.policy]);
    v.setU16(at + 10, cf.range.length);
    at += POLY_CF_SIZE;
    for (const value of cf.range) {
      v.setU32(at, value);
      at += POLY_RANGE_SIZE;
    }
  }
  return { ok: true, bytes };
}

/** Places an encoding at the start of a zeroed 4 KiB page, as the uploader does (§2.1). */

export function decodePoly(bytes: Uint8Array): DecodeResult {
  const c = new Cursor(bytes);
  const header = readHeader(c, POLY_MAGIC);
  if ('ok' in header) return header;
  const v = c.view;
  const numVms = header.vms;
  const keepVms = capped(c, POLY_OFF_NUM_VMS, 'num_vms', numVms, PARSER_MAX_VMS);
  const vms: PolicyVm[] = [];
  for (let i = 0; i < numVms; i++) {
    const at = c.take(POLY_VM_SIZE, `vms[${i}]`, 'VM record');
    if (typeof at !== 'number') return failWith(c, at);
    const gw = v.u8(at + 8);
    const strict = v.u8(at + 9);
    if (gw > 1) c.warn(at + 8, `vms[${i}].is_gateway`, `value ${gw} read as true`);
    if (strict > 1) c.warn(at + 9, `vms[${i}].strict`, `value ${strict} read as true`);
    if (i < keepVms)
      vms.push({
        name: v.name(at),
        hash: v.u32(at + 4),
        isGateway: gw !== 0,
        strict: strict !== 0,
      });
  }
  if (header.self >= keepVms) {
    return fail(
      c,
      POLY_OFF_SELF,
      'self_vm_index',
      `self_vm_index ${header.self} names a VM beyond the first ${keepVms} the RMM keeps`,
    );
  }
  const keepMems = capped(c, POLY_OFF_NUM_MEMS, 'num_mems', header.mems, PARSER_MAX_MEMS);
  const mems: PolicyMem[] = [];
  for (let i = 0; i < header.mems; i++) {
    const f = `mems[${i}]`;
    const at = c.take(POLY_MEM_SIZE, f, 'MEM header');
    if (typeof at !== 'number') return failWith(c, at);
    const typeCode = v.u16(at + 12);
    if (typeCode !== 1 && typeCode !== 2) {
      const why =
        typeCode === 3 ? 'OTHER (3) is reserved and rejected by the RMM' : 'not a memory type';
      return fail(
        c,
        at + 12,
        `${f}.type`,
        `expected 1 (PROTECTED) or 2 (UNPROTECTED), found ${typeCode}: ${why}`,
      );
    }
    const numMaps = v.u16(at + 14);
    const keepMaps = capped(c, at + 14, `${f}.num_maps`, numMaps, PARSER_MAX_MAPPINGS);
    const mappings: PolicyMapping[] = [];
    for (let j = 0; j < numMaps; j++) {
      const mf = `${f}.maps[${j}]`;
      const m = c.take(POLY_MAP_SIZE, mf, 'MAP record');
      if (typeof m !== 'number') return failWith(c, m);
      const index = v.u16(m);
      if (!vmIndexOk(index, keepVms)) {
        return fail(
          c,
          m,
          `${mf}.vm_index`,
          `VM index ${index} is out of range (num_vms ${keepVms}) and not ANY 0xffff`,
        );
      }
      const prot = v.u16(m + 2);
      if (prot < 1 || prot > 3)
        return fail(c, m + 2, `${mf}.prot`, `expected 1 (R), 2 (W) or 3 (RW), found ${prot}`);
      const anyCount = v.i32(m + 12);
      if (index === VM_IDX_ANY && anyCount < ANY_COUNT_UNLIMITED) {
        return fail(
          c,
          m + 12,
          `${mf}.any_count`,
          `ANY any_count ${anyCount} is below -1 (unlimited)`,
        );
      }
      if (index !== VM_IDX_ANY && anyCount !== 0) {
        return fail(
          c,
          m + 12,
          `${mf}.any_count`,
          `named mapping carries any_count ${anyCount}, expected 0`,
        );
      }
      if (v.u32(m + 16) !== 0)
        c.warn(m + 16, `${mf}.reserved`, 'non-zero reserved field (ignored)');
      if (j < keepMaps) {
        mappings.push({
          vm: index === VM_IDX_ANY ? 'ANY' : index,
          prot: PROTS[prot - 1]!,
          gpa: v.u64(m + 4),
          anyCount,
        });
      }
    }
    if (i < keepMems) {
      mems.push({
        name: v.name(at),
        size: v.u64(at + 4),
        type: typeCode === 1 ? 'PROTECTED' : 'UNPROTECTED',
        mappings,
      });
    }
  }
  const keepCfs = capped(c, POLY_OFF_NUM_CFS, 'num_cfs', header.cfs, PARSER_MAX_CFS);
  const cfs: PolicyCf[] = [];
  for (let i = 0; i < header.cfs; i++) {
    const f = `cfs[${i}]`;
    const at = c.take(POLY_CF_SIZE, f, 'CF header');
    if (typeof at !== 'number') return failWith(c, at);
    const owner = v.u16(at + 4);
    if (!vmIndexOk(owner, keepVms)) {
      return fail(
        c,
        at + 4,
        `${f}.owner_vm_index`,
        `owner index ${owner} is out of range (num_vms ${keepVms}) and not 0xffff`,
      );
    }
    const type = coerce(c, v.u16(at + 6), at + 6, `${f}.type`, CF_TYPES);
    if (typeof type !== 'string') return failWith(c, type);
    const policy = coerce(c, v.u16(at + 8), at + 8, `${f}.policy`, CF_POLICIES);
    if (typeof policy !== 'string') return failWith(c, policy);
    const len = v.u16(at + 10);
    const keepRange = capped(c, at + 10, `${f}.range_len`, len, PARSER_MAX_RANGE);
    const r = c.take(len * POLY_RANGE_SIZE, `${f}.range`, 'CF range');
    if (typeof r !== 'number') return failWith(c, r);
    const range: number[] = [];
    for (let k = 0; k < keepRange; k++) range.push(v.u32(r + k * POLY_RANGE_SIZE));
    if (i < keepCfs)
      cfs.push({
        name: v.name(at),
        owner: owner === VM_IDX_ANY ? 'NONE' : owner,
        type,
        policy,
        range,
      });
  }
  checkZeroTail(c);
  if (mems.length === 0) {
    c.warn(
      POLY_OFF_NUM_MEMS,
      'num_mems',
      'no memory objects: the prototype RMM refuses such a policy as empty (§2.2.3); the emulator accepts it (§8 item 9)',
    );
  }
  const policy: Policy = { dialect: 'C', self: header.self, vms, mems, cfs };
  return { ok: true, policy, format: 'POLY', length: c.at, warnings: c.warnings };
}

/** CF type/policy: 0 is coerced to OTHER like the RMM does (§2.2.2); above 3 is refused. */
function coerce<T extends string>(
  c: Cursor,
  code: number,
  offset: number,
  field: string,
  names: readonly T[],
): T | BinaryDiagnostic {
  if (code === 0) {
    c.warn(offset, field, 'value 0 coerced to OTHER (3) as the RMM does');
    return names[2]!;
  }
  const name = names[code - 1];
  if (name !== undefined) return name;
  return binaryDiagnostic(
    'error',
    offset,
    field,
    `expected 1..3 (${names.join(', ')}) or 0, found ${code}`,
  );
}

/**
 * Decodes a legacy `PAYL` v1 binary (§2.3) into the dialect-P model translated to C (§2.4).
 * The current RMM refuses this format; the emulator can show what it meant.
 */
