/**
 * Policy text → {@link Policy}: the dialect layer over the located syntax tree of syntax.ts.
 * Implements the root-key classification and 4-character name truncation of mica-spec.md §2.1,
 * the dialect-C grammar and limits of §2.2.1-§2.2.2 (the checks the kernel uploader makes, §3.3),
 * dialect P of §2.3 and its translation to C of §2.4 (with the exit classes of §8 item 6).
 *
 * Design rationale: the dialect is fixed by the first dialect-specific key in document order
 * (or by the caller), so a mixed file gets one precise "dialect-mix" error pointing at both
 * keys. Errors are collected, not thrown, and every one carries line, column and key path.
 * Omitted fields default to zero as in the zero-filled records (§2.2.1), except where a zero
 * would only be refused later by the RMM (prot, memory type): those are reported here.
 */
import {
  ANY_COUNT_UNLIMITED,
  ESR_EC_SMC64,
  EXCEPTION_EXIT_RANGE,
  MEM_MAX_PAGES,
  MEM_PAGE_SIZE,
  OTHER_RANGE,
  PARSER_MAX_CFS,
  PARSER_MAX_MAPPINGS,
  PARSER_MAX_MEMS,
  PARSER_MAX_RANGE,
  PARSER_MAX_VMS,
  POLICY_NAME_LEN,
} from './abi.ts';
import {
  textDiagnostic,
  type TextDiagnostic,
  type TextErrorCode,
  type TextLocation,
} from './diagnostics.ts';
import type {
  CfPolicy,
  CfType,
  Dialect,
  LegacyChannel,
  LegacyMem,
  MemType,
  Policy,
  PolicyCf,
  PolicyMapping,
  PolicyMem,
  PolicyVm,
  PrefaultSpec,
  Prot,
} from './model.ts';
import { describeNode, readSyntax, type SyntaxEntry, type SyntaxNode } from './syntax.ts';

/** Options of {@link parsePolicy}. */
export interface ParseOptions {
  /** Force a dialect instead of detecting it from the first dialect-specific key. */
  readonly dialect?: Dialect | 'auto';
}

/** Result of {@link parsePolicy}: the policy, or every located error found. */
export type PolicyParseResult =
  | { readonly ok: true; readonly policy: Policy; readonly warnings: readonly TextDiagnostic[] }
  | {
      readonly ok: false;
      readonly errors: readonly TextDiagnostic[];
      readonly warnings: readonly TextDiagnostic[];
    };

/** Result of {@link parsePrefault}. */
export type PrefaultParseResult =
  | { readonly ok: true; readonly spec: PrefaultSpec; readonly warnings: readonly TextDiagnostic[] }
  | {
      readonly ok: false;
      readonly errors: readonly TextDiagnostic[];
      readonly warnings: readonly TextDiagnostic[];
    };

/** Which dialect a field belongs to. */
type Owner = 'both' | Dialect;

const VM_FIELDS: Readonly<Record<string, Owner>> = {
  hash: 'both',
  'is-gateway': 'C',
  strict: 'C',
  'allowed-untrusted': 'P',
  'allowed-other-mappings': 'P',
};
const MEM_FIELDS: Readonly<Record<string, Owner>> = {
  size: 'both',
  type: 'C',
  mappings: 'both',
  properties: 'P',
  'on-remove': 'P',
  owner: 'P',
  mapped: 'P',
};
const MAP_FIELDS: Readonly<Record<string, Owner>> = { gpa: 'both', prot: 'both', 'any-count': 'C' };
const CF_FIELDS: Readonly<Record<string, Owner>> = {
  owner: 'C',
  type: 'C',
  policy: 'C',
  range: 'C',
};
const CH_FIELDS: Readonly<Record<string, Owner>> = { owner: 'P', range: 'P', policy: 'P' };

const U32_MAX = 0xffffffffn;
const U64_MAX = (1n << 64n) - 1n;
const I32_MAX = 0x7fffffffn;

/** The root-key classes of §2.1. */
type RootClass = 'self' | 'vm' | 'mem' | 'cf' | 'ch' | 'unknown';

