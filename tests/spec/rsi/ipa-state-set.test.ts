// RSI_IPA_STATE_SET (DEN0137 B5.3.6; cca-spec.md §4.1, §4.3): conditions in spec order; success makes a
// RIPAS_CHANGE exit the host answers (the VMM applies RMI_RTT_SET_RIPAS and accepts).
import { describe, expect, it } from 'vitest';
import { abi } from '../../../src/emulator/index.ts';
import { expectRsiFailure, rsiLab } from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const NAME = 'RSI_IPA_STATE_SET';

describe(specTitle('RSI_IPA_STATE_SET'), () => {
  const lab = rsiLab();
  const set = (base: number | bigint, top: number | bigint, ripas = abi.RSI_EMPTY) =>
    lab.rsi(abi.SMC_RSI_IPA_STATE_SET, base, top, ripas, abi.RSI_NO_CHANGE_DESTROYED);

  it('base_align: base not 4 KiB aligned → RSI_ERROR_INPUT', () => {
    expectRsiFailure(lab, set(0x6010, 0x7000), NAME, 'base_align', abi.RSI_ERROR_INPUT);
  });

  it('top_align: top not 4 KiB aligned → RSI_ERROR_INPUT', () => {
    expectRsiFailure(lab, set(0x6000, 0x7010), NAME, 'top_align', abi.RSI_ERROR_INPUT);
  });

  it('size_valid: top <= base → RSI_ERROR_INPUT', () => {
    expectRsiFailure(lab, set(0x7000, 0x6000), NAME, 'size_valid', abi.RSI_ERROR_INPUT);
  });

  it('rgn_bound: the range reaches the unprotected half → RSI_ERROR_INPUT', () => {
    expectRsiFailure(lab, set(0x6000, 2 ** 41 + 0x1000), NAME, 'rgn_bound', abi.RSI_ERROR_INPUT);
  });

  it('ripas_valid: DESTROYED cannot be requested → RSI_ERROR_INPUT', () => {
    expectRsiFailure(
      lab,
      set(0x6000, 0x7000, abi.RSI_DESTROYED),
      NAME,
      'ripas_valid',
      abi.RSI_ERROR_INPUT,
    );
  });

  it('success: RIPAS_CHANGE exit, the host accepts; X1 = new base = top, X2 = RSI_ACCEPT', () => {
    const x = set(0x6000, 0x8000);
    expect(x.slice(0, 3)).toEqual([BigInt(abi.RSI_SUCCESS), 0x8000n, BigInt(abi.RSI_ACCEPT)]);
    const get = lab.rsi(abi.SMC_RSI_IPA_STATE_GET, 0x6000, 0x10000);
    expect(get.slice(0, 3)).toEqual([0n, 0x8000n, BigInt(abi.RSI_EMPTY)]);
    const exit = lab.m.ledger.find(
      (e) => e.kind === 'smc:return' && e.name === 'RMI_RTT_SET_RIPAS',
    );
    expect(exit).toMatchObject({ status: 'RMI_SUCCESS' });
  });
});
