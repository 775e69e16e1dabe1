// Code loaded when first used (issue 14): a command lists the code it needs; the session's
// prepare loads it, and a line whose code is not loaded is refused with nothing changed
// (src/lib/lazy.ts, src/shell/session.ts). The unit tests load the real lazy code up front
// (tests/setup.ts), so the mechanism is checked here on code of the test's own.
import { describe, expect, it } from 'vitest';
import { ATTESTATION_CODE } from '../../src/emulator/index.ts';
import { lazyCode } from '../../src/lib/lazy.ts';
import {
  HOST_COMMANDS,
  INTERNAL_ERROR,
  REALM_COMMANDS,
  createShell,
  out,
  wrapSession,
  type ShellCommand,
} from '../../src/shell/index.ts';
import { codeNeeded } from '../../src/shell/types.ts';
import { UPLOAD_CODE } from '../../src/policy/index.ts';
import { SHELL_LAZY_CODE } from '../../src/shell/lazy.ts';

/** A lazy module of the test's own, with a count of how often it was fetched. */
function testCode() {
  const fetched = { count: 0 };
  const code = lazyCode('the test code', () => {
    fetched.count++;
    return Promise.resolve({ answer: 42 });
  });
  return { code, fetched };
}

/** A shell with one command `use` that needs `code` and counts its runs. */
function shellNeeding(code: ReturnType<typeof testCode>['code']) {
  const runs: string[][] = [];
  const use: ShellCommand<null> = {
    name: 'use',
    usage: '[word]',
    summary: 'needs the test code',
    needs: ([word]) => (word === 'light' ? [] : [code]),
    run: (args) => {
      runs.push([...args]);
      return [out.line(`answer ${code.loaded ? code.get().answer : 'none'}`)];
    },
  };
  return { shell: createShell([use], null, { prompt: '$ ', title: 'test' }), runs };
}

describe('code loaded when first used', () => {
  it('a line whose code is not loaded is refused by name and runs nothing', () => {
    const { code } = testCode();
    const { shell, runs } = shellNeeding(code);
    const output = shell.execute('use heavy');
    expect(runs).toEqual([]);
    expect(output[0]?.tone).toBe('error');
    expect(output[0]?.text).toContain(INTERNAL_ERROR);
    expect(output[0]?.text).toContain('"use" needs the test code');
  });

  it('prepare loads the code once; the line then runs exactly once', async () => {
    const { code, fetched } = testCode();
    const { shell, runs } = shellNeeding(code);
    const waiting = shell.prepare('use heavy');
    expect(waiting).toBeInstanceOf(Promise);
    expect(shell.prepare('use heavy')).toBeInstanceOf(Promise);
    await waiting;
    expect(fetched.count).toBe(1);
    expect(shell.prepare('use heavy')).toBeUndefined();
    expect(shell.execute('use heavy').map((l) => l.text)).toEqual(['answer 42']);
    expect(runs).toEqual([['heavy']]);
    expect(shell.history).toEqual(['use heavy']);
  });

  it("a command's needs may depend on its arguments", () => {
    const { code } = testCode();
    const { shell, runs } = shellNeeding(code);
    expect(shell.prepare('use light')).toBeUndefined();
    expect(shell.execute('use light').map((l) => l.text)).toEqual(['answer none']);
    expect(runs).toEqual([['light']]);
    expect(code.loaded).toBe(false);
  });

  it('lines that need nothing, unknown commands and comments prepare nothing', () => {
    const { code } = testCode();
    const { shell } = shellNeeding(code);
    for (const line of ['help', 'clear', 'nope', '# use heavy', '', 'use "unterminated'])
      expect(shell.prepare(line)).toBeUndefined();
  });

  it('a wrapped session prepares through the session it wraps, or as its wrapper says', async () => {
    const { code } = testCode();
    const { shell } = shellNeeding(code);
    const wrapped = wrapSession(shell, (line) => shell.execute(line));
    expect(wrapped.prepare('use heavy')).toBeInstanceOf(Promise);
    const routed = wrapSession(
      shell,
      (line) => shell.execute(line),
      undefined,
      (line) => shell.prepare(line.replace(/^@x /, '')),
    );
    await routed.prepare('@x use heavy');
    expect(code.loaded).toBe(true);
  });

  it('a failed fetch is reported and may be retried', async () => {
    let attempts = 0;
    const flaky = lazyCode('the flaky code', () =>
      ++attempts === 1 ? Promise.reject(new Error('offline')) : Promise.resolve({ ok: true }),
    );
    await expect(flaky.load()).rejects.toThrow('offline');
    expect(flaky.loaded).toBe(false);
    expect(() => flaky.get()).toThrow('the flaky code is not loaded yet');
    await expect(flaky.load()).resolves.toEqual({ ok: true });
    expect(flaky.get()).toEqual({ ok: true });
  });
});

describe('commands that can reach the attestation code say so', () => {
  it('every realm command needs it (the realm runs, and its program may ask for a token)', () => {
    for (const command of REALM_COMMANDS)
      expect(codeNeeded(command, []), command.name).toContain(ATTESTATION_CODE);
  });

  it.each([
    ['attest', ['verify', 'last']],
    ['run', ['r1']],
    ['rmi', ['REC_ENTER']],
    ['smc', ['0xc4000192']],
    ['mica', ['verify', 'last', 'video-moderation']],
  ])('host %s %j needs it', (name, args) => {
    const command = HOST_COMMANDS.find((c) => c.name === name)!;
    expect(codeNeeded(command, args)).toContain(ATTESTATION_CODE);
  });

  it("every command that runs a realm needs the monitor's policy upload code too", () => {
    // RSI_UPLOAD_POLICY is reached only while a realm runs (UPLOAD_CODE, policy monitor/lazy.ts).
    for (const command of REALM_COMMANDS)
      expect(codeNeeded(command, []), command.name).toContain(UPLOAD_CODE);
    for (const [name, args] of [
      ['run', ['r1']],
      ['rmi', ['REC_ENTER']],
      ['smc', ['0xc4000192']],
    ] as const) {
      const command = HOST_COMMANDS.find((c) => c.name === name)!;
      expect(codeNeeded(command, args), name).toContain(UPLOAD_CODE);
    }
    expect(SHELL_LAZY_CODE).toContain(UPLOAD_CODE);
  });

  it('host commands that never enter a realm load nothing', () => {
    for (const [name, args] of [
      ['gpt', []],
      ['read', ['0x80000000']],
      ['tenant', ['send', 'gw', 'x']],
      ['mica', ['share', 'Mem1', 'a:0', 'b:0']],
      ['mica', ['status']],
    ] as const) {
      const command = HOST_COMMANDS.find((c) => c.name === name)!;
      expect(codeNeeded(command, args), name).toEqual([]);
    }
  });
});
