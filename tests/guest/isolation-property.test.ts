// Property (fast-check): random guest programs in two realms, each given its tenant's secret
// through the network device (the declared source, labelled with the realm's name). (1) A
// realm never reads the other realm's private bytes or labels. (2) The host sees a labelled byte (in NS memory, on
// a console, in host-call registers) only if a guest put it there, and then a `flow` event
// with that label says so (mica-spec.md §1.3; cca-spec.md §3.4, §4.3).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../src/lib/bytes.ts';
import {
  GUEST_MODEL,
  createMachine,
  createRealm,
  enqueueGuestOps,
  guestMap,
  hostRealm,
  leaksOf,
  runRealm,
  takeGuestResults,
  tenantSend,
  type GuestOp,
  type GuestResult,
  type Machine,
} from '../../src/emulator/index.ts';

const SECRET: Readonly<Record<string, string>> = { a: 'AAAA-secret!', b: 'BBBB-secret!' };
const SECRET_IPA = 0x4000;
const UNPROTECTED = 2 ** 41;
const SHARE_PAGES = [0x6000, 0x7000, 0x8000];

/**
 * IPAs a program touches: a few pages of its RAM (the secret's page first) and the
 * unprotected aliases of the shareable pages, with small offsets so that data meets.
 */
const ipaArb = fc
  .tuple(
    fc.constantFrom(SECRET_IPA, 0x5000, ...SHARE_PAGES, ...SHARE_PAGES.map((p) => UNPROTECTED + p)),
    fc.integer({ min: 0, max: 16 }),
  )
  .map(([base, offset]) => base + offset);

const opArb: fc.Arbitrary<GuestOp> = fc.oneof(
  fc.record({
    op: fc.constant('read' as const),
    ipa: ipaArb,
    len: fc.integer({ min: 1, max: 16 }),
  }),
  fc.record({
    op: fc.constant('write' as const),
    ipa: ipaArb,
    data: fc.uint8Array({ minLength: 1, maxLength: 12 }).map(toHex),
  }),
  fc.record({
    op: fc.constant('copy' as const),
    src: ipaArb,
    dst: ipaArb,
    len: fc.integer({ min: 1, max: 16 }),
  }),
  fc.record({ op: fc.constant('recv' as const), ipa: ipaArb }),
  fc.record({
    op: fc.constant('send' as const),
    device: fc.constant('console' as const),
    from: fc.record({ ipa: ipaArb, len: fc.integer({ min: 1, max: 16 }) }),
  }),
  fc.record({
    op: fc.constant('hostcall' as const),
    imm: fc.integer({ min: 0, max: 9 }),
    regs: fc.array(
      ipaArb.map((from) => ({ from })),
      { maxLength: 2 },
    ),
  }),
  fc
    .record({
      op: fc.constant('ipa-state-set' as const),
      base: fc.constantFrom(...SHARE_PAGES),
      top: fc.constant(0),
      ripas: fc.constantFrom(0, 1),
      flags: fc.constant(0),
    })
    .map((o) => ({ ...o, top: o.base + 0x1000 })),
);

const programArb = fc.array(
  fc.oneof(
    opArb.map((op) => ['a', op] as const),
    opArb.map((op) => ['b', op] as const),
  ),
  { maxLength: 10 },
);

interface World {
  readonly m: Machine;
  readonly recs: Readonly<Record<string, number>>;
  readonly results: Record<string, GuestResult[]>;
  /** Every exit the host handled, as "detail -> action" text. */
  readonly exits: string[];
}

function world(): World {
  const m = createMachine({ guest: GUEST_MODEL });
  const recs: Record<string, number> = {};
  const results: Record<string, GuestResult[]> = { a: [], b: [] };
  for (const name of ['a', 'b']) {
    const created = createRealm(m, { name, net: true });
    if (!created.ok) throw new Error(created.error);
    recs[name] = created.realm.recs[0]!;
  }
  const w = { m, recs, results, exits: [] as string[] };
  for (const name of ['a', 'b']) {
    // The tenant's input, declared with the realm's name as its label (the only source).
    expect(tenantSend(hostRealm(m, name), utf8(SECRET[name]!), name).ok).toBe(true);
    run(w, name, [{ op: 'recv', ipa: SECRET_IPA }]);
  }
  return w;
}

