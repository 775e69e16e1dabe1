/**
 * The monitor's enforcement hooks (mica-spec.md §3.5-§3.8, §8 items 2, 4-7, 13): the
 * transition-table check of every realm SMC (CALL class, §3.6), protected shared accesses
 * with `prot` (stage 2 through the `translate` hook), EXCEPTION / OTHER control transfers
 * (MMIO and WFx exits, host-injected interrupts) with BLOCK / ALLOW / SCRUB, the NS seal of
 * non-gateways, the refusal to undelegate or reuse a granule Mica uses, and the realm
 * lifecycle bookkeeping (registry at activation, purge and CLEAN at destroy).
 *
 * Every decision is a ledger `flow` event whose rule names the policy clause, e.g.
 * `Mem1.mappings.VM2.prot`, `CF1 owner VM2 CALL 0x17 BLOCK`, `VM2 is-gateway false`.
 */
import {
  abi,
  gpr,
  setGpr,
  walkRtt,
  type Ctx,
  type Decision,
  type ExitVerdict,
  type Failure,
  type MachineHooks,
  type RealmRecord,
  type RealmSmcVerdict,
  type RecExit,
  type RecRecord,
} from '../../emulator/index.ts';
import { hex } from '../format.ts';
import type { CfPolicy, CfType } from '../model.ts';
import {
  EXIT_HOST_ENDS,
  HOST_END,
  MONITOR,
  decide,
  exitHostEnd,
  realmEnd,
  smcDestination,
  vmName,
} from './common.ts';
import { protAllows } from './rmi.ts';
import { afterUnmap, mapCount, purgeRealm, storeSgt } from './sgt.ts';
import {
  gapOn,
  hashOfRd,
  mica,
  micaRealm,
  policyOf,
  realmName,
  type MicaRealm,
  type MicaState,
  type SharedMapping,
} from './state.ts';
import { CF_OTHER_FIQ, CF_OTHER_IRQ, CF_OTHER_SERROR, ESR_EC_SMC64, REGISTRY_MAX } from '../abi.ts';
import { setField } from '../../lib/bits.ts';

/** The transition-table decision for (realm, type, range), with the clause that made it. */
export function cfRule(
  monitor: MicaState,
  rd: number,
  type: CfType,
  range: number,
): { policy: CfPolicy; rule: string } | undefined {
  const r = monitor.realms[hex(rd)];
  if (!r || r.record === '') return undefined;
  const self = policyOf(r);
  const hash = hashOfRd(monitor, rd) ?? (self ? self.vms[self.self]?.hash : undefined);
  if (hash === undefined) return undefined;
  const entry = monitor.table.find(
    (e) => e.ownerHash === hash && e.type === type && e.range === range,
  );
  if (!entry) return undefined;
  // Name the clause from a policy that holds it (the owner's own first).
  const holders = [r, ...Object.values(monitor.realms).filter((x) => x !== r)];
  for (const h of holders) {
    const p = policyOf(h);
    if (!p) continue;
    const cf = p.cfs.find(
      (c) =>
        c.type === type &&
        c.range.includes(range) &&
        c.owner !== 'NONE' &&
        p.vms[c.owner]?.hash === hash,
    );
    if (cf) {
      const owner = vmName(p, cf.owner as number);
      return {
        policy: entry.policy,
        rule: `${cf.name} owner ${owner} ${type} ${hex(range)} ${entry.policy}`,
      };
    }
  }
  return {
    policy: entry.policy,
    rule: `(owner ${hex(hash)}, ${type}, ${hex(range)}) ${entry.policy}`,
  };
}

/** Registers SCRUB zeroes: every argument register, X1 up to the last SMCCC register. */
const SCRUB_FIRST = 1;
const SCRUB_LAST = abi.SMC_REGISTER_COUNT - 1;

