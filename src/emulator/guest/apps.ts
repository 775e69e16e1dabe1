/**
 * Named guest applications: what a realm runs after boot. The image the VMM loads names the
 * application (guest/image.ts), the guest looks it up here and queues its program. Later
 * issues register their own (`encoder`, `moderator`, malicious realms, ...) with
 * {@link registerGuestApp}; a program is plain data (guest/ops.ts), so it is snapshotted
 * with the REC.
 */
import { toHex, utf8 } from '../../lib/bytes.ts';
import { GUEST_FREE_IPA } from './layout.ts';
import type { GuestOp } from './ops.ts';

/** What a program is built from: the realm's configuration as its image states it. */
export interface GuestAppContext {
  readonly app: string;
  readonly ramPages: number;
  readonly net: boolean;
  readonly ipaWidth: number;
}

/** A named application. */
export interface GuestApp {
  /** Lower-case name, `[a-z0-9-]+` (it is written into the measured image). */
  readonly name: string;
  /** One line for `help` and the UI. */
  readonly summary: string;
  /** The operations it runs after boot (it may queue nothing and wait for the shell). */
  readonly program: (context: GuestAppContext) => GuestOp[];
}

/** The applications every lab image can name: data, so importing this module runs nothing. */
const BUILT_IN_APPS: readonly GuestApp[] = [
  {
    name: 'shell',
    summary: 'a minimal guest that waits for commands from its terminal',
    program: () => [],
  },
  {
    name: 'hello',
    summary: 'prints a greeting on its console, then waits',
    program: (c) => [
      { op: 'send', device: 'console', text: `hello from a realm (${c.ramPages} pages of RAM)\n` },
    ],
  },
  {
    name: 'attester',
    summary: 'extends REM0 with its configuration, then waits to be asked for a token',
    program: (c) => [
      { op: 'measure-extend', index: 1, data: toHex(utf8(`config: net=${c.net ? 1 : 0}`)) },
    ],
  },
  {
    name: 'leaky',
    // A literal in its own code: no label (only a declared source labels data, provenance.ts),
    // so the judge sees the console write but no leak of tenant data.
    summary: 'prints a string from its own code on the host-visible console (an image to swap in)',
    program: () => [
      { op: 'write', ipa: GUEST_FREE_IPA, data: toHex(utf8('the secret')) },
      { op: 'send', device: 'console', from: { ipa: GUEST_FREE_IPA, len: 10 } },
    ],
  },
];

const registry = new Map<string, GuestApp>(BUILT_IN_APPS.map((app) => [app.name, app]));

/** Adds (or replaces) an application. Names must match `[a-z0-9-]+`. */
export function registerGuestApp(app: GuestApp): void {
  if (!/^[a-z0-9-]+$/.test(app.name)) throw new RangeError(`bad guest app name "${app.name}"`);
  registry.set(app.name, app);
}

/** The application called `name`. */
export function guestApp(name: string): GuestApp | undefined {
  return registry.get(name);
}

/** Every registered application, by name. */
export function guestApps(): GuestApp[] {
  return [...registry.values()].sort((a, b) => a.name.localeCompare(b.name));
}
