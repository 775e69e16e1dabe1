/**
 * Policy text → {@link Policy}: the dialect layer over the located syntax tree of syntax.ts.
 * Implements the root-key classification and 4-character name truncation of mica-spec.md §2.1,
 * the dialect-C grammar and limits of §2.2.1-§2.2.2 (the checks the kernel uploader makes, §3.3),
 * dialect P of §2.3 and its translation to C of §2.4 (with the exit classes of §8 item 6).
 *
 * This file is the driver: it fixes the dialect, reads the root keys in the order their
 * references need and enforces the per-file capacities. The typed reader and its error
 * collector are in `parse/reader.ts`, the key tables and dialect detection in `parse/fields.ts`,
 * the shared records in `parse/records.ts`, and the dialects in `parse/dialect-c.ts` and
 * `parse/dialect-p.ts` (with the §2.4 translation).
 *
 * Design rationale: the dialect is fixed by the first dialect-specific key in document order
 * (or by the caller), so a mixed file gets one precise "dialect-mix" error pointing at both
 * keys. Errors are collected, not thrown, and every one carries line, column and key path.
 * Omitted fields default to zero as in the zero-filled records (§2.2.1), except where a zero
 * would only be refused later by the RMM (prot, memory type): those are reported here.
 */
import { PARSER_MAX_CFS, PARSER_MAX_MEMS } from './abi.ts';
import { textDiagnostic, type TextDiagnostic } from './diagnostics.ts';
import type { Dialect, Policy, PolicyCf, PolicyMem, PolicyVm, PrefaultSpec } from './model.ts';
import { describeNode, readSyntax, type SyntaxEntry } from './syntax.ts';
import { parseCf } from './parse/dialect-c.ts';
import { parseCh } from './parse/dialect-p.ts';
import { detectDialect } from './parse/fields.ts';
import { parseMem, parseVm } from './parse/records.ts';
import { PolicyReader, classifyRoot, truncateName, type DialectMarker } from './parse/reader.ts';

export { truncateName } from './parse/reader.ts';

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
  const reader = new PolicyReader(marker);
  if (root.kind !== 'object') {
    reader.error('wrong-type', root.at, '', 'a policy object { "Self": …, … }', describeNode(root));
    return { ok: false, errors: reader.errors, warnings: reader.warnings };
  }
  // VMs first: mappings, owners and Self refer to them wherever they appear in the file.
  const groups = { self: [] as SyntaxEntry[], mem: [] as SyntaxEntry[], cf: [] as SyntaxEntry[] };
  for (const entry of root.entries) {
    const cls = classifyRoot(entry.key);
    if (cls === 'vm') parseVm(reader, entry);
    else if (cls === 'self') groups.self.push(entry);
    else if (cls === 'mem') groups.mem.push(entry);
    else if (cls === 'cf' || cls === 'ch') {
      if ((cls === 'cf') !== (reader.dialect === 'C')) {
        reader.dialectMix(
          entry,
          entry.key,
          `a rule key starting ${reader.dialect === 'C' ? 'CF (dialect C)' : 'Ch (dialect P)'}`,
          `dialect ${cls === 'cf' ? 'C rule' : 'P channel'} "${entry.key}"`,
        );
      } else groups.cf.push(entry);
    } else {
      const rules = reader.dialect === 'C' ? 'CF*' : 'Ch*';
      reader.error(
        'unknown-root-key',
        entry.keyAt,
        entry.key,
        `"Self" or a key starting VM, Mem or ${rules}`,
        `"${entry.key}"`,
      );
    }
  }
  reader.duplicateHashes();
  let self: number | undefined;
  const selfEntry = groups.self[0];
  if (selfEntry) {
    const name = reader.string(selfEntry.value, 'Self', 'a VM name, e.g. "VM1"');
    if (name !== undefined) self = reader.resolveVm(name, selfEntry.value.at, 'Self');
  } else if (requireSelf) {
    reader.error('missing-self', root.at, 'Self', 'a "Self" entry naming this realm\'s VM', 'none');
  }
  const mems: PolicyMem[] = [];
  const memKeys: SyntaxEntry[] = [];
  for (const entry of groups.mem) {
    if (memKeys.length >= PARSER_MAX_MEMS) {
      reader.error(
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
      reader.collision(entry.key, name, entry.keyAt, entry.key, clash.key, clash.keyAt);
      continue;
    }
    memKeys.push(entry);
    const mem = parseMem(reader, entry);
    if (mem) mems.push(mem);
  }
  const cfs: PolicyCf[] = [];
  const cfKeys: SyntaxEntry[] = [];
  for (const entry of groups.cf) {
    const name = truncateName(entry.key);
    const clash = cfKeys.find((k) => truncateName(k.key) === name);
    if (clash) {
      reader.collision(entry.key, name, entry.keyAt, entry.key, clash.key, clash.keyAt);
      continue;
    }
    cfKeys.push(entry);
    const rules = reader.dialect === 'C' ? parseCf(reader, entry) : parseCh(reader, entry);
    if (!rules) continue;
    for (const rule of Array.isArray(rules) ? rules : [rules]) {
      if (cfs.length >= PARSER_MAX_CFS) {
        const what = reader.dialect === 'P' ? 'translated CF rule' : 'CF rule';
        reader.error(
          reader.dialect === 'P' ? 'translation' : 'capacity',
          entry.keyAt,
          entry.key,
          `at most ${PARSER_MAX_CFS} CF rules (PARSER_MAX_CFS)`,
          `${what} number ${cfs.length + 1}`,
          reader.dialect === 'P'
            ? 'a Ch with range OTHER becomes 2 rules, RSI 1 (§2.4)'
            : undefined,
        );
        break;
      }
      cfs.push(rule);
    }
  }
  if (reader.errors.length > 0)
    return { ok: false, errors: reader.errors, warnings: reader.warnings };
  return {
    ok: true,
    self,
    dialect: reader.dialect,
    vms: reader.vms,
    mems,
    cfs,
    warnings: reader.warnings,
  };
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
