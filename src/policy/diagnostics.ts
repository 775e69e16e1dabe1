/**
 * Located diagnostics for the policy front end. Every rejection says where (line/column and key
 * path for text, byte offset and field for binaries), what was expected and what was found
 * (mica-spec.md §2.1-§2.3 for text, §2.2.3/§4.2 for binaries). Outcomes are values: nothing in
 * src/policy throws on bad input.
 */

/** A position in policy text, 1-based. */
export interface TextLocation {
  readonly line: number;
  readonly column: number;
}

/** The classes of text diagnostics; each has a dedicated test in tests/policy. */
export type TextErrorCode =
  | 'too-large'
  | 'syntax'
  | 'unexpected-token'
  | 'too-deep'
  | 'trailing-content'
  | 'duplicate-key'
  | 'unknown-root-key'
  | 'unknown-field'
  | 'wrong-type'
  | 'bad-value'
  | 'out-of-range'
  | 'name-collision'
  | 'missing-self'
  | 'unknown-vm'
  | 'missing-field'
  | 'capacity'
  | 'dialect-mix'
  | 'any-count'
  | 'translation'
  | 'semantics';

/** One located text diagnostic. */
export interface TextDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly code: TextErrorCode;
  readonly line: number;
  readonly column: number;
  /** Key path inside the policy, e.g. `Mem2.mappings.VM3.prot`; empty for the root. */
  readonly path: string;
  readonly expected: string;
  readonly found: string;
  /** Full sentence: `3:14 Mem2.mappings.VM3.prot: expected …, found …[; note]`. */
  readonly message: string;
}

/** One located binary diagnostic. */
export interface BinaryDiagnostic {
  readonly severity: 'error' | 'warning';
  /** Byte offset of the offending field in the input. */
  readonly offset: number;
  /** Field name, e.g. `mems[1].maps[0].prot`. */
  readonly field: string;
  readonly message: string;
}

/** Builds a text diagnostic with the standard message shape. */
export function textDiagnostic(
  severity: 'error' | 'warning',
  code: TextErrorCode,
  at: TextLocation,
  path: string,
  expected: string,
  found: string,
  note?: string,
): TextDiagnostic {
  const where = `${at.line}:${at.column}${path ? ' ' + path : ''}`;
  const tail = note ? `; ${note}` : '';
  return {
    severity,
    code,
    line: at.line,
    column: at.column,
    path,
    expected,
    found,
    message: `${where}: expected ${expected}, found ${found}${tail}`,
  };
}

/**
 * A text diagnostic as a compiler-style line, `file:line:col: error: path: expected …`; the
 * key path is left out for errors at the root (no empty `error::` field).
 */
export function compilerLine(file: string, d: TextDiagnostic): string {
  const where = `${d.line}:${d.column}${d.path ? ' ' + d.path : ''}: `;
  const rest = d.message.startsWith(where) ? d.message.slice(where.length) : d.message;
  return `${file}:${d.line}:${d.column}: ${d.severity}: ${d.path ? `${d.path}: ` : ''}${rest}`;
}

/** Builds a binary diagnostic; the message starts with the offset and field. */
export function binaryDiagnostic(
  severity: 'error' | 'warning',
  offset: number,
  field: string,
  text: string,
): BinaryDiagnostic {
  const at = '0x' + offset.toString(16).padStart(4, '0');
  return { severity, offset, field, message: `byte ${at} (${field}): ${text}` };
}