/** True when `ipa` names a RsiHostCall the RMM could read: aligned, protected, mapped RAM. */
function hostCallBacked(ctx: Ctx, realm: RealmRecord, ipa: bigint): boolean {
  if (ipa % BigInt(abi.RSI_HOST_CALL_SIZE) !== 0n || ipa >= 2n ** BigInt(realm.ipaWidth - 1)) {
    return false;
  }
  const walk = walkRtt(ctx.state, realm, Number(ipa));
  return walk.entry.state === 'ASSIGNED' && walk.entry.ripas === 'RAM';
}

/**
 * SCRUB of a call (§8 item 7; issue 11 finding 4): forward it to the host with every argument
 * register except the function ID zeroed and the host-call data zeroed. For RSI_HOST_CALL
 * the monitor builds the exit itself, imm and gprs[0..30] all zero, without reading the
 * RsiHostCall at X1, so nothing the realm chose reaches the host: not the struct, not the
 * `imm` field, and not X1 either (an unbacked X1 would otherwise become a fault exit whose
 * address the realm chose, raised inside the RSI handler and outside any EXCEPTION rule).
 * The host's results still go back into the struct on entry when X1 names mapped RAM; else
 * they are dropped and the realm gets RSI_ERROR_INPUT. Other calls run on zeroed arguments.
 * Returns the verdict for a host call, and the sentence saying exactly what was zeroed.
 */
function scrubCall(
  ctx: Ctx,
  realm: RealmRecord,
  rec: RecRecord,
  fid: number,
): { verdict?: RealmSmcVerdict; zeroed: string } {
  const struct = gpr(rec, 1);
  for (let i = SCRUB_FIRST; i <= SCRUB_LAST; i++) setGpr(rec, i, 0n);
  const regs = `X${SCRUB_FIRST}-X${SCRUB_LAST} zeroed`;
  if (fid !== abi.SMC_RSI_HOST_CALL) return { zeroed: `${regs} before the RMM handles it` };
  const f = abi.RSI_HOST_CALL.gprs;
  const exit = {
    exitReason: BigInt(abi.RMI_EXIT_HOST_CALL),
    imm: 0n,
    gprs: Array.from({ length: f.count }, () => 0n),
  };
  if (hostCallBacked(ctx, realm, struct)) {
    return {
      verdict: {
        kind: 'exit',
        exit,
        pending: { kind: 'hostCall', ipa: Number(struct), scrubbed: true },
      },
      zeroed: `${regs}; the host-call exit carries imm 0 and gprs[0..${f.count - 1}] 0 (the RsiHostCall is not read); the host's results go back into it on entry`,
    };
  }
  setGpr(rec, 0, abi.RSI_ERROR_INPUT);
  return {
    verdict: { kind: 'exit', exit, pending: { kind: 'none' } },
    zeroed: `${regs}; the host-call exit carries imm 0 and gprs[0..${f.count - 1}] 0; X1 named no mapped RAM, so there is no fault exit and the host's results are dropped (X0 = RSI_ERROR_INPUT)`,
  };
}

const smcCheck: NonNullable<MachineHooks['onRealmSmc']> = (ctx, realm, rec, fid) => {
  const monitor = mica(ctx);
  const decision = cfRule(monitor, realm.rd, 'CALL', ESR_EC_SMC64);
  if (!decision) return undefined;
  const name = realmName(monitor, realm.rd);
  if (decision.policy === 'BLOCK') {
    decide(ctx, 'smc', realmEnd(ctx, realm.rd), smcDestination(realm, rec, fid), {
      verdict: 'blocked',
      rule: decision.rule,
      reason: `${name}'s SMC ${hex(fid)} never leaves the RMM: the transition table BLOCKs its SMC class (RSI_ERROR_STATE)`,
    });
    return { kind: 'return', x: [BigInt(abi.RSI_ERROR_STATE)] };
  }
  if (decision.policy === 'OTHER') {
    const { verdict, zeroed } = scrubCall(ctx, realm, rec, fid);
    decide(ctx, 'smc', realmEnd(ctx, realm.rd), smcDestination(realm, rec, fid), {
      verdict: 'allowed',
      rule: decision.rule,
      reason: `${name}'s SMC ${hex(fid)} is forwarded SCRUBbed: ${zeroed}`,
    });
    return verdict;
  }
  decide(ctx, 'smc', realmEnd(ctx, realm.rd), smcDestination(realm, rec, fid), {
    verdict: 'allowed',
    rule: decision.rule,
    reason: `${name}'s SMC ${hex(fid)} is ALLOWed by the transition table`,
  });
  return undefined;
};

