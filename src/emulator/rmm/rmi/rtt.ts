/**
 * RMI RTT commands: RMI_RTT_CREATE (DEN0137 B4.3.15), RMI_RTT_DESTROY (DEN0137 B4.3.16),
 * RMI_RTT_FOLD (DEN0137 B4.3.17), RMI_RTT_MAP_UNPROTECTED (DEN0137 B4.3.19),
 * RMI_RTT_READ_ENTRY (DEN0137 B4.3.20), RMI_RTT_UNMAP_UNPROTECTED (DEN0137 B4.3.22);
 * cca-spec.md §2.3, §3.4. RIPAS commands are in ripas.ts.
 *
 * Orderings: the spec requires [rd_bound, rd_state] < [rtt_walk, rtte_state, rtt_live] and
 * [level_bound, ipa_bound] < [rtt_walk, rtte_state]; the listing order satisfies both, and
 * level_bound / ipa_* read Realm(rd) so they follow rd_state (cca-spec.md §2.1).
 * RTT_DESTROY of an unprotected-half table leaves UNASSIGNED_NS in the parent (TF-RMM);
 * the spec's table describes the protected half, where it leaves UNASSIGNED, DESTROYED.
 */
import { assert } from '../../../lib/assert.ts';
import { GRANULE_SIZE } from '../../abi/gpt.ts';
import { getField, hex64, s64, setField } from '../../../lib/bits.ts';
import {
  PA_BITS_NO_LPA2,
  RMI_ASSIGNED,
  RMI_ERROR_INPUT,
  RMI_ERROR_RTT,
  RMI_TABLE,
  RMI_UNASSIGNED,
  RIPAS_ENCODING,
  RTT_MIN_BLOCK_LEVEL,
  RTT_PAGE_LEVEL,
  S2TTE_AP,
  S2TTE_MEMATTR,
  S2TTE_MEMATTR_FWB_RESERVED,
  S2TTE_OA,
  SMC_RMI_RTT_CREATE,
  SMC_RMI_RTT_DESTROY,
  SMC_RMI_RTT_FOLD,
  SMC_RMI_RTT_MAP_UNPROTECTED,
  SMC_RMI_RTT_READ_ENTRY,
  SMC_RMI_RTT_UNMAP_UNPROTECTED,
} from '../../abi/rmi.ts';
import type { Ctx } from '../../context.ts';
import type { RealmRecord, RttEntry } from '../../state.ts';
import { firstFailure, type Failure, type FailureCondition } from '../conditions.ts';
import { transitionGranule } from '../granule.ts';
import {
  entrySize,
  isLiveEntry,
  isProtectedIpa,
  paKey,
  rttAt,
  skipNonLiveEntries,
  syncRefcount,
  uniformEntries,
  walkRtt,
  type RttWalk,
} from '../rtt.ts';
import {
  alignCondition,
  boundCondition,
  lpa2BoundCondition,
  paOf,
  pasOf,
  rdConditions,
  realmAt,
  stateCondition,
} from './common.ts';
import { refuse, success, type RmiCommandSpec, type RmiOutcome } from './types.ts';

interface RttInput {
  readonly ctx: Ctx;
  readonly rd: bigint;
  readonly ipa: bigint;
  readonly level: bigint;
  /** RTT_CREATE: the new table. */
  readonly rtt: bigint;
  /** RTT_MAP_UNPROTECTED: the host's descriptor. */
  readonly desc: bigint;
  walk?: RttWalk;
}

function realm(c: RttInput): RealmRecord {
  return realmAt(c.ctx, c.rd);
}

function level(c: RttInput): number {
  return Number(c.level);
}

/** Which level the command names and how far its walk goes. */
interface Shape {
  /** Lowest level accepted, given the realm's starting level. */
  readonly minLevel: (startLevel: number) => number;
  /** The walk goes to the parent of `level` (table commands) or to `level` itself. */
  readonly walkToParent: boolean;
  /** Unprotected-only commands (MAP/UNMAP_UNPROTECTED). */
  readonly unprotectedOnly: boolean;
}

