// The host shell: text in, text out; wrong input prints usage and changes nothing.
import { describe, expect, it } from 'vitest';
import { abi, createMachine } from '../../src/emulator/index.ts';
import { hex } from '../../src/lib/hex.ts';
import { createHostShell, splitCommands, tokenize } from '../../src/shell/index.ts';

function run(lines: string[]) {
  const machine = createMachine();
  const shell = createHostShell(machine);
  const outputs = lines.map((l) =>
    shell
      .execute(l)
      .map((o) => o.text)
      .join('\n'),
  );
  return { machine, shell, outputs };
}

describe('host shell', () => {
  it('generates help from the command table', () => {
    const { outputs, shell } = run(['help']);
    for (const name of shell.commandNames) expect(outputs[0]).toContain(name);
  });

  it('delegate changes the granule and reports the GPT update and the transition', () => {
    const { machine, outputs } = run(['delegate 0x80000000']);
    expect(outputs[0]).toContain('RMI_GRANULE_DELEGATE(addr=0x80000000) -> RMI_SUCCESS');
    expect(outputs[0]).toContain('GPI NS -> REALM');
    expect(outputs[0]).toContain('UNDELEGATED -> DELEGATED');
    expect(machine.gpiOf(0x8000_0000)).toBe('REALM');
  });

  it('explains a refusal with the failure label, whose condition it is, and the reason', () => {
    const { outputs } = run(['delegate 0x80000000', 'delegate 0x80000000']);
    expect(outputs[1]).toContain('RMI_ERROR_INPUT');
    expect(outputs[1]).toContain(
      "failed gran_state (the RMM's condition): granule 0x80000000 is DELEGATED, expected UNDELEGATED",
    );
  });

  it('read of a delegated granule shows a Granule Protection Fault, not bytes', () => {
    const { outputs } = run(['delegate 0x80000000', 'read 0x80000000 16']);
    expect(outputs[1]).toContain('Granule Protection Fault');
    expect(outputs[1]).not.toMatch(/\|.*\|/);
  });

  it('a write of one byte says "1 byte", of more "bytes"', () => {
    const { outputs } = run(['write 0x80020000 "x"', 'write 0x80020000 "xy"']);
    expect(outputs).toEqual(['wrote 1 byte at 0x80020000', 'wrote 2 bytes at 0x80020000']);
  });

  it('write then read round-trips text and hex', () => {
    const { outputs } = run([
      'write 0x80001000 "hi there"',
      'write 0x80001008 0xcafe',
      'read 0x80001000 16',
    ]);
    expect(outputs[0]).toBe('wrote 8 bytes at 0x80001000');
    expect(outputs[2]).toContain('68 69 20 74 68 65 72 65 ca fe');
  });

  it.each([
    ['delegate', 'missing <pa>'],
    ['delegate banana', 'must be a whole number'],
    ['delegate 0x80000000 extra', 'unexpected argument'],
    ['read 0x80000000 0', 'between 1 and'],
    ['write 0x80000000 xyz', 'not hex bytes'],
    ['gpt 0x80001000-0x80000000', 'must be above'],
    [
      'gpt 0x80000000-0x90000000',
      'the range 0x80000000-0x90000000 spans 65536 granules; at most 512 are listed at once',
    ],
    ['gpt 0x80000000 999999', '<count> must be between 1 and 512, not 999999'],
    ['rmi NOPE', 'no RMI command'],
    ['rmi version', 'missing <req>'],
    ['rmi version foo=1', 'has no argument "foo"'],
    ['smc', 'missing <fid>'],
    ['realm create r1 --ram 2', '--ram must be'],
  ])('"%s" prints usage and changes nothing', (line, message) => {
    const { machine, outputs } = run([line]);
    expect(outputs[0]).toContain(message);
    expect(outputs[0]).toContain('usage:');
    expect(machine.ledger).toHaveLength(0);
  });

  it('an unknown command or an unterminated quote is explained', () => {
    const { outputs } = run(['frobnicate', 'write 0x80000000 "oops']);
    expect(outputs[0]).toContain('unknown command "frobnicate"');
    expect(outputs[1]).toContain('unterminated " quote opened at column 18');
  });

  it('disabled commands are reported as switched off', () => {
    const shell = createHostShell(createMachine(), { disabled: ['smc'] });
    expect(shell.execute(`smc ${hex(abi.SMC_RMI_VERSION)}`)[0]?.text).toContain('switched off');
  });

  it('a switched-off command is never suggested, and its refusal names what is on', () => {
    // Lesson 01-worlds/01 offers gpt, read and write only: gpt used to say 'Try "delegate"'.
    const shell = createHostShell(createMachine(), {
      disabled: ['delegate', 'undelegate', 'rmi', 'smc'],
    });
    const map = shell
      .execute('gpt')
      .map((o) => o.text)
      .join('\n');
    expect(map).toContain('No granule has changed since boot.');
    expect(map).not.toContain('delegate');
    const refusal = shell.execute('delegate 0x80000000')[0]?.text ?? '';
    expect(refusal).toContain('"delegate" is switched off in this lesson');
    expect(refusal).toMatch(/gpt, read, write/);
    expect(run(['gpt']).outputs[0]).toContain('Try "delegate 0x80000000".');
  });

  it('a realm name where rmi takes an address says the realm’s RD', async () => {
    // The Mica lessons write `rd=<encoder>`; the learner types the name.
    const { labTerminals } = await import('./lab-terminals.ts');
    const { type } = labTerminals();
    type('realm create enc');
    const text = type('rmi REALM_ACTIVATE rd=enc');
    expect(text).toMatch(/<rd> must be a whole number .*not "enc"/);
    expect(text).toMatch(/"enc" is a realm, and RMI takes addresses: its RD is 0x[0-9a-f]+ /);
    expect(type('rmi REALM_ACTIVATE rd=nobody')).not.toMatch(/is a realm/);
  });

  it('rmi calls any command by name or position', () => {
    const { outputs } = run(['rmi version req=0x10000', 'rmi GRANULE_DELEGATE 0x80002000']);
    expect(outputs[0]).toContain('lower = 0x10000');
    expect(outputs[1]).toContain('RMI_SUCCESS');
  });

  it('gpt lists a range with GPI and state', () => {
    const { outputs } = run(['delegate 0x80001000', 'gpt 0x80000000 2']);
    expect(outputs[1]).toMatch(/0x80000000\s+NS\s+UNDELEGATED/);
    expect(outputs[1]).toMatch(/0x80001000\s+REALM\s+DELEGATED/);
  });

  it('gpt lists no row beyond the 52-bit PA space, and says where the rows asked for stop', () => {
    // `gpt 0xfffffffffffff` listed 16 rows, 15 of them past the top of the PA space.
    const machine = createMachine();
    const output = createHostShell(machine).execute('gpt 0xfffffffffffff');
    const rows = output.filter((o) => /^\s+0x/.test(o.text)).map((o) => o.text.trim());
    expect(rows).toEqual([expect.stringMatching(/^0xffffffffff000\s+\(no memory\)$/)]);
    const note = output.at(-1)!;
    expect(note.tone).toBe('warn');
    expect(note.text).toBe(
      '<pa> 0xfffffffffffff: the 52-bit PA space ends at 0xfffffffffffff; 15 of the 16 granules asked for are beyond it, not listed',
    );
    // A count that fits lists every row and says nothing more.
    const fits = createHostShell(machine).execute('gpt 0xffffffffff000 1');
    expect(fits.at(-1)!.text).toMatch(/^\s+0xffffffffff000\s+\(no memory\)$/);
  });
});

