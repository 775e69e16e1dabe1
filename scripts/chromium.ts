/**
 * Debian's Chromium as the e2e tests and the benchmarks launch it (toolchain.md trap 9;
 * lab-ux.md §4.6): where it is, and the flags for a closed network (no background
 * connections, no component updates, no sync), headless and as root.
 */

/** The browser binary; `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launch flags for this sandbox. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
