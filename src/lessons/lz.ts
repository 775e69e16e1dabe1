/**
 * A tiny LZ77 (LZSS-style) byte codec: the `z` codec of version 1 scenario links, which
 * carried machine snapshots. Links are now written with raw DEFLATE (codec `d`,
 * ./deflate.ts); this stays so old links keep opening (tests/fixtures/links), and nothing new
 * should be written with it.
 *
 * Format (all ours, versioned by the link's codec letter):
 *   varint  uncompressed length (LEB128, at most MAX_OUTPUT)
 *   then groups of: one flag byte (bit i, LSB first, says whether item i is a match) and up
 *   to eight items. A literal is one byte. A match is two bytes, `b0 = (offset-1) & 0xff`,
 *   `b1 = ((offset-1) >> 8) << 4 | (length-3)` (offset 1..4096, length 3..17); the nibble
 *   value 15 means "length 18 + the next byte" (18..273).
 * The decoder checks every offset and length against what it has produced and stops at the
 * declared length; it never throws and never allocates more than MAX_OUTPUT bytes.
 */

/** Largest decompressed size the decoder accepts (a link is never near this). */
export const MAX_OUTPUT = 8 * 1024 * 1024;

const WINDOW = 4096;
const MIN_MATCH = 3;
/** Longest match with the short (nibble) length form. */
const SHORT_MAX = MIN_MATCH + 14;
const LONG_BASE = SHORT_MAX + 1;
const MAX_MATCH = LONG_BASE + 255;
/** Candidates examined per position: compression ratio versus speed. */
const CHAIN_LIMIT = 48;
const HASH_BITS = 15;

function hash3(data: Uint8Array, i: number): number {
  const v = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
  return (Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS)) & ((1 << HASH_BITS) - 1);
}

/** Compresses `data`. */
export function lzCompress(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let n = data.length;
  do {
    out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);

  const head = new Int32Array(1 << HASH_BITS).fill(-1);
  const prev = new Int32Array(data.length).fill(-1);
  const insert = (i: number) => {
    if (i + MIN_MATCH > data.length) return;
    const h = hash3(data, i);
    prev[i] = head[h]!;
    head[h] = i;
  };

  let flagAt = -1;
  let item = 8;
  const startItem = (isMatch: boolean) => {
    if (item === 8) {
      flagAt = out.length;
      out.push(0);
      item = 0;
    }
    if (isMatch) out[flagAt] = out[flagAt]! | (1 << item);
    item++;
  };

  let i = 0;
  while (i < data.length) {
    let bestLen = 0;
    let bestOff = 0;
    if (i + MIN_MATCH <= data.length) {
      let candidate = head[hash3(data, i)]!;
      const limit = Math.min(MAX_MATCH, data.length - i);
      for (
        let tries = 0;
        candidate >= 0 && i - candidate <= WINDOW && tries < CHAIN_LIMIT;
        tries++
      ) {
        let len = 0;
        while (len < limit && data[candidate + len] === data[i + len]) len++;
        if (len > bestLen) {
          bestLen = len;
          bestOff = i - candidate;
          if (len === limit) break;
        }
        candidate = prev[candidate]!;
      }
    }
    if (bestLen >= MIN_MATCH) {
      startItem(true);
      const o = bestOff - 1;
      const nibble = bestLen >= LONG_BASE ? 15 : bestLen - MIN_MATCH;
      out.push(o & 0xff, ((o >> 8) << 4) | nibble);
      if (nibble === 15) out.push(bestLen - LONG_BASE);
      for (let k = 0; k < bestLen; k++) insert(i + k);
      i += bestLen;
    } else {
      startItem(false);
      out.push(data[i]!);
      insert(i);
      i++;
    }
  }
  return Uint8Array.from(out);
}

/** Result of {@link lzDecompress}. */
export type LzResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly error: string };

/** Decompresses; refuses corrupt or oversized input with the byte position of the problem. */
export function lzDecompress(input: Uint8Array): LzResult {
  const fail = (at: number, why: string): LzResult => ({
    ok: false,
    error: `compressed data is corrupt at byte ${at}: ${why}`,
  });
  let size = 0;
  let pos = 0;
  for (let shift = 1; ; shift *= 128) {
    const b = input[pos];
    if (b === undefined) return fail(pos, 'the length header is cut off');
    size += (b & 0x7f) * shift;
    pos++;
    if ((b & 0x80) === 0) break;
    if (pos >= 4) return fail(pos, 'the length header is too long');
  }
  if (size > MAX_OUTPUT) return fail(0, `it claims ${size} bytes; at most ${MAX_OUTPUT}`);
  const out = new Uint8Array(size);
  let o = 0;
  while (o < size) {
    const flags = input[pos];
    if (flags === undefined) return fail(pos, `input ends after ${o} of ${size} bytes`);
    pos++;
    for (let item = 0; item < 8 && o < size; item++) {
      if ((flags & (1 << item)) === 0) {
        const b = input[pos];
        if (b === undefined) return fail(pos, `input ends after ${o} of ${size} bytes`);
        out[o++] = b;
        pos++;
        continue;
      }
      const b0 = input[pos];
      const b1 = input[pos + 1];
      if (b0 === undefined || b1 === undefined) return fail(pos, 'a match is cut off');
      const offset = (b0 | ((b1 >> 4) << 8)) + 1;
      let length = (b1 & 15) + MIN_MATCH;
      const at = pos;
      pos += 2;
      if ((b1 & 15) === 15) {
        const extra = input[pos];
        if (extra === undefined) return fail(pos, 'a match length is cut off');
        length = LONG_BASE + extra;
        pos++;
      }
      if (offset > o)
        return fail(
          at,
          `a match reaches back ${offset} byte${offset === 1 ? '' : 's'}, before the start`,
        );
      if (o + length > size) return fail(at, 'a match runs past the declared length');
      for (let k = 0; k < length; k++, o++) out[o] = out[o - offset]!;
    }
  }
  if (pos !== input.length) return fail(pos, `${input.length - pos} unexpected trailing bytes`);
  return { ok: true, bytes: out };
}
