// RMI_FEATURES (DEN0137 B4.3.4; cca-spec.md §2.3): no failure conditions; index 0 is
// RmiFeatureRegister0 with the lab RMM's values, other indices read 0.
import { describe, expect, it } from 'vitest';
import { abi, createMachine } from '../../../src/emulator/index.ts';
import { getField } from '../../../src/lib/bits.ts';
import { specTitle } from '../spec-title.ts';

describe(specTitle('RMI_FEATURES'), () => {
  it('index 0 reports RmiFeatureRegister0 with the lab values', () => {
    const r = createMachine().smc(abi.SMC_RMI_FEATURES, 0);
    expect(r.status).toBe('RMI_SUCCESS');
    const v = r.x[1]!;
    expect(getField(v, abi.RMI_FEATURE_REGISTER_0_S2SZ)).toBe(48n);
    expect(getField(v, abi.RMI_FEATURE_REGISTER_0_LPA2)).toBe(0n);
    expect(getField(v, abi.RMI_FEATURE_REGISTER_0_HASH_SHA_256)).toBe(1n);
    expect(getField(v, abi.RMI_FEATURE_REGISTER_0_HASH_SHA_512)).toBe(1n);
    expect(getField(v, abi.RMI_FEATURE_REGISTER_0_NUM_BPS)).toBe(BigInt(abi.LAB_NUM_BPS));
    expect(getField(v, abi.RMI_FEATURE_REGISTER_0_MAX_RECS_ORDER)).toBe(
      BigInt(abi.LAB_MAX_RECS_ORDER),
    );
    expect(v >> 42n).toBe(0n);
  });

  it('any other index reads 0', () => {
    const m = createMachine();
    expect(m.smc(abi.SMC_RMI_FEATURES, 1).x).toEqual([0n, 0n]);
    expect(m.smc(abi.SMC_RMI_FEATURES, -1n).x).toEqual([0n, 0n]);
  });
});
