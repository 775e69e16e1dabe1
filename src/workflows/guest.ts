/**
 * A programmable guest for Mica scenarios: each realm runs a list of operations (reads and
 * writes at IPAs, prefault touches, policy upload, host calls, arbitrary SMCs, WFI, group
 * attestation), so a malicious realm really performs the accesses and SMCs an attack needs and
 * the RMM and the monitor decide (code-style.md: the guest reports, the RMM decides).
 *
 * Design rationale: the program is behaviour (kept in the runner), the position is state: op
 * `i` sits at PC abi.GRANULE_SIZE + 4·i, so an access the host must first fault in (PC not advanced) is
 * simply re-executed, and results of completed ops are copied into `rec.guest` (`x0@i`,
 * `val@i`, `sea@i`) where tests and views read them.
 *
 * Provenance (issue 10, labels are facts): a load keeps the labels the RMM says its bytes
 * carry (GuestEntry.loadLabels) with the register it fills (`reg:<name>`, `regl:<name>`), and
 * a store of a value computed from registers carries the union of their labels. A literal in
 * the program carries none, and no op can name a label.
 */
import {
  abi,
  BulkOp,
  computedLabels,
  readTranslated,
  guestStore,
  smcStop,
  walkRtt,
  type BulkProgress,
  type Ctx,
  type GuestRunner,
  type GuestStop,
  type RealmRecord,
  type RecRecord,
} from '../emulator/index.ts';
import { toHex, fromHex } from '../lib/bytes.ts';
import {
  SMC_RSI_ATTEST_TOKEN_CONTINUE_GROUP,
  SMC_RSI_ATTEST_TOKEN_INIT_GROUP,
  SMC_RSI_UPLOAD_POLICY,
} from '../policy/abi.ts';

/** PC of op 0. */
export const PROGRAM_BASE = 0x1000;
/** The register a `read` loads into unless it names one. */
export const DEFAULT_REGISTER = 'x1';

/** A register of the guest's CPU model: a value and the labels of what it was computed from. */
interface Register {
  readonly value: bigint;
  readonly labels: readonly string[];
}

/** Keys of `rec.guest` already built, by prefix then op index or register name. */
const guestKeys = new Map<string, Map<number | string, string>>();

/**
 * The `rec.guest` key `<prefix><at>` (`val@3`, `reg:x1`): built once, then looked up, so the
 * ops a program runs over and over (every prefault touch) build no strings.
 */
function guestKey(prefix: string, at: number | string): string {
  let keys = guestKeys.get(prefix);
  if (!keys) guestKeys.set(prefix, (keys = new Map()));
  let key = keys.get(at);
  if (key === undefined) {
    if (keys.size >= MAX_GUEST_KEYS) keys.clear();
    keys.set(at, (key = `${prefix}${at}`));
  }
  return key;
}
/** Bound on each prefix's keys in {@link guestKeys}: a long run starts the cache again. */
const MAX_GUEST_KEYS = 0x10000;

/** Register `name` of `rec` (zero and unlabelled before any load). */
function register(rec: RecRecord, name: string): Register {
  const v = rec.guest[guestKey('reg:', name)];
  const l = rec.guest[guestKey('regl:', name)];
  return {
    value: typeof v === 'string' ? BigInt(v) : 0n,
    labels: typeof l === 'string' && l !== '' ? l.split(',') : [],
  };
}

/**
 * The value and labels a store of `value` by `realm` writes (see {@link GuestValue}). A move of
 * one register keeps its labels and marks as they are; a computed value carries
 * `computedLabels`: the union of the input labels, and the realm's own sanitiser mark if the
 * tenant declared it one (emulator provenance.ts).
 */
function evaluate(
  state: Ctx['state'],
  realm: Readonly<RealmRecord>,
  rec: RecRecord,
  value: GuestValue,
): Register {
  if (typeof value === 'bigint') return { value, labels: [] };
  const names = typeof value.from === 'string' ? [value.from] : value.from;
  const regs = names.map((n) => register(rec, n));
  const values = regs.map((r) => r.value);
  if (!value.map && regs.length === 1) return { value: values[0] ?? 0n, labels: regs[0]!.labels };
  const labels = computedLabels(
    state,
    realm,
    regs.flatMap((r) => r.labels),
  );
  return { value: value.map ? value.map(values) : (values[0] ?? 0n), labels };
}

