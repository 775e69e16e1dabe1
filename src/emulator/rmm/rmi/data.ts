/**
 * RMI data commands: RMI_DATA_CREATE (DEN0137 B4.3.1), RMI_DATA_CREATE_UNKNOWN (DEN0137
 * B4.3.2), RMI_DATA_DESTROY (DEN0137 B4.3.3); cca-spec.md §2.3, §3.4, §5.3.
 *
 * Orderings: the spec requires [rd_bound, rd_state] < [realm_state, rtt_walk, rtte_state]
 * and [ipa_bound] < [rtt_walk, rtte_state]; the listing order satisfies both. `data_bound2`
 * reads the realm's LPA2 attribute, so (cca-spec.md §2.1) it is evaluated after `rd_state`.
 * DATA_CREATE also refuses `flags` other than RMI_NO_MEASURE_CONTENT / RMI_MEASURE_CONTENT
 * first, as TF-RMM does (a reserved encoding, RMI_ERROR_INPUT).
 */
import { hex64 } from '../../../lib/bits.ts';
import { fromHex, toHex } from '../../../lib/bytes.ts';
import { GRANULE_SIZE } from '../../abi/gpt.ts';
import { RMI_MEASURE_CONTENT, RMI_NO_MEASURE_CONTENT } from '../../abi/measurement.ts';
import {
  RMI_ERROR_INPUT,
  RMI_ERROR_REALM,
  RMI_ERROR_RTT,
  RTT_PAGE_LEVEL,
  SMC_RMI_DATA_CREATE,
  SMC_RMI_DATA_CREATE_UNKNOWN,
  SMC_RMI_DATA_DESTROY,
} from '../../abi/rmi.ts';
import { assert } from '../../../lib/assert.ts';
import type { Ctx } from '../../context.ts';
import { physWrite, RMM_VIA_REALM } from '../../hw/memory.ts';
import type { RealmRecord } from '../../state.ts';
import { firstFailure, type FailureCondition } from '../conditions.ts';
import { transitionGranule } from '../granule.ts';
import { extendRimData } from '../measure/index.ts';
import { rttAt, skipNonLiveEntries, syncRefcount, walkRtt, type RttWalk } from '../rtt.ts';
import {
  alignCondition,
  boundCondition,
  lpa2BoundCondition,
  nsReadCondition,
  paOf,
  pasOf,
  rdConditions,
  realmAt,
  stateCondition,
} from './common.ts';
import { refuse, success, type RmiCommandSpec } from './types.ts';

interface DataInput {
  readonly ctx: Ctx;
  readonly rd: bigint;
  readonly data: bigint;
  readonly ipa: bigint;
  readonly src: bigint;
  readonly flags: bigint;
  /** The host's source page, read by `src_pas`. */
  page?: Uint8Array;
  walk?: RttWalk;
}

function realm(c: DataInput): RealmRecord {
  return realmAt(c.ctx, c.rd);
}

/** The walk towards level 3 for `c.ipa` (memoised; only after ipa_bound passed). */
function walk(c: DataInput): RttWalk {
  c.walk ??= walkRtt(c.ctx.state, realm(c), Number(c.ipa), RTT_PAGE_LEVEL);
  return c.walk;
}

/** ipa_align, ipa_bound: the protected-IPA checks of every data command. */
const ipaConditions: readonly FailureCondition<DataInput>[] = [
  {
    label: 'ipa_align',
    status: RMI_ERROR_INPUT,
    fails: ({ ipa }) =>
      ipa % BigInt(GRANULE_SIZE) !== 0n && `ipa ${hex64(ipa)} is not 4 KiB aligned`,
  },
  {
    label: 'ipa_bound',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const limit = 1n << BigInt(realm(c).ipaWidth - 1);
      return (
        c.ipa >= limit &&
        `ipa ${hex64(c.ipa)} is not a protected IPA (protected IPAs are below ${hex64(limit)})`
      );
    },
  },
];

const realmStateNew: FailureCondition<DataInput> = {
  label: 'realm_state',
  status: RMI_ERROR_REALM,
  fails: (c) =>
    realm(c).state !== 'NEW' &&
    `the realm at ${hex64(c.rd)} is ${realm(c).state}; measured DATA_CREATE needs NEW`,
};

