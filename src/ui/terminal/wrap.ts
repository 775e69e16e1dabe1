/**
 * Word wrap for terminal output (lab-ux.md §4.3: the terminals must read at the back of a room,
 * where projector mode trades columns for type size). xterm.js wraps a long line at the last
 * cell, in the middle of a word ("enter the r / ealm"); the line editor wraps each output line
 * to the terminal's width first, as a program formats its output for the terminal it runs in.
 *
 * Rules: a line that fits is left alone. A longer one breaks at the last space that leaves at
 * most `columns` characters, and the run of spaces it breaks in is dropped (so a help line's
 * padding between a command and its description becomes the break). Continuation lines keep
 * the line's own indent plus {@link HANGING_INDENT}, so a wrapped description reads as part of
 * its entry; an entry whose command is itself longer than the row wraps the command first and
 * starts the description on a row of its own. A hex string longer than the room left (a RIM,
 * a REM, a key) is cut in equal rows of a power of two digits (32 for a 40-column room), so a
 * digest reads in whole groups, row under row; cut at the width it read `…0000000000` over a
 * stray `00000000000`. Another word longer than the room (a path) is cut at the width, as the
 * terminal would have cut it. A hexdump row that does not fit becomes two rows of eight
 * bytes, each with its address and characters.
 */

/** Extra indent of a wrapped line's continuation rows. */
export const HANGING_INDENT = 2;

/** `text` (lines separated by `\n`) wrapped to `columns`; unchanged when `columns` is unknown. */
export function wrapText(text: string, columns: number | undefined): string {
  if (columns === undefined || columns < 2) return text;
  return text
    .split('\n')
    .map((line) => wrapLine(line, columns))
    .join('\n');
}

function wrapLine(line: string, columns: number): string {
  const dump = halfDumpRows(line, columns);
  if (dump !== undefined) return dump;
  if (line.length <= columns) return line;
  const indent = line.length - line.trimStart().length;
  // The continuation indent leaves at least half the row for text.
  const pad = ' '.repeat(Math.min(indent + HANGING_INDENT, Math.floor(columns / 2)));
  // A help entry (command, a run of spaces, description) that does not fit: the command on
  // rows of its own, the description under it, so a command longer than the row does not
  // run on into its description.
  const entry = COLUMN_GAP.exec(line.slice(indent));
  if (entry) {
    const head = line.slice(0, indent + entry.index + 1);
    const description = line.slice(indent + entry.index + entry[0].length - 1);
    return `${rowsOf(head, '', pad, indent, columns)}\n${rowsOf(description, pad, pad, 0, columns)}`;
  }
  return rowsOf(line, '', pad, indent, columns);
}

/** A hexdump row (lib/bytes.ts `hexdump`): address, up to 16 bytes in hex, their characters. */
const DUMP_ROW = /^(\s*)0x([0-9a-f]+) {2}((?:[0-9a-f]{2} ){0,15}[0-9a-f]{2}) * {2}\|(.*)\|$/;
/** Bytes in a hexdump row, and the width of their hex (`xx ` each, the last without its space). */
const FULL_ROW_BYTES = 16;
const FULL_ROW_HEX = FULL_ROW_BYTES * 3 - 1;
/** Bytes in each half of a hexdump row. */
const HALF_ROW_BYTES = FULL_ROW_BYTES / 2;

/**
 * A hexdump row, when a whole one is too wide for the terminal, as two rows of eight bytes
 * (one, for a short last row, padded as they are), each with its address and characters, when
 * those fit: a word wrap broke it into an address, the hex and a stray `|frame` on three
 * rows. Undefined when `line` is no such row, or a whole row fits.
 */
function halfDumpRows(line: string, columns: number): string | undefined {
  const m = DUMP_ROW.exec(line);
  if (!m) return undefined;
  const [, indent = '', addr = '', hex = '', chars = ''] = m;
  const bytes = hex.split(' ');
  if (chars.length !== bytes.length) return undefined;
  // Whether a whole row (sixteen bytes) fits, so that a dump's rows, its short last one
  // included, are laid out alike.
  // `<indent>0x<addr>  <hex>  |<chars>|`
  const whole = indent.length + 2 + addr.length + 2 + FULL_ROW_HEX + 3 + FULL_ROW_BYTES + 1;
  if (whole <= columns) return undefined;
  const at = BigInt(`0x${addr}`);
  const row = (k: number) => {
    const part = bytes.slice(k, k + HALF_ROW_BYTES);
    const address = (at + BigInt(k)).toString(16).padStart(addr.length, '0');
    const text = part.join(' ').padEnd(HALF_ROW_BYTES * 3 - 1);
    return `${indent}0x${address}  ${text}  |${chars.slice(k, k + part.length)}|`;
  };
  // A short last row keeps the eight-byte rows' columns above it.
  const rows = bytes.length > HALF_ROW_BYTES ? [row(0), row(HALF_ROW_BYTES)] : [row(0)];
  return rows.every((r) => r.length <= columns) ? rows.join('\n') : undefined;
}

/** A word, then two or more spaces, then a word: the gap between a command and its description. */
const COLUMN_GAP = /\S {2,}\S/;

/**
 * `text` in rows of at most `columns`, the first prefixed by `first`, the others by `rest`;
 * a break never falls inside the first `indent` characters of `text`.
 */
function rowsOf(
  text: string,
  first: string,
  next: string,
  indent: number,
  columns: number,
): string {
  const rows: string[] = [];
  let rest = text;
  let prefix = first;
  while (prefix.length + rest.length > columns) {
    const room = columns - prefix.length;
    // The last space that leaves the row at most `room` characters (a space at `room` itself
    // ends the row exactly); never one inside the line's own indent.
    let cut = rest.lastIndexOf(' ', room);
    while (cut > 0 && rest[cut - 1] === ' ') cut--;
    if (cut <= (rows.length === 0 ? indent : 0)) {
      const take = hexRowLength(rest, room) ?? room;
      rows.push(prefix + rest.slice(0, take));
      rest = rest.slice(take);
    } else {
      rows.push(prefix + rest.slice(0, cut));
      rest = rest.slice(cut).trimStart();
    }
    prefix = next;
    if (rest.length === 0) return rows.join('\n');
  }
  rows.push(prefix + rest);
  return rows.join('\n');
}

/** Fewest hex digits in a row of a hex string cut in groups: narrower rooms cut at the width. */
const HEX_ROW_MIN = 8;
/** A hex string (`0x` optional) at the start of a word: at least two rows' worth of digits. */
const HEX_WORD = /^(0x)?[0-9a-fA-F]{16,}(?=\s|$)/;

/**
 * How much of `text` goes on a row of `room` characters when it starts with a hex string
 * too long for the row: its `0x` and the largest power of two digits that fits, so the rows
 * of a digest are equal and whole groups; undefined when `text` starts with no hex string,
 * or the room holds fewer than {@link HEX_ROW_MIN} digits.
 */
function hexRowLength(text: string, room: number): number | undefined {
  const m = HEX_WORD.exec(text);
  if (!m) return undefined;
  const lead = m[1]?.length ?? 0;
  let digits = HEX_ROW_MIN;
  if (lead + digits > room) return undefined;
  while (lead + digits * 2 <= room) digits *= 2;
  return lead + digits;
}
