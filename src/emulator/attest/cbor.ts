/**
 * CBOR (RFC 8949) for the attestation token: a configured cbor-x encoder/decoder and a small
 * item walker of our own that never throws and records every item's byte range.
 * cca-spec.md §6 (token format); lab-ux.md §4.5 (cbor-x options); toolchain.md trap 6.
 *
 * Design rationale: cbor-x is fast and well tested, so it encodes what the lab builds. But a
 * verifier must check signatures over the ORIGINAL bytes and the inspector must link each hex
 * byte to a claim, so decoding for verification goes through `walkCbor`, which keeps the
 * [start, end) range of every item and reports the byte offset of the first malformed item
 * instead of throwing. Ranges are absolute offsets in the buffer passed in, including when a
 * byte string's content is walked in place (a COSE payload inside a bstr inside the token).
 */
import { Decoder, Encoder, Tag, type Options } from 'cbor-x';

/**
 * cbor-x options, widened: the published typings lack `useTag259ForMaps` (toolchain.md trap 6).
 * `tagUint8Array: false` matters in Node, where cbor-x otherwise wraps a plain Uint8Array
 * (not a Buffer) in typed-array tag 64 and signatures would cover different bytes than in a
 * browser.
 */
type CborXOptions = Options & { useTag259ForMaps?: boolean };

/** Encoder options: plain maps, minimal length headers, byte strings as major type 2. */
export const CBOR_ENCODER_OPTIONS: CborXOptions = {
  useRecords: false,
  variableMapSize: true,
  useTag259ForMaps: false,
  mapsAsObjects: false,
  tagUint8Array: false,
};

/** Decoder options: maps decode to `Map` so integer claim keys stay integers. */
export const CBOR_DECODER_OPTIONS: CborXOptions = {
  useRecords: false,
  mapsAsObjects: false,
  variableMapSize: true,
  useTag259ForMaps: false,
};

const encoder = new Encoder(CBOR_ENCODER_OPTIONS);
const decoder = new Decoder(CBOR_DECODER_OPTIONS);

/**
 * Encodes a value with the lab's cbor-x options. Maps are written in insertion order (cbor-x
 * does not sort), so callers build `Map`s in the order they want on the wire. Returns a fresh
 * copy: cbor-x hands back a view on its reusable output buffer.
 */
export function encodeCbor(value: unknown): Uint8Array {
  return Uint8Array.from(encoder.encode(value));
}

/** A tagged item for `encodeCbor`, e.g. `taggedValue(18, [...])` for COSE_Sign1_Tagged. */
export function taggedValue(tag: number, value: unknown): unknown {
  return new Tag(value, tag);
}

/** A decoding outcome: a value, or an error with the byte offset where it was found. */
export type CborDecodeResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: string; readonly offset: number };

/**
 * Decodes one CBOR data item into JS values (maps become `Map`, unknown tags cbor-x `Tag`
 * objects) without throwing. Well-formedness is checked first by `walkCbor`, which gives the
 * offset of the problem; cbor-x's own message is used if it still refuses the input.
 */
export function decodeCbor(bytes: Uint8Array): CborDecodeResult {
  const walked = walkCbor(bytes);
  if (!walked.ok) return walked;
  try {
    return { ok: true, value: decoder.decode(bytes) };
  } catch (err) {
    return { ok: false, error: `cbor-x: ${String(err)}`, offset: 0 };
  }
}

// ---------------------------------------------------------------------------------------------
// The walker.

/** A half-open byte range [start, end) in the buffer that was walked. */
export type ByteRange = readonly [start: number, end: number];

interface ItemBase {
  /** Offset of the item's first byte. */
  readonly start: number;
  /** Offset one past the item's last byte. */
  readonly end: number;
  /** Offset one past the initial byte and its argument (where the content begins). */
  readonly headerEnd: number;
}

/** One map entry with both items. */
export interface CborEntry {
  readonly key: CborItem;
  readonly value: CborItem;
}

/** A decoded CBOR item with its byte range. Integers beyond 2^53 are bigint. */
export type CborItem =
  | (ItemBase & { readonly kind: 'uint' | 'nint'; readonly value: number | bigint })
  | (ItemBase & {
      readonly kind: 'bstr';
      /** Content bytes (a copy). */
      readonly value: Uint8Array;
      /** False for an indefinite-length (chunked) string, whose content is not contiguous. */
      readonly definite: boolean;
    })
  | (ItemBase & { readonly kind: 'tstr'; readonly value: string })
  | (ItemBase & { readonly kind: 'array'; readonly items: readonly CborItem[] })
  | (ItemBase & { readonly kind: 'map'; readonly entries: readonly CborEntry[] })
  | (ItemBase & { readonly kind: 'tag'; readonly tag: number | bigint; readonly content: CborItem })
  | (ItemBase & { readonly kind: 'simple'; readonly value: boolean | null | undefined | number })
  | (ItemBase & { readonly kind: 'float'; readonly value: number });

