/**
 * RSI_UPLOAD_POLICY, step by step (mica-spec.md §3.3): page checks, parse, one-shot, PD and
 * identity, the agreement check against registered peers (§2.5-§2.7, the colleague's
 * `validateUpload`), the monitor's own SGT checks (coverage, consistency, exclusivity, the
 * strict check of step 5), FRESH claims (§3.8), activation of declared windows (§3.4), NS
 * clean-up (§3.5), and the REM0 extension with the 2184-byte record (§4.1).
 *
 * Design rationale: in Mica mode the upload is atomic (§8 item 10): everything is computed
 * first and applied only when no check refused. With `gap-no-rollback` (prototype) a refused
 * upload still leaves the record in the PD and the hash bound, as §3.3 step 7 describes.
 * Every outcome is a ledger `flow` decision naming the clause that decided.
 */
import {
  abi,
  measure,
  rawRead,
  rawWrite,
  realmGranule,
  rttEntries,
  entrySize,
  type Ctx,
  type RealmRecord,
  type RecRecord,
  type RsiResult,
} from '../../emulator/index.ts';
import { concatBytes, fromHex, toHex } from '../../lib/bytes.ts';
import {
  ANY_COUNT_UNLIMITED,
  FRESH_TABLE_MAX,
  VALIDATION_ILLEGAL_EXTRA_REALM,
  VALIDATION_SGT_CONFLICT,
  VALIDATION_SGT_COVERAGE,
  VALIDATION_BAD_ARGS,
} from '../abi.ts';
import {
  validateUpload,
  type AgreementState,
  type RealmPolicy,
  type Refusal,
} from '../agreement.ts';
import { decodePoly } from '../binary.ts';
import type { Policy, PolicyMem } from '../model.ts';
import { encodeRecord } from '../record.ts';
import { MONITOR, decide, ownWindow, pagesOf, realmEnd, rimLabel, vmName } from './common.ts';
import { regionIdOf } from './rmi.ts';
import { sgtOf } from './sgt.ts';
import {
  gapOn,
  mica,
  micaRealm,
  policyOf,
  rdOfHash,
  realmName,
  type MicaRealm,
  type MicaState,
  type SgtEntry,
} from './state.ts';
import { hex } from '../../lib/hex.ts';

/** The agreement state the registered realms form (upload order). */
export function agreementStateOf(monitor: MicaState): AgreementState {
  const registered: RealmPolicy[] = Object.values(monitor.realms)
    .filter((r) => r.uploaded && r.order > 0)
    .sort((a, b) => a.order - b.order)
    .flatMap((r) => {
      const policy = policyOf(r);
      return policy ? [{ policy, name: r.name }] : [];
    });
  return { registered, table: monitor.table };
}

/**
 * §8 item 3: a realm's Self hash must be the label its RIM gives (unless the prototype's
 * first-come labels are on). The upload's first check; the policy editor's preview runs it too.
 */
export function identityRefusals(
  monitor: MicaState,
  name: string,
  rimHex: string,
  policy: Policy,
): Refusal[] {
  const selfVm = policy.vms[policy.self];
  if (!selfVm || gapOn(monitor, 'gap-first-come-labels')) return [];
  const label = rimLabel(rimHex);
  if (selfVm.hash === label) return [];
  return [
    {
      check: 'identity',
      code: VALIDATION_BAD_ARGS,
      realm: name,
      field: `${selfVm.name}.hash`,
      message: `${name} claims hash ${hex(selfVm.hash)} but its RIM gives label ${hex(label)}; labels are bound to the RIM (§8 item 3)`,
    },
  ];
}

/** The rule id a refusal names: the policy clause (`Mem1.mappings.VM2.prot`) or the check. */
export function ruleOf(r: Refusal): string {
  if (r.object && r.field) {
    return r.field.startsWith(r.object) ? r.field : `${r.object}.${r.field}`;
  }
  return r.field ?? `upload:${r.check}`;
}

