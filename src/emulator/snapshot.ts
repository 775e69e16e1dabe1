/**
 * Snapshot and restore: the machine state as JSON-safe data stamped with STATE_VERSION,
 * and its validated inverse. A snapshot is what undo, reset, shared links, lesson starts
 * and bug reports carry. restore() never throws: a bad snapshot yields a message naming
 * what was wrong and where (the JSON path, e.g. `state.rmm.rtts["0x88010000"].level: ...`),
 * and the running machine is left untouched. The record shapes and bounds live in
 * state-shape.ts (issue 11 "Untrusted input cannot hurt").
 */
import { fromBase64, toBase64 } from '../lib/bytes.ts';
import { GRANULE_SIZE } from './abi/gpt.ts';
import { fieldPath, isRecord, preview } from '../lib/shape.ts';
import type { LedgerEvent } from './ledger.ts';
import { stateShapeProblem } from './state-shape.ts';
import {
  STATE_VERSION,
  TENANT_ROLES,
  type DeclaredRealm,
  type MachineState,
  type TenantRole,
} from './state.ts';

/** The order of a snapshot's state keys (the memory last, as the largest). */
const SNAPSHOT_KEY_ORDER = [
  'config',
  'gpt',
  'granules',
  'rmm',
  'ext',
  'ledger',
  'host',
  'tenant',
  'labels',
] as const satisfies readonly (keyof MachineState)[];

/** Identifies a machine snapshot among other JSON files. */
export const SNAPSHOT_FORMAT = 'mica-lab/machine-snapshot';

/** JSON-safe form of {@link MachineState}. */
export interface MachineSnapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly version: number;
  readonly state: Omit<MachineState, 'memory' | 'version'> & {
    /** Granule index -> base64 of its 4096 bytes. */
    readonly memory: Record<string, string>;
  };
}

/**
 * Serialises `state` into a detached JSON-safe snapshot. Every record is copied except the
 * ledger's events, which the snapshot shares: an event is never changed once the ledger holds
 * it (ledger.ts `appendEvent`; undo and time travel already keep the same event objects), so
 * only the list is copied. A pipeline's run holds ~7k events, which were most of a copy.
 */
export function toSnapshot(state: MachineState): MachineSnapshot {
  const memory: Record<string, string> = {};
  for (const [index, bytes] of Object.entries(state.memory)) memory[index] = toBase64(bytes);
  const { memory: _m, version: _v, ledger, ...rest } = state;
  const copy: Record<string, unknown> = structuredClone(rest);
  copy.ledger = { events: ledger.events.slice(), nextSeq: ledger.nextSeq };
  // One order of the keys whatever order the state object was built in (a restore, an undo
  // or an adopted run rebuild it), so one state is one text: links and saved files compare
  // as text. Keys this list does not know follow in their own order.
  const out: Record<string, unknown> = {};
  for (const key of SNAPSHOT_KEY_ORDER) if (copy[key] !== undefined) out[key] = copy[key];
  for (const key of Object.keys(copy)) if (!(key in out)) out[key] = copy[key];
  out.memory = memory;
  return {
    format: SNAPSHOT_FORMAT,
    version: STATE_VERSION,
    state: out as MachineSnapshot['state'],
  };
}

/**
 * The declarations a snapshot from before `state.tenant` kept apart (`gateways`, `sanitisers`:
 * RIM -> name, shape-checked like `tenant`), read into `tenant` with their role so a restore
 * loses none of them. They declared no member, so the judge keeps their runs' open realm list.
 */
const LEGACY_DECLARATIONS = [
  ['gateways', 'gateway'],
  ['sanitisers', 'sanitiser'],
] as const satisfies readonly (readonly [string, TenantRole])[];

function readLegacyDeclarations(records: { tenant?: Record<string, DeclaredRealm> }): void {
  const legacy = records as Record<string, unknown> & { tenant?: Record<string, DeclaredRealm> };
  for (const [key, role] of LEGACY_DECLARATIONS) {
    const old = legacy[key] as Record<string, string> | undefined;
    if (old === undefined) continue;
    for (const [rim, name] of Object.entries(old)) {
      const declared = ((legacy.tenant ??= {})[rim] ??= { name, roles: [] });
      if (!declared.roles.includes(role)) declared.roles.push(role);
    }
    delete legacy[key];
  }
  for (const declared of Object.values(legacy.tenant ?? {}))
    declared.roles.sort((a, b) => TENANT_ROLES.indexOf(a) - TENANT_ROLES.indexOf(b));
}

/** Result of reading a snapshot. */
export type SnapshotRead =
  | { readonly ok: true; readonly state: MachineState }
  | { readonly ok: false; readonly error: string };

/** Validates and decodes a snapshot (for example parsed from a file or a link). */
export function fromSnapshot(input: unknown): SnapshotRead {
  const fail = (error: string): SnapshotRead => ({ ok: false, error });
  if (!isRecord(input)) return fail('the snapshot: expected a JSON object');
  if (input.format !== SNAPSHOT_FORMAT) {
    return fail(`"format" is ${JSON.stringify(input.format)}, expected "${SNAPSHOT_FORMAT}"`);
  }
  if (input.version !== STATE_VERSION) {
    return fail(
      `"version" is ${JSON.stringify(input.version)}; this lab reads state version ${STATE_VERSION} only`,
    );
  }
  const s = input.state;
  if (!isRecord(s)) return fail('"state": expected an object');
  // Every record is checked for its shape (with bounds) before anything walks it.
  const problem = stateShapeProblem(s);
  if (problem) return fail(problem);
  if (!isRecord(s.memory)) return fail('state.memory: expected an object');
  const memory: Record<number, Uint8Array> = {};
  for (const [index, text] of Object.entries(s.memory)) {
    const at = fieldPath('state.memory', index);
    if (!/^\d{1,15}$/.test(index)) return fail(`${at}: the key is not a granule index`);
    // A page is 5464 base64 characters; a longer string is refused before it is decoded.
    const bytes =
      typeof text === 'string' && text.length <= 2 * GRANULE_SIZE ? fromBase64(text) : undefined;
    if (!bytes || bytes.length !== GRANULE_SIZE) {
      return fail(`${at}: expected ${GRANULE_SIZE} base64-encoded bytes, got ${preview(text)}`);
    }
    memory[Number(index)] = bytes;
  }
  const { memory: _pages, ledger, ...records } = s;
  // A JSON round trip: the records passed the shape check, so they are plain JSON data, and
  // this is about twice as fast as structuredClone on a pipeline's 18k RTT entries. The
  // ledger's events are shared, not copied (see toSnapshot): they passed the same check, and
  // nothing changes an event the ledger holds.
  const clone = JSON.parse(JSON.stringify(records)) as Omit<
    MachineState,
    'memory' | 'version' | 'ledger'
  >;
  readLegacyDeclarations(clone);
  const { events, nextSeq } = ledger as MachineState['ledger'];
  // The records in the snapshot's own key order, the ledger where it stood: a restored
  // machine's next snapshot reads the same, byte for byte.
  const state: Record<string, unknown> = {};
  for (const key of Object.keys(s)) {
    if (key === 'ledger') state[key] = { events: (events as LedgerEvent[]).slice(), nextSeq };
    else if (Object.hasOwn(clone, key)) state[key] = clone[key as keyof typeof clone];
  }
  // What the legacy declarations became (`tenant`, when the snapshot had none).
  for (const key of Object.keys(clone))
    if (!Object.hasOwn(state, key)) state[key] = clone[key as keyof typeof clone];
  return {
    ok: true,
    state: { ...state, version: STATE_VERSION, memory } as unknown as MachineState,
  };
}
