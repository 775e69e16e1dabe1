/**
 * Mica's RMI commands (mica-spec.md §3.1): RMI_DATA_CREATE_UNKNOWN_SHARED,
 * RMI_SET_PROTECTED_SHARED_RANGE, RMI_BIND_PROTECTED_SHARED, RMI_REALM_PD, RMI_SGT and
 * RMI_REALM_DUMMY_PAGE, each with its failure conditions as ordered data with labels
 * (code-style.md principle 4). Labels follow the RMM 1.0 vocabulary (`rd_state`, `rtt_walk`);
 * Mica-only conditions start with `mica_`.
 *
 * Design rationale: in Mica mode DATA_CREATE_UNKNOWN_SHARED after the target's upload is
 * validated against the policies (§8 item 4: declared window, listed peers, same page as the
 * peers, FRESH); in prototype mode (`gap-map-after-upload`) it maps the real page unchecked
 * and even accepts another realm's private DATA granule (attack 6). The prototype also
 * upserts the SGT when the mapping itself failed; Mica only on success.
 */
import {
  abi,
  firstFailure,
  refuse,
  success,
  walkRtt,
  wipeGranule,
  type Ctx,
  type FailureCondition,
  type RealmRecord,
  type RmiCommandSpec,
  type RmiOutcome,
} from '../../emulator/index.ts';
import {
  FRESH_TABLE_MAX,
  PSR_TABLE_MAX,
  SGT_MAX_GRANULES,
  SMC_RMI_BIND_PROTECTED_SHARED,
  SMC_RMI_DATA_CREATE_UNKNOWN_SHARED,
  SMC_RMI_REALM_DUMMY_PAGE,
  SMC_RMI_REALM_PD,
  SMC_RMI_SET_PROTECTED_SHARED_RANGE,
  SMC_RMI_SGT,
} from '../abi.ts';
import { canRead, canWrite } from '../model.ts';
import { HOST_END, decide, ownWindow, realmEnd, realmRecord, stateAt, vmName } from './common.ts';
import { sgtCapacity, sgtUpsert, storeSgt, tagShared } from './sgt.ts';
import {
  gapOn,
  hashOfRd,
  mica,
  micaRealm,
  policyOf,
  realmName,
  type MicaRealm,
  type MicaState,
} from './state.ts';
import { hex } from '../../lib/hex.ts';

/** GRANULE_SIZE as a 64-bit register value, for alignment conditions on arguments. */
const GRANULE_SIZE_U64 = BigInt(abi.GRANULE_SIZE);
/** First value past the physical address space, as a register value. */
const PA_LIMIT_U64 = BigInt(abi.PA_SPACE_SIZE);

interface In {
  readonly ctx: Ctx;
  readonly rd: bigint;
  readonly addr: bigint;
  readonly ipa: bigint;
  readonly size: bigint;
  /** Looked up once by the conditions that need them (rd_state passed first). */
  realm?: RealmRecord;
  micaRealm?: MicaRealm;
  walk?: ReturnType<typeof walkRtt>;
}

function realmOf(c: In): RealmRecord {
  c.realm ??= realmRecord(c.ctx, Number(c.rd))!;
  return c.realm;
}

function mr(c: In): MicaRealm {
  c.micaRealm ??= micaRealm(mica(c.ctx), Number(c.rd));
  return c.micaRealm;
}

/** rd_align, rd_bound, rd_state (RMM 1.0 vocabulary). */
const RD: FailureCondition<In>[] = [
  {
    label: 'rd_align',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) => c.rd % GRANULE_SIZE_U64 !== 0n && `rd ${hex(Number(c.rd))} is not 4 KiB aligned`,
  },
  {
    label: 'rd_state',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) =>
      (c.rd >= PA_LIMIT_U64 || !(c.realm ??= realmRecord(c.ctx, Number(c.rd)))) &&
      `granule ${hex(Number(c.rd))} (rd) is not an RD`,
  },
];

function granule(label: string, name: string, allowed: readonly string[]): FailureCondition<In>[] {
  return [
    {
      label: `${label}_align`,
      status: abi.RMI_ERROR_INPUT,
      fails: (c) =>
        c.addr % GRANULE_SIZE_U64 !== 0n && `${name} ${hex(Number(c.addr))} is not 4 KiB aligned`,
    },
    {
      label: `${label}_state`,
      status: abi.RMI_ERROR_INPUT,
      fails: (c) => {
        const st = stateAt(c.ctx, Number(c.addr));
        return (
          !allowed.includes(st) &&
          `granule ${hex(Number(c.addr))} (${name}) is ${st}, expected ${allowed.join(' or ')}`
        );
      },
    },
  ];
}