/** §2.5 step 4-5: the SGT-based checks of one PROTECTED object. */
function sgtChecks(
  monitor: MicaState,
  self: MicaRealm,
  p: Policy,
  mem: PolicyMem,
  out: Refusal[],
): void {
  const label = self.name;
  const refuse = (check: Refusal['check'], code: number, field: string, message: string) =>
    out.push({ check, code, realm: label, object: mem.name, field, message });
  const pages = pagesOf(mem);
  const E: { rd: number; base: number; vm: string }[] = [];
  for (const mapping of mem.mappings) {
    if (mapping.vm === 'ANY') continue;
    const vm = p.vms[mapping.vm];
    if (!vm) continue;
    const rd = mapping.vm === p.self ? self.rd : rdOfHash(monitor, vm.hash);
    if (rd === undefined || E.some((e) => e.rd === rd)) continue;
    E.push({ rd, base: Number(mapping.gpa), vm: vm.name });
  }
  if (E.length === 0) {
    refuse(
      'peers',
      VALIDATION_BAD_ARGS,
      'mappings',
      `${mem.name}: no named realm of it is registered`,
    );
    return;
  }
  const pas: number[][] = E.map(() => []);
  for (let i = 0; i < E.length; i++) {
    const e = E[i]!;
    // The realm's entries by IPA page number (the first per IPA, as a scan in table order
    // finds; page numbers are small integers, the IPAs themselves are not).
    const byPage = new Map<number, SgtEntry>();
    for (const x of sgtOf(monitor, e.rd)) {
      const page = x.gpa / abi.GRANULE_SIZE;
      if (!byPage.has(page)) byPage.set(page, x);
    }
    for (let k = 0; k < pages; k++) {
      const hit = byPage.get((e.base + k * abi.GRANULE_SIZE) / abi.GRANULE_SIZE);
      if (!hit) {
        refuse(
          'coverage',
          VALIDATION_SGT_COVERAGE,
          `mappings.${e.vm}`,
          `${mem.name}: page ${k} of ${realmName(monitor, e.rd)}'s window (IPA ${hex(e.base + k * abi.GRANULE_SIZE)}) was never faulted in; every listed, registered realm must prefault all ${pages} pages`,
        );
        return;
      }
      pas[i]!.push(hit.pa);
    }
  }
  for (let k = 0; k < pages; k++) {
    const first = pas[0]![k]!;
    let other = -1;
    for (let i = 1; i < E.length && other < 0; i++) if (pas[i]![k] !== first) other = i;
    if (other > 0) {
      refuse(
        'consistency',
        VALIDATION_SGT_CONFLICT,
        `mappings.${E[other]!.vm}`,
        `${mem.name}: page ${k} is ${hex(first)} in ${realmName(monitor, E[0]!.rd)} but ${hex(pas[other]![k]!)} in ${realmName(monitor, E[other]!.rd)}; the host handed out different pages`,
      );
      return;
    }
  }
  const pageSet = new Set(pas[0]);
  const any = mem.mappings.find((mapping) => mapping.vm === 'ANY');
  const extras = new Set<number>();
  for (const e of monitor.sgt.entries) {
    if (!pageSet.has(e.pa) || E.some((x) => x.rd === e.rd)) continue;
    const inAny =
      any !== undefined && e.gpa >= Number(any.gpa) && e.gpa < Number(any.gpa) + Number(mem.size);
    if (!inAny) {
      refuse(
        'exclusivity',
        VALIDATION_ILLEGAL_EXTRA_REALM,
        'mappings',
        `${mem.name}: ${realmName(monitor, e.rd)} maps page ${hex(e.pa)} of ${mem.name} at ${hex(e.gpa)} but is not a registered realm ${mem.name} lists`,
      );
      return;
    }
    extras.add(e.rd);
  }
  if (any && any.anyCount !== ANY_COUNT_UNLIMITED && extras.size > any.anyCount) {
    refuse(
      'exclusivity',
      VALIDATION_ILLEGAL_EXTRA_REALM,
      'mappings.ANY.any-count',
      `${mem.name}: ${extras.size} unnamed realms map its pages, ANY admits ${any.anyCount}`,
    );
    return;
  }
  if (p.vms[p.self]?.strict) {
    // Read on physical pages: a strict realm maps M's pages only inside its own window (step 5)
    const own = ownWindow(p, mem);
    // The SGT keys entries by (pa, rd), so a second mapping of a page hides the first; the
    // monitor's own stage-2 record of the realm lists every IPA.
    const mine = [
      ...sgtOf(monitor, self.rd),
      ...Object.values(self.mappings).map((mapping) => ({ pa: mapping.pa, gpa: mapping.ipa })),
    ];
    for (const e of mine) {
      if (!pageSet.has(e.pa)) continue;
      const inOwn = own && e.gpa >= Number(own.gpa) && e.gpa < Number(own.gpa) + Number(mem.size);
      if (inOwn) continue;
      refuse(
        'strict',
        VALIDATION_SGT_CONFLICT,
        `${vmName(p, p.self)}.strict`,
        `${mem.name}: ${label} is strict but also maps ${mem.name}'s page ${hex(e.pa)} at ${hex(e.gpa)}, outside its own window`,
      );
      return;
    }
  }
}

