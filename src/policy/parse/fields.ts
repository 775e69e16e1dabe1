/**
 * Which dialect owns each key (mica-spec.md §2.2 dialect C, §2.3 dialect P), and the
 * detection of a file's dialect from its first dialect-specific key in document order.
 */
import type { Dialect } from '../model.ts';
import type { SyntaxEntry, SyntaxNode } from '../syntax.ts';
import { before, classifyRoot, type DialectMarker, type Owner } from './reader.ts';

export const VM_FIELDS: Readonly<Record<string, Owner>> = {
  hash: 'both',
  'is-gateway': 'C',
  strict: 'C',
  'allowed-untrusted': 'P',
  'allowed-other-mappings': 'P',
};
export const MEM_FIELDS: Readonly<Record<string, Owner>> = {
  size: 'both',
  type: 'C',
  mappings: 'both',
  properties: 'P',
  'on-remove': 'P',
  owner: 'P',
  mapped: 'P',
};
export const MAP_FIELDS: Readonly<Record<string, Owner>> = {
  gpa: 'both',
  prot: 'both',
  'any-count': 'C',
};
export const CF_FIELDS: Readonly<Record<string, Owner>> = {
  owner: 'C',
  type: 'C',
  policy: 'C',
  range: 'C',
};
export const CH_FIELDS: Readonly<Record<string, Owner>> = { owner: 'P', range: 'P', policy: 'P' };

/** First dialect-specific key in document order (§2.2 vs §2.3 vocabularies). */
export function detectDialect(root: SyntaxNode): DialectMarker | undefined {
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