/** The `mica:*` tag of a DELEGATED granule, if any. */
function tagOf(ctx: Ctx, pa: number): string | undefined {
  return ctx.state.granules[Math.floor(pa / abi.GRANULE_SIZE)]?.ext;
}

const notInUse = (label: string, name: string): FailureCondition<In> => ({
  label,
  status: abi.RMI_ERROR_INPUT,
  fails: (c) => {
    const tag = tagOf(c.ctx, Number(c.addr));
    return tag !== undefined && `${name} ${hex(Number(c.addr))} is already in use by Mica (${tag})`;
  },
});

/** Walk of the shared IPA (only after rd_state and ipa checks passed). */
function walkOf(c: In) {
  c.walk ??= walkRtt(c.ctx.state, realmOf(c), Number(c.ipa));
  return c.walk;
}

/** §8 item 4: the post-upload mapping check of Mica mode; returns a reason and the rule. */
function postUploadProblem(c: In): { reason: string; rule: string } | undefined {
  const r = mr(c);
  if (!r.uploaded) return undefined;
  const monitor = mica(c.ctx);
  const p = policyOf(r);
  if (!p || gapOn(monitor, 'gap-map-after-upload')) return undefined;
  const ipa = Number(c.ipa);
  const pa = Number(c.addr);
  const self = vmName(p, p.self);
  const mem = p.mems.find((o) => {
    if (o.type !== 'PROTECTED') return false;
    const w = ownWindow(p, o);
    return w !== undefined && ipa >= Number(w.gpa) && ipa < Number(w.gpa) + Number(o.size);
  });
  if (!mem) {
    return {
      rule: `${self} mappings`,
      reason: `${realmName(monitor, r.rd)} has uploaded its policy and no PROTECTED object of it has a window of ${self} containing IPA ${hex(ipa)}`,
    };
  }
  const own = ownWindow(p, mem)!;
  const k = Math.floor((ipa - Number(own.gpa)) / abi.GRANULE_SIZE);
  for (const e of monitor.sgt.entries) {
    if (e.rd === r.rd) continue;
    const peerHash = hashOfRd(monitor, e.rd);
    const idx = peerHash === undefined ? -1 : p.vms.findIndex((v) => v.hash === peerHash);
    const named = idx >= 0 ? mem.mappings.find((mapping) => mapping.vm === idx) : undefined;
    if (e.pa === pa) {
      const any = mem.mappings.find((mapping) => mapping.vm === 'ANY');
      const inAny =
        any !== undefined && e.gpa >= Number(any.gpa) && e.gpa < Number(any.gpa) + Number(mem.size);
      const inNamed =
        named !== undefined &&
        e.gpa >= Number(named.gpa) &&
        e.gpa < Number(named.gpa) + Number(mem.size);
      if (!inNamed && !inAny) {
        return {
          rule: `${mem.name}.mappings`,
          reason: `page ${hex(pa)} is also mapped by ${realmName(monitor, e.rd)} at ${hex(e.gpa)}, which ${mem.name} of ${realmName(monitor, r.rd)}'s policy does not list there`,
        };
      }
    } else if (named && e.gpa === Number(named.gpa) + k * abi.GRANULE_SIZE) {
      return {
        rule: `${mem.name}.consistency`,
        reason: `page ${k} of ${mem.name} is ${hex(e.pa)} in ${realmName(monitor, e.rd)}, not ${hex(pa)}: both ends must share the same physical page`,
      };
    }
  }
  if (!gapOn(monitor, 'gap-no-fresh')) {
    const owner = monitor.fresh[hex(pa)];
    const region = regionId(c, mem.name);
    if (owner !== undefined && owner !== region) {
      return {
        rule: `${mem.name} FRESH`,
        reason: `page ${hex(pa)} already belongs to region ${owner}; FRESH pages back exactly one region (§3.8)`,
      };
    }
  }
  return undefined;
}

