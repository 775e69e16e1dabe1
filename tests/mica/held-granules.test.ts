// Issue 11 finding 1, "a shared page can be taken out of the monitor's control while still
// mapped" (mica-spec.md §3.4, §3.7, §8 item 13, Appendix A): every granule a command consumes,
// also those named inside a parameter page (REALM_CREATE's rtt_base, REC_CREATE's aux list),
// goes through the monitor's one guard; and the machine invariants cover the monitor's state
// (a shared mapping points at a granule still tagged shared, listed in the SGT for a live
// realm). Each case asserts the refusal, that the page stays shared and mapped, that the
// gateway's next write is seen only by the encoder, and that the invariants hold.
import { describe, expect, it } from 'vitest';
import {
  abi,
  encodeRealmParams,
  encodeRecParams,
  mpidrOfIndex,
  type Machine,
} from '../../src/emulator/index.ts';
import { MICA_IPA_WIDTH } from '../../src/policy/abi.ts';
import { checkMicaInvariants } from '../../src/policy/monitor/invariants.ts';
import { micaOf } from '../../src/policy/monitor/state.ts';
import { VIDEO_VALUE, buildVideoWorkflow } from '../../src/workflows/video.ts';
import type { MicaHost } from '../../src/workflows/host.ts';

const SIZE = 0x4000;
const BAR0 = 0x18000000000;

function nsPage(host: MicaHost, m: Machine, bytes: Uint8Array): number {
  const pa = host.alloc();
  expect(m.write(pa, bytes).ok).toBe(true);
  return pa;
}

/** RmiRealmParams for a small realm whose starting RTT is at `rttBase`. */
function realmParams(rttBase: number, vmid: number): Uint8Array {
  return encodeRealmParams({
    s2sz: BigInt(MICA_IPA_WIDTH),
    numBps: 1n,
    numWps: 1n,
    hashAlgo: BigInt(abi.RMI_HASH_SHA_512),
    rpv: new Uint8Array(64),
    vmid: BigInt(vmid),
    rttBase: BigInt(rttBase),
    rttLevelStart: 0n,
    rttNumStart: 1n,
  });
}

function pipeline() {
  const wf = buildVideoWorkflow({ size: SIZE });
  wf.runApp();
  const page = wf.host.backing('Mem1', 0);
  return { wf, page };
}

/** The page is still shared, the encoder still reads what the gateway writes, nothing broke. */
function stillGuarded(wf: ReturnType<typeof pipeline>['wf'], page: number) {
  const g = wf.machine.state.granules[page / abi.GRANULE_SIZE];
  expect(g?.state).toBe('DELEGATED');
  expect(g?.ext).toBe('mica:shared');
  const value = VIDEO_VALUE + 7n;
  wf.exec('gateway', [{ op: 'write', ipa: BAR0 + 0x20, value }]);
  const at = wf.guest.program(wf.realms.encoder!.rd).length;
  const seen = wf.exec('encoder', [{ op: 'read', ipa: BAR0 + 0x20 }])[`val@${at}`];
  expect(seen).toBe('0x' + value.toString(16));
  expect(wf.machine.checkInvariants()).toEqual([]);
}

describe('held granules and the monitor invariants (issue 11 finding 1)', () => {
  it('REALM_CREATE naming a live shared page as rtt_base (in its params) is refused', () => {
    const { wf, page } = pipeline();
    const m = wf.machine;
    const rd = wf.host.delegated();
    const r = wf.host.smc(abi.SMC_RMI_REALM_CREATE, rd, nsPage(wf.host, m, realmParams(page, 77)));
    expect(r.status).toBe('RMI_ERROR_INPUT');
    expect(r.failure?.label).toBe('mica_shared_mapped');
    expect(r.failure?.reason).toMatch(/named by RMI_REALM_CREATE as granule 2/);
    // The old recipe went on: destroy the realm, undelegate the page, give it to another realm.
    expect(wf.host.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, page).status).toBe('RMI_ERROR_INPUT');
    stillGuarded(wf, page);
  });

  it('REC_CREATE naming a live shared page in its aux list is refused', () => {
    const { wf, page } = pipeline();
    const m = wf.machine;
    const rd = wf.host.delegated();
    const rtt = wf.host.delegated();
    const created = wf.host.smc(
      abi.SMC_RMI_REALM_CREATE,
      rd,
      nsPage(wf.host, m, realmParams(rtt, 78)),
    );
    expect(created.status).toBe('RMI_SUCCESS');
    const aux = Array.from({ length: abi.LAB_REC_AUX_COUNT }, (_, i) =>
      BigInt(i === 1 ? page : wf.host.delegated()),
    );
    const params = encodeRecParams({
      flags: BigInt(abi.RMI_RUNNABLE),
      mpidr: mpidrOfIndex(0),
      pc: 0n,
      numAux: BigInt(abi.LAB_REC_AUX_COUNT),
      aux,
    });
    const r = wf.host.smc(
      abi.SMC_RMI_REC_CREATE,
      rd,
      wf.host.delegated(),
      nsPage(wf.host, m, params),
    );
    expect(r.status).toBe('RMI_ERROR_INPUT');
    expect(r.failure?.label).toBe('mica_shared_mapped');
    stillGuarded(wf, page);
  });

  it('the invariants see a shared mapping whose page left the shared state, and a dead realm', () => {
    const { wf, page } = pipeline();
    expect(checkMicaInvariants(wf.machine.state)).toEqual([]);
    const g = wf.machine.state.granules[page / abi.GRANULE_SIZE]!;
    delete g.ext;
    const mica = micaOf(wf.machine.state)!;
    mica.sgt.entries.push({ pa: page, gpa: BAR0, rd: 0x1234000 });
    const problems = checkMicaInvariants(wf.machine.state);
    expect(problems.some((p) => /not a DELEGATED mica:shared page/.test(p))).toBe(true);
    expect(problems.some((p) => /names dead realm 0x1234000/.test(p))).toBe(true);
    expect(wf.machine.checkInvariants()).toEqual(expect.arrayContaining(problems));
  });
});

describe('a command consumes only the granules it declares (emulator rmi/types.ts consumes)', () => {
  it('a command that takes an undeclared granule out of DELEGATED is an emulator bug', async () => {
    const { createMachine } = await import('../../src/emulator/index.ts');
    const { transitionGranule } = await import('../../src/emulator/rmm/granule.ts');
    const { success } = await import('../../src/emulator/rmm/rmi/types.ts');
    /** A free FID of the RMI range, for a command only this test defines. */
    const TEST_FID = abi.SMC_RMI_FID_MAX;
    const sneaky = {
      fid: TEST_FID,
      name: 'TEST_SNEAKY_CONSUME',
      section: 'none (a test-only command)',
      args: ['addr'],
      results: [],
      summary: 'takes a granule without declaring it',
      handler: (ctx: Parameters<typeof transitionGranule>[0], [addr = 0n]: readonly bigint[]) => {
        transitionGranule(ctx, Number(addr), 'DELEGATED', 'RTT', 'TEST_SNEAKY_CONSUME');
        return success();
      },
    };
    const m = createMachine({
      extensions: [{ name: 'sneaky', initialState: () => ({}), rmiCommands: [sneaky] }],
    });
    const pa = 0x8000_0000;
    expect(m.smc(abi.SMC_RMI_GRANULE_DELEGATE, pa).status).toBe('RMI_SUCCESS');
    expect(() => m.smc(TEST_FID, pa)).toThrow(/without declaring it in consumes/);
  });
});
