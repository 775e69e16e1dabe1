/**
 * Snapshot and restore: the machine state as JSON-safe data stamped with STATE_VERSION,
 * and its validated inverse. A snapshot is what undo, reset, shared links, lesson starts
 * and bug reports carry. restore() never throws: a bad snapshot yields a message naming
 * what was wrong and where, and the running machine is left untouched.
 */
import { fromBase64, toBase64 } from '../lib/bytes.ts';
import { GRANULE_SIZE } from './abi/gpt.ts';
import type { LedgerEvent } from './ledger.ts';
import { STATE_VERSION, type MachineState } from './state.ts';

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

/** Serialises `state` into a detached JSON-safe snapshot. */
export function toSnapshot(state: MachineState): MachineSnapshot {
  const memory: Record<string, string> = {};
  for (const [index, bytes] of Object.entries(state.memory)) memory[index] = toBase64(bytes);
  const { memory: _m, version: _v, ...rest } = state;
  return {
    format: SNAPSHOT_FORMAT,
    version: STATE_VERSION,
    state: structuredClone({ ...rest, memory }),
  };
}

/** Result of reading a snapshot. */
export type SnapshotRead =
  | { readonly ok: true; readonly state: MachineState }
  | { readonly ok: false; readonly error: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates and decodes a snapshot (for example parsed from a file or a link). */
export function fromSnapshot(input: unknown): SnapshotRead {
  const fail = (error: string): SnapshotRead => ({ ok: false, error });
  if (!isRecord(input)) return fail('a snapshot must be a JSON object');
  if (input.format !== SNAPSHOT_FORMAT) {
    return fail(`"format" is ${JSON.stringify(input.format)}, expected "${SNAPSHOT_FORMAT}"`);
  }
  if (input.version !== STATE_VERSION) {
    return fail(
      `"version" is ${JSON.stringify(input.version)}; this lab reads state version ${STATE_VERSION} only`,
    );
  }
  const s = input.state;
  if (!isRecord(s)) return fail('"state" is missing or not an object');
  for (const key of ['config', 'gpt', 'granules', 'rmm', 'ext', 'ledger', 'memory'] as const) {
    if (!isRecord(s[key])) return fail(`"state.${key}" is missing or not an object`);
  }
  const rmm = s.rmm as Record<string, unknown>;
  for (const key of ['realms', 'recs', 'rtts'] as const) {
    if (!isRecord(rmm[key])) return fail(`"state.rmm.${key}" is missing or not an object`);
  }
  const config = s.config as Record<string, unknown>;
  if (!Array.isArray(config.memoryMap)) return fail('"state.config.memoryMap" must be an array');
  const ledger = s.ledger as Record<string, unknown>;
  if (!Array.isArray(ledger.events) || typeof ledger.nextSeq !== 'number') {
    return fail('"state.ledger" must hold an "events" array and a numeric "nextSeq"');
  }
  const memory: Record<number, Uint8Array> = {};
  for (const [index, text] of Object.entries(s.memory as Record<string, unknown>)) {
    const bytes = typeof text === 'string' ? fromBase64(text) : undefined;
    if (!/^\d+$/.test(index) || !bytes || bytes.length !== GRANULE_SIZE) {
      return fail(`"state.memory.${index}" is not a granule index with 4096 base64-encoded bytes`);
    }
    memory[Number(index)] = bytes;
  }
  const clone = structuredClone(s) as unknown as Omit<MachineState, 'memory' | 'version'>;
  return {
    ok: true,
    state: {
      ...clone,
      version: STATE_VERSION,
      memory,
      ledger: {
        events: clone.ledger.events as LedgerEvent[],
        nextSeq: clone.ledger.nextSeq,
      },
    },
  };
}