/** Region id of object `mem` as seen from the realm of `c` (FRESH ownership). */
function regionId(c: In, mem: string): string {
  const p = policyOf(mr(c))!;
  const o = p.mems.find((x) => x.name === mem)!;
  return regionIdOf(
    mem,
    o.mappings
      .filter((mapping) => mapping.vm !== 'ANY')
      .map((mapping) => p.vms[mapping.vm as number]?.hash ?? 0),
  );
}

/** Region id of object `memName` in policy terms: name plus sorted named hashes. */
export function regionIdOf(memName: string, hashes: readonly number[]): string {
  return `${memName}/${[...hashes]
    .sort((a, b) => a - b)
    .map((h) => hex(h))
    .join(',')}`;
}

/** RMI_DATA_CREATE_UNKNOWN_SHARED failure conditions, in order. */
export const DATA_CREATE_UNKNOWN_SHARED_CONDITIONS: readonly FailureCondition<In>[] = [
  ...RD,
  {
    label: 'data_align',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) =>
      c.addr % GRANULE_SIZE_U64 !== 0n && `data ${hex(Number(c.addr))} is not 4 KiB aligned`,
  },
  {
    label: 'data_state',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) => {
      const st = stateAt(c.ctx, Number(c.addr));
      const proto = gapOn(mica(c.ctx), 'gap-map-after-upload');
      if (st === 'DELEGATED') {
        const tag = tagOf(c.ctx, Number(c.addr));
        return (
          tag !== undefined &&
          tag !== 'mica:shared' &&
          tag !== 'mica:stale' &&
          `granule ${hex(Number(c.addr))} is Mica's ${tag}, not a shared page`
        );
      }
      if (st === 'DATA' && proto) return false;
      return `granule ${hex(Number(c.addr))} (data) is ${st}, expected DELEGATED${proto ? ' or DATA' : ''}`;
    },
  },
  {
    label: 'ipa_align',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) =>
      c.ipa % GRANULE_SIZE_U64 !== 0n && `ipa ${hex(Number(c.ipa))} is not 4 KiB aligned`,
  },
  {
    label: 'ipa_bound',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) =>
      c.ipa >= BigInt(2 ** (realmOf(c).ipaWidth - 1)) &&
      `ipa ${hex(Number(c.ipa))} is not a protected IPA of the realm`,
  },
  {
    label: 'mica_dummy',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) =>
      !mr(c).uploaded &&
      mr(c).dummy === 0 &&
      `the realm has no dummy page yet (RMI_REALM_DUMMY_PAGE), so a pre-upload mapping has nothing to show`,
  },
  {
    label: 'mica_sgt',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) => {
      const monitor = mica(c.ctx);
      // The table has room (the common case): no need to look for the entry.
      if (monitor.sgt.entries.length < sgtCapacity(monitor)) return false;
      const exists = monitor.sgt.entries.some(
        (e) => e.pa === Number(c.addr) && e.rd === Number(c.rd),
      );
      return (
        !exists &&
        (monitor.sgt.granules.length === 0
          ? 'no SGT granule has been donated (RMI_SGT)'
          : `the SGT is full (${monitor.sgt.entries.length} entries)`)
      );
    },
  },
  {
    label: 'rtt_walk',
    status: abi.RMI_ERROR_RTT,
    index: (c) => walkOf(c).level,
    fails: (c) =>
      walkOf(c).level < 3 &&
      `the RTT walk for ipa ${hex(Number(c.ipa))} stopped at level ${walkOf(c).level}; create the level ${walkOf(c).level + 1} RTT first`,
  },
  {
    label: 'rtte_state',
    status: abi.RMI_ERROR_RTT,
    index: () => 3,
    fails: (c) => {
      const e = walkOf(c).entry;
      if (e.state !== 'UNASSIGNED')
        return `the RTT entry for ipa ${hex(Number(c.ipa))} is ${e.state}`;
      const mapping = mr(c).mappings[hex(Number(c.ipa))];
      return (
        mapping !== undefined &&
        `ipa ${hex(Number(c.ipa))} already maps shared page ${hex(mapping.pa)}`
      );
    },
  },
  {
    label: 'mica_policy',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) => postUploadProblem(c)?.reason ?? false,
  },
  {
    label: 'mica_fresh_full',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) => {
      const monitor = mica(c.ctx);
      return (
        mr(c).uploaded &&
        !gapOn(monitor, 'gap-no-fresh') &&
        monitor.fresh[hex(Number(c.addr))] === undefined &&
        freshFull(monitor, 1) &&
        `the FRESH page-ownership table is full (${FRESH_TABLE_MAX} pages, §3.2): page ${hex(Number(c.addr))} cannot be claimed`
      );
    },
  },
];

