/**
 * The agreement ("chain of custody") check, mica-spec.md §2.5-§2.7: table-driven over every
 * field of every shared object of the video pipeline (change one field in one realm's copy →
 * the named refusal), ANY, strict, control flow and the transition table, and the examples.
 */
import { describe, expect, it } from 'vitest';
import {
  WORKFLOW_EXAMPLES,
  VIDEO_MODERATION,
  checkAgreement,
  emptyAgreementState,
  loadWorkflow,
  parsePolicy,
  validateUpload,
  type Policy,
  type PolicyMem,
  type Prot,
  type RealmPolicy,
  type Refusal,
} from '../../src/policy/index.ts';
import { fixture } from './helpers.ts';

function load(realms: readonly { name: string; text: string }[]): RealmPolicy[] {
  const r = loadWorkflow(realms);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return [...r.set];
}

const VIDEO = load(VIDEO_MODERATION.realms);

function withPolicy(set: readonly RealmPolicy[], k: number, policy: Policy): RealmPolicy[] {
  return set.map((rp, i) => (i === k ? { ...rp, policy } : rp));
}

function editMem(p: Policy, name: string, f: (m: PolicyMem) => PolicyMem): Policy {
  return { ...p, mems: p.mems.map((m) => (m.name === name ? f(m) : m)) };
}

const FLIP: Readonly<Record<Prot, Prot>> = { R: 'W', W: 'R', RW: 'R' };

interface Mutation {
  readonly what: string;
  readonly realm: number;
  readonly object: string;
  readonly field: string;
  readonly check: Refusal['check'];
  readonly policy: Policy;
}

/** Every field of every object in every realm's copy, one change at a time. */
function mutations(set: readonly RealmPolicy[]): Mutation[] {
  const out: Mutation[] = [];
  set.forEach(({ policy: p }, k) => {
    for (const mem of p.mems) {
      const add = (
        what: string,
        field: string,
        policy: Policy,
        check: Refusal['check'] = 'definition',
      ) => out.push({ what, realm: k, object: mem.name, field, check, policy });
      add(
        'size doubled',
        'size',
        editMem(p, mem.name, (m) => ({ ...m, size: m.size * 2n })),
      );
      add(
        'type UNPROTECTED',
        'type',
        editMem(p, mem.name, (m) => ({ ...m, type: 'UNPROTECTED' })),
      );
      mem.mappings.forEach((map, j) => {
        const vm = map.vm === 'ANY' ? 'ANY' : p.vms[map.vm]!.name;
        const setMap = (f: (m: PolicyMem['mappings'][number]) => PolicyMem['mappings'][number]) =>
          editMem(p, mem.name, (m) => ({
            ...m,
            mappings: m.mappings.map((x, i) => (i === j ? f(x) : x)),
          }));
        add(
          `${vm} gpa moved 1 MiB`,
          `mappings.${vm}.gpa`,
          setMap((x) => ({ ...x, gpa: x.gpa + 0x100000n })),
        );
        add(
          `${vm} prot ${map.prot} -> ${FLIP[map.prot]}`,
          `mappings.${vm}.prot`,
          setMap((x) => ({ ...x, prot: FLIP[x.prot] })),
        );
        const dropped = editMem(p, mem.name, (m) => ({
          ...m,
          mappings: m.mappings.filter((_, i) => i !== j),
        }));
        // Dropping a peer's mapping: the peer becomes an unlisted extra realm (exclusivity) when
        // this copy uploads later, or a missing mapping (definition) when it uploaded first.
        if (map.vm !== p.self)
          add(`${vm} mapping dropped`, `mappings.${vm}`, dropped, 'definition');
        if (map.vm !== 'ANY') {
          for (const flag of ['is-gateway', 'strict'] as const) {
            const vms = p.vms.map((v, i) =>
              i === map.vm
                ? flag === 'strict'
                  ? { ...v, strict: !v.strict }
                  : { ...v, isGateway: !v.isGateway }
                : v,
            );
            add(`${vm} ${flag} flipped`, `${vm}.${flag}`, { ...p, vms });
          }
        }
      });
    }
  });
  return out;
}

function label(set: readonly RealmPolicy[], k: number): string {
  return set[k]!.name!;
}

