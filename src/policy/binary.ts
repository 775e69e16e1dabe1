/**
 * The uploaded policy binary: `POLY` v1 (dialect C, mica-spec.md §2.2.3) written by the kernel
 * uploader into one zeroed 4 KiB page and parsed again by the RMM, and the legacy `PAYL` v1
 * (dialect P, §2.3), which the current RMM refuses by magic and which this module can still
 * decode and translate (§2.4) for teaching.
 *
 * Design rationale: the decoder mirrors the RMM parser's rejection list (§2.2.3) in the RMM's
 * order and stops at the first rejection, because every later offset depends on the counts
 * already read. Each rejection names the byte offset and field. Where the RMM only warns (caps:
 * it keeps the first 8 and skips the rest; CF type/policy 0 coerced to OTHER) the decoder does
 * the same and returns a located warning. Nothing here throws on any input.
 */
import {
  ANY_COUNT_UNLIMITED,
  ESR_EC_SMC64,
  EXCEPTION_EXIT_RANGE,
  OTHER_RANGE,
  PARSER_MAX_CFS,
  PARSER_MAX_MAPPINGS,
  PARSER_MAX_MEMS,
  PARSER_MAX_RANGE,
  PARSER_MAX_VMS,
  PAYL_CH_SIZE,
  PAYL_HEADER_SIZE,
  PAYL_MAGIC,
  PAYL_MAP_SIZE,
  PAYL_PS_BASE_SIZE,
  PAYL_PS_EXT_SIZE,
  PAYL_VM_SIZE,
  POLICY_BINARY_VERSION,
  POLICY_NAME_LEN,
  POLICY_PAGE_SIZE,
  POLY_CF_SIZE,
  POLY_HEADER_SIZE,
  POLY_MAGIC,
  POLY_MAP_SIZE,
  POLY_MEM_SIZE,
  POLY_OFF_MAGIC,
  POLY_OFF_NUM_CFS,
  POLY_OFF_NUM_MEMS,
  POLY_OFF_NUM_VMS,
  POLY_OFF_RESERVED,
  POLY_OFF_SELF,
  POLY_OFF_VERSION,
  POLY_RANGE_SIZE,
  POLY_VM_SIZE,
  P_MAPPED_ACTIVE,
  P_MAPPED_PENDING,
  P_ON_REMOVE_CLEAN,
  P_POLICY_BLOCK,
  P_POLICY_DELEGATE,
  P_PROPERTY_FRESH,
  P_PROPERTY_PROTECTED,
  P_RANGE_OTHER,
  P_RANGE_RSI,
  VM_IDX_ANY,
} from './abi.ts';
import { binaryDiagnostic, type BinaryDiagnostic } from './diagnostics.ts';
import {
  protBits,
  type CfPolicy,
  type CfType,
  type LegacyChannel,
  type MemType,
  type Policy,
  type PolicyCf,
  type PolicyMapping,
  type PolicyMem,
  type PolicyVm,
  type Prot,
} from './model.ts';

/** Result of encoding: the bytes, or the fields that cannot be represented. */
export type EncodeResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly errors: readonly EncodeError[] };

/** A model value the binary cannot hold. */
export interface EncodeError {
  /** Model path, e.g. `mems[1].mappings[0].gpa`. */
  readonly field: string;
  readonly message: string;
}

/** Result of decoding a binary policy. */
export type DecodeResult =
  | {
      readonly ok: true;
      readonly policy: Policy;
      /** Which magic the input carried. */
      readonly format: 'POLY' | 'PAYL';
      /** Bytes covered by records; the rest of the page is expected to be zero. */
      readonly length: number;
      readonly warnings: readonly BinaryDiagnostic[];
    }
  | {
      readonly ok: false;
      readonly errors: readonly BinaryDiagnostic[];
      readonly warnings: readonly BinaryDiagnostic[];
    };

