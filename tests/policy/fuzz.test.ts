/**
 * Property tests (fast-check) for the policy front end, mica-spec.md §2.1-§2.3 and §4.2:
 * generated policies round-trip through text, POLY and the record; 10k mutated or random texts
 * and 10k mutated or random binaries never throw, and every rejection is located (line/column for
 * text, byte offset and field for binaries).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildFlowGraph,
  checkAgreement,
  decodePolicyBinary,
  decodePoly,
  decodeRecord,
  encodePoly,
  encodeRecord,
  formatPolicyText,
  parsePolicy,
  polySize,
  type Policy,
  type PolicyCf,
  type PolicyMapping,
  type PolicyMem,
} from '../../src/policy/index.ts';
import { fixture } from './helpers.ts';

const U32 = fc.integer({ min: 0, max: 0xffffffff });
const U64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const PROT = fc.constantFrom('R' as const, 'W' as const, 'RW' as const);

/** Policies in the text-expressible subset of dialect C, within every cap (§2.2.2). */
const arbPolicy: fc.Arbitrary<Policy> = fc.integer({ min: 1, max: 8 }).chain((numVms) => {
  const vm = fc.record({ hash: U32, isGateway: fc.boolean(), strict: fc.boolean() });
  const mapping = (): fc.Arbitrary<PolicyMapping[]> =>
    fc
      .subarray([...Array.from({ length: numVms }, (_, i) => i), 'ANY' as const], {
        maxLength: Math.min(8, numVms + 1),
      })
      .chain((targets) =>
        fc.tuple(
          ...targets.map((vmRef) =>
            fc.record({
              vm: fc.constant(vmRef),
              gpa: U64,
              prot: PROT,
              anyCount: vmRef === 'ANY' ? fc.integer({ min: 1, max: 0x7fffffff }) : fc.constant(0),
            }),
          ),
        ),
      );
  const mem = (i: number): fc.Arbitrary<PolicyMem> =>
    fc.record({
      name: fc.constant(`Mem${i + 1}`),
      size: U64,
      type: fc.constantFrom('PROTECTED' as const, 'UNPROTECTED' as const),
      mappings: mapping(),
    });
  const cf = (i: number): fc.Arbitrary<PolicyCf> =>
    fc.record({
      name: fc.constant(`CF${i + 1}`),
      owner: fc.integer({ min: 0, max: numVms - 1 }),
      type: fc.constantFrom('CALL' as const, 'EXCEPTION' as const, 'OTHER' as const),
      policy: fc.constantFrom('BLOCK' as const, 'ALLOW' as const, 'OTHER' as const),
      range: fc.array(U32, { maxLength: 8 }),
    });
  return fc.record({
    dialect: fc.constant('C' as const),
    self: fc.integer({ min: 0, max: numVms - 1 }),
    vms: fc.tuple(
      ...Array.from({ length: numVms }, (_, i) => vm.map((v) => ({ name: `VM${i + 1}`, ...v }))),
    ),
    mems: fc
      .integer({ min: 0, max: 8 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => mem(i)))),
    cfs: fc
      .integer({ min: 0, max: 8 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => cf(i)))),
  });
});

const FIXTURES = [
  'p1-usecase3-policy1.json',
  'c1-video-rg.json',
  'c2-video-re.json',
  'c4-video-prefault-shm1.json',
  'c7-llm-rf.json',
  'c10-rnet.json',
  'c11-ra.json',
  'c12-realm1-one.json',
].map(fixture);