const TABLE_SHAPE: Shape = { minLevel: (sl) => sl + 1, walkToParent: true, unprotectedOnly: false };
const UNPROTECTED_SHAPE: Shape = {
  minLevel: (sl) => Math.max(sl, RTT_MIN_BLOCK_LEVEL),
  walkToParent: false,
  unprotectedOnly: true,
};
const READ_SHAPE: Shape = { minLevel: (sl) => sl, walkToParent: false, unprotectedOnly: false };

function walkLevel(c: RttInput, shape: Shape): number {
  return shape.walkToParent ? level(c) - 1 : level(c);
}

function walk(c: RttInput, shape: Shape): RttWalk {
  c.walk ??= walkRtt(c.ctx.state, realm(c), Number(c.ipa), walkLevel(c, shape));
  return c.walk;
}

/** level_bound, ipa_align, ipa_bound for a command of `shape`. */
function levelAndIpaConditions(shape: Shape): FailureCondition<RttInput>[] {
  return [
    {
      label: 'level_bound',
      status: RMI_ERROR_INPUT,
      fails: (c) => {
        const min = shape.minLevel(realm(c).rttLevelStart);
        return (
          (c.level < BigInt(min) || c.level > BigInt(RTT_PAGE_LEVEL)) &&
          `level ${s64(c.level)} is not in ${min}..${RTT_PAGE_LEVEL} for this command and realm`
        );
      },
    },
    {
      label: 'ipa_align',
      status: RMI_ERROR_INPUT,
      fails: (c) => {
        const size = BigInt(entrySize(walkLevel(c, shape)));
        return c.ipa % size !== 0n && `ipa ${hex64(c.ipa)} is not aligned to ${hex64(size)}`;
      },
    },
    {
      label: 'ipa_bound',
      status: RMI_ERROR_INPUT,
      fails: (c) => {
        const width = realm(c).ipaWidth;
        if (c.ipa >= 1n << BigInt(width)) {
          return `ipa ${hex64(c.ipa)} is beyond the realm's ${width}-bit IPA space`;
        }
        return (
          shape.unprotectedOnly &&
          isProtectedIpa(realm(c), Number(c.ipa)) &&
          `ipa ${hex64(c.ipa)} is a protected IPA; this command maps only unprotected IPAs`
        );
      },
    },
  ];
}

function rttWalk(shape: Shape): FailureCondition<RttInput> {
  return {
    label: 'rtt_walk',
    status: RMI_ERROR_RTT,
    index: (c) => walk(c, shape).level,
    fails: (c) =>
      walk(c, shape).level < walkLevel(c, shape) &&
      `the RTT walk for ipa ${hex64(c.ipa)} stopped at level ${walk(c, shape).level}, before level ${walkLevel(c, shape)}`,
  };
}

function rtteState(
  shape: Shape,
  ok: (e: RttEntry) => boolean,
  expected: string,
): FailureCondition<RttInput> {
  return {
    label: 'rtte_state',
    status: RMI_ERROR_RTT,
    index: (c) => walk(c, shape).level,
    fails: (c) => {
      const e = walk(c, shape).entry;
      return (
        !ok(e) &&
        `the level ${walk(c, shape).level} RTT entry for ipa ${hex64(c.ipa)} is ${e.state}, ${expected}`
      );
    },
  };
}

/** The child RTT named by a destroy/fold walk (its parent entry is TABLE). */
function childOf(c: RttInput): number {
  const e = walk(c, TABLE_SHAPE).entry;
  assert(e.state === 'TABLE', 'child of a non-TABLE entry');
  return e.pa;
}

const isTable = (e: RttEntry): boolean => e.state === 'TABLE';

/** RMI_RTT_CREATE failure conditions, spec order. */
export const RTT_CREATE_CONDITIONS: readonly FailureCondition<RttInput>[] = [
  ...rdConditions<RttInput>(),
  ...levelAndIpaConditions(TABLE_SHAPE),
  alignCondition('rtt_align', 'rtt', (c) => c.rtt),
  boundCondition('rtt_bound', 'rtt', (c) => c.rtt),
  stateCondition('rtt_state', 'rtt', (c) => c.rtt, 'DELEGATED'),
  lpa2BoundCondition('rtt_bound2', 'rtt', (c) => c.rtt, realm),
  rttWalk(TABLE_SHAPE),
  rtteState(TABLE_SHAPE, (e) => !isTable(e), 'already a TABLE'),
];

