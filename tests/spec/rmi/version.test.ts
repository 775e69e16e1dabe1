// RMI_VERSION (DEN0137 B4.3.23; cca-spec.md §2.3): no failure conditions. A supported
// request returns RMI_SUCCESS; any other returns RMI_ERROR_INPUT; both report 1.0 as the
// lowest and highest supported versions.
import { describe, expect, it } from 'vitest';
import { abi, createMachine } from '../../../src/emulator/index.ts';
import { specTitle } from '../spec-title.ts';

describe(specTitle('RMI_VERSION'), () => {
  it('success: 1.0 requested -> RMI_SUCCESS, lower = higher = 0x10000', () => {
    const r = createMachine().smc(abi.SMC_RMI_VERSION, abi.RMI_ABI_VERSION);
    expect(r.status).toBe('RMI_SUCCESS');
    expect(r.x.slice(1)).toEqual([0x10000n, 0x10000n]);
  });

  it.each([0n, 0x10001n, 0x20000n, 2n ** 64n - 1n])(
    'an unsupported request %s -> RMI_ERROR_INPUT with the supported range',
    (req) => {
      const r = createMachine().smc(abi.SMC_RMI_VERSION, req);
      expect(r.status).toBe('RMI_ERROR_INPUT');
      expect(r.x.slice(1)).toEqual([0x10000n, 0x10000n]);
    },
  );
});
