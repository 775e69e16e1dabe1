/**
 * The JSON-ish surface syntax of policy text (mica-spec.md §2.1): like JSON, but numbers may be
 * `0x…` hex or decimal integers, and duplicate keys are refused. A small tokenizer plus a
 * recursive-descent reader build a value tree in which every node keeps its line and column, so
 * the dialect layer (parse.ts) can locate every error. Never throws: the first syntax error is
 * returned as a value.
 */
import { POLICY_TEXT_MAX } from './abi.ts';
import { textDiagnostic, type TextDiagnostic, type TextLocation } from './diagnostics.ts';
import { hex } from '../lib/hex.ts';

/** Nesting deeper than this is refused (policies nest at most 4 levels, §2.2.1). */
export const MAX_NESTING = 16;

/** A located value of the syntax tree. */
export type SyntaxNode =
  | { readonly kind: 'object'; readonly at: TextLocation; readonly entries: readonly SyntaxEntry[] }
  | { readonly kind: 'array'; readonly at: TextLocation; readonly items: readonly SyntaxNode[] }
  | { readonly kind: 'string'; readonly at: TextLocation; readonly value: string }
  | {
      readonly kind: 'number';
      readonly at: TextLocation;
      readonly value: bigint;
      readonly raw: string;
    }
  | { readonly kind: 'boolean'; readonly at: TextLocation; readonly value: boolean }
  | { readonly kind: 'null'; readonly at: TextLocation };

/** One `"key": value` member of an object. */
export interface SyntaxEntry {
  readonly key: string;
  readonly keyAt: TextLocation;
  readonly value: SyntaxNode;
}

type TokenKind = '{' | '}' | '[' | ']' | ':' | ',' | 'string' | 'number' | 'word' | 'eof';

interface Token {
  readonly kind: TokenKind;
  readonly at: TextLocation;
  /** Source text of the token (decoded value for strings). */
  readonly text: string;
}

/** Describes a token the way error messages quote it. */
/** The hint for a '}' or ']' right after a ',': JSON allows no trailing comma. */
function trailingComma(comma: TextLocation): string {
  return ` after a trailing comma (remove the ',' at ${comma.line}:${comma.column})`;
}

/** The hint for a value or key where a ',' or a closing bracket was expected. */
function missingComma(tok: Token): string {
  return tok.kind === 'string' || tok.kind === 'number' || tok.kind === '{' || tok.kind === '['
    ? ` (a ',' is missing before it)`
    : '';
}

