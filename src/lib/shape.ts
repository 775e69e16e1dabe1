/**
 * Located shape checks for untrusted JSON (saved states, links, imported files): small
 * combinators that say what was wrong and where, as `state.rmm.rtts["0x88000000"].level: ...`.
 * Used by snapshot.ts for the machine state and by extensions for their own state
 * (MachineExtension.validateState). Not part of any Arm specification.
 *
 * Design rationale: a checker returns the first problem as a sentence that starts with the
 * JSON path of the offending value, or undefined; it never throws and never mutates. Bounds
 * are part of the shape (integers have a range, arrays and records a maximum length), so a
 * value that passes can be walked by the machine in time proportional to the input's size.
 */

import { hex } from './hex.ts';

/** A checker: the first problem of `value` at `path`, or undefined when it has the shape. */
export type Shape = (value: unknown, path: string) => string | undefined;

/** A short preview of a bad value for messages. */
export function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The path of field `name` under `path`. */
export function fieldPath(path: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

function bad(path: string, expected: string, value: unknown): string {
  return `${path}: expected ${expected}, got ${preview(value)}`;
}

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An integer in [min, max]. */
export function int(min: number, max: number): Shape {
  return (v, path) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? undefined
      : bad(path, `an integer in ${min}..${max}`, v);
}

/** A boolean. */
export const bool: Shape = (v, path) =>
  typeof v === 'boolean' ? undefined : bad(path, 'true or false', v);

/** A string of at most `max` characters. */
export function str(max: number): Shape {
  return (v, path) =>
    typeof v === 'string' && v.length <= max
      ? undefined
      : bad(path, `a string of at most ${max} characters`, v);
}

/** A `0x`-prefixed hexadecimal string of at most `digits` digits. */
export function hexNumber(digits: number): Shape {
  const re = new RegExp(`^0x[0-9a-fA-F]{1,${digits}}$`);
  return (v, path) =>
    typeof v === 'string' && re.test(v)
      ? undefined
      : bad(path, `0x-hex of at most ${digits} digits`, v);
}

/** A string of hex digit pairs, of exactly one of `byteLengths` bytes (any length if empty). */
export function hexBytes(...byteLengths: number[]): Shape {
  return (v, path) => {
    if (typeof v !== 'string' || v.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(v)) {
      return bad(path, 'a string of hex byte pairs', v);
    }
    if (byteLengths.length > 0 && !byteLengths.includes(v.length / 2)) {
      return `${path}: expected ${byteLengths.join(' or ')} bytes of hex, got ${v.length / 2}`;
    }
    return undefined;
  };
}

/** One of the listed literals. */
export function oneOf(values: readonly (string | number | boolean | null)[]): Shape {
  const set = new Set<unknown>(values);
  return (v, path) =>
    set.has(v)
      ? undefined
      : bad(path, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`, v);
}

/** `shape`, or absent (undefined). */
export function optional(shape: Shape): Shape {
  return (v, path) => (v === undefined ? undefined : shape(v, path));
}

/** An array of at most `max` items, each of `item`. */
export function arrayOf(item: Shape, max: number): Shape {
  return (v, path) => {
    if (!Array.isArray(v)) return bad(path, 'an array', v);
    if (v.length > max) return `${path}: at most ${max} items allowed, got ${v.length}`;
    for (let i = 0; i < v.length; i++) {
      const p = item(v[i], `${path}[${i}]`);
      if (p) return p;
    }
    return undefined;
  };
}

/** An array of exactly `length` items, each of `item`. */
export function tupleOf(item: Shape, length: number): Shape {
  const inner = arrayOf(item, length);
  return (v, path) =>
    inner(v, path) ??
    ((v as unknown[]).length === length
      ? undefined
      : `${path}: expected ${length} items, got ${(v as unknown[]).length}`);
}

/**
 * A record of at most `max` entries whose keys pass `keyOk` (described as `keyText`) and
 * whose values are of `value`; `value` also receives the key.
 */
export function recordOf(
  keyOk: (key: string) => boolean,
  keyText: string,
  value: (v: unknown, path: string, key: string) => string | undefined,
  max: number,
): Shape {
  return (v, path) => {
    if (!isRecord(v)) return bad(path, 'an object', v);
    const keys = Object.keys(v);
    if (keys.length > max) return `${path}: at most ${max} entries allowed, got ${keys.length}`;
    for (const k of keys) {
      const p = fieldPath(path, k);
      if (!keyOk(k)) return `${p}: the key is not ${keyText}`;
      const problem = value(v[k], p, k);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** A 0x-hex address as a record key (`0x80001000`): what {@link hex} writes, up to 48 bits. */
export const isHexKey = (key: string): boolean => /^0x[0-9a-f]{1,12}$/.test(key);

/**
 * A record of at most `max` values of shape `value`, each keyed by {@link hex} of the
 * address its field `field` holds (the state's tables of realms, RECs, RTTs, mappings).
 */
export function byAddress(field: string, value: Shape, max: number): Shape {
  return recordOf(
    isHexKey,
    'a 0x-hex address',
    (v, path, key) =>
      value(v, path) ??
      (hex((v as Record<string, number>)[field]!) === key
        ? undefined
        : `${path}.${field}: ${(v as Record<string, number>)[field]} does not match its key ${key}`),
    max,
  );
}

/**
 * An object with these fields (a field whose shape accepts undefined is optional). Other
 * fields are let through unread: older saved states carry fields the lab no longer uses.
 */
export function object(fields: Readonly<Record<string, Shape>>): Shape {
  return (v, path) => {
    if (!isRecord(v)) return bad(path, 'an object', v);
    for (const [name, shape] of Object.entries(fields)) {
      const p = shape(v[name], fieldPath(path, name));
      if (p) return p;
    }
    return undefined;
  };
}

/** A tagged union: an object whose `tag` field picks the shape of the rest. */
export function tagged(tag: string, variants: Readonly<Record<string, Shape>>): Shape {
  const tags = Object.keys(variants);
  return (v, path) => {
    if (!isRecord(v)) return bad(path, 'an object', v);
    const t = v[tag];
    const shape = typeof t === 'string' && Object.hasOwn(variants, t) ? variants[t] : undefined;
    if (!shape)
      return bad(fieldPath(path, tag), `one of ${tags.map((x) => `"${x}"`).join(', ')}`, t);
    return shape(v, path);
  };
}

/** Every one of `shapes` in turn (the first problem wins). */
export function all(...shapes: Shape[]): Shape {
  return (v, path) => {
    for (const s of shapes) {
      const p = s(v, path);
      if (p) return p;
    }
    return undefined;
  };
}

/** Any JSON value of bounded nesting depth and size (opaque scratch data). */
export function json(maxDepth: number, maxItems: number): Shape {
  const walk = (
    v: unknown,
    path: string,
    depth: number,
    budget: { n: number },
  ): string | undefined => {
    if (--budget.n < 0) return `${path}: more than ${maxItems} values`;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined;
    if (typeof v === 'number')
      return Number.isFinite(v) ? undefined : bad(path, 'a finite number', v);
    if (depth >= maxDepth) return `${path}: nested deeper than ${maxDepth}`;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const p = walk(v[i], `${path}[${i}]`, depth + 1, budget);
        if (p) return p;
      }
      return undefined;
    }
    if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) {
        const p = walk(x, fieldPath(path, k), depth + 1, budget);
        if (p) return p;
      }
      return undefined;
    }
    return bad(path, 'a JSON value', v);
  };
  return (v, path) => walk(v, path, 0, { n: maxItems });
}
