/**
 * "Did you mean": the known name nearest a mistyped one (not part of any Arm specification;
 * lab-ux.md §0, every bad input gets a clear message). A shell names its commands and
 * subcommands, so a typo such as `delegat` or `realm shwo` gets the word the user meant.
 *
 * Design rationale: optimal string alignment distance (Levenshtein plus swapping two
 * neighbouring letters, the commonest typing slip), computed only when a word was refused, so
 * nothing runs on the path of a command that parses. A suggestion is offered only when it is
 * close for the word's length (at most one edit for words up to four letters, two beyond) and
 * unambiguous, so a wild guess is never put in the user's mouth.
 */

/** Edits (insert, delete, substitute, swap neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The one name in `names` nearest `word` (case-insensitive) when it is close enough to be
 * what was meant; undefined when none is, or when two are equally near.
 */
export function closestName(word: string, names: readonly string[]): string | undefined {
  const typed = word.toLowerCase();
  const allowed = typed.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = allowed + 1;
  let tie = false;
  for (const name of names) {
    const distance = editDistance(typed, name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
      tie = false;
    } else if (distance === bestDistance && name !== best) {
      tie = true;
    }
  }
  return best !== undefined && !tie ? best : undefined;
}

/** ` (did you mean "x"?)` for a message about `word`, or the empty string. */
export function didYouMean(word: string, names: readonly string[]): string {
  const name = closestName(word, names);
  return name === undefined ? '' : ` (did you mean "${name}"?)`;
}

/**
 * What is wrong with a subcommand word that is none of `choices`: missing, or unknown with the
 * nearest choice suggested, and always the choices (`unknown subcommand "shwo" (did you mean
 * "show"?); expected "create", "destroy", "list" or "show"`).
 */
export function subcommandProblem(sub: string | undefined, choices: readonly string[]): string {
  const expected = `expected ${orList(choices.map((c) => `"${c}"`))}`;
  if (sub === undefined) return `missing subcommand; ${expected}`;
  return `unknown subcommand "${sub}"${didYouMean(sub, choices)}; ${expected}`;
}

/** `a`, `a or b`, `a, b or c`. */
function orList(items: readonly string[]): string {
  return items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
