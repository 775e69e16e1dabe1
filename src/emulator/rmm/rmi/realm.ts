/**
 * RMI realm commands: RMI_REALM_CREATE (DEN0137 B4.3.9), RMI_REALM_ACTIVATE (DEN0137
 * B4.3.8), RMI_REALM_DESTROY (DEN0137 B4.3.10); cca-spec.md §2.3, §3.2, §5.2.
 *
 * REALM_CREATE's conditions all return RMI_ERROR_INPUT, so their order is unobservable;
 * they are listed in spec order. For ACTIVATE and DESTROY the spec orders [rd_bound,
 * rd_state] before the realm checks, which the listing order satisfies.
 */
import { getField, hex64 } from '../../../lib/bits.ts';
import { toHex } from '../../../lib/bytes.ts';
import { GRANULE_SIZE } from '../../abi/gpt.ts';
import {
  RMI_ERROR_INPUT,
  RMI_ERROR_REALM,
  RMI_REALM_FLAGS_DEFINED_MASK,
  RMI_REALM_FLAGS_LPA2,
  RMI_REALM_FLAGS_PMU,
  RMI_REALM_FLAGS_SVE,
  REALM_NUM_REMS,
  S2TT_MAX_CONCAT_TABLES,
  SMC_RMI_REALM_ACTIVATE,
  SMC_RMI_REALM_CREATE,
  SMC_RMI_REALM_DESTROY,
} from '../../abi/rmi.ts';
import { RMI_STRUCT_SIZE } from '../../abi/rmi-structs.ts';
import {
  LAB_FEAT_LPA2,
  LAB_FEAT_PMU,
  LAB_FEAT_SVE,
  LAB_HASH_SHA_256,
  LAB_HASH_SHA_512,
  LAB_MAX_IPA_WIDTH,
  LAB_MAX_SVE_VL,
  LAB_NUM_BPS,
  LAB_NUM_WPS,
  LAB_PMU_NUM_CTRS,
  LAB_VMID_BITS,
} from '../../abi/rmm-impl.ts';
import { MEASUREMENT_SIZE } from '../../abi/measurement.ts';
import type { Ctx } from '../../context.ts';
import { toPa } from '../../hw/memory-map.ts';
import type { RealmRecord, RttEntry } from '../../state.ts';
import { firstFailure, type FailureCondition } from '../conditions.ts';
import { granuleState, transitionGranule } from '../granule.ts';
import { rimInit, rmmHashAlgoFromParam } from '../measure/index.ts';
import {
  entrySize,
  isProtectedIpa,
  liveEntryCount,
  paKey,
  rttAt,
  rttConfigProblem,
  startingRtts,
  tableSpan,
  uniformEntries,
} from '../rtt.ts';
import { decodeRealmParams, type RealmParams } from '../structs.ts';
import {
  alignCondition,
  boundCondition,
  nsReadCondition,
  paOf,
  pasOf,
  peekStruct,
  rdConditions,
  realmAt,
  stateCondition,
} from './common.ts';
import { refuse, success, type RmiCommandSpec } from './types.ts';

interface CreateInput {
  readonly ctx: Ctx;
  readonly rd: bigint;
  readonly paramsPtr: bigint;
  /** Filled by `params_pas` once the RMM has read the host's RmiRealmParams. */
  params?: RealmParams;
}

function params(c: CreateInput): RealmParams {
  return c.params!;
}

/** The problems that make RmiRealmParams an invalid encoding (`params_valid`). */
function invalidEncoding(p: RealmParams): string | false {
  if ((p.flags & ~RMI_REALM_FLAGS_DEFINED_MASK) !== 0n) {
    return `flags ${hex64(p.flags)} set bits that should be zero`;
  }
  if (rmmHashAlgoFromParam(p.hashAlgo) === undefined) {
    return `hash_algo ${p.hashAlgo} is not RMI_HASH_SHA_256 (0) or RMI_HASH_SHA_512 (1)`;
  }
  if (p.numBps === 0n) return 'num_bps 0 is a reserved encoding';
  if (p.numWps === 0n) return 'num_wps 0 is a reserved encoding';
  return false;
}