describe('§2.5 step 3: one changed field in one copy is a named refusal (video pipeline)', () => {
  const cases = mutations(VIDEO);
  it('covers every object of every realm (3 objects x 2 copies, 6 fields each and more)', () => {
    expect(cases.length).toBeGreaterThan(60);
  });
  for (const c of cases) {
    it(`${label(VIDEO, c.realm)}'s ${c.object}: ${c.what} -> ${c.field}`, () => {
      const r = checkAgreement(withPolicy(VIDEO, c.realm, c.policy));
      const me = label(VIDEO, c.realm);
      const flag = c.field.endsWith('.is-gateway') || c.field.endsWith('.strict');
      const hit = r.refusals.find(
        (x) =>
          (flag || x.object === c.object) &&
          (x.realm === me || x.peer === me) &&
          (x.field === c.field ||
            (c.field.startsWith('mappings.') && x.check === 'exclusivity' && x.field === c.field)),
      );
      expect(
        hit,
        r.refusals.map((x) => `${x.check} ${x.realm}/${x.peer} ${x.object} ${x.field}`).join('\n'),
      ).toBeDefined();
      expect(['definition', 'exclusivity']).toContain(hit!.check);
      expect(hit!.message.startsWith(`${hit!.object} (`)).toBe(true);
    });
  }
});

describe('refusal messages are plain words', () => {
  it('size: "<object> (<uploader> maps it <prot> at <gpa>): <peer>\'s copy says size <theirs>, <uploader>\'s says <mine>"', () => {
    const r = checkAgreement(
      withPolicy(
        VIDEO,
        1,
        editMem(VIDEO[1]!.policy, 'Mem2', (m) => ({ ...m, size: 0x80000n })),
      ).reverse(),
    );
    const size = r.refusals.find((x) => x.field === 'size');
    expect(size?.message).toBe(
      "Mem2 (encoder maps it W at 0x18004000000): moderator's copy says size 0x40000, encoder's says 0x80000",
    );
    expect(size).toMatchObject({
      check: 'definition',
      realm: 'encoder',
      peer: 'moderator',
      object: 'Mem2',
      code: -4,
    });
  });

  it('a missing object: code -2, field name', () => {
    const set = withPolicy(VIDEO, 2, {
      ...VIDEO[2]!.policy,
      mems: VIDEO[2]!.policy.mems.filter((m) => m.name !== 'Mem2'),
    });
    const r = checkAgreement([set[0]!, set[2]!, set[1]!]);
    expect(r.refusals[0]).toMatchObject({
      check: 'definition',
      code: -2,
      realm: 'encoder',
      peer: 'moderator',
      object: 'Mem2',
      field: 'name',
    });
    expect(r.refusals[0]?.message).toBe(
      "Mem2 (encoder maps it W at 0x18004000000): encoder's copy shares it with moderator, but moderator's policy has no object named Mem2",
    );
  });
});

/** Two realms sharing Mem1 by name plus an ANY window; `edit` changes B's copy. */
function anyPair(count: number, edit: (m: PolicyMem) => PolicyMem = (m) => m): RealmPolicy[] {
  const text = (self: string) => `{ "Self": "${self}",
    "VM1": { "hash": 1, "is-gateway": true, "strict": false },
    "VM2": { "hash": 2, "is-gateway": false, "strict": false },
    "Mem1": { "size": 0x2000, "type": "PROTECTED", "mappings": {
      "VM1": { "gpa": 0x18000000000, "prot": "RW" },
      "VM2": { "gpa": 0x18000000000, "prot": "RW" },
      "ANY": { "gpa": 0x18004000000, "prot": "R", "any-count": ${count} } } } }`;
  const a = parsePolicy(text('VM1'));
  const b = parsePolicy(text('VM2'));
  if (!a.ok || !b.ok) throw new Error('anyPair');
  return [
    { name: 'A', policy: a.policy },
    { name: 'B', policy: editMem(b.policy, 'Mem1', edit) },
  ];
}

describe('§2.5 step 3: ANY must be identical in both copies', () => {
  const cases: Array<[string, (m: PolicyMem) => PolicyMem]> = [
    [
      'mappings.ANY.gpa',
      (m) => ({
        ...m,
        mappings: m.mappings.map((x) => (x.vm === 'ANY' ? { ...x, gpa: 0x18008000000n } : x)),
      }),
    ],
    [
      'mappings.ANY.prot',
      (m) => ({
        ...m,
        mappings: m.mappings.map((x) => (x.vm === 'ANY' ? { ...x, prot: 'RW' as const } : x)),
      }),
    ],
    [
      'mappings.ANY.any-count',
      (m) => ({
        ...m,
        mappings: m.mappings.map((x) => (x.vm === 'ANY' ? { ...x, anyCount: 3 } : x)),
      }),
    ],
  ];
  it('unchanged: agrees', () => expect(checkAgreement(anyPair(2)).ok).toBe(true));
  for (const [field, edit] of cases) {
    it(field, () => {
      const r = checkAgreement(anyPair(2, edit));
      expect(r.refusals.map((x) => [x.check, x.realm, x.peer, x.object, x.field])).toEqual([
        ['definition', 'B', 'A', 'Mem1', field],
      ]);
    });
  }
});