const MEM_TYPE_CODE: Readonly<Record<MemType, number>> = { PROTECTED: 1, UNPROTECTED: 2, OTHER: 3 };
const CF_TYPE_CODE: Readonly<Record<CfType, number>> = { CALL: 1, EXCEPTION: 2, OTHER: 3 };
const CF_POLICY_CODE: Readonly<Record<CfPolicy, number>> = { BLOCK: 1, ALLOW: 2, OTHER: 3 };
const CF_TYPES: readonly CfType[] = ['CALL', 'EXCEPTION', 'OTHER'];
const CF_POLICIES: readonly CfPolicy[] = ['BLOCK', 'ALLOW', 'OTHER'];
const PROTS: readonly Prot[] = ['R', 'W', 'RW'];

/** Little-endian field access on a DataView (u64 as bigint). */
export class LeView {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  u8(at: number): number {
    return this.view.getUint8(at);
  }
  u16(at: number): number {
    return this.view.getUint16(at, true);
  }
  u32(at: number): number {
    return this.view.getUint32(at, true);
  }
  i32(at: number): number {
    return this.view.getInt32(at, true);
  }
  u64(at: number): bigint {
    return this.view.getBigUint64(at, true);
  }
  setU8(at: number, v: number): void {
    this.view.setUint8(at, v);
  }
  setU16(at: number, v: number): void {
    this.view.setUint16(at, v, true);
  }
  setU32(at: number, v: number): void {
    this.view.setUint32(at, v, true);
  }
  setI32(at: number, v: number): void {
    this.view.setInt32(at, v, true);
  }
  setU64(at: number, v: bigint): void {
    this.view.setBigUint64(at, v, true);
  }
  /** A `char name[4]`: bytes up to the first NUL. */
  name(at: number): string {
    let out = '';
    for (let i = 0; i < POLICY_NAME_LEN; i++) {
      const b = this.u8(at + i);
      if (b === 0) break;
      out += String.fromCharCode(b);
    }
    return out;
  }
  setName(at: number, name: string): void {
    for (let i = 0; i < POLICY_NAME_LEN; i++)
      this.setU8(at + i, i < name.length ? name.charCodeAt(i) : 0);
  }
}

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
export function toPolicyPage(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length > POLICY_PAGE_SIZE) return undefined;
  const page = new Uint8Array(POLICY_PAGE_SIZE);
  page.set(bytes);
  return page;
}

/** Sequential reader that turns "not enough bytes" into a located rejection. */
class Cursor {
  readonly warnings: BinaryDiagnostic[] = [];
  readonly view: LeView;
  at = 0;
  constructor(readonly bytes: Uint8Array) {
    this.view = new LeView(bytes);
  }
  /** Claims `size` bytes for `field`; a rejection when the input is too short. */
  take(size: number, field: string, what: string): number | BinaryDiagnostic {
    if (this.at + size > this.bytes.length) {
      const left = this.bytes.length - this.at;
      return binaryDiagnostic(
        'error',
        this.at,
        field,
        `truncated ${what}: needs ${size} bytes, ${left} remain`,
      );
    }
    const start = this.at;
    this.at += size;
    return start;
  }
  warn(offset: number, field: string, text: string): void {
    this.warnings.push(binaryDiagnostic('warning', offset, field, text));
  }
}

function fail(c: Cursor, offset: number, field: string, text: string): DecodeResult {
  return {
    ok: false,
    errors: [binaryDiagnostic('error', offset, field, text)],
    warnings: c.warnings,
  };
}

function failWith(c: Cursor, error: BinaryDiagnostic): DecodeResult {
  return { ok: false, errors: [error], warnings: c.warnings };
}

function magicText(value: number): string {
  const chars = [24, 16, 8, 0].map((s) => (value >>> s) & 0xff);
  const ascii = chars.every((b) => b >= 0x20 && b < 0x7f)
    ? ` ('${String.fromCharCode(...chars)}')`
    : '';
  return `0x${value.toString(16).padStart(8, '0')}${ascii}`;
}

