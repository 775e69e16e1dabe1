/**
 * The typed reader of a policy's syntax tree, with its error collector (mica-spec.md §2.1):
 * object, integer, boolean, string and choice readers that record a located diagnostic instead
 * of throwing, the VM registry with the 4-character name truncation of §2.1 and its
 * collisions, and the `dialect-mix` report that says which key fixed the dialect.
 */
import { PARSER_MAX_VMS, POLICY_NAME_LEN } from '../abi.ts';
import { textDiagnostic, type TextDiagnostic, type TextLocation } from '../diagnostics.ts';
import type { Dialect, PolicyVm } from '../model.ts';
import { describeNode, type SyntaxEntry, type SyntaxNode } from '../syntax.ts';
import { hex } from '../../lib/hex.ts';

/** A diagnostic's fields after its severity: code, location, key path, expected, found, note. */
type DiagnosticFields =
  Parameters<typeof textDiagnostic> extends [unknown, ...infer Rest] ? Rest : never;

/** Which dialect a field belongs to. */
export type Owner = 'both' | Dialect;

export const U32_MAX = 0xffffffffn;
export const U64_MAX = (1n << 64n) - 1n;
export const I32_MAX = 0x7fffffffn;

/** The root-key classes of §2.1. */
export type RootClass = 'self' | 'vm' | 'mem' | 'cf' | 'ch' | 'unknown';

/** The class of a root key, by its prefix (§2.1). */
export function classifyRoot(key: string): RootClass {
  if (key === 'Self') return 'self';
  if (key.startsWith('VM')) return 'vm';
  if (key.startsWith('Mem')) return 'mem';
  if (key.startsWith('CF')) return 'cf';
  if (key.startsWith('Ch')) return 'ch';
  return 'unknown';
}

/** The 4-character name the records keep (§2.1). */
export function truncateName(key: string): string {
  return key.slice(0, POLICY_NAME_LEN);
}

/** The key path of a child: `parent.key`. */
export function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** line:column, for notes that point at another key. */
export function loc(at: TextLocation): string {
  return `${at.line}:${at.column}`;
}