function classifyRoot(key: string): RootClass {
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

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function loc(at: TextLocation): string {
  return `${at.line}:${at.column}`;
}

function list(items: readonly string[]): string {
  const quoted = items.map((i) => `"${i}"`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]!}`;
}

interface DialectMarker {
  readonly dialect: Dialect;
  readonly key: string;
  readonly at: TextLocation;
  readonly forced: boolean;
}

/** First dialect-specific key in document order (§2.2 vs §2.3 vocabularies). */
function detectDialect(root: SyntaxNode): DialectMarker | undefined {
  if (root.kind !== 'object') return undefined;
  const fieldsOf = (node: SyntaxNode, table: Readonly<Record<string, Owner>>) =>
    node.kind === 'object'
      ? node.entries.find((e) => table[e.key] === 'C' || table[e.key] === 'P')
      : undefined;
  for (const entry of root.entries) {
    const cls = classifyRoot(entry.key);
    let hit: SyntaxEntry | undefined;
    let dialect: Dialect | undefined;
    if (cls === 'cf' || cls === 'ch') {
      return { dialect: cls === 'cf' ? 'C' : 'P', key: entry.key, at: entry.keyAt, forced: false };
    }
    if (cls === 'vm') hit = fieldsOf(entry.value, VM_FIELDS);
    if (cls === 'mem') {
      hit = fieldsOf(entry.value, MEM_FIELDS);
      const maps =
        entry.value.kind === 'object'
          ? entry.value.entries.find((e) => e.key === 'mappings')
          : undefined;
      if (maps && maps.value.kind === 'object') {
        for (const m of maps.value.entries) {
          const inner = fieldsOf(m.value, MAP_FIELDS);
          if (inner && (!hit || before(inner.keyAt, hit.keyAt))) hit = inner;
        }
      }
    }
    if (hit) {
      dialect = (VM_FIELDS[hit.key] ?? MEM_FIELDS[hit.key] ?? MAP_FIELDS[hit.key]) as Dialect;
      return { dialect, key: hit.key, at: hit.keyAt, forced: false };
    }
  }
  return undefined;
}

function before(a: TextLocation, b: TextLocation): boolean {
  return a.line < b.line || (a.line === b.line && a.column < b.column);
}

/** Collects diagnostics while the tree is interpreted. */
class Interpreter {
  readonly errors: TextDiagnostic[] = [];
  readonly warnings: TextDiagnostic[] = [];
  readonly vms: PolicyVm[] = [];
  private readonly vmAt: TextLocation[] = [];
  private readonly vmKeys: string[] = [];

  constructor(readonly marker: DialectMarker) {}

  get dialect(): Dialect {
    return this.marker.dialect;
  }

  error(
    code: TextErrorCode,
    at: TextLocation,
    path: string,
    expected: string,
    found: string,
    note?: string,
  ): void {
    this.errors.push(textDiagnostic('error', code, at, path, expected, found, note));
  }

  warn(
    code: TextErrorCode,
    at: TextLocation,
    path: string,
    expected: string,
    found: string,
    note?: string,
  ): void {
    this.warnings.push(textDiagnostic('warning', code, at, path, expected, found, note));
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
      const range = min === 0n ? `0..0x${max.toString(16)}` : `${min}..${max}`;
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
    if (this.vms.length >= PARSER_MAX_VMS) {
      this.error(
        'capacity',
        at,
        path,
        `at most ${PARSER_MAX_VMS} VM entries (PARSER_MAX_VMS)`,
        `VM entry number ${this.vms.length + 1}`,
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
        `0x${vm.hash.toString(16)}, also the hash of ${this.vms[first]!.name}`,
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

function parseVm(ip: Interpreter, entry: SyntaxEntry): void {
  const path = entry.key;
  const fields = ip.object(entry.value, path, 'an object { "hash": …, … }');
  if (!fields) return;
  let hash = 0;
  let flagA = false;
  let flagB = false;
  for (const f of fields) {
    if (!ip.field(f, path, VM_FIELDS)) continue;
    const p = join(path, f.key);
    if (f.key === 'hash') hash = Number(ip.integer(f.value, p, 0n, U32_MAX, 'a u32') ?? 0n);
    else if (f.key === 'is-gateway' || f.key === 'allowed-untrusted')
      flagA = ip.boolean(f.value, p) ?? false;
    else flagB = ip.boolean(f.value, p) ?? false;
  }
  const name = truncateName(entry.key);
  const vm: PolicyVm =
    ip.dialect === 'C'
      ? { name, hash, isGateway: flagA, strict: flagB }
      : { name, hash, isGateway: flagA, strict: !flagB, legacy: { allowedOtherMappings: flagB } };
  ip.addVm(entry.key, entry.keyAt, path, vm);
}

function parseProt(ip: Interpreter, node: SyntaxNode, path: string): Prot | undefined {
  const text = ip.string(node, path, 'a string of the letters R and/or W');
  if (text === undefined) return undefined;
  const bad = [...text].filter((c) => c !== 'R' && c !== 'W');
  if (bad.length > 0 || text.length === 0) {
    const found =
      text.length === 0
        ? 'an empty string (prot 0 is rejected)'
        : `${JSON.stringify(text)} (letter '${bad[0]!}')`;
    ip.error('bad-value', node.at, path, '"R", "W" or "RW" (letters R and/or W)', found);
    return undefined;
  }
  const r = text.includes('R');
  const w = text.includes('W');
  return r && w ? 'RW' : r ? 'R' : 'W';
}

function parseMappings(ip: Interpreter, node: SyntaxNode, path: string): PolicyMapping[] {
  const entries = ip.object(node, path, 'an object of mappings { "VM1": { "gpa": …, "prot": … } }');
  const out: PolicyMapping[] = [];
  if (!entries) return out;
  const seen = new Map<number | 'ANY', SyntaxEntry>();
  for (const m of entries) {
    const mpath = join(path, m.key);
    if (out.length >= PARSER_MAX_MAPPINGS) {
      ip.error(
        'capacity',
        m.keyAt,
        mpath,
        `at most ${PARSER_MAX_MAPPINGS} mappings per object (PARSER_MAX_MAPPINGS)`,
        `mapping number ${out.length + 1}`,
      );
      break;
    }
    const vm = m.key === 'ANY' ? 'ANY' : ip.resolveVm(m.key, m.keyAt, mpath);
    const fields = ip.object(m.value, mpath, 'an object { "gpa": …, "prot": … }');
    if (vm === undefined || !fields) continue;
    const prior = seen.get(vm);
    if (prior) {
      ip.collision(m.key, truncateName(m.key), m.keyAt, mpath, prior.key, prior.keyAt);
      continue;
    }
    seen.set(vm, m);
    let gpa = 0n;
    let prot: Prot | undefined;
    let anyCount: bigint | undefined;
    let countAt: TextLocation | undefined;
    let broken = false;
    for (const f of fields) {
      if (!ip.field(f, mpath, MAP_FIELDS)) continue;
      const p = join(mpath, f.key);
      if (f.key === 'gpa') {
        const v = ip.integer(f.value, p, 0n, U64_MAX, 'a u64 IPA');
        if (v === undefined) broken = true;
        gpa = v ?? 0n;
      } else if (f.key === 'prot') {
        prot = parseProt(ip, f.value, p);
        if (prot === undefined) broken = true;
      } else {
        anyCount = ip.integer(f.value, p, -(I32_MAX + 1n), I32_MAX, 'an i32');
        if (anyCount === undefined) broken = true;
        countAt = f.value.at;
      }
    }
    if (broken) continue;
    if (prot === undefined) {
      ip.error(
        'missing-field',
        m.keyAt,
        join(mpath, 'prot'),
        'a "prot" field ("R", "W" or "RW")',
        'none',
        'a zero prot is rejected (§2.2.2)',
      );
      continue;
    }
    let count = 0;
    if (vm === 'ANY') {
      if (ip.dialect === 'P') count = ANY_COUNT_UNLIMITED;
      else if (anyCount === undefined || anyCount <= 0n) {
        ip.error(
          'any-count',
          countAt ?? m.keyAt,
          join(mpath, 'any-count'),
          'an "any-count" greater than 0 on the ANY mapping',
          anyCount === undefined ? 'none' : String(anyCount),
          'the uploader requires it; -1 (unlimited) exists only in binary',
        );
        continue;
      } else count = Number(anyCount);
    } else if (anyCount !== undefined && anyCount !== 0n) {
      ip.warn(
        'any-count',
        countAt ?? m.keyAt,
        join(mpath, 'any-count'),
        'no "any-count" on a named mapping',
        String(anyCount),
        'the uploader forces it to 0',
      );
    }
    out.push({ vm, gpa, prot, anyCount: count });
  }
  return out;
}

function parseMem(ip: Interpreter, entry: SyntaxEntry): PolicyMem | undefined {
  const path = entry.key;
  const fields = ip.object(entry.value, path, 'an object { "size": …, "type": …, "mappings": … }');
  if (!fields) return undefined;
  const before = ip.errors.length;
  let size = 0n;
  let type: MemType | undefined;
  let mappings: PolicyMapping[] = [];
  let sawMappings = false;
  const legacy = {
    fresh: false,
    clean: false,
    owner: null as number | null,
    mapped: 'NONE' as LegacyMem['mapped'],
  };
  for (const f of fields) {
    if (!ip.field(f, path, MEM_FIELDS)) continue;
    const p = join(path, f.key);
    switch (f.key) {
      case 'size': {
        const max = ip.dialect === 'P' ? U32_MAX : U64_MAX;
        size =
          ip.integer(
            f.value,
            p,
            0n,
            max,
            ip.dialect === 'P' ? 'a u32 byte count' : 'a u64 byte count',
          ) ?? 0n;
        break;
      }
      case 'type':
        type = ip.choice(f.value, p, ['PROTECTED', 'UNPROTECTED', 'OTHER'] as const);
        break;
      case 'mappings':
        sawMappings = true;
        mappings = parseMappings(ip, f.value, p);
        break;
      case 'properties': {
        const text = ip.string(f.value, p, '"PROTECTED", "FRESH" or "PROTECTED|FRESH"');
        if (text === undefined) break;
        const parts = text.split('|').map((s) => s.trim());
        const bad = parts.find((s) => s !== 'PROTECTED' && s !== 'FRESH');
        if (bad !== undefined) {
          ip.error(
            'bad-value',
            f.value.at,
            p,
            '"|"-separated PROTECTED and FRESH',
            `${JSON.stringify(text)} (part ${JSON.stringify(bad)})`,
          );
          break;
        }
        type = parts.includes('PROTECTED') ? 'PROTECTED' : 'UNPROTECTED';
        legacy.fresh = parts.includes('FRESH');
        break;
      }
      case 'on-remove':
        legacy.clean = ip.choice(f.value, p, ['CLEAN', 'NONE'] as const) === 'CLEAN';
        break;
      case 'owner': {
        const ref = ip.string(f.value, p, 'a VM name');
        if (ref !== undefined) legacy.owner = ip.resolveVm(ref, f.value.at, p) ?? null;
        break;
      }
      case 'mapped':
        legacy.mapped = ip.choice(f.value, p, ['NONE', 'PENDING', 'ACTIVE'] as const) ?? 'NONE';
        break;
    }
  }
  if (ip.dialect === 'P') type ??= 'UNPROTECTED';
  if (type === undefined && ip.errors.length === before) {
    ip.error(
      'missing-field',
      entry.keyAt,
      join(path, 'type'),
      'a "type" field ("PROTECTED" or "UNPROTECTED")',
      'none',
      'a zero type is rejected by the RMM (§2.2.3)',
    );
  }
  if (ip.errors.length !== before || type === undefined) return undefined;
  if (type === 'OTHER') {
    ip.warn(
      'semantics',
      entry.keyAt,
      join(path, 'type'),
      '"PROTECTED" or "UNPROTECTED"',
      '"OTHER"',
      'the RMM rejects type 3 at upload (§2.2.2)',
    );
  }
  if (
    size === 0n ||
    size % BigInt(MEM_PAGE_SIZE) !== 0n ||
    size > BigInt(MEM_PAGE_SIZE * MEM_MAX_PAGES)
  ) {
    ip.warn(
      'semantics',
      entry.keyAt,
      join(path, 'size'),
      `a non-zero multiple of 0x1000 up to 0x${(MEM_PAGE_SIZE * MEM_MAX_PAGES).toString(16)}`,
      `0x${size.toString(16)}`,
      'the RMM refuses such an object with a coverage error, §2.2.4',
    );
  }
  if (!sawMappings) {
    ip.warn(
      'semantics',
      entry.keyAt,
      join(path, 'mappings'),
      'a "mappings" object',
      'none',
      'nobody may map this object',
    );
  }
  const mem: PolicyMem = { name: truncateName(entry.key), size, type, mappings };
  return ip.dialect === 'P' ? { ...mem, legacy } : mem;
}

function parseOwner(
  ip: Interpreter,
  entries: readonly SyntaxEntry[],
  entry: SyntaxEntry,
): number | undefined {
  const f = entries.find((e) => e.key === 'owner');
  if (!f) {
    const first = ip.vms[0]?.name ?? 'index 0';
    ip.warn(
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
  const ref = ip.string(f.value, p, 'a VM name');
  return ref === undefined ? undefined : ip.resolveVm(ref, f.value.at, p);
}

function parseCf(ip: Interpreter, entry: SyntaxEntry): PolicyCf | undefined {
  const path = entry.key;
  const fields = ip.object(entry.value, path, 'an object { "owner", "type", "policy", "range" }');
  if (!fields) return undefined;
  const before = ip.errors.length;
  let type: CfType | undefined;
  let policy: CfPolicy | undefined;
  let range: number[] = [];
  for (const f of fields) {
    if (!ip.field(f, path, CF_FIELDS)) continue;
    const p = join(path, f.key);
    if (f.key === 'type') type = ip.choice(f.value, p, ['CALL', 'EXCEPTION', 'OTHER'] as const);
    else if (f.key === 'policy')
      policy = ip.choice(f.value, p, ['BLOCK', 'ALLOW', 'OTHER'] as const);
    else if (f.key === 'range') range = parseRange(ip, f.value, p);
  }
  const owner = parseOwner(ip, fields, entry);
  if (ip.errors.length !== before || owner === undefined) return undefined;
  if (type === undefined) {
    ip.warn(
      'missing-field',
      entry.keyAt,
      join(path, 'type'),
      'a "type"',
      'none',
      'a zero type is coerced to OTHER by the RMM',
    );
  }
  if (policy === undefined) {
    ip.warn(
      'missing-field',
      entry.keyAt,
      join(path, 'policy'),
      'a "policy"',
      'none',
      'a zero policy is coerced to OTHER by the RMM',
    );
  }
  const cf: PolicyCf = {
    name: truncateName(entry.key),
    owner,
    type: type ?? 'OTHER',
    policy: policy ?? 'OTHER',
    range,
  };
  if (cf.type === 'CALL') {
    const inert = range.find((v) => v !== ESR_EC_SMC64);
    if (inert !== undefined) {
      const at = fields.find((f) => f.key === 'range')?.value.at ?? entry.keyAt;
      ip.warn(
        'semantics',
        at,
        join(path, 'range'),
        `0x${ESR_EC_SMC64.toString(16)} (SMC64, the only CALL class enforced)`,
        `0x${inert.toString(16)}`,
        'the rule is recorded but has no effect (§2.2.4, §8 item 18)',
      );
    }
  }
  return cf;
}

function parseRange(ip: Interpreter, node: SyntaxNode, path: string): number[] {
  if (node.kind !== 'array') {
    ip.error('wrong-type', node.at, path, 'an array of u32 numbers [0x17, …]', describeNode(node));
    return [];
  }
  if (node.items.length > PARSER_MAX_RANGE) {
    const extra = node.items[PARSER_MAX_RANGE]!;
    ip.error(
      'capacity',
      extra.at,
      `${path}[${PARSER_MAX_RANGE}]`,
      `at most ${PARSER_MAX_RANGE} range values (PARSER_MAX_RANGE)`,
      `${node.items.length} values`,
    );
    return [];
  }
  const out: number[] = [];
  node.items.forEach((item, i) => {
    const v = ip.integer(item, `${path}[${i}]`, 0n, U32_MAX, 'a u32');
    if (v !== undefined) out.push(Number(v));
  });
  return out;
}

/** §2.4: one `Ch*` becomes CALL [0x17] for RSI and EXCEPTION + OTHER (§8 item 6) for OTHER. */
function parseCh(ip: Interpreter, entry: SyntaxEntry): PolicyCf[] | undefined {
  const path = entry.key;
  const fields = ip.object(entry.value, path, 'an object { "owner", "range", "policy" }');
  if (!fields) return undefined;
  const before = ip.errors.length;
  const range: ('RSI' | 'OTHER')[] = [];
  let policy: LegacyChannel['policy'] = 'SCRUB';
  let sawPolicy = false;
  for (const f of fields) {
    if (!ip.field(f, path, CH_FIELDS)) continue;
    const p = join(path, f.key);
    if (f.key === 'policy') {
      sawPolicy = true;
      policy = ip.choice(f.value, p, ['BLOCK', 'SCRUB', 'DELEGATE'] as const) ?? 'SCRUB';
    } else if (f.key === 'range') {
      if (f.value.kind !== 'array') {
        ip.error('wrong-type', f.value.at, p, 'an array of "RSI" / "OTHER"', describeNode(f.value));
        continue;
      }
      f.value.items.forEach((item, i) => {
        const v = ip.choice(item, `${p}[${i}]`, ['RSI', 'OTHER'] as const);
        if (v !== undefined && !range.includes(v)) range.push(v);
      });
    }
  }
  const owner = parseOwner(ip, fields, entry);
  if (ip.errors.length !== before || owner === undefined) return undefined;
  if (!sawPolicy) {
    ip.warn(
      'missing-field',
      entry.keyAt,
      join(path, 'policy'),
      'a "policy"',
      'none',
      'a zero channel policy means SCRUB',
    );
  }
  if (range.length === 0) {
    ip.warn(
      'semantics',
      entry.keyAt,
      join(path, 'range'),
      '"RSI" and/or "OTHER"',
      'no range',
      'the channel restricts nothing',
    );
  }
  const cPolicy: CfPolicy =
    policy === 'BLOCK' ? 'BLOCK' : policy === 'DELEGATE' ? 'ALLOW' : 'OTHER';
  const legacy: LegacyChannel = { channel: truncateName(entry.key), range, policy };
  const name = truncateName(entry.key);
  const out: PolicyCf[] = [];
  if (range.includes('RSI'))
    out.push({ name, owner, type: 'CALL', policy: cPolicy, range: [ESR_EC_SMC64], legacy });
  if (range.includes('OTHER')) {
    out.push({
      name,
      owner,
      type: 'EXCEPTION',
      policy: cPolicy,
      range: [...EXCEPTION_EXIT_RANGE],
      legacy,
    });
    out.push({
      name,
      owner,
      type: 'OTHER',
      policy: cPolicy,
      range: [...OTHER_RANGE],
      legacy,
    });
  }
  return out;
}

/** Shared driver of {@link parsePolicy} and {@link parsePrefault}. */
function interpret(
  text: string,
  options: ParseOptions,
  requireSelf: boolean,
):
  | {
      ok: true;
      self: number | undefined;
      dialect: Dialect;
      vms: PolicyVm[];
      mems: PolicyMem[];
      cfs: PolicyCf[];
      warnings: TextDiagnostic[];
    }
  | { ok: false; errors: TextDiagnostic[]; warnings: TextDiagnostic[] } {
  const syntax = readSyntax(text);
  if (!syntax.ok) return { ok: false, errors: [syntax.error], warnings: [] };
  const root = syntax.root;
  const forced = options.dialect && options.dialect !== 'auto' ? options.dialect : undefined;
  const marker: DialectMarker = forced
    ? { dialect: forced, key: '', at: root.at, forced: true }
    : (detectDialect(root) ?? { dialect: 'C', key: '', at: root.at, forced: true });
  const ip = new Interpreter(marker);
  if (root.kind !== 'object') {
    ip.error('wrong-type', root.at, '', 'a policy object { "Self": …, … }', describeNode(root));
    return { ok: false, errors: ip.errors, warnings: ip.warnings };
  }
  // VMs first: mappings, owners and Self refer to them wherever they appear in the file.
  const groups = { self: [] as SyntaxEntry[], mem: [] as SyntaxEntry[], cf: [] as SyntaxEntry[] };
  for (const entry of root.entries) {
    const cls = classifyRoot(entry.key);
    if (cls === 'vm') parseVm(ip, entry);
    else if (cls === 'self') groups.self.push(entry);
    else if (cls === 'mem') groups.mem.push(entry);
    else if (cls === 'cf' || cls === 'ch') {
      if ((cls === 'cf') !== (ip.dialect === 'C')) {
        ip.dialectMix(
          entry,
          entry.key,
          `a rule key starting ${ip.dialect === 'C' ? 'CF (dialect C)' : 'Ch (dialect P)'}`,
          `dialect ${cls === 'cf' ? 'C rule' : 'P channel'} "${entry.key}"`,
        );
      } else groups.cf.push(entry);
    } else {
      const rules = ip.dialect === 'C' ? 'CF*' : 'Ch*';
      ip.error(
        'unknown-root-key',
        entry.keyAt,
        entry.key,
        `"Self" or a key starting VM, Mem or ${rules}`,
        `"${entry.key}"`,
      );
    }
  }
  ip.duplicateHashes();
  let self: number | undefined;
  const selfEntry = groups.self[0];
  if (selfEntry) {
    const name = ip.string(selfEntry.value, 'Self', 'a VM name, e.g. "VM1"');
    if (name !== undefined) self = ip.resolveVm(name, selfEntry.value.at, 'Self');
  } else if (requireSelf) {
    ip.error('missing-self', root.at, 'Self', 'a "Self" entry naming this realm\'s VM', 'none');
  }
  const mems: PolicyMem[] = [];
  const memKeys: SyntaxEntry[] = [];
  for (const entry of groups.mem) {
    if (memKeys.length >= PARSER_MAX_MEMS) {
      ip.error(
        'capacity',
        entry.keyAt,
        entry.key,
        `at most ${PARSER_MAX_MEMS} memory objects (PARSER_MAX_MEMS)`,
        `object number ${memKeys.length + 1}`,
      );
      continue;
    }
    const name = truncateName(entry.key);
    const clash = memKeys.find((k) => truncateName(k.key) === name);
    if (clash) {
      ip.collision(entry.key, name, entry.keyAt, entry.key, clash.key, clash.keyAt);
      continue;
    }
    memKeys.push(entry);
    const mem = parseMem(ip, entry);
    if (mem) mems.push(mem);
  }
  const cfs: PolicyCf[] = [];
  const cfKeys: SyntaxEntry[] = [];
  for (const entry of groups.cf) {
    const name = truncateName(entry.key);
    const clash = cfKeys.find((k) => truncateName(k.key) === name);
    if (clash) {
      ip.collision(entry.key, name, entry.keyAt, entry.key, clash.key, clash.keyAt);
      continue;
    }
    cfKeys.push(entry);
    const rules = ip.dialect === 'C' ? parseCf(ip, entry) : parseCh(ip, entry);
    if (!rules) continue;
    for (const rule of Array.isArray(rules) ? rules : [rules]) {
      if (cfs.length >= PARSER_MAX_CFS) {
        const what = ip.dialect === 'P' ? 'translated CF rule' : 'CF rule';
        ip.error(
          ip.dialect === 'P' ? 'translation' : 'capacity',
          entry.keyAt,
          entry.key,
          `at most ${PARSER_MAX_CFS} CF rules (PARSER_MAX_CFS)`,
          `${what} number ${cfs.length + 1}`,
          ip.dialect === 'P' ? 'a Ch with range OTHER becomes 2 rules, RSI 1 (§2.4)' : undefined,
        );
        break;
      }
      cfs.push(rule);
    }
  }
  if (ip.errors.length > 0) return { ok: false, errors: ip.errors, warnings: ip.warnings };
  return { ok: true, self, dialect: ip.dialect, vms: ip.vms, mems, cfs, warnings: ip.warnings };
}

/**
 * Parses one realm's policy text (dialect C or P; P is translated to the C model, §2.4).
 * Never throws; on failure returns every located error found.
 */
export function parsePolicy(text: string, options: ParseOptions = {}): PolicyParseResult {
  const r = interpret(text, options, true);
  if (!r.ok) return r;
  if (r.self === undefined) {
    // Unreachable in practice: interpret() reports a located error whenever Self is unusable.
    const error = textDiagnostic(
      'error',
      'missing-self',
      { line: 1, column: 1 },
      'Self',
      'a "Self" entry naming this realm\'s VM',
      'none',
    );
    return { ok: false, errors: [error], warnings: r.warnings };
  }
  const policy: Policy = { dialect: r.dialect, self: r.self, vms: r.vms, mems: r.mems, cfs: r.cfs };
  return { ok: true, policy, warnings: r.warnings };
}

/** Parses a prefault helper file (C4, C5, C9 of §2.8): like a policy, but `Self` is optional. */
export function parsePrefault(text: string, options: ParseOptions = {}): PrefaultParseResult {
  const r = interpret(text, options, false);
  if (!r.ok) return r;
  return { ok: true, spec: { vms: r.vms, mems: r.mems }, warnings: r.warnings };
}