/** RMI_RTT_DESTROY failure conditions, spec order. */
export const RTT_DESTROY_CONDITIONS: readonly FailureCondition<RttInput>[] = [
  ...rdConditions<RttInput>(),
  ...levelAndIpaConditions(TABLE_SHAPE),
  rttWalk(TABLE_SHAPE),
  rtteState(TABLE_SHAPE, isTable, 'not a TABLE'),
  {
    label: 'rtt_live',
    status: RMI_ERROR_RTT,
    index: level,
    fails: (c) => {
      const child = rttAt(c.ctx.state, childOf(c));
      const live = child.entries.findIndex((e) => e.state === 'ASSIGNED' || e.state === 'TABLE');
      return (
        live >= 0 &&
        `the level ${child.level} RTT ${paKey(child.rtt)} is live: its entry for ipa ${paKey(child.base + live * entrySize(child.level))} is ${child.entries[live]!.state}`
      );
    },
  },
];

/** The entry a homogeneous child folds into, or a reason it cannot (RttIsHomogeneous). */
function foldedEntry(c: RttInput): RttEntry | string {
  const child = rttAt(c.ctx.state, childOf(c));
  const [first] = child.entries;
  assert(first, 'empty RTT');
  const size = entrySize(child.level);
  const sameRipas = (e: RttEntry): boolean =>
    'ripas' in e && 'ripas' in first && e.ripas === first.ripas;
  switch (first.state) {
    case 'TABLE':
      return 'its first entry is a TABLE';
    case 'UNASSIGNED':
      return child.entries.every((e) => e.state === 'UNASSIGNED' && sameRipas(e))
        ? { state: 'UNASSIGNED', ripas: first.ripas }
        : 'its entries are not all UNASSIGNED with the same RIPAS';
    case 'UNASSIGNED_NS':
      return child.entries.every((e) => e.state === 'UNASSIGNED_NS')
        ? { state: 'UNASSIGNED_NS' }
        : 'its entries are not all UNASSIGNED_NS';
    case 'ASSIGNED':
    case 'ASSIGNED_NS': {
      if (child.level - 1 < RTT_MIN_BLOCK_LEVEL)
        return `no block mappings at level ${child.level - 1}`;
      if (first.pa % entrySize(child.level - 1) !== 0) {
        return `its first output address ${paKey(first.pa)} is not aligned to a level ${child.level - 1} block`;
      }
      const contiguous = child.entries.every(
        (e, i) =>
          e.state === first.state &&
          e.pa === first.pa + i * size &&
          (first.state === 'ASSIGNED' ? sameRipas(e) : 'attr' in e && e.attr === first.attr),
      );
      if (!contiguous) {
        return `its entries are not all ${first.state} to contiguous addresses with the same attributes`;
      }
      return { ...first };
    }
  }
}

/** RMI_RTT_FOLD failure conditions, spec order. */
export const RTT_FOLD_CONDITIONS: readonly FailureCondition<RttInput>[] = [
  ...RTT_DESTROY_CONDITIONS.slice(0, -1),
  {
    label: 'rtt_homo',
    status: RMI_ERROR_RTT,
    index: level,
    fails: (c) => {
      const folded = foldedEntry(c);
      return (
        typeof folded === 'string' &&
        `the level ${level(c)} RTT ${paKey(childOf(c))} is not homogeneous: ${folded}`
      );
    },
  },
];

/** Host-controllable bits of an unprotected descriptor. */
const NS_DESC_HOST_MASK =
  setField(0n, S2TTE_MEMATTR, -1n) | setField(0n, S2TTE_AP, -1n) | setField(0n, S2TTE_OA, -1n);
const NS_DESC_ATTR_MASK = setField(0n, S2TTE_MEMATTR, -1n) | setField(0n, S2TTE_AP, -1n);

function descOa(desc: bigint): bigint {
  return getField(desc, S2TTE_OA) << BigInt(S2TTE_OA.lsb);
}