/** True when `extra` more FRESH claims would exceed the table's capacity (§3.2). */
export function freshFull(monitor: MicaState, extra: number): boolean {
  return Object.keys(monitor.fresh).length + extra > FRESH_TABLE_MAX;
}

function dataCreateUnknownShared(ctx: Ctx, args: readonly bigint[]): RmiOutcome {
  const [rd = 0n, addr = 0n, ipa = 0n] = args;
  const c: In = { ctx, rd, addr, ipa, size: 0n };
  const failure = firstFailure(DATA_CREATE_UNKNOWN_SHARED_CONDITIONS, c);
  const monitor = mica(ctx);
  const rdPa = Number(rd);
  const pa = Number(addr);
  if (failure) {
    if (failure.label === 'mica_policy') {
      const why = postUploadProblem(c)!;
      decide(ctx, 'shared-map', HOST_END, realmEnd(ctx, rdPa, Number(ipa)), {
        verdict: 'blocked',
        rule: why.rule,
        reason: why.reason,
      });
    }
    // The prototype records the tuple even when the mapping failed (§3.1).
    const pastBasics = !['rd_align', 'rd_state', 'data_align', 'data_state'].includes(
      failure.label,
    );
    if (monitor.mode === 'mica-prototype' && pastBasics) {
      const changed = sgtUpsert(monitor, { pa, gpa: Number(ipa), rd: rdPa });
      if (changed !== false) storeSgt(ctx, changed);
    }
    return refuse(failure);
  }
  const r = micaRealm(monitor, rdPa);
  const racing =
    monitor.concurrent && monitor.lastUpsert !== undefined && monitor.lastUpsert.rd !== rdPa;
  const changed = sgtUpsert(monitor, { pa, gpa: Number(ipa), rd: rdPa });
  if (racing) {
    const lost = gapOn(monitor, 'gap-sgt-race');
    decide(
      ctx,
      'sgt',
      HOST_END,
      { kind: 'rmm', name: 'SGT' },
      {
        verdict: lost ? 'allowed' : 'blocked',
        rule: lost ? 'gap-sgt-race' : 'sgt:serialised',
        reason: lost
          ? `prototype: two realms update the SGT at once without a lock; the other realm's last entry is lost`
          : `the monitor serialises SGT updates: concurrent prefaults lose nothing`,
      },
    );
  }
  const p = policyOf(r);
  if (r.uploaded && p) {
    const mem = p.mems.find((o) => {
      const w = o.type === 'PROTECTED' ? ownWindow(p, o) : undefined;
      return (
        w !== undefined &&
        Number(ipa) >= Number(w.gpa) &&
        Number(ipa) < Number(w.gpa) + Number(o.size)
      );
    });
    const w = mem ? ownWindow(p, mem) : undefined;
    r.mappings[hex(Number(ipa))] = {
      ipa: Number(ipa),
      pa,
      state: 'ACTIVE',
      prot: w?.prot ?? 'RW',
      mem: mem?.name ?? null,
    };
    if (mem && !gapOn(monitor, 'gap-no-fresh')) {
      const hashes = mem.mappings
        .filter((mapping) => mapping.vm !== 'ANY')
        .map((mapping) => p.vms[mapping.vm as number]?.hash ?? 0);
      monitor.fresh[hex(pa)] = regionIdOf(mem.name, hashes);
    }
    decide(ctx, 'shared-map', HOST_END, realmEnd(ctx, rdPa, Number(ipa)), {
      verdict: 'allowed',
      rule: mem ? `${mem.name}.mappings.${vmName(p, p.self)}` : 'gap-map-after-upload',
      reason: mem
        ? `page ${hex(pa)} mapped at ${hex(Number(ipa))} inside ${realmName(monitor, rdPa)}'s ${mem.name} window (${w!.prot})`
        : `prototype: after upload the real page is mapped without any policy check`,
    });
  } else {
    r.mappings[hex(Number(ipa))] = { ipa: Number(ipa), pa, state: 'DUMMY', prot: 'R', mem: null };
  }
  // A new stage 2 leaf of the monitor: cached translations of the page go (hooks.ts translate).
  ctx.translations?.flush();
  tagShared(ctx, pa);
  storeSgt(ctx, changed === false ? 0 : changed);
  return success();
}