describe('§2.5 step 4 at policy level: coverage, consistency, exclusivity, peers', () => {
  const c10 = parsePolicy(fixture('c10-rnet.json'));
  const c11 = parsePolicy(fixture('c11-ra.json'));
  if (!c10.ok || !c11.ok) throw new Error('fixtures');
  const rb: Policy = {
    ...c11.policy,
    self: 2,
    vms: [...c11.policy.vms, { name: 'VM3', hash: 3, isGateway: false, strict: false }],
    mems: [
      {
        ...c11.policy.mems[0]!,
        mappings: [
          c11.policy.mems[0]!.mappings[0]!,
          { vm: 2, gpa: 0x18000000000n, prot: 'RW', anyCount: 0 },
        ],
      },
    ],
    cfs: [],
  };

  it("exclusivity: a second anonymous client exceeds rnet's any-count 1 (code -7)", () => {
    const r = checkAgreement([
      { name: 'rnet', policy: c10.policy },
      { name: 'ra', policy: c11.policy },
      { name: 'rb', policy: rb },
    ]);
    expect(r.refusals.map((x) => [x.check, x.code, x.realm, x.peer, x.field])).toEqual([
      ['exclusivity', -7, 'rb', 'rnet', 'mappings.ANY.any-count'],
      ['exclusivity', -7, 'rb', 'ra', 'mappings.VM2'],
    ]);
    expect(r.refusals[0]?.message).toBe(
      "Mem1 (rb maps it RW at 0x18000000000): 2 realms (rb, ra) reach rnet's copy only through ANY, which admits 1",
    );
  });

  it('exclusivity: a registered realm maps an object the uploader does not list for it', () => {
    const [gw, enc, mod] = VIDEO;
    const set = [
      mod!,
      gw!,
      {
        ...enc!,
        policy: editMem(enc!.policy, 'Mem2', (m) => ({
          ...m,
          mappings: m.mappings.filter((x) => x.vm !== 2),
        })),
      },
    ];
    const r = checkAgreement(set);
    expect(r.refusals.map((x) => [x.check, x.realm, x.peer, x.object, x.field])).toEqual([
      ['exclusivity', 'encoder', 'moderator', 'Mem2', 'mappings.VM3'],
    ]);
  });

  it('coverage: size not whole pages and an unaligned window (code -6)', () => {
    const p = editMem(VIDEO[0]!.policy, 'Mem1', (m) => ({
      ...m,
      size: 0x1800n,
      mappings: m.mappings.map((x, i) => (i === 0 ? { ...x, gpa: x.gpa + 0x10n } : x)),
    }));
    const r = validateUpload(emptyAgreementState(), { name: 'gateway', policy: p });
    expect(r.refusals.map((x) => [x.check, x.code, x.field])).toEqual([
      ['coverage', -6, 'size'],
      ['coverage', -6, 'mappings.VM1.gpa'],
    ]);
    expect(r.accepted).toBe(false);
    expect(r.state.registered).toEqual([]);
  });

  it("consistency: two objects overlapping in one realm's IPA space (code -5)", () => {
    const p = editMem(VIDEO[1]!.policy, 'Mem2', (m) => ({
      ...m,
      mappings: m.mappings.map((x) => (x.vm === 1 ? { ...x, gpa: 0x18000020000n } : x)),
    }));
    const r = validateUpload(emptyAgreementState(), { name: 'encoder', policy: p });
    expect(r.refusals.map((x) => x.message)).toEqual([
      "Mem2: encoder puts VM2's window [0x18000020000, 0x18000060000) over Mem1's [0x18000000000, 0x18000040000); one page cannot back both objects",
    ]);
  });

  it('peers: reaching a protected object only through ANY with nobody registered (code -1)', () => {
    const p2 = parsePolicy(fixture('p2-usecase3-policy2.json').replace('0x4000000', '0x40000'));
    expect(p2.ok).toBe(true);
    if (!p2.ok) return;
    const r = validateUpload(emptyAgreementState(), { name: 'VM2', policy: p2.policy });
    expect(r.refusals.map((x) => [x.check, x.code, x.object])).toEqual([['peers', -1, 'Mem1']]);
  });

  it('P1 and P2 with a coverable size agree, in either order', () => {
    const fix = (f: string) => parsePolicy(fixture(f).replace('0x4000000', '0x40000'));
    const p1 = fix('p1-usecase3-policy1.json');
    const p2 = fix('p2-usecase3-policy2.json');
    if (!p1.ok || !p2.ok) throw new Error('P1/P2');
    expect(checkAgreement([{ policy: p1.policy }, { policy: p2.policy }]).ok).toBe(true);
  });

  it('identity: a second policy claiming a bound hash is refused (first come, §3.2)', () => {
    const r = checkAgreement([VIDEO[0]!, { ...VIDEO[0]!, name: 'impostor' }]);
    expect(r.refusals.map((x) => [x.check, x.realm, x.peer, x.field])).toEqual([
      ['identity', 'impostor', 'gateway', 'VM1.hash'],
    ]);
  });
});

