/**
 * The lab's guest model: a deterministic, step-driven stand-in for a small guest OS inside a
 * realm (cca-spec.md §7 "drive REC exits from a scripted guest"; no Arm instruction set). It
 * implements the RMM's GuestRunner plug-in (rmm/guest.ts): each run returns the next load,
 * store, SMC or HVC its current operation needs, and the RMM decides what that becomes
 * through stage 2 and the RSI (an access completed, an SEA, a REC exit to the host).
 *
 * Design rationale: everything the guest remembers lives in the REC's scratch
 * (`rec.guest.model`, plain JSON): the queue of operations (guest/ops.ts), the frame of the
 * operation in progress, the last instruction it issued and the results. The model learns
 * what became of an instruction the way software does, from the PC: the RMM advances the PC
 * past an instruction that completed, leaves it on one that must be re-executed (after the
 * host mapped memory), and injects an SEA or an undefined exception otherwise. Provenance:
 * a load reports the labels of the bytes it read (GuestEntry.loadLabels); the model keeps
 * them with the value and hands them to the store that writes it (taint tracking). Literal
 * bytes of a program carry no label, and no operation can add or drop one (provenance.ts).
 */
import { hex64, u64 } from '../../lib/bits.ts';
import { fromHex, readLe, toHex, utf8, writeLe } from '../../lib/bytes.ts';
import { GRANULE_SIZE } from '../abi/gpt.ts';
import { PSCI_NAMES } from '../abi/psci.ts';
import {
  RSI_ACCEPT,
  RSI_HOST_CALL,
  RSI_INCOMPLETE,
  RSI_REALM_CONFIG,
  RSI_STATUS_NAMES,
  RSI_SUCCESS,
  SMC_RSI_ATTESTATION_TOKEN_CONTINUE,
  SMC_RSI_ATTESTATION_TOKEN_INIT,
  SMC_RSI_HOST_CALL,
  SMC_RSI_IPA_STATE_GET,
  SMC_RSI_IPA_STATE_SET,
  SMC_RSI_MEASUREMENT_EXTEND,
  SMC_RSI_MEASUREMENT_READ,
  SMC_RSI_REALM_CONFIG,
} from '../abi/rsi.ts';
import { SMC_REGISTER_COUNT } from '../abi/smccc.ts';
import { LAB_ATTEST_TOKEN_MAX_SIZE } from '../abi/rmm-impl.ts';
import type { Ctx } from '../context.ts';
import { BulkOp } from '../rmm/bulk.ts';
import { gpr, setGpr, type GuestEntry, type GuestRunner, type GuestStop } from '../rmm/guest.ts';
import type { MachineState, RealmRecord, RecRecord, ScratchValue } from '../state.ts';
import { guestApp } from './apps.ts';
import { GUEST_IMAGE_HEADER_SIZE, parseGuestImage, type GuestImageInfo } from './image.ts';
import {
  GUEST_CONFIG_IPA,
  GUEST_HOST_CALL_IPA,
  GUEST_IMAGE_IPA,
  GUEST_TOKEN_IPA,
  guestLayout,
} from './layout.ts';
import type { GuestOp, GuestResult } from './ops.ts';
import { hex } from '../../lib/hex.ts';

/** Register the model loads into (X20) and stores from (X21). */
const LOAD_REGISTER = 20;
const STORE_REGISTER = 21;
/** Registers of an SMC's results the model keeps (X0..X10). */
const SMC_RESULT_REGISTERS = 11;
/** Bytes one RSI_ATTESTATION_TOKEN_CONTINUE asks for (so a token takes a few calls). */
const TOKEN_CHUNK = 1024;
/** Operations one run may finish without issuing an instruction (guards a buggy program). */
const MAX_OPS_PER_RUN = 64;
/** Most bytes one `read`/`send` moves. */
export const GUEST_MAX_TRANSFER = GRANULE_SIZE;

