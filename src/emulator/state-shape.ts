/**
 * The shape of a saved {@link MachineState} (state.ts), checked before a restore so that a
 * malformed saved state, link or imported file is refused with the JSON path of what was
 * wrong, never with an internal error later (issue 11 "Untrusted input cannot hurt";
 * cca-spec.md §3 for the records, spec A5.5 for RTT levels).
 *
 * Design rationale: the checks are the emulator's own rules about its records, stated once as
 * data: every number has a range, every list a bound, every RTT entry a state its level allows
 * (no ASSIGNED block above RTT_MIN_BLOCK_LEVEL, so the invariants never enumerate a level-0
 * block), and every key matches the record it names. Cross-record consistency (refcounts, the
 * GPT against granule states) stays with invariants.ts, which runs after this and can then
 * rely on the shapes. Extensions check their own state (MachineExtension.validateState).
 */
import {
  all,
  arrayOf,
  bool,
  hexBytes,
  hexNumber,
  int,
  byAddress,
  isHexKey,
  isRecord,
  json,
  preview,
  object,
  oneOf,
  optional,
  recordOf,
  str,
  tagged,
  tupleOf,
  type Shape,
} from '../lib/shape.ts';
import { GRANULE_SIZE } from './abi/gpt.ts';
import {
  GRANULE_STATES,
  REC_NUM_GPRS,
  RTT_MIN_BLOCK_LEVEL,
  RTT_PAGE_LEVEL,
  RTT_MIN_STARTING_LEVEL,
  S2TTES_PER_S2TT,
} from './abi/rmi.ts';
import {
  SNAPSHOT_HEX64_DIGITS,
  SNAPSHOT_MAX_ADDRESS,
  SNAPSHOT_MAX_EVENTS,
  SNAPSHOT_MAX_IPA_WIDTH,
  SNAPSHOT_MAX_LIST,
  SNAPSHOT_MAX_PHYS_BYTES,
  SNAPSHOT_MAX_RECORDS,
  SNAPSHOT_MAX_REGIONS,
  SNAPSHOT_MAX_SCRATCH_DEPTH,
  SNAPSHOT_MAX_SCRATCH_VALUES,
  SNAPSHOT_MAX_TEXT,
} from './abi/snapshot-limits.ts';
import { MEASUREMENT_SIZE } from './abi/measurement.ts';
import { HOST_GROUP_TOKENS } from './host/state.ts';
import { TENANT_ROLES } from './state.ts';
import { entrySize, rttConfigProblem, tableSpan } from './rmm/rtt.ts';

const GPIS = ['NO_ACCESS', 'SECURE', 'NS', 'ROOT', 'REALM', 'ANY'] as const;
const WORLDS = ['NS', 'REALM', 'SECURE', 'ROOT'] as const;
const RIPAS = ['EMPTY', 'RAM', 'DESTROYED'] as const;
const ripas = oneOf(RIPAS);

const address = int(0, SNAPSHOT_MAX_ADDRESS);
const granuleAddress: Shape = (v, path) =>
  address(v, path) ??
  ((v as number) % GRANULE_SIZE === 0 ? undefined : `${path}: ${v} is not granule aligned`);
const count = int(0, Number.MAX_SAFE_INTEGER);
const text = str(SNAPSHOT_MAX_TEXT);
const hex64 = hexNumber(SNAPSHOT_HEX64_DIGITS);
const measurement = hexBytes(MEASUREMENT_SIZE);
/** A RIM as a record key: the hex of a stored measurement. */
const isRim = (k: string): boolean => measurement(k, '') === undefined;
const RIM_KEY = `a RIM (hex of ${MEASUREMENT_SIZE} bytes)`;
/** What the tenant declared about a realm (state.ts DeclaredRealm). */
const declaredRealm = object({
  name: text,
  roles: arrayOf(oneOf(TENANT_ROLES), TENANT_ROLES.length),
  // What the tenant's verifier expects of it (state.ts DeclaredExpectation).
  expects: optional(
    object({ rpv: measurement /* RmiRealmParams.rpv: 64 bytes too */, policy: hexBytes() }),
  ),
});
const isIndex = (k: string) =>
  /^\d{1,15}$/.test(k) && Number(k) < SNAPSHOT_MAX_ADDRESS / GRANULE_SIZE;