describe('tokenizer', () => {
  it('keeps quoted words and marks them as quoted', () => {
    expect(tokenize('write 0x1 "a b" c')).toEqual({
      ok: true,
      words: ['write', '0x1', 'a b', 'c'],
      quoted: [false, false, true, false],
    });
  });

  it('splits scripts on ; and newlines outside quotes', () => {
    expect(splitCommands('a; write 0 "x;y"\nb')).toEqual(['a', 'write 0 "x;y"', 'b']);
  });
});

describe('a misspelt command or subcommand says what was meant', () => {
  it('--image with no name lists the images', async () => {
    const { labTerminals } = await import('./lab-terminals.ts');
    const { type } = labTerminals();
    expect(type('realm create b --image')).toMatch(/--image needs a name: .*hello.*shell/);
  });

  it('a misspelt RMI command names the nearest one', () => {
    const { outputs } = run(['rmi REALM_CREAT rd=0x80002000 params_ptr=0x80010000']);
    expect(outputs[0]).toContain('no RMI command "REALM_CREAT" (did you mean "REALM_CREATE"?)');
  });

  it('a misspelt guest image names the nearest image and every image', async () => {
    const { labTerminals } = await import('./lab-terminals.ts');
    const { type } = labTerminals();
    const text = type('realm create b --image helo');
    expect(text).toMatch(
      /no guest image "helo" \(did you mean "hello"\?\); the images: .*hello.*shell/,
    );
  });

  it('an unknown command names the nearest one', () => {
    const { outputs } = run(['delegat 0x80000000', 'frobnicate']);
    expect(outputs[0]).toBe(
      'unknown command "delegat" (did you mean "delegate"?). Type "help" to list the commands.',
    );
    expect(outputs[1]).toBe('unknown command "frobnicate". Type "help" to list the commands.');
  });

  it.each([
    [
      'realm start r1',
      'realm: unknown subcommand "start"; expected "create", "destroy", "list" or "show"',
    ],
    ['realm shwo r1', 'realm: unknown subcommand "shwo" (did you mean "show"?); expected'],
    ['realm', 'realm: missing subcommand; expected "create", "destroy", "list" or "show"'],
    ['attest verfy last', 'attest: unknown subcommand "verfy" (did you mean "verify"?)'],
    ['tenant sned gw 00', 'tenant: unknown subcommand "sned" (did you mean "send"?)'],
    ['mica stauts', 'mica: unknown subcommand "stauts" (did you mean "status"?)'],
  ])('"%s" names the word and the choices', (line, message) => {
    const { machine, outputs } = run([line]);
    expect(outputs[0]).toContain(message);
    expect(machine.ledger).toHaveLength(0);
  });

  it('a realm terminal’s subcommands say the same', async () => {
    const { labTerminals } = await import('./lab-terminals.ts');
    const { type } = labTerminals();
    type('realm create a');
    expect(type('@a mem raed 0x0')).toContain(
      'mem: unknown subcommand "raed" (did you mean "read"?); expected "read" or "write"',
    );
    expect(type('@a ipa-state frob')).toContain(
      'ipa-state: unknown subcommand "frob"; expected "get" or "set"',
    );
    expect(type('@a policy uplaod video-moderation')).toContain(
      'policy: unknown subcommand "uplaod" (did you mean "upload"?)',
    );
    expect(type('@a policy upload /nope')).toContain(
      'policy: "/nope" is not <example> or <example>/<realm>',
    );
    expect(type('@a policy show video-moderaton/encoder')).toContain(
      'policy: no example "video-moderaton" (did you mean "video-moderation"?)',
    );
    expect(type('@a policy show video-moderation/encodr')).toContain(
      'has no realm "encodr" (did you mean "encoder"?)',
    );
    expect(type('@a net snd hi')).toContain('net: unknown subcommand "snd" (did you mean "send"?)');
    expect(type('@a measure rad')).toContain(
      'measure: unknown subcommand "rad" (did you mean "read"?)',
    );
  });
});

