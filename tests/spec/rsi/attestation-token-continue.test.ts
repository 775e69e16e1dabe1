// RSI_ATTESTATION_TOKEN_CONTINUE (DEN0137 B5.3.1; cca-spec.md §4.1): conditions in spec order, each set up so
// that the earlier ones pass; then the chunked copy (RSI_INCOMPLETE ... RSI_SUCCESS).
import { describe, expect, it } from 'vitest';
import { abi } from '../../../src/emulator/index.ts';
import { expectRsiFailure, rsiLab } from './helpers.ts';
import { specTitle } from '../spec-title.ts';

const NAME = 'RSI_ATTESTATION_TOKEN_CONTINUE';
const BUF = 0x3000;

describe(specTitle('RSI_ATTESTATION_TOKEN_CONTINUE'), () => {
  const lab = rsiLab();
  lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_INIT, 1);

  it('addr_align: addr not 4 KiB aligned → RSI_ERROR_INPUT', () => {
    const x = lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_CONTINUE, BUF + 8, 0, 64);
    expectRsiFailure(lab, x, NAME, 'addr_align', abi.RSI_ERROR_INPUT);
  });

  it('addr_bound: an unprotected IPA → RSI_ERROR_INPUT', () => {
    const x = lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_CONTINUE, 2 ** 41 + BUF, 0, 64);
    expectRsiFailure(lab, x, NAME, 'addr_bound', abi.RSI_ERROR_INPUT);
  });

  it('offset_bound: offset 4096 → RSI_ERROR_INPUT', () => {
    const x = lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_CONTINUE, BUF, 4096, 0);
    expectRsiFailure(lab, x, NAME, 'offset_bound', abi.RSI_ERROR_INPUT);
  });

  it('size_overflow: offset + size wraps → RSI_ERROR_INPUT', () => {
    const x = lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_CONTINUE, BUF, 16, 2n ** 64n - 8n);
    expectRsiFailure(lab, x, NAME, 'size_overflow', abi.RSI_ERROR_INPUT);
  });

  it('size_bound: offset + size > 4096 → RSI_ERROR_INPUT', () => {
    const x = lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_CONTINUE, BUF, 4000, 200);
    expectRsiFailure(lab, x, NAME, 'size_bound', abi.RSI_ERROR_INPUT);
  });

  it('state: no INIT on this REC → RSI_ERROR_STATE', () => {
    const fresh = rsiLab();
    const x = fresh.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_CONTINUE, BUF, 0, 64);
    expectRsiFailure(fresh, x, NAME, 'state', abi.RSI_ERROR_STATE);
  });

  it('(TF-RMM) addr_empty: a buffer with RIPAS EMPTY → RSI_ERROR_INPUT', () => {
    const [set] = lab.ops({
      op: 'ipa-state-set',
      base: 0x6000,
      top: 0x7000,
      ripas: abi.RSI_EMPTY,
      flags: 0,
    });
    expect(set?.ok).toBe(true);
    const x = lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_CONTINUE, 0x6000, 0, 64);
    expectRsiFailure(lab, x, NAME, 'addr_empty', abi.RSI_ERROR_INPUT);
  });

  it('success: size 0 copies nothing → RSI_INCOMPLETE, X1 = 0', () => {
    const [before] = lab.ops({ op: 'read', ipa: BUF, len: 4 });
    const x = lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_CONTINUE, BUF, 0, 0);
    expect(x.slice(0, 2)).toEqual([BigInt(abi.RSI_INCOMPLETE), 0n]);
    // The buffer still holds what it held, not the token's first bytes (d9018fa2, below).
    const [after] = lab.ops({ op: 'read', ipa: BUF, len: 4 });
    expect(after?.data).toBe(before?.data);
    expect(after?.data).not.toBe('d9018fa2');
  });

  it('success: chunks return RSI_INCOMPLETE with the bytes written, the last one RSI_SUCCESS', () => {
    const first = lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_CONTINUE, BUF, 0, 1024);
    expect(first.slice(0, 2)).toEqual([BigInt(abi.RSI_INCOMPLETE), 1024n]);
    const rest = lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_CONTINUE, BUF, 1024, 3072);
    expect(rest[0]).toBe(BigInt(abi.RSI_SUCCESS));
    const total = 1024 + Number(rest[1]);
    const [read] = lab.ops({ op: 'read', ipa: BUF, len: 4 });
    expect(read?.data).toBe('d9018fa2');
    expect(total).toBeGreaterThan(1024);
    const after = lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_CONTINUE, BUF, 0, 64);
    expect(after[0]).toBe(BigInt(abi.RSI_ERROR_STATE));
  });
});