const region = object({
  name: text,
  base: granuleAddress,
  size: all(int(GRANULE_SIZE, SNAPSHOT_MAX_PHYS_BYTES), (v, p) =>
    (v as number) % GRANULE_SIZE === 0 ? undefined : `${p}: ${v} is not a granule multiple`,
  ),
  gpi: oneOf(GPIS),
  delegable: bool,
  description: text,
});

/** The memory map: bounded regions, in address order, not overlapping, bounded in total. */
const memoryMap: Shape = (v, path) => {
  const problem = arrayOf(region, SNAPSHOT_MAX_REGIONS)(v, path);
  if (problem) return problem;
  const regions = v as { base: number; size: number }[];
  let total = 0;
  for (let i = 0; i < regions.length; i++) {
    total += regions[i]!.size;
    if (i > 0 && regions[i]!.base < regions[i - 1]!.base + regions[i - 1]!.size) {
      return `${path}[${i}]: the region overlaps or precedes region ${i - 1}`;
    }
  }
  return total > SNAPSHOT_MAX_PHYS_BYTES
    ? `${path}: describes ${total} bytes of memory, more than ${SNAPSHOT_MAX_PHYS_BYTES}`
    : undefined;
};

const config = object({
  memoryMap,
  mode: oneOf(['cca', 'mica', 'mica-prototype']),
  gaps: arrayOf(str(SNAPSHOT_MAX_LIST), SNAPSHOT_MAX_LIST),
});

const granule = object({
  state: oneOf(GRANULE_STATES.filter((s) => s !== 'UNDELEGATED')),
  realm: optional(granuleAddress),
  refcount: count,
  ext: optional(text),
});

const realm: Shape = all(
  object({
    rd: granuleAddress,
    state: oneOf(['NEW', 'ACTIVE', 'SYSTEM_OFF']),
    ipaWidth: int(0, SNAPSHOT_MAX_IPA_WIDTH),
    hashAlgo: oneOf(['sha-256', 'sha-512']),
    flags: hex64,
    featLpa2: bool,
    sveVl: count,
    numBps: count,
    numWps: count,
    pmuNumCtrs: count,
    rttBase: granuleAddress,
    rttLevelStart: int(RTT_MIN_STARTING_LEVEL, RTT_PAGE_LEVEL),
    rttNumStart: count,
    vmid: count,
    rpv: measurement,
    rim: measurement,
    rems: arrayOf(measurement, SNAPSHOT_MAX_LIST),
    recIndex: count,
    numRecs: count,
  }),
  (v, path) => {
    const r = v as { ipaWidth: number; rttLevelStart: number; rttNumStart: number };
    const problem = rttConfigProblem(r.ipaWidth, r.rttLevelStart, r.rttNumStart);
    return problem ? `${path}: ${problem}` : undefined;
  },
);

const pending = tagged('kind', {
  none: object({ kind: str(SNAPSHOT_MAX_LIST) }),
  psci: object({
    kind: str(SNAPSHOT_MAX_LIST),
    fid: count,
    target: hex64,
    entry: hex64,
    contextId: hex64,
  }),
  mmio: object({
    kind: str(SNAPSHOT_MAX_LIST),
    emulatable: bool,
    ipa: address,
    write: bool,
    size: int(0, GRANULE_SIZE),
    register: int(0, REC_NUM_GPRS),
    signExtend: bool,
  }),
  ripas: object({ kind: str(SNAPSHOT_MAX_LIST) }),
  hostCall: object({ kind: str(SNAPSHOT_MAX_LIST), ipa: address, scrubbed: optional(bool) }),
});

