// `mica-lab run` (issue 12 "CLI"): every shipped scenario in scenarios/ runs through the CLI entry
// and its outcome (judged from the machine's ledger and the group verifier) matches the file's
// expectation, so CI runs them all; exit 1 on a mismatch, 2 with a located message on a bad file.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/types.ts';

const DIR = new URL('../../scenarios/', import.meta.url);
const NAMES = readdirSync(DIR)
  .filter((n) => n.endsWith('.json'))
  .sort();

/** A CLI io over the real scenario files, plus `extra` in-memory files. */
function io(extra: Record<string, string> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const value: CliIo = {
    stdout: (s) => stdout.push(s),
    stderr: (s) => stderr.push(s),
    readFile: async (p) =>
      p in extra
        ? new TextEncoder().encode(extra[p])
        : new Uint8Array(readFileSync(new URL(p.replace(/^scenarios\//, ''), DIR))),
    writeFile: async () => {},
    readDir: async (p) => (p === 'mem' ? Object.keys(extra).map((k) => k.slice(4)) : NAMES),
  };
  return { value, out: () => stdout.join(''), err: () => stderr.join('') };
}

describe('every shipped scenario matches its expectation through `mica-lab run`', () => {
  it.each(NAMES)('%s', async (name) => {
    const x = io();
    const code = await runCli(['run', `scenarios/${name}`], x.value);
    expect(x.out(), x.out()).toMatch(/\nMATCH\n/);
    expect(code).toBe(0);
  });
});

describe('mica-lab run', () => {
  const honest = readFileSync(new URL('video-honest-proto.json', DIR), 'utf8');

  it('prints each labelled flow with its verdict and clause, the leaks, the verifier and the outcome', async () => {
    const x = io();
    expect(await runCli(['run', 'scenarios/attack-04-exit-smuggle-proto.json'], x.value)).toBe(0);
    expect(x.out()).toMatch(
      /#\d+ encoder -> exit\.gprs\[0\].* mmio {2}8 B \[video\] {2}LEAK: encoder handed video to the host/,
    );
    expect(x.out()).toContain('video reached exit.gprs[0] (emulated MMIO write) through mmio');
    expect(x.out()).toContain('verifier: none: the script requests no group token');
    expect(x.out()).toContain('outcome: leak through mmio\nexpected: leak through mmio\nMATCH');
  });

  it('a blocked flow prints the clause that blocked it, in plain words', async () => {
    const x = io();
    expect(await runCli(['run', 'scenarios/attack-04-exit-smuggle-mica.json'], x.value)).toBe(0);
    expect(x.out()).toMatch(
      /BLOCKED: encoder tried to hand data to the host \(MMIO exit registers\): blocked by its policy, rule CF3 \[CF3 owner VM2 EXCEPTION 0x24 BLOCK\]/,
    );
  });

  it('a wrong expectation exits 1 and says what the machine concluded instead', async () => {
    const wrong = honest.replace('"outcome": "no-leak"', '"outcome": "leak", "through": "console"');
    const x = io({ 'mem/wrong.json': wrong });
    expect(await runCli(['run', 'mem/wrong.json'], x.value)).toBe(1);
    expect(x.out()).toContain('MISMATCH: expected leak, the machine says no-leak');
  });

  it('--all runs every .json of a directory and sums up; --json prints machine-readable reports', async () => {
    const x = io({
      'mem/a.json': honest,
      'mem/b.json': honest.replace('"no-leak"', '"rejected", "check": "flow"'),
    });
    expect(await runCli(['run', '--all', 'mem'], x.value)).toBe(1);
    expect(x.out()).toContain('2 scenarios: 1 matched, 1 did not');
    const y = io({ 'mem/a.json': honest });
    expect(await runCli(['run', '--json', 'mem/a.json'], y.value)).toBe(0);
    const report = JSON.parse(y.out()) as {
      matched: boolean;
      outcome: { outcome: string };
      verifier: { kind: string };
    };
    expect(report).toMatchObject({
      matched: true,
      outcome: { outcome: 'no-leak' },
      verifier: { kind: 'verified' },
    });
  });

  it('a file that loads but cannot be built says why and fails (exit 1), the others still run', async () => {
    const tiny = honest.replace(/"objectSize": \d+/, '"objectSize": 4096');
    const x = io({ 'mem/tiny.json': tiny, 'mem/a.json': honest });
    expect(await runCli(['run', 'mem/tiny.json', 'mem/a.json'], x.value)).toBe(1);
    expect(x.err()).toMatch(
      /^mem\/tiny\.json: cannot run: video workflow: a 4096-byte shared object cannot hold/,
    );
    expect(x.out()).toContain('MATCH');
  });

  it('a bad file exits 2 with file:line:column: path: message, before anything runs', async () => {
    const bad = honest.replace('"program": "honest"', '"program": "teleport"');
    const x = io({ 'mem/bad.json': bad, 'mem/a.json': honest });
    expect(await runCli(['run', 'mem/a.json', 'mem/bad.json'], x.value)).toBe(2);
    expect(x.err()).toMatch(/^mem\/bad\.json:\d+:\d+: realms\[0\]\.program: no program "teleport"/);
    expect(x.out()).toBe('');
    const y = io();
    expect(await runCli(['run'], y.value)).toBe(2);
    expect(await runCli(['run', '--frobnicate'], y.value)).toBe(2);
  });
});