/** RMI_SET_PROTECTED_SHARED_RANGE failure conditions. */
export const SET_RANGE_CONDITIONS: readonly FailureCondition<In>[] = [
  ...RD,
  {
    label: 'mica_range',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) =>
      (c.ipa % GRANULE_SIZE_U64 !== 0n || c.size === 0n || c.size % GRANULE_SIZE_U64 !== 0n) &&
      `range ${hex(Number(c.ipa))} + ${hex(Number(c.size))} is not whole 4 KiB pages`,
  },
  {
    label: 'mica_table_full',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) =>
      mica(c.ctx).ranges.length >= PSR_TABLE_MAX &&
      `the protected-shared-range table is full (${PSR_TABLE_MAX} entries)`,
  },
];

/** RMI_BIND_PROTECTED_SHARED failure conditions (vestigial command). */
export const BIND_CONDITIONS: readonly FailureCondition<In>[] = [
  ...RD,
  {
    label: 'pa_align',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) =>
      c.addr % GRANULE_SIZE_U64 !== 0n && `pa ${hex(Number(c.addr))} is not 4 KiB aligned`,
  },
  {
    label: 'ipa_align',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) =>
      c.ipa % GRANULE_SIZE_U64 !== 0n && `ipa ${hex(Number(c.ipa))} is not 4 KiB aligned`,
  },
];

/** RMI_REALM_PD failure conditions. */
export const REALM_PD_CONDITIONS: readonly FailureCondition<In>[] = [
  ...RD,
  ...granule('pd', 'pd', ['DELEGATED']),
  notInUse('pd_in_use', 'pd'),
  {
    label: 'realm_state',
    status: abi.RMI_ERROR_REALM,
    fails: (c) =>
      realmOf(c).state !== 'NEW' &&
      `the realm is ${realmOf(c).state}; the PD must be attached before REALM_ACTIVATE`,
  },
  {
    label: 'mica_pd_set',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) => mr(c).pd !== 0 && `the realm already has PD ${hex(mr(c).pd)}`,
  },
];

/** RMI_SGT failure conditions. */
export const SGT_CONDITIONS: readonly FailureCondition<In>[] = [
  ...granule('sgt', 'sgt', ['DELEGATED']),
  notInUse('sgt_in_use', 'sgt'),
  {
    label: 'mica_sgt_full',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) =>
      mica(c.ctx).sgt.granules.length >= SGT_MAX_GRANULES &&
      `the SGT already has ${SGT_MAX_GRANULES} granules`,
  },
];

/** RMI_REALM_DUMMY_PAGE failure conditions. */
export const DUMMY_PAGE_CONDITIONS: readonly FailureCondition<In>[] = [
  ...RD,
  {
    label: 'mica_uploaded',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) => mr(c).uploaded && 'the realm has uploaded its policy; the dummy page is frozen',
  },
  {
    label: 'mica_dummy_set',
    status: abi.RMI_ERROR_INPUT,
    fails: (c) =>
      mr(c).dummy !== 0 &&
      mr(c).dummy !== Number(c.addr) &&
      `the realm's dummy page is already ${hex(mr(c).dummy)}`,
  },
  ...granule('dummy', 'dummy', ['DELEGATED']).map((cond) => ({
    ...cond,
    fails: (c: In) => mr(c).dummy !== Number(c.addr) && cond.fails(c),
  })),
  {
    ...notInUse('dummy_in_use', 'dummy'),
    fails: (c: In) => mr(c).dummy !== Number(c.addr) && notInUse('x', 'dummy').fails(c),
  },
];

function tag(ctx: Ctx, pa: number, t: string): void {
  const g = ctx.state.granules[Math.floor(pa / abi.GRANULE_SIZE)];
  if (g) g.ext = t;
}

