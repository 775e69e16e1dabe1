/**
 * The 21 attacks of mica-spec.md §6 as runnable scenarios on the video-moderation workflow.
 * Each builds the workflow in the requested mode, lets a malicious realm or host really do the
 * accesses, SMCs and RMI calls, and reports what the machine observed: blocked by the monitor
 * (with the rule of the ledger decision), caught by the verifier (with its reason), or gone
 * through. Tests, the CLI demo and lessons use these.
 *
 * Design rationale: outcomes are derived from observations (ledger decisions, what the host
 * saw, what the malicious realm read, the verifier's verdict), never asserted by the attack,
 * so a regression in the monitor shows up as a changed outcome.
 */
import { abi, type LedgerEvent, type LedgerEventOf, type MachineMode } from '../emulator/index.ts';
import { declaredPassage, realmNamer, runLeaks } from '../policy/judge.ts';
import { VIDEO_BROKEN } from '../policy/examples/video-moderation.ts';
import type { Policy } from '../policy/model.ts';
import { encodePoly, toPolicyPage } from '../policy/binary.ts';
import { rimLabel } from '../policy/monitor/common.ts';
import { micaOf } from '../policy/monitor/state.ts';
import { verifyGroup, type GroupVerdict } from '../policy/group/verify.ts';
import { prefaultOps, type GuestOp } from './guest.ts';
import { notFirstToSetUp, racePrefaults } from './race.ts';
import {
  CONSOLE_IPA,
  HOSTCALL_IPA,
  NET_IPA,
  NET_PAYLOAD_OFFSET,
  POLICY_IPA,
  destroyRealm,
  type RealmHandle,
} from './host.ts';
import { declareTenant } from './tenant.ts';
import {
  buildVideoWorkflow,
  videoBytes,
  type VideoWorkflow,
  type VideoWorkflowOptions,
} from './video.ts';
import { hex } from '../lib/hex.ts';

/** How an attack ended. */
export type AttackOutcome = 'blocked' | 'caught' | 'through';

/** The report of one attack run. */
export interface AttackResult {
  readonly number: number;
  readonly title: string;
  readonly mode: MachineMode;
  /** The §6 Status column. */
  readonly status: string;
  readonly outcome: AttackOutcome;
  /** The rule of the ledger decision that blocked it (monitor) or the verifier check id. */
  readonly rule?: string;
  readonly reason: string;
  /** Did the attacker get what it wanted locally (before any verifier)? */
  readonly succeededLocally: boolean;
  /**
   * Ledger flows of the attack the judge calls leaks (policy/judge.ts `runLeaks`, with what
   * the tenant declared): bytes labelled `video` that reached a host-visible place other than
   * by the sanitised exit, or a realm the tenant did not declare. The Pipeline view marks the
   * same flows.
   */
  readonly leaks: number;
  readonly verifier?: GroupVerdict;
  readonly transcript: readonly string[];
  readonly workflow: VideoWorkflow;
}

/** One attack of §6. */
export interface AttackSpec {
  readonly number: number;
  readonly title: string;
  readonly status: string;
  readonly run: (mode: MachineMode) => AttackResult;
}

const SIZE = 0x4000;
const BAR0 = 0x18000000000;
const BAR1 = 0x18004000000;
const BAR2 = 0x18008000000;

/** Every mode: Mica, the prototype and CCA alone (the monitor dormant). */
type Mode = MachineMode;

/**
 * The pipeline an attack runs against, its tenant's realms, gateway and sanitisers declared
 * to the machine before any host step (tenant.ts), as a scenario file's are: the views judge a
 * built-in attack's flows as they judge the file's.
 */
function build(mode: Mode, extra: Partial<VideoWorkflowOptions> = {}): VideoWorkflow {
  const wf = buildVideoWorkflow({ mode, size: SIZE, ...extra });
  declareTenant(wf, wf.order, wf.example.sanitisers);
  return wf;
}