/**
 * Protected shared memory at stage 2 (§3.4, §3.5): the realm's shared mapping of `page` for
 * `access`, with the decision the emulator records per access (hooks.ts `translate`: a pure
 * answer, cached by the emulator until the next flush, so no event and no string per access).
 */
const translate: NonNullable<MachineHooks['translate']> = (ctx, realm, access, page) => {
  const monitor = mica(ctx);
  const r = monitor.realms[hex(realm.rd)];
  const mapping = r?.mappings[hex(page)];
  if (!r || !mapping) {
    // A protected shared window the host advertised and has not backed yet: fault to the host.
    // Windows are whole pages (RMI_SET_PROTECTED_SHARED_RANGE), so the page decides.
    const inRange = monitor.ranges.some(
      (x) => x.rd === realm.rd && page >= x.ipa && page < x.ipa + x.size,
    );
    return inRange ? { kind: 'fault' } : undefined;
  }
  // A read of the dummy page before the upload (every prefault touch): nothing to record.
  if (mapping.state === 'DUMMY' && access !== 'write') return { kind: 'pa', pa: r.dummy };
  const name = realmName(monitor, realm.rd);
  const memory = mapping.mem ?? 'shared page';
  if (mapping.state === 'DUMMY') {
    // A write to the read-only dummy page.
    const decision: Decision = {
      verdict: 'blocked',
      rule: 'dummy page',
      reason: `${r.name} has not uploaded its policy: IPA ${hex(page)} shows its read-only dummy page`,
    };
    const flow = { channel: 'shared-memory', realm: name, memory, memoryPa: mapping.pa, decision };
    return { kind: 'sea', flow };
  }
  const p = policyOf(r);
  const self = p ? vmName(p, p.self) : r.name;
  const rule = mapping.mem ? `${mapping.mem}.mappings.${self}.prot` : 'gap-map-after-upload';
  const ignored = gapOn(monitor, 'gap-prot-ignored');
  const allowed = ignored || protAllows(mapping.prot, access);
  const decision: Decision = {
    verdict: allowed ? 'allowed' : 'blocked',
    rule,
    reason: allowed
      ? `${r.name} may ${access} ${mapping.mem ?? 'this page'} (prot ${mapping.prot}${ignored ? ', prototype ignores prot' : ''})`
      : `${r.name} maps ${mapping.mem} with prot ${mapping.prot}: a ${access} faults (SEA)`,
  };
  const flow = { channel: 'shared-memory', realm: name, memory, memoryPa: mapping.pa, decision };
  return allowed ? { kind: 'pa', pa: mapping.pa, flow } : { kind: 'sea', flow };
};

/**
 * A WFx exit as the host may see it when the realm's policy does not ALLOW WFx (issue 11;
 * §1.3, §8 item 6): ESR with EC and IL only, ISS zero, so ESR.TI always reads WFI. Whether the
 * realm used WFI or WFE is one realm-chosen bit per exit; the host needs neither to schedule
 * (both mean "this vCPU idles"), so the monitor drops it and only timing (out of scope) remains.
 */
function normalisedWfx(exit: Readonly<Partial<RecExit>>): Partial<RecExit> {
  return {
    ...exit,
    esr: setField(setField(0n, abi.ESR_EL2_EC, abi.ESR_EL2_EC_WFX), abi.ESR_EL2_IL, 1),
  };
}

