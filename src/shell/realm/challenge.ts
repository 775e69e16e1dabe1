/**
 * The challenge a realm puts in X1..X8 of an attestation INIT call (cca-spec.md §4.1): 1..64
 * bytes of hex, zero-padded to 64, or `random`.
 */
import { abi } from '../../emulator/index.ts';
import { parseHex } from '../args.ts';

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
  const parsed = parseHex(word, 'challenge');
  if (!parsed.ok) return { ok: false, error: `${parsed.error}; or give "random"` };
  if (parsed.value.length > abi.CCA_REALM_CHALLENGE_SIZE) {
    return {
      ok: false,
      error: `<challenge> is ${parsed.value.length} bytes; a realm challenge is 1..${abi.CCA_REALM_CHALLENGE_SIZE} bytes (zero-padded to ${abi.CCA_REALM_CHALLENGE_SIZE})`,
    };
  }
  challenge.set(parsed.value);
  return { ok: true, value: challenge };
}