/** The features RmiRealmParams asks for that this RMM does not offer (`params_supp`). */
function unsupported(p: RealmParams): string | false {
  if (getField(p.flags, RMI_REALM_FLAGS_LPA2) === 1n && !LAB_FEAT_LPA2) {
    return 'LPA2 is requested but not supported';
  }
  if (getField(p.flags, RMI_REALM_FLAGS_SVE) === 1n && !LAB_FEAT_SVE) {
    return 'SVE is requested but not supported';
  }
  if (p.sveVl > BigInt(LAB_MAX_SVE_VL)) return `sve_vl ${p.sveVl} exceeds ${LAB_MAX_SVE_VL}`;
  if (getField(p.flags, RMI_REALM_FLAGS_PMU) === 1n && !LAB_FEAT_PMU) {
    return 'a PMU is requested but not supported';
  }
  if (p.pmuNumCtrs > BigInt(LAB_PMU_NUM_CTRS)) {
    return `pmu_num_ctrs ${p.pmuNumCtrs} exceeds ${LAB_PMU_NUM_CTRS}`;
  }
  if (p.numBps > BigInt(LAB_NUM_BPS)) return `num_bps ${p.numBps} exceeds ${LAB_NUM_BPS}`;
  if (p.numWps > BigInt(LAB_NUM_WPS)) return `num_wps ${p.numWps} exceeds ${LAB_NUM_WPS}`;
  const algo = rmmHashAlgoFromParam(p.hashAlgo);
  if ((algo === 'sha-256' && !LAB_HASH_SHA_256) || (algo === 'sha-512' && !LAB_HASH_SHA_512)) {
    return `hash algorithm ${algo} is not supported`;
  }
  if (p.s2sz > BigInt(LAB_MAX_IPA_WIDTH)) {
    return `s2sz ${p.s2sz} exceeds the widest supported IPA, ${LAB_MAX_IPA_WIDTH} bits`;
  }
  return false;
}

/** PAs of the starting RTTs named by the params (capped at the most a valid config has). */
function startingRttAddrs(p: RealmParams): bigint[] {
  const max = BigInt(S2TT_MAX_CONCAT_TABLES);
  const count = Number(p.rttNumStart < max ? p.rttNumStart : max);
  return Array.from({ length: count }, (_, i) => p.rttBase + BigInt(i * GRANULE_SIZE));
}

/** RMI_REALM_CREATE failure conditions, spec order. */
export const REALM_CREATE_CONDITIONS: readonly FailureCondition<CreateInput>[] = [
  alignCondition('params_align', 'params_ptr', (c) => c.paramsPtr),
  boundCondition('params_bound', 'params_ptr', (c) => c.paramsPtr),
  nsReadCondition(
    'params_pas',
    'params_ptr',
    (c) => c.paramsPtr,
    RMI_STRUCT_SIZE,
    (c, bytes) => {
      c.params = decodeRealmParams(bytes);
    },
  ),
  { label: 'params_valid', status: RMI_ERROR_INPUT, fails: (c) => invalidEncoding(params(c)) },
  { label: 'params_supp', status: RMI_ERROR_INPUT, fails: (c) => unsupported(params(c)) },
  {
    label: 'alias',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const p = params(c);
      const last = p.rttBase + (p.rttNumStart - 1n) * BigInt(GRANULE_SIZE);
      return (
        c.rd >= p.rttBase &&
        c.rd <= last &&
        `rd ${hex64(c.rd)} is one of the starting RTTs [${hex64(p.rttBase)}, ${hex64(last)}]`
      );
    },
  },
  alignCondition('rd_align', 'rd', (c) => c.rd),
  boundCondition('rd_bound', 'rd', (c) => c.rd),
  stateCondition('rd_state', 'rd', (c) => c.rd, 'DELEGATED'),
  {
    label: 'rtt_align',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const p = params(c);
      const align = (p.rttNumStart > 1n ? p.rttNumStart : 1n) * BigInt(GRANULE_SIZE);
      return (
        p.rttBase % align !== 0n &&
        `rtt_base ${hex64(p.rttBase)} is not aligned to ${p.rttNumStart} starting RTT(s) (${hex64(align)} bytes)`
      );
    },
  },
  {
    label: 'rtt_num_level',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const p = params(c);
      const problem = rttConfigProblem(
        Number(p.s2sz),
        Number(p.rttLevelStart),
        Number(p.rttNumStart),
      );
      return problem ?? false;
    },
  },
  {
    label: 'rtt_state',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      for (const addr of startingRttAddrs(params(c))) {
        const pa = toPa(addr);
        const state = pa === undefined ? 'UNDELEGATED' : granuleState(c.ctx.state, pa);
        if (state !== 'DELEGATED') {
          return `starting RTT granule ${hex64(addr)} is ${state}, expected DELEGATED`;
        }
      }
      return false;
    },
  },
  {
    label: 'vmid_valid',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const vmid = params(c).vmid;
      if (vmid >= 1n << BigInt(LAB_VMID_BITS))
        return `VMID ${vmid} needs more than ${LAB_VMID_BITS} bits`;
      const user = Object.values(c.ctx.state.rmm.realms).find((r) => BigInt(r.vmid) === vmid);
      return user !== undefined && `VMID ${vmid} is in use by the realm at ${paKey(user.rd)}`;
    },
  },
];