/** The walker's outcome. */
export type WalkResult =
  | { readonly ok: true; readonly item: CborItem }
  | { readonly ok: false; readonly error: string; readonly offset: number };

/** Nesting limit: tokens nest about 6 deep; a bound keeps hostile input off the JS stack. */
const MAX_DEPTH = 64;

class WalkError {
  constructor(
    readonly error: string,
    readonly offset: number,
  ) {}
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Walks exactly one CBOR item filling bytes[start, end). Never throws: malformed input,
 * truncation, or trailing bytes give `{ ok: false, error, offset }` with the absolute offset
 * of the offending byte.
 */
export function walkCbor(bytes: Uint8Array, start = 0, end = bytes.length): WalkResult {
  if (start < 0 || end > bytes.length || start > end) {
    return { ok: false, error: `range [${start}, ${end}) is outside the buffer`, offset: start };
  }
  if (start === end) return { ok: false, error: 'no CBOR data (empty input)', offset: start };
  try {
    const item = readItem(bytes, start, end, 0);
    if (item.end !== end) {
      return {
        ok: false,
        error: `${end - item.end} unexpected byte(s) after the CBOR item`,
        offset: item.end,
      };
    }
    return { ok: true, item };
  } catch (err) {
    if (err instanceof WalkError) return { ok: false, error: err.error, offset: err.offset };
    // Only a RangeError from a pathological allocation can get here; still not an exception.
    return { ok: false, error: `cannot walk the CBOR: ${String(err)}`, offset: start };
  }
}

interface Head {
  readonly major: number;
  readonly info: number;
  /** Argument; undefined for indefinite length (info 31). */
  readonly arg: number | bigint | undefined;
  readonly headerEnd: number;
}

function readHead(bytes: Uint8Array, at: number, end: number): Head {
  if (at >= end) throw new WalkError('truncated: expected a CBOR item', at);
  const first = bytes[at]!;
  const major = first >> 5;
  const info = first & 0x1f;
  if (info < 24) return { major, info, arg: info, headerEnd: at + 1 };
  if (info === 31) return { major, info, arg: undefined, headerEnd: at + 1 };
  if (info > 27) throw new WalkError(`reserved additional information ${info}`, at);
  const size = 1 << (info - 24);
  if (at + 1 + size > end) {
    throw new WalkError(`truncated: the argument needs ${size} more byte(s)`, at);
  }
  let arg: number | bigint = 0;
  if (size < 8) {
    for (let i = 1; i <= size; i++) arg = (arg as number) * 256 + bytes[at + i]!;
  } else {
    let big = 0n;
    for (let i = 1; i <= 8; i++) big = (big << 8n) | BigInt(bytes[at + i]!);
    arg = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  return { major, info, arg, headerEnd: at + 1 + size };
}

/** A length that must fit in the bytes left; a hostile length fails before any allocation. */
function lengthOf(head: Head, at: number, end: number, perItem: number, what: string): number {
  const arg = head.arg;
  const left = end - head.headerEnd;
  if (typeof arg === 'bigint' || arg === undefined || arg * perItem > left) {
    throw new WalkError(
      `${what} length ${String(arg)} does not fit in the ${left} byte(s) left`,
      at,
    );
  }
  return arg;
}

function readItem(bytes: Uint8Array, at: number, end: number, depth: number): CborItem {
  if (depth > MAX_DEPTH) throw new WalkError(`nesting deeper than ${MAX_DEPTH}`, at);
  const head = readHead(bytes, at, end);
  const { major, headerEnd } = head;
  const indefinite = head.arg === undefined;
  switch (major) {
    case 0:
    case 1: {
      if (indefinite) throw new WalkError('an integer cannot have indefinite length', at);
      const arg = head.arg!;
      const value =
        major === 0
          ? arg
          : typeof arg === 'bigint' || arg >= Number.MAX_SAFE_INTEGER
            ? -1n - BigInt(arg)
            : -1 - arg;
      return { kind: major === 0 ? 'uint' : 'nint', value, start: at, end: headerEnd, headerEnd };
    }
    case 2:
    case 3: {
      const what = major === 2 ? 'byte string' : 'text string';
      let content: Uint8Array;
      let itemEnd: number;
      if (!indefinite) {
        const len = lengthOf(head, at, end, 1, what);
        content = bytes.slice(headerEnd, headerEnd + len);
        itemEnd = headerEnd + len;
      } else {
        const chunks: Uint8Array[] = [];
        let p = headerEnd;
        for (;;) {
          if (p >= end) throw new WalkError(`truncated: indefinite ${what} has no break`, p);
          if (bytes[p] === 0xff) break;
          const chunk = readHead(bytes, p, end);
          if (chunk.major !== major || chunk.arg === undefined) {
            throw new WalkError(`a chunk of an indefinite ${what} must be a definite ${what}`, p);
          }
          const len = lengthOf(chunk, p, end, 1, what);
          chunks.push(bytes.slice(chunk.headerEnd, chunk.headerEnd + len));
          p = chunk.headerEnd + len;
        }
        content = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
        let o = 0;
        for (const c of chunks) {
          content.set(c, o);
          o += c.length;
        }
        itemEnd = p + 1;
      }
      if (major === 2) {
        return {
          kind: 'bstr',
          value: content,
          definite: !indefinite,
          start: at,
          end: itemEnd,
          headerEnd,
        };
      }
      let text: string;
      try {
        text = utf8.decode(content);
      } catch {
        throw new WalkError('text string is not valid UTF-8', at);
      }
      return { kind: 'tstr', value: text, start: at, end: itemEnd, headerEnd };
    }
    case 4: {
      const items: CborItem[] = [];
      let p = headerEnd;
      if (!indefinite) {
        const count = lengthOf(head, at, end, 1, 'array');
        for (let i = 0; i < count; i++) {
          const item = readItem(bytes, p, end, depth + 1);
          items.push(item);
          p = item.end;
        }
      } else {
        for (;;) {
          if (p >= end) throw new WalkError('truncated: indefinite array has no break', p);
          if (bytes[p] === 0xff) break;
          const item = readItem(bytes, p, end, depth + 1);
          items.push(item);
          p = item.end;
        }
        p += 1;
      }
      return { kind: 'array', items, start: at, end: p, headerEnd };
    }
    case 5: {
      const entries: CborEntry[] = [];
      let p = headerEnd;
      const count = indefinite ? Infinity : lengthOf(head, at, end, 2, 'map');
      for (let i = 0; i < count; i++) {
        if (indefinite) {
          if (p >= end) throw new WalkError('truncated: indefinite map has no break', p);
          if (bytes[p] === 0xff) {
            p += 1;
            break;
          }
        }
        const key = readItem(bytes, p, end, depth + 1);
        const value = readItem(bytes, key.end, end, depth + 1);
        entries.push({ key, value });
        p = value.end;
      }
      return { kind: 'map', entries, start: at, end: p, headerEnd };
    }
    case 6: {
      if (indefinite) throw new WalkError('a tag cannot have indefinite length', at);
      const content = readItem(bytes, headerEnd, end, depth + 1);
      return { kind: 'tag', tag: head.arg!, content, start: at, end: content.end, headerEnd };
    }
    default: {
      // Major type 7: simple values and floats.
      const info = head.info;
      if (info === 31)
        throw new WalkError('unexpected break (0xFF) outside an indefinite item', at);
      if (info === 25 || info === 26 || info === 27) {
        const view = new DataView(bytes.buffer, bytes.byteOffset + at + 1, headerEnd - at - 1);
        const value =
          info === 25
            ? halfToNumber(view.getUint16(0))
            : info === 26
              ? view.getFloat32(0)
              : view.getFloat64(0);
        return { kind: 'float', value, start: at, end: headerEnd, headerEnd };
      }
      const n = head.arg as number;
      if (info === 24 && n < 32)
        throw new WalkError(`simple value ${n} must use the short form`, at);
      const value = n === 20 ? false : n === 21 ? true : n === 22 ? null : n === 23 ? undefined : n;
      return { kind: 'simple', value, start: at, end: headerEnd, headerEnd };
    }
  }
}

function halfToNumber(half: number): number {
  const exp = (half >> 10) & 0x1f;
  const mant = half & 0x3ff;
  const sign = half & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (mant + 1024) * 2 ** (exp - 25);
}

// ---------------------------------------------------------------------------------------------
// Small accessors for walked items.

/** The integer value of a uint/nint item as a number, or undefined (also for bigint). */
export function intOf(item: CborItem | undefined): number | undefined {
  if (item && (item.kind === 'uint' || item.kind === 'nint') && typeof item.value === 'number') {
    return item.value;
  }
  return undefined;
}

/** Finds the entries of a map item whose key is the integer `key` (normally zero or one). */
export function mapEntries(map: CborItem, key: number): CborEntry[] {
  if (map.kind !== 'map') return [];
  return map.entries.filter((e) => intOf(e.key) === key);
}

/** The single entry of `map` with integer key `key`, or undefined if absent or duplicated. */
export function mapEntry(map: CborItem, key: number): CborEntry | undefined {
  const found = mapEntries(map, key);
  return found.length === 1 ? found[0] : undefined;
}

/** A one-line description of an item's type, for explanations ("byte string of 33 bytes"). */
export function describeItem(item: CborItem): string {
  switch (item.kind) {
    case 'uint':
    case 'nint':
      return `integer ${String(item.value)}`;
    case 'bstr':
      return `byte string of ${item.value.length} bytes`;
    case 'tstr':
      return `text "${item.value.length > 48 ? item.value.slice(0, 45) + '...' : item.value}"`;
    case 'array':
      return `array of ${item.items.length}`;
    case 'map':
      return `map of ${item.entries.length} ${item.entries.length === 1 ? 'entry' : 'entries'}`;
    case 'tag':
      return `tag ${String(item.tag)}`;
    case 'float':
      return `float ${item.value}`;
    case 'simple':
      return `simple value ${String(item.value)}`;
  }
}