/** What activation will do: mappings to turn ACTIVE and FRESH claims. */
interface Plan {
  readonly activate: { ipa: number; prot: 'R' | 'W' | 'RW'; mem: string }[];
  readonly claims: { pa: number; region: string }[];
}

/**
 * Names of the realms whose ACTIVE mappings of page `pa` hold its FRESH claim, in RD order (a
 * dummy mapping maps no region and holds none, sgt.ts `afterUnmap`).
 */
function claimHolders(monitor: MicaState, pa: number): string[] {
  return Object.values(monitor.realms)
    .filter((realm) =>
      Object.values(realm.mappings).some((m) => m.pa === pa && m.state === 'ACTIVE'),
    )
    .map((realm) => realm.name);
}

function planActivation(monitor: MicaState, r: MicaRealm, p: Policy, out: Refusal[]): Plan {
  const plan: Plan = { activate: [], claims: [] };
  // Pages already claimed before this upload (freshFull counts them once, not per page).
  const claimed = Object.keys(monitor.fresh).length;
  /** Region of the first claim of each page in this plan. */
  const planned = new Map<number, string>();
  for (const mem of p.mems) {
    if (mem.type !== 'PROTECTED') continue;
    const w = ownWindow(p, mem);
    if (!w) continue;
    const region = regionIdOf(
      mem.name,
      mem.mappings
        .filter((mapping) => mapping.vm !== 'ANY')
        .map((mapping) => p.vms[mapping.vm as number]?.hash ?? 0),
    );
    for (const e of sgtOf(monitor, r.rd)) {
      if (e.gpa < Number(w.gpa) || e.gpa >= Number(w.gpa) + Number(mem.size)) continue;
      const mapping = r.mappings[hex(e.gpa)];
      if (!mapping || mapping.pa !== e.pa) continue;
      plan.activate.push({ ipa: e.gpa, prot: w.prot, mem: mem.name });
      if (gapOn(monitor, 'gap-no-fresh')) continue;
      const owner = monitor.fresh[hex(e.pa)] ?? planned.get(e.pa);
      if (owner !== undefined && owner !== region) {
        const holders = claimHolders(monitor, e.pa);
        const held =
          holders.length === 0
            ? ''
            : `, and the claim goes when the region's last mapping goes: ${holders.join(', ')} map${holders.length === 1 ? 's' : ''} it now`;
        out.push({
          check: 'consistency',
          code: VALIDATION_SGT_CONFLICT,
          realm: r.name,
          object: mem.name,
          field: `${mem.name} FRESH`,
          message: `${mem.name}: page ${hex(e.pa)} already backs region ${owner}; a FRESH page backs exactly one region (§3.8)${held}`,
        });
        return plan;
      }
      if (
        monitor.fresh[hex(e.pa)] === undefined &&
        claimed + plan.claims.length + 1 > FRESH_TABLE_MAX
      ) {
        out.push({
          check: 'consistency',
          code: VALIDATION_SGT_CONFLICT,
          realm: r.name,
          object: mem.name,
          field: `${mem.name} FRESH`,
          message: `${mem.name}: the FRESH page-ownership table is full (${FRESH_TABLE_MAX} pages, §3.2); page ${hex(e.pa)} cannot be claimed`,
        });
        return plan;
      }
      plan.claims.push({ pa: e.pa, region });
      if (!planned.has(e.pa)) planned.set(e.pa, region);
    }
  }
  return plan;
}

