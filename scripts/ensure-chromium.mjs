#!/usr/bin/env node
// Makes sure Debian's Chromium is installed at /usr/bin/chromium for the browser tests.
// Installs it with apt-get when missing and running as root; otherwise stops with the exact
// command to run. No tool in this project ever downloads a browser of its own.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (existsSync(CHROMIUM_PATH)) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(
    `Chromium is missing at ${CHROMIUM_PATH}. Install Debian's package, then run the tests again:\n` +
      '  sudo apt-get update && sudo apt-get install -y chromium',
  );
  process.exit(1);
}
console.log('Chromium is missing: installing Debian package "chromium" with apt-get ...');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'chromium']]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`apt-get ${args.join(' ')} failed (exit ${r.status}).`);
    process.exit(1);
  }
}
if (!existsSync(CHROMIUM_PATH)) {
  console.error(`apt-get finished but ${CHROMIUM_PATH} is still missing.`);
  process.exit(1);
}
