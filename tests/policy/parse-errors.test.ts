/**
 * One test per class of policy-text error (mica-spec.md §2.1-§2.4, the uploader's checks of
 * §3.3): each asserts the location (line, column, key path) and the full message, which says
 * what was expected and what was found.
 */
import { describe, expect, it } from 'vitest';
import { parsePolicy, type TextErrorCode } from '../../src/policy/index.ts';

interface Case {
  readonly name: string;
  readonly text: string;
  readonly code: TextErrorCode;
  readonly message: string;
}

const VM1 = '"VM1": { "hash": 0x1, "is-gateway": true, "strict": false }';

const CASES: readonly Case[] = [
  {
    name: 'syntax: a character that starts nothing',
    text: '{\n  "Self": @VM1\n}',
    code: 'syntax',
    message: "2:11 Self: expected a value, key or punctuation, found character '@'",
  },
  {
    name: 'syntax: a fraction is not an integer',
    text: `{ "Self": "VM1", ${VM1}, "Mem1": { "size": 1.5 } }`,
    code: 'syntax',
    message:
      "1:97 Mem1.size: expected an integer (decimal, or hex with 0x), found '1.5' (a fraction or exponent)",
  },
  {
    name: 'syntax: malformed hex',
    text: '{ "VM1": { "hash": 0x1g } }',
    code: 'syntax',
    message: "1:20 VM1.hash: expected an integer (decimal, or hex with 0x), found '0x1g'",
  },
  {
    name: 'syntax: unterminated string',
    text: '{\n  "Self": "VM1\n}',
    code: 'syntax',
    message: "2:11 Self: expected a closing '\"' on the same line, found an unterminated string",
  },
  {
    name: 'syntax: bad escape',
    text: '{ "Self": "V\\qM1" }',
    code: 'syntax',
    message:
      "1:13 Self: expected an escape \\\" \\\\ \\/ \\n \\t \\r \\b \\f or \\uXXXX, found '\\q'",
  },
  {
    name: 'unexpected-token: missing comma between entries',
    text: '{\n  "Self": "VM1"\n  "VM1": {}\n}',
    code: 'unexpected-token',
    message: "3:3: expected ',' or '}', found string \"VM1\" (a ',' is missing before it)",
  },
  {
    name: 'unexpected-token: missing comma between array values',
    text: '{ "CF1": { "range": [0x24 0x20] } }',
    code: 'unexpected-token',
    message: "1:27 CF1.range: expected ',' or ']', found number 0x20 (a ',' is missing before it)",
  },
  {
    name: 'unexpected-token: a trailing comma in an object',
    text: '{\n  "Self": "VM1",\n}',
    code: 'unexpected-token',
    message:
      "3:1: expected a key in double quotes, found '}' after a trailing comma (remove the ',' at 2:16)",
  },
  {
    name: 'unexpected-token: a trailing comma in an array',
    text: '{ "CF1": { "range": [0x17,] } }',
    code: 'unexpected-token',
    message:
      "1:27 CF1.range[1]: expected a value, found ']' after a trailing comma (remove the ',' at 1:26)",
  },
  {
    name: 'unexpected-token: unquoted key',
    text: '{ Self: "VM1" }',
    code: 'unexpected-token',
    message: "1:3: expected a key in double quotes, found 'Self' (keys need double quotes)",
  },
  {
    name: 'unexpected-token: unquoted string value',
    text: '{ "Self": VM1 }',
    code: 'unexpected-token',
    message:
      "1:11 Self: expected a value (string, number, true, false, { or [), found bare word 'VM1' (strings need double quotes)",
  },
  {
    name: 'unexpected-token: missing colon',
    text: '{ "Self" "VM1" }',
    code: 'unexpected-token',
    message: '1:10 Self: expected \':\' after the key, found string "VM1"',
  },
  {
    name: 'unexpected-token: truncated input',
    text: '{ "Self": "VM1",',
    code: 'unexpected-token',
    message: '1:17: expected a key in double quotes, found end of input',
  },
  {
    name: 'too-deep: nesting beyond 16 levels',
    text: '{ "Self": ' + '['.repeat(20) + ']'.repeat(20) + ' }',
    code: 'too-deep',
    message:
      '1:26 Self[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: expected nesting at most 16 levels deep, found deeper nesting',
  },
  {
    name: 'trailing-content: a second object',
    text: '{ "Self": "VM1" }\n{ }',
    code: 'trailing-content',
    message: "2:1: expected end of input after the policy object, found '{'",
  },
  {
    name: 'duplicate-key: the same key twice',
    text: `{ "Self": "VM1",\n  ${VM1},\n  "VM1": {} }`,
    code: 'duplicate-key',
    message: '3:3 VM1: expected each key at most once per object, found "VM1" again; first at 2:3',
  },
  {
    name: 'unknown-root-key: not Self/VM/Mem/CF',
    text: `{ "Self": "VM1", ${VM1}, "Realm2": {} }`,
    code: 'unknown-root-key',
    message: '1:79 Realm2: expected "Self" or a key starting VM, Mem or CF*, found "Realm2"',
  },
  {
    name: 'unknown-field: a typo in a VM entry',
    text: '{ "Self": "VM1", "VM1": { "hash": 1, "is-gatway": true } }',
    code: 'unknown-field',
    message:
      '1:38 VM1.is-gatway: expected one of "hash", "is-gateway" or "strict", found "is-gatway"',
  },
  {
    name: 'wrong-type: a string where a number belongs',
    text: '{ "Self": "VM1", "VM1": { "hash": "1" } }',
    code: 'wrong-type',
    message: '1:35 VM1.hash: expected a number (a u32), found string "1"',
  },
  {
    name: 'wrong-type: the root is not an object',
    text: '[1, 2]',
    code: 'wrong-type',
    message: '1:1: expected a policy object { "Self": …, … }, found an array',
  },
  {
    name: 'bad-value: prot with a letter other than R/W',
    text: `{ "Self": "VM1", ${VM1},\n  "Mem1": { "size": 0x1000, "type": "PROTECTED",\n    "mappings": { "VM1": { "gpa": 0x0, "prot": "RX" } } } }`,
    code: 'bad-value',
    message:
      '3:48 Mem1.mappings.VM1.prot: expected "R", "W" or "RW" (letters R and/or W), found "RX" (letter \'X\')',
  },
  {
    name: 'bad-value: an enum value that does not exist',
    text: `{ "Self": "VM1", ${VM1}, "Mem1": { "type": "SHARED" } }`,
    code: 'bad-value',
    message: '1:97 Mem1.type: expected "PROTECTED", "UNPROTECTED" or "OTHER", found "SHARED"',
  },
  {
    name: 'out-of-range: hash does not fit u32',
    text: '{ "Self": "VM1", "VM1": { "hash": 0x100000000 } }',
    code: 'out-of-range',
    message: '1:35 VM1.hash: expected a u32 in 0..0xffffffff, found 0x100000000',
  },
  {
    name: 'out-of-range: dialect-P size is u32',
    text: '{ "Self": "VM1", "VM1": { "hash": 1, "allowed-untrusted": true },\n  "Mem1": { "properties": "PROTECTED", "size": 0x100000000 } }',
    code: 'out-of-range',
    message: '2:48 Mem1.size: expected a u32 byte count in 0..0xffffffff, found 0x100000000',
  },
  {
    name: 'name-collision: Mem10 truncates to Mem1',
    text: `{ "Self": "VM1", ${VM1},\n  "Mem1": { "size": 0x1000, "type": "PROTECTED", "mappings": {} },\n  "Mem10": { "size": 0x1000, "type": "PROTECTED", "mappings": {} } }`,
    code: 'name-collision',
    message:
      '3:3 Mem10: expected a name distinct in its first 4 characters, found "Mem10" (truncated to "Mem1"); same name as "Mem1" at 2:3; names are truncated to 4 characters',
  },
  {
    name: 'missing-self',
    text: `{ ${VM1} }`,
    code: 'missing-self',
    message: '1:1 Self: expected a "Self" entry naming this realm\'s VM, found none',
  },
  {
    name: 'unknown-vm: Self names an undeclared VM',
    text: `{ "Self": "VM2", ${VM1} }`,
    code: 'unknown-vm',
    message: '1:11 Self: expected a declared VM: "VM1", found "VM2"',
  },
  {
    name: 'unknown-vm: a mapping for a realm that is not declared',
    text: `{ "Self": "VM1", ${VM1},\n  "Mem1": { "size": 0x1000, "type": "PROTECTED",\n    "mappings": { "RE": { "gpa": 0x0, "prot": "R" } } } }`,
    code: 'unknown-vm',
    message: '3:19 Mem1.mappings.RE: expected a declared VM: "VM1", found "RE"',
  },
  {
    name: 'missing-field: a mapping without prot',
    text: `{ "Self": "VM1", ${VM1},\n  "Mem1": { "size": 0x1000, "type": "PROTECTED",\n    "mappings": { "VM1": { "gpa": 0x0 } } } }`,
    code: 'missing-field',
    message:
      '3:19 Mem1.mappings.VM1.prot: expected a "prot" field ("R", "W" or "RW"), found none; a zero prot is rejected (§2.2.2)',
  },
  {
    name: 'missing-field: an object without type',
    text: `{ "Self": "VM1", ${VM1},\n  "Mem1": { "size": 0x1000, "mappings": {} } }`,
    code: 'missing-field',
    message:
      '2:3 Mem1.type: expected a "type" field ("PROTECTED" or "UNPROTECTED"), found none; a zero type is rejected by the RMM (§2.2.3)',
  },
  {
    name: 'capacity: a ninth VM',
    text:
      '{ "Self": "VM1",\n' +
      Array.from({ length: 9 }, (_, i) => `  "VM${i + 1}": { "hash": ${i + 1} }`).join(',\n') +
      ' }',
    code: 'capacity',
    message: '10:3 VM9: expected at most 8 VM entries (PARSER_MAX_VMS), found VM entry number 9',
  },
  {
    name: 'capacity: nine range values',
    text: `{ "Self": "VM1", ${VM1},\n  "CF1": { "owner": "VM1", "range": [1,2,3,4,5,6,7,8,9] } }`,
    code: 'capacity',
    message:
      '2:54 CF1.range[8]: expected at most 8 range values (PARSER_MAX_RANGE), found 9 values',
  },
  {
    name: 'dialect-mix: a P key after a C key',
    text: '{ "Self": "VM1",\n  "VM1": { "hash": 1, "is-gateway": true },\n  "VM2": { "hash": 2, "allowed-untrusted": true } }',
    code: 'dialect-mix',
    message:
      '3:23 VM2.allowed-untrusted: expected a dialect C key, one of "hash", "is-gateway" or "strict", found dialect P key "allowed-untrusted"; dialect C set by "is-gateway" at 2:23',
  },
  {
    name: 'dialect-mix: a Ch channel in a dialect-C policy',
    text: `{ "Self": "VM1", ${VM1}, "Ch1": { "owner": "VM1" } }`,
    code: 'dialect-mix',
    message:
      '1:79 Ch1: expected a rule key starting CF (dialect C), found dialect P channel "Ch1"; dialect C set by "is-gateway" at 1:40',
  },
  {
    name: 'any-count: ANY without a positive count',
    text: `{ "Self": "VM1", ${VM1},\n  "Mem1": { "size": 0x1000, "type": "PROTECTED",\n    "mappings": { "ANY": { "gpa": 0x0, "prot": "RW", "any-count": 0 } } } }`,
    code: 'any-count',
    message:
      '3:67 Mem1.mappings.ANY.any-count: expected an "any-count" greater than 0 on the ANY mapping, found 0; the uploader requires it; -1 (unlimited) exists only in binary',
  },
  {
    name: 'translation: dialect-P channels that become more than 8 CF rules',
    text:
      '{ "Self": "VM1", "VM1": { "hash": 1, "allowed-untrusted": true },\n' +
      ['Ch1', 'Ch2', 'Ch3']
        .map((c) => `  "${c}": { "owner": "VM1", "range": ["RSI", "OTHER"], "policy": "BLOCK" }`)
        .join(',\n') +
      ' }',
    code: 'translation',
    message:
      '4:3 Ch3: expected at most 8 CF rules (PARSER_MAX_CFS), found translated CF rule number 9; a Ch with range OTHER becomes 2 rules, RSI 1 (§2.4)',
  },
  {
    name: 'too-large: over the 1 MiB uploader limit',
    text: '{' + ' '.repeat(1 << 20) + '}',
    code: 'too-large',
    message:
      "1:1: expected at most 1048576 characters (the uploader's 1 MiB limit), found 1048578 characters",
  },
];

