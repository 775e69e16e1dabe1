// RSI_REALM_CONFIG (DEN0137 B5.3.9; cca-spec.md §4.1): RsiRealmConfig with ipa_width @0x0, hash_algo @0x8,
// rpv @0x200.
import { describe, expect, it } from 'vitest';
import { fromUtf8 } from '../../../src/lib/bytes.ts';
import { abi } from '../../../src/emulator/index.ts';
import { expectRsiFailure, rsiLab } from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const NAME = 'RSI_REALM_CONFIG';

describe(specTitle('RSI_REALM_CONFIG'), () => {
  const lab = rsiLab({ hashAlgo: 'sha-512' });

  it('addr_align: addr not 4 KiB aligned → RSI_ERROR_INPUT', () => {
    const x = lab.rsi(abi.SMC_RSI_REALM_CONFIG, 0x2010);
    expectRsiFailure(lab, x, NAME, 'addr_align', abi.RSI_ERROR_INPUT);
  });

  it('addr_bound: an unprotected IPA → RSI_ERROR_INPUT', () => {
    const x = lab.rsi(abi.SMC_RSI_REALM_CONFIG, 2 ** 41);
    expectRsiFailure(lab, x, NAME, 'addr_bound', abi.RSI_ERROR_INPUT);
  });

  it('success: writes ipa_width, hash_algo and rpv at the spec offsets', () => {
    const x = lab.rsi(abi.SMC_RSI_REALM_CONFIG, 0x2000);
    expect(x[0]).toBe(BigInt(abi.RSI_SUCCESS));
    const [head, rpv] = lab.ops(
      { op: 'read', ipa: 0x2000, len: 16 },
      { op: 'read', ipa: 0x2200, len: 64 },
    );
    expect(head?.data).toBe('2a00000000000000' + '0100000000000000');
    expect(fromUtf8(Buffer.from(rpv!.data!, 'hex')).replace(/\0+$/, '')).toBe('realm:r');
  });
});
