// RSI_VERSION (DEN0137 B5.3.10), RSI_FEATURES (DEN0137 B5.3.3) and SMCCC_VERSION from inside a realm (cca-spec.md §4.1).
import { describe, expect, it } from 'vitest';
import { abi } from '../../../src/emulator/index.ts';
import { u64 } from '../../../src/lib/bits.ts';
import { expectRsiFailure, lastRsiReturn, rsiLab } from './helpers.ts';
import { specTitle } from '../spec-title.ts';

/** SMCCC_NOT_SUPPORTED (-1) as X0 holds it. */
const NOT_SUPPORTED = u64(abi.SMCCC_NOT_SUPPORTED);

const lab = rsiLab();

describe(specTitle('RSI_VERSION'), () => {
  it('req_incompatible: a version other than 1.0 → RSI_ERROR_INPUT, X1/X2 still say 1.0', () => {
    const x = lab.rsi(abi.SMC_RSI_VERSION, 0x20000);
    expectRsiFailure(lab, x, 'RSI_VERSION', 'req_incompatible', abi.RSI_ERROR_INPUT);
    expect([x[1], x[2]]).toEqual([0x10000n, 0x10000n]);
  });

  it('success: req 1.0 → RSI_SUCCESS, lower = higher = 0x10000', () => {
    const x = lab.rsi(abi.SMC_RSI_VERSION, abi.RSI_ABI_VERSION);
    expect(x.slice(0, 3)).toEqual([BigInt(abi.RSI_SUCCESS), 0x10000n, 0x10000n]);
    expect(lastRsiReturn(lab.m, 'RSI_VERSION').status).toBe('RSI_SUCCESS');
  });
});

describe(specTitle('RSI_FEATURES'), () => {
  it('success: every feature register reads as zero in RSI 1.0', () => {
    for (const index of [0, 1, 7]) {
      expect(lab.rsi(abi.SMC_RSI_FEATURES, index).slice(0, 2)).toEqual([0n, 0n]);
    }
  });
});

describe(specTitle('SMCCC_VERSION'), () => {
  it('returns 1.2 (0x10002) to a realm', () => {
    expect(lab.rsi(abi.SMCCC_VERSION)[0]).toBe(0x10002n);
  });

  it('an FID nobody implements → SMCCC_NOT_SUPPORTED (-1)', () => {
    expect(lab.rsi(abi.SMC_RSI_FID_MAX)[0]).toBe(NOT_SUPPORTED);
    expect(lab.rsi(abi.SMC_RMI_VERSION, 0x10000)[0]).toBe(NOT_SUPPORTED);
  });
});

describe('HVC from a realm', () => {
  it('takes an undefined-instruction exception (no hypervisor is reachable)', () => {
    const [r] = lab.ops({ op: 'hvc' });
    expect(r?.ok).toBe(false);
    expect(r?.error).toMatch(/undefined instruction/);
  });
});
