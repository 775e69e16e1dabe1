// Property: random sequences of RMI calls with random valid and invalid arguments (and a
// random guest inside the realms) never break an invariant, never throw, never let the host
// read Realm-PAS bytes, and leave a state that survives a JSON snapshot round trip
// (cca-spec.md §7 items 2-4). 100 runs x 110 steps = 11k steps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  abi,
  createMachine,
  encodeRealmParams,
  encodeRecEnter,
  encodeRecParams,
  listRealms,
  listRecs,
  mpidrOfIndex,
  smcStop,
  type GuestRunner,
  type Machine,
} from '../../src/emulator/index.ts';
import { hex } from '../../src/lib/hex.ts';

const DRAM = 0x8000_0000;
const GRANULE = 0x1000;
/** The granules the host plays with. */
const POOL = 56;
const RUNS = 100;
const STEPS = 110;

/** A deterministic pseudo-random guest whose seed lives in the REC (snapshot-safe). */
const randomGuest: GuestRunner = {
  name: 'random',
  run(_ctx, realm, rec) {
    const prev = typeof rec.guest.seed === 'number' ? rec.guest.seed : rec.index + 7;
    const seed = (prev * 1103515245 + 12345) % 2 ** 31;
    rec.guest.seed = seed;
    const half = 2 ** (realm.ipaWidth - 1);
    const ipas = [
      0,
      GRANULE,
      0x20_0000,
      half,
      half + GRANULE,
      2 ** realm.ipaWidth - GRANULE,
      0x108,
    ];
    const ipa = ipas[(seed >> 4) % ipas.length]!;
    const page = Math.floor(ipa / GRANULE) * GRANULE;
    switch (seed % 12) {
      case 0:
        return { kind: 'wfi' };
      case 1:
        return { kind: 'access', access: 'read', ipa, size: 8, register: seed % 31 };
      case 2:
        return { kind: 'access', access: 'write', ipa, size: 4, register: 1, value: BigInt(seed) };
      case 3:
        return { kind: 'access', access: 'fetch', ipa, size: 4, register: 0 };
      case 4:
        return smcStop(
          rec,
          abi.SMC_RSI_IPA_STATE_SET,
          page,
          page + 2 * GRANULE,
          seed & 1,
          (seed >> 1) & 1,
        );
      case 5:
        return smcStop(rec, abi.SMC_RSI_HOST_CALL, ipa);
      case 6:
        return smcStop(rec, abi.PSCI_CPU_ON_AARCH64, mpidrOfIndex((seed >> 3) % 3), 0x1000, 9);
      case 7:
        return smcStop(rec, abi.PSCI_AFFINITY_INFO_AARCH64, mpidrOfIndex((seed >> 3) % 3), 0);
      case 8:
        return smcStop(rec, seed % 5 === 0 ? abi.PSCI_SYSTEM_OFF : abi.PSCI_CPU_OFF);
      case 9:
        return smcStop(rec, abi.PSCI_VERSION);
      case 10:
        return {
          kind: 'access',
          access: 'read',
          ipa: half + 8,
          size: 2,
          register: 3,
          isv: seed % 3 !== 0,
        };
      default:
        return { kind: 'irq' };
    }
  },
};

/** A selector the runner resolves against the machine's current state. */
type Sel = number;

interface World {
  readonly m: Machine;
}

/** Granules [0, DELEGATED_POOL) start delegated; the rest stay NS for parameter pages. */
const DELEGATED_POOL = 40;

function pool(sel: Sel): number {
  return DRAM + (sel % POOL) * GRANULE;
}

/** An NS page of the pool (params, src, RecRun). */
function nsPage(sel: Sel): number {
  return DRAM + (DELEGATED_POOL + (sel % (POOL - DELEGATED_POOL))) * GRANULE;
}

/** A bad address of some kind: zero, Secure, unaligned, beyond any PA, all ones. */
function badPa(sel: Sel): bigint {
  return [0n, 0x0600_0000n, BigInt(pool(sel) + 8), 1n << 52n, 2n ** 64n - 1n][sel % 5]!;
}