const rec = object({
  rec: granuleAddress,
  owner: granuleAddress,
  state: oneOf(['READY', 'RUNNING']),
  mpidr: hex64,
  index: count,
  runnable: bool,
  pc: hex64,
  gprs: tupleOf(hex64, REC_NUM_GPRS),
  aux: arrayOf(granuleAddress, SNAPSHOT_MAX_LIST),
  pending,
  ripasAddr: address,
  ripasTop: address,
  ripasValue: oneOf(RIPAS),
  ripasDestroyed: bool,
  gicv3Hcr: hex64,
  gicv3Lrs: arrayOf(hex64, SNAPSHOT_MAX_LIST),
  guest: all(
    (v, p) => (isRecord(v) ? undefined : `${p}: expected an object`),
    json(SNAPSHOT_MAX_SCRATCH_DEPTH, SNAPSHOT_MAX_SCRATCH_VALUES),
  ),
  attest: optional(
    object({ challenge: hexBytes(MEASUREMENT_SIZE), token: hexBytes(), copied: count }),
  ),
});

/**
 * The entries of a level-`level` RTT: 512 of them, each in a state the level allows (no
 * ASSIGNED or ASSIGNED_NS block above RTT_MIN_BLOCK_LEVEL, no TABLE at level 3), with its
 * address aligned to the level's entry size. A plain loop: a pipeline holds ~18k entries.
 */
function rttEntriesProblem(entries: unknown, level: number, path: string): string | undefined {
  if (!Array.isArray(entries) || entries.length !== S2TTES_PER_S2TT) {
    return `${path}: expected an array of ${S2TTES_PER_S2TT} entries, got ${preview(entries)}`;
  }
  const size = entrySize(level);
  for (let i = 0; i < entries.length; i++) {
    const e: unknown = entries[i];
    const at = `${path}[${i}]`;
    if (!isRecord(e)) return `${at}: expected an object, got ${preview(e)}`;
    const state = e.state;
    if (state === 'UNASSIGNED_NS') continue;
    if (state === 'UNASSIGNED') {
      const p = ripas(e.ripas, `${at}.ripas`);
      if (p) return p;
      continue;
    }
    if (state === 'TABLE') {
      if (level >= RTT_PAGE_LEVEL)
        return `${at}: a level ${RTT_PAGE_LEVEL} RTT has no TABLE entries`;
      const p = granuleAddress(e.pa, `${at}.pa`);
      if (p) return p;
      continue;
    }
    if (state !== 'ASSIGNED' && state !== 'ASSIGNED_NS') {
      return `${at}.state: expected one of "UNASSIGNED", "ASSIGNED", "UNASSIGNED_NS", "ASSIGNED_NS", "TABLE", got ${preview(state)}`;
    }
    if (level < RTT_MIN_BLOCK_LEVEL) {
      return `${at}: an ${state} entry at level ${level} is not allowed (blocks start at level ${RTT_MIN_BLOCK_LEVEL})`;
    }
    const p =
      address(e.pa, `${at}.pa`) ??
      ((e.pa as number) % size === 0
        ? undefined
        : `${at}.pa: ${e.pa} is not aligned to ${size} bytes`) ??
      (state === 'ASSIGNED' ? ripas(e.ripas, `${at}.ripas`) : count(e.attr, `${at}.attr`));
    if (p) return p;
  }
  return undefined;
}

const rtt: Shape = (v, path) => {
  const head = object({
    rtt: granuleAddress,
    realm: granuleAddress,
    level: int(RTT_MIN_STARTING_LEVEL, RTT_PAGE_LEVEL),
    base: address,
  })(v, path);
  if (head) return head;
  const r = v as { level: number; base: number; entries: unknown };
  if (r.base % tableSpan(r.level) !== 0) {
    return `${path}.base: ${r.base} is not aligned to the ${tableSpan(r.level)} bytes a level ${r.level} RTT maps`;
  }
  return rttEntriesProblem(r.entries, r.level, `${path}.entries`);
};

const decision = object({ verdict: oneOf(['allowed', 'blocked']), rule: text, reason: text });
const endpoint = object({
  kind: oneOf(['host', 'realm', 'rmm', 'el3', 'network', 'console', 'memory', 'register']),
  name: text,
  address: optional(address),
  rim: optional(measurement),
});
const base = { seq: count, parent: optional(count), kind: text };
const access = {
  actor: text,
  world: oneOf(WORLDS),
  pas: oneOf(WORLDS),
  op: oneOf(['read', 'write']),
  pa: address,
};