/** The six Mica RMI commands. */
export const MICA_RMI_COMMANDS: readonly RmiCommandSpec[] = [
  {
    fid: SMC_RMI_DATA_CREATE_UNKNOWN_SHARED,
    name: 'RMI_DATA_CREATE_UNKNOWN_SHARED',
    section: 'mica-spec.md §3.1',
    args: ['rd', 'data', 'ipa'],
    results: [],
    summary: 'Mica: map a protected shared page (dummy page before upload), recorded in the SGT',
    handler: dataCreateUnknownShared,
  },
  {
    fid: SMC_RMI_SET_PROTECTED_SHARED_RANGE,
    name: 'RMI_SET_PROTECTED_SHARED_RANGE',
    section: 'mica-spec.md §3.1',
    args: ['rd', 'ipa', 'size'],
    results: [],
    summary: 'Mica: advertise a window of protected shared memory (bookkeeping)',
    handler(ctx, [rd = 0n, ipa = 0n, size = 0n]) {
      const c: In = { ctx, rd, addr: 0n, ipa, size };
      const f = firstFailure(SET_RANGE_CONDITIONS, c);
      if (f) return refuse(f);
      mica(ctx).ranges.push({ rd: Number(rd), ipa: Number(ipa), size: Number(size) });
      ctx.translations?.flush();
      return success();
    },
  },
  {
    fid: SMC_RMI_BIND_PROTECTED_SHARED,
    name: 'RMI_BIND_PROTECTED_SHARED',
    section: 'mica-spec.md §3.1',
    args: ['rd', 'pa', 'ipa'],
    results: [],
    summary: 'Mica (vestigial): validates its arguments and maps nothing',
    handler(ctx, [rd = 0n, addr = 0n, ipa = 0n]) {
      const f = firstFailure(BIND_CONDITIONS, { ctx, rd, addr, ipa, size: 0n });
      if (f) return refuse(f);
      ctx.emit({
        kind: 'note',
        text: `RMI_BIND_PROTECTED_SHARED: could not map ${hex(Number(addr))} (vestigial)`,
      });
      return success();
    },
  },
  {
    fid: SMC_RMI_REALM_PD,
    name: 'RMI_REALM_PD',
    section: 'mica-spec.md §3.1',
    args: ['rd', 'pd'],
    results: [],
    summary: 'Mica: attach a DELEGATED granule as the realm policy descriptor',
    handler(ctx, [rd = 0n, addr = 0n]) {
      const c: In = { ctx, rd, addr, ipa: 0n, size: 0n };
      const f = firstFailure(REALM_PD_CONDITIONS, c);
      if (f) return refuse(f);
      mr(c).pd = Number(addr);
      tag(ctx, Number(addr), 'mica:pd');
      return success();
    },
  },
  {
    fid: SMC_RMI_SGT,
    name: 'RMI_SGT',
    section: 'mica-spec.md §3.1',
    args: ['sgt'],
    results: [],
    summary: 'Mica: donate a DELEGATED granule to the shared-granule table',
    handler(ctx, [addr = 0n]) {
      const f = firstFailure(SGT_CONDITIONS, { ctx, rd: 0n, addr, ipa: 0n, size: 0n });
      if (f) return refuse(f);
      const monitor = mica(ctx);
      monitor.sgt.granules.push(Number(addr));
      monitor.sgt.granules.sort((a, b) => a - b);
      tag(ctx, Number(addr), 'mica:sgt');
      storeSgt(ctx);
      return success();
    },
  },
  {
    fid: SMC_RMI_REALM_DUMMY_PAGE,
    name: 'RMI_REALM_DUMMY_PAGE',
    section: 'mica-spec.md §3.1',
    args: ['rd', 'dummy'],
    results: [],
    summary: 'Mica: zero a DELEGATED granule and use it as the realm dummy page',
    handler(ctx, [rd = 0n, addr = 0n]) {
      const c: In = { ctx, rd, addr, ipa: 0n, size: 0n };
      const f = firstFailure(DUMMY_PAGE_CONDITIONS, c);
      if (f) return refuse(f);
      wipeGranule(ctx.state, Number(addr));
      mr(c).dummy = Number(addr);
      tag(ctx, Number(addr), 'mica:dummy');
      return success();
    },
  },
];

/** Whether `prot` grants `access`. */
export function protAllows(prot: 'R' | 'W' | 'RW', access: 'read' | 'write' | 'fetch'): boolean {
  return access === 'write' ? canWrite(prot) : canRead(prot);
}
