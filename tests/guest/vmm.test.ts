// The host's VMM (src/emulator/host/vmm.ts): realm construction with the real RMI sequence,
// the run loop's exit handling, and the hook extensions use for addresses it does not know.
import { describe, expect, it } from 'vitest';
import {
  abi,
  GUEST_MODEL,
  createMachine,
  createRealm,
  enqueueGuestOps,
  guestMap,
  addHostAbortHandler,
  runRealm,
  STUCK_REPEATS,
  takeGuestResults,
} from '../../src/emulator/index.ts';

function machine() {
  return createMachine({ guest: GUEST_MODEL });
}

describe('createRealm', () => {
  it('issues delegate, REALM_CREATE, RTT_CREATE, INIT_RIPAS, DATA_CREATE, REC_CREATE, ACTIVATE in that order', () => {
    const m = machine();
    const r = createRealm(m, { name: 'r1' });
    expect(r.ok).toBe(true);
    const names = m.ledger
      .filter((e) => e.kind === 'smc:call' && e.caller === 'host')
      .map((e) => (e.kind === 'smc:call' ? e.name : ''));
    const first = (n: string): number => names.indexOf(n);
    expect(first('RMI_GRANULE_DELEGATE')).toBeLessThan(first('RMI_REALM_CREATE'));
    expect(first('RMI_REALM_CREATE')).toBeLessThan(first('RMI_RTT_CREATE'));
    expect(first('RMI_RTT_CREATE')).toBeLessThan(first('RMI_RTT_INIT_RIPAS'));
    expect(first('RMI_RTT_INIT_RIPAS')).toBeLessThan(first('RMI_DATA_CREATE'));
    expect(first('RMI_DATA_CREATE')).toBeLessThan(first('RMI_REC_CREATE'));
    expect(names.at(-1)).toBe('RMI_REALM_ACTIVATE');
    expect(m.checkInvariants()).toEqual([]);
  });

  it('refuses a bad name, a duplicate and a RAM size out of range, before any call', () => {
    const m = machine();
    expect(createRealm(m, { name: 'Bad Name' })).toMatchObject({ ok: false, calls: [] });
    expect(createRealm(m, { name: 'r1', ramPages: 2 })).toMatchObject({
      ok: false,
      calls: [],
      error: expect.stringMatching(/^a realm's RAM must be \d+\.\.\d+ pages, not 2$/),
    });
    expect(createRealm(m, { name: 'r1', image: 'nope' })).toMatchObject({ ok: false, calls: [] });
    expect(createRealm(m, { name: 'r1' }).ok).toBe(true);
    expect(createRealm(m, { name: 'r1' })).toMatchObject({ ok: false, calls: [] });
  });

  it('different images give different RIMs (the image is measured)', () => {
    const m = machine();
    createRealm(m, { name: 'a', image: 'shell' });
    createRealm(m, { name: 'b', image: 'hello' });
    const rims = Object.values(m.state.rmm.realms).map((r) => r.rim);
    expect(new Set(rims).size).toBe(2);
  });

  it('builds a 40-bit realm too (two concatenated starting RTTs at level 1 or one at level 0)', () => {
    const m = machine();
    const r = createRealm(m, { name: 'small', ipaWidth: 40, image: 'hello' });
    expect(r.ok).toBe(true);
    expect(runRealm(m, 'small').stop).toBe('idle');
  });
});

describe('runRealm', () => {
  it('stops "idle" when the guest waits in WFI, "off" after SYSTEM_OFF, and reports an unknown realm', () => {
    const m = machine();
    const r = createRealm(m, { name: 'r1', image: 'hello' });
    if (!r.ok) throw new Error(r.error);
    const first = runRealm(m, 'r1');
    expect(first.stop).toBe('idle');
    expect(first.exits.at(-1)?.detail).toBe('WFI (trapped)');
    enqueueGuestOps(m.state, r.realm.recs[0]!, [
      { op: 'psci', fid: abi.PSCI_SYSTEM_OFF, args: [] },
    ]);
    expect(runRealm(m, 'r1').stop).toBe('off');
    expect(runRealm(m, 'nope')).toMatchObject({ stop: 'error' });
  });

  it('a Mica window is left EMPTY for the monitor: plain CCA gives the realm an SEA, no exit', () => {
    const m = machine();
    const r = createRealm(m, { name: 'r1' });
    if (!r.ok) throw new Error(r.error);
    const window = guestMap.guestLayout(42, 16, false).micaWindows[0]!;
    expect(window.base).toBe(0x180_0000_0000);
    enqueueGuestOps(m.state, r.realm.recs[0]!, [{ op: 'read', ipa: window.base, len: 8 }]);
    const report = runRealm(m, 'r1');
    expect(report.exits.some((e) => e.detail.includes('0x18000000000'))).toBe(false);
    const [, read] = takeGuestResults(m.state, r.realm.recs[0]!);
    expect(read?.error).toMatch(/synchronous external abort/);
  });

  it('an extension abort handler is asked first and its action is reported', () => {
    const m = machine();
    const r = createRealm(m, { name: 'r1' });
    if (!r.ok) throw new Error(r.error);
    const seen: number[] = [];
    const odd = 2 ** 41 + 0x5000_0010;
    const remove = addHostAbortHandler(m, (_m, _realm, _rec, ipa) => {
      if (ipa !== odd) return undefined;
      seen.push(ipa);
      return { action: 'extension: refused', enter: 'sea' };
    });
    try {
      enqueueGuestOps(m.state, r.realm.recs[0]!, [{ op: 'read', ipa: odd, len: 8 }]);
      const report = runRealm(m, 'r1');
      expect(seen).toEqual([odd]);
      expect(report.exits.some((e) => e.action === 'extension: refused')).toBe(true);
      const [, read] = takeGuestResults(m.state, r.realm.recs[0]!);
      expect(read?.error).toMatch(/synchronous external abort/);
    } finally {
      remove();
    }
  });

  it('an abort handler belongs to one machine: another machine never asks it, a removed one is not asked', () => {
    const odd = 2 ** 41 + 0x5000_0010;
    const seen: string[] = [];
    const one = machine();
    const other = machine();
    const remove = addHostAbortHandler(one, (_m, realm, _rec, ipa) => {
      if (ipa === odd) seen.push(realm.name);
      return undefined;
    });
    for (const [m, name] of [
      [other, 'other'],
      [one, 'one'],
    ] as const) {
      const r = createRealm(m, { name });
      if (!r.ok) throw new Error(r.error);
      enqueueGuestOps(m.state, r.realm.recs[0]!, [{ op: 'read', ipa: odd, len: 8 }]);
      runRealm(m, name);
    }
    expect(seen).toEqual(['one']);
    remove();
    const again = createRealm(one, { name: 'again' });
    if (!again.ok) throw new Error(again.error);
    enqueueGuestOps(one.state, again.realm.recs[0]!, [{ op: 'read', ipa: odd, len: 8 }]);
    runRealm(one, 'again');
    expect(seen).toEqual(['one']);
  });

  it('the facade hands clients no Ctx: the host writes the ledger through hostIo', () => {
    const m = machine();
    expect('ctx' in m).toBe(false);
    m.hostIo.note('VMM: a note');
    expect(m.ledger.at(-1)).toMatchObject({ kind: 'note', text: 'VMM: a note' });
  });
});

describe('runRealm stops a REC that cannot make progress', () => {
  /** A guest that yields to the host on every entry and never changes anything. */
  const spinner = { name: 'spinner', run: () => ({ kind: 'irq' }) as const };

  it(`the same exit ${STUCK_REPEATS} times with the guest unchanged ends the run as stuck, saying which exit`, () => {
    const m = createMachine({ guest: spinner });
    expect(createRealm(m, { name: 'r1' }).ok).toBe(true);
    const report = runRealm(m, 'r1');
    expect(report.stop).toBe('stuck');
    expect(report.exits).toHaveLength(STUCK_REPEATS);
    expect(report.error).toContain(`REC 0 made the same exit ${STUCK_REPEATS} times in a row`);
    expect(report.error).toContain('RMI_EXIT_IRQ');
    expect(m.checkInvariants()).toEqual([]);
  });

  it('a guest that makes progress between identical exits is not stopped', () => {
    let count = 0;
    const counter = {
      name: 'counter',
      run: (_ctx: unknown, _realm: unknown, rec: { guest: Record<string, unknown> }) => {
        rec.guest.n = String(++count);
        return count < 10 ? ({ kind: 'irq' } as const) : ({ kind: 'wfi' } as const);
      },
    };
    const m = createMachine({ guest: counter as never });
    expect(createRealm(m, { name: 'r1' }).ok).toBe(true);
    const report = runRealm(m, 'r1');
    expect(report.stop).toBe('idle');
    expect(report.exits.length).toBeGreaterThanOrEqual(10);
  });
});
