/**
 * The scenario link codec `d`: raw DEFLATE (RFC 1951, the same bytes as the platform's
 * `CompressionStream('deflate-raw')`), done synchronously with the `fflate` package so
 * links encode and decode without awaiting.
 *
 * Design rationale: decoding a link must never throw and never tie up the tab. The data is
 * fed to the inflater in small pieces, so a corrupt stream is reported near the byte where
 * it broke and output beyond {@link MAX_INFLATED} stops at once (a "zip bomb" link costs at
 * most one piece's worth of work past the limit).
 */
import { Inflate, deflateSync } from 'fflate';

/** Largest decompressed size the decoder accepts (a link is never near this). */
export const MAX_INFLATED = 8 * 1024 * 1024;

/** Input bytes fed to the inflater at a time. */
const PIECE = 64;

/** Result of {@link inflateRaw}. */
export type InflateResult =
  | { readonly ok: true; readonly bytes: Uint8Array }
  | { readonly ok: false; readonly error: string };

/** Compresses `data` as raw DEFLATE at the best level. */
export function deflateRaw(data: Uint8Array): Uint8Array {
  return deflateSync(data, { level: 9, mem: 8 });
}

/** Thrown inside the output callback to stop at the size limit. */
class TooLarge extends Error {}

/**
 * Decompresses raw DEFLATE. Refuses a corrupt, cut-off or oversized stream with a message
 * naming the byte (of the compressed data) where it went wrong; never throws.
 */
export function inflateRaw(input: Uint8Array): InflateResult {
  if (input.length === 0) return { ok: false, error: 'there is no compressed data' };
  const chunks: Uint8Array[] = [];
  let total = 0;
  let done = false;
  const inflater = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total > MAX_INFLATED) throw new TooLarge();
    chunks.push(chunk);
    if (final) done = true;
  });
  let at = 0;
  let end = 0;
  try {
    do {
      end = Math.min(at + PIECE, input.length);
      inflater.push(input.subarray(at, end), end === input.length);
      at = end;
    } while (at < input.length);
  } catch (error) {
    if (error instanceof TooLarge) {
      return {
        ok: false,
        error: `the compressed data unpacks to more than ${MAX_INFLATED} bytes (stopped at byte ${end} of ${input.length})`,
      };
    }
    const why = error instanceof Error ? error.message : String(error);
    const cut = /EOF/i.test(why);
    return {
      ok: false,
      error: cut
        ? `the compressed data ends early (${input.length} bytes, the stream is not finished); the link was probably cut off`
        : `the compressed data is corrupt in bytes ${at + 1}-${end} of ${input.length} (${why})`,
    };
  }
  if (!done) {
    return {
      ok: false,
      error: `the compressed data ends early (${input.length} bytes, the stream is not finished); the link was probably cut off`,
    };
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return { ok: true, bytes: out };
}
