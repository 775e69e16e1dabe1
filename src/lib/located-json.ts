/**
 * A JSON reader that remembers where every value sits (RFC 8259 grammar; not part of any Arm
 * specification), so a loader of user-edited files (the workflow scenario files) can say
 * `file.json:12:7: realms[1].program: ...` instead of "bad JSON".
 *
 * Design rationale: `JSON.parse` gives values without positions and throws engine-specific
 * messages. This reader is a small recursive-descent parser over the text that never throws:
 * it returns the value plus a table from JSON path (`realms[1].program`) to the line and column
 * where that value starts, or the first syntax error with its own line and column. Nesting
 * depth is bounded so hostile input cannot exhaust the stack.
 */

/** A 1-based position in the text. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
}

/** The result of {@link parseLocatedJson}. */
export type LocatedJson =
  | {
      readonly ok: true;
      readonly value: unknown;
      /** Where each value starts, by its path (`` for the root, `a.b[2]`, `["odd key"]`). */
      readonly at: ReadonlyMap<string, TextPosition>;
    }
  | { readonly ok: false; readonly message: string; readonly position: TextPosition };

/** Deepest nesting the reader accepts. */
export const LOCATED_JSON_MAX_DEPTH = 64;

/** The path of key `key` under `path`, as {@link LocatedJson} `at` and loaders name it. */
export function jsonKeyPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** The path of element `index` under `path`. */
export function jsonIndexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

class SyntaxFailure {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/** Line and column (1-based) of `offset` in `text`. */
export function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let start = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: end - start + 1 };
}

/**
 * Where and why `text` is not JSON, for a message about a file a person edits: `line 4,
 * column 3: expected ...`. `engineError` is what `JSON.parse` threw (an offset at most); it is
 * given only if this reader accepts the text.
 */
export function jsonSyntaxProblem(text: string, engineError: unknown): string {
  const located = parseLocatedJson(text);
  if (located.ok) return engineError instanceof Error ? engineError.message : String(engineError);
  return `line ${located.position.line}, column ${located.position.column}: ${located.message}`;
}

/** Parses `text`; never throws. */
export function parseLocatedJson(text: string): LocatedJson {
  const offsets = new Map<string, number>();
  let i = 0;

  const fail = (message: string, at = i): never => {
    throw new SyntaxFailure(message, at);
  };
  const space = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else return;
    }
  };
  const found = () => (i >= text.length ? 'the end of the text' : `${JSON.stringify(text[i])}`);

  function string(): string {
    const start = i;
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const e = text[i + 1];
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
          continue;
        }
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        fail('bad escape in string');
      }
      if (c.charCodeAt(0) < 0x20) fail('control character in string (escape it)');
      out += c;
      i++;
    }
  }

  function number(): number {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail(`expected a value, found ${found()}`);
    i += m![0].length;
    return Number(m![0]);
  }

  function value(path: string, depth: number): unknown {
    space();
    if (depth > LOCATED_JSON_MAX_DEPTH) fail(`nested deeper than ${LOCATED_JSON_MAX_DEPTH}`);
    offsets.set(path, i);
    const c = text[i];
    if (c === '{') {
      i++;
      const out: Record<string, unknown> = {};
      space();
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail(`expected a key in quotes, found ${found()}`);
        const keyAt = i;
        const key = string();
        if (Object.hasOwn(out, key)) fail(`duplicate key "${key}"`, keyAt);
        space();
        if (text[i] !== ':') fail(`expected ":" after "${key}", found ${found()}`);
        i++;
        const v = value(jsonKeyPath(path, key), depth + 1);
        Object.defineProperty(out, key, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return out;
        }
        fail(`expected "," or "}", found ${found()}`);
      }
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value(jsonIndexPath(path, out.length), depth + 1));
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return out;
        }
        fail(`expected "," or "]", found ${found()}`);
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return number();
  }

  try {
    const v = value('', 0);
    space();
    if (i < text.length) fail(`unexpected ${found()} after the value`);
    const at = new Map<string, TextPosition>();
    // Positions are computed in one pass over the text, in offset order.
    const sorted = [...offsets].sort((a, b) => a[1] - b[1]);
    let line = 1;
    let lineStart = 0;
    let k = 0;
    for (const [p, off] of sorted) {
      for (; k < off; k++) {
        if (text.charCodeAt(k) === 10) {
          line++;
          lineStart = k + 1;
        }
      }
      at.set(p, { line, column: off - lineStart + 1 });
    }
    return { ok: true, value: v, at };
  } catch (error) {
    if (error instanceof SyntaxFailure) {
      return { ok: false, message: error.message, position: positionOf(text, error.offset) };
    }
    throw error;
  }
}
