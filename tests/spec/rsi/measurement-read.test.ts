// RSI_MEASUREMENT_READ (DEN0137 B5.3.8; cca-spec.md §4.1, §5.1): index 0 = RIM, 1..4 = REM0..REM3, 64 bytes
// little-endian in X1..X8, SHA-256 values zero-padded.
import { describe, expect, it } from 'vitest';
import { toHex, writeLe } from '../../../src/lib/bytes.ts';
import { abi } from '../../../src/emulator/index.ts';
import { expectRsiFailure, rsiLab } from './helpers.ts';
import { specTitle } from '../spec-title.ts';

function bytesOf(x: readonly bigint[]): string {
  const out = new Uint8Array(64);
  for (let i = 0; i < 8; i++) writeLe(out, i * 8, 8, x[1 + i] ?? 0n);
  return toHex(out);
}

describe(specTitle('RSI_MEASUREMENT_READ'), () => {
  const lab = rsiLab();

  it('index_bound: index > 4 → RSI_ERROR_INPUT', () => {
    const x = lab.rsi(abi.SMC_RSI_MEASUREMENT_READ, 5);
    expectRsiFailure(lab, x, 'RSI_MEASUREMENT_READ', 'index_bound', abi.RSI_ERROR_INPUT);
  });

  it('success: index 0 is the RIM the RMM holds, zero-padded past 32 bytes for SHA-256', () => {
    const x = lab.rsi(abi.SMC_RSI_MEASUREMENT_READ, 0);
    expect(x[0]).toBe(BigInt(abi.RSI_SUCCESS));
    expect(bytesOf(x)).toBe(lab.rmm().rim);
    expect(bytesOf(x).slice(64)).toBe('0'.repeat(64));
    expect(bytesOf(x).slice(0, 64)).not.toBe('0'.repeat(64));
  });

  it('success: REMs start at zero', () => {
    for (const index of [1, 2, 3, 4]) {
      expect(bytesOf(lab.rsi(abi.SMC_RSI_MEASUREMENT_READ, index))).toBe('0'.repeat(128));
    }
  });

  it('success: a SHA-512 realm fills all 64 bytes', () => {
    const lab512 = rsiLab({ hashAlgo: 'sha-512' });
    const value = bytesOf(lab512.rsi(abi.SMC_RSI_MEASUREMENT_READ, 0));
    expect(value).toBe(lab512.rmm().rim);
    expect(value.slice(64)).not.toBe('0'.repeat(64));
  });
});
