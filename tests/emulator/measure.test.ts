/**
 * Realm measurements (cca-spec.md §5; DEN0137 1.0-rel0 C1.11-C1.13): the §5.7 known-answer
 * chain, plus the rules of §5.1-§5.6 that the table alone does not pin down.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/lib/bytes.ts';
import {
  GRANULE_SIZE,
  MEASUREMENT_SIZE,
  RMM_MEASUREMENT_DESCRIPTOR_LEN,
} from '../../src/emulator/abi/index.ts';
import {
  digestLength,
  extendRem,
  extendRimData,
  extendRimRec,
  extendRimRipas,
  measurementForToken,
  measuredRealmParamsBytes,
  rhash,
  rimDataDescriptor,
  rimInit,
  rimRecDescriptor,
  rimRipasDescriptor,
  rmmHashAlgoFromParam,
  type MeasuredRealmParams,
  type MeasuredRecParams,
  type RmmHashAlgo,
} from '../../src/emulator/rmm/measure/index.ts';
import { measure } from '../../src/emulator/index.ts';
import kat from '../vectors/rim/known-answer.json';

const ZERO_PAGE = new Uint8Array(GRANULE_SIZE);
const ZERO_MEASUREMENT = new Uint8Array(MEASUREMENT_SIZE);

// The JSON import types each step as a union of all step shapes; pin the §5.7 order here.
const [katCreate, katRipas, katData, katRec] = kat.steps as unknown as [
  { rim: string },
  { base: string; top: string; rim: string },
  { ipa: string; flags: string; pageHash: string; rim: string },
  { flags: string; pc: string; gprs: string[]; rim: string },
];

const realmParams: MeasuredRealmParams = {
  flags: BigInt(kat.realmParams.flags),
  s2sz: BigInt(kat.realmParams.s2sz),
  sveVl: BigInt(kat.realmParams.sveVl),
  numBps: BigInt(kat.realmParams.numBps),
  numWps: BigInt(kat.realmParams.numWps),
  pmuNumCtrs: BigInt(kat.realmParams.pmuNumCtrs),
  hashAlgo: BigInt(kat.realmParams.hashAlgo),
};

const recParams: MeasuredRecParams = {
  flags: BigInt(katRec.flags),
  pc: BigInt(katRec.pc),
  gprs: katRec.gprs.map((g) => BigInt(g)),
};

/** The §5.7 chain for `algo`, returning the stored RIM after each step. */
function chain(algo: RmmHashAlgo): Uint8Array[] {
  const params = { ...realmParams, hashAlgo: algo === 'sha-256' ? 0n : 1n };
  const create = rimInit(algo, params);
  const ripas = extendRimRipas(algo, create, BigInt(katRipas.base), BigInt(katRipas.top));
  const data = extendRimData(algo, ripas, BigInt(katData.ipa), BigInt(katData.flags), ZERO_PAGE);
  const rec = extendRimRec(algo, data, recParams);
  return [create, ripas, data, rec];
}

/** The 32 significant bytes of a stored SHA-256 measurement, as hex. */
function hex32(stored: Uint8Array): string {
  return toHex(measurementForToken('sha-256', stored));
}

