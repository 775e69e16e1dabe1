// RSI_MEASUREMENT_EXTEND (DEN0137 B5.3.7; cca-spec.md §4.1, §5.6): REM[index-1] := RHA(old ‖ value[0..size)).
import { describe, expect, it } from 'vitest';
import { abi } from '../../../src/emulator/index.ts';
import { expectRsiFailure, rsiLab } from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const ONES = 0x0101010101010101n;

describe(specTitle('RSI_MEASUREMENT_EXTEND'), () => {
  const lab = rsiLab();

  it('index_bound: index 0 (the RIM) → RSI_ERROR_INPUT', () => {
    const x = lab.rsi(abi.SMC_RSI_MEASUREMENT_EXTEND, 0, 32);
    expectRsiFailure(lab, x, 'RSI_MEASUREMENT_EXTEND', 'index_bound', abi.RSI_ERROR_INPUT);
  });

  it('index_bound: index 5 → RSI_ERROR_INPUT', () => {
    const x = lab.rsi(abi.SMC_RSI_MEASUREMENT_EXTEND, 5, 32);
    expectRsiFailure(lab, x, 'RSI_MEASUREMENT_EXTEND', 'index_bound', abi.RSI_ERROR_INPUT);
  });

  it('size_bound: size 65 → RSI_ERROR_INPUT, REM unchanged', () => {
    const x = lab.rsi(abi.SMC_RSI_MEASUREMENT_EXTEND, 1, 65);
    expectRsiFailure(lab, x, 'RSI_MEASUREMENT_EXTEND', 'size_bound', abi.RSI_ERROR_INPUT);
    expect(lab.rmm().rems[0]).toBe('0'.repeat(128));
  });

  it('success: REM0 after EXTEND(1, 32, 32×0x01) from zero is the §5.7 known answer', () => {
    const x = lab.rsi(abi.SMC_RSI_MEASUREMENT_EXTEND, 1, 32, ONES, ONES, ONES, ONES);
    expect(x[0]).toBe(BigInt(abi.RSI_SUCCESS));
    expect(lab.rmm().rems[0]!.slice(0, 64)).toBe(
      '5c85955f709283ecce2b74f1b1552918819f390911816e7bb466805a38ab87f3',
    );
    expect(lab.rmm().rems.slice(1)).toEqual(['0'.repeat(128), '0'.repeat(128), '0'.repeat(128)]);
  });

  it('success: the RIM never changes', () => {
    const rim = lab.rmm().rim;
    lab.rsi(abi.SMC_RSI_MEASUREMENT_EXTEND, 4, 0);
    expect(lab.rmm().rim).toBe(rim);
    expect(lab.rmm().rems[3]).not.toBe('0'.repeat(128));
  });
});