/** Syntax-preserving edit: swap one string or number literal for another policy word or value. */
const arbTokenEdit = fc.record({
  kind: fc.constant('token' as const),
  at: fc.nat(),
  text: fc.constantFrom(
    '"VM1"',
    '"VM2"',
    '"VM9"',
    '"ANY"',
    '"R"',
    '"W"',
    '"RW"',
    '"X"',
    '""',
    '"PROTECTED"',
    '"UNPROTECTED"',
    '"OTHER"',
    '"CALL"',
    '"BLOCK"',
    '"ALLOW"',
    '"SCRUB"',
    '"Mem1"',
    '"CF1"',
    '"hash"',
    '"strict"',
    '"any-count"',
    '"allowed-untrusted"',
    '"FRESH|PROTECTED"',
    '0',
    '-1',
    '0x0',
    '0x17',
    '0x1000',
    '0xffffffff',
    '0x100000000',
    '0xffffffffffffffff',
    '0x10000000000000000',
    'true',
    'false',
    '[]',
    '{}',
    '[0x17]',
  ),
});

/** One edit of a text: delete, insert, replace, duplicate, truncate or a literal swap. */
const arbEdit = fc.oneof(
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 12 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom(
        '{',
        '}',
        '[',
        ']',
        ':',
        ',',
        '"',
        '\\',
        '0x',
        '-',
        '1.5',
        'true',
        'null',
        '\n',
        '"VM9"',
        '"Mem1"',
        '"ANY"',
        '"CF1"',
        '"Ch1"',
        '"prot"',
        '"RW"',
        'é',
        '\u0000',
      ),
      fc.string({ maxLength: 6 }),
    ),
  }),
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    ch: fc.string({ minLength: 1, maxLength: 1 }),
  }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  arbTokenEdit,
);

type Edit = typeof arbEdit extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(text: string, e: Edit): string {
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  switch (e.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + e.len);
    case 'insert':
      return text.slice(0, at) + e.text + text.slice(at);
    case 'replace':
      return text.slice(0, at) + e.ch + text.slice(at + 1);
    case 'duplicate':
      return text.slice(0, at) + text.slice(at, at + e.len) + text.slice(at);
    case 'truncate':
      return text.slice(0, at);
    case 'token': {
      const literals = [
        ...text.matchAll(/"(?:[^"\\\n]|\\.)*"|-?0x[0-9a-fA-F]+|-?[0-9]+|true|false/g),
      ];
      const hit = literals[e.at % Math.max(literals.length, 1)];
      if (!hit) return text;
      return text.slice(0, hit.index) + e.text + text.slice(hit.index + hit[0].length);
    }
  }
}

/** Benign edit: extra whitespace after one punctuation mark (the policy must stay valid). */
const arbSpacing = fc
  .tuple(fc.constantFrom(...FIXTURES), fc.nat(), fc.constantFrom(' ', '\n', '\t', '\r\n  '))
  .map(([t, at, ws]) => {
    const marks = [...t.matchAll(/[{}[\],:]/g)];
    const m = marks[at % marks.length]!;
    return t.slice(0, m.index + 1) + ws + t.slice(m.index + 1);
  });

const arbText = fc.oneof(
  { weight: 1, arbitrary: arbSpacing },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.constantFrom(...FIXTURES), fc.array(arbTokenEdit, { minLength: 1, maxLength: 2 }))
      .map(([t, es]) => es.reduce(applyEdit, t)),
  },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.constantFrom(...FIXTURES), fc.array(arbEdit, { minLength: 1, maxLength: 4 }))
      .map(([t, es]) => es.reduce(applyEdit, t)),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(arbPolicy.map(formatPolicyText), fc.array(arbEdit, { minLength: 1, maxLength: 3 }))
      .map(([t, es]) => es.reduce(applyEdit, t)),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }) },
);

const tally = { accepted: 0, refused: 0 };