/**
 * What a store writes: a literal of the program (it carries no label), or a value computed
 * from registers earlier loads filled (it carries the union of their labels: transcoding,
 * XOR or encryption do not launder, issue 10). `map` defaults to the first register's value.
 */
export type GuestValue =
  | bigint
  | {
      readonly from: string | readonly string[];
      readonly map?: (values: readonly bigint[]) => bigint;
    };

/** The labels a fault address computed from registers `from` carries (none without). */
function addressLabels(
  rec: RecRecord,
  from: string | readonly string[] | undefined,
): { addressLabels?: readonly string[] } {
  if (from === undefined) return {};
  const names = typeof from === 'string' ? [from] : from;
  const labels = [...new Set(names.flatMap((n) => register(rec, n).labels))].sort();
  return labels.length > 0 ? { addressLabels: labels } : {};
}

/** One guest operation. No operation names a provenance label (provenance.ts). */
export type GuestOp =
  /** Load into register `into` (default {@link DEFAULT_REGISTER}): its value and labels. */
  | {
      readonly op: 'read';
      readonly ipa: number;
      readonly size?: 1 | 2 | 4 | 8;
      readonly into?: string;
      /**
       * Registers the address was computed from: a fault at it hands the host an address
       * carrying their labels (the program names registers, never labels).
       */
      readonly addressFrom?: string | readonly string[];
    }
  /** Jumps to `ipa` (an instruction fetch there, then back to the next op). */
  | {
      readonly op: 'fetch';
      readonly ipa: number;
      readonly addressFrom?: string | readonly string[];
    }
  | {
      readonly op: 'write';
      readonly ipa: number;
      readonly value: GuestValue;
      readonly size?: 1 | 2 | 4 | 8;
    }
  /**
   * Copies `len` bytes from IPA `from` to IPA `to` (read a frame, write a frame): translated
   * and checked per 4 KiB piece, labels carried span by span (emulator rmm/bulk.ts).
   */
  | { readonly op: 'copy'; readonly from: number; readonly to: number; readonly len: number }
  /** Fills `len` bytes at `ipa` with the literal `byte` (which carries no label). */
  | { readonly op: 'fill'; readonly ipa: number; readonly len: number; readonly byte: number }
  /**
   * Maps a pure function over ranges: reads every range of `from`, writes `fn(inputs)` at
   * `to`. Every output byte carries the union of the labels of all bytes read (a transcoder,
   * XOR or encryption does not launder); `fn` sees bytes, never labels. The inputs are lent
   * for the call: the realm's memory itself when a range is one run of adjacent pages the
   * realm read before (as a guest computes over its mapping, rmm/bulk.ts `lend`), else a read
   * buffer the next op reuses. `fn` must not change them (a change would write the realm's
   * memory past its stage 2 permissions and its labels) and keeps a copy if it needs one
   * after returning.
   */
  | {
      readonly op: 'map';
      readonly from: readonly { readonly ipa: number; readonly len: number }[];
      readonly to: number;
      readonly fn: (inputs: readonly Uint8Array[]) => Uint8Array;
    }
  /** Bulk store into the realm's own private RAM (no stop). */
  | { readonly op: 'store'; readonly ipa: number; readonly bytes: Uint8Array }
  /** Stores the page and calls RSI_UPLOAD_POLICY with its IPA. */
  | { readonly op: 'upload'; readonly page: number; readonly bytes: Uint8Array }
  | { readonly op: 'smc'; readonly fid: number; readonly args?: readonly bigint[] }
  /**
   * Fills RsiHostCall.gprs at `struct` with literal `values` (none: keep what earlier `write`
   * ops stored there, labels included) and calls RSI_HOST_CALL.
   */
  | { readonly op: 'hostCall'; readonly struct: number; readonly values?: readonly bigint[] }
  | { readonly op: 'wfi' }
  /** INIT_GROUP then CONTINUE_GROUP into `buffer` until SUCCESS; the stream lands in rec.guest.attest. */
  | { readonly op: 'attestGroup'; readonly challenge: Uint8Array; readonly buffer: number };