describe('policy text errors are located and say expected/found', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const r = parsePolicy(c.text);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      const first = r.errors[0]!;
      expect(first.message).toBe(c.message);
      expect(first.code).toBe(c.code);
      expect(first.message.startsWith(`${first.line}:${first.column}`)).toBe(true);
      expect(first.severity).toBe('error');
    });
  }

  it('every error code of TextErrorCode except the warning-only one has a case', () => {
    const codes = new Set(CASES.map((c) => c.code));
    const all: TextErrorCode[] = [
      'too-large',
      'syntax',
      'unexpected-token',
      'too-deep',
      'trailing-content',
      'duplicate-key',
      'unknown-root-key',
      'unknown-field',
      'wrong-type',
      'bad-value',
      'out-of-range',
      'name-collision',
      'missing-self',
      'unknown-vm',
      'missing-field',
      'capacity',
      'dialect-mix',
      'any-count',
      'translation',
    ];
    expect([...codes].sort()).toEqual([...all].sort());
  });

  it('each VM entry past the cap is named by its own number', () => {
    const r = parsePolicy(
      '{ "Self": "VM1",\n' +
        Array.from({ length: 10 }, (_, i) => `  "VM${i + 1}": { "hash": ${i + 1} }`).join(',\n') +
        ' }',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.message)).toEqual([
      '10:3 VM9: expected at most 8 VM entries (PARSER_MAX_VMS), found VM entry number 9',
      '11:3 VM10: expected at most 8 VM entries (PARSER_MAX_VMS), found VM entry number 10',
    ]);
  });

  it('collects several semantic errors in one pass', () => {
    const r = parsePolicy(
      '{ "Self": "VM9",\n  "VM1": { "hash": -1, "strict": 1 },\n  "Mem1": { "size": 0x1000, "type": "PROTECTED", "mappings": { "VM2": { "gpa": 0, "prot": "R" } } } }',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => `${e.line}:${e.column} ${e.code} ${e.path}`)).toEqual([
      '2:20 out-of-range VM1.hash',
      '2:34 wrong-type VM1.strict',
      '1:11 unknown-vm Self',
      '3:64 unknown-vm Mem1.mappings.VM2',
    ]);
  });

  it('warnings do not refuse: a named mapping with any-count, an OTHER type, an ownerless CF', () => {
    const r = parsePolicy(
      `{ "Self": "VM1", ${VM1},\n  "Mem1": { "size": 0x1000, "type": "OTHER", "mappings": { "VM1": { "gpa": 0, "prot": "R", "any-count": 3 } } },\n  "CF1": { "type": "CALL", "range": [0x17], "policy": "BLOCK" } }`,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings.map((w) => `${w.line}:${w.column} ${w.code} ${w.path}`)).toEqual([
      '2:105 any-count Mem1.mappings.VM1.any-count',
      '2:3 semantics Mem1.type',
      '3:3 missing-field CF1.owner',
    ]);
    expect(r.policy.mems[0]?.mappings[0]?.anyCount).toBe(0);
    expect(r.policy.cfs[0]?.owner).toBe(0);
  });
});

