/**
 * RMI REC commands: RMI_REC_CREATE (DEN0137 B4.3.12), RMI_REC_DESTROY (DEN0137 B4.3.13),
 * RMI_REC_AUX_COUNT (DEN0137 B4.3.11), RMI_REC_ENTER (DEN0137 B4.3.14); cca-spec.md §2.3,
 * §2.5, §3.3, §5.4.
 *
 * Orderings: REC_CREATE keeps the spec listing order (TF-RMM checks the aux granules
 * first; both are compliant since all but realm_state/num_recs return RMI_ERROR_INPUT).
 * REC_ENTER lists the run_* and rec_* granule checks first, as the spec requires, then the
 * REC and realm checks in TF-RMM's order for determinism: rec_state, realm_new, system_off,
 * rec_runnable, rec_psci, rec_gicv3, rec_mmio.
 */
import { hex64 } from '../../../lib/bits.ts';
import { fromHex, toHex } from '../../../lib/bytes.ts';
import { GRANULE_SIZE } from '../../abi/gpt.ts';
import {
  ICH_HCR_EL2_HOST_MASK,
  ICH_LR_EL2_HW_BIT,
  MAX_REC_AUX_GRANULES,
  REC_NUM_GPRS,
  RMI_ERROR_INPUT,
  RMI_ERROR_REALM,
  RMI_ERROR_REC,
  RMI_RUNNABLE,
  SMC_RMI_REC_AUX_COUNT,
  SMC_RMI_REC_CREATE,
  SMC_RMI_REC_DESTROY,
  SMC_RMI_REC_ENTER,
} from '../../abi/rmi.ts';
import { RMI_REC_RUN_EXIT, RMI_REC_RUN_HALF_SIZE, RMI_STRUCT_SIZE } from '../../abi/rmi-structs.ts';
import { LAB_MAX_RECS_ORDER, LAB_REC_AUX_COUNT } from '../../abi/rmm-impl.ts';
import { assert } from '../../../lib/assert.ts';
import type { Ctx } from '../../context.ts';
import { toPa } from '../../hw/memory-map.ts';
import { physWrite, RMM_VIA_NS } from '../../hw/memory.ts';
import type { RealmRecord, RecRecord } from '../../state.ts';
import { firstFailure, type FailureCondition } from '../conditions.ts';
import { granuleState, transitionGranule } from '../granule.ts';
import { extendRimRec } from '../measure/index.ts';
import { recIndexOf } from '../rec-index.ts';
import { enterRec } from '../rec-run.ts';
import { paKey } from '../rtt.ts';
import {
  decodeRecEnter,
  decodeRecEnterFlags,
  decodeRecParams,
  encodeRecExit,
  isDecodedZeroes,
  type RecEnter,
  type RecEnterFlags,
  type RecParams,
} from '../structs.ts';
import {
  alignCondition,
  boundCondition,
  nsReadCondition,
  paOf,
  pasOf,
  peekStruct,
  rdConditions,
  realmAt,
  recAt,
  stateCondition,
} from './common.ts';
import { refuse, success, type RmiCommandSpec } from './types.ts';

/** The RmiRecExit each REC_ENTER encodes before writing it back (physWrite copies it). */
const exitScratch = new Uint8Array(RMI_REC_RUN_HALF_SIZE);

/** Most RECs a realm may have: 2^MAX_RECS_ORDER - 1. */
const MAX_RECS = 2 ** LAB_MAX_RECS_ORDER - 1;

interface CreateInput {
  readonly ctx: Ctx;
  readonly rd: bigint;
  readonly rec: bigint;
  readonly paramsPtr: bigint;
  params?: RecParams;
}

function recParams(c: CreateInput): RecParams {
  assert(c.params, 'REC params read before params_pas');
  return c.params;
}

/** The aux addresses the params name (the first num_aux, at most MAX_REC_AUX_GRANULES). */
function auxAddrs(c: CreateInput): bigint[] {
  return auxOf(recParams(c));
}

/** The aux addresses `p` names (the first num_aux, at most MAX_REC_AUX_GRANULES). */
function auxOf(p: RecParams): bigint[] {
  const max = BigInt(MAX_REC_AUX_GRANULES);
  return p.aux.slice(0, Number(p.numAux < max ? p.numAux : max));
}

