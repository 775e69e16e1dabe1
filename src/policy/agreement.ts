/**
 * The agreement ("chain of custody") check of mica-spec.md §2.5-§2.7 as a pure function over
 * per-realm policies: peer discovery through the hash labels, definition equality of every shared
 * PROTECTED object, the policy-level parts of coverage / consistency / exclusivity, the strict
 * rules of §2.6, control-flow agreement and the global transition table of §2.7.
 *
 * Design rationale: policies are uploaded one at a time and each upload is checked only against
 * the peers already registered, an induction over upload order (§2.5). `validateUpload` is that
 * single step over an explicit {@link AgreementState}, so the monitor can call it at
 * RSI_UPLOAD_POLICY; `checkAgreement` folds it over a whole set in upload order. Emulator
 * choices from §8: uploads are atomic (a refused upload registers nothing, item 10), the
 * transition table is keyed by realm identity (the owner's hash), not by index (item 8), and
 * control-flow rules are checked even without a PROTECTED object (item 9). The SGT-based parts
 * of step 4 (every page faulted in, same physical page everywhere, no unlisted realm on the
 * pages) need the machine's shared-granule table and belong to the monitor; here they are
 * reduced to what the policies alone decide: whole-page sizes and aligned windows (coverage),
 * non-overlapping windows of one realm (consistency) and the ANY count (exclusivity).
 */
import {
  ANY_COUNT_UNLIMITED,
  MEM_MAX_PAGES,
  MEM_PAGE_SIZE,
  TRANSITION_MAX_PEERS,
  TRANSITION_TABLE_MAX,
  VALIDATION_BAD_ARGS,
  VALIDATION_CONFIG_MISMATCH,
  VALIDATION_ILLEGAL_EXTRA_REALM,
  VALIDATION_NOT_FOUND,
  VALIDATION_SGT_CONFLICT,
  VALIDATION_SGT_COVERAGE,
} from './abi.ts';
import { hex } from './format.ts';
import type { CfPolicy, CfType, Policy, PolicyMapping, PolicyMem, PolicyVm } from './model.ts';

/** A policy with the label refusals use for its realm (defaults to its Self VM name). */
export interface RealmPolicy {
  readonly policy: Policy;
  /** Display name, e.g. `encoder`. */
  readonly name?: string;
}

/** The checks of §2.5-§2.7 a refusal can come from. */
export type AgreementCheck =
  | 'identity'
  | 'peers'
  | 'definition'
  | 'coverage'
  | 'consistency'
  | 'exclusivity'
  | 'strict'
  | 'control-flow'
  | 'transition-table';

/** One refusal, in plain words, naming the check, the object, the peer and the field. */
export interface Refusal {
  readonly check: AgreementCheck;
  /** Validation return code of §2.5 (the realm itself only sees RSI_ERROR_INPUT). */
  readonly code: number;
  /** The uploading realm. */
  readonly realm: string;
  /** The registered peer it disagrees with, if any. */
  readonly peer?: string;
  /** Memory object or CF rule name. */
  readonly object?: string;
  /** Field path in the uploader's terms, e.g. `size`, `mappings.VM3.prot`, `VM2.strict`. */
  readonly field?: string;
  readonly message: string;
}

/** One entry of the global transition table (§2.7), keyed by owner identity (§8 item 8). */
export interface TransitionEntry {
  /** Hash label of the owner realm; null for owner NONE. */
  readonly ownerHash: number | null;
  readonly type: CfType;
  readonly range: number;
  readonly policy: CfPolicy;
  readonly strict: boolean;
  /**
   * Hash labels of the group recorded by the first strict upload (empty until then). The spec
   * says "all VMs except self", which would make any two strict realms of one pipeline conflict
   * (each excludes a different self), contradicting the locked-down variants of §5.4; the
   * emulator records the whole VM list of the file, identical across a pipeline (§2.1).
   */
  readonly peers: readonly number[];
  /** Which upload recorded it first, and which made it strict (for messages). */
  readonly recordedBy: string;
  readonly lockedBy: string | null;
}

/** What earlier uploads left behind: registered policies in upload order, and the table. */
export interface AgreementState {
  readonly registered: readonly RealmPolicy[];
  readonly table: readonly TransitionEntry[];
}

