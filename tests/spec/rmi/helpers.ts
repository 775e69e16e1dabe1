// Shared set-up for the RMI conformance tests: a machine whose every command is followed by
// an invariant check, a granule allocator, and builders for realms, RECs, RTTs and DATA.
// The default realm is the lab's documented configuration: 40-bit IPA, starting level 1,
// two concatenated starting RTTs, SHA-256.
import { expect } from 'vitest';
import {
  abi,
  createMachine,
  decodeRecExit,
  encodeRealmParams,
  encodeRecEnter,
  encodeRecParams,
  mpidrOfIndex,
  type Machine,
  type MachineOptions,
  type RealmParams,
  type RecEnter,
  type RecExit,
  type RecParams,
  type SmcResult,
} from '../../../src/emulator/index.ts';

export const DRAM = 0x8000_0000;
export const GRANULE = 0x1000;
/** Default IPA width: protected IPAs are below 2^39. */
export const IPA_WIDTH = 40;
export const UNPROTECTED = 2 ** (IPA_WIDTH - 1);

/** A machine plus helpers; every `call` is followed by checkInvariants(). */
export class Lab {
  readonly m: Machine;
  private next = DRAM;
  private vmid = 1;

  constructor(options: MachineOptions = {}) {
    this.m = createMachine(options);
  }

  /** Issues an RMI call from the host and asserts the machine stayed consistent. */
  call(fid: number, ...args: (number | bigint)[]): SmcResult {
    const r = this.m.smc(fid, ...args);
    expect(this.m.checkInvariants()).toEqual([]);
    return r;
  }

  /** A fresh NS granule (aligned to `align` bytes). */
  alloc(align = GRANULE): number {
    this.next = Math.ceil(this.next / align) * align;
    const pa = this.next;
    this.next += GRANULE;
    return pa;
  }

  /** A fresh DELEGATED granule. */
  delegated(align = GRANULE): number {
    const pa = this.alloc(align);
    expectOk(this.call(abi.SMC_RMI_GRANULE_DELEGATE, pa));
    return pa;
  }

  /** Writes `bytes` into a fresh NS granule and returns its PA. */
  nsPage(bytes: Uint8Array): number {
    const pa = this.alloc();
    expect(this.m.write(pa, bytes).ok).toBe(true);
    return pa;
  }

  nextVmid(): number {
    return this.vmid++;
  }
}

/** Default realm parameters (40-bit IPA, level 1, two starting RTTs, SHA-256). */
export function realmParams(lab: Lab, overrides: Partial<RealmParams> = {}): Partial<RealmParams> {
  return {
    s2sz: BigInt(IPA_WIDTH),
    numBps: 1n,
    numWps: 1n,
    hashAlgo: BigInt(abi.RMI_HASH_SHA_256),
    vmid: BigInt(lab.nextVmid()),
    rttLevelStart: 1n,
    rttNumStart: 2n,
    ...overrides,
  };
}

/** What {@link newRealm} built. */
export interface RealmFixture {
  readonly rd: number;
  readonly rtts: number[];
}

/** Creates a realm with two delegated starting RTTs; asserts success. */
export function newRealm(lab: Lab, overrides: Partial<RealmParams> = {}): RealmFixture {
  const rtt0 = lab.delegated(2 * GRANULE);
  const rtt1 = lab.delegated();
  const rd = lab.delegated();
  const params = lab.nsPage(
    encodeRealmParams(realmParams(lab, { rttBase: BigInt(rtt0), ...overrides })),
  );
  expectOk(lab.call(abi.SMC_RMI_REALM_CREATE, rd, params));
  return { rd, rtts: [rtt0, rtt1] };
}

/** Creates the level 2 and 3 RTTs (as needed) covering `ipa`. */
export function mapTables(lab: Lab, rd: number, ipa: number, toLevel = 3): void {
  for (let level = 2; level <= toLevel; level++) {
    const span = 2 ** (12 + 9 * (4 - level));
    const base = Math.floor(ipa / span) * span;
    const read = lab.call(abi.SMC_RMI_RTT_READ_ENTRY, rd, base, level - 1);
    expectOk(read);
    if (read.x[2] === BigInt(abi.RMI_TABLE)) continue;
    expectOk(lab.call(abi.SMC_RMI_RTT_CREATE, rd, lab.delegated(), base, level));
  }
}

