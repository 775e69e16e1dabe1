/**
 * The records both dialects share (mica-spec.md §2.2.1, §2.3): VM entries, memory objects
 * with their mappings and prot, and a rule's owner. Where the dialects differ inside a record
 * (a VM's flags, the `ANY` mapping's count, dialect P's memory fields) the dialect decides.
 */
import { ANY_COUNT_UNLIMITED, MEM_MAX_PAGES, MEM_PAGE_SIZE, PARSER_MAX_MAPPINGS } from '../abi.ts';
import type { TextLocation } from '../diagnostics.ts';
import type { MemType, PolicyMapping, PolicyMem, PolicyVm, Prot } from '../model.ts';
import type { SyntaxEntry, SyntaxNode } from '../syntax.ts';
import { MAP_FIELDS, MEM_FIELDS, VM_FIELDS } from './fields.ts';
import { newLegacyMem, readLegacyMemField } from './dialect-p.ts';
import { I32_MAX, U32_MAX, U64_MAX, join, truncateName, type PolicyReader } from './reader.ts';
import { hex } from '../../lib/hex.ts';

/** A `VM*` entry (§2.2.1; dialect P's flags as in §2.4). */
export function parseVm(reader: PolicyReader, entry: SyntaxEntry): void {
  const path = entry.key;
  const fields = reader.object(entry.value, path, 'an object { "hash": …, … }');
  if (!fields) return;
  let hash = 0;
  // C: is-gateway / strict; P: allowed-untrusted / allowed-other-mappings (§2.4 maps them).
  const flags: Record<string, boolean> = {};
  for (const f of fields) {
    if (!reader.field(f, path, VM_FIELDS)) continue;
    const p = join(path, f.key);
    if (f.key === 'hash') hash = Number(reader.integer(f.value, p, 0n, U32_MAX, 'a u32') ?? 0n);
    else flags[f.key] = reader.boolean(f.value, p) ?? false;
  }
  const name = truncateName(entry.key);
  const allowedOtherMappings = flags['allowed-other-mappings'] ?? false;
  const vm: PolicyVm =
    reader.dialect === 'C'
      ? { name, hash, isGateway: flags['is-gateway'] ?? false, strict: flags.strict ?? false }
      : {
          name,
          hash,
          isGateway: flags['allowed-untrusted'] ?? false,
          strict: !allowedOtherMappings,
          legacy: { allowedOtherMappings },
        };
  reader.addVm(entry.key, entry.keyAt, path, vm);
}

function parseProt(reader: PolicyReader, node: SyntaxNode, path: string): Prot | undefined {
  const text = reader.string(node, path, 'a string of the letters R and/or W');
  if (text === undefined) return undefined;
  const bad = [...text].filter((c) => c !== 'R' && c !== 'W');
  if (bad.length > 0 || text.length === 0) {
    const found =
      text.length === 0
        ? 'an empty string (prot 0 is rejected)'
        : `${JSON.stringify(text)} (letter '${bad[0]!}')`;
    reader.error('bad-value', node.at, path, '"R", "W" or "RW" (letters R and/or W)', found);
    return undefined;
  }
  const r = text.includes('R');
  const w = text.includes('W');
  return r && w ? 'RW' : r ? 'R' : 'W';
}