/** Read-touches one byte per 4 KiB page of [ipa, ipa + size) (the `rw_ivshmem --prefault` tool). */
export function prefaultOps(ipa: number, size: number): GuestOp[] {
  return Array.from({ length: Math.ceil(size / abi.GRANULE_SIZE) }, (_, k) => ({
    op: 'read' as const,
    ipa: ipa + k * abi.GRANULE_SIZE,
    size: 1 as const,
  }));
}

/**
 * Reads the realm's own private RAM as the realm sees it (a guest load loop collapsed): from the
 * state, with no ledger event, so a tenant's check of what a stage kept does not itself move data.
 */
export function guestLoad(
  state: Ctx['state'],
  realm: Readonly<RealmRecord>,
  ipa: number,
  len: number,
): Uint8Array | undefined {
  return readTranslated(state, ipa, len, (at) => {
    const walk = walkRtt(state, realm, at);
    if (walk.entry.state !== 'ASSIGNED' || walk.entry.ripas !== 'RAM') return undefined;
    return walk.entry.pa + (at - walk.entryBase);
  });
}

/** The programmable guest: programs by RD PA. */
export interface ProgramGuest extends GuestRunner {
  /** Appends ops to the program of the realm at `rd`. */
  add(rd: number, ops: readonly GuestOp[]): void;
  /** The program of `rd`. */
  program(rd: number): readonly GuestOp[];
}

/**
 * The PC text {@link setIndex} wrote last and its op index: the next entry of that REC reads
 * it back without parsing (a stream's program grows by an op per chunk, so each PC is
 * formatted once and read back once).
 */
let lastPcText = '';
let lastPcIndex = -1;

function index(rec: RecRecord): number {
  if (rec.pc === lastPcText) return lastPcIndex;
  // A short 0x-hex PC is exact as a number (no bigint parse per op); a wide one goes through bigint.
  if (rec.pc.length <= 14) return Math.trunc((Number(rec.pc) - PROGRAM_BASE) / 4);
  return Number((BigInt(rec.pc) - BigInt(PROGRAM_BASE)) / 4n);
}

function setIndex(rec: RecRecord, i: number): void {
  // Formatted here, not through lib/hex.ts's cache: a PC of a growing program is never
  // formatted twice, and kept there it would push out the record keys that are.
  const text = '0x' + (PROGRAM_BASE + 4 * i).toString(16);
  rec.pc = text;
  lastPcText = text;
  lastPcIndex = i;
}

function words(bytes: Uint8Array): bigint[] {
  return Array.from({ length: 8 }, (_, i) => {
    let v = 0n;
    for (let b = 7; b >= 0; b--) v = (v << 8n) | BigInt(bytes[i * 8 + b] ?? 0);
    return v;
  });
}

/** The largest piece a fill writes at once. */
const FILL_CHUNK = abi.GRANULE_SIZE;

/**
 * Inputs up to this size are read into reused buffers (a frame-sized read per op would
 * otherwise allocate, and the runtime zero and later collect, a fresh buffer every time).
 */
const MAP_INPUT_REUSE_LIMIT = 0x100000;
/** The reused read buffers of `map` ops, by input position. */
const mapInputs: Uint8Array[] = [];

/** A read buffer of `len` bytes for input `k` of a `map` op (lent for one op). */
function mapInput(k: number, len: number): Uint8Array {
  if (len > MAP_INPUT_REUSE_LIMIT) return new Uint8Array(len);
  let buf = mapInputs[k];
  if (!buf || buf.length < len) buf = mapInputs[k] = new Uint8Array(len);
  return buf.length === len ? buf : buf.subarray(0, len);
}

/** True when `out` is a view of the same buffer as one of `inputs`. */
function sharesBuffer(inputs: readonly Uint8Array[], out: Uint8Array): boolean {
  for (const input of inputs) if (input.buffer === out.buffer) return true;
  return false;
}

/**
 * Runs bulk op `i` from where it stopped (`prog@i`); the probe stop when a piece needs the
 * RMM (the op resumes at that byte when re-executed), undefined when the op completed.
 */