const rttWalkToPage: FailureCondition<DataInput> = {
  label: 'rtt_walk',
  status: RMI_ERROR_RTT,
  index: (c) => walk(c).level,
  fails: (c) =>
    walk(c).level < RTT_PAGE_LEVEL &&
    `the RTT walk for ipa ${hex64(c.ipa)} stopped at level ${walk(c).level}; create the level ${walk(c).level + 1} RTT first`,
};

const rtteUnassigned: FailureCondition<DataInput> = {
  label: 'rtte_state',
  status: RMI_ERROR_RTT,
  index: (c) => walk(c).level,
  fails: (c) =>
    walk(c).entry.state !== 'UNASSIGNED' &&
    `the RTT entry for ipa ${hex64(c.ipa)} is ${walk(c).entry.state}, expected UNASSIGNED`,
};

const dataGranuleConditions: FailureCondition<DataInput>[] = [
  alignCondition('data_align', 'data', (c) => c.data),
  boundCondition('data_bound', 'data', (c) => c.data),
  stateCondition('data_state', 'data', (c) => c.data, 'DELEGATED'),
];

/** `data_bound2`, evaluated after rd_state because it reads the realm's LPA2 attribute. */
const dataBound2 = lpa2BoundCondition<DataInput>('data_bound2', 'data', (c) => c.data, realm);

/** RMI_DATA_CREATE failure conditions, spec order (see the header for the two moves). */
export const DATA_CREATE_CONDITIONS: readonly FailureCondition<DataInput>[] = [
  {
    label: 'flags_valid',
    status: RMI_ERROR_INPUT,
    fails: ({ flags }) =>
      flags !== BigInt(RMI_NO_MEASURE_CONTENT) &&
      flags !== BigInt(RMI_MEASURE_CONTENT) &&
      `flags ${hex64(flags)} is neither RMI_NO_MEASURE_CONTENT (0) nor RMI_MEASURE_CONTENT (1)`,
  },
  alignCondition('src_align', 'src', (c) => c.src),
  boundCondition('src_bound', 'src', (c) => c.src),
  nsReadCondition(
    'src_pas',
    'src',
    (c) => c.src,
    GRANULE_SIZE,
    (c, bytes) => {
      c.page = bytes;
    },
  ),
  ...dataGranuleConditions,
  ...rdConditions<DataInput>(),
  dataBound2,
  ...ipaConditions,
  realmStateNew,
  rttWalkToPage,
  rtteUnassigned,
];

/** RMI_DATA_CREATE_UNKNOWN failure conditions, spec order. */
export const DATA_CREATE_UNKNOWN_CONDITIONS: readonly FailureCondition<DataInput>[] = [
  ...dataGranuleConditions,
  ...rdConditions<DataInput>(),
  dataBound2,
  ...ipaConditions,
  rttWalkToPage,
  rtteUnassigned,
];

/** RMI_DATA_DESTROY failure conditions, spec order (top is reported with the RTT errors). */
export const DATA_DESTROY_CONDITIONS: readonly FailureCondition<DataInput>[] = [
  ...rdConditions<DataInput>(),
  ...ipaConditions,
  rttWalkToPage,
  {
    label: 'rtte_state',
    status: RMI_ERROR_RTT,
    index: (c) => walk(c).level,
    fails: (c) =>
      walk(c).entry.state !== 'ASSIGNED' &&
      `the RTT entry for ipa ${hex64(c.ipa)} is ${walk(c).entry.state}, expected ASSIGNED`,
  },
];

/** Maps DELEGATED `data` at the walked level-3 entry, RIPAS per `ripas`. */
function mapData(ctx: Ctx, c: DataInput, command: string, ripasRam: boolean): void {
  const r = realm(c);
  const w = walk(c);
  const dataPa = paOf(c.data);
  if (w.entry.state !== 'UNASSIGNED') assert(false, `${command}: entry is not UNASSIGNED`);
  transitionGranule(ctx, dataPa, 'DELEGATED', 'DATA', command, r.rd);
  ctx.translations?.flush();
  rttAt(ctx.state, w.rtt).entries[w.index] = {
    state: 'ASSIGNED',
    ripas: ripasRam ? 'RAM' : w.entry.ripas,
    pa: dataPa,
  };
  syncRefcount(ctx.state, w.rtt);
}

