/**
 * The one check that a file a learner picked, dropped or named is text (lab-ux.md §0 item 2:
 * every bad input gets a clear located message and loses nothing): progress files, scenario
 * files and links, policy text and key files are UTF-8 text; a picture or a token picked by
 * mistake must be refused as not text, naming the first byte that is not, instead of being
 * read as text and refused as found "\uFFFD" (what a UTF-8 decoder puts for such bytes).
 * Domain-free: each reader adds what its file should have been.
 */

/** The text a file may hold besides printable characters: tab, line feed, carriage return. */
const TEXT_WHITESPACE = new Set([0x09, 0x0a, 0x0d]);
/** Below this code unit a character is a C0 control character (RFC 20). */
const FIRST_PRINTABLE = 0x20;
/** The character a UTF-8 decoder puts for bytes that are not UTF-8. */
const REPLACEMENT = 0xfffd;
/** The UTF-8 byte order mark a text editor may write first. */
const UTF8_BOM = [0xef, 0xbb, 0xbf];
/** REPLACEMENT itself, as UTF-8: written in a file, it is text. */
const REPLACEMENT_UTF8 = [0xef, 0xbf, 0xbd];

/** A file's bytes as text, or why they are not text. */
export type TextFile =
  { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: string };

/**
 * A file's bytes as text (a leading byte order mark dropped), or why they are not: the first
 * byte that is not UTF-8, or a control character text does not hold, with its offset:
 * `not a text file (byte 0x89 at offset 0 is not UTF-8)`. The caller names the file and says
 * what it should have been. Builds no message unless it refuses; never throws.
 */
export function textOfFile(bytes: Uint8Array): TextFile {
  const text = new TextDecoder().decode(bytes);
  // The UTF-8 byte offset of character `i`, counted as the loop goes (after a byte order
  // mark, which the decoder drops).
  let at = UTF8_BOM.every((b, k) => bytes[k] === b) ? UTF8_BOM.length : 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const control = c < FIRST_PRINTABLE && !TEXT_WHITESPACE.has(c);
    const notUtf8 = c === REPLACEMENT && REPLACEMENT_UTF8.some((b, k) => bytes[at + k] !== b);
    if (control || notUtf8) {
      const byte = `0x${bytes[at]!.toString(16).padStart(2, '0')}`;
      const what = control ? 'binary data' : 'not UTF-8';
      return { ok: false, error: `not a text file (byte ${byte} at offset ${at} is ${what})` };
    }
    at += utf8Length(c);
  }
  return { ok: true, value: text };
}

/** Bytes UTF-8 spends on UTF-16 code unit `c` (a surrogate pair's four on its first half). */
function utf8Length(c: number): number {
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c < 0xdc00) return 4;
  if (c >= 0xdc00 && c < 0xe000) return 0;
  return 3;
}