/** Result of one upload. `state` is unchanged when the upload is refused (atomic upload). */
export interface UploadVerdict {
  readonly accepted: boolean;
  readonly refusals: readonly Refusal[];
  readonly state: AgreementState;
}

/** Result of {@link checkAgreement}. */
export interface AgreementResult {
  readonly ok: boolean;
  readonly refusals: readonly Refusal[];
  /** Final state: accepted uploads and the transition table. */
  readonly state: AgreementState;
}

/** The state of a machine on which nobody has uploaded yet. */
export function emptyAgreementState(): AgreementState {
  return { registered: [], table: [] };
}

/** Label of a realm policy. */
export function realmLabel(rp: RealmPolicy): string {
  return rp.name ?? rp.policy.vms[rp.policy.self]?.name ?? `realm#${rp.policy.self}`;
}

function selfHash(p: Policy): number | undefined {
  return p.vms[p.self]?.hash;
}

function vmByHash(p: Policy, hash: number): { index: number; vm: PolicyVm } | undefined {
  const index = p.vms.findIndex((v) => v.hash === hash);
  const vm = p.vms[index];
  return vm ? { index, vm } : undefined;
}

function named(mem: PolicyMem, index: number): PolicyMapping | undefined {
  return mem.mappings.find((m) => m.vm === index);
}

function anyOf(mem: PolicyMem): PolicyMapping | undefined {
  return mem.mappings.find((m) => m.vm === 'ANY');
}

function countText(n: number): string {
  return n === ANY_COUNT_UNLIMITED ? '-1 (unlimited)' : String(n);
}

/** Working context of one upload. */
class Upload {
  readonly refusals: Refusal[] = [];
  readonly label: string;
  readonly policy: Policy;

  constructor(
    readonly candidate: RealmPolicy,
    readonly state: AgreementState,
  ) {
    this.label = realmLabel(candidate);
    this.policy = candidate.policy;
  }

  refuse(r: Omit<Refusal, 'realm'>): void {
    this.refusals.push({ realm: this.label, ...r });
  }

  /** Label for the realm with `hash`: a registered or the uploading realm's name, else its VM name. */
  who(hash: number, fallback: string): string {
    if (selfHash(this.policy) === hash) return this.label;
    const reg = this.state.registered.find((r) => selfHash(r.policy) === hash);
    return reg ? realmLabel(reg) : fallback;
  }

  /**
   * Which of the uploader's objects a refusal is about, as the head of its message: the object's
   * name and the uploader's own mapping of it (or the lack of one), e.g.
   * `Mem1 (encoder maps it R at 0x18000000000)`.
   */
  about(mem: PolicyMem): string {
    const own = named(mem, this.policy.self);
    return own
      ? `${mem.name} (${this.label} maps it ${own.prot} at ${hex(own.gpa)})`
      : `${mem.name} (${this.label} has no mapping of its own)`;
  }
}

/**
 * Registered realms (other than the uploader and `holder`) whose own policy maps them into
 * `mem` inside `any`'s window without `holder`'s copy naming them: the extra realms an ANY
 * admits. Policy-level stand-in for the SGT count of §2.5 step 4, assuming registered realms
 * have prefaulted their declared windows.
 */
function anyUsers(
  up: Upload,
  mem: PolicyMem,
  holderPolicy: Policy,
  any: PolicyMapping,
  holder: RealmPolicy | undefined,
): string[] {
  const out: string[] = [];
  for (const r of up.state.registered) {
    if (r === holder) continue;
    const hash = selfHash(r.policy);
    const theirs = r.policy.mems.find((m) => m.name === mem.name && m.type === 'PROTECTED');
    const own = theirs ? named(theirs, r.policy.self) : undefined;
    if (hash === undefined || !own || own.gpa !== any.gpa || own.prot !== any.prot) continue;
    const listed = vmByHash(holderPolicy, hash);
    if (listed && named(mem, listed.index)) continue;
    out.push(realmLabel(r));
  }
  return out;
}

/**
 * §2.5 step 4, exclusivity at policy level: a registered realm whose own policy maps it into the
 * uploader's object, which the uploader's copy does not list, is an extra realm; it is allowed
 * only inside the uploader's ANY window and within its count.
 */