/** Every ledger event kind with the shape of its fields (ledger.ts LedgerPayloads). */
const event = tagged('kind', {
  'smc:call': object({
    ...base,
    world: oneOf(WORLDS),
    caller: text,
    fid: text,
    name: text,
    args: arrayOf(text, SNAPSHOT_MAX_LIST),
  }),
  'smc:return': object({
    ...base,
    call: count,
    name: text,
    results: arrayOf(text, SNAPSHOT_MAX_LIST),
    status: text,
    index: count,
    failure: optional(object({ label: text, reason: text, by: optional(text) })),
  }),
  'granule:transition': object({
    ...base,
    pa: address,
    from: oneOf(GRANULE_STATES),
    to: oneOf(GRANULE_STATES),
    command: text,
    wiped: bool,
  }),
  'gpt:update': object({ ...base, pa: address, from: oneOf(GPIS), to: oneOf(GPIS) }),
  'mem:access': object({ ...base, ...access, len: count, decision }),
  gpf: object({ ...base, ...access, gpi: oneOf(GPIS) }),
  'realm:access': object({
    ...base,
    actor: text,
    rec: address,
    op: oneOf(['read', 'write', 'fetch']),
    ipa: address,
    size: count,
    outcome: oneOf(['done', 'sea', 'exit']),
    decision,
  }),
  flow: object({
    ...base,
    channel: text,
    source: endpoint,
    destination: endpoint,
    bytes: count,
    labels: arrayOf(text, SNAPSHOT_MAX_LIST),
    decision,
  }),
  note: object({ ...base, text }),
});

/** The ledger: events of known kinds, densely numbered, all before `nextSeq`. */
const ledger: Shape = (v, path) => {
  const problem = object({
    events: arrayOf(event, SNAPSHOT_MAX_EVENTS),
    nextSeq: int(1, Number.MAX_SAFE_INTEGER),
  })(v, path);
  if (problem) return problem;
  const l = v as { events: { seq: number }[]; nextSeq: number };
  const first = l.events[0]?.seq ?? l.nextSeq;
  for (let i = 0; i < l.events.length; i++) {
    if (l.events[i]!.seq !== first + i) {
      return `${path}.events[${i}].seq: expected ${first + i} (events are numbered densely), got ${l.events[i]!.seq}`;
    }
  }
  return first + l.events.length === l.nextSeq
    ? undefined
    : `${path}.nextSeq: expected ${first + l.events.length} (one past the last event), got ${l.nextSeq}`;
};

const labelRun: Shape = (v, path) =>
  tupleOf((x, p) => (typeof x === 'string' ? text(x, p) : int(0, GRANULE_SIZE)(x, p)), 3)(
    v,
    path,
  ) ??
  (() => {
    const [start, end, label] = v as unknown[];
    if (typeof start !== 'number' || typeof end !== 'number' || typeof label !== 'string') {
      return `${path}: expected [start, end, label]`;
    }
    return start < end ? undefined : `${path}: the run [${start}, ${end}) is empty`;
  })();

const hostRealm = object({
  name: text,
  rd: granuleAddress,
  recs: arrayOf(granuleAddress, SNAPSHOT_MAX_LIST),
  run: granuleAddress,
  ipaWidth: int(0, SNAPSHOT_MAX_IPA_WIDTH),
  ramPages: int(0, SNAPSHOT_MAX_RECORDS),
  hashAlgo: oneOf(['sha-256', 'sha-512']),
  image: text,
  net: bool,
  shared: recordOf(isHexKey, 'a 0x-hex address', granuleAddress, SNAPSHOT_MAX_RECORDS),
  console: text,
  network: arrayOf(text, SNAPSHOT_MAX_RECORDS),
  inbox: optional(arrayOf(object({ data: hexBytes(), label: text }), SNAPSHOT_MAX_RECORDS)),
  exits: count,
  enter: recordOf(
    isHexKey,
    'a 0x-hex REC address',
    object({ flags: hex64, gprs: arrayOf(hex64, REC_NUM_GPRS) }),
    SNAPSHOT_MAX_RECORDS,
  ),
  off: bool,
});