/** RMI_REC_CREATE failure conditions, spec order. */
export const REC_CREATE_CONDITIONS: readonly FailureCondition<CreateInput>[] = [
  alignCondition('params_align', 'params_ptr', (c) => c.paramsPtr),
  boundCondition('params_bound', 'params_ptr', (c) => c.paramsPtr),
  nsReadCondition(
    'params_pas',
    'params_ptr',
    (c) => c.paramsPtr,
    RMI_STRUCT_SIZE,
    (c, bytes) => {
      c.params = decodeRecParams(bytes);
    },
  ),
  alignCondition('rec_align', 'rec', (c) => c.rec),
  boundCondition('rec_bound', 'rec', (c) => c.rec),
  stateCondition('rec_state', 'rec', (c) => c.rec, 'DELEGATED'),
  ...rdConditions<CreateInput>(),
  {
    label: 'realm_state',
    status: RMI_ERROR_REALM,
    fails: ({ ctx, rd }) => {
      const realm = realmAt(ctx, rd);
      return realm.state !== 'NEW' && `the realm at ${hex64(rd)} is ${realm.state}, expected NEW`;
    },
  },
  {
    label: 'num_recs',
    status: RMI_ERROR_REALM,
    fails: ({ ctx, rd }) =>
      realmAt(ctx, rd).numRecs >= MAX_RECS &&
      `the realm at ${hex64(rd)} already has the most RECs this RMM allows (${MAX_RECS})`,
  },
  {
    label: 'mpidr_index',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const mpidr = recParams(c).mpidr;
      const index = recIndexOf(mpidr);
      const expected = realmAt(c.ctx, c.rd).recIndex;
      if (index === undefined) return `mpidr ${hex64(mpidr)} sets bits that must be zero`;
      return (
        index !== expected &&
        `mpidr ${hex64(mpidr)} is REC index ${index}; RECs are created in order and the next is ${expected}`
      );
    },
  },
  {
    label: 'num_aux',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const n = recParams(c).numAux;
      return (
        n !== BigInt(LAB_REC_AUX_COUNT) &&
        `num_aux is ${n}; RMI_REC_AUX_COUNT says ${LAB_REC_AUX_COUNT}`
      );
    },
  },
  {
    label: 'aux_align',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const bad = auxAddrs(c).find((a) => a % BigInt(GRANULE_SIZE) !== 0n);
      return bad !== undefined && `aux granule ${hex64(bad)} is not 4 KiB aligned`;
    },
  },
  {
    label: 'aux_alias',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const aux = auxAddrs(c);
      const bad = aux.find((a, i) => a === c.rec || aux.indexOf(a) !== i);
      return (
        bad !== undefined &&
        `aux granule ${hex64(bad)} is ${bad === c.rec ? 'the REC itself' : 'listed twice'}`
      );
    },
  },
  {
    label: 'aux_state',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      for (const a of auxAddrs(c)) {
        const pa = toPa(a);
        const state = pa === undefined ? 'UNDELEGATED' : granuleState(c.ctx.state, pa);
        if (state !== 'DELEGATED') return `aux granule ${hex64(a)} is ${state}, expected DELEGATED`;
      }
      return false;
    },
  },
];

function createRec(ctx: Ctx, c: CreateInput): void {
  const p = recParams(c);
  const realm = realmAt(ctx, c.rd);
  const recPa = paOf(c.rec);
  const runnable = (p.flags & 1n) === BigInt(RMI_RUNNABLE);
  const aux = auxAddrs(c).map(paOf);
  transitionGranule(ctx, recPa, 'DELEGATED', 'REC', 'RMI_REC_CREATE', realm.rd);
  for (const a of aux)
    transitionGranule(ctx, a, 'DELEGATED', 'REC_AUX', 'RMI_REC_CREATE', realm.rd);
  const record: RecRecord = {
    rec: recPa,
    owner: realm.rd,
    state: 'READY',
    mpidr: hex64(p.mpidr),
    index: realm.recIndex,
    runnable,
    pc: hex64(p.pc),
    gprs: Array.from({ length: REC_NUM_GPRS }, (_, i) => hex64(p.gprs[i] ?? 0n)),
    aux,
    pending: { kind: 'none' },
    ripasAddr: 0,
    ripasTop: 0,
    ripasValue: 'EMPTY',
    ripasDestroyed: false,
    gicv3Hcr: '0x0',
    gicv3Lrs: [],
    guest: {},
  };
  ctx.state.rmm.recs[paKey(recPa)] = record;
  realm.recIndex += 1;
  realm.numRecs += 1;
  const rdRecord = ctx.state.granules[realm.rd / GRANULE_SIZE];
  assert(rdRecord, 'realm without an RD granule record');
  rdRecord.refcount += 1;
  if (runnable) {
    const rim = fromHex(realm.rim)!;
    realm.rim = toHex(
      extendRimRec(realm.hashAlgo, rim, { flags: p.flags, pc: p.pc, gprs: p.gprs }),
    );
  }
}

interface RecInput {
  readonly ctx: Ctx;
  readonly rec: bigint;
}