/** Shared header checks; returns the header fields or a rejection. */
function readHeader(
  c: Cursor,
  expect: number,
): { self: number; vms: number; mems: number; cfs: number } | DecodeResult {
  if (c.bytes.length > POLICY_PAGE_SIZE) {
    return fail(
      c,
      POLICY_PAGE_SIZE,
      'length',
      `${c.bytes.length} bytes do not fit one 4 KiB granule (the uploader writes a single page)`,
    );
  }
  if (c.bytes.length < POLY_HEADER_SIZE) {
    return fail(
      c,
      0,
      'header',
      `truncated header: needs ${POLY_HEADER_SIZE} bytes, ${c.bytes.length} given`,
    );
  }
  const v = c.view;
  const magic = v.u32(POLY_OFF_MAGIC);
  if (magic !== expect) {
    if (magic === PAYL_MAGIC && expect === POLY_MAGIC) {
      return fail(
        c,
        0,
        'magic',
        `found ${magicText(magic)}: a legacy dialect-P binary (§2.3). The current RMM accepts only POLY ${magicText(POLY_MAGIC)} and refuses this with RSI_ERROR_INPUT; decodePolicyBinary() can translate it (§2.4)`,
      );
    }
    return fail(c, 0, 'magic', `expected ${magicText(expect)}, found ${magicText(magic)}`);
  }
  const version = v.u16(POLY_OFF_VERSION);
  if (version !== POLICY_BINARY_VERSION) {
    return fail(
      c,
      POLY_OFF_VERSION,
      'version',
      `expected version ${POLICY_BINARY_VERSION}, found ${version}`,
    );
  }
  const self = v.u16(POLY_OFF_SELF);
  const vms = v.u16(POLY_OFF_NUM_VMS);
  if (self === VM_IDX_ANY) {
    return fail(
      c,
      POLY_OFF_SELF,
      'self_vm_index',
      'self_vm_index is 0xffff: the RMM parser tolerates it but binding and validation then break, so it is refused here',
    );
  }
  if (self >= vms) {
    return fail(
      c,
      POLY_OFF_SELF,
      'self_vm_index',
      `self_vm_index ${self} is not below num_vms ${vms}`,
    );
  }
  if (v.u16(POLY_OFF_RESERVED) !== 0)
    c.warn(POLY_OFF_RESERVED, 'reserved', 'non-zero reserved field (ignored)');
  c.at = POLY_HEADER_SIZE;
  return { self, vms, mems: v.u16(POLY_OFF_NUM_MEMS), cfs: v.u16(POLY_OFF_NUM_CFS) };
}

/** Keeps the first `cap` items like the RMM and warns about the rest (§2.2.2). */
function capped(c: Cursor, offset: number, field: string, count: number, cap: number): number {
  if (count > cap)
    c.warn(offset, field, `${count} entries, the RMM keeps the first ${cap} and skips the rest`);
  return Math.min(count, cap);
}

function vmIndexOk(index: number, numVms: number): boolean {
  return index < numVms || index === VM_IDX_ANY;
}

function checkZeroTail(c: Cursor): void {
  for (let i = c.at; i < c.bytes.length; i++) {
    if (c.bytes[i] !== 0) {
      c.warn(
        i,
        'padding',
        'non-zero byte after the last record (the uploader writes into a zeroed page)',
      );
      return;
    }
  }
}

