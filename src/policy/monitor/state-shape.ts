/**
 * The shape of the Mica monitor's state in an untrusted snapshot (restore, scenario links,
 * imported save files), checked with the monitor's own rules and limits before any invariant
 * or handler reads it (mica-spec.md §3.2 table sizes, §3.3 record, Appendix A; issue 11
 * "Untrusted input cannot hurt"). Installed as the extension's `validateState` hook.
 *
 * Design rationale: the checks are the monitor's, not a generic JSON schema: table sizes are
 * the §3.2 capacities (REGISTRY_MAX, SGT_MAX_ENTRIES, TRANSITION_TABLE_MAX, PSR_TABLE_MAX,
 * FRESH_TABLE_MAX), a PD record must decode as the 2184-byte record of §2.2.3, and a state
 * claiming mode "mica" may not carry prototype gaps (product.md: the prototype's behaviour is
 * only ever shown as the prototype). The first problem is returned, located by JSON path.
 */
import { abi, type MachineState } from '../../emulator/index.ts';
import {
  all,
  arrayOf,
  bool,
  hexBytes,
  byAddress,
  int,
  isHexKey,
  isRecord,
  object,
  oneOf,
  optional,
  recordOf,
  str,
  type Shape,
} from '../../lib/shape.ts';
import {
  FRESH_TABLE_MAX,
  HASH_LABEL_MAX,
  MICA_GAPS,
  PARSER_MAX_VMS,
  PSR_TABLE_MAX,
  RECORD_SIZE,
  REGISTRY_MAX,
  SGT_MAX_ENTRIES,
  SGT_MAX_GRANULES,
  TRANSITION_TABLE_MAX,
} from '../abi.ts';
import { decodeRecord } from '../record.ts';

const address = int(0, abi.SNAPSHOT_MAX_ADDRESS);
const count = int(0, Number.MAX_SAFE_INTEGER);
const text = str(abi.SNAPSHOT_MAX_TEXT);
const label = int(0, HASH_LABEL_MAX);

/** A PD record: empty, or the 2184-byte record of §2.2.3 that decodes. */
const pdRecord: Shape = (v, path) => {
  if (v === '') return undefined;
  const problem = hexBytes(RECORD_SIZE)(v, path);
  if (problem) return problem;
  const bytes = Uint8Array.from((v as string).match(/../g)!, (h) => parseInt(h, 16));
  const decoded = decodeRecord(bytes);
  return decoded.ok
    ? undefined
    : `${path}: the PD record does not decode: ${decoded.errors[0]?.message ?? 'unreadable'}`;
};

const mapping = object({
  ipa: address,
  pa: address,
  state: oneOf(['DUMMY', 'ACTIVE']),
  prot: oneOf(['R', 'W', 'RW']),
  mem: (v, p) => (v === null ? undefined : text(v, p)),
});

const realm = object({
  rd: address,
  name: text,
  pd: address,
  dummy: address,
  uploaded: bool,
  record: pdRecord,
  order: count,
  mappings: byAddress('ipa', mapping, SGT_MAX_ENTRIES),
});

const sgtEntry = object({ pa: address, gpa: address, rd: address });

const micaShape = object({
  mode: oneOf(['mica', 'mica-prototype']),
  gaps: arrayOf(oneOf(MICA_GAPS), MICA_GAPS.length),
  realms: byAddress('rd', realm, abi.SNAPSHOT_MAX_RECORDS),
  registry: arrayOf(
    object({
      rd: address,
      pd: address,
      rim: hexBytes(abi.MEASUREMENT_SIZE),
      hash: (v, p) => (v === null ? undefined : label(v, p)),
    }),
    REGISTRY_MAX,
  ),
  sgt: object({
    granules: arrayOf(address, SGT_MAX_GRANULES),
    entries: arrayOf(sgtEntry, SGT_MAX_ENTRIES),
  }),
  table: arrayOf(
    object({
      ownerHash: (v, p) => (v === null ? undefined : label(v, p)),
      type: oneOf(['CALL', 'EXCEPTION', 'OTHER']),
      range: label,
      policy: oneOf(['BLOCK', 'ALLOW', 'OTHER']),
      strict: bool,
      peers: arrayOf(label, PARSER_MAX_VMS),
      recordedBy: text,
      lockedBy: (v, p) => (v === null ? undefined : text(v, p)),
    }),
    TRANSITION_TABLE_MAX,
  ),
  ranges: arrayOf(object({ rd: address, ipa: address, size: count }), PSR_TABLE_MAX),
  fresh: recordOf(isHexKey, 'a 0x-hex page address', text, FRESH_TABLE_MAX),
  uploads: count,
  concurrent: optional(bool),
  lastUpsert: optional(sgtEntry),
  attest: recordOf(
    isHexKey,
    'a 0x-hex REC address',
    all(
      object({
        stream: hexBytes(),
        sent: count,
        members: arrayOf(address, REGISTRY_MAX),
      }),
      (v, p) => {
        const a = v as { stream: string; sent: number };
        return a.sent <= a.stream.length / 2
          ? undefined
          : `${p}.sent: ${a.sent} bytes sent of a ${a.stream.length / 2}-byte stream`;
      },
    ),
    abi.SNAPSHOT_MAX_RECORDS,
  ),
});

/**
 * The first problem with the monitor state `ext` of a snapshot whose machine state is
 * `state`, located from `state.ext.mica`, or undefined. Never throws.
 */
export function micaStateProblem(ext: unknown, state: Readonly<MachineState>): string | undefined {
  const at = 'state.ext.mica';
  const problem = micaShape(ext, at);
  if (problem) return problem;
  const m = ext as { mode: string; gaps: string[] };
  if (m.mode !== state.config.mode) {
    return `${at}.mode: "${m.mode}" differs from the machine's mode "${state.config.mode}"`;
  }
  if (m.mode === 'mica' && m.gaps.length > 0) {
    return `${at}.gaps: mode "mica" runs with no prototype gaps, but ${m.gaps.join(', ')} ${m.gaps.length === 1 ? 'is' : 'are'} switched on; only mode "mica-prototype" may`;
  }
  const config = new Set(state.config.gaps);
  if (m.gaps.length !== config.size || m.gaps.some((g) => !config.has(g))) {
    return `${at}.gaps: [${m.gaps.join(', ')}] differs from state.config.gaps [${[...config].join(', ')}]`;
  }
  return isRecord(ext) ? undefined : `${at}: expected an object`;
}
