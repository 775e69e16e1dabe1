/**
 * mica-spec.md §2.8: every real policy loads unmodified and gives the record the spec describes;
 * the files of one pipeline agree (§2.5); the prefault helpers are not uploadable policies.
 */
import { describe, expect, it } from 'vitest';
import {
  LLM_GUARDRAIL_SHIPPED,
  VIDEO_RING_SHIPPED,
  checkAgreement,
  decodePoly,
  decodeRecord,
  encodePoly,
  encodeRecord,
  formatRefusal,
  parsePolicy,
  parsePrefault,
  polySize,
  toDialectC,
  type RealmPolicy,
} from '../../src/policy/index.ts';
import { cfSummary, fixture, loadPolicy, memsSummary, vmSummary } from './helpers.ts';

const GW3 = ['VM1 0x1 gw', 'VM2 0x2 gw', 'VM3 0x3 gw'];
const VIDEO_MEM1 = 'Mem1 PROTECTED 0x40000: VM1 W@0x18000000000, VM2 R@0x18000000000';
const VIDEO_MEM2 = 'Mem2 PROTECTED 0x40000: VM2 W@0x18004000000, VM3 R@0x18000000000';
const VIDEO_MEM3 = 'Mem3 PROTECTED 0x40000: VM1 R@0x18004000000, VM3 W@0x18004000000';
const LLM_MEM1 = 'Mem1 PROTECTED 0x2000: VM1 RW@0x18000000000, VM2 RW@0x18000000000';
const LLM_MEM2 = 'Mem2 PROTECTED 0x2000: VM2 RW@0x18004000000, VM3 RW@0x18000000000';
const P1_MEM = 'Mem1 PROTECTED 0x4000000: VM1 R@0x18000000000, ANY W@0x18000000000#-1';
const P1_CH = [
  'Ch1 VM2 CALL [0x17] BLOCK',
  'Ch1 VM2 EXCEPTION [0x24,0x20,0x1] BLOCK',
  'Ch1 VM2 OTHER [0x1,0x2,0x3] BLOCK',
];
const board = (s: string) =>
  s.replace(/0x18000000000/g, '0x8010000000').replace(/0x18004000000/g, '0x8014000000');

interface Expectation {
  readonly file: string;
  readonly dialect: 'C' | 'P';
  readonly self: string;
  readonly vms: readonly string[];
  readonly mems: readonly string[];
  readonly cfs: readonly string[];
  /** Parse warnings expected, by key path. */
  readonly warnings?: readonly string[];
}