function bulk(
  ctx: Ctx,
  realm: RealmRecord,
  rec: RecRecord,
  op: Extract<GuestOp, { op: 'copy' | 'fill' | 'map' }>,
  i: number,
): GuestStop | undefined {
  const g = rec.guest;
  // Only an op that stopped on a probe resumes, and its stop left `last` at it: any other op
  // starts at 0 without looking up its scratch key (the guest scratch is a large dictionary).
  const resumed = g.last === i ? guestKey('prog@', i) : undefined;
  const start = resumed !== undefined && typeof g[resumed] === 'number' ? g[resumed] : 0;
  const b = new BulkOp(ctx, realm, rec);
  let p: BulkProgress;
  if (op.op === 'copy') p = b.copy(op.from, op.to, op.len, start);
  else if (op.op === 'fill') {
    const chunk = new Uint8Array(Math.min(op.len, FILL_CHUNK)).fill(op.byte);
    p = b.write(op.ipa, chunk, [], start, op.len);
  } else {
    const labels = new Set<string>();
    const inputs: Uint8Array[] = [];
    let lentAny = false;
    p = { done: start };
    for (let k = 0; k < op.from.length; k++) {
      const r = op.from[k]!;
      const lent = b.lend(r.ipa, r.len, labels);
      if (lent) {
        inputs.push(lent);
        lentAny = true;
        continue;
      }
      const buf = mapInput(k, r.len);
      const got = b.read(r.ipa, buf, labels);
      if (got.probe) {
        p = { done: start, probe: got.probe };
        break;
      }
      inputs.push(buf);
    }
    if (!p.probe) {
      let out = op.fn(inputs);
      // A result that is (part of) a lent input is memory the write may overwrite before it
      // has read it (an in-place map onto an overlapping range): it is copied first.
      if (lentAny && sharesBuffer(inputs, out)) out = out.slice();
      p = b.write(op.to, out, computedLabels(ctx.state, realm, labels), start);
    }
  }
  b.finish();
  if (p.probe) {
    g[guestKey('prog@', i)] = p.done;
    g.last = i;
    return p.probe;
  }
  if (resumed !== undefined) delete g[resumed];
  return undefined;
}

