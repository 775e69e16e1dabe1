// RSI_IPA_STATE_GET (DEN0137 B5.3.5), range form of 1.0-rel0 (cca-spec.md §4.1, §3.4).
import { describe, expect, it } from 'vitest';
import { abi } from '../../../src/emulator/index.ts';
import { expectRsiFailure, rsiLab } from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const NAME = 'RSI_IPA_STATE_GET';

describe(specTitle('RSI_IPA_STATE_GET'), () => {
  const lab = rsiLab();

  it('base_align: base not 4 KiB aligned → RSI_ERROR_INPUT', () => {
    expectRsiFailure(
      lab,
      lab.rsi(abi.SMC_RSI_IPA_STATE_GET, 0x10, 0x2000),
      NAME,
      'base_align',
      abi.RSI_ERROR_INPUT,
    );
  });

  it('end_align: top not 4 KiB aligned → RSI_ERROR_INPUT', () => {
    expectRsiFailure(
      lab,
      lab.rsi(abi.SMC_RSI_IPA_STATE_GET, 0, 0x2010),
      NAME,
      'end_align',
      abi.RSI_ERROR_INPUT,
    );
  });

  it('size_valid: top <= base → RSI_ERROR_INPUT', () => {
    expectRsiFailure(
      lab,
      lab.rsi(abi.SMC_RSI_IPA_STATE_GET, 0x2000, 0x2000),
      NAME,
      'size_valid',
      abi.RSI_ERROR_INPUT,
    );
  });

  it('rgn_bound: the range leaves the protected half → RSI_ERROR_INPUT', () => {
    expectRsiFailure(
      lab,
      lab.rsi(abi.SMC_RSI_IPA_STATE_GET, 0, 2 ** 41 + 0x1000),
      NAME,
      'rgn_bound',
      abi.RSI_ERROR_INPUT,
    );
  });

  it('success: RAM up to the end of the realm RAM, capped at top', () => {
    expect(lab.rsi(abi.SMC_RSI_IPA_STATE_GET, 0, 0x100000).slice(0, 3)).toEqual([
      0n,
      0x10000n,
      BigInt(abi.RSI_RAM),
    ]);
    expect(lab.rsi(abi.SMC_RSI_IPA_STATE_GET, 0x1000, 0x3000).slice(0, 3)).toEqual([
      0n,
      0x3000n,
      BigInt(abi.RSI_RAM),
    ]);
  });

  it('success: beyond RAM the RIPAS is EMPTY; a page shared with RSI_IPA_STATE_SET reads EMPTY', () => {
    expect(lab.rsi(abi.SMC_RSI_IPA_STATE_GET, 0x10000, 0x20000).slice(0, 3)).toEqual([
      0n,
      0x20000n,
      BigInt(abi.RSI_EMPTY),
    ]);
    lab.ops({ op: 'ipa-state-set', base: 0x5000, top: 0x6000, ripas: abi.RSI_EMPTY, flags: 0 });
    expect(lab.rsi(abi.SMC_RSI_IPA_STATE_GET, 0x4000, 0x8000).slice(0, 3)).toEqual([
      0n,
      0x5000n,
      BigInt(abi.RSI_RAM),
    ]);
    expect(lab.rsi(abi.SMC_RSI_IPA_STATE_GET, 0x5000, 0x8000).slice(0, 3)).toEqual([
      0n,
      0x6000n,
      BigInt(abi.RSI_EMPTY),
    ]);
  });
});
