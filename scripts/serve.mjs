#!/usr/bin/env node
// Serves the built lab (dist/) on localhost and prints its address. Static files only.
// Port: PORT= if set (then a busy port is an error, said in one line), else 4173 or, when
// that is taken, the next free one (it says so). Never a stack trace: `npm start` is what a
// new user runs first.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? 'dist');
/** The port tried first when PORT= is not set. */
export const DEFAULT_PORT = 4173;
/** How many ports after a busy one are tried. */
const TRIES = 20;
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.cbor': 'application/cbor',
};

/**
 * Starts the static server on `listenPort` (0: any free port); resolves with its URL. With
 * `nextFree`, a busy port is skipped for the next one (up to 20 further) and `busy` lists the
 * ports skipped. Rejects with the listen error otherwise.
 */
export function serve(dir = root, listenPort = DEFAULT_PORT, { nextFree = false } = {}) {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      let path = normalize(join(dir, decodeURIComponent(url.pathname)));
      if (!path.startsWith(dir)) throw new Error('outside root');
      if ((await stat(path).catch(() => null))?.isDirectory()) path = join(path, 'index.html');
      const body = await readFile(path);
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  const busy = [];
  return new Promise((ok, fail) => {
    const attempt = (p) => {
      server.once('error', (error) => {
        if (error.code === 'EADDRINUSE' && nextFree && p !== 0 && busy.length < TRIES) {
          busy.push(p);
          attempt(p + 1);
        } else fail(error);
      });
      server.listen(p, '127.0.0.1', () => {
        server.removeAllListeners('error');
        const address = server.address();
        const actual = typeof address === 'object' && address ? address.port : p;
        ok({ url: `http://127.0.0.1:${actual}/`, port: actual, busy, close: () => server.close() });
      });
    };
    attempt(listenPort);
  });
}

/** One line for a listen error, naming the port and what to do. */
function explain(error, port, fromEnv) {
  if (error.code === 'EADDRINUSE') {
    return fromEnv
      ? `Port ${port} (from PORT=) is already in use; pick another, e.g. PORT=${port + 1} npm start.`
      : `Ports ${port}-${port + TRIES} are all in use; pick a free one with PORT=<number> npm start.`;
  }
  if (error.code === 'EACCES') {
    return `Not allowed to listen on port ${port}; pick another with PORT=<number> npm start.`;
  }
  return `Could not serve on port ${port}: ${error.message}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fromEnv = process.env.PORT !== undefined && process.env.PORT !== '';
  const port = fromEnv ? Number(process.env.PORT) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT=${process.env.PORT} is not a port number (0-65535).`);
    process.exit(1);
  }
  try {
    const { url, busy } = await serve(root, port, { nextFree: !fromEnv });
    if (busy.length > 0) {
      console.log(
        `Port ${busy[0]} is in use${busy.length > 1 ? ` (and ${busy.length - 1} more after it)` : ''}; using ${url} instead (set PORT= to choose the port).`,
      );
    }
    console.log(`Mica Lab is served at ${url}  (Ctrl+C to stop)`);
  } catch (error) {
    console.error(explain(error, port, fromEnv));
    process.exit(1);
  }
}