/** Checks that a text result is either a policy or a list of located errors. */
function assertLocated(text: string): void {
  const r = parsePolicy(text);
  tally[r.ok ? 'accepted' : 'refused']++;
  if (r.ok) return;
  expect(r.errors.length).toBeGreaterThan(0);
  const lines = text.split('\n');
  for (const e of r.errors) {
    expect(e.line).toBeGreaterThanOrEqual(1);
    expect(e.line).toBeLessThanOrEqual(lines.length);
    expect(e.column).toBeGreaterThanOrEqual(1);
    expect(e.column).toBeLessThanOrEqual((lines[e.line - 1] ?? '').length + 1);
    expect(e.message.startsWith(`${e.line}:${e.column}`)).toBe(true);
    expect(e.expected.length).toBeGreaterThan(0);
    expect(e.found.length).toBeGreaterThan(0);
  }
}

describe('generated policies round-trip (§2.2.1, §2.2.3, §4.2)', () => {
  it('text -> parse -> same model; POLY and the record decode to the same model', () => {
    fc.assert(
      fc.property(arbPolicy, (p) => {
        const text = parsePolicy(formatPolicyText(p));
        expect(text.ok && text.policy).toEqual(p);
        const poly = encodePoly(p);
        expect(poly.ok).toBe(true);
        if (!poly.ok) return;
        expect(poly.bytes.length).toBe(polySize(p));
        expect(poly.bytes.length).toBeLessThanOrEqual(1872);
        const back = decodePoly(poly.bytes);
        expect(back.ok && back.policy).toEqual(p);
        const rec = encodeRecord(p);
        expect(rec.ok && decodeRecord(rec.bytes)).toEqual({ ok: true, policy: p });
      }),
      { numRuns: 1000 },
    );
  }, 120_000);
});