/** The OTHER pseudo-code of a realm exit (§8 item 6): SError exits are OTHER 3. */
function otherCodeOfExit(ec: number): number | undefined {
  return ec === abi.ESR_EL2_EC_SERROR ? CF_OTHER_SERROR : undefined;
}

const onExit: NonNullable<MachineHooks['onExit']> = (
  ctx,
  realm,
  _rec,
  event,
): ExitVerdict | undefined => {
  const monitor = mica(ctx);
  if (gapOn(monitor, 'gap-cf-exits-unenforced')) return undefined;
  const other = otherCodeOfExit(event.ec);
  const decision =
    other === undefined
      ? cfRule(monitor, realm.rd, 'EXCEPTION', event.ec)
      : cfRule(monitor, realm.rd, 'OTHER', other);
  const wfx = event.ec === abi.ESR_EL2_EC_WFX;
  if (!decision) {
    // No rule: forwarded, but a WFx exit of a policed realm loses its WFI/WFE bit.
    const policed = (monitor.realms[hex(realm.rd)]?.record ?? '') !== '';
    if (wfx && policed) return { kind: 'forward', exit: normalisedWfx(event.exit) };
    return undefined;
  }
  const what =
    other === undefined ? `exit with EC ${hex(event.ec)}` : `SError exit (OTHER ${other})`;
  const name = realmName(monitor, realm.rd);
  // The decision names what the exit hands the host (common.ts EXIT_HOST_ENDS) and, for an
  // access, the IPA it stopped at, so the ledger and the judge say what was at stake.
  const host = exitHostEnd(realm, event);
  const from = realmEnd(ctx, realm.rd, event.stop?.kind === 'access' ? event.stop.ipa : undefined);
  if (decision.policy === 'BLOCK') {
    // The bytes of the store the exit came from, with their labels: the ledger then says what
    // was stopped (a store of video, not just "an exit"); the verdict stays blocked. What the
    // exit itself would have handed the host is its host end: only an emulatable MMIO write
    // carries the value (exit.gprs[0]); a store at a protected IPA faults with none.
    const access =
      event.stop?.kind === 'access' && event.stop.access === 'write' ? event.stop : undefined;
    decide(
      ctx,
      'exit',
      from,
      host,
      {
        verdict: 'blocked',
        rule: decision.rule,
        reason: `${name}'s ${what} never reaches the host (aborts become an SEA, WFx a NOP, an SError is absorbed by the RMM)`,
      },
      access?.size ?? 0,
      access?.labels ?? [],
    );
    return { kind: 'block' };
  }
  if (decision.policy === 'OTHER') {
    decide(ctx, 'exit', from, EXIT_HOST_ENDS.scrubbed, {
      verdict: 'allowed',
      rule: decision.rule,
      reason: `${name}'s ${what} is SCRUBbed: registers and fault address zeroed${wfx ? ', WFI/WFE bit dropped' : ''}`,
    });
    const scrubbed = { ...event.exit, gprs: [], far: 0n, hpfar: 0n };
    return {
      kind: 'forward',
      exit: wfx ? normalisedWfx(scrubbed) : scrubbed,
    };
  }
  decide(ctx, 'exit', from, host, {
    verdict: 'allowed',
    rule: decision.rule,
    reason: `${name}'s ${what} is ALLOWed to reach the host unchanged`,
  });
  return undefined;
};

/** The OTHER pseudo-code of a host-injected interrupt (ICH_LR_EL2.Group: 0 FIQ, 1 IRQ). */
function otherCodeOfLr(lr: bigint): number {
  return ((lr >> BigInt(abi.ICH_LR_EL2_GROUP_BIT)) & 1n) === 1n ? CF_OTHER_IRQ : CF_OTHER_FIQ;
}

/** True when the REC's list registers hold an interrupt (nearly every entry: none). */
function lrsPending(lrs: readonly string[]): boolean {
  for (const v of lrs) if (v !== '0x0' && BigInt(v) !== 0n) return true;
  return false;
}

