/**
 * What the two policy binaries share (mica-spec.md §2.2.3, §2.3): the result types, the
 * little-endian view, the cursor that turns "not enough bytes" into a located rejection, and
 * the common header checks, caps and zero-tail check of the RMM parser.
 */
import {
  PAYL_MAGIC,
  POLICY_BINARY_VERSION,
  POLICY_NAME_LEN,
  POLICY_PAGE_SIZE,
  POLY_HEADER_SIZE,
  POLY_MAGIC,
  POLY_OFF_MAGIC,
  POLY_OFF_NUM_CFS,
  POLY_OFF_NUM_MEMS,
  POLY_OFF_NUM_VMS,
  POLY_OFF_RESERVED,
  POLY_OFF_SELF,
  POLY_OFF_VERSION,
  VM_IDX_ANY,
} from '../abi.ts';
import { binaryDiagnostic, type BinaryDiagnostic } from '../diagnostics.ts';
import type { Policy, Prot } from '../model.ts';

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

/** The prot codes 1..3 of a mapping (§2.2.3). */
export const PROTS: readonly Prot[] = ['R', 'W', 'RW'];

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

export function toPolicyPage(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length > POLICY_PAGE_SIZE) return undefined;
  const page = new Uint8Array(POLICY_PAGE_SIZE);
  page.set(bytes);
  return page;
}

/** Sequential reader that turns "not enough bytes" into a located rejection. */
export class Cursor {
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

export function fail(c: Cursor, offset: number, field: string, text: string): DecodeResult {
  return {
    ok: false,
    errors: [binaryDiagnostic('error', offset, field, text)],
    warnings: c.warnings,
  };
}

export function failWith(c: Cursor, error: BinaryDiagnostic): DecodeResult {
  return { ok: false, errors: [error], warnings: c.warnings };
}

export function magicText(value: number): string {
  const chars = [24, 16, 8, 0].map((s) => (value >>> s) & 0xff);
  const ascii = chars.every((b) => b >= 0x20 && b < 0x7f)
    ? ` ('${String.fromCharCode(...chars)}')`
    : '';
  return `0x${value.toString(16).padStart(8, '0')}${ascii}`;
}

/** Shared header checks; returns the header fields or a rejection. */
export function readHeader(
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
export function capped(
  c: Cursor,
  offset: number,
  field: string,
  count: number,
  cap: number,
): number {
  if (count > cap)
    c.warn(offset, field, `${count} entries, the RMM keeps the first ${cap} and skips the rest`);
  return Math.min(count, cap);
}

export function vmIndexOk(index: number, numVms: number): boolean {
  return index < numVms || index === VM_IDX_ANY;
}

export function checkZeroTail(c: Cursor): void {
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
