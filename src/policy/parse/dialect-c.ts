/**
 * Dialect C rules (mica-spec.md §2.2.1-§2.2.2): a `CF*` entry with its owner, type, policy
 * and range of exception classes, and the warnings for zero fields the RMM coerces.
 */
import { ESR_EC_SMC64, PARSER_MAX_RANGE } from '../abi.ts';
import type { CfPolicy, CfType, PolicyCf } from '../model.ts';
import { describeNode, type SyntaxEntry, type SyntaxNode } from '../syntax.ts';
import { CF_FIELDS } from './fields.ts';
import { U32_MAX, join, parseOwner, truncateName, type PolicyReader } from './reader.ts';
import { hex } from '../../lib/hex.ts';

/** A `CF*` entry (§2.2.1). */
export function parseCf(reader: PolicyReader, entry: SyntaxEntry): PolicyCf | undefined {
  const path = entry.key;
  const fields = reader.object(
    entry.value,
    path,
    'an object { "owner", "type", "policy", "range" }',
  );
  if (!fields) return undefined;
  const before = reader.errors.length;
  let type: CfType | undefined;
  let policy: CfPolicy | undefined;
  let range: number[] = [];
  for (const f of fields) {
    if (!reader.field(f, path, CF_FIELDS)) continue;
    const p = join(path, f.key);
    if (f.key === 'type') type = reader.choice(f.value, p, ['CALL', 'EXCEPTION', 'OTHER'] as const);
    else if (f.key === 'policy')
      policy = reader.choice(f.value, p, ['BLOCK', 'ALLOW', 'OTHER'] as const);
    else if (f.key === 'range') range = parseRange(reader, f.value, p);
  }
  const owner = parseOwner(reader, fields, entry);
  if (reader.errors.length !== before || owner === undefined) return undefined;
  if (type === undefined) {
    reader.warn(
      'missing-field',
      entry.keyAt,
      join(path, 'type'),
      'a "type"',
      'none',
      'a zero type is coerced to OTHER by the RMM',
    );
  }
  if (policy === undefined) {
    reader.warn(
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
      reader.warn(
        'semantics',
        at,
        join(path, 'range'),
        `${hex(ESR_EC_SMC64)} (SMC64, the only CALL class enforced)`,
        hex(inert),
        'the rule is recorded but has no effect (§2.2.4, §8 item 18)',
      );
    }
  }
  return cf;
}

function parseRange(reader: PolicyReader, node: SyntaxNode, path: string): number[] {
  if (node.kind !== 'array') {
    reader.error(
      'wrong-type',
      node.at,
      path,
      'an array of u32 numbers [0x17, …]',
      describeNode(node),
    );
    return [];
  }
  if (node.items.length > PARSER_MAX_RANGE) {
    const extra = node.items[PARSER_MAX_RANGE]!;
    reader.error(
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
    const v = reader.integer(item, `${path}[${i}]`, 0n, U32_MAX, 'a u32');
    if (v !== undefined) out.push(Number(v));
  });
  return out;
}
