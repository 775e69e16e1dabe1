// `npm start` (scripts/serve.mjs) on a busy port: one line saying so, the next free port is
// used (and PORT= named), never a Node stack trace; with PORT= set, a busy port is a one-line
// error naming it.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const SCRIPT = new URL('../../scripts/serve.mjs', import.meta.url).pathname;
const DEFAULT_PORT = 4173;

let dir: string;
let blocker: Server | undefined;

/** Listens on `port`; resolves undefined when something else already holds it. */
function occupy(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** Runs serve.mjs until it prints its address (or exits); returns what it printed. */
function runServe(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, [SCRIPT, dir], {
    env: { ...process.env, PORT: undefined, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = new Promise<{ code: number | null }>((resolve) => {
    child.stdout.on('data', () => stdout.includes('served at') && resolve({ code: null }));
    child.on('exit', (code) => resolve({ code }));
  });
  return {
    ready,
    output: () => ({ stdout, stderr }),
    stop: () => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid);
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mica-serve-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>lab</title>');
  // Hold the default port (if another program already does, it is just as busy).
  blocker = await occupy(DEFAULT_PORT);
});

afterAll(async () => {
  blocker?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('serve.mjs on a busy port', () => {
  test('says so in one line, uses the next free port and serves there', async () => {
    const run = runServe({});
    try {
      expect((await run.ready).code).toBeNull();
      const { stdout, stderr } = run.output();
      expect(stdout).toMatch(
        /^Port 4173 is in use.*; using http:\/\/127\.0\.0\.1:\d+\/ instead \(set PORT= to choose the port\)\.$/m,
      );
      expect(stderr).toBe('');
      const url = /served at (http:\/\/\S+)/.exec(stdout)?.[1];
      expect(url).toBeDefined();
      expect(url).not.toContain(':4173/');
      const res = await fetch(url!);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<title>lab</title>');
    } finally {
      run.stop();
    }
  });

  test('with PORT= set, a busy port is a one-line error naming it, no stack trace', async () => {
    const held = await occupy(0);
    const address = held?.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const run = runServe({ PORT: String(port) });
    try {
      expect((await run.ready).code).toBe(1);
      const { stdout, stderr } = run.output();
      expect(stdout).toBe('');
      expect(stderr.trim()).toBe(
        `Port ${port} (from PORT=) is already in use; pick another, e.g. PORT=${port + 1} npm start.`,
      );
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      run.stop();
      held?.close();
    }
  });
});
