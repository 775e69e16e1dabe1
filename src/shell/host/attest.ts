/**
 * Host `attest verify <last|hex> [--challenge <hex>] [--flip <offset>]`: the explaining
 * verifier (cca-spec.md §6.4) on the token a realm last produced (or one pasted as hex),
 * with the lab's PUBLIC TEST CPAK as trust anchor. `--flip` corrupts one byte first, to see
 * which check catches the tampering and why.
 */
import { fromHex } from '../../lib/bytes.ts';
import { attest, type Machine } from '../../emulator/index.ts';
import { out, usageError, type OutputLine, type ShellCommand } from '../types.ts';

type Env = { machine: Machine };

/** The host attest command. */
export const ATTEST_COMMANDS: readonly ShellCommand<Env>[] = [
  {
    name: 'attest',
    usage: 'verify <last|hex> [--challenge <hex>] [--flip <offset>]',
    summary: 'verify a CCA token check by check (the last one a realm made, or hex)',
    help: [
      'attest verify last --challenge 1234     (the realm ran "attest 1234")',
      'attest verify last --flip 200           flip byte 200 and see which check fails',
    ],
    run([sub, source, ...rest], { machine }) {
      if (sub !== 'verify') return usageError('expected "verify"');
      if (source === undefined) return usageError('missing <last|hex>');
      let token: Uint8Array | undefined;
      if (source === 'last') {
        const last = machine.state.host?.lastToken;
        if (!last)
          return usageError(
            'no realm has produced a token yet (run "attest <challenge>" in a realm terminal)',
          );
        token = fromHex(last);
      } else token = fromHex(source);
      if (!token || token.length === 0) return usageError('<hex> is not a hex token');
      let challenge: Uint8Array | undefined;
      for (let i = 0; i < rest.length; i++) {
        const flag = rest[i];
        const value = rest[++i];
        if (value === undefined) return usageError(`${flag} needs a value`);
        if (flag === '--challenge') {
          const bytes = fromHex(value);
          if (!bytes || bytes.length === 0 || bytes.length > 64)
            return usageError('--challenge must be 1..64 bytes of hex');
          challenge = new Uint8Array(64);
          challenge.set(bytes);
        } else if (flag === '--flip') {
          const offset = Number(value);
          if (!Number.isInteger(offset) || offset < 0 || offset >= token.length) {
            return usageError(`--flip needs a byte offset 0..${token.length - 1}`);
          }
          token = token.slice();
          token[offset]! ^= 0xff;
        } else return usageError(`unknown option "${flag}"`);
      }
      const report = attest.verifyCcaToken(token, {
        cpak: attest.TEST_CPAK_PUBLIC,
        ...(challenge ? { challenge } : {}),
      });
      const lines: OutputLine[] = [
        out.dim(`  ${token.length} bytes; trust anchor: the lab PUBLIC TEST CPAK`),
      ];
      for (const line of attest.formatReport(report).replace(/\n$/, '').split('\n')) {
        const tone =
          line.startsWith('✗') || line.startsWith('NOT')
            ? out.error
            : line.startsWith('✓') || line.startsWith('VERIFIED')
              ? out.ok
              : out.line;
        lines.push(tone(line));
      }
      return lines;
    },
  },
];