/** RMI_RTT_MAP_UNPROTECTED failure conditions, spec order. */
export const RTT_MAP_UNPROTECTED_CONDITIONS: readonly FailureCondition<RttInput>[] = [
  {
    label: 'attr_valid',
    status: RMI_ERROR_INPUT,
    fails: ({ desc }) => {
      if ((desc & ~NS_DESC_HOST_MASK) !== 0n) {
        return `desc ${hex64(desc)} sets bits outside MemAttr, S2AP and the output address`;
      }
      return (
        getField(desc, S2TTE_MEMATTR) === BigInt(S2TTE_MEMATTR_FWB_RESERVED) &&
        `desc ${hex64(desc)} uses the reserved MemAttr value 0b100`
      );
    },
  },
  ...rdConditions<RttInput>(),
  levelAndIpaConditions(UNPROTECTED_SHAPE)[0]!,
  {
    label: 'addr_align',
    status: RMI_ERROR_INPUT,
    fails: (c) => {
      const size = BigInt(entrySize(level(c)));
      const oa = descOa(c.desc);
      return oa % size !== 0n && `output address ${hex64(oa)} is not aligned to ${hex64(size)}`;
    },
  },
  {
    label: 'addr_bound',
    status: RMI_ERROR_INPUT,
    fails: (c) =>
      !realm(c).featLpa2 &&
      descOa(c.desc) >= 1n << BigInt(PA_BITS_NO_LPA2) &&
      `output address ${hex64(descOa(c.desc))} needs LPA2`,
  },
  ...levelAndIpaConditions(UNPROTECTED_SHAPE).slice(1),
  rttWalk(UNPROTECTED_SHAPE),
  rtteState(UNPROTECTED_SHAPE, (e) => e.state === 'UNASSIGNED_NS', 'expected UNASSIGNED_NS'),
];

/** RMI_RTT_UNMAP_UNPROTECTED failure conditions, spec order. */
export const RTT_UNMAP_UNPROTECTED_CONDITIONS: readonly FailureCondition<RttInput>[] = [
  ...rdConditions<RttInput>(),
  ...levelAndIpaConditions(UNPROTECTED_SHAPE),
  rttWalk(UNPROTECTED_SHAPE),
  rtteState(UNPROTECTED_SHAPE, (e) => e.state === 'ASSIGNED_NS', 'expected ASSIGNED_NS'),
];

/** RMI_RTT_READ_ENTRY failure conditions, spec order. */
export const RTT_READ_ENTRY_CONDITIONS: readonly FailureCondition<RttInput>[] = [
  ...rdConditions<RttInput>(),
  ...levelAndIpaConditions(READ_SHAPE),
];

function input(ctx: Ctx, rd: bigint, ipa: bigint, lvl: bigint, extra: Partial<RttInput> = {}) {
  return { ctx, rd, ipa, level: lvl, rtt: 0n, desc: 0n, ...extra } as RttInput;
}

/** A refusal after a walk reports where the host may continue (X2 top, or X1 for UNMAP). */
function refuseWithTop(
  c: RttInput,
  failure: Failure,
  topAt: 'x1' | 'x2',
  live?: (e: RttEntry) => boolean,
): RmiOutcome {
  let top = 0n;
  if (failure.label === 'rtt_live') top = c.ipa;
  else if (c.walk && failure.status === RMI_ERROR_RTT) {
    top = BigInt(skipNonLiveEntries(c.ctx.state, c.walk, live));
  }
  return { ...refuse(failure), out: topAt === 'x1' ? [top] : [0n, top] };
}

/**
 * Replaces the walked entry and keeps the RTT's reference count (its live entries): one entry
 * changed, so the count moves by at most one (the invariants recount every table).
 */
function setEntry(ctx: Ctx, w: RttWalk, entry: RttEntry): void {
  ctx.translations?.flush();
  const rtt = rttAt(ctx.state, w.rtt);
  const before = rtt.entries[w.index]!;
  rtt.entries[w.index] = entry;
  const delta = (isLiveEntry(entry) ? 1 : 0) - (isLiveEntry(before) ? 1 : 0);
  const record = ctx.state.granules[w.rtt / GRANULE_SIZE];
  if (record?.state !== 'RTT') assert(false, `granule ${paKey(w.rtt)} is not an RTT`);
  record.refcount += delta;
}