function input(ctx: Ctx, args: readonly bigint[]): DataInput {
  const [rd = 0n, data = 0n, ipa = 0n, src = 0n, flags = 0n] = args;
  return { ctx, rd, data, ipa, src, flags };
}

/** Data family. */
export const DATA_COMMANDS: readonly RmiCommandSpec[] = [
  {
    fid: SMC_RMI_DATA_CREATE,
    name: 'RMI_DATA_CREATE',
    section: 'DEN0137 B4.3.1',
    args: ['rd', 'data', 'ipa', 'src', 'flags'],
    results: [],
    summary: 'copy an NS page into a DATA granule at a protected IPA of a NEW realm (measured)',
    consumes: (_state, [, data = 0n]) => pasOf([data]),
    handler(ctx, args) {
      const c = input(ctx, args);
      const failure = firstFailure(DATA_CREATE_CONDITIONS, c);
      if (failure) return refuse(failure);
      const r = realm(c);
      mapData(ctx, c, 'RMI_DATA_CREATE', true);
      const page = c.page!;
      physWrite(ctx, RMM_VIA_REALM, paOf(c.data), page);
      const measured = c.flags === BigInt(RMI_MEASURE_CONTENT) ? page : undefined;
      r.rim = toHex(extendRimData(r.hashAlgo, fromHex(r.rim)!, c.ipa, c.flags, measured));
      return success();
    },
  },
  {
    fid: SMC_RMI_DATA_CREATE_UNKNOWN,
    name: 'RMI_DATA_CREATE_UNKNOWN',
    section: 'DEN0137 B4.3.2',
    args: ['rd', 'data', 'ipa'],
    results: [],
    summary: 'map a DATA granule of unknown (here: zero) content at a protected IPA',
    consumes: (_state, [, data = 0n]) => pasOf([data]),
    handler(ctx, args) {
      const [rd = 0n, data = 0n, ipa = 0n] = args;
      const c: DataInput = { ctx, rd, data, ipa, src: 0n, flags: 0n };
      const failure = firstFailure(DATA_CREATE_UNKNOWN_CONDITIONS, c);
      if (failure) return refuse(failure);
      mapData(ctx, c, 'RMI_DATA_CREATE_UNKNOWN', false);
      return success();
    },
  },
  {
    fid: SMC_RMI_DATA_DESTROY,
    name: 'RMI_DATA_DESTROY',
    section: 'DEN0137 B4.3.3',
    args: ['rd', 'ipa'],
    results: ['data', 'top'],
    summary: 'unmap a DATA granule (-> DELEGATED, wiped); RIPAS RAM becomes DESTROYED',
    handler(ctx, [rd = 0n, ipa = 0n]) {
      const c: DataInput = { ctx, rd, data: 0n, ipa, src: 0n, flags: 0n };
      const failure = firstFailure(DATA_DESTROY_CONDITIONS, c);
      if (failure) {
        // After a walk the spec reports where the host may continue; before it, zero.
        const top =
          c.walk && failure.status === RMI_ERROR_RTT ? skipNonLiveEntries(ctx.state, c.walk) : 0;
        return { ...refuse(failure), out: [0n, BigInt(top)] };
      }
      const w = walk(c);
      const entry = w.entry;
      assert(entry.state === 'ASSIGNED', 'DATA_DESTROY of an entry that is not ASSIGNED');
      ctx.translations?.flush();
      rttAt(ctx.state, w.rtt).entries[w.index] = {
        state: 'UNASSIGNED',
        ripas: entry.ripas === 'RAM' ? 'DESTROYED' : entry.ripas,
      };
      syncRefcount(ctx.state, w.rtt);
      transitionGranule(ctx, entry.pa, 'DATA', 'DELEGATED', 'RMI_DATA_DESTROY');
      return success(BigInt(entry.pa), BigInt(skipNonLiveEntries(ctx.state, w)));
    },
  },
];