function createRealm(ctx: Ctx, rdPa: number, p: RealmParams): void {
  const hashAlgo = rmmHashAlgoFromParam(p.hashAlgo)!;
  const rim = rimInit(hashAlgo, {
    flags: p.flags,
    s2sz: p.s2sz,
    sveVl: p.sveVl,
    numBps: p.numBps,
    numWps: p.numWps,
    pmuNumCtrs: p.pmuNumCtrs,
    hashAlgo: p.hashAlgo,
  });
  const realm: RealmRecord = {
    rd: rdPa,
    state: 'NEW',
    ipaWidth: Number(p.s2sz),
    hashAlgo,
    flags: hex64(p.flags),
    featLpa2: getField(p.flags, RMI_REALM_FLAGS_LPA2) === 1n,
    sveVl: Number(p.sveVl),
    numBps: Number(p.numBps),
    numWps: Number(p.numWps),
    pmuNumCtrs: Number(p.pmuNumCtrs),
    rttBase: paOf(p.rttBase),
    rttLevelStart: Number(p.rttLevelStart),
    rttNumStart: Number(p.rttNumStart),
    vmid: Number(p.vmid),
    rpv: toHex(p.rpv),
    rim: toHex(rim),
    rems: Array.from({ length: REALM_NUM_REMS }, () => toHex(new Uint8Array(MEASUREMENT_SIZE))),
    recIndex: 0,
    numRecs: 0,
  };
  transitionGranule(ctx, rdPa, 'DELEGATED', 'RD', 'RMI_REALM_CREATE', rdPa);
  ctx.state.rmm.realms[paKey(rdPa)] = realm;
  const level = realm.rttLevelStart;
  startingRtts(realm).forEach((rttPa, i) => {
    transitionGranule(ctx, rttPa, 'DELEGATED', 'RTT', 'RMI_REALM_CREATE', rdPa);
    const base = i * tableSpan(level);
    ctx.state.rmm.rtts[paKey(rttPa)] = {
      rtt: rttPa,
      realm: rdPa,
      level,
      base,
      // Entries are replaced, never changed in place (state.ts): equal ones are one object.
      entries: uniformEntries((j) =>
        isProtectedIpa(realm, base + j * entrySize(level)) ? UNASSIGNED_EMPTY : UNASSIGNED_NS,
      ),
    };
  });
}

/** The entries of a fresh starting-level RTT (shared: entries are replaced, not changed). */
const UNASSIGNED_EMPTY: RttEntry = { state: 'UNASSIGNED', ripas: 'EMPTY' };
const UNASSIGNED_NS: RttEntry = { state: 'UNASSIGNED_NS' };