/**
 * Decodes a `POLY` v1 binary with the RMM parser's rejections (§2.2.3). The input may be the
 * exact encoding or the whole 4 KiB page. A `PAYL` input is refused with an explanation.
 */
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
export function decodePayl(bytes: Uint8Array): DecodeResult {
  const c = new Cursor(bytes);
  const header = readHeader(c, PAYL_MAGIC);
  if ('ok' in header) return header;
  const v = c.view;
  if (header.vms > PARSER_MAX_VMS)
    return fail(c, POLY_OFF_NUM_VMS, 'num_vms', `${header.vms} VMs, the cap is ${PARSER_MAX_VMS}`);
  if (header.mems > PARSER_MAX_MEMS)
    return fail(
      c,
      POLY_OFF_NUM_MEMS,
      'num_ps',
      `${header.mems} regions, the cap is ${PARSER_MAX_MEMS}`,
    );
  if (header.cfs > PARSER_MAX_CFS)
    return fail(
      c,
      POLY_OFF_NUM_CFS,
      'num_ch',
      `${header.cfs} channels, the cap is ${PARSER_MAX_CFS}`,
    );
  c.at = PAYL_HEADER_SIZE;
  const vms: PolicyVm[] = [];
  for (let i = 0; i < header.vms; i++) {
    const at = c.take(PAYL_VM_SIZE, `vms[${i}]`, 'VM record');
    if (typeof at !== 'number') return failWith(c, at);
    const other = v.u8(at + 9) !== 0;
    vms.push({
      name: v.name(at),
      hash: v.u32(at + 4),
      isGateway: v.u8(at + 8) !== 0,
      strict: !other,
      legacy: { allowedOtherMappings: other },
    });
  }
  const mems: PolicyMem[] = [];
  for (let i = 0; i < header.mems; i++) {
    const f = `ps[${i}]`;
    const at = c.take(PAYL_PS_BASE_SIZE + PAYL_PS_EXT_SIZE, f, 'protected-shared region');
    if (typeof at !== 'number') return failWith(c, at);
    const numMaps = v.u16(at + 8);
    if (numMaps > PARSER_MAX_MAPPINGS)
      return fail(
        c,
        at + 8,
        `${f}.num_maps`,
        `${numMaps} mappings, the cap is ${PARSER_MAX_MAPPINGS}`,
      );
    const ext = at + PAYL_PS_BASE_SIZE;
    const props = v.u32(ext);
    if (props & ~(P_PROPERTY_PROTECTED | P_PROPERTY_FRESH)) {
      return fail(
        c,
        ext,
        `${f}.properties`,
        `unknown property bits 0x${props.toString(16)} (bit 0 PROTECTED, bit 1 FRESH)`,
      );
    }
    const owner = v.u16(ext + 4);
    if (!vmIndexOk(owner, header.vms))
      return fail(c, ext + 4, `${f}.owner`, `owner index ${owner} is out of range`);
    const onRemove = v.u16(ext + 6);
    if (onRemove > P_ON_REMOVE_CLEAN)
      return fail(
        c,
        ext + 6,
        `${f}.on_remove`,
        `expected 0 (NONE) or 1 (CLEAN), found ${onRemove}`,
      );
    const mapped = v.u16(ext + 8);
    if (mapped > P_MAPPED_ACTIVE)
      return fail(
        c,
        ext + 8,
        `${f}.mapped`,
        `expected 0..2 (NONE, PENDING, ACTIVE), found ${mapped}`,
      );
    const mappings: PolicyMapping[] = [];
    for (let j = 0; j < numMaps; j++) {
      const mf = `${f}.maps[${j}]`;
      const m = c.take(PAYL_MAP_SIZE, mf, 'mapping');
      if (typeof m !== 'number') return failWith(c, m);
      const index = v.u16(m);
      if (!vmIndexOk(index, header.vms))
        return fail(c, m, `${mf}.vm_index`, `VM index ${index} is out of range and not ANY 0xffff`);
      const prot = v.u16(m + 2);
      if (prot < 1 || prot > 3)
        return fail(c, m + 2, `${mf}.prot`, `expected 1 (R), 2 (W) or 3 (RW), found ${prot}`);
      const any = index === VM_IDX_ANY;
      mappings.push({
        vm: any ? 'ANY' : index,
        prot: PROTS[prot - 1]!,
        gpa: v.u64(m + 4),
        anyCount: any ? ANY_COUNT_UNLIMITED : 0,
      });
    }
    mems.push({
      name: v.name(at),
      size: BigInt(v.u32(at + 4)),
      type: props & P_PROPERTY_PROTECTED ? 'PROTECTED' : 'UNPROTECTED',
      mappings,
      legacy: {
        fresh: (props & P_PROPERTY_FRESH) !== 0,
        clean: onRemove === P_ON_REMOVE_CLEAN,
        owner: owner === VM_IDX_ANY ? null : owner,
        mapped:
          mapped === P_MAPPED_ACTIVE ? 'ACTIVE' : mapped === P_MAPPED_PENDING ? 'PENDING' : 'NONE',
      },
    });
  }
  const cfs: PolicyCf[] = [];
  for (let i = 0; i < header.cfs; i++) {
    const f = `ch[${i}]`;
    const at = c.take(PAYL_CH_SIZE, f, 'channel record');
    if (typeof at !== 'number') return failWith(c, at);
    const owner = v.u16(at + 4);
    if (!vmIndexOk(owner, header.vms))
      return fail(c, at + 4, `${f}.owner`, `owner index ${owner} is out of range`);
    const mask = v.u16(at + 6);
    if (mask & ~(P_RANGE_RSI | P_RANGE_OTHER))
      return fail(
        c,
        at + 6,
        `${f}.range_mask`,
        `unknown range bits 0x${mask.toString(16)} (bit 0 RSI, bit 1 OTHER)`,
      );
    const code = v.u16(at + 8);
    if (code > P_POLICY_DELEGATE)
      return fail(
        c,
        at + 8,
        `${f}.policy`,
        `expected 0 (SCRUB), 1 (BLOCK) or 2 (DELEGATE), found ${code}`,
      );
    const pPolicy =
      code === P_POLICY_BLOCK ? 'BLOCK' : code === P_POLICY_DELEGATE ? 'DELEGATE' : 'SCRUB';
    const cPolicy: CfPolicy =
      pPolicy === 'BLOCK' ? 'BLOCK' : pPolicy === 'DELEGATE' ? 'ALLOW' : 'OTHER';
    const range: ('RSI' | 'OTHER')[] = [];
    if (mask & P_RANGE_RSI) range.push('RSI');
    if (mask & P_RANGE_OTHER) range.push('OTHER');
    const name = v.name(at);
    const legacy: LegacyChannel = { channel: name, range, policy: pPolicy };
    const own = owner === VM_IDX_ANY ? 'NONE' : owner;
    if (mask & P_RANGE_RSI)
      cfs.push({ name, owner: own, type: 'CALL', policy: cPolicy, range: [ESR_EC_SMC64], legacy });
    if (mask & P_RANGE_OTHER) {
      cfs.push({
        name,
        owner: own,
        type: 'EXCEPTION',
        policy: cPolicy,
        range: [...EXCEPTION_EXIT_RANGE],
        legacy,
      });
      cfs.push({
        name,
        owner: own,
        type: 'OTHER',
        policy: cPolicy,
        range: [...OTHER_RANGE],
        legacy,
      });
    }
  }
  if (cfs.length > PARSER_MAX_CFS) {
    return fail(
      c,
      POLY_OFF_NUM_CFS,
      'num_ch',
      `the channels translate to ${cfs.length} CF rules, the cap is ${PARSER_MAX_CFS} (§2.4)`,
    );
  }
  checkZeroTail(c);
  const policy: Policy = { dialect: 'P', self: header.self, vms, mems, cfs };
  return { ok: true, policy, format: 'PAYL', length: c.at, warnings: c.warnings };
}

/** Decodes either magic: `POLY` as the RMM does, `PAYL` through the §2.4 translation. */
export function decodePolicyBinary(bytes: Uint8Array): DecodeResult {
  if (bytes.length >= 4 && new LeView(bytes).u32(0) === PAYL_MAGIC) return decodePayl(bytes);
  return decodePoly(bytes);
}
