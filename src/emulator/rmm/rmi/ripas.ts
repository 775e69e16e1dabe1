/**
 * RMI RIPAS commands: RMI_RTT_INIT_RIPAS (DEN0137 B4.3.18) and RMI_RTT_SET_RIPAS (DEN0137
 * B4.3.21); cca-spec.md §2.3, §3.4, §4.3, §5.5.
 *
 * Both walk towards level 3 from `base` and process consecutive entries of the single RTT
 * where the walk stopped, each of that level's size, up to `top` or the end of that RTT.
 * Only whole entries inside [base, top) change (a block that straddles `top` stops the
 * range, as in TF-RMM); the host loops on the returned out_top.
 *
 * Orderings: [rd_bound, rd_state] < [realm_state, base_align, rtte_state, no_progress],
 * [rec_bound, rec_gran_state] < [rec_state, rec_owner], [base_bound] < [base_align] and
 * [top_gran_align] < [no_progress] all follow from the listing order.
 */
import { hex64 } from '../../../lib/bits.ts';
import { fromHex, toHex } from '../../../lib/bytes.ts';
import { GRANULE_SIZE } from '../../abi/gpt.ts';
import {
  RMI_ERROR_INPUT,
  RMI_ERROR_REALM,
  RMI_ERROR_REC,
  RMI_ERROR_RTT,
  RTT_PAGE_LEVEL,
  SMC_RMI_RTT_INIT_RIPAS,
  SMC_RMI_RTT_SET_RIPAS,
  type Ripas,
} from '../../abi/rmi.ts';
import type { Ctx } from '../../context.ts';
import type { RealmRecord, RttEntry } from '../../state.ts';
import { firstFailure, type FailureCondition } from '../conditions.ts';
import { extendRimRipas } from '../measure/index.ts';
import { entrySize, rttAt, walkRtt, type RttWalk } from '../rtt.ts';
import {
  alignCondition,
  boundCondition,
  rdConditions,
  realmAt,
  recAt,
  stateCondition,
} from './common.ts';
import { refuse, success, type RmiCommandSpec } from './types.ts';

interface RipasInput {
  readonly ctx: Ctx;
  readonly rd: bigint;
  readonly rec: bigint;
  readonly base: bigint;
  readonly top: bigint;
  walk?: RttWalk;
}

function realm(c: RipasInput): RealmRecord {
  return realmAt(c.ctx, c.rd);
}

function walk(c: RipasInput): RttWalk {
  c.walk ??= walkRtt(c.ctx.state, realm(c), Number(c.base), RTT_PAGE_LEVEL);
  return c.walk;
}

/** One entry a RIPAS command may process: its RTT index and IPA range. */
interface Step {
  readonly index: number;
  readonly base: number;
  readonly end: number;
  readonly entry: RttEntry;
}

/** The entries of the walked RTT from the walked one on, up to `top` or the RTT's end. */
function stepsFrom(c: RipasInput): Step[] {
  const w = walk(c);
  const rtt = rttAt(c.ctx.state, w.rtt);
  const size = entrySize(w.level);
  const top = Number(c.top);
  const out: Step[] = [];
  for (let i = w.index; i < rtt.entries.length; i++) {
    const base = rtt.base + i * size;
    if (base >= top) break;
    out.push({ index: i, base, end: base + size, entry: rtt.entries[i]! });
  }
  return out;
}

/** RTT_INIT_RIPAS: leading whole UNASSIGNED entries inside [base, top). */
function initSteps(c: RipasInput): Step[] {
  const out: Step[] = [];
  for (const s of stepsFrom(c)) {
    if (s.end > Number(c.top) || s.entry.state !== 'UNASSIGNED') break;
    out.push(s);
  }
  return out;
}

/** RTT_SET_RIPAS: leading entries the requested RIPAS may be applied to. */
function setSteps(c: RipasInput): Step[] {
  const rec = recAt(c.ctx, c.rec);
  const out: Step[] = [];
  for (const s of stepsFrom(c)) {
    const e = s.entry;
    if (e.state !== 'UNASSIGNED' && e.state !== 'ASSIGNED') break;
    if (e.ripas === rec.ripasValue) {
      out.push(s);
      continue;
    }
    if (s.end > Number(c.top)) break;
    if (e.ripas === 'DESTROYED' && !rec.ripasDestroyed) break;
    out.push(s);
  }
  return out;
}

const sizeValid: FailureCondition<RipasInput> = {
  label: 'size_valid',
  status: RMI_ERROR_INPUT,
  fails: ({ base, top }) => top <= base && `top ${hex64(top)} is not above base ${hex64(base)}`,
};

const topGranAlign: FailureCondition<RipasInput> = {
  label: 'top_gran_align',
  status: RMI_ERROR_INPUT,
  fails: ({ top }) => top % BigInt(GRANULE_SIZE) !== 0n && `top ${hex64(top)} is not 4 KiB aligned`,
};

function noProgress(steps: (c: RipasInput) => Step[]): FailureCondition<RipasInput> {
  return {
    label: 'no_progress',
    status: RMI_ERROR_RTT,
    index: (c) => walk(c).level,
    fails: (c) =>
      steps(c).length === 0 &&
      `no RTT entry could be processed from ${hex64(c.base)}: the level ${walk(c).level} entry there covers more than [base, top) or is not in a state this command changes`,
  };
}

function baseAlign(applies: (c: RipasInput) => boolean): FailureCondition<RipasInput> {
  return {
    label: 'base_align',
    status: RMI_ERROR_RTT,
    index: (c) => walk(c).level,
    fails: (c) => {
      const size = BigInt(entrySize(walk(c).level));
      return (
        c.base % size !== 0n &&
        applies(c) &&
        `base ${hex64(c.base)} is not aligned to the level ${walk(c).level} entry size ${hex64(size)}`
      );
    },
  };
}

