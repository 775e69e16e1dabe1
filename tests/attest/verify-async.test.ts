// Issue 10 item 5: the asynchronous verifier (WebCrypto ECDSA) gives exactly the report of the
// synchronous one (noble) on the same inputs: every published vector token with every anchor,
// lab tokens with each signature's bytes flipped, and tokens signed by another key. The
// signature memo is cleared before each path so neither answers from the other's work.
import { readdirSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { attest } from '../../src/emulator/index.ts';
import { jwkKey, labInput, vector } from './helpers.ts';

const TOKENS = readdirSync(new URL('../vectors/tokens/', import.meta.url)).filter(
  (f) => f.endsWith('.cbor') && !f.includes('claims'),
);
const ANCHORS = ['cpak.json', 'ta-02-ok.json', 'ta-tfa.json'];

async function bothPaths(
  bytes: Uint8Array,
  options: attest.VerifyOptions,
): Promise<[attest.VerifierReport, attest.VerifierReport]> {
  attest.forgetSignatureChecks();
  const sync = attest.verifyCcaToken(bytes, options);
  attest.forgetSignatureChecks();
  const async = await attest.verifyCcaTokenAsync(bytes, options);
  return [sync, async];
}

describe('the asynchronous verifier gives the synchronous verifier report', () => {
  it.each(TOKENS.flatMap((t) => ANCHORS.map((a) => [t, a] as const)))(
    'vector %s with anchor %s',
    async (file, anchor) => {
      const [sync, async] = await bothPaths(vector(file), { cpak: jwkKey(anchor) });
      expect(async).toEqual(sync);
    },
  );

  it('lab tokens whose signature bytes are flipped, one byte at a time', async () => {
    const token = attest.buildCcaToken(labInput());
    const cpak = attest.TEST_CPAK_PUBLIC;
    const [clean] = await bothPaths(token, { cpak });
    const signatureChecks = clean.checks.filter((c) => c.id.endsWith('-signature'));
    expect(signatureChecks.map((c) => c.status)).toEqual(['pass', 'pass']);
    let rejected = 0;
    for (const check of signatureChecks) {
      const [start, end] = check.range!;
      for (const offset of [start + 3, Math.floor((start + end) / 2), end - 1]) {
        const bad = token.slice();
        bad[offset]! ^= 0x40;
        const [sync, async] = await bothPaths(bad, { cpak });
        expect(async).toEqual(sync);
        if (sync.checks.find((c) => c.id === check.id)?.status === 'fail') rejected++;
      }
    }
    // The flips are inside r||s, so each one must have made its signature fail.
    expect(rejected).toBe(6);
  });

  it('a token whose platform part is signed by another key fails on both paths', async () => {
    const token = attest.buildCcaToken(labInput());
    const [sync, async] = await bothPaths(token, { cpak: jwkKey('ta-02-ok.json') });
    expect(async).toEqual(sync);
    expect(sync.checks.find((c) => c.id === 'platform-signature')?.status).toBe('fail');
  });
});

describe('the asynchronous verifier uses the platform ECDSA', () => {
  it('checks both ES384 signatures of a lab token with WebCrypto, not noble', async () => {
    const verify = vi.spyOn(globalThis.crypto.subtle, 'verify');
    try {
      attest.forgetSignatureChecks();
      const token = attest.buildCcaToken(labInput());
      const report = await attest.verifyCcaTokenAsync(token, { cpak: attest.TEST_CPAK_PUBLIC });
      expect(verify).toHaveBeenCalledTimes(2);
      expect(await Promise.all(verify.mock.results.map((r) => r.value))).toEqual([true, true]);
      expect(report.checks.filter((c) => c.id.endsWith('-signature')).map((c) => c.status)).toEqual(
        ['pass', 'pass'],
      );
    } finally {
      verify.mockRestore();
    }
  });
});