/** Mostly an existing realm's RD. */
function rdOf(w: World, sel: Sel): bigint {
  const realms = listRealms(w.m.state);
  if (sel % 10 < 8 && realms.length) return BigInt(realms[sel % realms.length]!.rd);
  return sel % 10 === 8 ? badPa(sel) : BigInt(pool(sel));
}

/** Mostly an existing REC. */
function recOf(w: World, sel: Sel): bigint {
  const recs = listRecs(w.m.state);
  if (sel % 10 < 8 && recs.length) return BigInt(recs[sel % recs.length]!.rec);
  return sel % 10 === 8 ? badPa(sel) : BigInt(pool(sel));
}

/** Mostly a DELEGATED pool granule. */
function freeOf(w: World, sel: Sel): bigint {
  const free = Array.from({ length: POOL }, (_, i) => pool(i)).filter(
    (p) => w.m.granuleOf(p).state === 'DELEGATED',
  );
  if (sel % 10 < 8 && free.length) return BigInt(free[sel % free.length]!);
  return sel % 10 === 8 ? badPa(sel) : BigInt(pool(sel));
}

/** Any pool address, or a bad one. */
function pa(sel: Sel): bigint {
  return sel % 7 === 0 ? badPa(sel) : BigInt(pool(sel));
}

/** An IPA: protected, unprotected, misaligned or beyond the IPA space of a 40-bit realm. */
function ipa(sel: Sel): bigint {
  return [
    0n,
    0x1000n,
    0x2000n,
    0x20_0000n,
    0x4000_0000n,
    1n << 39n,
    (1n << 39n) + 0x1000n,
    1n << 40n,
    0x123n,
  ][sel % 9]!;
}

/** Builds the run's starting point: most of the pool delegated and one NEW realm. */
function prologue(m: Machine): void {
  for (let i = 0; i < DELEGATED_POOL; i++) m.smc(abi.SMC_RMI_GRANULE_DELEGATE, pool(i));
  const params = nsPage(0);
  m.write(
    params,
    encodeRealmParams({
      s2sz: 40n,
      rttLevelStart: 1n,
      rttNumStart: 2n,
      rttBase: BigInt(pool(0)),
      numBps: 1n,
      numWps: 1n,
      vmid: 1n,
    }),
  );
  m.smc(abi.SMC_RMI_REALM_CREATE, pool(2), params);
  m.smc(abi.SMC_RMI_RTT_CREATE, pool(2), pool(3), 0, 2);
  m.smc(abi.SMC_RMI_RTT_CREATE, pool(2), pool(4), 0, 3);
  m.smc(abi.SMC_RMI_RTT_INIT_RIPAS, pool(2), 0, 0x8000);
  const recParams = nsPage(1);
  m.write(
    recParams,
    encodeRecParams({
      flags: 1n,
      pc: 0x1000n,
      numAux: BigInt(abi.LAB_REC_AUX_COUNT),
      aux: [BigInt(pool(6)), BigInt(pool(7))],
    }),
  );
  m.smc(abi.SMC_RMI_REC_CREATE, pool(2), pool(5), recParams);
}

const sel = fc.nat({ max: 10_000 });
const level = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 2, max: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: -1, max: 4 }) },
);

/** One host action. */
const action = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constant('delegate' as const), sel) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('undelegate' as const), sel) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constant('realm' as const),
      sel,
      sel,
      sel,
      fc.constantFrom([40, 1, 2], [39, 1, 1], [33, 2, 8], [48, 0, 1], [40, 0, 2], [31, 2, 1]),
      fc.constantFrom(0, 0, 1, 2),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.constant('rec' as const),
      sel,
      sel,
      sel,
      fc.nat({ max: 3 }),
      fc.boolean(),
    ),
  },
  {
    weight: 4,
    arbitrary: fc.tuple(fc.constant('rtt' as const), fc.nat({ max: 5 }), sel, sel, sel, level),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constant('data' as const),
      fc.nat({ max: 2 }),
      sel,
      sel,
      sel,
      fc.constantFrom(0, 0, 1, 2),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.constant('ripas' as const),
      fc.boolean(),
      sel,
      sel,
      sel,
      fc.nat({ max: 3 }),
    ),
  },
  {
    weight: 5,
    arbitrary: fc.tuple(
      fc.constant('enter' as const),
      sel,
      sel,
      fc.nat({ max: 31 }),
      fc.bigInt(0n, 2n ** 64n - 1n),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constant('psci' as const), sel, sel, fc.constantFrom(0, -3, -2, 1)),
  },
  { weight: 1, arbitrary: fc.tuple(fc.constant('lifecycle' as const), fc.nat({ max: 4 }), sel) },
  {
    weight: 1,
    arbitrary: fc.tuple(
      fc.constant('raw' as const),
      fc.integer({ min: abi.SMC_RMI_FID_MIN, max: abi.SMC_RMI_FID_MAX }),
      sel,
      sel,
      sel,
    ),
  },
);