/** RMI_REC_DESTROY failure conditions, spec order. */
export const REC_DESTROY_CONDITIONS: readonly FailureCondition<RecInput>[] = [
  alignCondition('rec_align', 'rec', (c) => c.rec),
  boundCondition('rec_bound', 'rec', (c) => c.rec),
  stateCondition('rec_gran_state', 'rec', (c) => c.rec, 'REC'),
  {
    label: 'rec_state',
    status: RMI_ERROR_REC,
    fails: ({ ctx, rec }) =>
      recAt(ctx, rec).state === 'RUNNING' && `the REC at ${hex64(rec)} is running`,
  },
];

interface AuxCountInput {
  readonly ctx: Ctx;
  readonly rd: bigint;
}

/** RMI_REC_AUX_COUNT failure conditions, spec order. */
export const REC_AUX_COUNT_CONDITIONS: readonly FailureCondition<AuxCountInput>[] =
  rdConditions<AuxCountInput>();

interface EnterInput {
  readonly ctx: Ctx;
  readonly rec: bigint;
  readonly runPtr: bigint;
  enter?: RecEnter;
  /** RmiRecEnter.flags unpacked, once rec_mmio needed them (the entry uses them too). */
  flags?: RecEnterFlags;
  /** The REC's record, once rec_gran_state found a REC (looked up once, not per condition). */
  record?: RecRecord;
  /** The owner's record, once rec_state found the REC (looked up once, not per condition). */
  owner?: RealmRecord;
}

function recordOf(c: EnterInput): RecRecord {
  c.record ??= recAt(c.ctx, c.rec);
  return c.record;
}

function recEnter(c: EnterInput): RecEnter {
  assert(c.enter, 'RecEnter read before run_pas');
  return c.enter;
}

function flagsOf(c: EnterInput): RecEnterFlags {
  c.flags ??= decodeRecEnterFlags(recEnter(c).flags);
  return c.flags;
}

function ownerOf(c: EnterInput): RealmRecord {
  c.owner ??= realmAt(c.ctx, BigInt(recordOf(c).owner));
  return c.owner;
}

/** ICH_LR_EL2.HW's position as a shift of a 64-bit list register value. */
const ICH_LR_EL2_HW_SHIFT = BigInt(ICH_LR_EL2_HW_BIT);

/** RMI_REC_ENTER failure conditions (granule checks first, then TF-RMM's order). */
export const REC_ENTER_CONDITIONS: readonly FailureCondition<EnterInput>[] = [
  alignCondition('run_align', 'run_ptr', (c) => c.runPtr),
  boundCondition('run_bound', 'run_ptr', (c) => c.runPtr),
  nsReadCondition(
    'run_pas',
    'run_ptr',
    (c) => c.runPtr,
    RMI_STRUCT_SIZE,
    (c, bytes) => {
      // RmiRecEnter is the first half of the granule; its decoder reads no further.
      c.enter = decodeRecEnter(bytes);
    },
    true,
  ),
  alignCondition('rec_align', 'rec', (c) => c.rec),
  boundCondition('rec_bound', 'rec', (c) => c.rec),
  stateCondition('rec_gran_state', 'rec', (c) => c.rec, 'REC'),
  {
    label: 'rec_state',
    status: RMI_ERROR_REC,
    fails: (c) =>
      recordOf(c).state === 'RUNNING' && `the REC at ${hex64(c.rec)} is already running`,
  },
  {
    label: 'realm_new',
    status: RMI_ERROR_REALM,
    index: () => 0,
    fails: (c) =>
      ownerOf(c).state === 'NEW' &&
      `the realm at ${paKey(ownerOf(c).rd)} is NEW; activate it before entering a REC`,
  },
  {
    label: 'system_off',
    status: RMI_ERROR_REALM,
    index: () => 1,
    fails: (c) =>
      ownerOf(c).state === 'SYSTEM_OFF' &&
      `the realm at ${paKey(ownerOf(c).rd)} is SYSTEM_OFF; it can only be torn down`,
  },
  {
    label: 'rec_runnable',
    status: RMI_ERROR_REC,
    fails: (c) =>
      !recordOf(c).runnable &&
      `the REC at ${hex64(c.rec)} is NOT_RUNNABLE (start it with PSCI_CPU_ON from another REC)`,
  },
  {
    label: 'rec_psci',
    status: RMI_ERROR_REC,
    fails: (c) =>
      recordOf(c).pending.kind === 'psci' &&
      `the REC at ${hex64(c.rec)} waits for RMI_PSCI_COMPLETE`,
  },
  {
    label: 'rec_gicv3',
    status: RMI_ERROR_REC,
    fails: (c) => {
      const e = recEnter(c);
      if ((e.gicv3Hcr & ~ICH_HCR_EL2_HOST_MASK) !== 0n) {
        return `gicv3_hcr ${hex64(e.gicv3Hcr)} sets bits the host may not control`;
      }
      const lrs = e.gicv3Lrs;
      if (isDecodedZeroes(lrs)) return false;
      for (let lr = 0; lr < lrs.length; lr++)
        if (lrs[lr] !== 0n && ((lrs[lr]! >> ICH_LR_EL2_HW_SHIFT) & 1n) === 1n)
          return `gicv3_lrs[${lr}] has HW = 1`;
      return false;
    },
  },
  {
    label: 'rec_mmio',
    status: RMI_ERROR_REC,
    fails: (c) => {
      const flags = flagsOf(c);
      const pending = recordOf(c).pending;
      const emulatable = pending.kind === 'mmio' && pending.emulatable;
      return (
        flags.emulMmio &&
        !emulatable &&
        'emul_mmio is set but the last exit was not an emulatable data abort'
      );
    },
  },
];