/** The 512 children a parent entry unfolds into (RTT_CREATE). */
function unfold(parent: RttEntry, childLevel: number): RttEntry[] {
  const size = entrySize(childLevel);
  assert(parent.state !== 'TABLE', 'rtte_state refuses a TABLE parent');
  switch (parent.state) {
    // Entries are replaced, never changed in place (undo points share them, state.ts), so
    // the 512 equal children of an unassigned parent are one object.
    case 'UNASSIGNED': {
      const child: RttEntry = { state: 'UNASSIGNED', ripas: parent.ripas };
      return uniformEntries(() => child);
    }
    case 'UNASSIGNED_NS': {
      const child: RttEntry = { state: 'UNASSIGNED_NS' };
      return uniformEntries(() => child);
    }
    case 'ASSIGNED':
      return uniformEntries((i) => ({
        state: 'ASSIGNED',
        ripas: parent.ripas,
        pa: parent.pa + i * size,
      }));
    case 'ASSIGNED_NS':
      return uniformEntries((i) => ({
        state: 'ASSIGNED_NS',
        pa: parent.pa + i * size,
        attr: parent.attr,
      }));
  }
}

/** Unprotected-half "live" entries for UNMAP's top output. */
const mappedNs = (e: RttEntry): boolean => e.state === 'ASSIGNED_NS' || e.state === 'TABLE';