const host = object({
  realms: recordOf(() => true, 'a name', hostRealm, SNAPSHOT_MAX_RECORDS),
  nextPage: granuleAddress,
  freePages: arrayOf(granuleAddress, SNAPSHOT_MAX_RECORDS),
  lastToken: optional(hexBytes()),
  lastChallenge: optional(hexBytes()),
  lastTokenRealm: optional(text),
  groupTokens: optional(
    arrayOf(
      object({
        token: hexBytes(),
        blobs: arrayOf(hexBytes(), SNAPSHOT_MAX_LIST),
        challenge: hexBytes(),
        realm: text,
      }),
      HOST_GROUP_TOKENS,
    ),
  ),
  sharedObjects: optional(
    recordOf(
      () => true,
      'a name',
      object({
        pages: recordOf(() => true, 'a page name', granuleAddress, SNAPSHOT_MAX_RECORDS),
        ends: arrayOf(object({ realm: text, ipa: address, size: count }), SNAPSHOT_MAX_LIST),
      }),
      SNAPSHOT_MAX_RECORDS,
    ),
  ),
  intents: optional(
    recordOf(
      () => true,
      'a name',
      object({
        image: text,
        ramPages: int(0, SNAPSHOT_MAX_RECORDS),
        net: bool,
        hashAlgo: oneOf(['sha-256', 'sha-512']),
        ipaWidth: int(0, SNAPSHOT_MAX_IPA_WIDTH),
        recs: int(0, SNAPSHOT_MAX_LIST),
        role: optional(text),
      }),
      SNAPSHOT_MAX_RECORDS,
    ),
  ),
  groupEpochs: optional(recordOf(() => true, 'a pipeline name', count, SNAPSHOT_MAX_RECORDS)),
  names: optional(recordOf(isHexKey, 'a 0x-hex RD', text, SNAPSHOT_MAX_RECORDS)),
});

/**
 * The shape of a snapshot's `state` (everything but `memory`, which snapshot.ts decodes, and
 * `ext`, whose entries their extensions check).
 */
export const STATE_SHAPE: Readonly<Record<string, Shape>> = {
  config,
  gpt: recordOf(isIndex, 'a granule index', oneOf(GPIS), SNAPSHOT_MAX_RECORDS),
  granules: recordOf(isIndex, 'a granule index', granule, SNAPSHOT_MAX_RECORDS),
  rmm: object({
    realms: byAddress('rd', realm, SNAPSHOT_MAX_RECORDS),
    recs: byAddress('rec', rec, SNAPSHOT_MAX_RECORDS),
    rtts: byAddress('rtt', rtt, SNAPSHOT_MAX_RECORDS),
  }),
  ext: recordOf(
    () => true,
    'an extension name',
    () => undefined,
    SNAPSHOT_MAX_LIST,
  ),
  ledger,
  labels: optional(
    recordOf(isIndex, 'a granule index', arrayOf(labelRun, GRANULE_SIZE), SNAPSHOT_MAX_RECORDS),
  ),
  tenant: optional(recordOf(isRim, RIM_KEY, declaredRealm, SNAPSHOT_MAX_LIST)),
  // Snapshots from before the tenant's declarations kept these two apart; snapshot.ts reads
  // them into `tenant` (LEGACY_DECLARATIONS).
  sanitisers: optional(recordOf(isRim, RIM_KEY, text, SNAPSHOT_MAX_LIST)),
  gateways: optional(recordOf(isRim, RIM_KEY, text, SNAPSHOT_MAX_LIST)),
  host: optional(host),
};

/**
 * The first problem with a snapshot's `state` (the memory excepted), located by its JSON path
 * from `state`, or undefined when every record has its shape. Never throws.
 */
export function stateShapeProblem(state: Record<string, unknown>): string | undefined {
  for (const [name, shape] of Object.entries(STATE_SHAPE)) {
    const problem = shape(state[name], `state.${name}`);
    if (problem) return problem;
  }
  // Prototype gaps exist only in the prototype's mode (product.md "three modes").
  const cfg = state.config as { mode: string; gaps: string[] };
  if (cfg.mode !== 'mica-prototype' && cfg.gaps.length > 0) {
    return `state.config.gaps: mode "${cfg.mode}" runs with no prototype gaps, but ${cfg.gaps.length} are switched on (${cfg.gaps.slice(0, 3).join(', ')}); only mode "mica-prototype" may`;
  }
  return undefined;
}
