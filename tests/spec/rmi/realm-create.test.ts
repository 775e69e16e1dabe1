// RMI_REALM_CREATE (DEN0137 B4.3.9; cca-spec.md §2.3, §5.2): one test per failure label in
// spec order, each set up so that every earlier condition passes, then the success rules.
import { describe, expect, it } from 'vitest';
import {
  abi,
  encodeRealmParams,
  listRealms,
  rttEntries,
  type RealmParams,
} from '../../../src/emulator/index.ts';
import { toHex } from '../../../src/lib/bytes.ts';
import { DRAM, GRANULE, Lab, expectFailure, expectOk, realmParams } from './helpers.ts';
import { specTitle } from '../spec-title.ts';

/** A realm-create attempt: delegated RD and RTTs plus params, with overrides. */
function attempt(lab: Lab, overrides: Partial<RealmParams> = {}, rdOverride?: number) {
  const rtt0 = lab.delegated(2 * GRANULE);
  lab.delegated();
  const rd = rdOverride ?? lab.delegated();
  const params = lab.nsPage(
    encodeRealmParams(realmParams(lab, { rttBase: BigInt(rtt0), ...overrides })),
  );
  return { rd, params, rtt0, create: () => lab.call(abi.SMC_RMI_REALM_CREATE, rd, params) };
}

const INPUT = 'RMI_ERROR_INPUT';

