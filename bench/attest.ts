// Attestation throughput: CCA token generation and verification per second, next to the raw
// ES384 sign/verify cost they are made of (one sign per realm token; two verifies per token;
// cose.ts memoises signature checks, so re-verifying an unchanged token costs no ECDSA).
import { p384 } from '@noble/curves/nist.js';
import { attest } from '../src/emulator/index.ts';
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
  run(print) {
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