/** RMI_RTT_INIT_RIPAS failure conditions, spec order. */
export const RTT_INIT_RIPAS_CONDITIONS: readonly FailureCondition<RipasInput>[] = [
  ...rdConditions<RipasInput>(),
  sizeValid,
  {
    label: 'top_bound',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const limit = 1n << BigInt(realm(c).ipaWidth - 1);
      return (
        c.top > limit && `top ${hex64(c.top)} goes beyond the protected IPA range (${hex64(limit)})`
      );
    },
  },
  {
    label: 'realm_state',
    status: RMI_ERROR_REALM,
    fails: (c) =>
      realm(c).state !== 'NEW' && `the realm at ${hex64(c.rd)} is ${realm(c).state}, expected NEW`,
  },
  baseAlign(() => true),
  {
    label: 'rtte_state',
    status: RMI_ERROR_RTT,
    index: (c) => walk(c).level,
    fails: (c) =>
      walk(c).entry.state !== 'UNASSIGNED' &&
      `the level ${walk(c).level} entry for ${hex64(c.base)} is ${walk(c).entry.state}, expected UNASSIGNED`,
  },
  topGranAlign,
  noProgress(initSteps),
];

/** RMI_RTT_SET_RIPAS failure conditions, spec order. */
export const RTT_SET_RIPAS_CONDITIONS: readonly FailureCondition<RipasInput>[] = [
  ...rdConditions<RipasInput>(),
  alignCondition('rec_align', 'rec', (c) => c.rec),
  boundCondition('rec_bound', 'rec', (c) => c.rec),
  stateCondition('rec_gran_state', 'rec', (c) => c.rec, 'REC'),
  {
    label: 'rec_state',
    status: RMI_ERROR_REC,
    fails: (c) =>
      recAt(c.ctx, c.rec).state === 'RUNNING' && `the REC at ${hex64(c.rec)} is running`,
  },
  {
    label: 'rec_owner',
    status: RMI_ERROR_REC,
    fails: (c) =>
      BigInt(recAt(c.ctx, c.rec).owner) !== c.rd &&
      `the REC at ${hex64(c.rec)} belongs to the realm at ${hex64(recAt(c.ctx, c.rec).owner)}`,
  },
  sizeValid,
  {
    label: 'base_bound',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const next = recAt(c.ctx, c.rec).ripasAddr;
      return (
        c.base !== BigInt(next) &&
        `base ${hex64(c.base)} is not where the REC's RIPAS change continues (${hex64(next)})`
      );
    },
  },
  {
    label: 'top_bound',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const top = recAt(c.ctx, c.rec).ripasTop;
      return (
        c.top > BigInt(top) &&
        `top ${hex64(c.top)} is beyond what the realm requested (${hex64(top)})`
      );
    },
  },
  baseAlign((c) => {
    const e = walk(c).entry;
    return !('ripas' in e) || e.ripas !== recAt(c.ctx, c.rec).ripasValue;
  }),
  topGranAlign,
  noProgress(setSteps),
];

function setRipas(c: RipasInput, steps: readonly Step[], ripas: Ripas): void {
  const rtt = rttAt(c.ctx.state, walk(c).rtt);
  c.ctx.translations?.flush();
  for (const s of steps) {
    const e = s.entry;
    if (e.state === 'UNASSIGNED' || e.state === 'ASSIGNED') {
      rtt.entries[s.index] = { ...e, ripas };
    }
  }
}

/** RIPAS family. */
export const RIPAS_COMMANDS: readonly RmiCommandSpec[] = [
  {
    fid: SMC_RMI_RTT_INIT_RIPAS,
    name: 'RMI_RTT_INIT_RIPAS',
    section: 'DEN0137 B4.3.18',
    args: ['rd', 'base', 'top'],
    results: ['out_top'],
    summary: 'set RIPAS RAM on unassigned IPAs of a NEW realm (measured, per RTT entry)',
    handler(ctx, [rd = 0n, base = 0n, top = 0n]) {
      const c: RipasInput = { ctx, rd, rec: 0n, base, top };
      const failure = firstFailure(RTT_INIT_RIPAS_CONDITIONS, c);
      if (failure) return refuse(failure);
      const steps = initSteps(c);
      setRipas(c, steps, 'RAM');
      const r = realm(c);
      let rim = fromHex(r.rim)!;
      for (const s of steps) {
        rim = extendRimRipas(r.hashAlgo, rim, BigInt(s.base), BigInt(Math.min(s.end, Number(top))));
      }
      r.rim = toHex(rim);
      return success(BigInt(steps.at(-1)!.end));
    },
  },
  {
    fid: SMC_RMI_RTT_SET_RIPAS,
    name: 'RMI_RTT_SET_RIPAS',
    section: 'DEN0137 B4.3.21',
    args: ['rd', 'rec', 'base', 'top'],
    results: ['out_top'],
    summary: "apply a realm's RSI_IPA_STATE_SET request to the RTTs",
    handler(ctx, [rd = 0n, rec = 0n, base = 0n, top = 0n]) {
      const c: RipasInput = { ctx, rd, rec, base, top };
      const failure = firstFailure(RTT_SET_RIPAS_CONDITIONS, c);
      if (failure) return refuse(failure);
      const record = recAt(ctx, rec);
      const steps = setSteps(c);
      setRipas(c, steps, record.ripasValue);
      const outTop = Math.min(steps.at(-1)!.end, Number(top));
      record.ripasAddr = outTop;
      return success(BigInt(outTop));
    },
  },
];
