/**
 * Test helpers for the policy front end: fixture loading and a compact, independent summary of a
 * policy so expectations read like the prose of mica-spec.md §2.8.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Policy, PolicyMem } from '../../src/policy/index.ts';
import { parsePolicy } from '../../src/policy/index.ts';

/** Raw text of `tests/fixtures/policies/<name>`. */
export function fixture(name: string): string {
  return readFileSync(
    fileURLToPath(new URL(`../fixtures/policies/${name}`, import.meta.url)),
    'utf8',
  );
}

/** Parses a fixture or fails the test with its located errors. */
export function loadPolicy(name: string): Policy {
  const r = parsePolicy(fixture(name));
  if (!r.ok) throw new Error(`${name}: ${r.errors.map((e) => e.message).join('\n')}`);
  return r.policy;
}

/** `VM1 0x1 gw` / `VM2 0x2 strict` style realm summary. */
export function vmSummary(p: Policy): string[] {
  return p.vms.map(
    (v) =>
      `${v.name} 0x${v.hash.toString(16)}${v.isGateway ? ' gw' : ''}${v.strict ? ' strict' : ''}`,
  );
}

/** `Mem1 PROTECTED 0x40000: VM1 W@0x18000000000, VM2 R@0x18000000000` style summary. */
export function memSummary(p: Policy, mem: PolicyMem): string {
  const maps = mem.mappings.map((m) => {
    const who = m.vm === 'ANY' ? 'ANY' : p.vms[m.vm]!.name;
    const count = m.vm === 'ANY' ? `#${m.anyCount}` : '';
    return `${who} ${m.prot}@0x${m.gpa.toString(16)}${count}`;
  });
  return `${mem.name} ${mem.type} 0x${mem.size.toString(16)}: ${maps.join(', ')}`;
}

/** All objects of a policy, summarised. */
export function memsSummary(p: Policy): string[] {
  return p.mems.map((m) => memSummary(p, m));
}

/** `CF1 VM1 CALL [0x23] BLOCK` style summary. */
export function cfSummary(p: Policy): string[] {
  return p.cfs.map((cf) => {
    const owner = cf.owner === 'NONE' ? 'NONE' : p.vms[cf.owner]!.name;
    return `${cf.name} ${owner} ${cf.type} [${cf.range.map((v) => '0x' + v.toString(16)).join(',')}] ${cf.policy}`;
  });
}

/** Hex string of bytes, grouped as written in the tests. */
export function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Bytes from a hex string with spaces/newlines between groups. */
export function bytesOf(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}