const POLICIES: readonly Expectation[] = [
  {
    file: 'p1-usecase3-policy1.json',
    dialect: 'P',
    self: 'VM1',
    vms: ['VM1 0x1 gw', 'VM2 0x2 gw'],
    mems: [P1_MEM],
    cfs: P1_CH,
    warnings: ['Mem1.size'],
  },
  {
    file: 'p2-usecase3-policy2.json',
    dialect: 'P',
    self: 'VM2',
    vms: ['VM1 0x1 gw', 'VM2 0x2 gw'],
    mems: [P1_MEM],
    cfs: P1_CH,
    warnings: ['Mem1.size'],
  },
  {
    file: 'c1-video-rg.json',
    dialect: 'C',
    self: 'VM1',
    vms: GW3,
    mems: [VIDEO_MEM1, VIDEO_MEM3],
    cfs: [],
  },
  {
    file: 'c2-video-re.json',
    dialect: 'C',
    self: 'VM2',
    vms: GW3,
    mems: [VIDEO_MEM1, VIDEO_MEM2],
    cfs: [],
  },
  {
    file: 'c3-video-rn.json',
    dialect: 'C',
    self: 'VM3',
    vms: GW3,
    mems: [VIDEO_MEM2, VIDEO_MEM3],
    cfs: [],
  },
  { file: 'c6-llm-rg.json', dialect: 'C', self: 'VM1', vms: GW3, mems: [LLM_MEM1], cfs: [] },
  {
    file: 'c7-llm-rf.json',
    dialect: 'C',
    self: 'VM2',
    vms: GW3,
    mems: [LLM_MEM1, LLM_MEM2],
    cfs: [],
  },
  { file: 'c8-llm-ri.json', dialect: 'C', self: 'VM3', vms: GW3, mems: [LLM_MEM2], cfs: [] },
  {
    file: 'c10-rnet.json',
    dialect: 'C',
    self: 'VM1',
    vms: ['VM1 0x1 gw', 'VM2 0x2'],
    mems: ['Mem1 PROTECTED 0x2000: VM1 RW@0x18000000000, ANY RW@0x18000000000#1'],
    cfs: [],
  },
  {
    file: 'c11-ra.json',
    dialect: 'C',
    self: 'VM2',
    vms: ['VM1 0x1 gw', 'VM2 0x2'],
    mems: [LLM_MEM1],
    cfs: ['CF1 VM1 CALL [0x23] BLOCK'],
    warnings: ['CF1.range'],
  },
  {
    file: 'c12-realm1-one.json',
    dialect: 'C',
    self: 'VM1',
    vms: ['VM1 0x1 gw'],
    mems: [],
    cfs: [],
  },
  ...['c13-realm1-two.json', 'c13-realm2-two.json'].map((file, i) => ({
    file,
    dialect: 'C' as const,
    self: `VM${i + 1}`,
    vms: ['VM1 0x1 gw', 'VM2 0x2 gw'],
    mems: ['Mem1 PROTECTED 0x40000: VM1 RW@0x8010000000, VM2 RW@0x8010000000'],
    cfs: [],
  })),
  ...[
    [VIDEO_MEM1, VIDEO_MEM3],
    [VIDEO_MEM1, VIDEO_MEM2],
    [VIDEO_MEM2, VIDEO_MEM3],
  ].map((mems, i) => ({
    file: `c14-realm${i + 1}-three.reconstructed.json`,
    dialect: 'C' as const,
    self: `VM${i + 1}`,
    vms: GW3,
    mems: mems.map(board),
    cfs: [],
  })),
  ...[
    ['rg', [VIDEO_MEM1, VIDEO_MEM3]],
    ['re', [VIDEO_MEM1, VIDEO_MEM2]],
  ].map(([name, mems], i) => ({
    file: `c15-benchmarking-${name as string}.reconstructed.json`,
    dialect: 'C' as const,
    self: `VM${i + 1}`,
    vms: GW3,
    mems: (mems as string[]).map((m) => board(m).replace(/ [RW]@/g, ' RW@')),
    cfs: [],
  })),
];