interface RdInput {
  readonly ctx: Ctx;
  readonly rd: bigint;
}

/** RMI_REALM_ACTIVATE failure conditions, spec order. */
export const REALM_ACTIVATE_CONDITIONS: readonly FailureCondition<RdInput>[] = [
  ...rdConditions<RdInput>(),
  {
    label: 'realm_state',
    status: RMI_ERROR_REALM,
    fails: ({ ctx, rd }) => {
      const realm = realmAt(ctx, rd);
      return realm.state !== 'NEW' && `the realm at ${hex64(rd)} is ${realm.state}, expected NEW`;
    },
  },
];

/** RMI_REALM_DESTROY failure conditions, spec order. */
export const REALM_DESTROY_CONDITIONS: readonly FailureCondition<RdInput>[] = [
  ...rdConditions<RdInput>(),
  {
    label: 'realm_live',
    status: RMI_ERROR_REALM,
    fails: ({ ctx, rd }) => {
      const realm = realmAt(ctx, rd);
      if (realm.numRecs !== 0) return `the realm at ${hex64(rd)} still has ${realm.numRecs} REC(s)`;
      const live = startingRtts(realm).find((pa) => liveEntryCount(rttAt(ctx.state, pa)) > 0);
      return (
        live !== undefined && `starting RTT ${paKey(live)} still has ASSIGNED or TABLE entries`
      );
    },
  },
];

/** Realm family. */
export const REALM_COMMANDS: readonly RmiCommandSpec[] = [
  {
    fid: SMC_RMI_REALM_CREATE,
    name: 'RMI_REALM_CREATE',
    section: 'DEN0137 B4.3.9',
    args: ['rd', 'params_ptr'],
    results: [],
    summary: 'create a realm (state NEW) from RmiRealmParams in NS memory; RIM initialised',
    consumes: (state, [rd = 0n, paramsPtr = 0n]) => {
      const bytes = peekStruct(state, paramsPtr, RMI_STRUCT_SIZE);
      return pasOf([rd, ...(bytes ? startingRttAddrs(decodeRealmParams(bytes)) : [])]);
    },
    handler(ctx, [rd = 0n, paramsPtr = 0n]) {
      const input: CreateInput = { ctx, rd, paramsPtr };
      const failure = firstFailure(REALM_CREATE_CONDITIONS, input);
      if (failure) return refuse(failure);
      createRealm(ctx, paOf(rd), params(input));
      return success();
    },
  },
  {
    fid: SMC_RMI_REALM_ACTIVATE,
    name: 'RMI_REALM_ACTIVATE',
    section: 'DEN0137 B4.3.8',
    args: ['rd'],
    results: [],
    summary: 'activate a NEW realm: RIM frozen, RECs may run',
    handler(ctx, [rd = 0n]) {
      const failure = firstFailure(REALM_ACTIVATE_CONDITIONS, { ctx, rd });
      if (failure) return refuse(failure);
      realmAt(ctx, rd).state = 'ACTIVE';
      return success();
    },
  },
  {
    fid: SMC_RMI_REALM_DESTROY,
    name: 'RMI_REALM_DESTROY',
    section: 'DEN0137 B4.3.10',
    args: ['rd'],
    results: [],
    summary: 'destroy a realm with no RECs and empty starting RTTs; RD and RTTs -> DELEGATED',
    handler(ctx, [rd = 0n]) {
      const failure = firstFailure(REALM_DESTROY_CONDITIONS, { ctx, rd });
      if (failure) return refuse(failure);
      const realm = realmAt(ctx, rd);
      for (const rttPa of startingRtts(realm)) {
        transitionGranule(ctx, rttPa, 'RTT', 'DELEGATED', 'RMI_REALM_DESTROY');
        delete ctx.state.rmm.rtts[paKey(rttPa)];
      }
      transitionGranule(ctx, realm.rd, 'RD', 'DELEGATED', 'RMI_REALM_DESTROY');
      delete ctx.state.rmm.realms[paKey(realm.rd)];
      return success();
    },
  },
];