describe(specTitle('RMI_REALM_CREATE'), () => {
  it('params_align: params_ptr not 4 KiB aligned -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const a = attempt(lab);
    expectFailure(lab.call(abi.SMC_RMI_REALM_CREATE, a.rd, a.params + 8), 'params_align', INPUT);
  });

  it('params_bound: params_ptr outside tracked memory -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const a = attempt(lab);
    expectFailure(lab.call(abi.SMC_RMI_REALM_CREATE, a.rd, 0x1c09_0000), 'params_bound', INPUT);
  });

  it('params_pas: params granule is not NS (delegated) -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const a = attempt(lab);
    const r = lab.call(abi.SMC_RMI_REALM_CREATE, a.rd, lab.delegated());
    expectFailure(r, 'params_pas', INPUT);
    expect(lab.m.ledger.some((e) => e.kind === 'gpf' && e.actor === 'rmm')).toBe(true);
  });

  it.each([
    ['reserved flags bits', { flags: 0x8n }],
    ['reserved hash_algo', { hashAlgo: 2n }],
    ['num_bps 0', { numBps: 0n }],
    ['num_wps 0', { numWps: 0n }],
  ])('params_valid: %s -> RMI_ERROR_INPUT', (_name, overrides) => {
    const lab = new Lab();
    expectFailure(attempt(lab, overrides).create(), 'params_valid', INPUT);
  });

  it.each([
    ['LPA2', { flags: 1n }],
    ['SVE', { flags: 2n }],
    ['PMU', { flags: 4n }],
    ['too many breakpoints', { numBps: BigInt(abi.LAB_NUM_BPS + 1) }],
    ['too many watchpoints', { numWps: BigInt(abi.LAB_NUM_WPS + 1) }],
    ['IPA wider than S2SZ', { s2sz: 49n }],
  ])('params_supp: %s -> RMI_ERROR_INPUT', (_name, overrides) => {
    const lab = new Lab();
    expectFailure(attempt(lab, overrides).create(), 'params_supp', INPUT);
  });

  it('alias: rd is one of the starting RTTs -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const rtt0 = lab.delegated(2 * GRANULE);
    lab.delegated();
    const params = lab.nsPage(encodeRealmParams(realmParams(lab, { rttBase: BigInt(rtt0) })));
    expectFailure(lab.call(abi.SMC_RMI_REALM_CREATE, rtt0 + GRANULE, params), 'alias', INPUT);
  });

  it('rd_align: rd not aligned -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const a = attempt(lab);
    expectFailure(lab.call(abi.SMC_RMI_REALM_CREATE, a.rd + 1, a.params), 'rd_align', INPUT);
  });

  it('rd_bound: rd outside delegable memory -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const a = attempt(lab);
    expectFailure(lab.call(abi.SMC_RMI_REALM_CREATE, 0x0600_0000, a.params), 'rd_bound', INPUT);
  });

  it('rd_state: rd is UNDELEGATED -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const a = attempt(lab);
    const r = lab.call(abi.SMC_RMI_REALM_CREATE, lab.alloc(), a.params);
    expectFailure(r, 'rd_state', INPUT);
    expect(r.failure?.reason).toMatch(/is UNDELEGATED, expected DELEGATED/);
  });

  it('rtt_align: rtt_base not aligned to two starting RTTs -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    lab.alloc(2 * GRANULE);
    const misaligned = lab.delegated();
    lab.delegated();
    const rd = lab.delegated();
    const params = lab.nsPage(encodeRealmParams(realmParams(lab, { rttBase: BigInt(misaligned) })));
    expectFailure(lab.call(abi.SMC_RMI_REALM_CREATE, rd, params), 'rtt_align', INPUT);
  });

  it.each([
    ['start level 0 for 40 bits needs one RTT', { rttLevelStart: 0n }],
    ['start level 2 cannot reach 40 bits', { rttLevelStart: 2n, rttNumStart: 2n }],
    ['IPA narrower than 32 bits', { s2sz: 31n, rttNumStart: 1n }],
    ['level -1 needs LPA2', { rttLevelStart: -1n, rttNumStart: 1n }],
    ['level 4 does not exist', { rttLevelStart: 4n, rttNumStart: 1n }],
  ])('rtt_num_level: %s -> RMI_ERROR_INPUT', (_name, overrides) => {
    const lab = new Lab();
    expectFailure(attempt(lab, overrides).create(), 'rtt_num_level', INPUT);
  });

  it('rtt_state: a starting RTT is not DELEGATED -> RMI_ERROR_INPUT', () => {
    const lab = new Lab();
    const rtt0 = lab.delegated(2 * GRANULE);
    lab.alloc(); // the second starting RTT stays UNDELEGATED
    const rd = lab.delegated();
    const params = lab.nsPage(encodeRealmParams(realmParams(lab, { rttBase: BigInt(rtt0) })));
    expectFailure(lab.call(abi.SMC_RMI_REALM_CREATE, rd, params), 'rtt_state', INPUT);
  });

  it('vmid_valid: VMID already in use -> RMI_ERROR_INPUT', () => {
    // The lab has 16-bit VMIDs, the width of the field, so "in use" is the only way to fail.
    const lab = new Lab();
    expectOk(attempt(lab, { vmid: 7n }).create());
    const r = attempt(lab, { vmid: 7n }).create();
    expectFailure(r, 'vmid_valid', INPUT);
    expect(r.failure?.reason).toMatch(/VMID 7 is in use/);
  });

  it('success: RD and starting RTTs change state, realm NEW, RTT entries initialised', () => {
    const lab = new Lab();
    const rpv = new Uint8Array(64).fill(0xab);
    const a = attempt(lab, { rpv });
    expectOk(a.create());
    expect(lab.m.granuleOf(a.rd)).toMatchObject({ state: 'RD', realm: a.rd });
    expect(lab.m.granuleOf(a.rtt0).state).toBe('RTT');
    expect(lab.m.granuleOf(a.rtt0 + GRANULE).state).toBe('RTT');
    const [realm] = listRealms(lab.m.state);
    expect(realm).toMatchObject({
      state: 'NEW',
      ipaWidth: 40,
      hashAlgo: 'sha-256',
      rttLevelStart: 1,
      rttNumStart: 2,
      recIndex: 0,
      numRecs: 0,
      rpv: toHex(rpv),
    });
    expect(realm!.rems.every((rem) => /^0+$/.test(rem))).toBe(true);
    const entries = rttEntries(lab.m.state, a.rd);
    expect(entries).toHaveLength(1024);
    expect(entries[0]).toMatchObject({
      ipa: 0,
      level: 1,
      entry: { state: 'UNASSIGNED', ripas: 'EMPTY' },
    });
    expect(entries[512]).toMatchObject({ ipa: 2 ** 39, entry: { state: 'UNASSIGNED_NS' } });
  });

  it('success: RIM = RimInit of the measured params (cca-spec.md §5.7 known answer)', () => {
    const lab = new Lab();
    const a = attempt(lab);
    expectOk(a.create());
    expect(listRealms(lab.m.state)[0]!.rim.slice(0, 64)).toBe(
      '045cb3602843a6845cb710fbbfbb92f0c7d611afe0106ac2953e46950a70c42b',
    );
  });

  it('success: other valid geometries (48-bit level 0, 33-bit level 2 with 8 RTTs)', () => {
    const lab = new Lab();
    const rtt = lab.delegated();
    const rd = lab.delegated();
    const p48 = lab.nsPage(
      encodeRealmParams(
        realmParams(lab, { s2sz: 48n, rttLevelStart: 0n, rttNumStart: 1n, rttBase: BigInt(rtt) }),
      ),
    );
    expectOk(lab.call(abi.SMC_RMI_REALM_CREATE, rd, p48));
    const base = lab.alloc(8 * GRANULE);
    for (let i = 1; i < 8; i++) lab.alloc();
    for (let i = 0; i < 8; i++) lab.call(abi.SMC_RMI_GRANULE_DELEGATE, base + i * GRANULE);
    const rd2 = lab.delegated();
    const p33 = lab.nsPage(
      encodeRealmParams(
        realmParams(lab, { s2sz: 33n, rttLevelStart: 2n, rttNumStart: 8n, rttBase: BigInt(base) }),
      ),
    );
    expectOk(lab.call(abi.SMC_RMI_REALM_CREATE, rd2, p33));
    expect(rttEntries(lab.m.state, rd2)).toHaveLength(8 * 512);
    expect(DRAM).toBeLessThan(base);
  });
});
