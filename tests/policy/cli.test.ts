/**
 * `mica-lab policy check | encode | agree` driven in-process through the CLI's I/O seam, on the
 * §2.8 fixtures (mica-spec.md §2, §4.2).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { POLICY_COMMAND } from '../../src/cli/commands/policy.ts';
import type { CliIo } from '../../src/cli/types.ts';

const FIX = fileURLToPath(new URL('../fixtures/policies/', import.meta.url));

function io(extra: Record<string, Uint8Array | string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const written = new Map<string, Uint8Array | string>();
  const value: CliIo = {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    readFile: async (p) => {
      const e = extra[p] ?? written.get(p);
      if (e !== undefined) return typeof e === 'string' ? new TextEncoder().encode(e) : e;
      return new Uint8Array(await readFile(p.includes('/') ? p : FIX + p));
    },
    writeFile: async (p, d) => {
      written.set(p, d);
    },
  };
  return { value, written, out: () => out.join(''), err: () => err.join('') };
}

describe('mica-lab policy check', () => {
  it('prints dialect, self, realms, objects and rules of a fixture', async () => {
    const x = io();
    expect(await POLICY_COMMAND.run(['check', 'c11-ra.json'], x.value)).toBe(0);
    expect(x.out()).toBe(
      [
        'c11-ra.json: policy text',
        'c11-ra.json:17:14: warning: CF1.range: expected 0x17 (SMC64, the only CALL class enforced), found 0x23; the rule is recorded but has no effect (§2.2.4, §8 item 18)',
        'dialect C',
        'self VM2 (hash 0x2)',
        'realms (2):',
        '  VM1  hash 0x1: gateway, not strict',
        '  VM2  hash 0x2: not a gateway, not strict  <- self',
        'objects (1):',
        '  Mem1 PROTECTED 0x2000 bytes (2 pages)',
        '       VM1  RW at 0x18000000000',
        '       VM2  RW at 0x18000000000',
        'rules (1):',
        '  CF1  owner VM1: CALL [0x23] -> BLOCK',
        '',
      ].join('\n'),
    );
  });

  it('shows the dialect-P terms next to their C meaning', async () => {
    const x = io();
    expect(await POLICY_COMMAND.run(['check', 'p1-usecase3-policy1.json'], x.value)).toBe(0);
    expect(x.out()).toContain(
      'allowed-untrusted true, allowed-other-mappings true (= gateway, not strict)',
    );
    expect(x.out()).toContain(
      'properties PROTECTED|FRESH, on-remove CLEAN, owner VM1, mapped NONE',
    );
    expect(x.out()).toContain(
      'Ch1  owner VM2: EXCEPTION [0x24, 0x20, 0x1] -> BLOCK (from Ch1: range RSI|OTHER, policy BLOCK)',
    );
  });

  it('prints located errors and exits 1', async () => {
    const x = io({ 'bad.json': '{\n  "Self": "VM1",\n  "VM1": { "hash": 1, "gateway": true }\n}' });
    expect(await POLICY_COMMAND.run(['check', 'bad.json'], x.value)).toBe(1);
    expect(x.out()).toBe(
      'bad.json:3:23: error: VM1.gateway: expected one of "hash", "is-gateway" or "strict", found "gateway"\n',
    );
  });

  it('a root-level error has one "error:" and no empty key path (issue 11)', async () => {
    const x = io({ 'root.json': '[1, 2]' });
    expect(await POLICY_COMMAND.run(['check', 'root.json'], x.value)).toBe(1);
    expect(x.out()).toMatch(/^root\.json:1:1: error: expected [^:]/);
    expect(x.out()).not.toContain('error::');
  });

  it('decodes a POLY binary and a 2184-byte record too', async () => {
    const x = io();
    expect(
      await POLICY_COMMAND.run(['encode', 'c1-video-rg.json', '--out', 'rg.bin'], x.value),
    ).toBe(0);
    expect(x.out()).toBe('wrote 164 bytes (POLY v1) to rg.bin\n');
    expect(await POLICY_COMMAND.run(['check', 'rg.bin'], x.value)).toBe(0);
    expect(x.out()).toContain('rg.bin: POLY v1 binary, 164 bytes\ndialect C\nself VM1 (hash 0x1)');
    expect(
      await POLICY_COMMAND.run(
        ['encode', 'c1-video-rg.json', '--out', 'rg.rec', '--record'],
        x.value,
      ),
    ).toBe(0);
    expect(await POLICY_COMMAND.run(['check', 'rg.rec'], x.value)).toBe(0);
    expect(x.out()).toContain('rg.rec: 2184-byte parsed record (§4.2)');
  });

  it('refuses a corrupted binary with the byte offset', async () => {
    const bin = new Uint8Array(20);
    bin.set([0x59, 0x4c, 0x4f, 0x50, 2, 0]);
    const x = io({ 'bad.bin': bin });
    expect(await POLICY_COMMAND.run(['check', 'bad.bin'], x.value)).toBe(1);
    expect(x.out()).toBe('bad.bin: byte 0x0004 (version): expected version 1, found 2\n');
  });
});

describe('mica-lab policy encode', () => {
  it('--page writes a zeroed 4 KiB page', async () => {
    const x = io();
    expect(
      await POLICY_COMMAND.run(['encode', 'c11-ra.json', '--out', 'ra.page', '--page'], x.value),
    ).toBe(0);
    const page = x.written.get('ra.page') as Uint8Array;
    expect(page.length).toBe(4096);
    expect(Array.from(page.subarray(112)).every((b) => b === 0)).toBe(true);
  });

  it('usage errors exit 2 with a clear message', async () => {
    const x = io();
    expect(await POLICY_COMMAND.run(['encode', 'c11-ra.json'], x.value)).toBe(2);
    expect(x.err()).toMatch(
      /^mica-lab policy: encode needs --out <blob.bin>\nusage: mica-lab policy check <file>\n/,
    );
    expect(await POLICY_COMMAND.run(['frobnicate'], x.value)).toBe(2);
    expect(x.err()).toContain('mica-lab policy: unknown subcommand "frobnicate"');
    expect(await POLICY_COMMAND.run([], x.value)).toBe(2);
    expect(await POLICY_COMMAND.run(['check', 'a', 'b'], x.value)).toBe(2);
    expect(await POLICY_COMMAND.run(['check', 'missing.json'], x.value)).toBe(2);
    expect(x.err()).toContain('cannot read "missing.json"');
  });
});

describe('mica-lab policy agree', () => {
  it('the shipped video ring agrees (exit 0) but leaks without the moderator', async () => {
    const x = io();
    const files = ['c1-video-rg.json', 'c2-video-re.json', 'c3-video-rn.json'];
    expect(await POLICY_COMMAND.run(['agree', ...files], x.value)).toBe(0);
    expect(x.out()).toBe(
      'upload order: c1-video-rg, c2-video-re, c3-video-rn\nagreement: all 3 policies accepted\n',
    );
    const y = io();
    expect(
      await POLICY_COMMAND.run(
        ['agree', ...files, '--source', 'c2-video-re', '--sanitiser', 'c3-video-rn'],
        y.value,
      ),
    ).toBe(1);
    expect(y.out()).toContain(
      'flow: c2-video-re -> U: data from c2-video-re reaches U without passing c3-video-rn',
    );
  });

  it('prints each refusal and exits 1', async () => {
    const re = (await readFile(FIX + 'c2-video-re.json', 'utf8')).replace(
      '"size": 0x40000',
      '"size": 0x80000',
    );
    const x = io({ 're.json': re });
    expect(await POLICY_COMMAND.run(['agree', 'c1-video-rg.json', 're.json'], x.value)).toBe(1);
    expect(x.out()).toBe(
      'upload order: c1-video-rg, re\n' +
        "refused re: [definition] Mem1 (re maps it R at 0x18000000000): c1-video-rg's copy says size 0x40000, re's says 0x80000\n",
    );
  });
});