describe('§2.6 strict', () => {
  it('a strict realm refuses an object a registered peer maps it into but it does not list', () => {
    const [gw, enc] = VIDEO;
    const extra: PolicyMem = {
      name: 'Mem5',
      size: 0x1000n,
      type: 'PROTECTED',
      mappings: [
        { vm: 0, gpa: 0x18010000000n, prot: 'W', anyCount: 0 },
        { vm: 1, gpa: 0x18010000000n, prot: 'R', anyCount: 0 },
      ],
    };
    const r = checkAgreement([
      { ...gw!, policy: { ...gw!.policy, mems: [...gw!.policy.mems, extra] } },
      enc!,
    ]);
    expect(r.refusals.map((x) => [x.check, x.realm, x.peer, x.object])).toEqual([
      ['strict', 'encoder', 'gateway', 'Mem5'],
    ]);
    expect(r.refusals[0]?.message).toBe(
      "Mem5: encoder is strict and lists no Mem5, but gateway's copy maps encoder into it (R at 0x18010000000)",
    );
  });

  it('a strict upload refuses control-flow rules recorded earlier that it does not know', () => {
    const [, enc, , storage] = VIDEO;
    // An exception class the shipped files do not rule on (0x07: SVE/SIMD/FP access).
    const extra = {
      name: 'CF9',
      owner: 1,
      type: 'EXCEPTION' as const,
      policy: 'ALLOW' as const,
      range: [0x07],
    };
    const loose = {
      ...storage!,
      policy: { ...storage!.policy, cfs: [...storage!.policy.cfs, extra] },
    };
    const r = checkAgreement([loose, enc!]);
    expect(r.refusals.map((x) => [x.check, x.realm, x.peer])).toEqual([
      ['strict', 'encoder', 'storage'],
    ]);
    expect(r.refusals[0]?.message).toBe(
      'control flow: encoder is strict, but storage already recorded (encoder, EXCEPTION, 0x7) -> ALLOW, which is not among the rules encoder and its peers declare',
    );
  });
});