const onEnter: NonNullable<MachineHooks['onEnter']> = (ctx, realm, rec) => {
  if (!lrsPending(rec.gicv3Lrs)) return;
  const monitor = mica(ctx);
  const name = realmName(monitor, realm.rd);
  if (gapOn(monitor, 'gap-debug-irq')) {
    decide(ctx, 'interrupt', HOST_END, realmEnd(ctx, realm.rd), {
      verdict: 'allowed',
      rule: 'gap-debug-irq',
      reason: `prototype: the host's injected interrupt reaches ${name} unchecked`,
    });
    return;
  }
  // Each list register is one injected interrupt: Group 1 a vIRQ (OTHER 1), Group 0 a vFIQ
  // (OTHER 2); each is dropped when its class is BLOCKed (§8 item 6).
  rec.gicv3Lrs = rec.gicv3Lrs.map((v) => {
    const lr = BigInt(v);
    if (lr === 0n) return v;
    const code = otherCodeOfLr(lr);
    const decision = cfRule(monitor, realm.rd, 'OTHER', code);
    if (decision?.policy !== 'BLOCK') return v;
    decide(ctx, 'interrupt', HOST_END, realmEnd(ctx, realm.rd), {
      verdict: 'blocked',
      rule: decision.rule,
      reason: `the host's injected ${code === CF_OTHER_FIQ ? 'FIQ' : 'IRQ'} is dropped before ${name} runs (its list register cleared)`,
    });
    return '0x0';
  });
};

/**
 * The one guard on every granule-consuming path (issue 11 finding 1; §8 item 13): a granule the
 * monitor holds (tagged `mica:*` while DELEGATED) must not be consumed by any command, whether
 * the host names it as an argument or inside a parameter structure (REALM_CREATE's rtt_base,
 * REC_CREATE's aux list). The list is the command's own `consumes` (emulator rmi/types.ts),
 * which the machine checks against what the command really consumed.
 */
function heldGranule(
  ctx: Ctx,
  command: Parameters<NonNullable<MachineHooks['beforeRmi']>>[1],
  args: readonly bigint[],
): Failure | undefined {
  const monitor = mica(ctx);
  const consumed = command.consumes?.(ctx.state, args) ?? [];
  for (let index = 0; index < consumed.length; index++) {
    const pa = consumed[index]!;
    const g = ctx.state.granules[Math.floor(pa / abi.GRANULE_SIZE)];
    if (!g?.ext || g.state !== 'DELEGATED') continue;
    const shared = g.ext === 'mica:shared';
    const undelegate = command.name === 'RMI_GRANULE_UNDELEGATE';
    if (shared && undelegate && gapOn(monitor, 'gap-undelegate-shared')) {
      decide(
        ctx,
        'undelegate',
        HOST_END,
        { kind: 'memory', name: 'shared page', address: pa },
        {
          verdict: 'allowed',
          rule: 'gap-undelegate-shared',
          reason: `prototype: shared page ${hex(pa)} is still mapped by ${mapCount(monitor, pa)} realm(s) and is undelegated (wiped); they will fault`,
        },
      );
      continue;
    }
    // A stale page (its mappings are gone, its bytes wait for CLEAN) may go back to the host.
    if (g.ext === 'mica:stale' && undelegate) continue;
    const how =
      index === 0 ? '' : ` (named by ${command.name} as granule ${index + 1} it consumes)`;
    const reason = shared
      ? `granule ${hex(pa)}${how} is a protected shared page mapped by ${mapCount(monitor, pa)} realm(s); it cannot leave the shared state while mapped (§8 item 13)`
      : `granule ${hex(pa)}${how} is in use by Mica (${g.ext})`;
    decide(
      ctx,
      'granule',
      HOST_END,
      { kind: 'memory', name: g.ext, address: pa },
      { verdict: 'blocked', rule: shared ? 'shared page mapped' : g.ext, reason },
    );
    return {
      label: shared ? 'mica_shared_mapped' : 'mica_in_use',
      status: abi.RMI_ERROR_INPUT,
      index: 0,
      reason,
    };
  }
  return undefined;
}

