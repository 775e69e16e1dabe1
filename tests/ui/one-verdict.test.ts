// One token, one verdict (issue 9): the host terminal's "attest verify last", the Token tab's
// model and the Chain tab's model appraise the same token with the same inputs (the challenge
// the realm sent, the lab anchor, the realm's reference values) and show the same verdict in
// the same words, for a good token, a wrong challenge, a flipped signature byte and a token
// whose challenge is unknown (a skipped freshness check is never a pass).
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/lib/bytes.ts';
import type { attest } from '../../src/emulator/index.ts';
import { createLabMachine } from '../../src/shell/index.ts';
import { openTerminals } from '../../src/lessons/terminals.ts';
import {
  flipByte,
  lastTokenAppraisal,
  nonceProblem,
  parseNonce,
} from '../../src/ui/token/token-model.ts';
import { lastTokenChain } from '../../src/ui/attestation/chain-model.ts';

const REALM_CHALLENGE = 'c0ffee';
const WRONG_CHALLENGE = 'beef';
/** The XOR mask of the terminal's --flip. */
const TERMINAL_FLIP_MASK = 0xff;

/** A lab machine in which realm "gw" (with a network device) attested with REALM_CHALLENGE. */
function attested() {
  const machine = createLabMachine();
  const terminals = openTerminals(machine);
  terminals.execute('realm create gw --net');
  terminals.execute(`@gw attest ${REALM_CHALLENGE}`);
  const token = fromHex(machine.state.host?.lastToken ?? '')!;
  return { machine, terminals, token };
}

/** The verdict line the terminal prints last, without "Verdict: " and the counts. */
function terminalVerdict(output: readonly { text: string }[]): string {
  const line = output.at(-1)?.text ?? '';
  expect(line).toMatch(/^Verdict: /);
  return line.replace(/^Verdict: /, '').replace(/; \d+ passed, \d+ failed, \d+ skipped$/, '');
}

/** The same verdict from the three views, or a failed expectation saying which differs. */
function oneVerdict(
  terminal: string,
  token: attest.Verdict | undefined,
  chain: { text: string; kind: string } | undefined,
): string {
  expect(token?.text).toBe(terminal);
  expect(chain?.text).toBe(terminal);
  expect(chain?.kind).toBe(token?.kind);
  return terminal;
}

describe('one token, three views, one verdict', () => {
  it('a good token with the challenge the realm sent: verified everywhere', () => {
    const { machine, terminals } = attested();
    const terminal = terminalVerdict(terminals.execute('attest verify last').output);
    const verdict = oneVerdict(
      terminal,
      lastTokenAppraisal(machine.state)?.verdict,
      lastTokenChain(machine.state, 'last')?.verdict,
    );
    expect(verdict).toMatch(/^verified\b/);
    // The REMs are not appraised (no reference values): said so, not counted as a pass.
    expect(verdict).toContain('REMs not appraised');
  });

  it('the same token against a wrong challenge: rejected on freshness everywhere', () => {
    const { machine, terminals } = attested();
    const terminal = terminalVerdict(
      terminals.execute(`attest verify last --challenge ${WRONG_CHALLENGE}`).output,
    );
    const wrong = new Uint8Array(64);
    wrong.set(fromHex(WRONG_CHALLENGE)!);
    const verdict = oneVerdict(
      terminal,
      lastTokenAppraisal(machine.state, { nonce: WRONG_CHALLENGE })?.verdict,
      lastTokenChain(machine.state, 'last', { challenge: wrong })?.verdict,
    );
    expect(verdict).toBe('rejected: 1 failed (challenge freshness)');
  });

  it('a token with a flipped signature byte: rejected on the realm signature everywhere', () => {
    const { machine, terminals, token } = attested();
    const offset = token.length - 1;
    const terminal = terminalVerdict(
      terminals.execute(`attest verify last --flip ${offset}`).output,
    );
    const tampered = flipByte(token, offset, TERMINAL_FLIP_MASK);
    const verdict = oneVerdict(
      terminal,
      lastTokenAppraisal(machine.state, { bytes: tampered })?.verdict,
      lastTokenChain(machine.state, 'last', { token: tampered })?.verdict,
    );
    expect(verdict).toBe('rejected: 1 failed (realm signature (RAK))');
  });

  it('no challenge known (a token recorded before challenges were): not verified, with the reason', () => {
    const { machine, terminals } = attested();
    delete machine.state.host!.lastChallenge;
    const terminal = terminalVerdict(terminals.execute('attest verify last').output);
    const verdict = oneVerdict(
      terminal,
      lastTokenAppraisal(machine.state)?.verdict,
      lastTokenChain(machine.state, 'last')?.verdict,
    );
    expect(verdict).toMatch(/^not verified: challenge freshness not checked: /);
    expect(verdict).toContain('replay');
    // The Token tab's empty nonce field is the same "none known".
    expect(lastTokenAppraisal(machine.state, { nonce: '' })?.verdict.text).toBe(verdict);
  });

  it('a pasted token has no recorded challenge or reference values: not verified', () => {
    const { terminals, token } = attested();
    const hex = Array.from(token, (b) => b.toString(16).padStart(2, '0')).join('');
    const terminal = terminalVerdict(terminals.execute(`attest verify ${hex}`).output);
    expect(terminal).toMatch(/^not verified: /);
  });
});

describe('a typed nonce that is not one is said, never taken for "none known"', () => {
  it('names the first character that is not hex, or the length over 64 bytes', () => {
    expect(nonceProblem('12zz')).toBe('"z" at character 3 is not a hex digit');
    expect(nonceProblem('0x12 34')).toBe('" " at character 5 is not a hex digit');
    expect(nonceProblem('0x')).toBe('no hex digits after "0x"');
    expect(nonceProblem('a'.repeat(130))).toBe(
      '130 hex digits; a challenge is at most 64 bytes (128 digits)',
    );
    for (const good of ['', '1234', '0xABC', 'a'.repeat(128)]) {
      expect(nonceProblem(good), good).toBeUndefined();
    }
    expect(parseNonce('12zz')).toBeUndefined();
    expect(parseNonce('0x123')?.subarray(0, 2)).toEqual(Uint8Array.of(0x12, 0x30));
  });
});
