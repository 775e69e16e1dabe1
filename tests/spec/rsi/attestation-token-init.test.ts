// RSI_ATTESTATION_TOKEN_INIT (DEN0137 B5.3.2; cca-spec.md §4.1, §6): no failure conditions; the claims are
// taken at INIT; a second INIT abandons the first token.
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../src/lib/bytes.ts';
import { abi, attest } from '../../../src/emulator/index.ts';
import { rsiLab } from './helpers.ts';
import { hex } from '../../../src/lib/hex.ts';
import { specTitle } from '../spec-title.ts';

describe(specTitle('RSI_ATTESTATION_TOKEN_INIT'), () => {
  it('success: returns the upper bound of the token size (4096) and starts an attestation', () => {
    const lab = rsiLab();
    const x = lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_INIT, 1, 2, 3, 4, 5, 6, 7, 8);
    expect(x.slice(0, 2)).toEqual([BigInt(abi.RSI_SUCCESS), 4096n]);
    const rec = lab.m.state.rmm.recs[hex(lab.realm.recs[0]!)]!;
    expect(rec.attest?.copied).toBe(0);
    expect(rec.attest?.challenge.slice(0, 16)).toBe('0100000000000000');
  });

  it('success: the challenge is X1..X8 little-endian, and REMs extended after INIT are not in the token', () => {
    const lab = rsiLab();
    const word = 0xaaaaaaaaaaaaaaaan;
    lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_INIT, ...Array.from({ length: 8 }, () => word));
    lab.rsi(abi.SMC_RSI_MEASUREMENT_EXTEND, 1, 8, 0x42n);
    const done = lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_CONTINUE, 0x3000, 0, 4096);
    expect(done[0]).toBe(BigInt(abi.RSI_SUCCESS));
    const [read] = lab.ops({ op: 'read', ipa: 0x3000, len: Number(done[1]) });
    const claims = attest.verifyCcaToken(Uint8Array.from(Buffer.from(read!.data!, 'hex'))).realm;
    expect(toHex(claims!.challenge!)).toBe('aa'.repeat(64));
    expect(toHex(claims!.rems![0]!)).toBe('0'.repeat(64));
    expect(lab.rmm().rems[0]).not.toBe('0'.repeat(128));
  });

  it('success: a second INIT abandons the token in progress', () => {
    const lab = rsiLab();
    lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_INIT, 1);
    lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_CONTINUE, 0x3000, 0, 16);
    lab.rsi(abi.SMC_RSI_ATTESTATION_TOKEN_INIT, 2);
    const rec = lab.m.state.rmm.recs[hex(lab.realm.recs[0]!)]!;
    expect(rec.attest?.copied).toBe(0);
    expect(rec.attest?.challenge.slice(0, 2)).toBe('02');
  });
});