function blockedAfter(events: readonly LedgerEvent[], seq: number) {
  return events.filter(
    (e): e is Extract<LedgerEvent, { kind: 'flow' }> =>
      e.kind === 'flow' && e.seq > seq && e.decision.verdict === 'blocked',
  );
}

function lastSeq(wf: VideoWorkflow): number {
  const l = wf.machine.ledger;
  return l[l.length - 1]?.seq ?? 0;
}

/**
 * `lines` with each repeated line said once, where it first appears, with its count ("(×12)"):
 * a host streaming frames or a monitor refusing every pass of a dummy-page write says the
 * same thing many times.
 */
function counted(lines: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].map(([line, n]) => (n > 1 ? `${line} (×${n})` : line));
}

/** A flow of an attack the judge calls a leak, and its sentence. */
interface JudgedLeak {
  readonly event: LedgerEventOf<'flow'>;
  /** "<n> byte(s) labelled video reached <where> via <channel>" (and why it is a leak). */
  readonly text: string;
}

/**
 * The flows after `since` the judge calls leaks of the tenant's video, as the views judge them:
 * with what the tenant declared to the machine (its realms, gateway and sanitisers, by
 * measurement) and the realms' names as the machine knows them.
 */
function judgedLeaks(wf: VideoWorkflow, since: number): JudgedLeak[] {
  const state = wf.machine.state;
  const nameOf = realmNamer(state);
  return runLeaks(wf.machine.ledger, declaredPassage(state), [VIDEO_LABEL])
    .filter((l) => l.event.seq > since)
    .map((l) => {
      const e = l.event;
      const where = nameOf(e.destination.name);
      const said = `${e.bytes} byte(s) labelled video reached ${where} via ${e.channel}`;
      return { event: e, text: l.kind === 'stranger' ? `${said}: ${l.why}` : said };
    });
}

/** Builds the result from a blocking decision (or its absence) and the local success. */
function conclude(
  spec: { number: number; title: string; status: string },
  mode: Mode,
  wf: VideoWorkflow,
  since: number,
  succeeded: boolean,
  opts: {
    rule?: (r: string) => boolean;
    verifier?: GroupVerdict;
    note?: string;
    /** What the attack achieved when it went through without a leak, in words. */
    effect?: string;
  } = {},
): AttackResult {
  const blocks = blockedAfter(wf.machine.ledger, since).filter(
    (e) => !opts.rule || opts.rule(e.decision.rule),
  );
  const leaked = judgedLeaks(wf, since);
  const transcript = counted([
    ...wf.host.log
      .filter((l) => !/^fault at .*RMI_SUCCESS$/.test(l.what))
      .slice(-12)
      .map((l) => `host: ${l.realm}: ${l.what}`),
    ...blockedAfter(wf.machine.ledger, since).map(
      (e) => `monitor: [${e.decision.rule}] ${e.decision.reason}`,
    ),
    ...leaked.map((l) => `leak: ${l.text} [${l.event.decision.rule}]`),
    ...(opts.note ? [opts.note] : []),
  ]);
  const leaks = leaked.length;
  const base = {
    number: spec.number,
    title: spec.title,
    status: spec.status,
    mode,
    workflow: wf,
    succeededLocally: succeeded,
    leaks,
  };
  if (opts.verifier && opts.verifier.kind === 'rejected') {
    const failed = opts.verifier.verdict.failed[0]!;
    // Caught after the fact: when the video already reached a stranger, the reason says so
    // first (the Pipeline view draws that flow as a leak).
    return {
      ...base,
      outcome: 'caught',
      rule: failed.id,
      reason: leaked[0]
        ? `${leaked[0].text}; then the verifier rejected the group: ${opts.verifier.reason}`
        : opts.verifier.reason,
      verifier: opts.verifier,
      transcript: [
        ...transcript,
        `verifier: ${opts.verifier.verdict.text} [${failed.id}] ${failed.reason}`,
      ],
    };
  }
  if (!succeeded && blocks.length > 0) {
    const b = blocks[0]!;
    return {
      ...base,
      outcome: 'blocked',
      rule: b.decision.rule,
      reason: b.decision.reason,
      transcript,
      ...(opts.verifier ? { verifier: opts.verifier } : {}),
    };
  }
  // What went through, in words: the first leak the judge found, else the attack's own account
  // of its effect.
  const effect = leaked[0]?.text ?? opts.effect ?? 'the attack went through';
  return {
    ...base,
    outcome: succeeded ? 'through' : 'blocked',
    reason: succeeded ? effect : (opts.note ?? 'nothing happened'),
    transcript: [
      ...transcript,
      succeeded ? 'result: the attack went through' : 'result: no effect',
    ],
    ...(opts.verifier ? { verifier: opts.verifier } : {}),
  };
}