function run(w: World, name: string, ops: GuestOp[]): void {
  enqueueGuestOps(w.m.state, w.recs[name]!, ops);
  const report = runRealm(w.m, name);
  expect(['idle', 'off']).toContain(report.stop);
  w.exits.push(...report.exits.map((e) => `${e.detail} -> ${e.action}`));
  w.results[name]!.push(...takeGuestResults(w.m.state, w.recs[name]!));
}

function contains(hex: string, text: string): boolean {
  return hex.includes(toHex(utf8(text)).slice(0, 8));
}

describe('random guest programs in two realms', () => {
  it('never let a realm read the other realm’s private bytes; every host-visible labelled byte has a flow', () => {
    fc.assert(
      fc.property(programArb, (program) => {
        const w = world();
        for (const [name, op] of program) run(w, name, [op]);
        const { m } = w;
        expect(m.checkInvariants()).toEqual([]);
        // (1) Isolation: what a realm read never carries the other's label or secret bytes.
        for (const [me, other] of [
          ['a', 'b'],
          ['b', 'a'],
        ] as const) {
          for (const r of w.results[me]!) {
            expect(r.labels ?? []).not.toContain(other);
            expect(contains(r.data ?? '', SECRET[other]!)).toBe(false);
          }
        }
        // (2) NS memory: every labelled byte there arrived by a flow naming its label and granule
        // (the network buffer holding the tenant's delivered input is the declared source).
        const inputBuffers = new Set(
          Object.values(m.state.host!.realms).map((r) => {
            const layout = guestMap.guestLayout(r.ipaWidth, r.ramPages, r.net);
            const net = layout.devices.find((d) => d.name === 'net')!;
            return r.shared['0x' + net.buffer.toString(16)];
          }),
        );
        for (const [index, runs] of Object.entries(m.state.labels ?? {})) {
          const pa = Number(index) * 4096;
          if (m.gpiOf(pa) !== 'NS' || inputBuffers.has(pa)) continue;
          for (const [, , label] of runs) {
            const flows = leaksOf(m.ledger, label).filter(
              (f) =>
                f.channel === 'ns-memory' &&
                f.destination.address !== undefined &&
                Math.floor(f.destination.address / 4096) === Number(index),
            );
            expect(flows.length, `${label} in NS granule ${pa.toString(16)}`).toBeGreaterThan(0);
          }
        }
        // The console: a secret on it means a console flow with that label.
        for (const name of ['a', 'b']) {
          for (const realm of Object.values(m.state.host!.realms)) {
            if (!realm.console.includes(SECRET[name]!.slice(0, 6))) continue;
            expect(leaksOf(m.ledger, name).some((f) => f.channel === 'console')).toBe(true);
          }
        }
        // Host-call registers: the secret's first 8 bytes as a register value means a flow.
        for (const name of ['a', 'b']) {
          const word = '0x' + toHex(utf8(SECRET[name]!.slice(0, 8)).reverse());
          if (!w.exits.some((e) => e.includes('RSI_HOST_CALL') && e.includes(word))) continue;
          expect(leaksOf(m.ledger, name).some((f) => f.channel === 'host-call')).toBe(true);
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('a program that only reads unlabelled data', () => {
  it('never produces labelled output: no labelled byte anywhere, no flow that carries a label', () => {
    fc.assert(
      fc.property(programArb, (program) => {
        // Two realms with the same programs, but no tenant ever sends them anything: the
        // only declared source stays silent, so nothing a program does can create a label.
        const m = createMachine({ guest: GUEST_MODEL });
        const recs: Record<string, number> = {};
        for (const name of ['a', 'b']) {
          const created = createRealm(m, { name, net: true });
          if (!created.ok) throw new Error(created.error);
          recs[name] = created.realm.recs[0]!;
        }
        for (const [name, op] of program) {
          enqueueGuestOps(m.state, recs[name]!, [op]);
          runRealm(m, name);
          for (const r of takeGuestResults(m.state, recs[name]!)) {
            expect(r.labels ?? []).toEqual([]);
          }
        }
        expect(m.state.labels ?? {}).toEqual({});
        const labelled = m.ledger.filter((e) => e.kind === 'flow' && e.labels.length > 0);
        expect(labelled).toEqual([]);
        expect(m.checkInvariants()).toEqual([]);
      }),
      { numRuns: 30 },
    );
  });
});