function parseMappings(reader: PolicyReader, node: SyntaxNode, path: string): PolicyMapping[] {
  const entries = reader.object(
    node,
    path,
    'an object of mappings { "VM1": { "gpa": …, "prot": … } }',
  );
  const out: PolicyMapping[] = [];
  if (!entries) return out;
  const seen = new Map<number | 'ANY', SyntaxEntry>();
  for (const m of entries) {
    const mpath = join(path, m.key);
    if (out.length >= PARSER_MAX_MAPPINGS) {
      reader.error(
        'capacity',
        m.keyAt,
        mpath,
        `at most ${PARSER_MAX_MAPPINGS} mappings per object (PARSER_MAX_MAPPINGS)`,
        `mapping number ${out.length + 1}`,
      );
      break;
    }
    const vm = m.key === 'ANY' ? 'ANY' : reader.resolveVm(m.key, m.keyAt, mpath);
    const fields = reader.object(m.value, mpath, 'an object { "gpa": …, "prot": … }');
    if (vm === undefined || !fields) continue;
    const prior = seen.get(vm);
    if (prior) {
      reader.collision(m.key, truncateName(m.key), m.keyAt, mpath, prior.key, prior.keyAt);
      continue;
    }
    seen.set(vm, m);
    let gpa = 0n;
    let prot: Prot | undefined;
    let anyCount: bigint | undefined;
    let countAt: TextLocation | undefined;
    let broken = false;
    for (const f of fields) {
      if (!reader.field(f, mpath, MAP_FIELDS)) continue;
      const p = join(mpath, f.key);
      if (f.key === 'gpa') {
        const v = reader.integer(f.value, p, 0n, U64_MAX, 'a u64 IPA');
        if (v === undefined) broken = true;
        gpa = v ?? 0n;
      } else if (f.key === 'prot') {
        prot = parseProt(reader, f.value, p);
        if (prot === undefined) broken = true;
      } else {
        anyCount = reader.integer(f.value, p, -(I32_MAX + 1n), I32_MAX, 'an i32');
        if (anyCount === undefined) broken = true;
        countAt = f.value.at;
      }
    }
    if (broken) continue;
    if (prot === undefined) {
      reader.error(
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
      if (reader.dialect === 'P') count = ANY_COUNT_UNLIMITED;
      else if (anyCount === undefined || anyCount <= 0n) {
        reader.error(
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
      reader.warn(
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

/** A `Mem*` entry (§2.2.1, §2.3). */
export function parseMem(reader: PolicyReader, entry: SyntaxEntry): PolicyMem | undefined {
  const path = entry.key;
  const fields = reader.object(
    entry.value,
    path,
    'an object { "size": …, "type": …, "mappings": … }',
  );
  if (!fields) return undefined;
  const before = reader.errors.length;
  let size = 0n;
  let type: MemType | undefined;
  let mappings: PolicyMapping[] = [];
  let sawMappings = false;
  const legacy = newLegacyMem();
  for (const f of fields) {
    if (!reader.field(f, path, MEM_FIELDS)) continue;
    const p = join(path, f.key);
    switch (f.key) {
      case 'size': {
        const max = reader.dialect === 'P' ? U32_MAX : U64_MAX;
        size =
          reader.integer(
            f.value,
            p,
            0n,
            max,
            reader.dialect === 'P' ? 'a u32 byte count' : 'a u64 byte count',
          ) ?? 0n;
        break;
      }
      case 'type':
        type = reader.choice(f.value, p, ['PROTECTED', 'UNPROTECTED', 'OTHER'] as const);
        break;
      case 'mappings':
        sawMappings = true;
        mappings = parseMappings(reader, f.value, p);
        break;
      default:
        // properties, on-remove, owner, mapped: dialect P only (field() refused them in C)
        type = readLegacyMemField(reader, f, p, legacy) ?? type;
        break;
    }
  }
  if (reader.dialect === 'P') type ??= 'UNPROTECTED';
  if (type === undefined && reader.errors.length === before) {
    reader.error(
      'missing-field',
      entry.keyAt,
      join(path, 'type'),
      'a "type" field ("PROTECTED" or "UNPROTECTED")',
      'none',
      'a zero type is rejected by the RMM (§2.2.3)',
    );
  }
  if (reader.errors.length !== before || type === undefined) return undefined;
  if (type === 'OTHER') {
    reader.warn(
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
    reader.warn(
      'semantics',
      entry.keyAt,
      join(path, 'size'),
      `a non-zero multiple of 0x1000 up to ${hex(MEM_PAGE_SIZE * MEM_MAX_PAGES)}`,
      hex(size),
      'the RMM refuses such an object with a coverage error, §2.2.4',
    );
  }
  if (!sawMappings) {
    reader.warn(
      'semantics',
      entry.keyAt,
      join(path, 'mappings'),
      'a "mappings" object',
      'none',
      'nobody may map this object',
    );
  }
  const mem: PolicyMem = { name: truncateName(entry.key), size, type, mappings };
  return reader.dialect === 'P' ? { ...mem, legacy } : mem;
}