function checkExtraRealms(up: Upload, mem: PolicyMem): void {
  const me = selfHash(up.policy);
  const namedHashes = mem.mappings.flatMap((m) =>
    m.vm === 'ANY' ? [] : [up.policy.vms[m.vm]?.hash],
  );
  const any = anyOf(mem);
  const admitted: string[] = [];
  for (const r of up.state.registered) {
    const hash = selfHash(r.policy);
    if (hash === undefined || namedHashes.includes(hash)) continue;
    const theirs = r.policy.mems.find((m) => m.name === mem.name && m.type === 'PROTECTED');
    const own = theirs ? named(theirs, r.policy.self) : undefined;
    if (!theirs || !own) continue;
    // Only realms that believe they share this object with the uploader or its named realms.
    const related = theirs.mappings.some((m) => {
      const h = m.vm === 'ANY' ? undefined : r.policy.vms[m.vm]?.hash;
      return h !== undefined && h !== hash && (h === me || namedHashes.includes(h));
    });
    if (!related) continue;
    const vmName = r.policy.vms[r.policy.self]?.name ?? realmLabel(r);
    if (any && any.gpa === own.gpa && any.prot === own.prot) {
      admitted.push(realmLabel(r));
      continue;
    }
    up.refuse({
      check: 'exclusivity',
      code: VALIDATION_ILLEGAL_EXTRA_REALM,
      peer: realmLabel(r),
      object: mem.name,
      field: `mappings.${vmName}`,
      message: `${up.about(mem)}: ${up.label}'s copy does not list ${realmLabel(r)}, but ${realmLabel(r)}'s copy maps it ${own.prot} at ${hex(own.gpa)}${any ? `, outside the ANY window (${any.prot} at ${hex(any.gpa)})` : ''}`,
    });
  }
  if (any && any.anyCount !== ANY_COUNT_UNLIMITED && admitted.length > any.anyCount) {
    up.refuse({
      check: 'exclusivity',
      code: VALIDATION_ILLEGAL_EXTRA_REALM,
      object: mem.name,
      field: 'mappings.ANY.any-count',
      message: `${up.about(mem)}: ${admitted.length} realms (${admitted.join(', ')}) use its ANY window, which admits ${any.anyCount}`,
    });
  }
}

