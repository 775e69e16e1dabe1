/**
 * Splits a command line into words: whitespace separates, single or double quotes group
 * (a quoted word keeps its spaces), backslash escapes the next character inside double
 * quotes. Returns an error with the column of an unterminated quote instead of guessing.
 */

/** Tokenizer result. */
export type Tokens =
  { ok: true; words: string[]; quoted: boolean[] } | { ok: false; error: string };

/** Tokenizes one command line. */
export function tokenize(line: string): Tokens {
  const words: string[] = [];
  const quoted: boolean[] = [];
  let wasQuoted = false;
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  let quoteAt = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      quoteAt = i + 1;
      inWord = true;
      wasQuoted = true;
    } else if (/\s/.test(ch)) {
      if (inWord) {
        words.push(word);
        quoted.push(wasQuoted);
      }
      word = '';
      inWord = false;
      wasQuoted = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) return { ok: false, error: `unterminated ${quote} quote opened at column ${quoteAt}` };
  if (inWord) {
    words.push(word);
    quoted.push(wasQuoted);
  }
  return { ok: true, words, quoted };
}

/**
 * Splits a script (`cmd; cmd`) into command lines, respecting quotes, so `write 0x0 "a;b"`
 * stays one command.
 */
export function splitCommands(script: string): string[] {
  const lines: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of script) {
    if (quote) {
      if (ch === quote) quote = undefined;
      current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === ';' || ch === '\n') {
      lines.push(current);
      current = '';
    } else current += ch;
  }
  lines.push(current);
  return lines.map((l) => l.trim()).filter((l) => l.length > 0);
}
