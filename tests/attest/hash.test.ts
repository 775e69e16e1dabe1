// The machine's synchronous SHA-2 (src/emulator/attest/hash.ts): in Node it is the platform's
// native hash, in the browser @noble/hashes; the two must be the same function, since RIMs, REMs
// and token digests are compared byte for byte with references (cca-spec.md §5, §6).
import {
  sha256 as nobleSha256,
  sha384 as nobleSha384,
  sha512 as nobleSha512,
} from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { NATIVE_SHA2, sha256, sha384, sha512 } from '../../src/emulator/attest/hash.ts';

describe('synchronous SHA-2', () => {
  it('uses the native hash in Node', () => {
    expect(NATIVE_SHA2).toBe(true);
  });

  it('gives the same digests as noble, as plain Uint8Arrays, for empty, short and multi-block inputs', () => {
    for (const len of [0, 1, 55, 56, 64, 111, 112, 128, 256, 4096, 10_000]) {
      const data = Uint8Array.from({ length: len }, (_, i) => (i * 31 + len) & 0xff);
      for (const [ours, noble] of [
        [sha256, nobleSha256],
        [sha384, nobleSha384],
        [sha512, nobleSha512],
      ] as const) {
        const got = ours(data);
        expect(Object.getPrototypeOf(got)).toBe(Uint8Array.prototype);
        expect(got).toEqual(noble(data));
      }
    }
  });

  it('hashes only the view it is given, not the rest of its buffer', () => {
    const buffer = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const view = buffer.subarray(17, 217);
    expect(sha512(view)).toEqual(nobleSha512(view.slice()));
  });
});