/** Step 3: definition equality between the uploader's object `mem` and a registered peer. */
function compareDefinition(up: Upload, mem: PolicyMem, peer: RealmPolicy): void {
  const self = up.policy;
  const other = peer.policy;
  const peerName = realmLabel(peer);
  const theirs = other.mems.find((m) => m.name === mem.name);
  const disagree = (
    field: string,
    subject: string,
    peerValue: string,
    selfValue: string,
    check: AgreementCheck = 'definition',
    code = VALIDATION_CONFIG_MISMATCH,
  ) =>
    up.refuse({
      check,
      code,
      peer: peerName,
      object: mem.name,
      field,
      message: `${up.about(mem)}: ${peerName}'s copy says ${subject} ${peerValue}, ${up.label}'s says ${selfValue}`,
    });
  if (!theirs) {
    up.refuse({
      check: 'definition',
      code: VALIDATION_NOT_FOUND,
      peer: peerName,
      object: mem.name,
      field: 'name',
      message: `${up.about(mem)}: ${up.label}'s copy shares it with ${peerName}, but ${peerName}'s policy has no object named ${mem.name}`,
    });
    return;
  }
  if (theirs.type !== mem.type) disagree('type', 'type', theirs.type, mem.type);
  if (theirs.size !== mem.size) disagree('size', 'size', hex(theirs.size), hex(mem.size));
  const myAny = anyOf(mem);
  const peerAny = anyOf(theirs);
  if (myAny && peerAny) {
    if (myAny.gpa !== peerAny.gpa)
      disagree('mappings.ANY.gpa', 'ANY gpa', hex(peerAny.gpa), hex(myAny.gpa));
    if (myAny.prot !== peerAny.prot)
      disagree('mappings.ANY.prot', 'ANY prot', peerAny.prot, myAny.prot);
    if (myAny.anyCount !== peerAny.anyCount) {
      disagree(
        'mappings.ANY.any-count',
        'ANY any-count',
        countText(peerAny.anyCount),
        countText(myAny.anyCount),
      );
    }
  }
  // Named mappings, both directions; VMs admitted through an ANY are counted per side.
  const direction = (
    from: Policy,
    fromMem: PolicyMem,
    to: Policy,
    toMem: PolicyMem,
    fromIsSelf: boolean,
  ) => {
    const throughAny = new Set<string>();
    const toAny = anyOf(toMem);
    for (const m of fromMem.mappings) {
      if (m.vm === 'ANY') continue;
      const vm = from.vms[m.vm];
      if (!vm) continue;
      const vmName = `${vm.name} (${up.who(vm.hash, vm.name)})`;
      const field = `mappings.${vm.name}`;
      const match = vmByHash(to, vm.hash);
      const theirMap = match ? named(toMem, match.index) : undefined;
      if (match && theirMap) {
        if (!fromIsSelf) continue; // values were compared in the self → peer direction
        if (theirMap.gpa !== m.gpa)
          disagree(`${field}.gpa`, `${vmName} gpa`, hex(theirMap.gpa), hex(m.gpa));
        if (theirMap.prot !== m.prot)
          disagree(`${field}.prot`, `${vmName} prot`, theirMap.prot, m.prot);
        for (const flag of ['is-gateway', 'strict'] as const) {
          const mine = flag === 'strict' ? vm.strict : vm.isGateway;
          const their = flag === 'strict' ? match.vm.strict : match.vm.isGateway;
          if (mine !== their)
            disagree(`${vm.name}.${flag}`, `${vmName} ${flag}`, String(their), String(mine));
        }
        continue;
      }
      if (toAny && toAny.gpa === m.gpa && toAny.prot === m.prot) {
        throughAny.add(up.who(vm.hash, vm.name));
        continue;
      }
      const holder = fromIsSelf ? peerName : up.label;
      const lister = fromIsSelf ? up.label : peerName;
      // The same VM entry under another hash: the peer's file was bound to another realm (one
      // built with other options measures to another RIM, so another label: §8 item 3).
      const namesake = match ? -1 : to.vms.findIndex((v) => v.name === vm.name);
      const other = to.vms[namesake];
      const holderOf = other ? up.who(other.hash, '') : '';
      const rebound =
        other && named(toMem, namesake)
          ? `; its ${other.name} is hash ${hex(other.hash)}${holderOf ? ` (${holderOf})` : ''}: the two files name different realms as ${vm.name} (a realm built again with other options measures to another RIM, so another label)`
          : '';
      const why = match ? `no mapping for ${vm.name}` : `no VM with hash ${hex(vm.hash)}`;
      const anyNote = toAny
        ? `, and its ANY (${toAny.prot} at ${hex(toAny.gpa)}) does not cover ${m.prot} at ${hex(m.gpa)}`
        : ' and no ANY';
      up.refuse({
        check: 'definition',
        code: VALIDATION_CONFIG_MISMATCH,
        peer: peerName,
        object: mem.name,
        field,
        message: `${up.about(mem)}: ${lister} lists ${vmName} ${m.prot} at ${hex(m.gpa)}, ${holder}'s copy has ${why}${anyNote}${rebound}`,
      });
    }
    // Other registered realms already inside the peer's ANY window count too (§2.5 step 4).
    if (fromIsSelf && toAny) {
      for (const r of anyUsers(up, toMem, to, toAny, peer)) throughAny.add(r);
    }
    if (toAny && toAny.anyCount !== ANY_COUNT_UNLIMITED && throughAny.size > toAny.anyCount) {
      const holder = fromIsSelf ? peerName : up.label;
      up.refuse({
        check: 'exclusivity',
        code: VALIDATION_ILLEGAL_EXTRA_REALM,
        peer: peerName,
        object: mem.name,
        field: 'mappings.ANY.any-count',
        message: `${up.about(mem)}: ${throughAny.size} realms (${[...throughAny].join(', ')}) reach ${holder}'s copy only through ANY, which admits ${toAny.anyCount}`,
      });
    }
  };
  direction(self, mem, other, theirs, true);
  direction(other, theirs, self, mem, false);
}

/**
 * The RMM skips non-PROTECTED objects (§2.5), so an uploader that declares a shared object
 * UNPROTECTED would never be compared with peers that declared it PROTECTED. Emulator choice:
 * refuse when a registered peer it names holds a PROTECTED object of that name.
 */
