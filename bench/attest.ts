// Attestation throughput: CCA token generation and verification per second, next to the raw
// ES384 sign/verify cost they are made of (one sign per realm token; two verifies per token;
// cose.ts memoises signature checks, so re-verifying an unchanged token costs no ECDSA).
import { p384 } from '@noble/curves/nist.js';
import { attest } from '../src/emulator/index.ts';
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import type { Benchmark } from './index.ts';

function perSecond(
  label: string,
  print: (line: string) => void,
  run: () => void,
  minMs = 1000,
): void {
  run(); // warm-up (JIT, noble's precomputed tables)
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    run();
    n++;
    elapsed = performance.now() - start;
  }
  const each = elapsed / n;
  print(
    `${label.padEnd(44)} ${(1000 / each).toFixed(1).padStart(8)} /s  ${each.toFixed(2).padStart(7)} ms each`,
  );
}

export const ATTEST_BENCHMARK: Benchmark = {
  name: 'attestation (ES384, CCA token)',
  async run(print) {
    const rak = attest.FVP_SAMPLE_RAK;
    const message = new Uint8Array(1024).fill(0x5a);
    const signature = p384.sign(message, rak.d);
    perSecond('raw ES384 sign (noble p384, 1 KB)', print, () => p384.sign(message, rak.d));
    perSecond('raw ES384 verify (noble p384, 1 KB)', print, () =>
      p384.verify(signature, message, rak.point, { lowS: false }),
    );
    const input = {
      challenge: new Uint8Array(64).fill(0xab),
      rpv: new Uint8Array(64),
      rim: new Uint8Array(32).fill(1),
      rems: [1, 2, 3, 4].map((i) => new Uint8Array(32).fill(i)),
      hashAlgo: 'sha-256' as const,
    };
    let counter = 0;
    perSecond('buildCcaToken (realm sign, cached platform)', print, () => {
      input.challenge[0] = counter++ & 0xff;
      attest.buildCcaToken(input);
    });
    // Fresh tokens, each verified once: both signatures are new to the verifier's memo.
    const fresh = Array.from({ length: 24 }, (_, i) =>
      attest.buildCcaToken({ ...input, rak: new Uint8Array(48).fill(i + 1) }),
    );
    const cpak = attest.TEST_CPAK_PUBLIC;
    const start = performance.now();
    for (const t of fresh) attest.verifyCcaToken(t, { cpak });
    const each = (performance.now() - start) / fresh.length;
    print(
      `${'verifyCcaToken, fresh token (2 real verifies)'.padEnd(44)} ${(1000 / each).toFixed(1).padStart(8)} /s  ${each.toFixed(2).padStart(7)} ms each`,
    );
    await printP5(fresh, print);
    const token = attest.buildCcaToken(input);
    perSecond('verifyCcaToken, same token again (memo hits)', print, () =>
      attest.verifyCcaToken(token, { cpak, challenge: input.challenge }),
    );
    const garbage = token.slice(0, 100);
    perSecond('verifyCcaToken on a truncated token', print, () =>
      attest.verifyCcaToken(garbage, { cpak }),
    );
    print(`token size: ${token.length} bytes`);
  },
};

/** The realm COSE_Sign1 of a token and the RAK its claims carry (what P5 verifies). */
function realmSignature(token: Uint8Array): { sign1: attest.CoseSign1; rak: attest.EcPublicKey } {
  const realm = attest.signaturesToCheck(token, {}).at(-1);
  if (!realm) throw new Error('bench token does not decode');
  return { sign1: realm.sign1, rak: realm.key };
}

function nodeKey(key: attest.EcPublicKey): KeyObject {
  const coord = (from: number, to: number): string =>
    Buffer.from(key.point.subarray(from, to)).toString('base64url');
  const size = (key.point.length - 1) / 2;
  return createPublicKey({
    key: { kty: 'EC', crv: key.crv, x: coord(1, 1 + size), y: coord(1 + size, 1 + 2 * size) },
    format: 'jwk',
  });
}

/**
 * P5 (issue 10): ES384 verify of a realm token's signature through the lab's asynchronous
 * path (WebCrypto), memo cleared for each, next to node:crypto verifying the same bytes.
 */
async function printP5(
  tokens: readonly Uint8Array[],
  print: (line: string) => void,
): Promise<void> {
  const cases = tokens.map(realmSignature);
  const inputs = cases.map(({ sign1, rak }) => ({
    key: nodeKey(rak),
    tbs: attest.sigStructure(sign1.protectedBytes, sign1.payload),
    sig: sign1.signature,
  }));
  const ROUNDS = 4;
  let lab = 0;
  let floor = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < cases.length; i++) {
      const { sign1, rak } = cases[i]!;
      attest.forgetSignatureChecks();
      const t0 = performance.now();
      const result = await attest.verifyCoseSign1Async(sign1, rak);
      const t1 = performance.now();
      const { key, tbs, sig } = inputs[i]!;
      const ok = nodeVerify('sha384', tbs, { key, dsaEncoding: 'ieee-p1363' }, sig);
      const t2 = performance.now();
      if (!result.ok || !ok) throw new Error('P5: a bench signature did not verify');
      if (round > 0) {
        lab += t1 - t0;
        floor += t2 - t1;
      }
    }
  }
  const n = (ROUNDS - 1) * cases.length;
  const each = lab / n;
  const floorEach = floor / n;
  print(
    `P5 ES384 verify (WebCrypto path): ${each.toFixed(3)} ms vs node:crypto ${floorEach.toFixed(3)} ms, ratio ${(each / floorEach).toFixed(1)}x (target 2x)`,
  );
  const t0 = performance.now();
  for (const t of tokens) {
    attest.forgetSignatureChecks();
    await attest.verifyCcaTokenAsync(t, { cpak: attest.TEST_CPAK_PUBLIC });
  }
  const whole = (performance.now() - t0) / tokens.length;
  print(
    `verifyCcaTokenAsync, fresh token (2 WebCrypto verifies): ${whole.toFixed(2)} ms each (2 node:crypto verifies: ${(2 * floorEach).toFixed(2)} ms)`,
  );
}