/** §3.5 NS rules at upload: which NS leaves go. */
function nsCleanup(ctx: Ctx, monitor: MicaState, r: MicaRealm, p: Policy): void {
  const vm = p.vms[p.self];
  if (!vm) return;
  const nonGateway = !vm.isGateway && !gapOn(monitor, 'gap-existing-ns-mappings');
  const strictGateway = vm.isGateway && vm.strict;
  if (!nonGateway && !strictGateway) return;
  const windows = p.mems
    .filter((o) => o.type === 'UNPROTECTED')
    .flatMap((o) =>
      o.mappings
        .filter((mapping) => mapping.vm === p.self || mapping.vm === 'ANY')
        .map((mapping) => ({
          base: Number(mapping.gpa),
          top: Number(mapping.gpa) + Number(o.size),
        })),
    );
  // NS leaves exist only in the unprotected half of the IPA space: walk only that half.
  const realm = ctx.state.rmm.realms[hex(r.rd)];
  const unprotected = realm ? 2 ** (realm.ipaWidth - 1) : 0;
  for (const v of rttEntries(ctx.state, r.rd, unprotected)) {
    if (v.entry.state !== 'ASSIGNED_NS') continue;
    if (strictGateway && windows.some((w) => v.ipa >= w.base && v.ipa < w.top)) continue;
    const rtt = ctx.state.rmm.rtts[hex(v.rtt)]!;
    rtt.entries[Math.floor((v.ipa - rtt.base) / entrySize(v.level))] = { state: 'UNASSIGNED_NS' };
    decide(
      ctx,
      'ns-unmap',
      realmEnd(ctx, r.rd, v.ipa),
      { kind: 'memory', name: 'NS memory', address: v.entry.pa },
      {
        verdict: 'blocked',
        rule: nonGateway ? `${vm.name} is-gateway false` : `${vm.name} strict true`,
        reason: nonGateway
          ? `${r.name} is not a gateway: its NS mapping at ${hex(v.ipa)} is removed at upload (§3.5)`
          : `${r.name} is a strict gateway: NS mapping at ${hex(v.ipa)} lies outside its UNPROTECTED windows`,
      },
    );
  }
}

/** REM0 := H(REM0 ‖ record) (§3.3 step 8). */
function extendRem0(realm: RealmRecord, record: Uint8Array): void {
  const algo = realm.hashAlgo;
  const len = measure.digestLength(algo);
  const old = fromHex(realm.rems[0]!)!.subarray(0, len);
  const out = new Uint8Array(64);
  out.set(measure.rhash(algo, concatBytes(old, record)));
  realm.rems[0] = toHex(out);
}

function fail(ctx: Ctx, rd: number, rule: string, reason: string): RsiResult {
  decide(ctx, 'policy-upload', realmEnd(ctx, rd), MONITOR, { verdict: 'blocked', rule, reason });
  return { kind: 'return', x: [BigInt(abi.RSI_ERROR_INPUT)] };
}

