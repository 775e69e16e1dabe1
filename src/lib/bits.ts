/**
 * Bit-field helpers over 64-bit register values (bigint), used for packed return codes,
 * feature registers and descriptors. Field positions come from the spec tables in `abi/`.
 */
import { hex } from './hex.ts';

/** A bit field [msb:lsb] as the spec writes it. */
export interface BitField {
  readonly msb: number;
  readonly lsb: number;
}

/** Declares a field `[msb:lsb]`. */
export function field(msb: number, lsb: number): BitField {
  return { msb, lsb };
}

function mask(f: BitField): bigint {
  return (1n << BigInt(f.msb - f.lsb + 1)) - 1n;
}

/** Extracts field `f` from `value`. */
export function getField(value: bigint, f: BitField): bigint {
  return (value >> BigInt(f.lsb)) & mask(f);
}

/** Returns `value` with field `f` replaced by `fieldValue` (truncated to the field width). */
export function setField(value: bigint, f: BitField, fieldValue: bigint | number): bigint {
  const m = mask(f) << BigInt(f.lsb);
  return (value & ~m) | ((BigInt(fieldValue) << BigInt(f.lsb)) & m);
}

/** Packs several fields into one register value. */
export function packFields(parts: ReadonlyArray<readonly [BitField, bigint | number]>): bigint {
  return parts.reduce((acc, [f, v]) => setField(acc, f, v), 0n);
}

/**
 * The register value with fields `f` set to `v`, pair by pair (later pairs win, as with
 * {@link setField}), for fields that all lie in bits [31:0] and number values: plain 32-bit
 * arithmetic and one bigint (a syndrome built on every REC exit), instead of a bigint per step.
 */
export function packLowFields(...pairs: (BitField | number)[]): bigint {
  let word = 0;
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const f = pairs[i] as BitField;
    const width = f.msb - f.lsb + 1;
    if (f.msb > 31 || width < 1)
      throw new RangeError(`field [${f.msb}:${f.lsb}] is not in bits [31:0]`);
    const m = (width === 32 ? 0xffffffff : (1 << width) - 1) << f.lsb;
    word = ((word & ~m) | (((pairs[i + 1] as number) << f.lsb) & m)) >>> 0;
  }
  return BigInt(word);
}

/** Largest unsigned 64-bit value. */
const U64_MAX = (1n << 64n) - 1n;

/** Truncates to an unsigned 64-bit register value. */
export function u64(value: bigint | number): bigint {
  // Already in range (nearly every argument and result): nothing to truncate.
  if (typeof value === 'bigint') {
    if (value >= 0n && value <= U64_MAX) return value;
  } else if (value >= 0 && Number.isSafeInteger(value)) return BigInt(value);
  return BigInt.asUintN(64, BigInt(value));
}

/** Interprets a 64-bit register as signed (SMCCC returns -1 as 0xFFFF_FFFF_FFFF_FFFF). */
export function s64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

/** Parses a number the way the shells and policies accept it: 0x-hex, 0b-binary or decimal, `_` allowed. */
export function parseNumber(text: string): bigint | undefined {
  const t = text.trim().replace(/_/g, '');
  if (/^0x[0-9a-f]+$/i.test(t) || /^0b[01]+$/i.test(t) || /^[0-9]+$/.test(t)) return BigInt(t);
  if (/^-[0-9]+$/.test(t)) return BigInt(t);
  return undefined;
}

/** Formats a 64-bit value as 0x-hex. */
export function hex64(value: bigint | number): string {
  // In range already (nearly every register and address): no truncation to compute.
  if (typeof value === 'number') {
    if (value >= 0 && Number.isSafeInteger(value)) return hex(value);
  } else if (value >= 0n && value <= U64_MAX) {
    return value <= 0xffff_ffffn ? hex(Number(value)) : '0x' + value.toString(16);
  }
  return '0x' + u64(value).toString(16);
}
