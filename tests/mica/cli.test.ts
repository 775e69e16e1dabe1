// `mica-lab mica demo <n>`: transcript and verdict per mode; exit code 1 when an attack went
// through in some mode.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.ts';

function io() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: (s: string) => void (out += s),
      stderr: (s: string) => void (err += s),
      readFile: () => Promise.reject(new Error('no files')),
      writeFile: () => Promise.resolve(),
    },
    out: () => out,
    err: () => err,
  };
}

describe('mica-lab mica', () => {
  it('demo 2 --mode mica: blocked with the CF clause, exit 0', async () => {
    const t = io();
    expect(await runCli(['mica', 'demo', '2', '--mode', 'mica'], t.io)).toBe(0);
    expect(t.out()).toContain('verdict: BLOCKED [CF1 owner VM2 CALL 0x17 BLOCK]');
  });
  it('demo 1 in both modes: the prototype lets it through, exit 1', async () => {
    const t = io();
    expect(await runCli(['mica', 'demo', '1'], t.io)).toBe(1);
    expect(t.out()).toContain('mode: mica-prototype');
    expect(t.out()).toContain('verdict: THROUGH');
  });
  it('demo 18 --mode mica: the group verifier speaks the relying party’s words, anchored', async () => {
    const t = io();
    expect(await runCli(['mica', 'demo', '18', '--mode', 'mica'], t.io)).toBe(0);
    expect(t.out()).toMatch(/group verifier: rejected: 1 failed \(every path to U/);
  });
  it('demo 21 in both modes: a line the run repeats is said once, with its count', async () => {
    const t = io();
    await runCli(['mica', 'demo', '21'], t.io);
    const lines = t
      .out()
      .split('\n')
      .filter((l) => l.startsWith('  '));
    expect(lines.some((l) => / \(×\d+\)$/.test(l))).toBe(true);
    for (const mode of t.out().split('\n\n')) {
      const said = mode.split('\n').filter((l) => l.startsWith('  '));
      expect(new Set(said).size).toBe(said.length);
    }
  });
  it('list and bad usage', async () => {
    const t = io();
    expect(await runCli(['mica', 'list'], t.io)).toBe(0);
    expect(t.out().trim().split('\n')).toHaveLength(21);
    const u = io();
    expect(await runCli(['mica', 'demo', '22'], u.io)).toBe(2);
    expect(u.err()).toContain('1 to 21');
  });
});