function checkDemotedObject(up: Upload, mem: PolicyMem): void {
  for (const m of mem.mappings) {
    if (m.vm === 'ANY') continue;
    const hash = up.policy.vms[m.vm]?.hash;
    if (hash === undefined || hash === selfHash(up.policy)) continue;
    const peer = up.state.registered.find((r) => selfHash(r.policy) === hash);
    const theirs = peer?.policy.mems.find((o) => o.name === mem.name);
    if (!peer || theirs?.type !== 'PROTECTED') continue;
    up.refuse({
      check: 'definition',
      code: VALIDATION_CONFIG_MISMATCH,
      peer: realmLabel(peer),
      object: mem.name,
      field: 'type',
      message: `${up.about(mem)}: ${realmLabel(peer)}'s copy says type PROTECTED, ${up.label}'s says ${mem.type}`,
    });
  }
}

/** Policy-level coverage: whole pages, at most 4096, page-aligned windows (§2.2.4, §2.5 step 4). */
function checkCoverage(up: Upload, mem: PolicyMem): void {
  const page = BigInt(MEM_PAGE_SIZE);
  if (mem.size === 0n || mem.size % page !== 0n || mem.size > page * BigInt(MEM_MAX_PAGES)) {
    up.refuse({
      check: 'coverage',
      code: VALIDATION_SGT_COVERAGE,
      object: mem.name,
      field: 'size',
      message: `${mem.name}: ${up.label} says size ${hex(mem.size)}, which is not a whole number of 4 KiB pages between 1 and ${MEM_MAX_PAGES}, so its pages can never all be covered`,
    });
  }
  for (const m of mem.mappings) {
    if (m.gpa % page === 0n) continue;
    const who = m.vm === 'ANY' ? 'ANY' : (up.policy.vms[m.vm]?.name ?? `#${m.vm}`);
    up.refuse({
      check: 'coverage',
      code: VALIDATION_SGT_COVERAGE,
      object: mem.name,
      field: `mappings.${who}.gpa`,
      message: `${mem.name}: ${up.label} puts ${who}'s window at ${hex(m.gpa)}, which is not 4 KiB aligned, so no page of it can be mapped`,
    });
  }
}

/** Policy-level consistency: one realm's windows of two PROTECTED objects must not overlap. */
function checkOverlaps(up: Upload): void {
  const windows: Array<{ mem: PolicyMem; vm: number; from: bigint; to: bigint }> = [];
  for (const mem of up.policy.mems) {
    if (mem.type !== 'PROTECTED') continue;
    for (const m of mem.mappings) {
      if (m.vm === 'ANY') continue;
      const w = { mem, vm: m.vm, from: m.gpa, to: m.gpa + mem.size };
      const clash = windows.find(
        (o) => o.vm === w.vm && o.mem !== mem && o.from < w.to && w.from < o.to,
      );
      windows.push(w);
      if (!clash) continue;
      const vmName = up.policy.vms[m.vm]?.name ?? `#${m.vm}`;
      up.refuse({
        check: 'consistency',
        code: VALIDATION_SGT_CONFLICT,
        object: mem.name,
        field: `mappings.${vmName}.gpa`,
        message: `${mem.name}: ${up.label} puts ${vmName}'s window [${hex(w.from)}, ${hex(w.to)}) over ${clash.mem.name}'s [${hex(clash.from)}, ${hex(clash.to)}); one page cannot back both objects`,
      });
    }
  }
}

/** §2.6: a strict realm accepts no shared object that a registered peer maps it into but it does not list. */
function checkStrictObjects(up: Upload): void {
  const me = selfHash(up.policy);
  if (me === undefined || !up.policy.vms[up.policy.self]?.strict) return;
  for (const peer of up.state.registered) {
    const meThere = vmByHash(peer.policy, me);
    if (!meThere) continue;
    for (const mem of peer.policy.mems) {
      if (mem.type !== 'PROTECTED' || up.policy.mems.some((m) => m.name === mem.name)) continue;
      const m = named(mem, meThere.index);
      if (!m) continue;
      up.refuse({
        check: 'strict',
        code: VALIDATION_CONFIG_MISMATCH,
        peer: realmLabel(peer),
        object: mem.name,
        field: mem.name,
        message: `${mem.name}: ${up.label} is strict and lists no ${mem.name}, but ${realmLabel(peer)}'s copy maps ${up.label} into it (${m.prot} at ${hex(m.gpa)})`,
      });
    }
  }
}

interface Tuple {
  readonly ownerHash: number | null;
  readonly type: CfType;
  readonly range: number;
  readonly policy: CfPolicy;
  readonly from: string;
  readonly rule: string;
}