describe('§5.7 known-answer chain (SHA-256)', () => {
  const [create, ripas, data, rec] = chain('sha-256') as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];

  it('RMI_REALM_CREATE: RIM = RHA(zero-filled RmiRealmParams with the measured fields)', () => {
    expect(hex32(create)).toBe(katCreate.rim);
  });

  it('RMI_RTT_INIT_RIPAS: one L3 entry [0x0, 0x1000) extends the RIM once', () => {
    expect(hex32(ripas)).toBe(katRipas.rim);
  });

  it('RMI_DATA_CREATE: ipa 0x1000, RMI_MEASURE_CONTENT, all-zero page', () => {
    expect(toHex(rhash('sha-256', ZERO_PAGE))).toBe(katData.pageHash);
    expect(hex32(data)).toBe(katData.rim);
  });

  it('RMI_REC_CREATE: runnable REC, pc 0x1000, gprs 0', () => {
    expect(hex32(rec)).toBe(katRec.rim);
  });

  it('RSI_MEASUREMENT_EXTEND: REM0 from zero, size 32, 32 x 0x01', () => {
    const value = fromHex(kat.rem.value)!;
    expect(value.length).toBe(kat.rem.size);
    expect(hex32(extendRem('sha-256', ZERO_MEASUREMENT, value))).toBe(kat.rem.rem);
  });

  it('stored SHA-256 measurements are 64 bytes, zero-extended after the 32 significant', () => {
    for (const rim of [create, ripas, data, rec]) {
      expect(rim.length).toBe(MEASUREMENT_SIZE);
      expect(rim.subarray(32).every((b) => b === 0)).toBe(true);
    }
  });

  it('agrees with node:crypto for RMI_REALM_CREATE and the next RIPAS step', () => {
    const params = measuredRealmParamsBytes(realmParams);
    expect(params.length).toBe(GRANULE_SIZE);
    const independent = createHash('sha256').update(params).digest('hex');
    expect(independent).toBe(katCreate.rim);
    // Build the RIPAS descriptor by hand (Buffer API, not our writeLe) and hash it.
    const desc = Buffer.alloc(0x100);
    desc.writeBigUInt64LE(0x2n, 0x00);
    desc.writeBigUInt64LE(0x100n, 0x08);
    Buffer.from(katCreate.rim, 'hex').copy(desc, 0x10);
    desc.writeBigUInt64LE(0x0n, 0x50);
    desc.writeBigUInt64LE(0x1000n, 0x58);
    expect(toHex(rimRipasDescriptor('sha-256', create, 0n, 0x1000n))).toBe(desc.toString('hex'));
    expect(createHash('sha256').update(desc).digest('hex')).toBe(katRipas.rim);
  });
});

