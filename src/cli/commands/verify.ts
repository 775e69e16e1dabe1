/**
 * `mica-lab verify <token.cbor> [--cpak <jwk.json>] [--challenge <hex>] [--rim <hex>]
 * [--rem <hex>]... [--rpv <hex>] [--lab-firmware] [--strict] [--tree]`: runs the explaining
 * verifier (cca-spec.md §6.4; lab-ux.md §3.1 item 2) on a CCA token file and prints one line
 * per check; --tree first prints the decoded claims with byte ranges. --rim/--rem/--rpv give
 * reference values (--rem once per REM, in order), --lab-firmware takes the lab platform's
 * firmware measurements as the sw-component reference values.
 * Exit codes: 0 when no check fails (with --strict: when every check passes, none skipped),
 * 1 otherwise, 2 on a usage or input error.
 *
 * Without --cpak the trust anchor is the lab's PUBLIC TEST CPAK (the tf-m-tools sample key,
 * veraison/rust-ccatoken testdata/cpak.json), which also verifies Arm's FVP sample tokens.
 */
import { parseHex } from '../../shell/index.ts';
import { abi, attest } from '../../emulator/index.ts';
import type { CliCommand } from '../types.ts';
import { cannotRead } from '../read-error.ts';
import { textOfFile } from '../../lib/text-file.ts';

const USAGE =
  'verify <token.cbor> [--cpak <jwk.json>] [--challenge <hex>] [--rim <hex>] [--rem <hex>]... ' +
  '[--rpv <hex>] [--lab-firmware] [--strict] [--tree]';

/** The verify subcommand. */
export const VERIFY_COMMAND: CliCommand = {
  name: 'verify',
  usage: USAGE,
  summary: 'verify a CCA attestation token and explain every check',
  async run(args, io) {
    const usageError = (message: string): number => {
      io.stderr(`mica-lab verify: ${message}\nusage: mica-lab ${USAGE}\n`);
      return 2;
    };
    let tokenPath: string | undefined;
    let cpakPath: string | undefined;
    const hexArgs = new Map<string, Uint8Array>();
    const rems: Uint8Array[] = [];
    let labFirmware = false;
    let strict = false;
    let tree = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (
        a === '--cpak' ||
        a === '--challenge' ||
        a === '--rim' ||
        a === '--rem' ||
        a === '--rpv'
      ) {
        const value = args[++i];
        if (value === undefined) return usageError(`${a} needs a value`);
        if (a === '--cpak') {
          cpakPath = value;
          continue;
        }
        const parsed = parseHex(value, 'hex');
        if (!parsed.ok) return usageError(`${a}: ${parsed.error}`);
        const bytes = parsed.value;
        if (a === '--rem') {
          if (rems.length === 4) return usageError('--rem is given more than 4 times (REM0..REM3)');
          rems.push(bytes);
        } else hexArgs.set(a, bytes);
      } else if (a === '--lab-firmware') labFirmware = true;
      else if (a === '--strict') strict = true;
      else if (a === '--tree') tree = true;
      else if (a.startsWith('-')) return usageError(`unknown option "${a}"`);
      else if (tokenPath === undefined) tokenPath = a;
      else
        return usageError(`unexpected argument "${a}" (only one token file is verified at a time)`);
    }
    if (tokenPath === undefined) return usageError('missing <token.cbor>');
    const given = hexArgs.get('--challenge');
    if (given && given.length > abi.CCA_REALM_CHALLENGE_SIZE) {
      return usageError(
        `--challenge is ${given.length} bytes; a realm challenge has at most ${abi.CCA_REALM_CHALLENGE_SIZE}`,
      );
    }
    // A shorter nonce is zero-padded to 64 bytes, exactly as `mica-lab attest` and the realm
    // shell pad it before RSI_ATTESTATION_TOKEN_INIT.
    const challenge = given ? new Uint8Array(abi.CCA_REALM_CHALLENGE_SIZE) : undefined;
    if (given && challenge) challenge.set(given);
    const rim = hexArgs.get('--rim');
    const rpv = hexArgs.get('--rpv');
    const referenceValues: attest.ReferenceValues = {
      ...(rim ? { rim } : {}),
      ...(rpv ? { rpv } : {}),
      ...(rems.length ? { rems } : {}),
      ...(labFirmware ? { swComponents: attest.LAB_PLATFORM_SW_COMPONENTS } : {}),
    };

    let cpak: attest.EcPublicKey = attest.TEST_CPAK_PUBLIC;
    if (cpakPath !== undefined) {
      let bytes: Uint8Array;
      try {
        bytes = await io.readFile(cpakPath);
      } catch (err) {
        return usageError(`--cpak: ${cannotRead(cpakPath, err)}`);
      }
      const text = textOfFile(bytes);
      if (!text.ok)
        return usageError(`--cpak "${cpakPath}": ${text.error}: a key file is JWK JSON text`);
      const imported = attest.importJwk(text.value);
      if (!imported.ok) return usageError(`--cpak "${cpakPath}": ${imported.error}`);
      cpak = imported.key;
    }

    let token: Uint8Array;
    try {
      token = await io.readFile(tokenPath);
    } catch (err) {
      return usageError(`<token.cbor>: ${cannotRead(tokenPath, err)}`);
    }
    // A token is binary CBOR (its signatures and 64-byte challenge are never all text): a
    // file that reads whole as text is a wrong pick (a hex dump, a JWK, a scenario).
    if (token.length > 0 && textOfFile(token).ok)
      return usageError(
        `<token.cbor> "${tokenPath}" is a text file; a token is binary CBOR (tag ${abi.CCA_TOKEN_COLLECTION_TAG} or ${abi.CCA_CMW_COLLECTION_TAG})`,
      );

    const anchor =
      cpakPath === undefined
        ? 'the lab PUBLIC TEST CPAK (tf-m-tools cca_platform.pem)'
        : `${cpak.crv} key from ${cpakPath}`;
    io.stdout(`Verifying ${tokenPath} (${token.length} bytes); trust anchor: ${anchor}\n`);
    const report = await attest.verifyCcaTokenAsync(token, {
      cpak,
      referenceValues,
      ...(challenge ? { challenge } : {}),
    });
    if (tree && report.tree) io.stdout(attest.formatTree(report.tree));
    io.stdout(attest.formatReport(report));
    if (report.verdict === 'pass') return 0;
    return report.verdict === 'incomplete' && !strict ? 0 : 1;
  },
};
