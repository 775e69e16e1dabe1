// `mica-lab verify` (src/cli/commands/verify.ts), driven in-process through CliIo.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { VERIFY_COMMAND } from '../../src/cli/commands/verify.ts';
import type { CliIo } from '../../src/cli/types.ts';
import { toHex } from '../../src/lib/bytes.ts';
import { attest } from '../../src/emulator/index.ts';
import { labInput } from './helpers.ts';

const DIR = new URL('../vectors/tokens/', import.meta.url);
const lab = attest.buildCcaToken(labInput());

function io(files: Record<string, Uint8Array> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    readFile: async (p) => files[p] ?? new Uint8Array(await readFile(new URL(p, DIR))),
    writeFile: async () => {},
  };
  return { value, out: () => out.join(''), err: () => err.join('') };
}

describe('mica-lab verify', () => {
  it('a lab token with its challenge: every line ✓, exit 0', async () => {
    const x = io({ 'lab.cbor': lab });
    const code = await VERIFY_COMMAND.run(
      ['lab.cbor', '--challenge', toHex(labInput().challenge)],
      x.value,
    );
    expect(x.out()).toContain('✓ binding');
    expect(x.out()).toContain('✓ challenge freshness');
    expect(code).toBe(0);
  });

  it('with every reference value given, --strict passes; a wrong REM fails', async () => {
    const input = labInput();
    const refs = [
      '--challenge',
      toHex(input.challenge),
      '--rim',
      toHex(input.rim.subarray(0, 32)),
      ...input.rems.flatMap((r) => ['--rem', toHex(r.subarray(0, 32))]),
      '--rpv',
      toHex(input.rpv),
      '--lab-firmware',
    ];
    const x = io({ 'lab.cbor': lab });
    expect(await VERIFY_COMMAND.run(['lab.cbor', ...refs, '--strict'], x.value)).toBe(0);
    expect(x.out()).toContain('Verdict: verified;');
    const y = io({ 'lab.cbor': lab });
    const bad = [...refs];
    bad[bad.indexOf('--rem') + 1] = '00'.repeat(32);
    expect(await VERIFY_COMMAND.run(['lab.cbor', ...bad], y.value)).toBe(1);
    expect(y.out()).toContain('✗ REMs: REM0 does not match the reference');
  });

  it('--strict turns skipped checks (no reference values) into exit 1', async () => {
    const x = io({ 'lab.cbor': lab });
    expect(await VERIFY_COMMAND.run(['lab.cbor', '--strict'], x.value)).toBe(1);
    expect(x.out()).toContain('– RIM');
  });

  it('bug-33-repro with the CPAK file: binding ✗, exit 1', async () => {
    const x = io();
    expect(await VERIFY_COMMAND.run(['bug-33-repro.cbor', '--cpak', 'cpak.json'], x.value)).toBe(1);
    expect(x.out()).toMatch(/✗ binding/);
    expect(x.out()).toContain('trust anchor: P-384 key from cpak.json');
  });

  it('cca-token-02 needs its P-256 anchor: fails with the default CPAK, passes with ta-02-ok.json', async () => {
    expect(await VERIFY_COMMAND.run(['cca-token-02.cbor'], io().value)).toBe(1);
    expect(
      await VERIFY_COMMAND.run(['cca-token-02.cbor', '--cpak', 'ta-02-ok.json'], io().value),
    ).toBe(0);
  });

  it('--tree prints the claims with byte ranges before the checks', async () => {
    const x = io();
    expect(await VERIFY_COMMAND.run(['cca-token-draft-ffm-00.cbor', '--tree'], x.value)).toBe(0);
    expect(x.out()).toMatch(
      /\[1849\.\.1886\) cca-realm-initial-measurement \(44238\): 32 bytes 311314ab/,
    );
    expect(x.out().indexOf('cca-realm-initial-measurement (44238):')).toBeLessThan(
      x.out().indexOf('✓ token structure'),
    );
  });

  it('a wrong challenge fails freshness', async () => {
    const x = io({ 'lab.cbor': lab });
    expect(await VERIFY_COMMAND.run(['lab.cbor', '--challenge', '00'.repeat(64)], x.value)).toBe(1);
    expect(x.out()).toContain('✗ challenge freshness');
  });

  it.each([
    [[], 'missing <token.cbor>'],
    [['a.cbor', 'b.cbor'], 'unexpected argument "b.cbor"'],
    [['lab.cbor', '--challenge'], '--challenge needs a value'],
    [
      ['lab.cbor', '--challenge', 'xyz'],
      '--challenge: <hex> "xyz" is not hex bytes: "x" at character 1 is not a hex digit',
    ],
    [['lab.cbor', '--rim', '0'], '--rim: <hex> "0" is not hex bytes: 1 hex digit, an odd count'],
    [
      [
        'lab.cbor',
        ...Array<string>(5)
          .fill('--rem')
          .flatMap((r) => [r, '00']),
      ],
      '--rem is given more than 4 times',
    ],
    [['lab.cbor', '--cpak', 'SOURCE.md'], '--cpak "SOURCE.md": the key file is not JSON'],
    [['lab.cbor', '--frobnicate'], 'unknown option "--frobnicate"'],
    [['no-such-file.cbor'], '<token.cbor>: cannot read "no-such-file.cbor"'],
  ])('usage error %j -> exit 2 naming the argument', async (args, message) => {
    const x = io({ 'lab.cbor': lab });
    expect(await VERIFY_COMMAND.run(args, x.value)).toBe(2);
    expect(x.err()).toContain(message);
    expect(x.err()).toContain('usage: mica-lab verify <token.cbor>');
  });

  it('a cut-off token: checks that could not run say why, none blames a claim it never read', async () => {
    const x = io({ 'cut.cbor': lab.subarray(0, 300) });
    expect(await VERIFY_COMMAND.run(['cut.cbor'], x.value)).toBe(1);
    expect(x.out()).toMatch(/✗ token structure: the token is not well-formed CBOR: .*\(byte \d+\)/);
    expect(x.out()).toContain(
      '– realm attestation key (44237): the realm claims could not be read',
    );
  });
});