/** "a", "b" or "c". */
export function list(items: readonly string[]): string {
  const quoted = items.map((i) => `"${i}"`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]!}`;
}

/** The key (or the caller) that fixed the dialect. */
export interface DialectMarker {
  readonly dialect: Dialect;
  readonly key: string;
  readonly at: TextLocation;
  readonly forced: boolean;
}

/** Whether `a` comes before `b` in the text. */
export function before(a: TextLocation, b: TextLocation): boolean {
  return a.line < b.line || (a.line === b.line && a.column < b.column);
}

/** Collects diagnostics while the tree is interpreted. */
export class PolicyReader {
  readonly errors: TextDiagnostic[] = [];
  readonly warnings: TextDiagnostic[] = [];
  readonly vms: PolicyVm[] = [];
  private readonly vmAt: TextLocation[] = [];
  private readonly vmKeys: string[] = [];
  /** VM entries met so far, kept or refused: the number a refused one is named by. */
  private vmEntries = 0;

  constructor(readonly marker: DialectMarker) {}

  get dialect(): Dialect {
    return this.marker.dialect;
  }

  /** Records an error: the text does not parse. */
  error(...fields: DiagnosticFields): void {
    this.errors.push(textDiagnostic('error', ...fields));
  }

  /** Records a warning: the text parses, but the RMM or a peer would see something odd. */
  warn(...fields: DiagnosticFields): void {
    this.warnings.push(textDiagnostic('warning', ...fields));
  }

  /** The entries of an object node, or an error. */
  object(node: SyntaxNode, path: string, what: string): readonly SyntaxEntry[] | undefined {
    if (node.kind === 'object') return node.entries;
    this.error('wrong-type', node.at, path, what, describeNode(node));
    return undefined;
  }

  /** Checks a field key against a table; false (with the error recorded) if it is not allowed. */
  field(entry: SyntaxEntry, path: string, table: Readonly<Record<string, Owner>>): boolean {
    const owner = table[entry.key];
    const mine = Object.keys(table).filter((k) => table[k] === 'both' || table[k] === this.dialect);
    const childPath = join(path, entry.key);
    if (owner === undefined) {
      this.error('unknown-field', entry.keyAt, childPath, `one of ${list(mine)}`, `"${entry.key}"`);
      return false;
    }
    if (owner !== 'both' && owner !== this.dialect) {
      const expected = `a dialect ${this.dialect} key, one of ${list(mine)}`;
      this.dialectMix(entry, childPath, expected, `dialect ${owner} key "${entry.key}"`);
      return false;
    }
    return true;
  }

  /** Reports a key of the other dialect, saying what fixed the dialect. */
  dialectMix(entry: SyntaxEntry, path: string, expected: string, found: string): void {
    const why = this.marker.forced
      ? `dialect ${this.dialect} was requested`
      : `dialect ${this.dialect} set by "${this.marker.key}" at ${loc(this.marker.at)}`;
    this.error('dialect-mix', entry.keyAt, path, expected, found, why);
  }

  /** An integer in [min, max]. */
  integer(
    node: SyntaxNode,
    path: string,
    min: bigint,
    max: bigint,
    what: string,
  ): bigint | undefined {
    if (node.kind !== 'number') {
      this.error('wrong-type', node.at, path, `a number (${what})`, describeNode(node));
      return undefined;
    }
    if (node.value < min || node.value > max) {
      const range = min === 0n ? `0..${hex(max)}` : `${min}..${max}`;
      this.error('out-of-range', node.at, path, `${what} in ${range}`, node.raw);
      return undefined;
    }
    return node.value;
  }

  boolean(node: SyntaxNode, path: string): boolean | undefined {
    if (node.kind === 'boolean') return node.value;
    this.error('wrong-type', node.at, path, 'true or false', describeNode(node));
    return undefined;
  }

  string(node: SyntaxNode, path: string, what: string): string | undefined {
    if (node.kind === 'string') return node.value;
    this.error('wrong-type', node.at, path, what, describeNode(node));
    return undefined;
  }

  /** One of a fixed set of strings. */
  choice<T extends string>(node: SyntaxNode, path: string, options: readonly T[]): T | undefined {
    const value = this.string(node, path, list(options));
    if (value === undefined) return undefined;
    if ((options as readonly string[]).includes(value)) return value as T;
    this.error('bad-value', node.at, path, list(options), JSON.stringify(value));
    return undefined;
  }

  /** Registers a VM key; name collisions after truncation are errors. */
  addVm(key: string, at: TextLocation, path: string, vm: PolicyVm): void {
    this.vmEntries++;
    if (this.vms.length >= PARSER_MAX_VMS) {
      this.error(
        'capacity',
        at,
        path,
        `at most ${PARSER_MAX_VMS} VM entries (PARSER_MAX_VMS)`,
        `VM entry number ${this.vmEntries}`,
      );
      return;
    }
    const clash = this.vms.findIndex((v) => v.name === vm.name);
    if (clash >= 0) {
      this.collision(key, vm.name, at, path, this.vmKeys[clash]!, this.vmAt[clash]!);
      return;
    }
    this.vms.push(vm);
    this.vmAt.push(at);
    this.vmKeys.push(key);
  }

  /** Two VM entries with one hash label cannot be told apart by peers (§2.2.4): a warning. */
  duplicateHashes(): void {
    this.vms.forEach((vm, i) => {
      const first = this.vms.findIndex((v) => v.hash === vm.hash);
      if (first === i) return;
      this.warn(
        'semantics',
        this.vmAt[i]!,
        `${this.vmKeys[i]!}.hash`,
        'a hash label no other VM entry uses',
        `${hex(vm.hash)}, also the hash of ${this.vms[first]!.name}`,
        'peers and the RMM find realms by hash, so these two are indistinguishable',
      );
    });
  }

  collision(
    key: string,
    name: string,
    at: TextLocation,
    path: string,
    otherKey: string,
    otherAt: TextLocation,
  ): void {
    const how = key === name ? `"${key}"` : `"${key}" (truncated to "${name}")`;
    const other = otherKey === name ? `"${otherKey}"` : `"${otherKey}" (also "${name}")`;
    this.error(
      'name-collision',
      at,
      path,
      `a name distinct in its first ${POLICY_NAME_LEN} characters`,
      how,
      `same name as ${other} at ${loc(otherAt)}; names are truncated to ${POLICY_NAME_LEN} characters`,
    );
  }

  /** Resolves a VM reference (truncated like the entries themselves) to its index. */
  resolveVm(ref: string, at: TextLocation, path: string): number | undefined {
    const index = this.vms.findIndex((v) => v.name === truncateName(ref));
    if (index >= 0) return index;
    const declared = this.vms.map((v) => v.name);
    this.error(
      'unknown-vm',
      at,
      path,
      declared.length ? `a declared VM: ${list(declared)}` : 'a declared VM (none declared)',
      JSON.stringify(ref),
    );
    return undefined;
  }
}

/** The `owner` of a rule or channel; a missing one is VM index 0, as zero-filled (§2.2.1). */
export function parseOwner(
  reader: PolicyReader,
  entries: readonly SyntaxEntry[],
  entry: SyntaxEntry,
): number | undefined {
  const f = entries.find((e) => e.key === 'owner');
  if (!f) {
    const first = reader.vms[0]?.name ?? 'index 0';
    reader.warn(
      'missing-field',
      entry.keyAt,
      join(entry.key, 'owner'),
      'an "owner" naming the restricted VM',
      'none',
      `the zero-filled record makes ${first} (VM index 0) the owner`,
    );
    return 0;
  }
  const p = join(entry.key, 'owner');
  const ref = reader.string(f.value, p, 'a VM name');
  return ref === undefined ? undefined : reader.resolveVm(ref, f.value.at, p);
}