/** RTT_INIT_RIPAS over [base, top) (looping on out_top), with RTTs down to `level`. */
export function initRipas(lab: Lab, rd: number, base: number, top: number, level = 2): void {
  let at = base;
  while (at < top) {
    mapTables(lab, rd, at, level);
    const r = lab.call(abi.SMC_RMI_RTT_INIT_RIPAS, rd, at, top);
    expectOk(r);
    at = Number(r.x[1]);
  }
}

/** DATA_CREATE of `content` at `ipa` (tables created as needed); returns the DATA PA. */
export function dataCreate(
  lab: Lab,
  rd: number,
  ipa: number,
  content = new Uint8Array(GRANULE),
  flags = abi.RMI_MEASURE_CONTENT,
): number {
  mapTables(lab, rd, ipa);
  const data = lab.delegated();
  const src = lab.nsPage(content);
  expectOk(lab.call(abi.SMC_RMI_DATA_CREATE, rd, data, ipa, src, flags));
  return data;
}

/** Creates REC number `index` of the realm (default runnable, 2 aux granules). */
export function newRec(
  lab: Lab,
  rd: number,
  index = 0,
  overrides: Partial<RecParams> = {},
): number {
  const rec = lab.delegated();
  const aux = Array.from({ length: abi.LAB_REC_AUX_COUNT }, () => BigInt(lab.delegated()));
  const params = lab.nsPage(
    encodeRecParams({
      flags: BigInt(abi.RMI_RUNNABLE),
      mpidr: mpidrOfIndex(index),
      pc: 0x1000n,
      numAux: BigInt(abi.LAB_REC_AUX_COUNT),
      aux,
      ...overrides,
    }),
  );
  expectOk(lab.call(abi.SMC_RMI_REC_CREATE, rd, rec, params));
  return rec;
}

/** An NS RmiRecRun granule for REC_ENTER. */
export function newRun(lab: Lab, enter: Partial<RecEnter> = {}): number {
  return lab.nsPage(encodeRecEnter(enter));
}

/** Rewrites the RecEnter half of a run granule. */
export function setEnter(lab: Lab, run: number, enter: Partial<RecEnter>): void {
  expect(lab.m.write(run, encodeRecEnter(enter)).ok).toBe(true);
}

/** REC_ENTER and the decoded exit. */
export function enter(lab: Lab, rec: number, run: number): { r: SmcResult; exit: RecExit } {
  const r = lab.call(abi.SMC_RMI_REC_ENTER, rec, run);
  const bytes = lab.m.read(run, GRANULE);
  expect(bytes.ok).toBe(true);
  return { r, exit: decodeRecExit(bytes.ok ? bytes.bytes : new Uint8Array(GRANULE)) };
}

/** A realm that is ACTIVE with one runnable REC and a DATA page at IPA 0. */
export function activeRealm(lab: Lab): RealmFixture & { rec: number } {
  const realm = newRealm(lab);
  initRipas(lab, realm.rd, 0, 0x200000);
  dataCreate(lab, realm.rd, 0);
  const rec = newRec(lab, realm.rd);
  expectOk(lab.call(abi.SMC_RMI_REALM_ACTIVATE, realm.rd));
  return { ...realm, rec };
}

/** Asserts RMI_SUCCESS. */
export function expectOk(r: SmcResult): void {
  expect(r.failure?.reason ?? 'ok').toBe('ok');
  expect(r.status).toBe('RMI_SUCCESS');
}

/** Asserts that failure `label` fired with `status` (and `index`). */
export function expectFailure(r: SmcResult, label: string, status: string, index = 0): void {
  expect({ label: r.failure?.label, status: r.status, index: r.index }).toEqual({
    label,
    status,
    index,
  });
  expect(r.failure?.reason).toMatch(/\S/);
}
