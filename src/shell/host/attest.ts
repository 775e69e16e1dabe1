/**
 * Host `attest verify <last|hex> [--challenge <hex>] [--flip <offset>]`: the lab's relying
 * party (emulator host/relying-party.ts; cca-spec.md §6.4) appraises the token a realm last
 * produced, with the challenge that realm sent, the lab's PUBLIC TEST CPAK as trust anchor
 * and the realm's reference values: the same call, with the same inputs, as the Token and
 * Chain tabs, so all three show one verdict. A pasted hex token has no recorded challenge or
 * reference values, so it can at best be "not verified". `--challenge` checks freshness
 * against another nonce; `--flip` corrupts one byte first, to see which check catches it.
 */
import { fromHex } from '../../lib/bytes.ts';
import {
  ATTESTATION_CODE,
  LAB_ANCHOR_NAME,
  abi,
  appraise,
  appraiseLastToken,
  attest,
  type Appraisal,
  type Machine,
} from '../../emulator/index.ts';
import { badSubcommand, out, usageError, type OutputLine, type ShellCommand } from '../types.ts';
import { parseHex } from '../args.ts';

type Env = { machine: Machine };

/** The XOR mask `--flip` applies (every bit of the byte). */
const FLIP_MASK = 0xff;

/** The report and verdict as terminal lines: checks, the inputs, then the one verdict. */
export function appraisalLines(appraisal: Appraisal): OutputLine[] {
  const { evidence, report, verdict } = appraisal;
  const lines: OutputLine[] = [
    out.dim(
      `  ${evidence.token.length} bytes; trust anchor: ${evidence.inputs.anchor}; challenge: ${evidence.inputs.challenge}; reference values: ${evidence.inputs.reference}`,
    ),
  ];
  for (const line of ATTESTATION_CODE.get().formatReport(report).replace(/\n$/, '').split('\n')) {
    if (line.startsWith('Verdict:')) continue;
    const tone = line.startsWith('✗') ? out.error : line.startsWith('✓') ? out.ok : out.line;
    lines.push(tone(line));
  }
  const tone =
    verdict.kind === 'verified' ? out.ok : verdict.kind === 'rejected' ? out.error : out.warn;
  lines.push(tone(`Verdict: ${verdict.text}; ${attest.countsText(verdict)}`));
  return lines;
}

/** The host attest command. */
export const ATTEST_COMMANDS: readonly ShellCommand<Env>[] = [
  {
    name: 'attest',
    needs: [ATTESTATION_CODE],
    usage: 'verify <last|hex> [--challenge <hex>] [--flip <offset>]',
    summary: 'appraise a CCA token check by check (the last one a realm made, or hex)',
    help: [
      'attest verify last                  with the challenge the realm sent (recorded)',
      'attest verify last --challenge 1234 check freshness against another nonce',
      'attest verify last --flip 200       flip byte 200 and see which check fails',
    ],
    run([sub, source, ...rest], { machine }) {
      if (sub !== 'verify') return badSubcommand(sub, ['verify']);
      if (source === undefined) return usageError('missing <last|hex>');
      let token: Uint8Array | undefined;
      if (source === 'last') {
        const last = machine.state.host?.lastToken;
        if (!last)
          return usageError(
            'no realm has produced a token yet (run "attest <challenge>" in a realm terminal)',
          );
        token = fromHex(last);
      } else {
        const pasted = parseHex(source, 'hex');
        if (!pasted.ok) return usageError(pasted.error);
        token = pasted.value;
      }
      if (!token || token.length === 0) return usageError('the last token is not hex (a bug)');
      let challenge: Uint8Array | undefined;
      for (let i = 0; i < rest.length; i++) {
        const flag = rest[i];
        const value = rest[++i];
        if (value === undefined) return usageError(`${flag} needs a value`);
        if (flag === '--challenge') {
          const parsed = parseHex(value, 'challenge');
          if (!parsed.ok) return usageError(`--challenge: ${parsed.error}`);
          const bytes = parsed.value;
          if (bytes.length > abi.CCA_REALM_CHALLENGE_SIZE)
            return usageError(
              `--challenge is ${bytes.length} bytes; a realm challenge is at most ${abi.CCA_REALM_CHALLENGE_SIZE}`,
            );
          // Zero-padded to 64 bytes, as the realm shell pads it for TOKEN_INIT.
          challenge = new Uint8Array(abi.CCA_REALM_CHALLENGE_SIZE);
          challenge.set(bytes);
        } else if (flag === '--flip') {
          const offset = Number(value);
          if (!Number.isInteger(offset) || offset < 0 || offset >= token.length) {
            return usageError(
              `--flip needs a byte offset 0..${token.length - 1} of the ${token.length}-byte token, not "${value}"`,
            );
          }
          token = token.slice();
          token[offset]! ^= FLIP_MASK;
        } else return usageError(`unknown option "${flag}"`);
      }
      const appraisal =
        source === 'last'
          ? appraiseLastToken(machine.state, { token, ...(challenge ? { challenge } : {}) })
          : appraise({
              token,
              ...(challenge ? { challenge } : {}),
              anchor: ATTESTATION_CODE.get().TEST_CPAK_PUBLIC,
              referenceValues: {},
              inputs: {
                anchor: LAB_ANCHOR_NAME,
                challenge: challenge ? 'the nonce given here' : 'none known',
                reference: 'none (a pasted token)',
              },
            });
      if (!appraisal) return usageError('no token to appraise');
      return appraisalLines(appraisal);
    },
  },
];