describe('hex bytes that are not hex say where', () => {
  it.each([
    [
      'write 0x80000000 zz',
      '"zz" is not hex bytes (like 0xdeadbeef): "z" at character 1 is not a hex digit',
    ],
    ['write 0x80000000 0xabg1', '"g" at character 5 is not a hex digit'],
    [
      'write 0x80000000 0xabc',
      '"0xabc" is not hex bytes (like 0xdeadbeef): 3 hex digits, an odd count (a byte is two)',
    ],
    ['write 0x80000000 0x', 'no hex digits'],
  ])('"%s"', (line, message) => {
    const { machine, outputs } = run([line]);
    expect(outputs[0]).toContain(message);
    expect(machine.ledger).toHaveLength(0);
  });
});

describe('a pasted token or challenge that is not hex says where', () => {
  it.each([
    [
      'attest verify zz',
      'attest: <hex> "zz" is not hex bytes: "z" at character 1 is not a hex digit',
    ],
    ['attest verify 0xabc', '3 hex digits, an odd count (a byte is two)'],
    ['attest verify d901 --challenge 12g4', '"g" at character 3 is not a hex digit'],
    ['attest verify d901 --flip x', '--flip needs a byte offset 0..1 of the 2-byte token, not "x"'],
    [
      `attest verify d901 --challenge ${'ab'.repeat(65)}`,
      '--challenge is 65 bytes; a realm challenge is at most 64',
    ],
  ])('"%s"', async (line, message) => {
    const { loadShellCode } = await import('../../src/shell/index.ts');
    await loadShellCode();
    const { outputs } = run([line]);
    expect(outputs[0]).toContain(message);
  });
});

describe('a realm challenge that is not hex says where', () => {
  it('the realm terminal’s attest names the character or the length', async () => {
    const { labTerminals } = await import('./lab-terminals.ts');
    const { type } = labTerminals();
    type('realm create a');
    expect(type('@a attest 12q')).toContain(
      'attest: <challenge> "12q" is not hex bytes: "q" at character 3 is not a hex digit; or give "random"',
    );
    expect(type(`@a attest ${'ab'.repeat(65)}`)).toContain(
      '<challenge> is 65 bytes; a realm challenge is 1..64 bytes',
    );
  });
});