describe('measurement rules', () => {
  it('RmiHashAlgorithm: 0 is SHA-256, 1 is SHA-512, anything else is invalid', () => {
    expect(rmmHashAlgoFromParam(0n)).toBe('sha-256');
    expect(rmmHashAlgoFromParam(1n)).toBe('sha-512');
    expect(rmmHashAlgoFromParam(2n)).toBeUndefined();
    expect(rmmHashAlgoFromParam(-1n)).toBeUndefined();
    expect(digestLength('sha-256')).toBe(32);
    expect(digestLength('sha-512')).toBe(64);
  });

  it('SHA-512 realm: every step is 64 significant bytes and differs from SHA-256', () => {
    const sha512 = chain('sha-512');
    const sha256 = chain('sha-256');
    sha512.forEach((rim, i) => {
      expect(rim.length).toBe(MEASUREMENT_SIZE);
      expect(measurementForToken('sha-512', rim).length).toBe(64);
      expect(rim.subarray(32).some((b) => b !== 0)).toBe(true);
      expect(toHex(rim)).not.toBe(toHex(sha256[i]!));
    });
    const rem = extendRem('sha-512', ZERO_MEASUREMENT, new Uint8Array(32).fill(1));
    expect(toHex(rem)).toBe(
      createHash('sha512')
        .update(Buffer.concat([Buffer.alloc(64), Buffer.alloc(32, 1)]))
        .digest('hex'),
    );
  });

  it('token carries only the significant bytes: 32 for SHA-256', () => {
    const [create] = chain('sha-256') as [Uint8Array];
    const token = measurementForToken('sha-256', create);
    expect(token.length).toBe(32);
    expect(toHex(token)).toBe(toHex(create.subarray(0, 32)));
  });

  it('measurement descriptors are 0x100 bytes with desc_type 0x0 / 0x1 / 0x2 and len 0x100', () => {
    const rim = rimInit('sha-256', realmParams);
    const descs = [
      rimDataDescriptor('sha-256', rim, 0x1000n, 1n, ZERO_PAGE),
      rimRecDescriptor('sha-256', rim, recParams),
      rimRipasDescriptor('sha-256', rim, 0n, 0x1000n),
    ];
    descs.forEach((desc, type) => {
      expect(desc.length).toBe(RMM_MEASUREMENT_DESCRIPTOR_LEN);
      expect(desc[0]).toBe(type);
      expect(desc[8]).toBe(0x00);
      expect(desc[9]).toBe(0x01);
      expect(toHex(desc.subarray(0x10, 0x50))).toBe(toHex(rim));
    });
  });

  it('DATA_CREATE without RMI_MEASURE_CONTENT: content is zero, but IPA and flags still change the RIM', () => {
    const rim = rimInit('sha-256', realmParams);
    const page = new Uint8Array(GRANULE_SIZE).fill(0xaa);
    const desc = rimDataDescriptor('sha-256', rim, 0x1000n, 0n, page);
    expect(desc.subarray(0x60, 0xa0).every((b) => b === 0)).toBe(true);

    const unmeasured = extendRimData('sha-256', rim, 0x1000n, 0n, page);
    expect(toHex(unmeasured)).not.toBe(toHex(rim));
    // The content is ignored, so another page (or none) gives the same RIM ...
    expect(toHex(extendRimData('sha-256', rim, 0x1000n, 0n, ZERO_PAGE))).toBe(toHex(unmeasured));
    expect(toHex(extendRimData('sha-256', rim, 0x1000n, 0n, undefined))).toBe(toHex(unmeasured));
    // ... while the IPA and the flags are measured.
    expect(toHex(extendRimData('sha-256', rim, 0x2000n, 0n, page))).not.toBe(toHex(unmeasured));
    expect(toHex(extendRimData('sha-256', rim, 0x1000n, 1n, page))).not.toBe(toHex(unmeasured));
  });

  it('DATA_CREATE with RMI_MEASURE_CONTENT: the page content changes the RIM', () => {
    const rim = rimInit('sha-256', realmParams);
    const other = new Uint8Array(GRANULE_SIZE);
    other[GRANULE_SIZE - 1] = 1;
    expect(toHex(extendRimData('sha-256', rim, 0x1000n, 1n, other))).not.toBe(
      toHex(extendRimData('sha-256', rim, 0x1000n, 1n, ZERO_PAGE)),
    );
  });

  it('RIM depends on the order of operations (ACS measurement_rim_order)', () => {
    const rim = rimInit('sha-256', realmParams);
    const ripasThenData = extendRimData(
      'sha-256',
      extendRimRipas('sha-256', rim, 0n, 0x1000n),
      0x1000n,
      1n,
      ZERO_PAGE,
    );
    const dataThenRipas = extendRimRipas(
      'sha-256',
      extendRimData('sha-256', rim, 0x1000n, 1n, ZERO_PAGE),
      0n,
      0x1000n,
    );
    expect(toHex(ripasThenData)).not.toBe(toHex(dataThenRipas));
  });

  it('REALM_CREATE: RPV, VMID and RTT parameters are not measured (only the listed fields)', () => {
    const bytes = measuredRealmParamsBytes(realmParams);
    const nonZero = [...bytes.keys()].filter((i) => bytes[i] !== 0);
    expect(nonZero).toEqual([0x08, 0x18, 0x20]);
  });

  it('REC_CREATE: only flags, pc and gprs[0..7] are measured', () => {
    const rim = rimInit('sha-256', realmParams);
    const withGpr = extendRimRec('sha-256', rim, {
      ...recParams,
      gprs: [0n, 0n, 0n, 0n, 0n, 0n, 0n, 1n],
    });
    const shortGprs = extendRimRec('sha-256', rim, { ...recParams, gprs: [] });
    expect(toHex(shortGprs)).toBe(toHex(extendRimRec('sha-256', rim, recParams)));
    expect(toHex(withGpr)).not.toBe(toHex(shortGprs));
  });

  it('RSI_MEASUREMENT_EXTEND with size 0: REM := RHA(old)', () => {
    const old = extendRem('sha-256', ZERO_MEASUREMENT, new Uint8Array(32).fill(1));
    const next = extendRem('sha-256', old, new Uint8Array(0));
    expect(hex32(next)).toBe(createHash('sha256').update(old.subarray(0, 32)).digest('hex'));
    expect(hex32(extendRem('sha-256', ZERO_MEASUREMENT, new Uint8Array(0)))).toBe(
      createHash('sha256').update(Buffer.alloc(32)).digest('hex'),
    );
  });

  it('is reachable from the emulator entry point as `measure`', () => {
    expect(measure.rimInit).toBe(rimInit);
  });
});