function describe(tok: Token): string {
  switch (tok.kind) {
    case 'eof':
      return 'end of input';
    case 'string':
      return `string ${JSON.stringify(tok.text)}`;
    case 'number':
      return `number ${tok.text}`;
    case 'word':
      return `'${tok.text}'`;
    default:
      return `'${tok.kind}'`;
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
};

class SyntaxFailure {
  constructor(readonly diagnostic: TextDiagnostic) {}
}

/** Tokenizer and reader in one pass; failures travel as a {@link SyntaxFailure} value. */
class Reader {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private peeked: Token | SyntaxFailure | undefined;

  constructor(private readonly src: string) {}

  private here(): TextLocation {
    return { line: this.line, column: this.pos - this.lineStart + 1 };
  }

  private fail(
    at: TextLocation,
    path: string,
    expected: string,
    found: string,
    code: 'syntax' | 'unexpected-token' | 'too-deep' = 'unexpected-token',
  ): SyntaxFailure {
    return new SyntaxFailure(textDiagnostic('error', code, at, path, expected, found));
  }

  private skipSpace(): void {
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '\n') {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (c === ' ' || c === '\t' || c === '\r') {
        this.pos++;
      } else break;
    }
  }

  private lex(path: string): Token | SyntaxFailure {
    this.skipSpace();
    const at = this.here();
    if (this.pos >= this.src.length) return { kind: 'eof', at, text: '' };
    const c = this.src[this.pos]!;
    if ('{}[]:,'.includes(c)) {
      this.pos++;
      return { kind: c as TokenKind, at, text: c };
    }
    if (c === '"') return this.lexString(at, path);
    if (c === '-' || (c >= '0' && c <= '9')) return this.lexNumber(at, path);
    if (/[A-Za-z_]/.test(c)) {
      const word = this.run(this.pos + 1);
      return { kind: 'word', at, text: word };
    }
    const shown = c.charCodeAt(0) < 0x20 ? `control character ${hex(c.charCodeAt(0))}` : `'${c}'`;
    return this.fail(at, path, 'a value, key or punctuation', `character ${shown}`, 'syntax');
  }

  /** Consumes the sticky `re` at the current position (empty string when it does not match). */
  /** Consumes a run of [0-9A-Za-z_] (and '.' for numbers) starting at `from`. */
  private run(from: number, number = false): string {
    let i = from;
    while (i < this.src.length) {
      const c = this.src.charCodeAt(i);
      const word =
        (c >= 0x30 && c <= 0x39) ||
        (c >= 0x41 && c <= 0x5a) ||
        (c >= 0x61 && c <= 0x7a) ||
        c === 0x5f;
      if (!word && !(number && c === 0x2e)) break;
      i++;
    }
    const text = this.src.slice(this.pos, i);
    this.pos = i;
    return text;
  }

  private lexString(at: TextLocation, path: string): Token | SyntaxFailure {
    // Fast path: no escape and no control character before the closing quote.
    const close = this.src.indexOf('"', this.pos + 1);
    if (close > 0) {
      let clean = true;
      for (let k = this.pos + 1; k < close && clean; k++) {
        const c = this.src.charCodeAt(k);
        clean = c >= 0x20 && c !== 0x5c;
      }
      if (clean) {
        const text = this.src.slice(this.pos + 1, close);
        this.pos = close + 1;
        return { kind: 'string', at, text };
      }
    }
    let out = '';
    let i = this.pos + 1;
    while (i < this.src.length) {
      const c = this.src[i]!;
      if (c === '"') {
        this.pos = i + 1;
        return { kind: 'string', at, text: out };
      }
      if (c === '\n' || c.charCodeAt(0) < 0x20) break;
      if (c === '\\') {
        const e = this.src[i + 1];
        const simple = e === undefined ? undefined : ESCAPES[e];
        if (simple !== undefined) {
          out += simple;
          i += 2;
          continue;
        }
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.src.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(this.src.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        const col = { line: this.line, column: i - this.lineStart + 1 };
        return this.fail(
          col,
          path,
          'an escape \\" \\\\ \\/ \\n \\t \\r \\b \\f or \\uXXXX',
          `'\\${e ?? ''}'`,
          'syntax',
        );
      }
      out += c;
      i++;
    }
    return this.fail(
      at,
      path,
      "a closing '\"' on the same line",
      'an unterminated string',
      'syntax',
    );
  }

  private lexNumber(at: TextLocation, path: string): Token | SyntaxFailure {
    const raw = this.run(this.src[this.pos] === '-' ? this.pos + 1 : this.pos, true);
    if (/^0[xX][0-9a-fA-F]+$/.test(raw) || /^-?[0-9]+$/.test(raw)) {
      return { kind: 'number', at, text: raw };
    }
    const why = /^-?[0-9]+[.eE]/.test(raw) ? `'${raw}' (a fraction or exponent)` : `'${raw}'`;
    return this.fail(at, path, 'an integer (decimal, or hex with 0x)', why, 'syntax');
  }

  private next(path: string): Token | SyntaxFailure {
    if (this.peeked !== undefined) {
      const t = this.peeked;
      this.peeked = undefined;
      return t;
    }
    return this.lex(path);
  }

  private peek(path: string): Token | SyntaxFailure {
    if (this.peeked === undefined) this.peeked = this.lex(path);
    return this.peeked;
  }

  /** Reads one value. */
  value(path: string, depth: number): SyntaxNode | SyntaxFailure {
    const tok = this.next(path);
    if (tok instanceof SyntaxFailure) return tok;
    if ((tok.kind === '{' || tok.kind === '[') && depth >= MAX_NESTING) {
      return this.fail(
        tok.at,
        path,
        `nesting at most ${MAX_NESTING} levels deep`,
        'deeper nesting',
        'too-deep',
      );
    }
    switch (tok.kind) {
      case '{':
        return this.object(tok.at, path, depth + 1);
      case '[':
        return this.array(tok.at, path, depth + 1);
      case 'string':
        return { kind: 'string', at: tok.at, value: tok.text };
      case 'number':
        return { kind: 'number', at: tok.at, value: BigInt(tok.text), raw: tok.text };
      case 'word':
        if (tok.text === 'true' || tok.text === 'false') {
          return { kind: 'boolean', at: tok.at, value: tok.text === 'true' };
        }
        if (tok.text === 'null') return { kind: 'null', at: tok.at };
        return this.fail(
          tok.at,
          path,
          'a value (string, number, true, false, { or [)',
          `bare word '${tok.text}' (strings need double quotes)`,
        );
      default:
        return this.fail(
          tok.at,
          path,
          'a value (string, number, true, false, { or [)',
          describe(tok),
        );
    }
  }

  private object(at: TextLocation, path: string, depth: number): SyntaxNode | SyntaxFailure {
    const entries: SyntaxEntry[] = [];
    const seen = new Map<string, SyntaxEntry>();
    const first = this.peek(path);
    if (first instanceof SyntaxFailure) return first;
    if (first.kind === '}') {
      this.next(path);
      return { kind: 'object', at, entries };
    }
    let comma: TextLocation | undefined;
    for (;;) {
      const key = this.next(path);
      if (key instanceof SyntaxFailure) return key;
      if (key.kind !== 'string') {
        const hint =
          key.kind === 'word'
            ? ' (keys need double quotes)'
            : key.kind === '}' && comma
              ? trailingComma(comma)
              : '';
        return this.fail(key.at, path, 'a key in double quotes', describe(key) + hint);
      }
      const childPath = path ? `${path}.${key.text}` : key.text;
      const dup = seen.get(key.text);
      if (dup) {
        return new SyntaxFailure(
          textDiagnostic(
            'error',
            'duplicate-key',
            key.at,
            childPath,
            'each key at most once per object',
            `"${key.text}" again`,
            `first at ${dup.keyAt.line}:${dup.keyAt.column}`,
          ),
        );
      }
      const colon = this.next(childPath);
      if (colon instanceof SyntaxFailure) return colon;
      if (colon.kind !== ':')
        return this.fail(colon.at, childPath, "':' after the key", describe(colon));
      const value = this.value(childPath, depth);
      if (value instanceof SyntaxFailure) return value;
      const entry = { key: key.text, keyAt: key.at, value };
      entries.push(entry);
      seen.set(key.text, entry);
      const sep = this.next(path);
      if (sep instanceof SyntaxFailure) return sep;
      if (sep.kind === '}') return { kind: 'object', at, entries };
      if (sep.kind !== ',')
        return this.fail(sep.at, path, "',' or '}'", describe(sep) + missingComma(sep));
      comma = sep.at;
    }
  }

  private array(at: TextLocation, path: string, depth: number): SyntaxNode | SyntaxFailure {
    const items: SyntaxNode[] = [];
    const first = this.peek(path);
    if (first instanceof SyntaxFailure) return first;
    if (first.kind === ']') {
      this.next(path);
      return { kind: 'array', at, items };
    }
    let comma: TextLocation | undefined;
    for (;;) {
      const itemPath = `${path}[${items.length}]`;
      const ahead = this.peek(itemPath);
      if (ahead instanceof SyntaxFailure) return ahead;
      if (ahead.kind === ']' && comma) {
        return this.fail(ahead.at, itemPath, 'a value', describe(ahead) + trailingComma(comma));
      }
      const item = this.value(itemPath, depth);
      if (item instanceof SyntaxFailure) return item;
      items.push(item);
      const sep = this.next(path);
      if (sep instanceof SyntaxFailure) return sep;
      if (sep.kind === ']') return { kind: 'array', at, items };
      if (sep.kind !== ',')
        return this.fail(sep.at, path, "',' or ']'", describe(sep) + missingComma(sep));
      comma = sep.at;
    }
  }

  /** Reads the whole input: exactly one value, then end of input. */
  document(): SyntaxNode | SyntaxFailure {
    const root = this.value('', 0);
    if (root instanceof SyntaxFailure) return root;
    const rest = this.next('');
    if (rest instanceof SyntaxFailure) return rest;
    if (rest.kind !== 'eof') {
      return new SyntaxFailure(
        textDiagnostic(
          'error',
          'trailing-content',
          rest.at,
          '',
          'end of input after the policy object',
          describe(rest),
        ),
      );
    }
    return root;
  }
}

/** Result of {@link readSyntax}. */
export type SyntaxResult =
  | { readonly ok: true; readonly root: SyntaxNode }
  | { readonly ok: false; readonly error: TextDiagnostic };

/**
 * Reads policy text into a located value tree. Refuses text over the uploader's 1 MiB limit
 * (§3.3), any syntax error, duplicate keys and nesting deeper than {@link MAX_NESTING}.
 */
export function readSyntax(text: string): SyntaxResult {
  if (text.length > POLICY_TEXT_MAX) {
    return {
      ok: false,
      error: textDiagnostic(
        'error',
        'too-large',
        { line: 1, column: 1 },
        '',
        `at most ${POLICY_TEXT_MAX} characters (the uploader's 1 MiB limit)`,
        `${text.length} characters`,
      ),
    };
  }
  const result = new Reader(text).document();
  return result instanceof SyntaxFailure
    ? { ok: false, error: result.diagnostic }
    : { ok: true, root: result };
}

/** Describes a node's kind for "found …" messages. */
export function describeNode(node: SyntaxNode): string {
  switch (node.kind) {
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'string':
      return `string ${JSON.stringify(node.value)}`;
    case 'number':
      return `number ${node.raw}`;
    case 'boolean':
      return String(node.value);
    case 'null':
      return 'null';
  }
}