describe('§2.8 real policies load unmodified', () => {
  for (const e of POLICIES) {
    it(`${e.file}: dialect ${e.dialect}, Self ${e.self}, ${e.mems.length} objects`, () => {
      const r = parsePolicy(fixture(e.file));
      expect(r.ok, r.ok ? '' : r.errors.map((x) => x.message).join('\n')).toBe(true);
      if (!r.ok) return;
      const p = r.policy;
      expect(p.dialect).toBe(e.dialect);
      expect(p.vms[p.self]?.name).toBe(e.self);
      expect(vmSummary(p)).toEqual(e.vms);
      expect(memsSummary(p)).toEqual(e.mems);
      expect(cfSummary(p)).toEqual(e.cfs);
      expect(r.warnings.map((w) => w.path)).toEqual(e.warnings ?? []);
    });
  }

  it('P1 keeps the dialect-P terms for display (§2.4): FRESH, CLEAN, owner, allowed-other-mappings', () => {
    const p = loadPolicy('p1-usecase3-policy1.json');
    expect(p.mems[0]?.legacy).toEqual({ fresh: true, clean: true, owner: 0, mapped: 'NONE' });
    expect(p.vms.map((v) => v.legacy?.allowedOtherMappings)).toEqual([true, true]);
    expect(p.cfs[0]?.legacy).toEqual({ channel: 'Ch1', range: ['RSI', 'OTHER'], policy: 'BLOCK' });
  });

  it("C11's range value 0x23 is flagged as having no effect (§8 item 18)", () => {
    const r = parsePolicy(fixture('c11-ra.json'));
    expect(r.warnings[0]?.message).toBe(
      '17:14 CF1.range: expected 0x17 (SMC64, the only CALL class enforced), found 0x23; the rule is recorded but has no effect (§2.2.4, §8 item 18)',
    );
  });

  for (const file of [
    'c4-video-prefault-shm1.json',
    'c5-video-prefault-shm2.json',
    'c9-llm-prefault-shm2.json',
  ]) {
    it(`${file} is a prefault helper: no Self, so not uploadable, but it names the pages to touch`, () => {
      const r = parsePolicy(fixture(file));
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errors.map((e) => [e.code, e.line, e.column, e.path])).toEqual([
        ['missing-self', 1, 1, 'Self'],
      ]);
      const pre = parsePrefault(fixture(file));
      expect(pre.ok).toBe(true);
      if (!pre.ok) return;
      const gpa = file.startsWith('c4') ? '0x18000000000' : '0x18004000000';
      const size = file.startsWith('c9') ? '0x2000' : '0x40000';
      expect(pre.spec.mems.map((m) => `${m.name} ${m.type} 0x${m.size.toString(16)}`)).toEqual([
        `Mem1 PROTECTED ${size}`,
      ]);
      expect(pre.spec.mems[0]?.mappings).toEqual([
        { vm: 'ANY', gpa: BigInt(gpa), prot: 'RW', anyCount: 1 },
      ]);
    });
  }
});

describe('§2.8 fixtures through POLY and the 2184-byte record', () => {
  for (const e of POLICIES) {
    it(`${e.file}: text -> POLY -> decode and text -> record -> decode give the same model`, () => {
      const p = loadPolicy(e.file);
      const poly = encodePoly(p);
      expect(poly.ok).toBe(true);
      if (!poly.ok) return;
      expect(poly.bytes.length).toBe(polySize(p));
      const back = decodePoly(poly.bytes);
      expect(back.ok).toBe(true);
      if (!back.ok) return;
      expect(back.policy).toEqual(toDialectC(p));
      const rec = encodeRecord(p);
      expect(rec.ok).toBe(true);
      if (!rec.ok) return;
      expect(rec.bytes.length).toBe(2184);
      const fromRec = decodeRecord(rec.bytes);
      expect(fromRec.ok && fromRec.policy).toEqual(toDialectC(p));
    });
  }

  it('POLY sizes follow §2.2.3 (16 + 12/VM + 16/object + 20/mapping + 12/rule + 4/value)', () => {
    expect(polySize(loadPolicy('c1-video-rg.json'))).toBe(16 + 3 * 12 + 2 * (16 + 2 * 20));
    expect(polySize(loadPolicy('c11-ra.json'))).toBe(16 + 2 * 12 + (16 + 2 * 20) + (12 + 4));
    expect(polySize(loadPolicy('c12-realm1-one.json'))).toBe(16 + 12);
    expect(polySize(loadPolicy('p1-usecase3-policy1.json'))).toBe(
      16 + 2 * 12 + (16 + 2 * 20) + (12 + 4) + (12 + 12) + (12 + 12),
    );
  });

  it('C12 has no memory objects: decodes with the prototype "empty" warning (§2.2.3, §8 item 9)', () => {
    const poly = encodePoly(loadPolicy('c12-realm1-one.json'));
    const back = poly.ok ? decodePoly(poly.bytes) : undefined;
    expect(back?.ok && back.warnings.map((w) => w.field)).toEqual(['num_mems']);
  });
});

function set(...files: Array<[string, string]>): RealmPolicy[] {
  return files.map(([name, file]) => ({ name, policy: loadPolicy(file) }));
}