const beforeRmi: NonNullable<MachineHooks['beforeRmi']> = (
  ctx,
  command,
  args,
): Failure | undefined => {
  const monitor = mica(ctx);
  const held = heldGranule(ctx, command, args);
  if (held) return held;
  if (command.name === 'RMI_RTT_MAP_UNPROTECTED') {
    const rd = Number(args[0] ?? 0n);
    const r = monitor.realms[hex(rd)];
    const p = r?.uploaded ? policyOf(r) : undefined;
    const vm = p?.vms[p.self];
    if (p && vm && !vm.isGateway && (p.mems.length > 0 || monitor.mode === 'mica')) {
      const reason = `${r!.name} uploaded a policy and is not a gateway: no new NS mapping (sealed)`;
      decide(ctx, 'ns-map', HOST_END, realmEnd(ctx, rd, Number(args[1] ?? 0n)), {
        verdict: 'blocked',
        rule: `${vm.name} is-gateway false`,
        reason,
      });
      return { label: 'mica_sealed', status: abi.RMI_ERROR_INPUT, index: 0, reason };
    }
  }
  if (command.name === 'RMI_REALM_ACTIVATE') {
    const rd = Number(args[0] ?? 0n);
    const fresh = ctx.state.rmm.realms[hex(rd)]?.state === 'NEW';
    // Appendix A: NEW -> ACTIVE needs the PD, since activation records (RIM, RD, PD) (§3.1).
    if (fresh && monitor.mode === 'mica' && (monitor.realms[hex(rd)]?.pd ?? 0) === 0) {
      const reason = `realm ${hex(rd)} has no policy descriptor: attach one with RMI_REALM_PD before REALM_ACTIVATE (§3.1, Appendix A)`;
      decide(ctx, 'activate', HOST_END, MONITOR, {
        verdict: 'blocked',
        rule: 'REALM_ACTIVATE needs a PD',
        reason,
      });
      return { label: 'mica_no_pd', status: abi.RMI_ERROR_INPUT, index: 0, reason };
    }
    if (
      fresh &&
      monitor.registry.length >= REGISTRY_MAX &&
      !monitor.registry.some((e) => e.rd === rd)
    ) {
      const reason = `the realm registry is full (${REGISTRY_MAX} realms)`;
      return { label: 'mica_registry_full', status: abi.RMI_ERROR_INPUT, index: 0, reason };
    }
  }
  return undefined;
};

const afterRmi: NonNullable<MachineHooks['afterRmi']> = (ctx, command, args, outcome) => {
  if (outcome.status !== abi.RMI_SUCCESS) return;
  const monitor = mica(ctx);
  const rd = Number(args[0] ?? 0n);
  switch (command.name) {
    case 'RMI_REALM_CREATE': {
      // Scrub stale bookkeeping of realms whose RD no longer exists (§3.1).
      for (const r of Object.values(monitor.realms)) {
        if (!ctx.state.rmm.realms[hex(r.rd)]) purgeRealm(ctx, r.rd);
      }
      const r = micaRealm(monitor, rd);
      r.pd = 0;
      r.dummy = 0;
      r.uploaded = false;
      r.record = '';
      break;
    }
    case 'RMI_REALM_ACTIVATE': {
      const realm = ctx.state.rmm.realms[hex(rd)];
      const r = micaRealm(monitor, rd);
      if (realm && !monitor.registry.some((e) => e.rd === rd)) {
        monitor.registry.push({ rd, pd: r.pd, rim: realm.rim, hash: null });
      }
      break;
    }
    case 'RMI_REALM_DESTROY':
      purgeRealm(ctx, rd);
      decide(ctx, 'realm-destroy', HOST_END, MONITOR, {
        verdict: 'allowed',
        rule: 'REALM_DESTROY',
        reason: `realm ${hex(rd)} destroyed: its SGT entries, registry entry and shared mappings are purged`,
      });
      break;
  }
};