type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

function perform(w: World, a: Action): void {
  const { m } = w;
  switch (a[0]) {
    case 'delegate':
      m.smc(abi.SMC_RMI_GRANULE_DELEGATE, pa(a[1]));
      return;
    case 'undelegate':
      m.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, a[1] % 2 ? freeOf(w, a[1]) : pa(a[1]));
      return;
    case 'realm': {
      const [, rdSel, rttSel, paramsSel, [s2sz, sl, num], hash] = a;
      const params = nsPage(paramsSel);
      m.write(
        params,
        encodeRealmParams({
          s2sz: BigInt(s2sz),
          rttLevelStart: BigInt(sl),
          rttNumStart: BigInt(num),
          rttBase: freeOf(w, rttSel),
          numBps: 1n,
          numWps: 1n,
          hashAlgo: BigInt(hash),
          vmid: BigInt(rdSel % 4),
        }),
      );
      m.smc(abi.SMC_RMI_REALM_CREATE, freeOf(w, rdSel), params);
      return;
    }
    case 'rec': {
      const [, rdSel, recSel, paramsSel, skew, runnable] = a;
      const rd = rdOf(w, rdSel);
      const next = w.m.state.rmm.realms[hex(rd)]?.recIndex ?? 0;
      const index = skew === 3 ? next + 1 : next;
      const params = nsPage(paramsSel);
      m.write(
        params,
        encodeRecParams({
          flags: runnable ? 1n : 0n,
          mpidr: mpidrOfIndex(index),
          pc: 0x1000n,
          numAux: BigInt(abi.LAB_REC_AUX_COUNT),
          aux: [freeOf(w, recSel + 1), freeOf(w, recSel + 2)],
        }),
      );
      m.smc(abi.SMC_RMI_REC_CREATE, rd, freeOf(w, recSel), params);
      return;
    }
    case 'rtt': {
      const [, op, rdSel, rttSel, ipaSel, lvl] = a;
      const rd = rdOf(w, rdSel);
      const at = ipa(ipaSel);
      if (op === 0) m.smc(abi.SMC_RMI_RTT_CREATE, rd, freeOf(w, rttSel), at, lvl);
      if (op === 1) m.smc(abi.SMC_RMI_RTT_DESTROY, rd, at, lvl);
      if (op === 2) m.smc(abi.SMC_RMI_RTT_FOLD, rd, at, lvl);
      if (op === 3)
        m.smc(abi.SMC_RMI_RTT_MAP_UNPROTECTED, rd, at, lvl, BigInt(nsPage(rttSel)) | 0xc4n);
      if (op === 4) m.smc(abi.SMC_RMI_RTT_UNMAP_UNPROTECTED, rd, at, lvl);
      if (op === 5) m.smc(abi.SMC_RMI_RTT_READ_ENTRY, rd, at, lvl);
      return;
    }
    case 'data': {
      const [, op, rdSel, dataSel, ipaSel, flags] = a;
      const rd = rdOf(w, rdSel);
      if (op === 0)
        m.smc(abi.SMC_RMI_DATA_CREATE, rd, freeOf(w, dataSel), ipa(ipaSel), nsPage(dataSel), flags);
      if (op === 1) m.smc(abi.SMC_RMI_DATA_CREATE_UNKNOWN, rd, freeOf(w, dataSel), ipa(ipaSel));
      if (op === 2) m.smc(abi.SMC_RMI_DATA_DESTROY, rd, ipa(ipaSel));
      return;
    }
    case 'ripas': {
      const [, init, rdSel, recSel, baseSel, span] = a;
      const base = ipa(baseSel);
      const top = base + BigInt([0x1000, 0x2000, 0x20_0000, 0x800][span]!);
      if (init) m.smc(abi.SMC_RMI_RTT_INIT_RIPAS, rdOf(w, rdSel), base, top);
      else {
        const rec = recOf(w, recSel);
        const next = w.m.state.rmm.recs[hex(rec)]?.ripasAddr;
        const from = span === 3 && next !== undefined ? BigInt(next) : base;
        m.smc(abi.SMC_RMI_RTT_SET_RIPAS, rdOf(w, rdSel), rec, from, from + 0x1000n);
      }
      return;
    }
    case 'enter': {
      const [, recSel, runSel, flags, value] = a;
      const run = nsPage(runSel);
      m.write(
        run,
        encodeRecEnter({ flags: BigInt(flags), gprs: [value], gicv3Hcr: flags === 7 ? 1n : 0n }),
      );
      m.smc(abi.SMC_RMI_REC_ENTER, recOf(w, recSel), run);
      return;
    }
    case 'psci':
      m.smc(
        abi.SMC_RMI_PSCI_COMPLETE,
        recOf(w, a[1]),
        recOf(w, a[2]),
        BigInt.asUintN(64, BigInt(a[3])),
      );
      return;
    case 'lifecycle': {
      const fid = [
        abi.SMC_RMI_REALM_ACTIVATE,
        abi.SMC_RMI_REALM_ACTIVATE,
        abi.SMC_RMI_REC_AUX_COUNT,
        abi.SMC_RMI_REC_DESTROY,
        abi.SMC_RMI_REALM_DESTROY,
      ][a[1]]!;
      m.smc(fid, fid === abi.SMC_RMI_REC_DESTROY ? recOf(w, a[2]) : rdOf(w, a[2]));
      return;
    }
    case 'raw':
      m.smc(a[1], rdOf(w, a[2]), ipa(a[3]), BigInt(a[4] % 5) - 1n, pa(a[4]));
      return;
  }
}