describe('§2.5 the files of each real pipeline agree', () => {
  const pipelines: Record<string, RealmPolicy[]> = {
    'video rg_rn_re (C1-C3)': set(
      ['RG', 'c1-video-rg.json'],
      ['RE', 'c2-video-re.json'],
      ['RN', 'c3-video-rn.json'],
    ),
    'LLM rg_rf_ri (C6-C8)': set(
      ['RG', 'c6-llm-rg.json'],
      ['RF', 'c7-llm-rf.json'],
      ['RI', 'c8-llm-ri.json'],
    ),
    'rnet_ra (C10, C11): ra is covered by rnet ANY': set(
      ['rnet', 'c10-rnet.json'],
      ['ra', 'c11-ra.json'],
    ),
    'board two (C13)': set(['realm1', 'c13-realm1-two.json'], ['realm2', 'c13-realm2-two.json']),
    'board three (C14)': set(
      ['realm1', 'c14-realm1-three.reconstructed.json'],
      ['realm2', 'c14-realm2-three.reconstructed.json'],
      ['realm3', 'c14-realm3-three.reconstructed.json'],
    ),
    'benchmark (C15)': set(
      ['rg', 'c15-benchmarking-rg.reconstructed.json'],
      ['re', 'c15-benchmarking-re.reconstructed.json'],
    ),
    'single realm (C12)': set(['realm1', 'c12-realm1-one.json']),
  };
  for (const [name, policies] of Object.entries(pipelines)) {
    it(name, () => {
      const r = checkAgreement(policies);
      expect(r.refusals.map(formatRefusal)).toEqual([]);
      expect(r.state.registered.length).toBe(policies.length);
    });
  }

  it('C11 records its (rnet, CALL, 0x23) BLOCK rule in the transition table', () => {
    const r = checkAgreement(set(['rnet', 'c10-rnet.json'], ['ra', 'c11-ra.json']));
    expect(r.state.table).toEqual([
      {
        ownerHash: 1,
        type: 'CALL',
        range: 0x23,
        policy: 'BLOCK',
        strict: false,
        peers: [],
        recordedBy: 'ra',
        lockedBy: null,
      },
    ]);
  });

  it('P1/P2 translated to C: the 64 MiB object fails coverage (16384 pages > 4096), so VM1 is never registered and VM2 names nobody', () => {
    const r = checkAgreement(
      set(['VM1', 'p1-usecase3-policy1.json'], ['VM2', 'p2-usecase3-policy2.json']),
    );
    expect(r.refusals.map((x) => [x.check, x.realm, x.object, x.field])).toEqual([
      ['coverage', 'VM1', 'Mem1', 'size'],
      ['coverage', 'VM2', 'Mem1', 'size'],
      ['peers', 'VM2', 'Mem1', 'mappings'],
    ]);
  });

  it('uploading RN before RE still agrees: each pair is checked once, by the later upload', () => {
    const r = checkAgreement(
      set(['RN', 'c3-video-rn.json'], ['RG', 'c1-video-rg.json'], ['RE', 'c2-video-re.json']),
    );
    expect(r.ok).toBe(true);
  });
});

describe('the shipped examples are the §2.8 files', () => {
  it('VIDEO_RING_SHIPPED carries C1-C3 verbatim', () => {
    const files = ['c1-video-rg.json', 'c2-video-re.json', 'c3-video-rn.json'];
    expect(VIDEO_RING_SHIPPED.realms.map((r) => r.text)).toEqual(files.map(fixture));
  });

  it('LLM_GUARDRAIL_SHIPPED parses to the same policies as C6-C8', () => {
    const files = ['c6-llm-rg.json', 'c7-llm-rf.json', 'c8-llm-ri.json'];
    const parsed = LLM_GUARDRAIL_SHIPPED.realms.map((r) => parsePolicy(r.text));
    expect(parsed.map((r) => r.ok && r.policy)).toEqual(files.map(loadPolicy));
  });
});