function x0(wf: VideoWorkflow, realm: string, at: number): number | undefined {
  const v = wf.host.recOf(wf.realms[realm]!).guest[`x0@${at}`];
  return typeof v === 'string' ? Number(BigInt(v)) : undefined;
}

/** Index the next op added to `realm`'s program will have. */
function nextOp(wf: VideoWorkflow, h: RealmHandle): number {
  return wf.guest.program(h.rd).length;
}

/** Why a group-token attack does nothing on CCA alone. */
const NO_GROUP_TOKEN = 'CCA alone has no group token (RSI_ATTEST_TOKEN_INIT_GROUP is Mica)';

/** The label the tenant's input carries in every scenario (its declared source). */
const VIDEO_LABEL = 'video';

/**
 * The provenance labels the RMM returned to `h`'s load at op `at`: a machine fact (the labels
 * the loaded bytes carry), never a claim of the attack.
 */
function readLabels(wf: VideoWorkflow, h: RealmHandle, at: number): string[] {
  const v = wf.host.recOf(h).guest[`lab@${at}`];
  return typeof v === 'string' && v !== '' ? v.split(',') : [];
}

/** The judge: did any flow after `since` leak the video ({@link judgedLeaks})? */
function judgedLeak(wf: VideoWorkflow, since: number): boolean {
  return judgedLeaks(wf, since).length > 0;
}

function readValue(wf: VideoWorkflow, h: RealmHandle, at: number): bigint | undefined {
  const v = wf.host.recOf(h).guest[`val@${at}`];
  return typeof v === 'string' ? BigInt(v) : undefined;
}

/** A single-realm policy that maps one object only to itself. */
function soloPolicy(hash: number, mem: string, gpa: number, prot: 'R' | 'RW'): Policy {
  return {
    dialect: 'C',
    self: 0,
    vms: [{ name: 'VM1', hash, isGateway: true, strict: false }],
    mems: [
      {
        name: mem,
        size: BigInt(SIZE),
        type: 'PROTECTED',
        mappings: [{ vm: 0, gpa: BigInt(gpa), prot, anyCount: 0 }],
      },
    ],
    cfs: [],
  };
}

function uploadOp(p: Policy): GuestOp {
  const enc = encodePoly(p);
  if (!enc.ok) throw new Error('scenario policy does not encode');
  return { op: 'upload', page: POLICY_IPA, bytes: toPolicyPage(enc.bytes)! };
}

/** An extra realm X (not in the pipeline) that prefaults `bars` and uploads a solo policy. */
function extraRealm(
  wf: VideoWorkflow,
  name: string,
  bars: string[],
  policy?: (hash: number) => Policy,
): RealmHandle {
  const h = wf.host.createRealm({ name, bars, image: name });
  if (policy) {
    const m = micaOf(wf.machine.state);
    const hash = m?.gaps.includes('gap-first-come-labels') ? 0x9 : rimLabel(wf.host.rimOf(h));
    const p = policy(hash);
    const ops: GuestOp[] = [];
    for (const mem of p.mems)
      ops.push(...prefaultOps(Number(mem.mappings[0]!.gpa), Number(mem.size)));
    ops.push(uploadOp(p));
    wf.guest.add(h.rd, ops);
    wf.host.run(h);
  }
  return h;
}