/** Creates a programmable guest. */
export function programGuest(): ProgramGuest {
  const programs = new Map<number, GuestOp[]>();

  /** Continues a group attestation after an SMC of op `i`; a stop to loop, or undefined when done. */
  function attestStep(
    ctx: Ctx,
    realm: RealmRecord,
    rec: RecRecord,
    op: Extract<GuestOp, { op: 'attestGroup' }>,
    i: number,
  ): GuestStop | undefined {
    const g = rec.guest;
    const x0 = Number(BigInt(rec.gprs[0] ?? '0'));
    const cont = (): GuestStop => {
      g.last = i;
      setIndex(rec, i);
      return smcStop(rec, SMC_RSI_ATTEST_TOKEN_CONTINUE_GROUP, op.buffer, 0, abi.GRANULE_SIZE);
    };
    if (g.agPhase === 'init') {
      if (x0 !== abi.RSI_SUCCESS) {
        g.attestError = `INIT_GROUP returned ${x0}`;
        return undefined;
      }
      g.agPhase = 'cont';
      g.agCount = Number(BigInt(rec.gprs[2] ?? '0'));
      return cont();
    }
    if (x0 === abi.RSI_INCOMPLETE) {
      const n = Number(BigInt(rec.gprs[1] ?? '0'));
      const bytes = guestLoad(ctx.state, realm, op.buffer, n) ?? new Uint8Array(0);
      g.agStream = String(g.agStream ?? '') + toHex(bytes);
      return cont();
    }
    if (x0 === abi.RSI_SUCCESS) g.attest = String(g.agStream ?? '');
    else g.attestError = `CONTINUE_GROUP returned ${x0}`;
    return undefined;
  }

  return {
    name: 'mica-program',
    add(rd, ops) {
      const prog = programs.get(rd);
      if (prog) for (const op of ops) prog.push(op);
      else programs.set(rd, [...ops]);
    },
    program: (rd) => programs.get(rd) ?? [],
    run(ctx, realm, rec, entry) {
      const prog = programs.get(realm.rd) ?? [];
      const g = rec.guest;
      let i = index(rec);
      if (entry.sea) {
        // The op at the PC took a synchronous external abort: note it and skip it.
        g[guestKey('sea@', i)] = true;
        g.seas = Number(g.seas ?? 0) + 1;
        g.last = -1;
        setIndex(rec, ++i);
      }
      const last = typeof g.last === 'number' ? g.last : -1;
      if (last >= 0 && last === i - 1) {
        g.last = -1;
        const op = prog[last];
        if (op?.op === 'read') {
          const loaded = entry.loadLabels;
          const labels = loaded && loaded.length > 0 ? [...loaded].sort().join(',') : '';
          const name = op.into ?? DEFAULT_REGISTER;
          g[guestKey('val@', last)] = rec.gprs[1] ?? '0x0';
          g[guestKey('lab@', last)] = labels;
          g[guestKey('reg:', name)] = rec.gprs[1] ?? '0x0';
          g[guestKey('regl:', name)] = labels;
        }
        if (op?.op === 'smc' || op?.op === 'upload' || op?.op === 'hostCall') {
          g[guestKey('x0@', last)] = rec.gprs[0] ?? '0x0';
          g[guestKey('x1@', last)] = rec.gprs[1] ?? '0x0';
        }
        if (op?.op === 'copy' || op?.op === 'fill' || op?.op === 'map') {
          // The probe of a bulk op completed as an access the host emulated (MMIO): a bulk
          // op does not stream through an emulated device, so it ends there.
          g[guestKey('mmio@', last)] = true;
          delete g[guestKey('prog@', last)];
        }
        if (op?.op === 'attestGroup') {
          const stop = attestStep(ctx, realm, rec, op, last);
          if (stop) return stop;
        }
      }
      for (;;) {
        const op = prog[i];
        if (!op) {
          // Nothing left: yield without moving the PC, so ops added later start here.
          g.done = true;
          return { kind: 'irq' };
        }
        g.done = false;
        switch (op.op) {
          case 'store':
            guestStore(ctx, realm, op.ipa, op.bytes);
            setIndex(rec, ++i);
            continue;
          case 'copy':
          case 'fill':
          case 'map': {
            const stop = bulk(ctx, realm, rec, op, i);
            if (stop) return stop;
            setIndex(rec, ++i);
            continue;
          }
          case 'read':
          case 'fetch':
            g.last = i;
            return {
              kind: 'access',
              access: op.op,
              ipa: op.ipa,
              size: op.op === 'read' ? (op.size ?? 8) : abi.A64_INSTRUCTION_SIZE,
              register: 1,
              ...addressLabels(rec, op.addressFrom),
            };
          case 'write': {
            g.last = i;
            const stored = evaluate(ctx.state, realm, rec, op.value);
            return {
              kind: 'access',
              access: 'write',
              ipa: op.ipa,
              size: op.size ?? 8,
              register: 1,
              value: stored.value,
              ...(stored.labels.length > 0 ? { labels: stored.labels } : {}),
            } as GuestStop;
          }
          case 'upload':
            guestStore(ctx, realm, op.page, op.bytes);
            g.last = i;
            return smcStop(rec, SMC_RSI_UPLOAD_POLICY, op.page);
          case 'smc':
            g.last = i;
            return smcStop(rec, op.fid, ...(op.args ?? []));
          case 'hostCall': {
            const f = abi.RSI_HOST_CALL.gprs;
            if (op.values) {
              const bytes = new Uint8Array(f.count * f.size);
              op.values.forEach((v, k) => {
                for (let b = 0; b < 8; b++) bytes[k * 8 + b] = Number((v >> BigInt(8 * b)) & 0xffn);
              });
              guestStore(ctx, realm, op.struct + f.offset, bytes);
            }
            g.last = i;
            return smcStop(rec, abi.SMC_RSI_HOST_CALL, op.struct);
          }
          case 'wfi':
            g.last = i;
            return { kind: 'wfi' };
          case 'attestGroup':
            g.last = i;
            g.agPhase = 'init';
            g.agStream = '';
            return smcStop(rec, SMC_RSI_ATTEST_TOKEN_INIT_GROUP, ...words(op.challenge));
        }
      }
    },
  };
}

/** The group-attestation stream a realm received (token ‖ blobs), if its op finished. */
export function attestStream(rec: Readonly<RecRecord>): Uint8Array | undefined {
  const s = rec.guest.attest;
  return typeof s === 'string' ? fromHex(s) : undefined;
}
