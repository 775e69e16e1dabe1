/**
 * `mica-lab attest --challenge <hex> --out <token.cbor> [--image <app>] [--hash sha256|sha512]`:
 * builds a machine, has the host's VMM create and run a realm, and has the guest inside it
 * ask the RMM for a CCA token with that challenge (RSI_ATTESTATION_TOKEN_INIT / CONTINUE,
 * cca-spec.md §4.1, §6), then writes the raw token bytes the realm received. The token
 * verifies with `mica-lab verify` (trust anchor: the lab's PUBLIC TEST CPAK).
 * Exit codes: 0 token written, 1 the realm could not produce one, 2 usage error.
 */
import { fromHex, toHex } from '../../lib/bytes.ts';
import {
  createRealm,
  enqueueGuestOps,
  guestApp,
  runRealm,
  takeGuestResults,
} from '../../emulator/index.ts';
import { createLabMachine, parseHex } from '../../shell/index.ts';
import type { CliCommand } from '../types.ts';
import { cannotWrite } from '../read-error.ts';
import { hex } from '../../lib/hex.ts';

const USAGE = 'attest --challenge <hex> --out <token.cbor> [--image <app>] [--hash sha256|sha512]';

/** Challenge size of RSI_ATTESTATION_TOKEN_INIT (X1..X8). */
const CHALLENGE_SIZE = 64;

/** The attest subcommand. */
export const ATTEST_COMMAND: CliCommand = {
  name: 'attest',
  usage: USAGE,
  summary: 'run a realm and have it request a CCA token with a challenge; write the token',
  async run(args, io) {
    const usageError = (message: string): number => {
      io.stderr(`mica-lab attest: ${message}\nusage: mica-lab ${USAGE}\n`);
      return 2;
    };
    const options = new Map<string, string>();
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (!['--challenge', '--out', '--image', '--hash'].includes(a)) {
        return usageError(`unknown argument "${a}"`);
      }
      const value = args[++i];
      if (value === undefined) return usageError(`${a} needs a value`);
      options.set(a, value);
    }
    const challengeHex = options.get('--challenge');
    const out = options.get('--out');
    if (challengeHex === undefined) return usageError('missing --challenge <hex>');
    if (out === undefined) return usageError('missing --out <token.cbor>');
    const parsed = parseHex(challengeHex, 'hex');
    if (!parsed.ok) return usageError(`--challenge: ${parsed.error}`);
    const bytes = parsed.value;
    if (bytes.length > CHALLENGE_SIZE) {
      return usageError(
        `--challenge is ${bytes.length} bytes; a realm challenge is 1..${CHALLENGE_SIZE} bytes (zero-padded to ${CHALLENGE_SIZE})`,
      );
    }
    const challenge = new Uint8Array(CHALLENGE_SIZE);
    challenge.set(bytes);
    const image = options.get('--image') ?? 'attester';
    if (!guestApp(image)) return usageError(`no guest image "${image}"`);
    const hash = options.get('--hash') ?? 'sha256';
    if (hash !== 'sha256' && hash !== 'sha512')
      return usageError('--hash must be sha256 or sha512');

    // The one factory (a CCA-only machine: a plain realm token, no monitor in the way).
    const machine = createLabMachine({ mode: 'cca' });
    const created = createRealm(machine, {
      name: 'attester',
      image,
      hashAlgo: hash === 'sha256' ? 'sha-256' : 'sha-512',
    });
    if (!created.ok) {
      io.stderr(`mica-lab attest: creating the realm failed: ${created.error}\n`);
      return 1;
    }
    const rec = created.realm.recs[0]!;
    enqueueGuestOps(machine.state, rec, [{ op: 'attest', challenge: toHex(challenge) }]);
    const report = runRealm(machine, 'attester');
    const result = takeGuestResults(machine.state, rec).find((r) => r.op === 'attest');
    if (!result?.ok || result.data === undefined) {
      const why = result?.error ?? report.error ?? `the realm stopped (${report.stop})`;
      io.stderr(`mica-lab attest: the realm got no token: ${why}\n`);
      return 1;
    }
    const token = fromHex(result.data)!;
    try {
      await io.writeFile(out, token);
    } catch (error) {
      io.stderr(`mica-lab attest: ${cannotWrite(out, error)}\n`);
      return 2;
    }
    const rmm = machine.state.rmm.realms[hex(created.realm.rd)];
    io.stdout(
      `realm "attester" (image "${image}", ${created.realm.hashAlgo}) ran ${report.exits.length} exits; ` +
        `token of ${token.length} bytes from ${result.values.calls ?? '?'} RSI_ATTESTATION_TOKEN_CONTINUE calls written to ${out}\n`,
    );
    if (rmm) io.stdout(`RIM ${rmm.hashAlgo === 'sha-512' ? rmm.rim : rmm.rim.slice(0, 64)}\n`);
    io.stdout(`verify with: mica-lab verify ${out} --challenge ${toHex(challenge)}\n`);
    return 0;
  },
};