/** An instruction the model issued, as plain data (values hex). */
type Issue =
  | { readonly kind: 'load'; readonly ipa: number; readonly size: 1 | 2 | 4 | 8 }
  | {
      readonly kind: 'store';
      readonly ipa: number;
      readonly size: 1 | 2 | 4 | 8;
      readonly value: string;
      readonly labels: string[];
    }
  | { readonly kind: 'smc'; readonly fid: number; readonly args: string[] }
  | { readonly kind: 'hvc' };

/** What became of the last instruction. */
type Last =
  | {
      readonly kind: 'ok';
      readonly x: bigint[];
      readonly loaded: bigint;
      readonly labels: string[];
    }
  | { readonly kind: 'sea'; readonly ipa?: number }
  | { readonly kind: 'undef' };

/** The operation in progress. */
interface Frame {
  op: GuestOp;
  phase: number;
  /** Byte position inside the current transfer. */
  pos: number;
  /** Size of the access in flight. */
  size: number;
  /** Bytes gathered so far (hex). */
  acc: string;
  labels: string[];
  /** A loaded value waiting to be stored, with its labels. */
  carry: { value: string; labels: string[] } | null;
  /** A counter (host-call register, token bytes copied, ...). */
  n: number;
  vals: Record<string, string>;
}

/** The model's scratch in `rec.guest.model`. */
export interface GuestScratch {
  queue: GuestOp[];
  frame: Frame | null;
  pending: { pc: string; issue: Issue } | null;
  results: GuestResult[];
  /** What the image said at boot (REC 0), or null before boot. */
  info: GuestImageInfo | null;
  /** Operations of the application's program not finished yet (their results name the app). */
  appOps?: number;
}

/** One step of an operation's handler. */
type Step = { readonly issue: Issue } | { readonly done: GuestResult };

const SCRATCH_KEY = 'model';

/** The scratch of `rec`, if the model has started on it. */
export function guestScratch(rec: Readonly<RecRecord>): Readonly<GuestScratch> | undefined {
  return rec.guest[SCRATCH_KEY] as unknown as GuestScratch | undefined;
}

function mutableScratch(rec: RecRecord): GuestScratch | undefined {
  return rec.guest[SCRATCH_KEY] as unknown as GuestScratch | undefined;
}

function newScratch(rec: RecRecord, queue: GuestOp[]): GuestScratch {
  const g: GuestScratch = { queue, frame: null, pending: null, results: [], info: null };
  rec.guest[SCRATCH_KEY] = g as unknown as ScratchValue;
  return g;
}

/** Appends operations to the program of the REC at `rec` (REC 0 boots first). */
export function enqueueGuestOps(state: MachineState, rec: number, ops: readonly GuestOp[]): void {
  const record = state.rmm.recs[hex(rec)];
  if (!record) return;
  const g = mutableScratch(record) ?? newScratch(record, bootQueue(record));
  g.queue.push(...ops.map((op) => structuredClone(op) as GuestOp));
}

/** Removes and returns the results the REC's guest produced so far. */
export function takeGuestResults(state: MachineState, rec: number): GuestResult[] {
  const record = state.rmm.recs[hex(rec)];
  const g = record ? mutableScratch(record) : undefined;
  if (!g) return [];
  const out = g.results;
  g.results = [];
  return out;
}

/** True when the REC's guest has nothing left to do. */
export function guestIsIdle(rec: Readonly<RecRecord>): boolean {
  const g = guestScratch(rec);
  if (!g) return rec.index !== 0;
  return g.queue.length === 0 && g.frame === null && g.pending === null;
}

/**
 * What a REC does first: REC 0 boots when it starts at the image's entry point; a REC that
 * other software already ran past it (a Pipeline Run's stage program, workflows/guest.ts,
 * before the lab adopted the run) has booted, so the model's operations run on it as they are.
 */
function bootQueue(rec: Readonly<RecRecord>): GuestOp[] {
  return rec.index === 0 && BigInt(rec.pc) === BigInt(GUEST_IMAGE_IPA) ? [{ op: 'boot' }] : [];
}

