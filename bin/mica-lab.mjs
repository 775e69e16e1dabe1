#!/usr/bin/env node
// The mica-lab CLI: runs the same emulator headless. The sources are TypeScript; tsx loads them.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
// A closed pipe (`mica-lab ... | head`) ends the output quietly, as Unix tools do.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
const main = new URL('../src/cli/main.ts', import.meta.url);
const { runCli } = await import(fileURLToPath(main));
process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  readFile: (p) => import('node:fs/promises').then((fs) => fs.readFile(p)),
  writeFile: (p, d) => import('node:fs/promises').then((fs) => fs.writeFile(p, d)),
  readDir: (p) => import('node:fs/promises').then((fs) => fs.readdir(p)),
});
