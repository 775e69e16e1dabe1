/**
 * The challenge a realm puts in X1..X8 of an attestation INIT call (cca-spec.md §4.1): 1..64
 * bytes of hex, zero-padded to 64, or `random`.
 */
import { fromHex } from '../../lib/bytes.ts';
import { abi } from '../../emulator/index.ts';

/** Parses a 1..64-byte challenge or `random`; zero-padded to 64 bytes. */
export function parseChallenge(
  word: string | undefined,
): { ok: true; value: Uint8Array } | { ok: false; error: string } {
  if (word === undefined) return { ok: false, error: 'missing <challenge-hex|random>' };
  const challenge = new Uint8Array(abi.CCA_REALM_CHALLENGE_SIZE);
  if (word === 'random') {
    crypto.getRandomValues(challenge);
    return { ok: true, value: challenge };
  }
  const bytes = fromHex(word);
  if (!bytes || bytes.length === 0 || bytes.length > abi.CCA_REALM_CHALLENGE_SIZE) {
    return {
      ok: false,
      error: `<challenge> must be 1..64 bytes of hex (zero-padded to 64), or "random"`,
    };
  }
  challenge.set(bytes);
  return { ok: true, value: challenge };
}
