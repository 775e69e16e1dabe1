/**
 * The uploaded policy binary: `POLY` v1 (dialect C, mica-spec.md §2.2.3) written by the kernel
 * uploader into one zeroed 4 KiB page and parsed again by the RMM, and the legacy `PAYL` v1
 * (dialect P, §2.3), which the current RMM refuses by magic and which this module can still
 * decode and translate (§2.4) for teaching.
 *
 * `binary/poly.ts` holds POLY (encode, size, decode), `binary/payl.ts` the legacy PAYL decoder,
 * `binary/common.ts` the header, cursor and result types both share.
 *
 * Design rationale: the decoder mirrors the RMM parser's rejection list (§2.2.3) in the RMM's
 * order and stops at the first rejection, because every later offset depends on the counts
 * already read. Each rejection names the byte offset and field. Where the RMM only warns (caps:
 * it keeps the first 8 and skips the rest; CF type/policy 0 coerced to OTHER) the decoder does
 * the same and returns a located warning. Nothing here throws on any input.
 */
import { PAYL_MAGIC } from './abi.ts';
import { LeView, type DecodeResult } from './binary/common.ts';
import { decodePayl } from './binary/payl.ts';
import { decodePoly } from './binary/poly.ts';

export {
  LeView,
  toPolicyPage,
  type DecodeResult,
  type EncodeError,
  type EncodeResult,
} from './binary/common.ts';
export { checkEncodable, decodePoly, encodePoly, polySize } from './binary/poly.ts';
export { decodePayl } from './binary/payl.ts';

/** Decodes either magic: `POLY` as the RMM does, `PAYL` through the §2.4 translation. */
export function decodePolicyBinary(bytes: Uint8Array): DecodeResult {
  if (bytes.length >= 4 && new LeView(bytes).u32(0) === PAYL_MAGIC) return decodePayl(bytes);
  return decodePoly(bytes);
}