function run(wf: VideoWorkflow, h: RealmHandle, ops: GuestOp[]): number {
  const at = nextOp(wf, h);
  wf.guest.add(h.rd, ops);
  wf.host.run(h);
  return at;
}

const A = (
  number: number,
  title: string,
  status: string,
  body: (mode: Mode, spec: { number: number; title: string; status: string }) => AttackResult,
): AttackSpec => ({
  number,
  title,
  status,
  run: (mode) => body(mode, { number, title, status }),
});

/** The 21 attacks of §6. */
export const ATTACKS: readonly AttackSpec[] = [
  A(
    1,
    'malicious stage copies received data into unprotected (host-visible) memory',
    'E new; G existing; I full',
    (mode, s) => {
      // The host hands every stage an NS console page before the uploads (the runbook gives
      // one to the gateways only): the prototype leaves it in place, Mica removes it at upload.
      const wf = build(mode, { consoles: 'all' });
      wf.runApp();
      const enc = wf.realms.encoder!;
      const since = lastSeq(wf);
      const remap = wf.host.smc(
        abi.SMC_RMI_RTT_MAP_UNPROTECTED,
        enc.rd,
        CONSOLE_IPA + abi.GRANULE_SIZE,
        3,
        BigInt(wf.host.alloc()) | 0xc0n,
      );
      // The malicious encoder copies the video it received to its console page: a plain
      // load and store, no label named. Whether it leaked is the machine's judgement.
      run(wf, enc, [
        { op: 'read', ipa: BAR0 + 0x20, into: 'v' },
        { op: 'write', ipa: CONSOLE_IPA + 0x20, value: { from: 'v' } },
      ]);
      return conclude(s, mode, wf, since, judgedLeak(wf, since), {
        rule: (r) => r.includes('is-gateway'),
        note: `host MAP_UNPROTECTED after upload: ${remap.status} ${remap.failure?.label ?? ''}`,
      });
    },
  ),
  A(
    2,
    'stage turns private pages into shared with RSI_IPA_STATE_SET',
    'E when the rule is present',
    (mode, s) => {
      const wf = build(mode);
      const since = lastSeq(wf);
      const at = run(wf, wf.realms.encoder!, [
        {
          op: 'smc',
          fid: abi.SMC_RSI_IPA_STATE_SET,
          args: [0n, 0x1000n, BigInt(abi.RSI_EMPTY), 0n],
        },
      ]);
      const ok = x0(wf, 'encoder', at) !== abi.RSI_ERROR_STATE;
      return conclude(s, mode, wf, since, ok, { rule: (r) => r.includes('CALL') });
    },
  ),
  A(3, 'stage exfiltrates through host-call registers', 'E coarse; I fine-grained', (mode, s) => {
    const wf = build(mode);
    wf.runApp();
    const since = lastSeq(wf);
    run(wf, wf.realms.encoder!, [
      { op: 'read', ipa: BAR0 + 0x20, into: 'v' },
      { op: 'write', ipa: HOSTCALL_IPA + abi.RSI_HOST_CALL.gprs.offset, value: { from: 'v' } },
      { op: 'hostCall', struct: HOSTCALL_IPA },
    ]);
    return conclude(s, mode, wf, since, judgedLeak(wf, since), {
      rule: (r) => r.includes('CALL'),
    });
  }),
  A(4, 'stage signals through MMIO exits (EXCEPTION class)', 'I (recorded only)', (mode, s) => {
    const wf = build(mode);
    wf.runApp();
    const since = lastSeq(wf);
    run(wf, wf.realms.encoder!, [
      { op: 'read', ipa: BAR0 + 0x20, into: 'v' },
      { op: 'write', ipa: CONSOLE_IPA + 0x5000, value: { from: 'v' } },
    ]);
    return conclude(s, mode, wf, since, judgedLeak(wf, since), {
      rule: (r) => r.includes('EXCEPTION'),
    });
  }),
  A(5, 'host maps a shared page into an unlisted realm before the uploads', 'E', (mode, s) => {
    const wf = build(mode, { setup: false });
    wf.setupRealm('gateway');
    wf.runApp();
    const x = extraRealm(wf, 'intruder', ['Mem1']);
    const at = run(wf, x, prefaultOps(BAR0, SIZE).concat([{ op: 'read', ipa: BAR0 + 0x20 }]));
    const seen = readValue(wf, x, at + SIZE / abi.GRANULE_SIZE);
    const since = lastSeq(wf);
    const status = wf.setupRealm('encoder');
    const got = readLabels(wf, x, at + SIZE / abi.GRANULE_SIZE).includes(VIDEO_LABEL);
    return conclude(s, mode, wf, since, got || status === abi.RSI_SUCCESS, {
      note: `intruder read ${seen === undefined ? 'nothing' : hex(seen)} (its dummy page); encoder upload status ${status}`,
    });
  }),
  A(6, 'host maps a shared page into another realm after all uploads', 'G; A', (mode, s) => {
    const wf = build(mode);
    wf.runApp();
    const x = extraRealm(wf, 'intruder', ['MemX'], (h) => soloPolicy(h, 'MemX', BAR0, 'RW'));
    const since = lastSeq(wf);
    const page = wf.host.backing('Mem1', 0);
    const r = wf.host.mapShared(x, BAR1, page);
    const at = run(wf, x, [{ op: 'read', ipa: BAR1 + 0x20 }]);
    const leaked = r.status === 'RMI_SUCCESS' && readLabels(wf, x, at).includes(VIDEO_LABEL);
    const ev = wf.attest();
    const verifier = ev ? verifyGroup(ev.token, ev.blobs, wf.expectations()) : undefined;
    return conclude(s, mode, wf, since, leaked, { ...(verifier ? { verifier } : {}) });
  }),
  A(7, 'stage maps a shared region a second time outside its window', 'E', (mode, s) => {
    const wf = build(mode, { setup: false });
    wf.setupRealm('gateway');
    const enc = wf.realms.encoder!;
    const since = lastSeq(wf);
    wf.host.mapShared(enc, BAR2, wf.host.backing('Mem1', 0));
    const status = wf.setupRealm('encoder');
    return conclude(s, mode, wf, since, status === abi.RSI_SUCCESS, {
      rule: (r) => r.includes('strict'),
    });
  }),
  A(8, 'host hands the two ends of a channel different pages', 'E', (mode, s) => {
    const wf = build(mode, { setup: false });
    wf.setupRealm('gateway');
    const since = lastSeq(wf);
    wf.host.alias = (h, ipa) => (h.name === 'encoder' && ipa < BAR1 ? wf.host.alloc() : undefined);
    const status = wf.setupRealm('encoder');
    wf.host.alias = undefined;
    return conclude(s, mode, wf, since, status === abi.RSI_SUCCESS);
  }),
  A(
    9,
    'host bridges two channels by aliasing one page into two regions',
    'E in one object; I FRESH',
    (mode, s) => {
      const wf = build(mode, { setup: false });
      wf.setupRealm('gateway');
      wf.setupRealm('encoder');
      const since = lastSeq(wf);
      const bridge = wf.host.backing('Mem2', 0);
      wf.host.alias = (h, ipa) => (h.name === 'moderator' && ipa === BAR1 ? bridge : undefined);
      const status = wf.setupRealm('moderator');
      wf.host.alias = undefined;
      return conclude(s, mode, wf, since, status === abi.RSI_SUCCESS);
    },
  ),
  A(
    10,
    'host reads leftovers of a torn-down channel through a new realm',
    'E baseline; I CLEAN',
    (mode, s) => {
      const wf = build(mode);
      wf.runApp();
      destroyRealm(wf.host, wf.realms.gateway!);
      destroyRealm(wf.host, wf.realms.encoder!);
      const since = lastSeq(wf) - 200;
      const x = extraRealm(wf, 'next-tenant', ['Mem1'], (h) => soloPolicy(h, 'Mem1', BAR0, 'R'));
      const at = run(wf, x, [{ op: 'read', ipa: BAR0 + 0x20 }]);
      const seen = readValue(wf, x, at);
      return conclude(s, mode, wf, since, readLabels(wf, x, at).includes(VIDEO_LABEL), {
        rule: (r) => r === 'CLEAN',
        note: `next tenant read 0x${(seen ?? 0n).toString(16)} from the recycled page`,
        effect: `a next tenant read the video's leftovers (0x${(seen ?? 0n).toString(16)}) from Mem1's recycled page`,
      });
    },
  ),
  A(11, 'host undelegates a shared page that is still mapped', 'G (integrity)', (mode, s) => {
    const wf = build(mode);
    wf.runApp();
    const since = lastSeq(wf);
    const page = wf.host.backing('Mem1', 0);
    const r = wf.host.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, page);
    const at = run(wf, wf.realms.encoder!, [{ op: 'read', ipa: BAR0 + 0x20 }]);
    const sea = wf.host.recOf(wf.realms.encoder!).guest[`sea@${at}`] === true;
    return conclude(s, mode, wf, since, r.status === 'RMI_SUCCESS', {
      note: `UNDELEGATE: ${r.status} ${r.failure?.label ?? ''}; encoder's next read ${sea ? 'takes an SEA' : 'works'}`,
      effect: `the host took back a page of Mem1 while the encoder still had it mapped; the encoder's next read ${sea ? 'takes an SEA' : 'works'}`,
    });
  }),
  A(12, 'host skips prefault so coverage is incomplete', 'E (fail-closed)', (mode, s) => {
    const wf = build(mode, { setup: false });
    wf.setupRealm('gateway');
    const since = lastSeq(wf);
    const enc = wf.realms.encoder!;
    const at = run(wf, enc, [
      ...prefaultOps(BAR0, abi.GRANULE_SIZE),
      ...prefaultOps(BAR1, SIZE),
      uploadOp(wf.policies.encoder!),
    ]);
    return conclude(
      s,
      mode,
      wf,
      since,
      x0(wf, 'encoder', at + 1 + SIZE / abi.GRANULE_SIZE) === abi.RSI_SUCCESS,
    );
  }),
  A(13, 'realm substitution: another realm claims the encoder’s label', 'G; A', (mode, s) => {
    const wf = build(mode, { setup: false });
    wf.setupRealm('gateway');
    const impostor = extraRealm(wf, 'impostor', ['Mem1', 'Mem2']);
    const since = lastSeq(wf);
    const at = run(wf, impostor, [
      ...prefaultOps(BAR0, SIZE),
      ...prefaultOps(BAR1, SIZE),
      uploadOp(wf.policies.encoder!),
    ]);
    const up = wf.host.recOf(impostor).guest[`x0@${at + 2 * (SIZE / abi.GRANULE_SIZE)}`];
    wf.host.tenantSend(wf.realms.gateway!, videoBytes());
    wf.exec('gateway', [
      { op: 'read', ipa: NET_IPA + NET_PAYLOAD_OFFSET, into: 'in' },
      { op: 'write', ipa: BAR0 + 0x20, value: { from: 'in' } },
    ]);
    const rd = run(wf, impostor, [{ op: 'read', ipa: BAR0 + 0x20 }]);
    const leaked = up === '0x0' && readLabels(wf, impostor, rd).includes(VIDEO_LABEL);
    const ev = leaked ? wf.attest() : undefined;
    const verifier = ev ? verifyGroup(ev.token, ev.blobs, wf.expectations()) : undefined;
    return conclude(s, mode, wf, since, leaked, { ...(verifier ? { verifier } : {}) });
  }),
  A(14, 'policy mismatch: the encoder declares Mem1 differently', 'E', (mode, s) => {
    const wf = build(mode, {
      setup: false,
      edit: (name, p) =>
        name !== 'encoder'
          ? p
          : {
              ...p,
              mems: p.mems.map((m) =>
                m.name !== 'Mem1'
                  ? m
                  : {
                      ...m,
                      mappings: m.mappings.map((mp) =>
                        mp.vm === p.self ? { ...mp, prot: 'RW' as const } : mp,
                      ),
                    },
              ),
            },
    });
    wf.setupRealm('gateway');
    const since = lastSeq(wf);
    const status = wf.setupRealm('encoder');
    return conclude(s, mode, wf, since, status === abi.RSI_SUCCESS);
  }),
  A(15, 'conflicting control-flow rules between peers', 'E', (mode, s) => {
    const wf = build(mode, {
      setup: false,
      edit: (name, p) =>
        name !== 'encoder'
          ? p
          : {
              ...p,
              cfs: p.cfs.map((c) => (c.name === 'CF1' ? { ...c, policy: 'ALLOW' as const } : c)),
            },
    });
    wf.setupRealm('gateway');
    const since = lastSeq(wf);
    const status = wf.setupRealm('encoder');
    return conclude(s, mode, wf, since, status === abi.RSI_SUCCESS);
  }),
  A(16, 'a realm changes its policy after agreement', 'E', (mode, s) => {
    const wf = build(mode);
    const since = lastSeq(wf);
    const gw = wf.policies.gateway!;
    const looser: Policy = {
      ...gw,
      mems: gw.mems.map((m) => ({
        ...m,
        mappings: m.mappings.map((mp) => ({ ...mp, prot: 'RW' as const })),
      })),
    };
    const at = run(wf, wf.realms.gateway!, [uploadOp(looser)]);
    const dummy = wf.host.smc(0xc400016f, wf.realms.gateway!.rd, wf.host.delegated());
    return conclude(
      s,
      mode,
      wf,
      since,
      x0(wf, 'gateway', at) === abi.RSI_SUCCESS || dummy.status === 'RMI_SUCCESS',
      {
        rule: (r) => r.startsWith('upload:'),
        note: `dummy page change after upload: ${dummy.status} ${dummy.failure?.label ?? ''}`,
      },
    );
  }),
  A(17, 'a realm lies about its policy to the verifier', 'E + A', (mode, s) => {
    const wf = build(mode);
    const since = lastSeq(wf);
    const ev = wf.attest();
    if (!ev) return conclude(s, mode, wf, since, false, { note: NO_GROUP_TOKEN });
    const lie = encodePoly(wf.policies.gateway!);
    void lie;
    const blobs = ev.blobs.map((b, i) => {
      if (i !== 1) return b;
      const forged = b.slice();
      forged[8 + 12 + 8] = 1; // encoder's VM2.is_gateway byte: claims the nicer policy
      return forged;
    });
    const verifier = verifyGroup(ev.token, blobs, wf.expectations());
    return conclude(s, mode, wf, since, true, { verifier });
  }),
  A(18, 'colluding stages relay data transitively (encoder → storage → U)', 'A', (mode, s) => {
    const example = VIDEO_BROKEN.find((e) => e.id === 'consistent-leak')!;
    const wf = build(mode, { example });
    wf.runApp();
    const since = lastSeq(wf);
    const ev = wf.attest();
    if (!ev) return conclude(s, mode, wf, since, false, { note: NO_GROUP_TOKEN });
    const verifier = verifyGroup(ev.token, ev.blobs, wf.expectations());
    return conclude(s, mode, wf, since, true, { verifier });
  }),
  A(19, 'host hides a group member from the verifier', 'E', (mode, s) => {
    const wf = build(mode);
    const since = lastSeq(wf);
    const ev = wf.attest();
    if (!ev) return conclude(s, mode, wf, since, false, { note: NO_GROUP_TOKEN });
    const hidden = verifyGroup(ev.token, ev.blobs.slice(0, -1), wf.expectations());
    const discovery = wf.machine.ledger.filter(
      (e) => e.kind === 'flow' && e.seq > since && e.decision.rule === 'group:discovery',
    );
    const r = conclude(s, mode, wf, since, hidden.kind === 'verified', {
      note: `the RMM found the group itself: ${discovery.map((e) => (e.kind === 'flow' ? e.decision.reason : '')).join('')}; with a blob dropped the verifier says: ${hidden.reason}`,
    });
    return {
      ...r,
      outcome: hidden.kind === 'verified' ? 'through' : 'blocked',
      rule: 'group:discovery',
      verifier: hidden,
    };
  }),
  A(20, 'host injects (debug) interrupts into a stage', 'G', (mode, s) => {
    const wf = build(mode);
    const since = lastSeq(wf);
    // A pending Group 1 interrupt (vIRQ), INTID 27 (the virtual timer).
    wf.host.inject = (1n << 62n) | (1n << BigInt(abi.ICH_LR_EL2_GROUP_BIT)) | 27n;
    run(wf, wf.realms.encoder!, [{ op: 'read', ipa: BAR0 + 0x20 }]);
    wf.host.inject = undefined;
    const reached = wf.machine.ledger.some(
      (e) =>
        e.kind === 'flow' &&
        e.seq > since &&
        e.channel === 'interrupt' &&
        e.decision.verdict === 'allowed',
    );
    return conclude(s, mode, wf, since, reached, {
      rule: (r) => r.includes('OTHER'),
      effect: 'the host’s interrupt reached the encoder while it ran',
    });
  }),
  A(21, 'racing prefaults corrupt the SGT', 'G', (mode, s) => {
    const wf = build(mode, { setup: false });
    // Gateway and moderator share no object, and each races only what the upload order lets
    // it prefault now (race.ts): the race breaks no set-up order, only (unserialised) the SGT.
    const later = notFirstToSetUp(new Map(Object.entries(wf.policies)), (name) =>
      wf.order.indexOf(name),
    );
    const since = lastSeq(wf);
    racePrefaults(
      wf.host,
      wf.guest,
      ['gateway', 'moderator'].map((name) => ({
        name,
        handle: wf.realms[name]!,
        policy: wf.policies[name],
        skip: later.get(name),
      })),
    );
    // Then the host sets the realms up one at a time and runs the pipeline, as an honest host.
    const status = new Map(wf.order.map((name) => [name, wf.setupRealm(name)]));
    const lost = status.get('gateway') !== abi.RSI_SUCCESS;
    if (wf.gateway !== undefined) wf.host.startNetwork(wf.realms[wf.gateway]!);
    wf.runApp();
    const refused = wf.order.filter((name) => status.get(name) !== abi.RSI_SUCCESS);
    return conclude(s, mode, wf, since, lost, {
      rule: (r) => r.startsWith('sgt'),
      effect: `the unserialised SGT lost updates of the racing prefaults: ${refused.join(', ')} could not upload ${refused.length === 1 ? 'its policy' : 'their policies'}, and the pipeline did not run`,
    });
  }),
];

/** Runs attack `n` in `mode`. */
export function runAttack(n: number, mode: Mode = 'mica'): AttackResult {
  const spec = ATTACKS.find((a) => a.number === n);
  if (!spec) throw new RangeError(`there is no attack ${n} (1..${ATTACKS.length})`);
  return spec.run(mode);
}
