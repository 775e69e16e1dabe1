/**
 * Dialect P (mica-spec.md §2.3) and its translation to dialect C (§2.4, with the exit classes
 * of §8 item 6): a `Ch*` channel becomes CF rules, and the dialect-P memory fields
 * (`properties`, `on-remove`, `owner`, `mapped`) become the type and the kept legacy terms.
 */
import { ESR_EC_SMC64, EXCEPTION_EXIT_RANGE, OTHER_RANGE } from '../abi.ts';
import type { CfPolicy, LegacyChannel, LegacyMem, MemType, PolicyCf } from '../model.ts';
import { describeNode, type SyntaxEntry } from '../syntax.ts';
import { CH_FIELDS } from './fields.ts';
import { join, parseOwner, truncateName, type PolicyReader } from './reader.ts';

/** The dialect-P terms of a memory object, as read so far. */
export type LegacyMemFields = { -readonly [K in keyof LegacyMem]: LegacyMem[K] };

/** The zero-filled terms: not fresh, not cleaned, no owner, not mapped. */
export const newLegacyMem = (): LegacyMemFields => ({
  fresh: false,
  clean: false,
  owner: null,
  mapped: 'NONE',
});

/**
 * Reads one dialect-P field of a memory object into `legacy`; returns the memory type that
 * `properties` implies (§2.4: PROTECTED, else UNPROTECTED), or undefined for other fields.
 */
export function readLegacyMemField(
  reader: PolicyReader,
  f: SyntaxEntry,
  p: string,
  legacy: LegacyMemFields,
): MemType | undefined {
  switch (f.key) {
    case 'properties': {
      const text = reader.string(f.value, p, '"PROTECTED", "FRESH" or "PROTECTED|FRESH"');
      if (text === undefined) return undefined;
      const parts = text.split('|').map((s) => s.trim());
      const bad = parts.find((s) => s !== 'PROTECTED' && s !== 'FRESH');
      if (bad !== undefined) {
        reader.error(
          'bad-value',
          f.value.at,
          p,
          '"|"-separated PROTECTED and FRESH',
          `${JSON.stringify(text)} (part ${JSON.stringify(bad)})`,
        );
        return undefined;
      }
      legacy.fresh = parts.includes('FRESH');
      return parts.includes('PROTECTED') ? 'PROTECTED' : 'UNPROTECTED';
    }
    case 'on-remove':
      legacy.clean = reader.choice(f.value, p, ['CLEAN', 'NONE'] as const) === 'CLEAN';
      break;
    case 'owner': {
      const ref = reader.string(f.value, p, 'a VM name');
      if (ref !== undefined) legacy.owner = reader.resolveVm(ref, f.value.at, p) ?? null;
      break;
    }
    case 'mapped':
      legacy.mapped = reader.choice(f.value, p, ['NONE', 'PENDING', 'ACTIVE'] as const) ?? 'NONE';
      break;
  }
  return undefined;
}

/** §2.4: one `Ch*` becomes CALL [0x17] for RSI and EXCEPTION + OTHER (§8 item 6) for OTHER. */
export function parseCh(reader: PolicyReader, entry: SyntaxEntry): PolicyCf[] | undefined {
  const path = entry.key;
  const fields = reader.object(entry.value, path, 'an object { "owner", "range", "policy" }');
  if (!fields) return undefined;
  const before = reader.errors.length;
  const range: ('RSI' | 'OTHER')[] = [];
  let policy: LegacyChannel['policy'] = 'SCRUB';
  let sawPolicy = false;
  for (const f of fields) {
    if (!reader.field(f, path, CH_FIELDS)) continue;
    const p = join(path, f.key);
    if (f.key === 'policy') {
      sawPolicy = true;
      policy = reader.choice(f.value, p, ['BLOCK', 'SCRUB', 'DELEGATE'] as const) ?? 'SCRUB';
    } else if (f.key === 'range') {
      if (f.value.kind !== 'array') {
        reader.error(
          'wrong-type',
          f.value.at,
          p,
          'an array of "RSI" / "OTHER"',
          describeNode(f.value),
        );
        continue;
      }
      f.value.items.forEach((item, i) => {
        const v = reader.choice(item, `${p}[${i}]`, ['RSI', 'OTHER'] as const);
        if (v !== undefined && !range.includes(v)) range.push(v);
      });
    }
  }
  const owner = parseOwner(reader, fields, entry);
  if (reader.errors.length !== before || owner === undefined) return undefined;
  if (!sawPolicy) {
    reader.warn(
      'missing-field',
      entry.keyAt,
      join(path, 'policy'),
      'a "policy"',
      'none',
      'a zero channel policy means SCRUB',
    );
  }
  if (range.length === 0) {
    reader.warn(
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