/** REC family. */
export const REC_COMMANDS: readonly RmiCommandSpec[] = [
  {
    fid: SMC_RMI_REC_CREATE,
    name: 'RMI_REC_CREATE',
    section: 'DEN0137 B4.3.12',
    args: ['rd', 'rec', 'params_ptr'],
    results: [],
    summary: 'create a REC (vCPU) of a NEW realm from RmiRecParams; measured if runnable',
    consumes: (state, [, rec = 0n, paramsPtr = 0n]) => {
      const bytes = peekStruct(state, paramsPtr, RMI_STRUCT_SIZE);
      const params = bytes ? decodeRecParams(bytes) : undefined;
      return pasOf([rec, ...(params ? auxOf(params) : [])]);
    },
    handler(ctx, [rd = 0n, rec = 0n, paramsPtr = 0n]) {
      const input: CreateInput = { ctx, rd, rec, paramsPtr };
      const failure = firstFailure(REC_CREATE_CONDITIONS, input);
      if (failure) return refuse(failure);
      createRec(ctx, input);
      return success();
    },
  },
  {
    fid: SMC_RMI_REC_DESTROY,
    name: 'RMI_REC_DESTROY',
    section: 'DEN0137 B4.3.13',
    args: ['rec'],
    results: [],
    summary: 'destroy a REC that is not running; REC and aux granules -> DELEGATED',
    handler(ctx, [rec = 0n]) {
      const failure = firstFailure(REC_DESTROY_CONDITIONS, { ctx, rec });
      if (failure) return refuse(failure);
      const record = recAt(ctx, rec);
      const realm = realmAt(ctx, BigInt(record.owner));
      for (const a of record.aux)
        transitionGranule(ctx, a, 'REC_AUX', 'DELEGATED', 'RMI_REC_DESTROY');
      transitionGranule(ctx, record.rec, 'REC', 'DELEGATED', 'RMI_REC_DESTROY');
      delete ctx.state.rmm.recs[paKey(record.rec)];
      realm.numRecs -= 1;
      const rdRecord = ctx.state.granules[realm.rd / GRANULE_SIZE];
      assert(rdRecord, 'realm without an RD granule record');
      rdRecord.refcount -= 1;
      return success();
    },
  },
  {
    fid: SMC_RMI_REC_AUX_COUNT,
    name: 'RMI_REC_AUX_COUNT',
    section: 'DEN0137 B4.3.11',
    args: ['rd'],
    results: ['aux_count'],
    summary: 'how many aux granules each REC of this realm needs',
    handler(ctx, [rd = 0n]) {
      const failure = firstFailure(REC_AUX_COUNT_CONDITIONS, { ctx, rd });
      if (failure) return refuse(failure);
      return success(BigInt(LAB_REC_AUX_COUNT));
    },
  },
  {
    fid: SMC_RMI_REC_ENTER,
    name: 'RMI_REC_ENTER',
    section: 'DEN0137 B4.3.14',
    args: ['rec', 'run_ptr'],
    results: [],
    summary: 'run a REC until it exits; RmiRecRun.exit says why',
    handler(ctx, [rec = 0n, runPtr = 0n]) {
      const input: EnterInput = { ctx, rec, runPtr };
      const failure = firstFailure(REC_ENTER_CONDITIONS, input);
      if (failure) return refuse(failure);
      const enter = recEnter(input);
      const exit = enterRec(ctx, ownerOf(input), recordOf(input), enter, flagsOf(input));
      const runPa = paOf(runPtr);
      const wrote = physWrite(
        ctx,
        RMM_VIA_NS,
        runPa + RMI_REC_RUN_EXIT,
        encodeRecExit(exit, exitScratch, enter),
      );
      // run_pas read the whole granule through the NS PAS and nothing a realm does changes
      // the GPT, so the write back cannot fault.
      if (!wrote.ok) assert(false, `RmiRecExit write to ${hex64(runPa)} faulted after run_pas`);
      return success();
    },
  },
];