describe('a stray word is refused, never silently dropped', () => {
  it.each([
    ['read 0x80000000 4 5', 'read: unexpected argument "5" ("read" takes at most 2 arguments)'],
    ['gpt 0x80000000 1 extra', '"gpt" takes at most 2 arguments'],
    ['write 0x80000000 00 extra', '"write" takes at most 2 arguments'],
    ['help gpt extra', '"help" takes at most 1 argument'],
    ['mica status extra', 'mica: unexpected argument "extra" ("mica status" takes no arguments)'],
  ])('"%s"', (line, message) => {
    const { machine, outputs } = run([line]);
    expect(outputs[0]).toContain(message);
    expect(machine.ledger).toHaveLength(0);
  });

  it('words of unquoted text after a text argument: the refusal shows the line quoted', async () => {
    const { outputs } = run(['write 0x80020000 my secret', 'write 0x80020000 00 extra']);
    expect(outputs[0]).toContain('text with spaces goes in quotes: write 0x80020000 "my secret"');
    expect(outputs[1]).not.toContain('quotes');
    const { labTerminals } = await import('./lab-terminals.ts');
    const { type } = labTerminals();
    type('realm create a');
    expect(type('@a measure extend 1 model weights v3')).toContain(
      'text with spaces goes in quotes: measure extend 1 "model weights v3"',
    );
    expect(type('@a measure read 1 extra')).not.toContain('quotes');
  });

  it('in a realm terminal, per subcommand', async () => {
    const { labTerminals } = await import('./lab-terminals.ts');
    const { type } = labTerminals();
    type('realm create a');
    for (const [line, message] of [
      ['@a mem read 0x0 4 extra', '("mem read" takes at most 2 arguments)'],
      ['@a measure read 1 extra', '("measure read" takes at most 1 argument)'],
      ['@a ipa-state get 0x0 0x1000 extra', '("ipa-state get" takes at most 2 arguments)'],
      ['@a psci version extra', '("psci version" takes no arguments)'],
      ['@a net recv 0x4000 extra', '("net recv" takes at most 1 argument)'],
      ['@a policy list extra', '("policy list" takes no arguments)'],
      ['@a psci verison', 'psci: unknown subcommand "verison" (did you mean "version"?)'],
    ]) {
      expect(type(line!), line).toContain(message);
    }
  });
});

describe('a line the shell refused is marked as refused; one the machine answered is not', () => {
  it('marks unknown commands, wrong arguments and bad quoting, not RMI errors', () => {
    const shell = createHostShell(createMachine());
    const refused = (line: string) => shell.execute(line).some((l) => l.refused === true);
    expect(refused('delegat 0x80000000')).toBe(true);
    expect(refused('delegate 0xzz')).toBe(true);
    expect(refused('write 0x80000000 "oops')).toBe(true);
    expect(refused('delegate 0x80000001')).toBe(false); // RMI_ERROR_INPUT: the call ran
    expect(refused('delegate 0x80000000')).toBe(false);
  });
});

describe('an address typed without 0x is read as decimal, and the shell says so', () => {
  it('where the decimal reading hits nothing and the hex reading is memory', () => {
    const { outputs } = run(['delegate 80010000', 'read 80000000', 'delegate 4096', 'read 0x4000']);
    expect(outputs[0]).toContain('failed gran_align');
    expect(outputs[0]).toContain(
      'note: 80010000 was read as decimal (0x4c4db10), where the board has nothing; the hex address is 0x80010000',
    );
    expect(outputs[1]).toContain('the hex address is 0x80000000');
    // A decimal that was meant (short), or hex, gets no note.
    expect(outputs[2]).not.toContain('note:');
    expect(outputs[3]).not.toContain('note:');
  });
});

describe('a number argument that is not one says so without an address as the example', () => {
  it('names the argument and the word', () => {
    const { outputs } = run(['realm create a --ram abc', 'smc zz']);
    expect(outputs[0]).toContain(
      'realm: <pages> must be a whole number (decimal like 4096, or hex like 0x1000), not "abc"',
    );
    expect(outputs[1]).toContain('smc: <fid> must be a whole number');
  });
});

describe('realm create refuses an option given twice', () => {
  // `realm create a --ram 17 --ram 18` built a realm with 18 pages and said nothing of the 17.
  it.each([
    ['realm create a --net --net', '--net is given twice'],
    ['realm create a --ram 17 --ram 18', '--ram is given twice'],
    ['realm create a --mica --no-mica', 'give --mica or --no-mica, not both'],
  ])('"%s"', (line, message) => {
    const { machine, outputs } = run([line]);
    expect(outputs[0]).toContain(message);
    expect(machine.ledger).toHaveLength(0);
  });
});