/**
 * Unshare (§3.7, Appendix A: ACTIVE(prot) -> UNMAPPED by data destroy): the realm's shared
 * mapping at `mp.ipa` goes, with its SGT entry when the realm maps the page nowhere else, and
 * CLEAN wipes the page if that was its last mapping (afterUnmap), before anyone can reuse it.
 */
function unshare(ctx: Ctx, r: MicaRealm, mapping: SharedMapping): void {
  const monitor = mica(ctx);
  ctx.translations?.flush();
  delete r.mappings[hex(mapping.ipa)];
  if (!Object.values(r.mappings).some((x) => x.pa === mapping.pa)) {
    monitor.sgt.entries = monitor.sgt.entries.filter(
      (e) => !(e.rd === r.rd && e.pa === mapping.pa),
    );
  }
  decide(ctx, 'unshare', HOST_END, realmEnd(ctx, r.rd, mapping.ipa), {
    verdict: 'allowed',
    rule: 'DATA_DESTROY (unshare)',
    reason: `the host unmapped ${r.name}'s shared page ${hex(mapping.pa)} at ${hex(mapping.ipa)}${mapCount(monitor, mapping.pa) > 0 ? `; ${mapCount(monitor, mapping.pa)} other mapping(s) keep the page` : ''}`,
  });
  afterUnmap(ctx, mapping.pa, mapping.state === 'ACTIVE');
  storeSgt(ctx);
}

/**
 * Host RMI calls on the monitor's own stage 2 leaves (hooks.ts handleRmi): the shared
 * mappings are the monitor's, so the RTTs hold UNASSIGNED there. RMI_RTT_READ_ENTRY at such
 * an IPA reports the leaf as the prototype's stage 2 has it (ASSIGNED, RIPAS RAM, the dummy
 * page before the upload and the real page after, §3.4), so what a learner inspects is what
 * the realm's accesses reach; RMI_DATA_DESTROY there unshares the page (CLEAN on the last).
 */
const handleRmi: NonNullable<MachineHooks['handleRmi']> = (ctx, command, args) => {
  const read = command.name === 'RMI_RTT_READ_ENTRY';
  if (!read && command.name !== 'RMI_DATA_DESTROY') return undefined;
  const [rdArg = 0n, ipaArg = 0n] = args;
  if (ipaArg >= 2n ** 52n || ipaArg % BigInt(abi.GRANULE_SIZE) !== 0n) return undefined;
  const monitor = mica(ctx);
  const r = monitor.realms[hex(Number(rdArg))];
  const mapping = r?.mappings[hex(Number(ipaArg))];
  if (!r || !mapping || !ctx.state.rmm.realms[hex(r.rd)]) return undefined;
  if (read) {
    const base = command.handler(ctx, args);
    const [level, state] = base.out ?? [];
    if (
      base.status !== abi.RMI_SUCCESS ||
      level !== BigInt(abi.RTT_PAGE_LEVEL) ||
      state !== BigInt(abi.RMI_UNASSIGNED)
    )
      return base;
    const pa = mapping.state === 'DUMMY' ? r.dummy : mapping.pa;
    return {
      ...base,
      out: [level, BigInt(abi.RMI_ASSIGNED), BigInt(pa), BigInt(abi.RIPAS_ENCODING.RAM)],
    };
  }
  unshare(ctx, r, mapping);
  return { status: abi.RMI_SUCCESS, out: [BigInt(mapping.pa), ipaArg + BigInt(abi.GRANULE_SIZE)] };
};

/** The enforcement hooks of the monitor. */
export const ENFORCEMENT_HOOKS: MachineHooks = {
  handleRmi,
  onRealmSmc: smcCheck,
  translate,
  onExit,
  onEnter,
  beforeRmi,
  afterRmi,
};