/** RTT family. */
export const RTT_COMMANDS: readonly RmiCommandSpec[] = [
  {
    fid: SMC_RMI_RTT_CREATE,
    name: 'RMI_RTT_CREATE',
    section: 'DEN0137 B4.3.15',
    args: ['rd', 'rtt', 'ipa', 'level'],
    results: [],
    summary: 'add a level-`level` RTT below the entry for ipa; the parent entry unfolds into it',
    consumes: (_state, [, rtt = 0n]) => pasOf([rtt]),
    handler(ctx, [rd = 0n, rtt = 0n, ipa = 0n, lvl = 0n]) {
      const c = input(ctx, rd, ipa, lvl, { rtt });
      const failure = firstFailure(RTT_CREATE_CONDITIONS, c);
      if (failure) return refuse(failure);
      const w = walk(c, TABLE_SHAPE);
      const rttPa = paOf(rtt);
      const r = realm(c);
      transitionGranule(ctx, rttPa, 'DELEGATED', 'RTT', 'RMI_RTT_CREATE', r.rd);
      ctx.state.rmm.rtts[paKey(rttPa)] = {
        rtt: rttPa,
        realm: r.rd,
        level: level(c),
        base: w.entryBase,
        entries: unfold(w.entry, level(c)),
      };
      syncRefcount(ctx.state, rttPa);
      setEntry(ctx, w, { state: 'TABLE', pa: rttPa });
      return success();
    },
  },
  {
    fid: SMC_RMI_RTT_DESTROY,
    name: 'RMI_RTT_DESTROY',
    section: 'DEN0137 B4.3.16',
    args: ['rd', 'ipa', 'level'],
    results: ['rtt', 'top'],
    summary: 'remove a non-live RTT (-> DELEGATED); the parent entry becomes UNASSIGNED',
    handler(ctx, [rd = 0n, ipa = 0n, lvl = 0n]) {
      const c = input(ctx, rd, ipa, lvl);
      const failure = firstFailure(RTT_DESTROY_CONDITIONS, c);
      if (failure) return refuseWithTop(c, failure, 'x2');
      const w = walk(c, TABLE_SHAPE);
      const child = childOf(c);
      const protectedIpa = isProtectedIpa(realm(c), Number(ipa));
      setEntry(
        ctx,
        w,
        protectedIpa ? { state: 'UNASSIGNED', ripas: 'DESTROYED' } : { state: 'UNASSIGNED_NS' },
      );
      transitionGranule(ctx, child, 'RTT', 'DELEGATED', 'RMI_RTT_DESTROY');
      delete ctx.state.rmm.rtts[paKey(child)];
      return success(BigInt(child), BigInt(skipNonLiveEntries(ctx.state, w)));
    },
  },
  {
    fid: SMC_RMI_RTT_FOLD,
    name: 'RMI_RTT_FOLD',
    section: 'DEN0137 B4.3.17',
    args: ['rd', 'ipa', 'level'],
    results: ['rtt'],
    summary: 'fold a homogeneous RTT back into its parent entry (RTT -> DELEGATED)',
    handler(ctx, [rd = 0n, ipa = 0n, lvl = 0n]) {
      const c = input(ctx, rd, ipa, lvl);
      const failure = firstFailure(RTT_FOLD_CONDITIONS, c);
      if (failure) return refuse(failure);
      const w = walk(c, TABLE_SHAPE);
      const child = childOf(c);
      const folded = foldedEntry(c);
      assert(typeof folded !== 'string', 'fold of a non-homogeneous RTT');
      setEntry(ctx, w, folded);
      transitionGranule(ctx, child, 'RTT', 'DELEGATED', 'RMI_RTT_FOLD');
      delete ctx.state.rmm.rtts[paKey(child)];
      return success(BigInt(child));
    },
  },
  {
    fid: SMC_RMI_RTT_MAP_UNPROTECTED,
    name: 'RMI_RTT_MAP_UNPROTECTED',
    section: 'DEN0137 B4.3.19',
    args: ['rd', 'ipa', 'level', 'desc'],
    results: [],
    summary: 'map host (NS) memory at an unprotected IPA (ASSIGNED_NS)',
    handler(ctx, [rd = 0n, ipa = 0n, lvl = 0n, desc = 0n]) {
      const c = input(ctx, rd, ipa, lvl, { desc });
      const failure = firstFailure(RTT_MAP_UNPROTECTED_CONDITIONS, c);
      if (failure) return refuse(failure);
      setEntry(ctx, walk(c, UNPROTECTED_SHAPE), {
        state: 'ASSIGNED_NS',
        pa: Number(descOa(desc)),
        attr: Number(desc & NS_DESC_ATTR_MASK),
      });
      return success();
    },
  },
  {
    fid: SMC_RMI_RTT_UNMAP_UNPROTECTED,
    name: 'RMI_RTT_UNMAP_UNPROTECTED',
    section: 'DEN0137 B4.3.22',
    args: ['rd', 'ipa', 'level'],
    results: ['top'],
    summary: 'unmap host memory from an unprotected IPA (UNASSIGNED_NS)',
    handler(ctx, [rd = 0n, ipa = 0n, lvl = 0n]) {
      const c = input(ctx, rd, ipa, lvl);
      const failure = firstFailure(RTT_UNMAP_UNPROTECTED_CONDITIONS, c);
      if (failure) return refuseWithTop(c, failure, 'x1', mappedNs);
      const w = walk(c, UNPROTECTED_SHAPE);
      setEntry(ctx, w, { state: 'UNASSIGNED_NS' });
      return success(BigInt(skipNonLiveEntries(ctx.state, w, mappedNs)));
    },
  },
  {
    fid: SMC_RMI_RTT_READ_ENTRY,
    name: 'RMI_RTT_READ_ENTRY',
    section: 'DEN0137 B4.3.20',
    args: ['rd', 'ipa', 'level'],
    results: ['walk_level', 'state', 'desc', 'ripas'],
    summary: 'read the RTT entry for ipa, walking at most to `level`',
    handler(ctx, [rd = 0n, ipa = 0n, lvl = 0n]) {
      const c = input(ctx, rd, ipa, lvl);
      const failure = firstFailure(RTT_READ_ENTRY_CONDITIONS, c);
      if (failure) return refuse(failure);
      const w = walk(c, READ_SHAPE);
      const e = w.entry;
      const [state, desc, ripas] = ((): [number, bigint, number] => {
        switch (e.state) {
          case 'UNASSIGNED':
            return [RMI_UNASSIGNED, 0n, RIPAS_ENCODING[e.ripas]];
          case 'ASSIGNED':
            return [RMI_ASSIGNED, BigInt(e.pa), RIPAS_ENCODING[e.ripas]];
          case 'TABLE':
            return [RMI_TABLE, BigInt(e.pa), 0];
          case 'UNASSIGNED_NS':
            return [RMI_UNASSIGNED, 0n, 0];
          case 'ASSIGNED_NS':
            return [RMI_ASSIGNED, BigInt(e.pa) | BigInt(e.attr), 0];
        }
      })();
      return success(BigInt(w.level), BigInt(state), desc, BigInt(ripas));
    },
  },
];