function tuplesOf(rp: RealmPolicy): Tuple[] {
  const p = rp.policy;
  return p.cfs.flatMap((cf) =>
    cf.range.map((range) => ({
      ownerHash: cf.owner === 'NONE' ? null : (p.vms[cf.owner]?.hash ?? null),
      type: cf.type,
      range,
      policy: cf.policy,
      from: realmLabel(rp),
      rule: cf.name,
    })),
  );
}

function sameKey(
  a: { ownerHash: number | null; type: CfType; range: number },
  b: typeof a,
): boolean {
  return a.ownerHash === b.ownerHash && a.type === b.type && a.range === b.range;
}

/** §2.6-§2.7: control-flow agreement with the loaded peers, then the transition table. */
function checkControlFlow(up: Upload, peers: readonly RealmPolicy[]): TransitionEntry[] {
  const owner = (h: number | null) => (h === null ? 'NONE' : up.who(h, `hash ${hex(h)}`));
  const tupleText = (t: { ownerHash: number | null; type: CfType; range: number }) =>
    `(${owner(t.ownerHash)}, ${t.type}, ${hex(t.range)})`;
  const mine = tuplesOf(up.candidate);
  const all = [...mine, ...peers.flatMap(tuplesOf)];
  const reported = new Set<string>();
  for (const t of mine) {
    const other = all.find((o) => sameKey(o, t) && o.policy !== t.policy);
    const key = `${t.rule}/${tupleText(t)}`;
    if (!other || reported.has(key)) continue;
    reported.add(key);
    up.refuse({
      check: 'control-flow',
      code: VALIDATION_CONFIG_MISMATCH,
      ...(other.from !== up.label ? { peer: other.from } : {}),
      object: t.rule,
      field: `${t.rule}.policy`,
      message: `${t.rule}: ${up.label} says ${tupleText(t)} -> ${t.policy}, ${other.from === up.label ? `its own ${other.rule}` : `${other.from}'s ${other.rule}`} says ${other.policy}`,
    });
  }
  const vmHashes = up.policy.vms.map((v) => v.hash);
  const strict = up.policy.vms[up.policy.self]?.strict ?? false;
  const peerSet = [...new Set(vmHashes)].slice(0, TRANSITION_MAX_PEERS);
  const table = up.state.table.map((e) => ({ ...e }));
  if (strict) {
    for (const e of table) {
      if (e.strict || e.ownerHash === null || !vmHashes.includes(e.ownerHash)) continue;
      if (all.some((t) => sameKey(t, e))) continue;
      up.refuse({
        check: 'strict',
        code: VALIDATION_CONFIG_MISMATCH,
        peer: e.recordedBy,
        object: 'CF',
        field: 'cfs',
        message: `control flow: ${up.label} is strict, but ${e.recordedBy} already recorded ${tupleText(e)} -> ${e.policy}, which is not among the rules ${up.label} and its peers declare`,
      });
    }
  }
  for (const t of mine) {
    const at = table.findIndex((e) => sameKey(e, t));
    const e = table[at];
    if (!e) {
      if (table.length >= TRANSITION_TABLE_MAX) {
        up.refuse({
          check: 'transition-table',
          code: VALIDATION_BAD_ARGS,
          object: t.rule,
          field: `${t.rule}.range`,
          message: `${t.rule}: the transition table is full (${TRANSITION_TABLE_MAX} entries)`,
        });
        continue;
      }
      table.push({
        ownerHash: t.ownerHash,
        type: t.type,
        range: t.range,
        policy: t.policy,
        strict,
        peers: strict ? peerSet : [],
        recordedBy: up.label,
        lockedBy: strict ? up.label : null,
      });
      continue;
    }
    if (e.policy !== t.policy) {
      if (reported.has(`${t.rule}/${tupleText(t)}`)) continue; // already explained as control-flow
      up.refuse({
        check: 'transition-table',
        code: VALIDATION_CONFIG_MISMATCH,
        peer: e.recordedBy,
        object: t.rule,
        field: `${t.rule}.policy`,
        message: `${t.rule}: ${up.label} says ${tupleText(t)} -> ${t.policy}, the transition table already holds ${e.policy} from ${e.recordedBy}`,
      });
      continue;
    }
    const samePeers =
      e.peers.length === peerSet.length && e.peers.every((h) => peerSet.includes(h));
    if (strict && e.strict && e.peers.length > 0 && !samePeers) {
      up.refuse({
        check: 'transition-table',
        code: VALIDATION_CONFIG_MISMATCH,
        peer: e.lockedBy ?? e.recordedBy,
        object: t.rule,
        field: `${t.rule}.owner`,
        message: `${t.rule}: ${up.label} locks ${tupleText(t)} strictly to the group [${peerSet.map((h) => owner(h)).join(', ')}], ${e.lockedBy ?? e.recordedBy} already locked it to [${e.peers.map((h) => owner(h)).join(', ')}]`,
      });
      continue;
    }
    table[at] = {
      ...e,
      strict: e.strict || strict,
      peers: e.peers.length > 0 ? e.peers : strict ? peerSet : [],
      lockedBy: e.lockedBy ?? (strict ? up.label : null),
    };
  }
  return table;
}

