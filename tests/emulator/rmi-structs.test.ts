// The RMI structure codecs (cca-spec.md §2.4) and RTT geometry (§2.3 "RTT geometry"):
// fields land at the spec offsets, round trips are exact, and RttConfigIsValid accepts
// exactly the documented examples.
import { describe, expect, it } from 'vitest';
import {
  decodeRealmParams,
  decodeRecEnter,
  decodeRecEnterFlags,
  decodeRecExit,
  decodeRecParams,
  encodeRealmParams,
  encodeRecEnter,
  encodeRecEnterFlags,
  encodeRecExit,
  encodeRecParams,
  entrySize,
  mpidrOfIndex,
  numStartingRtts,
  recIndexOf,
  rttConfigProblem,
} from '../../src/emulator/index.ts';
import { readLe } from '../../src/lib/bytes.ts';

describe('RMI structure codecs', () => {
  it('RmiRealmParams: fields at the spec offsets, signed level, round trip', () => {
    const rpv = new Uint8Array(64).map((_, i) => i);
    const bytes = encodeRealmParams({
      flags: 2n,
      s2sz: 40n,
      hashAlgo: 1n,
      rpv,
      vmid: 0x1234n,
      rttBase: 0x8000_0000n,
      rttLevelStart: -1n,
      rttNumStart: 2n,
    });
    expect(bytes).toHaveLength(0x1000);
    expect(readLe(bytes, 0x008, 1)).toBe(40n);
    expect(readLe(bytes, 0x030, 1)).toBe(1n);
    expect(bytes[0x400 + 63]).toBe(63);
    expect(readLe(bytes, 0x800, 2)).toBe(0x1234n);
    expect(readLe(bytes, 0x810, 8)).toBe(2n ** 64n - 1n);
    expect(readLe(bytes, 0x818, 4)).toBe(2n);
    const back = decodeRealmParams(bytes);
    expect(back).toMatchObject({ flags: 2n, s2sz: 40n, rttLevelStart: -1n, vmid: 0x1234n });
    expect(back.rpv).toEqual(rpv);
  });

  it('RmiRecParams: gprs at 0x300, aux at 0x808, round trip', () => {
    const bytes = encodeRecParams({
      flags: 1n,
      mpidr: 0x102n,
      pc: 0x8000n,
      gprs: [7n, 8n],
      numAux: 2n,
      aux: [0x8000_1000n, 0x8000_2000n],
    });
    expect(readLe(bytes, 0x100, 8)).toBe(0x102n);
    expect(readLe(bytes, 0x308, 8)).toBe(8n);
    expect(readLe(bytes, 0x810, 8)).toBe(0x8000_2000n);
    const back = decodeRecParams(bytes);
    expect(back.gprs.slice(0, 3)).toEqual([7n, 8n, 0n]);
    expect(back.aux.slice(0, 2)).toEqual([0x8000_1000n, 0x8000_2000n]);
  });

  it('RmiRecEnter / RmiRecExit: offsets, flags, and decoding a whole RecRun granule', () => {
    const flags = encodeRecEnterFlags({ emulMmio: true, trapWfe: true, ripasReject: true });
    expect(flags).toBe(0b11001n);
    expect(decodeRecEnterFlags(flags)).toEqual({
      emulMmio: true,
      injectSea: false,
      trapWfi: false,
      trapWfe: true,
      ripasReject: true,
    });
    const enter = encodeRecEnter({ flags, gprs: [1n, 2n], gicv3Hcr: 2n, gicv3Lrs: [5n] });
    expect(readLe(enter, 0x208, 8)).toBe(2n);
    expect(readLe(enter, 0x308, 8)).toBe(5n);
    expect(decodeRecEnter(enter)).toMatchObject({ flags, gicv3Hcr: 2n });
    const exit = encodeRecExit({
      exitReason: 4n,
      ripasBase: 0x1000n,
      ripasTop: 0x3000n,
      ripasValue: 1n,
      imm: 0xabcdn,
    });
    expect(exit[0]).toBe(4);
    expect(readLe(exit, 0x508, 8)).toBe(0x3000n);
    expect(readLe(exit, 0x600, 2)).toBe(0xabcdn);
    const run = new Uint8Array(0x1000);
    run.set(exit, 0x800);
    expect(decodeRecExit(run)).toMatchObject({ exitReason: 4n, ripasBase: 0x1000n, imm: 0xabcdn });
  });
});

describe('RTT geometry and REC indices', () => {
  it.each([
    [40, 1, 2],
    [40, 0, 1],
    [39, 1, 1],
    [48, 0, 1],
    [33, 2, 8],
  ])('RttConfigIsValid(%i, level %i) needs %i starting RTT(s)', (width, level, num) => {
    expect(numStartingRtts(width, level)).toBe(num);
    expect(rttConfigProblem(width, level, num)).toBeUndefined();
    expect(rttConfigProblem(width, level, num * 2)).toMatch(/needs/);
  });

  it('rejects widths and levels outside what 4 KiB granules without LPA2 allow', () => {
    expect(rttConfigProblem(31, 2, 1)).toMatch(/outside 32..48/);
    expect(rttConfigProblem(49, 0, 2)).toMatch(/outside/);
    expect(rttConfigProblem(44, 1, 16)).toMatch(/cannot start at level 1/);
    expect(rttConfigProblem(40, 3, 1)).toMatch(/cannot start at level 3/);
    expect(rttConfigProblem(40, -1, 1)).toMatch(/LPA2/);
  });

  it('level entry sizes are 512 GiB, 1 GiB, 2 MiB and 4 KiB', () => {
    expect([0, 1, 2, 3].map(entrySize)).toEqual([2 ** 39, 2 ** 30, 2 ** 21, 2 ** 12]);
  });

  it('RecIndex(mpidr) = Aff0 + 16 Aff1 + 16*256 Aff2 + 16*256*256 Aff3, and its inverse', () => {
    expect(recIndexOf(0x0n)).toBe(0);
    expect(recIndexOf(0x0fn)).toBe(15);
    expect(recIndexOf(0x100n)).toBe(16);
    expect(recIndexOf(0x01_02_03n)).toBe(3 + 16 * 2 + 4096 * 1);
    expect(recIndexOf(0x10n)).toBeUndefined();
    expect(recIndexOf(1n << 32n)).toBeUndefined();
    for (const i of [0, 1, 15, 16, 4095, 4096, 70000]) expect(recIndexOf(mpidrOfIndex(i))).toBe(i);
  });
});