describe('§2.1: spelling does not change the model', () => {
  it('hex <-> decimal numbers and extra whitespace between tokens parse to the same policy', () => {
    const respell = fc.tuple(fc.constantFrom(...FIXTURES), fc.infiniteStream(fc.nat({ max: 3 })));
    fc.assert(
      fc.property(respell, ([text, choices]) => {
        const it = choices[Symbol.iterator]();
        const pick = () => it.next().value as number;
        const spell = (v: bigint) =>
          [
            v.toString(),
            '0x' + v.toString(16),
            '0X' + v.toString(16).toUpperCase(),
            '0x0' + v.toString(16),
          ][pick()]!;
        const out = text
          .replace(/0x[0-9a-fA-F]+|\b[0-9]+\b/g, (n) => spell(BigInt(n)))
          .replace(
            /[{}[\],:]/g,
            (c) => ['', ' ', '\n', '\t '][pick()]! + c + ['', ' ', '\n  ', ''][pick()]!,
          );
        const a = parsePolicy(text);
        const b = parsePolicy(out);
        expect(b.ok).toBe(a.ok);
        if (a.ok && b.ok) expect(b.policy).toEqual(a.policy);
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});

describe('10k mutated and random texts never throw; every rejection is located', () => {
  it('parsePolicy', () => {
    fc.assert(fc.property(arbText, assertLocated), { numRuns: 10_000 });
    // The generator reaches both outcomes, so the property is not vacuous.
    expect(tally.accepted).toBeGreaterThan(200);
    expect(tally.refused).toBeGreaterThan(2000);
    console.info(`text fuzz: ${tally.accepted} accepted, ${tally.refused} refused`);
  }, 120_000);
});

/** Mutations of a valid encoding: bit flips, byte writes, truncation, extension. */
function arbMutatedBytes(base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const op = fc.oneof(
    fc.record({
      kind: fc.constant('flip' as const),
      at: fc.nat(),
      bit: fc.integer({ min: 0, max: 7 }),
    }),
    fc.record({
      kind: fc.constant('set' as const),
      at: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
    }),
    fc.record({
      kind: fc.constant('u16' as const),
      at: fc.nat(),
      value: fc.constantFrom(0, 1, 2, 3, 4, 8, 9, 0xffff, 0xfffe),
    }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('grow' as const), extra: fc.uint8Array({ maxLength: 64 }) }),
  );
  return fc.tuple(base, fc.array(op, { minLength: 1, maxLength: 4 })).map(([bytes, ops]) => {
    let b = bytes.slice();
    for (const o of ops) {
      const at = b.length === 0 ? 0 : ('at' in o ? o.at : 0) % b.length;
      if (o.kind === 'flip' && b.length) b[at] = b[at]! ^ (1 << o.bit);
      else if (o.kind === 'set' && b.length) b[at] = o.value;
      else if (o.kind === 'u16' && b.length > 1) {
        const i = at & ~1;
        b[i] = o.value & 0xff;
        if (i + 1 < b.length) b[i + 1] = o.value >> 8;
      } else if (o.kind === 'cut') b = b.slice(0, at);
      else if (o.kind === 'grow') {
        const n = new Uint8Array(b.length + o.extra.length);
        n.set(b);
        n.set(o.extra, b.length);
        b = n;
      }
    }
    return b;
  });
}

const polyBytes = arbPolicy.map((p) => {
  const r = encodePoly(p);
  return r.ok ? r.bytes : new Uint8Array();
});
const recordBytes = arbPolicy.map((p) => {
  const r = encodeRecord(p);
  return r.ok ? r.bytes : new Uint8Array();
});

describe('10k mutated and random binaries never throw; every rejection names offset and field', () => {
  it('decodePolicyBinary / decodePoly: a rejection is one located error; an acceptance re-encodes stably', () => {
    const arb = fc.oneof(
      { weight: 8, arbitrary: arbMutatedBytes(polyBytes) },
      { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    );
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(arb, (bytes) => {
        for (const decode of [decodePoly, decodePolicyBinary]) {
          const r = decode(bytes);
          seen[r.ok ? 'accepted' : 'refused']++;
          if (!r.ok) {
            expect(r.errors.length).toBe(1);
            const e = r.errors[0]!;
            expect(e.offset).toBeGreaterThanOrEqual(0);
            expect(e.offset).toBeLessThanOrEqual(Math.max(bytes.length, 16));
            expect(e.field.length).toBeGreaterThan(0);
            expect(e.message.startsWith('byte 0x')).toBe(true);
            continue;
          }
          if (r.format !== 'POLY') continue;
          const again = encodePoly(r.policy);
          expect(again.ok).toBe(true);
          if (again.ok)
            expect(decodePoly(again.bytes)).toMatchObject({ ok: true, policy: r.policy });
        }
      }),
      { numRuns: 10_000 },
    );
  }, 120_000);

  it('decodeRecord: refuses with offset and field, or accepts exactly the canonical bytes', () => {
    fc.assert(
      fc.property(arbMutatedBytes(recordBytes), (bytes) => {
        const r = decodeRecord(bytes);
        if (!r.ok) {
          const e = r.errors[0]!;
          expect(e.offset).toBeGreaterThanOrEqual(0);
          expect(e.offset).toBeLessThanOrEqual(2184);
          expect(e.field.length).toBeGreaterThan(0);
          return;
        }
        const again = encodeRecord(r.policy);
        expect(again.ok && Array.from(again.bytes)).toEqual(Array.from(bytes));
      }),
      { numRuns: 5_000 },
    );
  }, 120_000);
});

describe('agreement and flow never throw on arbitrary policy sets', () => {
  it('every refusal names its check, realm and says something', () => {
    fc.assert(
      fc.property(fc.array(arbPolicy, { minLength: 1, maxLength: 4 }), (policies) => {
        const set = policies.map((policy, i) => ({ name: `r${i}`, policy }));
        const r = checkAgreement(set);
        expect(r.ok).toBe(r.refusals.length === 0);
        for (const x of r.refusals) {
          expect(x.realm).toMatch(/^r\d$/);
          expect(x.message.length).toBeGreaterThan(10);
          expect(x.code).toBeLessThan(0);
        }
        const g = buildFlowGraph(set);
        for (const e of g.edges) expect(g.nodes).toContain(e.to);
      }),
      { numRuns: 500 },
    );
  }, 120_000);
});
