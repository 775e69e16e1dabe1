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
 * starts the description on a row of its own. A word longer than the room left (a hex string,
 * a path) is cut at the width, as the terminal would have cut it.
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
      rows.push(prefix + rest.slice(0, room));
      rest = rest.slice(room);
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