/**
 * One upload (§2.5 steps 1-6 at policy level): checks `candidate` against every registered
 * peer it names. On success the candidate is registered and the transition table updated; on
 * refusal the state is returned unchanged (atomic upload, §8 item 10).
 */
export function validateUpload(state: AgreementState, candidate: RealmPolicy): UploadVerdict {
  const up = new Upload(candidate, state);
  const p = candidate.policy;
  const me = selfHash(p);
  if (me === undefined) {
    up.refuse({
      check: 'identity',
      code: VALIDATION_BAD_ARGS,
      field: 'Self',
      message: `${up.label}: Self names no VM entry`,
    });
    return { accepted: false, refusals: up.refusals, state };
  }
  const holder = state.registered.find((r) => selfHash(r.policy) === me);
  if (holder) {
    up.refuse({
      check: 'identity',
      code: VALIDATION_BAD_ARGS,
      peer: realmLabel(holder),
      field: `${p.vms[p.self]!.name}.hash`,
      message: `${up.label}: hash ${hex(me)} is already bound to ${realmLabel(holder)}; labels are first come, first served (§3.2)`,
    });
    return { accepted: false, refusals: up.refusals, state };
  }
  const loaded: RealmPolicy[] = [];
  checkOverlaps(up);
  for (const mem of p.mems) {
    if (mem.type !== 'PROTECTED') {
      checkDemotedObject(up, mem);
      continue;
    }
    checkCoverage(up, mem);
    const peers: RealmPolicy[] = [];
    let selfNamed = false;
    for (const m of mem.mappings) {
      if (m.vm === 'ANY') continue;
      const hash = p.vms[m.vm]?.hash;
      if (hash === undefined) continue;
      if (hash === me) {
        selfNamed = true;
        continue;
      }
      const peer = state.registered.find((r) => selfHash(r.policy) === hash);
      if (peer && !peers.includes(peer)) peers.push(peer);
    }
    if (!selfNamed && peers.length === 0) {
      up.refuse({
        check: 'peers',
        code: VALIDATION_BAD_ARGS,
        object: mem.name,
        field: 'mappings',
        message: `${mem.name}: ${up.label} reaches ${mem.name} only through ANY and none of its named realms has uploaded yet; a realm cannot upload a protected object that names nobody`,
      });
    }
    for (const peer of peers) {
      compareDefinition(up, mem, peer);
      if (!loaded.includes(peer)) loaded.push(peer);
    }
    checkExtraRealms(up, mem);
  }
  checkStrictObjects(up);
  const table = checkControlFlow(up, loaded);
  if (up.refusals.length > 0) return { accepted: false, refusals: up.refusals, state };
  return {
    accepted: true,
    refusals: [],
    state: { registered: [...state.registered, candidate], table },
  };
}

/**
 * The whole chain of custody: uploads `set` in order (the runbooks' strictly sequential setup,
 * §2.5) and collects every refusal. `ok` means every upload was accepted.
 */
export function checkAgreement(
  set: readonly RealmPolicy[],
  initial: AgreementState = emptyAgreementState(),
): AgreementResult {
  let state = initial;
  const refusals: Refusal[] = [];
  for (const candidate of set) {
    const verdict = validateUpload(state, candidate);
    refusals.push(...verdict.refusals);
    state = verdict.state;
  }
  return { ok: refusals.length === 0, refusals, state };
}

/** One line per refusal: `[check] message`. */
export function formatRefusal(r: Refusal): string {
  return `[${r.check}] ${r.message}`;
}
