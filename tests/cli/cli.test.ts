// The mica-lab CLI, in-process and as a real process through bin/mica-lab.mjs.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/types.ts';

function io(stdin?: string) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const value: CliIo = {
    stdout: (s) => stdout.push(s),
    stderr: (s) => stderr.push(s),
    readFile: async () => new Uint8Array(),
    writeFile: async () => {},
    ...(stdin !== undefined ? { stdin: [stdin] } : {}),
  };
  return { value, out: () => stdout.join(''), err: () => stderr.join('') };
}

describe('mica-lab CLI', () => {
  it('--help lists the subcommands', async () => {
    const x = io();
    expect(await runCli(['--help'], x.value)).toBe(0);
    expect(x.out()).toContain('shell [-c');
  });

  it('shell -c runs commands separated by ; and prints what the terminal prints', async () => {
    const x = io();
    expect(await runCli(['shell', '-c', 'delegate 0x80000000; read 0x80000000 4'], x.value)).toBe(
      0,
    );
    expect(x.out()).toContain(
      'host$ delegate 0x80000000\nRMI_GRANULE_DELEGATE(addr=0x80000000) -> RMI_SUCCESS',
    );
    expect(x.out()).toContain('Granule Protection Fault');
  });

  it('shell reads commands from stdin, one per line', async () => {
    const x = io('delegate 0x80000000\ngpt 0x80000000 1\n');
    expect(await runCli(['shell'], x.value)).toBe(0);
    expect(x.out()).toMatch(/0x80000000\s+REALM\s+DELEGATED/);
  });

  it('--strict exits 1 when a command failed', async () => {
    const x = io();
    expect(await runCli(['shell', '--strict', '-c', 'undelegate 0x80000000'], x.value)).toBe(1);
  });

  it('unknown commands and options exit 2 with a message', async () => {
    const a = io();
    expect(await runCli(['frob'], a.value)).toBe(2);
    expect(a.err()).toContain('unknown command "frob"');
    const b = io();
    expect(await runCli(['shell', '--nope'], b.value)).toBe(2);
    expect(b.err()).toContain('unknown option "--nope"');
  });

  it('a file of the wrong kind is refused with its name and what was wrong, by every reader', async () => {
    // A picture picked as a text file, and a text file picked as a token.
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 1, 1, 0x0d]);
    const hexDump = new TextEncoder().encode('d9 01 8f a2 19 ac 4a 59\n');
    const cases: [string[], Uint8Array, string][] = [
      [['policy', 'check', 'a.png'], png, 'a.png: not a text file (byte 0x89 at offset 0'],
      [['run', 'a.png'], png, 'a.png: not a text file (byte 0x89 at offset 0'],
      [['scenario', 'show', 'a.png'], png, '"a.png" is not a text file (byte 0x89 at offset 0'],
      [['verify', 't.cbor', '--cpak', 'a.png'], png, '"a.png": not a text file (byte 0x89'],
      [['lesson', 'runs', 'a.png'], png, 'a.png is not a progress file: it is not a text file'],
      [['verify', 'token.hex'], hexDump, '"token.hex" is a text file; a token is binary CBOR'],
    ];
    for (const [argv, bytes, says] of cases) {
      const text: string[] = [];
      const code = await runCli(argv, {
        ...io().value,
        stderr: (s) => text.push(s),
        stdout: (s) => text.push(s),
        readFile: async () => bytes,
      });
      expect(code, argv.join(' ')).not.toBe(0);
      expect(text.join(''), argv.join(' ')).toContain(says);
      expect(text.join(''), argv.join(' ')).not.toContain('\uFFFD');
    }
  });

  it('a file that cannot be read is named with the reason in words, by every subcommand', async () => {
    const missing = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), {
      code: 'ENOENT',
    });
    const failing = (): CliIo => ({
      ...io().value,
      readFile: async () => {
        throw missing;
      },
    });
    for (const argv of [
      ['policy', 'check', 'nope.pol'],
      ['verify', 'nope.pol'],
      ['run', 'nope.pol'],
      ['lesson', 'runs', 'nope.pol'],
      ['scenario', 'show', 'nope.pol'],
    ]) {
      const err: string[] = [];
      const out: string[] = [];
      const code = await runCli(argv, {
        ...failing(),
        stderr: (s) => err.push(s),
        stdout: (s) => out.push(s),
      });
      expect(code, argv.join(' ')).toBe(2);
      const text = err.join('') + out.join('');
      expect(text, argv.join(' ')).toMatch(
        new RegExp(
          `^mica-lab ${argv[0]}[^\\n]*: cannot read "nope.pol": no such file or directory`,
        ),
      );
      expect(text, argv.join(' ')).not.toContain('ENOENT');
    }
  });

  it('a file that cannot be written or a folder that cannot be listed is said, never a crash', async () => {
    const missing = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), {
      code: 'ENOENT',
    });
    for (const [argv, message] of [
      [
        ['attest', '--challenge', '12', '--out', 'no/dir/t.cbor'],
        'mica-lab attest: cannot write "no/dir/t.cbor": no such file or directory',
      ],
      [['run', '--all', 'no/dir'], 'mica-lab run: cannot list "no/dir": no such file or directory'],
    ] as const) {
      const x = io();
      const code = await runCli([...argv], {
        ...x.value,
        writeFile: async () => {
          throw missing;
        },
        readDir: async () => {
          throw missing;
        },
      });
      expect(code, argv.join(' ')).toBe(2);
      expect(x.err(), argv.join(' ')).toContain(message);
    }
  });

  it('a misspelt command, subcommand, attack number or challenge says what was wrong', async () => {
    const cases: [string[], string][] = [
      [['shel'], 'mica-lab: unknown command "shel" (did you mean "shell"?)'],
      [
        ['policy', 'chek', 'x'],
        'unknown subcommand "chek" (did you mean "check"?); expected "check", "encode" or "agree"',
      ],
      [
        ['lesson'],
        'mica-lab lesson: missing subcommand; expected "list", "show", "check" or "runs"',
      ],
      [['scenario', 'lnk'], 'unknown subcommand "lnk" (did you mean "link"?)'],
      [['mica', 'dmeo', '3'], 'unknown subcommand "dmeo" (did you mean "demo"?)'],
      [['mica', 'demo', 'abc'], '"abc" is not an attack number; give one from 1 to 21'],
      [['mica', 'demo', '22'], 'there is no attack 22; give a number from 1 to 21'],
      [['mica', 'demo', '3', '--mode', 'mcia'], 'unknown mode "mcia" (did you mean "mica"?)'],
      [
        ['attest', '--challenge', '12zz', '--out', 't.cbor'],
        '--challenge: <hex> "12zz" is not hex bytes: "z" at character 3 is not a hex digit',
      ],
    ];
    for (const [argv, message] of cases) {
      const x = io();
      expect(await runCli(argv, x.value), argv.join(' ')).toBe(2);
      expect(x.err(), argv.join(' ')).toContain(message);
    }
  });

  it('runs as a real process through bin/mica-lab.mjs', () => {
    const r = spawnSync('node', ['bin/mica-lab.mjs', 'shell', '-c', 'rmi version 0x10000'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('RMI_VERSION(req=0x10000) -> RMI_SUCCESS');
  });
});