describe('§2.7 control flow and the transition table', () => {
  it('the same tuple with two policies between loaded peers is a control-flow refusal', () => {
    const enc = VIDEO[1]!;
    const cfs = enc.policy.cfs.map((cf) =>
      cf.name === 'CF1' ? { ...cf, policy: 'ALLOW' as const } : cf,
    );
    const r = checkAgreement([VIDEO[0]!, { ...enc, policy: { ...enc.policy, cfs } }]);
    expect(r.refusals.map((x) => [x.check, x.realm, x.peer, x.object, x.field])).toEqual([
      ['control-flow', 'encoder', 'gateway', 'CF1', 'CF1.policy'],
    ]);
    expect(r.refusals[0]?.message).toBe(
      "CF1: encoder says (encoder, CALL, 0x17) -> ALLOW, gateway's CF1 says BLOCK",
    );
  });

  it('a conflicting tuple from an unrelated upload is caught by the global table', () => {
    const storage = VIDEO[3]!;
    const cfs = storage.policy.cfs.map((cf) =>
      cf.name === 'CF1' ? { ...cf, policy: 'ALLOW' as const } : cf,
    );
    const r = checkAgreement([
      VIDEO[0]!,
      VIDEO[1]!,
      { ...storage, policy: { ...storage.policy, cfs } },
    ]);
    expect(r.refusals.map((x) => [x.check, x.realm, x.peer, x.field])).toEqual([
      ['transition-table', 'storage', 'gateway', 'CF1.policy'],
    ]);
  });

  it('records tuples by owner identity, strict once a strict realm uploads, with the group', () => {
    const r = checkAgreement(VIDEO);
    // In file order: CF1, CF2 (CALL 0x17 of each locked stage), then per stage EXCEPTION 0x24,
    // 0x20 and OTHER 1, 2 and 3 (§5.4, §8 item 6).
    expect(r.state.table.map((t) => `${t.ownerHash} ${t.type} ${t.range}`)).toEqual([
      '2 CALL 23',
      '3 CALL 23',
      ...[2, 3].flatMap((owner) =>
        ['EXCEPTION 36', 'EXCEPTION 32', 'OTHER 1', 'OTHER 2', 'OTHER 3'].map(
          (t) => `${owner} ${t}`,
        ),
      ),
    ]);
    expect(r.state.table.filter((t) => t.type === 'CALL')).toEqual([
      {
        ownerHash: 2,
        type: 'CALL',
        range: 0x17,
        policy: 'BLOCK',
        strict: true,
        peers: [1, 2, 3, 4],
        recordedBy: 'gateway',
        lockedBy: 'encoder',
      },
      {
        ownerHash: 3,
        type: 'CALL',
        range: 0x17,
        policy: 'BLOCK',
        strict: true,
        peers: [1, 2, 3, 4],
        recordedBy: 'gateway',
        lockedBy: 'encoder',
      },
    ]);
  });

  it('a strict upload from another group cannot re-lock a strict tuple', () => {
    const done = checkAgreement(VIDEO).state;
    const enc = VIDEO[1]!.policy;
    const other: Policy = {
      ...enc,
      vms: [...enc.vms.slice(0, 4), { name: 'VM5', hash: 9, isGateway: false, strict: true }],
      self: 4,
      mems: [],
    };
    const v = validateUpload(done, { name: 'stranger', policy: other });
    // One refusal per tuple: CF1, CF2 (CALL), CF3, CF5 (EXCEPTION 0x24, 0x20), CF4, CF6 (three OTHER).
    expect(v.refusals.map((x) => [x.check, x.field])).toEqual(
      ['CF1', 'CF2', 'CF3', 'CF3', 'CF4', 'CF4', 'CF4', 'CF5', 'CF5', 'CF6', 'CF6', 'CF6'].map(
        (cf) => ['transition-table', `${cf}.owner`],
      ),
    );
  });
});

describe('a refusal over a VM the two files bind to different realms', () => {
  it('names the hash the peer’s copy gives that VM, so a rebuilt realm’s new label is visible', () => {
    // The encoder's file is accepted first; the gateway is then built again with other options
    // (another RIM, so its file binds VM1 to another label).
    const first = validateUpload(emptyAgreementState(), VIDEO[1]!);
    expect(first.accepted).toBe(true);
    const gw = VIDEO[0]!.policy;
    const rebuilt: Policy = {
      ...gw,
      vms: gw.vms.map((v) => (v.name === 'VM1' ? { ...v, hash: 0x7eed9889 } : v)),
    };
    const v = validateUpload(first.state, { name: 'gateway', policy: rebuilt });
    const oldHash = gw.vms.find((vm) => vm.name === 'VM1')!.hash;
    const message = v.refusals.find((r) => r.field === 'mappings.VM1')?.message ?? '';
    expect(message).toContain("encoder's copy has no VM with hash 0x7eed9889");
    expect(message).toContain(
      `its VM1 is hash 0x${oldHash.toString(16)}: the two files name different realms as VM1`,
    );
  });
});

describe('examples (§5.1, §5.4)', () => {
  for (const ex of WORKFLOW_EXAMPLES) {
    it(`${ex.id}: agreement ${ex.expect.agreement === 'accept' ? 'accepts' : 'refuses with the named checks'}`, () => {
      const r = checkAgreement(load(ex.realms));
      if (ex.expect.agreement === 'accept') {
        expect(r.refusals).toEqual([]);
        return;
      }
      expect(
        r.refusals.map((x) => ({
          check: x.check,
          realm: x.realm,
          peer: x.peer,
          object: x.object,
          field: x.field,
        })),
      ).toEqual(
        ex.expect.agreement.map((e) => ({
          peer: undefined,
          object: undefined,
          field: undefined,
          ...e,
        })),
      );
    });
  }
});