describe('random RMI sequences', () => {
  it(`keep every invariant and never expose Realm PAS to the host (${RUNS * STEPS} steps)`, () => {
    let steps = 0;
    let successes = 0;
    fc.assert(
      fc.property(
        fc.array(action, { minLength: STEPS, maxLength: STEPS }),
        fc.nat({ max: POOL - 1 }),
        (actions, probe) => {
          const m = createMachine({ guest: randomGuest });
          const w: World = { m };
          prologue(m);
          for (const a of actions) {
            const before = m.ledger.length;
            perform(w, a);
            steps += 1;
            successes += m.ledger
              .slice(before)
              .filter(
                (e) =>
                  e.kind === 'smc:return' &&
                  e.status === 'RMI_SUCCESS' &&
                  e.name.startsWith('RMI_'),
              ).length;
            const broken = m.checkInvariants();
            if (broken.length > 0)
              throw new Error(
                `after ${JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}: ${broken.join('; ')}`,
              );
            // The host probes one granule: the read succeeds exactly when it is NS PAS, so
            // no Realm-PAS byte ever reaches the host.
            const target = pool(probe + steps);
            const gpi = m.gpiOf(target);
            const read = m.read(target, 64);
            if (read.ok !== (gpi === 'NS')) {
              throw new Error(`host read of ${target.toString(16)} (GPI ${gpi}) ok=${read.ok}`);
            }
          }
          // The state is plain JSON: a snapshot round trip restores an equal, consistent machine.
          const json = JSON.stringify(m.snapshot());
          const copy = createMachine({ guest: randomGuest });
          expect(copy.restore(JSON.parse(json))).toEqual({ ok: true });
          expect(copy.checkInvariants()).toEqual([]);
          expect(JSON.stringify(copy.snapshot())).toBe(json);
        },
      ),
      { numRuns: RUNS, seed: 20261125 },
    );
    expect(steps).toBeGreaterThanOrEqual(10_000);
    // The generator reaches deep states, not only early refusals.
    expect(successes).toBeGreaterThan(steps / 10);
  });
});