describe('§2.1 text conventions', () => {
  it('hex and decimal numbers are the same value; key order is free', () => {
    const a = parsePolicy(`{ "Self": "VM1", ${VM1} }`);
    const b = parsePolicy(
      '{ "VM1": { "strict": false, "is-gateway": true, "hash": 1 }, "Self": "VM1" }',
    );
    expect(a.ok && b.ok && a.policy).toEqual(b.ok && b.policy);
  });

  it('names are truncated to 4 characters: VM12 is fine, VM123 is VM12', () => {
    const r = parsePolicy('{ "Self": "VM123", "VM123": { "hash": 7 } }');
    expect(r.ok && r.policy.vms[0]?.name).toBe('VM12');
  });

  it('dialect P: allowed-other-mappings false means strict, DELEGATE means ALLOW, SCRUB means OTHER', () => {
    const r = parsePolicy(
      '{ "Self": "VM1", "VM1": { "hash": 1, "allowed-other-mappings": false },\n  "Ch1": { "owner": "VM1", "range": ["RSI"], "policy": "DELEGATE" },\n  "Ch2": { "owner": "VM1", "range": ["RSI"], "policy": "SCRUB" } }',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.policy.dialect).toBe('P');
    expect(r.policy.vms[0]?.strict).toBe(true);
    expect(r.policy.cfs.map((c) => c.policy)).toEqual(['ALLOW', 'OTHER']);
  });

  it('a forced dialect refuses the other dialect’s keys', () => {
    const r = parsePolicy(`{ "Self": "VM1", ${VM1} }`, { dialect: 'P' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]?.message).toBe(
      '1:40 VM1.is-gateway: expected a dialect P key, one of "hash", "allowed-untrusted" or "allowed-other-mappings", found dialect C key "is-gateway"; dialect P was requested',
    );
  });
});

describe('semantic warnings', () => {
  it('two VM entries with the same hash label are flagged at the second', () => {
    const r = parsePolicy('{ "Self": "VM1",\n  "VM1": { "hash": 0x1 },\n  "VM2": { "hash": 1 } }');
    expect(r.ok && r.warnings.map((w) => w.message)).toEqual([
      '3:3 VM2.hash: expected a hash label no other VM entry uses, found 0x1, also the hash of VM1; peers and the RMM find realms by hash, so these two are indistinguishable',
    ]);
  });
});