/** Largest naturally aligned access (8, 4, 2, 1) at `ipa` for `remaining` bytes. */
function accessSize(ipa: number, remaining: number): 1 | 2 | 4 | 8 {
  for (const size of [8, 4, 2, 1] as const) {
    if (size <= remaining && ipa % size === 0) return size;
  }
  return 1;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

function bytesOf(value: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  writeLe(out, 0, size, value);
  return out;
}

function rsiStatus(x0: bigint): string {
  return RSI_STATUS_NAMES[Number(x0)] ?? hex64(x0);
}

function fail(op: GuestOp, error: string, status?: string): Step {
  return { done: { op: op.op, ok: false, values: {}, error, ...(status ? { status } : {}) } };
}

/** Loads [base, base+len) into f.acc; returns the bytes once complete. */
function readRange(
  f: Frame,
  last: Last | undefined,
  base: number,
  len: number,
): Step | { readonly bytes: Uint8Array; readonly labels: string[] } {
  if (last?.kind === 'ok' && f.size > 0) {
    f.acc += toHex(bytesOf(last.loaded, f.size));
    f.labels = union(f.labels, last.labels);
    f.pos += f.size;
    f.size = 0;
  }
  if (f.pos >= len) {
    const bytes = fromHex(f.acc) ?? new Uint8Array(0);
    const labels = f.labels;
    f.pos = 0;
    f.acc = '';
    f.labels = [];
    return { bytes, labels };
  }
  const size = accessSize(base + f.pos, len - f.pos);
  f.size = size;
  return { issue: { kind: 'load', ipa: base + f.pos, size } };
}

/** Stores `bytes` at `base` with `labels`; returns true once complete. */
function writeRange(
  f: Frame,
  last: Last | undefined,
  base: number,
  bytes: Uint8Array,
  labels: readonly string[],
): Step | true {
  if (last?.kind === 'ok' && f.size > 0) {
    f.pos += f.size;
    f.size = 0;
  }
  if (f.pos >= bytes.length) {
    f.pos = 0;
    return true;
  }
  const size = accessSize(base + f.pos, bytes.length - f.pos);
  f.size = size;
  const value = readLe(bytes, f.pos, size);
  return {
    issue: { kind: 'store', ipa: base + f.pos, size, value: hex64(value), labels: [...labels] },
  };
}

/**
 * Copies [src, src+len) to [dst, dst+len): whole pages at a time through the RMM's bulk path
 * (rmm/bulk.ts: translated and checked per page, labels carried span by span), and where a
 * page cannot complete directly (not mapped yet, refused, emulated) one word through a
 * register, so the RMM resolves that access with its normal semantics; each store carries
 * exactly the labels its load returned (f.labels gathers them all). True once complete.
 */
function copyRange(
  f: Frame,
  last: Last | undefined,
  src: number,
  dst: number,
  len: number,
  env?: Env,
): Step | true {
  if (last?.kind === 'ok' && f.size > 0) {
    if (f.carry === null) {
      f.carry = { value: hex64(last.loaded), labels: [...last.labels] };
      f.labels = union(f.labels, last.labels);
    } else {
      f.carry = null;
      f.pos += f.size;
      f.size = 0;
    }
  }
  if (f.carry !== null) {
    const size = f.size as 1 | 2 | 4 | 8;
    return {
      issue: {
        kind: 'store',
        ipa: dst + f.pos,
        size,
        value: f.carry.value,
        labels: f.carry.labels,
      },
    };
  }
  if (env && f.pos < len) {
    const bulk = new BulkOp(env.ctx, env.realm, env.rec);
    const seen = new Set<string>();
    f.pos = bulk.copy(src, dst, len, f.pos, seen).done;
    bulk.finish();
    if (seen.size > 0) f.labels = union(f.labels, [...seen]);
  }
  if (f.pos >= len) {
    f.pos = 0;
    return true;
  }
  const size = Math.min(
    accessSize(src + f.pos, len - f.pos),
    accessSize(dst + f.pos, len - f.pos),
  ) as 1 | 2 | 4 | 8;
  f.size = size;
  return { issue: { kind: 'load', ipa: src + f.pos, size } };
}

function smc(fid: number, ...args: (bigint | number)[]): Step {
  return { issue: { kind: 'smc', fid, args: args.map((a) => hex64(u64(a))) } };
}

/** Environment of a handler. */
interface Env {
  readonly ctx: Ctx;
  readonly realm: Readonly<RealmRecord>;
  readonly rec: RecRecord;
  readonly g: GuestScratch;
}

/** Runs one step of `f`'s operation. `last` is what became of its previous instruction. */
function handle(f: Frame, last: Last | undefined, env: Env): Step {
  const op = f.op;
  const x = last?.kind === 'ok' ? last.x : [];
  const x0 = x[0] ?? 0n;
  switch (op.op) {
    case 'boot': {
      const r = readRange(f, last, GUEST_IMAGE_IPA, GUEST_IMAGE_HEADER_SIZE);
      if ('issue' in r || 'done' in r) return r;
      const info = parseGuestImage(r.bytes);
      if (!info) return fail(op, 'no lab guest image at IPA 0: nothing to run');
      env.g.info = info;
      const app = guestApp(info.app);
      if (!app)
        return fail(
          op,
          `the image names application "${info.app}", which this guest does not have`,
        );
      const program = app.program({ ...info, ipaWidth: env.realm.ipaWidth });
      env.g.queue.unshift(...program);
      env.g.appOps = program.length;
      return {
        done: { op: 'boot', ok: true, values: { app: info.app, ram: `${info.ramPages} pages` } },
      };
    }
    case 'read': {
      const r = readRange(f, last, op.ipa, op.len);
      if ('issue' in r || 'done' in r) return r;
      return { done: { op: 'read', ok: true, values: {}, data: toHex(r.bytes), labels: r.labels } };
    }
    case 'write': {
      const bytes = fromHex(op.data) ?? new Uint8Array(0);
      const r = writeRange(f, last, op.ipa, bytes, []);
      if (r !== true) return r;
      return { done: { op: 'write', ok: true, values: { bytes: String(bytes.length) } } };
    }
    case 'copy': {
      const r = copyRange(f, last, op.src, op.dst, op.len, env);
      if (r !== true) return r;
      return {
        done: { op: 'copy', ok: true, values: { bytes: String(op.len) }, labels: f.labels },
      };
    }
    case 'recv':
      return recvStep(f, last, op, env);
    case 'smc': {
      if (f.phase === 0) {
        f.phase = 1;
        return smc(op.fid, ...op.args.map((a) => BigInt(a)));
      }
      const values: Record<string, string> = {};
      x.forEach((v, i) => (values[`x${i}`] = hex64(v)));
      return { done: { op: 'smc', ok: true, values } };
    }
    case 'measure-read': {
      if (f.phase === 0) {
        f.phase = 1;
        return smc(SMC_RSI_MEASUREMENT_READ, op.index);
      }
      if (x0 !== BigInt(RSI_SUCCESS))
        return fail(op, 'RSI_MEASUREMENT_READ refused', rsiStatus(x0));
      const bytes = new Uint8Array(64);
      for (let i = 0; i < 8; i++) writeLe(bytes, i * 8, 8, x[1 + i] ?? 0n);
      return {
        done: { op: op.op, ok: true, status: rsiStatus(x0), values: {}, data: toHex(bytes) },
      };
    }
    case 'measure-extend': {
      if (f.phase === 0) {
        f.phase = 1;
        const data = fromHex(op.data) ?? new Uint8Array(0);
        const padded = new Uint8Array(64);
        padded.set(data.subarray(0, 64));
        const words = Array.from({ length: 8 }, (_, i) => readLe(padded, i * 8, 8));
        return smc(SMC_RSI_MEASUREMENT_EXTEND, op.index, data.length, ...words);
      }
      const ok = x0 === BigInt(RSI_SUCCESS);
      return { done: { op: op.op, ok, status: rsiStatus(x0), values: {} } };
    }
    case 'attest':
      return attestStep(f, last, op.challenge);
    case 'config': {
      if (f.phase === 0) {
        f.phase = 1;
        return smc(SMC_RSI_REALM_CONFIG, GUEST_CONFIG_IPA);
      }
      if (f.phase === 1) {
        if (x0 !== BigInt(RSI_SUCCESS)) return fail(op, 'RSI_REALM_CONFIG refused', rsiStatus(x0));
        f.phase = 2;
        last = undefined;
      }
      const cfg = RSI_REALM_CONFIG;
      if (f.phase === 2) {
        const r = readRange(f, last, GUEST_CONFIG_IPA, cfg.hash_algo.offset + 8);
        if ('issue' in r || 'done' in r) return r;
        f.vals.ipa_width = String(readLe(r.bytes, cfg.ipa_width.offset, cfg.ipa_width.size));
        f.vals.hash_algo = String(readLe(r.bytes, cfg.hash_algo.offset, cfg.hash_algo.size));
        f.phase = 3;
        last = undefined;
      }
      const r = readRange(f, last, GUEST_CONFIG_IPA + cfg.rpv.offset, cfg.rpv.size);
      if ('issue' in r || 'done' in r) return r;
      return {
        done: {
          op: 'config',
          ok: true,
          status: 'RSI_SUCCESS',
          values: { ...f.vals, rpv: toHex(r.bytes) },
        },
      };
    }
    case 'ipa-state-get': {
      if (f.phase === 0) {
        f.phase = 1;
        return smc(SMC_RSI_IPA_STATE_GET, op.base, op.top);
      }
      const ok = x0 === BigInt(RSI_SUCCESS);
      const values: Record<string, string> = ok
        ? { out_top: hex64(x[1] ?? 0n), ripas: String(x[2] ?? 0n) }
        : {};
      return { done: { op: op.op, ok, status: rsiStatus(x0), values } };
    }
    case 'ipa-state-set': {
      if (f.phase === 1) {
        if (x0 !== BigInt(RSI_SUCCESS)) return fail(op, 'RSI_IPA_STATE_SET refused', rsiStatus(x0));
        const next = Number(x[1] ?? 0n);
        f.n += 1;
        const response = (x[2] ?? 0n) === BigInt(RSI_ACCEPT) ? 'RSI_ACCEPT' : 'RSI_REJECT';
        if (response === 'RSI_REJECT' || next >= op.top) {
          const values = { new_base: hex64(next), response, calls: String(f.n) };
          return {
            done: { op: op.op, ok: response === 'RSI_ACCEPT', status: 'RSI_SUCCESS', values },
          };
        }
        f.vals.base = String(next);
      }
      f.phase = 1;
      const base = f.vals.base === undefined ? op.base : Number(f.vals.base);
      return smc(SMC_RSI_IPA_STATE_SET, base, op.top, op.ripas, op.flags);
    }
    case 'hostcall':
      return hostCallStep(f, last, op);
    case 'psci': {
      if (f.phase === 0) {
        f.phase = 1;
        return smc(op.fid, ...op.args.map((a) => BigInt(a)));
      }
      const signed = BigInt.asIntN(64, x0);
      const values: Record<string, string> = { x0: String(signed) };
      x.slice(1, 4).forEach((v, i) => (values[`x${i + 1}`] = hex64(v)));
      return {
        done: { op: 'psci', ok: signed >= 0n, values, status: PSCI_NAMES[op.fid] ?? hex64(op.fid) },
      };
    }
    case 'send':
      return sendStep(f, last, op, env);
    case 'hvc':
      if (f.phase === 0) {
        f.phase = 1;
        return { issue: { kind: 'hvc' } };
      }
      return {
        done: {
          op: 'hvc',
          ok: last?.kind !== 'undef',
          values: {},
          ...(last?.kind === 'undef'
            ? { error: 'undefined instruction exception: a realm has no hypervisor to call' }
            : {}),
        },
      };
  }
}

function attestStep(f: Frame, last: Last | undefined, challengeHex: string): Step {
  const op: GuestOp = { op: 'attest', challenge: challengeHex };
  const x = last?.kind === 'ok' ? last.x : [];
  const x0 = x[0] ?? 0n;
  if (f.phase === 0) {
    f.phase = 1;
    const challenge = new Uint8Array(64);
    challenge.set((fromHex(challengeHex) ?? new Uint8Array(0)).subarray(0, 64));
    const words = Array.from({ length: 8 }, (_, i) => readLe(challenge, i * 8, 8));
    return smc(SMC_RSI_ATTESTATION_TOKEN_INIT, ...words);
  }
  if (f.phase === 1) {
    if (x0 !== BigInt(RSI_SUCCESS))
      return fail(op, 'RSI_ATTESTATION_TOKEN_INIT refused', rsiStatus(x0));
    f.vals.max_size = String(x[1] ?? 0n);
    f.phase = 2;
    return smc(SMC_RSI_ATTESTATION_TOKEN_CONTINUE, GUEST_TOKEN_IPA, 0, TOKEN_CHUNK);
  }
  if (f.phase === 2) {
    f.vals.calls = String(Number(f.vals.calls ?? '0') + 1);
    if (x0 === BigInt(RSI_INCOMPLETE) || x0 === BigInt(RSI_SUCCESS)) f.n += Number(x[1] ?? 0n);
    if (x0 === BigInt(RSI_INCOMPLETE)) {
      if (f.n >= LAB_ATTEST_TOKEN_MAX_SIZE) return fail(op, 'the token does not fit in one page');
      const size = Math.min(TOKEN_CHUNK, LAB_ATTEST_TOKEN_MAX_SIZE - f.n);
      return smc(SMC_RSI_ATTESTATION_TOKEN_CONTINUE, GUEST_TOKEN_IPA, f.n, size);
    }
    if (x0 !== BigInt(RSI_SUCCESS)) {
      return fail(op, 'RSI_ATTESTATION_TOKEN_CONTINUE refused', rsiStatus(x0));
    }
    f.phase = 3;
    last = undefined;
  }
  const r = readRange(f, last, GUEST_TOKEN_IPA, f.n);
  if ('issue' in r || 'done' in r) return r;
  return {
    done: {
      op: 'attest',
      ok: true,
      status: 'RSI_SUCCESS',
      values: {
        size: String(r.bytes.length),
        max_size: f.vals.max_size ?? '',
        calls: f.vals.calls ?? '',
      },
      data: toHex(r.bytes),
      labels: r.labels,
    },
  };
}

function hostCallStep(
  f: Frame,
  last: Last | undefined,
  op: Extract<GuestOp, { op: 'hostcall' }>,
): Step {
  const block = RSI_HOST_CALL;
  const x = last?.kind === 'ok' ? last.x : [];
  if (f.phase === 0) {
    // imm, then each register into its gprs slot.
    const imm = bytesOf(BigInt(op.imm), 8);
    const r = writeRange(f, last, GUEST_HOST_CALL_IPA + block.imm.offset, imm, []);
    if (r !== true) return r;
    f.phase = 1;
    f.n = 0;
    last = undefined;
  }
  while (f.phase === 1 && f.n < op.regs.length) {
    const source = op.regs[f.n]!;
    const slot = GUEST_HOST_CALL_IPA + block.gprs.offset + f.n * block.gprs.size;
    if ('value' in source) {
      const r = writeRange(f, last, slot, bytesOf(BigInt(source.value), 8), []);
      if (r !== true) return r;
    } else {
      const r = copyRange(f, last, source.from, slot, 8);
      if (r !== true) return r;
    }
    f.n += 1;
    last = undefined;
  }
  if (f.phase === 1) {
    f.phase = 2;
    return smc(SMC_RSI_HOST_CALL, GUEST_HOST_CALL_IPA);
  }
  if (f.phase === 2) {
    const x0 = x[0] ?? 0n;
    if (x0 !== BigInt(RSI_SUCCESS)) return fail(op, 'RSI_HOST_CALL refused', rsiStatus(x0));
    f.phase = 3;
    last = undefined;
  }
  const count = Math.max(1, op.regs.length);
  const r = readRange(f, last, GUEST_HOST_CALL_IPA + block.gprs.offset, count * block.gprs.size);
  if ('issue' in r || 'done' in r) return r;
  const values: Record<string, string> = {};
  for (let i = 0; i < count; i++) values[`x${i}`] = hex64(readLe(r.bytes, i * 8, 8));
  return { done: { op: 'hostcall', ok: true, status: 'RSI_SUCCESS', values } };
}

function sendStep(
  f: Frame,
  last: Last | undefined,
  op: Extract<GuestOp, { op: 'send' }>,
  env: Env,
): Step {
  const info = env.g.info;
  const layout = guestLayout(env.realm.ipaWidth, info?.ramPages ?? 0, info?.net ?? false);
  const device = layout.devices.find((d) => d.name === op.device);
  if (!device)
    return fail(op, `this realm has no ${op.device === 'net' ? 'network' : op.device} device`);
  const text = op.text !== undefined ? utf8(op.text).subarray(0, GUEST_MAX_TRANSFER) : undefined;
  const len = text ? text.length : Math.min(op.from?.len ?? 0, GUEST_MAX_TRANSFER);
  if (f.phase === 0) {
    const r = text
      ? writeRange(f, last, device.buffer, text, [])
      : copyRange(f, last, op.from?.ipa ?? 0, device.buffer, len, env);
    if (r !== true) return r;
    f.phase = 1;
    f.size = 8;
    return {
      issue: { kind: 'store', ipa: device.doorbell, size: 8, value: hex64(len), labels: [] },
    };
  }
  return { done: { op: 'send', ok: true, values: { device: op.device, bytes: String(len) } } };
}

/** Bytes of the network doorbell read that returns a received packet's length. */
const DOORBELL_READ_SIZE = 8;

function recvStep(
  f: Frame,
  last: Last | undefined,
  op: Extract<GuestOp, { op: 'recv' }>,
  env: Env,
): Step {
  const info = env.g.info;
  const layout = guestLayout(env.realm.ipaWidth, info?.ramPages ?? 0, info?.net ?? false);
  const device = layout.devices.find((d) => d.name === 'net');
  if (!device) return fail(op, 'this realm has no network device');
  if (f.phase === 0) {
    // Touch the shared buffer first, so the VMM has mapped it when the packet arrives.
    f.phase = 1;
    return { issue: { kind: 'load', ipa: device.buffer, size: 1 } };
  }
  if (f.phase === 1) {
    f.phase = 2;
    return { issue: { kind: 'load', ipa: device.doorbell, size: DOORBELL_READ_SIZE } };
  }
  if (f.phase === 2) {
    const len = Math.min(Number(last?.kind === 'ok' ? last.loaded : 0n), GUEST_MAX_TRANSFER);
    if (len === 0) return fail(op, 'no packet is waiting on the network device');
    f.n = len;
    f.phase = 3;
    last = undefined;
  }
  const r = copyRange(f, last, device.buffer, op.ipa, f.n, env);
  if (r !== true) return r;
  return {
    done: { op: 'recv', ok: true, values: { bytes: String(f.n) }, labels: f.labels },
  };
}

/** Turns an issue into the stop the RMM sees, setting the registers it uses. */
function toStop(rec: RecRecord, issue: Issue): GuestStop {
  switch (issue.kind) {
    case 'load':
      return {
        kind: 'access',
        access: 'read',
        ipa: issue.ipa,
        size: issue.size,
        register: LOAD_REGISTER,
      };
    case 'store': {
      const value = BigInt(issue.value);
      setGpr(rec, STORE_REGISTER, value);
      return {
        kind: 'access',
        access: 'write',
        ipa: issue.ipa,
        size: issue.size,
        register: STORE_REGISTER,
        value,
        ...(issue.labels.length > 0 ? { labels: issue.labels } : {}),
      };
    }
    case 'smc':
      for (let i = 1; i < SMC_REGISTER_COUNT; i++) setGpr(rec, i, 0n);
      setGpr(rec, 0, issue.fid);
      issue.args.forEach((a, i) => setGpr(rec, i + 1, BigInt(a)));
      return { kind: 'smc' };
    case 'hvc':
      return { kind: 'hvc' };
  }
}

/** What became of the pending instruction, judged from the PC and the entry. */
function outcomeOf(rec: RecRecord, entry: GuestEntry, pendingPc: string): Last | 'again' {
  if (entry.sea)
    return { kind: 'sea', ...(entry.sea.ipa !== undefined ? { ipa: entry.sea.ipa } : {}) };
  if (entry.undef) return { kind: 'undef' };
  if (BigInt(rec.pc) === BigInt(pendingPc)) return 'again';
  return {
    kind: 'ok',
    x: Array.from({ length: SMC_RESULT_REGISTERS }, (_, i) => gpr(rec, i)),
    loaded: gpr(rec, LOAD_REGISTER),
    labels: [...(entry.loadLabels ?? [])],
  };
}

function newFrame(op: GuestOp): Frame {
  return { op, phase: 0, pos: 0, size: 0, acc: '', labels: [], carry: null, n: 0, vals: {} };
}

/** The lab guest model (see the file header). With nothing queued it idles in WFI. */
export const GUEST_MODEL: GuestRunner = {
  name: 'lab-guest',
  run(ctx, realm, rec, entry) {
    let g = mutableScratch(rec);
    if (!g) {
      if (rec.index !== 0) return { kind: 'wfi' };
      g = newScratch(rec, bootQueue(rec));
    }
    let last: Last | undefined;
    if (g.pending) {
      const outcome = outcomeOf(rec, entry, g.pending.pc);
      // Not completed (the host mapped memory and re-entered): execute it again.
      if (outcome === 'again') return toStop(rec, g.pending.issue);
      last = outcome;
      g.pending = null;
    }
    for (let i = 0; i < MAX_OPS_PER_RUN; i++) {
      if (!g.frame) {
        const op = g.queue.shift();
        if (!op) return { kind: 'wfi' };
        g.frame = newFrame(op);
        last = undefined;
      }
      const f = g.frame;
      let step: Step;
      if (last && last.kind === 'sea') {
        const at = last.ipa === undefined ? '' : ` at IPA ${hex64(last.ipa)}`;
        const failed = fail(
          f.op,
          `synchronous external abort${at} (the realm's access was refused)`,
        );
        step =
          last.ipa === undefined || !('done' in failed)
            ? failed
            : { done: { ...failed.done, seaIpa: last.ipa } };
      } else if (last && last.kind === 'undef' && f.op.op !== 'hvc') {
        step = fail(f.op, 'undefined instruction exception');
      } else {
        step = handle(f, last, { ctx, realm, rec, g });
      }
      last = undefined;
      if ('done' in step) {
        const fromApp = f.op.op !== 'boot' && (g.appOps ?? 0) > 0;
        if (fromApp) g.appOps = (g.appOps ?? 1) - 1;
        g.results.push(fromApp && g.info ? { ...step.done, app: g.info.app } : step.done);
        g.frame = null;
        continue;
      }
      g.pending = { pc: rec.pc, issue: step.issue };
      return toStop(rec, step.issue);
    }
    return { kind: 'irq' };
  },
};