/** RSI_UPLOAD_POLICY (x1 = IPA of the page holding the `POLY` binary). */
export function uploadPolicy(ctx: Ctx, realm: RealmRecord, rec: RecRecord): RsiResult {
  const monitor = mica(ctx);
  const r = micaRealm(monitor, realm.rd);
  const ipa = Number(BigInt(rec.gprs[1] ?? '0'));
  // §3.3 steps 1-2: aligned and protected, else INPUT; RIPAS EMPTY, INPUT; not mapped, a
  // stage 2 fault to the host and the SMC re-executed once it mapped the page.
  if (ipa % abi.GRANULE_SIZE !== 0)
    return fail(ctx, realm.rd, 'upload:page', `IPA ${hex(ipa)} is not 4 KiB aligned`);
  if (ipa >= 2 ** (realm.ipaWidth - 1))
    return fail(ctx, realm.rd, 'upload:page', `IPA ${hex(ipa)} is not in the protected half`);
  const target = realmGranule(ctx, realm, ipa);
  if (target.kind === 'empty') return fail(ctx, realm.rd, 'upload:page', target.reason);
  if (target.kind === 'exit') return { kind: 'exit', exit: target.exit, advance: false };
  const pa = target.pa;
  const decoded = decodePoly(rawRead(ctx.state, pa, abi.GRANULE_SIZE));
  if (!decoded.ok) {
    return fail(ctx, realm.rd, 'upload:parse', decoded.errors.map((e) => e.message).join('; '));
  }
  const policy = decoded.policy;
  if (r.uploaded) {
    return fail(
      ctx,
      realm.rd,
      'upload:one-shot',
      `${r.name} already uploaded a policy; a policy is immutable once accepted`,
    );
  }
  if (r.pd === 0)
    return fail(ctx, realm.rd, 'upload:pd', `${r.name} has no policy descriptor (RMI_REALM_PD)`);
  if (policy.vms.length === 0 || (monitor.mode === 'mica-prototype' && policy.mems.length === 0)) {
    return fail(
      ctx,
      realm.rd,
      'upload:empty',
      'the policy is empty (no VMs or, in the prototype, no memory objects)',
    );
  }
  const encoded = encodeRecord(policy);
  if (!encoded.ok)
    return fail(ctx, realm.rd, 'upload:record', encoded.errors.map((e) => e.message).join('; '));
  const record = encoded.bytes;
  const selfVm = policy.vms[policy.self]!;
  const refusals: Refusal[] = [...identityRefusals(monitor, r.name, realm.rim, policy)];
  const state = agreementStateOf(monitor);
  const verdict = refusals.length > 0 ? undefined : validateUpload(state, { policy, name: r.name });
  if (verdict) refusals.push(...verdict.refusals);
  if (refusals.length === 0) {
    for (const mem of policy.mems)
      if (mem.type === 'PROTECTED') sgtChecks(monitor, r, policy, mem, refusals);
  }
  const plan = refusals.length === 0 ? planActivation(monitor, r, policy, refusals) : undefined;
  const recordHex = toHex(record);
  if (refusals.length > 0 || !verdict || !plan) {
    const first = refusals[0]!;
    if (gapOn(monitor, 'gap-no-rollback')) {
      // §3.3 step 7 in the prototype: the PD keeps the rejected record, the hash stays bound.
      r.record = recordHex;
      rawWrite(ctx.state, r.pd, record);
      const entry = monitor.registry.find((e) => e.rd === r.rd);
      if (entry && entry.hash === null && rdOfHash(monitor, selfVm.hash) === undefined)
        entry.hash = selfVm.hash;
    }
    return fail(ctx, realm.rd, ruleOf(first), first.message);
  }
  // Apply (atomic from here on). §3.3 step 5: the record goes into the PD granule. The
  // realm's shared pages change what they translate to (hooks.ts translate).
  ctx.translations?.flush();
  r.record = recordHex;
  rawWrite(ctx.state, r.pd, record);
  const entry = monitor.registry.find((e) => e.rd === r.rd);
  if (entry && entry.hash === null) entry.hash = selfVm.hash;
  monitor.table = [...verdict.state.table];
  monitor.uploads += 1;
  r.order = monitor.uploads;
  for (const a of plan.activate) {
    const mapping = r.mappings[hex(a.ipa)]!;
    mapping.state = 'ACTIVE';
    mapping.prot = a.prot;
    mapping.mem = a.mem;
  }
  for (const c of plan.claims) monitor.fresh[hex(c.pa)] = c.region;
  nsCleanup(ctx, monitor, r, policy);
  extendRem0(realm, record);
  r.uploaded = true;
  decide(ctx, 'policy-upload', realmEnd(ctx, realm.rd), MONITOR, {
    verdict: 'allowed',
    rule: 'upload:accepted',
    reason: `${r.name}'s policy agrees with every registered peer; ${plan.activate.length} shared page(s) activated, REM0 extended with the 2184-byte record`,
  });
  return { kind: 'return', x: [BigInt(abi.RSI_SUCCESS)] };
}
