/**
 * Runs a workflow scenario file (scenario-file.ts) on a fresh machine and judges it (issue 12
 * "Scenarios", "CLI"): builds the workflow of mica-spec.md §5 in the file's mode with its gap
 * switches, plays the host script step by step (honest runbook or §6 host attacks), runs each
 * realm's application and malicious variants, requests and verifies the group token (§4.5),
 * then decides the outcome from the machine alone: the ledger's flows (allowed, blocked and by
 * which clause, or a leak: labelled bytes that reached the host, the network, the console or
 * a realm outside the workflow, §1.3) and the group verifier's verdict.
 *
 * Design rationale: nothing here trusts a program or a step to say what happened. Before any
 * host step the tenant declares to the machine, by the reference RIM of what it asked for, the
 * realms of the file (its members), its gateway and its sanitisers (provenance.ts
 * `declareRealm`). A leak is a flow event the machine logged with an input's label, as the
 * judge's one leak rule finds them (policy/judge.ts `runLeaks`, which the built-in attacks and
 * the Data view call too): to a host-visible sink, unless the machine marked its bytes as
 * output of a declared sanitiser and the declared gateway handed them out (`sanitisedPassage`:
 * reported apart, as the allowed way out), or into a realm whose measurement, recorded on the
 * flow, the tenant did not declare; a block is a flow the machine
 * refused; a rejection is `verifyGroup`'s. The outcome is the first the evidence shows of
 * leak > a refusal that stopped an attack > rejected > any other refusal > no-leak, the
 * deciding refusal chosen by the rule the lessons' judge uses too (policy/judge.ts
 * `decidingRefusal`), and the expectation is compared with it. On CCA alone there is no monitor
 * and no protected sharing: the host shares the objects as NS memory (what ivshmem is without
 * Mica) and the same stages move the same whole frames through them, so the learner sees
 * every stage's frames where the host can read them.
 */
import { abi, type LedgerEventOf, type Machine } from '../emulator/index.ts';
import { decodeRecord, encodeRecord } from '../policy/record.ts';
import {
  declaredPassage,
  judgeFlow,
  realmNamer,
  runLeaks,
  sanitisedPassage,
  shortRule,
  decidingRefusal,
  type SanitisedPassage,
} from '../policy/judge.ts';
import type { WorkflowExample } from '../policy/examples/build.ts';
import type { Policy } from '../policy/model.ts';
import { ownWindow, rimLabel } from '../policy/monitor/common.ts';
import { micaOf } from '../policy/monitor/state.ts';
import { encodePoly, toPolicyPage } from '../policy/binary.ts';
import { unappraised, type GroupVerdict } from '../policy/group/verify.ts';
import { declaredVerdict } from '../policy/group/declared.ts';
import { IVSHMEM_BAR_BASE, IVSHMEM_BAR_STRIDE } from '../policy/abi.ts';
import { prefaultOps, type GuestOp } from './guest.ts';
import { notFirstToSetUp, protectedWindows, racePrefaults } from './race.ts';
import { CONSOLE_IPA, POLICY_IPA, destroyRealm, type RealmHandle } from './host.ts';
import { DEFAULT_PROMPT, llmAnswer, runLlmApp, type WindowOf } from './llm.ts';
import {
  DATA_OFFSET,
  STAGE_PROGRAMS,
  type StageProgram,
  type StageWindow,
} from './programs/index.ts';
import {
  inputLabelOf,
  workflowOf,
  type Expectation,
  type HostStep,
  type Outcome,
  type ScenarioFile,
} from './scenario-file.ts';
import { declareTenant } from './tenant.ts';
import { buildVideoWorkflow, type VideoWorkflow } from './video.ts';
import { hex } from '../lib/hex.ts';

/** Where CCA alone puts the host-shared NS window of BAR n (unprotected IPA space). */
export const CCA_WINDOW_BASE = CONSOLE_IPA + 0x100000;
/** Distance between CCA NS windows. */
export const CCA_WINDOW_STRIDE = 0x10000;
/** Object size of a scenario that names none and of the CCA NS windows: one page. */
const PAGE = abi.GRANULE_SIZE;

/** One flow, as `mica-lab run` prints it. */
export interface FlowLine {
  readonly seq: number;
  readonly from: string;
  readonly to: string;
  readonly channel: string;
  readonly bytes: number;
  readonly labels: readonly string[];
  /** allowed, blocked, leak, or sanitised (left through a sanitiser and the gateway). */
  readonly verdict: 'allowed' | 'blocked' | 'leak' | 'sanitised';
  /** The clause that decided (`CF3 owner VM2 EXCEPTION 0x24 BLOCK`, `cca:host-visible`). */
  readonly clause: string;
  /** The judge's sentence in plain words. */
  readonly text: string;
}

/** A leak the judge found: labelled bytes where the tenant never agreed to send them. */
export interface LeakLine {
  readonly seq: number;
  readonly label: string;
  /** The channel (`ns-memory`, `mmio`, `host-call`, `console`, ...) or `realm` for an unlisted realm. */
  readonly through: string;
  readonly to: string;
  readonly bytes: number;
  /** Why it is a leak, in the judge's words (policy/judge.ts `runLeaks`; for a realm holding the input in its registers, the runner's). */
  readonly why: string;
}

/** What the group verifier answered (or why there was nothing to verify). */
export interface VerifierLine {
  readonly kind: GroupVerdict['kind'] | 'none';
  readonly reason: string;
  readonly failed: readonly string[];
}

/** The judged outcome. */
export interface JudgedOutcome {
  readonly outcome: Outcome;
  readonly through?: string;
  readonly clause?: string;
  readonly check?: string;
  /** For `blocked`: the ledger event of the refusal that decided (its clause is `clause`). */
  readonly seq?: number;
}

/** Everything a run of a scenario file produced. */
export interface RunReport {
  readonly scenario: ScenarioFile;
  readonly flows: readonly FlowLine[];
  readonly leaks: readonly LeakLine[];
  /** Labelled bytes that left the allowed way: through a named sanitiser and the gateway. */
  readonly sanitised: readonly SanitisedPassage[];
  readonly blocked: readonly FlowLine[];
  readonly verifier: VerifierLine;
  readonly outcome: JudgedOutcome;
  readonly matched: boolean;
  /** Why the outcome does not match the expectation (empty when it does). */
  readonly mismatch: string;
  /** What the host did, step by step (its own log). */
  readonly steps: readonly string[];
  /** The LLM answer as the gateway holds it in memory, for the LLM workflow. */
  readonly answer?: string;
  /** The group verifier's full verdict, when the script attested. */
  readonly verdict?: GroupVerdict;
  /** A step that could not be carried out (a scenario bug), if any. */
  readonly error?: string;
  /** The machine at the end (views may show it). */
  readonly machine: Machine;
}

/** The example with each realm's policy text replaced where the scenario gives one. */
function exampleOf(s: ScenarioFile): WorkflowExample {
  const base = workflowOf(s.workflow)!;
  return {
    ...base,
    realms: base.realms.map((r, i) => {
      const text = s.realms[i]?.policy;
      return text === undefined ? r : { ...r, text };
    }),
    sanitisers: s.sanitisers,
  };
}

/** A one-realm policy that maps one object only to itself (a host's own extra realm). */
function soloPolicy(hash: number, mem: string, size: bigint, prot: 'R' | 'RW'): Policy {
  return {
    dialect: 'C',
    self: 0,
    vms: [{ name: 'VM1', hash, isGateway: true, strict: false }],
    mems: [
      {
        name: mem,
        size,
        type: 'PROTECTED',
        mappings: [{ vm: 0, gpa: BigInt(IVSHMEM_BAR_BASE), prot, anyCount: 0 }],
      },
    ],
    cfs: [],
  };
}

function uploadOp(p: Policy): GuestOp {
  const enc = encodePoly(p);
  if (!enc.ok)
    throw new Error(`the policy does not encode: ${enc.errors.map((e) => e.message).join('; ')}`);
  return { op: 'upload', page: POLICY_IPA, bytes: toPolicyPage(enc.bytes)! };
}

/** The interpreter of one scenario: the workflow plus what the host script added. */
class Run {
  readonly wf: VideoWorkflow;
  readonly example: WorkflowExample;
  readonly steps: string[] = [];
  /** Realms the host added, with their policy and program. */
  readonly extra = new Map<string, { handle: RealmHandle; policy?: Policy; program?: string }>();
  /** Per-realm alias rules for its next setup (malicious host). */
  private readonly aliases = new Map<string, (ipa: number) => number | undefined>();
  verdict?: GroupVerdict;
  verdictNote = 'the script requests no group token';
  private readonly cca: boolean;
  private readonly size: number;

  constructor(readonly s: ScenarioFile) {
    this.example = exampleOf(s);
    this.cca = s.mode === 'cca';
    this.wf = buildVideoWorkflow({
      mode: s.mode,
      ...(s.gaps ? { gaps: s.gaps } : {}),
      example: this.example,
      ...(s.objectSize === undefined ? {} : { size: s.objectSize }),
      setup: false,
      // CCA alone: the stages see the objects as the host's NS windows (see `setup`).
      ...(this.cca ? { windowOf: (realm: string, mem: string) => this.windowOf(realm, mem) } : {}),
    });
    const first = this.wf.policies[this.wf.order[0]!]!;
    this.size = Number(first.mems.find((m) => m.type === 'PROTECTED')?.size ?? BigInt(PAGE));
    this.wf.host.alias = (h, ipa) => this.aliases.get(h.name)?.(ipa);
    // Before any host step can substitute a realm, the tenant declares to the machine the
    // realms it names (every realm of the file), its gateway and its sanitisers, by the
    // measurement of what it asked for (tenant.ts). Whatever the host calls its realms plays
    // no part.
    declareTenant(
      this.wf,
      s.realms.map((r) => r.name),
      s.sanitisers,
    );
  }

  note(text: string): void {
    this.steps.push(text);
  }

  handle(name: string): RealmHandle {
    const h = this.wf.realms[name] ?? this.extra.get(name)?.handle;
    if (!h) throw new Error(`no realm ${name}`);
    return h;
  }

  policyOf(name: string): Policy | undefined {
    return this.wf.policies[name] ?? this.extra.get(name)?.policy;
  }

  /** Where `realm` sees object `mem`: its protected BAR window, or its NS window on CCA alone. */
  readonly windowOf: WindowOf = (realm, mem) => {
    const p = this.policyOf(realm);
    const m = p?.mems.find((x) => x.name === mem);
    const own = p && m ? ownWindow(p, m) : undefined;
    if (!own) return undefined;
    if (!this.cca) return Number(own.gpa);
    const bar = Math.round((Number(own.gpa) - IVSHMEM_BAR_BASE) / IVSHMEM_BAR_STRIDE);
    return CCA_WINDOW_BASE + bar * CCA_WINDOW_STRIDE;
  };

  /** The windows `realm` may read (`R`/`RW`) or write (`W`/`RW`), with each object's writers. */
  windows(realm: string, mode: 'read' | 'write'): StageWindow[] {
    const p = this.policyOf(realm);
    if (!p) return [];
    const names = this.wf.order;
    const out: StageWindow[] = [];
    for (const m of p.mems) {
      const own = ownWindow(p, m);
      const ipa = this.windowOf(realm, m.name);
      if (!own || ipa === undefined) continue;
      if (mode === 'read' ? own.prot === 'W' : own.prot === 'R') continue;
      const others = (can: (prot: string) => boolean) =>
        m.mappings
          .filter((mp) => mp.vm !== p.self && can(mp.prot) && typeof mp.vm === 'number')
          .map((mp) => names[mp.vm as number] ?? `VM${String(mp.vm)}`);
      const writers = others((prot) => prot !== 'R');
      const readers = others((prot) => prot !== 'W');
      out.push({
        mem: m.name,
        ipa: ipa + DATA_OFFSET,
        base: ipa,
        size: this.cca ? Math.min(Number(m.size), CCA_WINDOW_STRIDE) : Number(m.size),
        writers,
        readers,
      });
    }
    return out;
  }

  /**
   * The prefault reads of every PROTECTED window `name`'s policy maps for itself (§3.3: the
   * upload's coverage check wants each page of each window in the SGT): the whole window, or
   * its first page. Objects named in `skip` are left out.
   */
  private prefaults(
    name: string,
    prefault: 'all' | 'first-page' = 'all',
    skip: ReadonlySet<string> = new Set(),
  ): GuestOp[] {
    return protectedWindows(this.policyOf(name), skip).flatMap(({ mem, gpa }) =>
      prefaultOps(gpa, prefault === 'all' ? Number(mem.size) : PAGE),
    );
  }

  /**
   * Per realm, the objects it shares with a realm that sets up before it in the host script
   * (its first `setup` step, or its place in a `setup-all`; a realm never set up comes last):
   * what it may not prefault before that peer uploaded (race.ts `notFirstToSetUp`).
   */
  private notFirstToSetUp(): Map<string, Set<string>> {
    const order = new Map<string, number>();
    this.s.host.forEach((step, i) => {
      if (step.do === 'setup' && !order.has(step.realm)) order.set(step.realm, i);
      if (step.do === 'setup-all')
        this.wf.order.forEach((name, k) => {
          if (!order.has(name)) order.set(name, i + k / (this.wf.order.length + 1));
        });
    });
    return notFirstToSetUp(
      new Map(this.s.realms.map((r) => [r.name, this.policyOf(r.name)])),
      (name) => order.get(name) ?? Infinity,
    );
  }

  /** Prefault and upload (Mica), or map the NS windows (CCA alone). */
  setup(name: string, prefault: 'all' | 'first-page' | 'none' = 'all'): void {
    const h = this.handle(name);
    const p = this.policyOf(name);
    if (this.cca) {
      for (const m of p?.mems ?? []) {
        const ipa = this.windowOf(name, m.name);
        if (ipa === undefined) continue;
        // The whole object (up to the window's span), page by page, as ivshmem without Mica.
        const pages = Math.max(1, Math.min(Number(m.size), CCA_WINDOW_STRIDE) / PAGE);
        let status = '';
        for (let k = 0; k < pages; k++) {
          const pa = this.wf.host.backing(`ns-${m.name}`, k);
          this.wf.host.tables(h.rd, ipa + k * PAGE, 3);
          const desc =
            BigInt(pa) |
            (BigInt(abi.S2TTE_AP_RW) << 6n) |
            (BigInt(abi.S2TTE_MEMATTR_FWB_NORMAL_WB) << 2n);
          const r = this.wf.host.smc(
            abi.SMC_RMI_RTT_MAP_UNPROTECTED,
            h.rd,
            ipa + k * PAGE,
            3,
            desc,
          );
          if (k === 0 || r.status !== 'RMI_SUCCESS') status = r.status;
        }
        this.note(
          `${name}: host shares ${m.name} (${pages} page${pages === 1 ? '' : 's'}) as NS memory at 0x${ipa.toString(16)}: ${status}`,
        );
      }
      return;
    }
    if (!p) return;
    const ops = prefault === 'none' ? [] : this.prefaults(name, prefault);
    const at = this.wf.guest.program(h.rd).length + ops.length;
    ops.push(uploadOp(p));
    this.wf.guest.add(h.rd, ops);
    this.wf.host.run(h);
    this.aliases.delete(name);
    const x0 = this.wf.host.recOf(h).guest[`x0@${at}`];
    const status = typeof x0 === 'string' ? Number(BigInt(x0)) : undefined;
    this.note(
      `${name}: ${{ all: 'prefault and upload', 'first-page': 'prefault (first page only) and upload', none: 'upload (no prefault)' }[prefault]}: ${status === abi.RSI_SUCCESS ? 'accepted' : `refused (RSI status ${String(status)})`}`,
    );
  }

  /** The malicious variant realm `name` runs, if any. */
  programOf(name: string): { id: string; program: StageProgram } | undefined {
    const id = this.s.realms.find((r) => r.name === name)?.program ?? this.extra.get(name)?.program;
    const program = id && id !== 'honest' ? STAGE_PROGRAMS[id] : undefined;
    return program && id ? { id, program } : undefined;
  }

  /** The ops of `program` for realm `name`, over the windows its policy gives it. */
  programOps(name: string, program: StageProgram): GuestOp[] {
    const policy = this.policyOf(name);
    return program.ops({
      realm: name,
      ...(policy ? { policy } : {}),
      inputs: this.windows(name, 'read'),
      outputs: this.windows(name, 'write'),
      sanitisers: this.s.sanitisers,
    });
  }

  /**
   * The application phase (variants that tamper with their stage's output run inside it, on
   * every batch), then every other malicious variant of the workflow's realms.
   */
  runApp(): void {
    const inApp = new Map<string, GuestOp[]>();
    for (const r of this.s.realms) {
      const p = this.programOf(r.name);
      if (p?.program.inApp) inApp.set(r.name, this.programOps(r.name, p.program));
    }
    if (this.example.id.startsWith('llm-')) {
      runLlmApp(this.wf, this.s.inputs[0]?.text ?? DEFAULT_PROMPT, this.windowOf);
    } else {
      // On CCA alone the same stages move the same frames, through the NS windows.
      this.wf.runApp((name) => inApp.get(name) ?? []);
    }
    const gateway = this.wf.gateway ?? this.wf.order[0];
    this.note(
      `application phase: the tenant's ${inputLabelOf(this.example)} went in at ${gateway}` +
        (this.wf.published() ? `; ${gateway} sent the published result out` : ''),
    );
    for (const [name, ops] of inApp)
      if (ops.length > 0)
        this.note(
          `${name} ran "${this.programOf(name)!.id}" on every batch: ${this.programOf(name)!.program.title}`,
        );
    for (const r of this.s.realms)
      if (r.program !== 'honest' && !inApp.has(r.name)) this.runProgram(r.name);
  }

  runProgram(name: string): void {
    const found = this.programOf(name);
    if (!found && this.extra.has(name)) return this.probe(name);
    if (!found) {
      this.note(`${name}: no malicious program to run`);
      return;
    }
    const { id, program } = found;
    const ops = this.programOps(name, program);
    const h = this.handle(name);
    this.wf.guest.add(h.rd, ops);
    this.wf.host.run(h);
    this.note(`${name} runs "${id}": ${program.title}`);
  }

  attest(step: Extract<HostStep, { do: 'attest' }>): void {
    if (this.cca) {
      this.verdictNote = 'CCA alone has no group token (RSI_ATTEST_TOKEN_INIT_GROUP is Mica)';
      this.note(`attest: ${this.verdictNote}`);
      return;
    }
    // What the host does to the evidence on its way to the tenant's verifier (§6 attacks 17,
    // 19); the host keeps what it hands on in the machine, and the verdict is the tenant's
    // verifier on that kept token with the expectations it declared to the machine.
    const ev = this.wf.attest(step.realm, undefined, (received) => {
      let blobs = received.blobs;
      if (step.drop === 'last') {
        blobs = blobs.slice(0, -1);
        this.note('attest: the host drops the last policy blob before the verifier sees it');
      }
      if (step.forge) {
        blobs = blobs.map((b) => this.forgeGateway(b, step.forge!));
        this.note(`attest: ${step.forge}'s blob is rewritten to claim it is a gateway`);
      }
      return { ...received, blobs };
    });
    const kept = this.wf.machine.state.host?.groupTokens?.at(-1);
    if (!ev || !kept) {
      this.verdict = undefined;
      this.verdictNote = 'no group token: the request was refused';
      this.note(`attest: ${this.verdictNote}`);
      return;
    }
    this.verdict =
      declaredVerdict(this.wf.machine.state, kept) ??
      unappraised(ev.token, 'the tenant declared no expectations to the machine');
    this.note(`attest: the tenant's verifier says ${this.verdict.kind}`);
  }

  /** The blob of realm `name` (identified by its Self label), claiming it is a gateway. */
  private forgeGateway(blob: Uint8Array, name: string): Uint8Array {
    const d = decodeRecord(blob);
    const want = this.wf.policies[name];
    if (!d.ok || !want) return blob;
    const selfHash = d.policy.vms[d.policy.self]?.hash;
    if (selfHash !== want.vms[want.self]?.hash) return blob;
    const forged: Policy = {
      ...d.policy,
      vms: d.policy.vms.map((v, i) => (i === d.policy.self ? { ...v, isGateway: true } : v)),
    };
    const enc = encodeRecord(forged);
    return enc.ok ? enc.bytes : blob;
  }

  addRealm(step: Extract<HostStep, { do: 'add-realm' }>): void {
    // Each object's backing file is named as the object, as `mica share` names it.
    const handle = this.wf.host.createRealm({
      name: step.name,
      bars: step.objects,
      image: step.name,
    });
    let policy: Policy | undefined;
    const copy = /^copy:(.+)$/.exec(step.policy);
    if (copy) policy = this.wf.policies[copy[1]!];
    else if (step.policy !== 'none') {
      const m = micaOf(this.wf.machine.state);
      const hash = m?.gaps.includes('gap-first-come-labels')
        ? 0x9
        : rimLabel(this.wf.host.rimOf(handle));
      policy = soloPolicy(
        hash,
        step.objects[0]!,
        BigInt(this.size),
        step.policy === 'solo-read' ? 'R' : 'RW',
      );
    }
    this.extra.set(step.name, {
      handle,
      ...(policy ? { policy } : {}),
      ...(step.program ? { program: step.program } : {}),
    });
    this.note(`host builds an extra realm ${step.name} with BARs for ${step.objects.join(', ')}`);
    if (this.cca) return;
    if (policy) this.setup(step.name);
    else {
      // No policy: it still touches its windows, as a realm probing them would.
      const ops = step.objects.flatMap((_, n) =>
        prefaultOps(IVSHMEM_BAR_BASE + n * IVSHMEM_BAR_STRIDE, this.size),
      );
      this.wf.guest.add(handle.rd, ops);
      this.wf.host.run(handle);
    }
    this.probe(step.name);
  }

  /** An added realm reads the data word of each of its windows (what it can see there). */
  probe(name: string): void {
    const extra = this.extra.get(name);
    if (!extra) return;
    const count = extra.handle.bars.length;
    const ops: GuestOp[] = Array.from({ length: count }, (_, n) => ({
      op: 'read' as const,
      ipa: IVSHMEM_BAR_BASE + n * IVSHMEM_BAR_STRIDE + DATA_OFFSET,
      into: `probe${n}`,
    }));
    this.wf.guest.add(extra.handle.rd, ops);
    this.wf.host.run(extra.handle);
    this.note(`${name} reads what its windows hold`);
  }

  /** One host step. */
  step(step: HostStep): void {
    const host = this.wf.host;
    switch (step.do) {
      case 'setup':
        return this.setup(step.realm, step.prefault);
      case 'setup-all':
        for (const name of this.wf.order) this.setup(name);
        return;
      case 'run-app':
        return this.runApp();
      case 'run':
        return this.runProgram(step.realm);
      case 'attest':
        return this.attest(step);
      case 'give-ns-page': {
        const h = this.handle(step.realm);
        const ipa = h.console === undefined && !this.mappedNs(h) ? CONSOLE_IPA : CONSOLE_IPA + PAGE;
        host.tables(h.rd, ipa, 3);
        const r = host.smc(
          abi.SMC_RMI_RTT_MAP_UNPROTECTED,
          h.rd,
          ipa,
          3,
          BigInt(host.alloc()) | 0xc0n,
        );
        this.nsGiven.add(h.name);
        this.note(
          `host maps an NS page into ${step.realm} at 0x${ipa.toString(16)}: ${r.status} ${r.failure?.label ?? ''}`.trimEnd(),
        );
        return;
      }
      case 'add-realm':
        return this.addRealm(step);
      case 'map-shared': {
        const h = this.handle(step.realm);
        const pa = host.backing(step.object, step.page ?? 0);
        const ipa = IVSHMEM_BAR_BASE + step.window * IVSHMEM_BAR_STRIDE + (step.page ?? 0) * PAGE;
        const r = host.mapShared(h, ipa, pa);
        this.note(
          `host maps page ${step.page ?? 0} of ${step.object} into ${step.realm} at 0x${ipa.toString(16)}: ${r.status} ${r.failure?.label ?? ''}`.trimEnd(),
        );
        if (r.status === 'RMI_SUCCESS' && this.extra.has(step.realm)) {
          this.wf.guest.add(h.rd, [{ op: 'read', ipa: ipa + DATA_OFFSET }]);
          host.run(h);
        }
        return;
      }
      case 'different-pages': {
        const base = this.windowOf(step.realm, step.object);
        this.aliases.set(step.realm, (ipa) =>
          base !== undefined && ipa >= base && ipa < base + this.size ? host.alloc() : undefined,
        );
        this.note(
          `host will back ${step.realm}'s ${step.object} with pages of its own, not the peer's`,
        );
        return;
      }
      case 'alias': {
        const base = this.windowOf(step.realm, step.object);
        const page = host.backing(step.to, 0);
        this.aliases.set(step.realm, (ipa) => (ipa === base ? page : undefined));
        this.note(`host will map the first page of ${step.to} into ${step.realm}'s ${step.object}`);
        return;
      }
      case 'substitute': {
        this.wf.substitute(step.realm, step.image);
        this.note(
          `host tears ${step.realm} down and builds a realm from image "${step.image}" in its place`,
        );
        return;
      }
      case 'destroy': {
        const r = destroyRealm(host, this.handle(step.realm));
        this.note(`host tears ${step.realm} down: ${r.status}`);
        return;
      }
      case 'undelegate': {
        const pa = host.backing(step.object, step.page ?? 0);
        const r = host.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, pa);
        this.note(
          `host undelegates page ${step.page ?? 0} of ${step.object}: ${r.status} ${r.failure?.label ?? ''}`.trimEnd(),
        );
        return;
      }
      case 'inject-irq': {
        const h = this.handle(step.realm);
        // A pending Group 1 interrupt (ICH_LR_EL2.Group = 1: a vIRQ), INTID 27.
        host.inject = (1n << 62n) | (1n << BigInt(abi.ICH_LR_EL2_GROUP_BIT)) | 27n;
        this.wf.guest.add(h.rd, [{ op: 'wfi' }]);
        host.run(h);
        host.inject = undefined;
        this.note(`host injects a virtual interrupt into ${step.realm}`);
        return;
      }
      case 'race-prefaults': {
        // The two set-up scripts interleaved, each racing the windows set-up order lets it
        // prefault now (race.ts: what is raced, and why nothing is retried).
        const later = this.notFirstToSetUp();
        const raced = racePrefaults(
          host,
          this.wf.guest,
          step.realms.map((name) => ({
            name,
            handle: this.handle(name),
            policy: this.policyOf(name),
            skip: later.get(name),
          })),
        );
        const what = step.realms.map(
          (n, k) => `${n} (${raced[k]!.join(', ') || 'nothing it may prefault yet'})`,
        );
        this.note(`host prefaults ${what.join(' and ')} at the same time`);
        return;
      }
    }
  }

  private readonly nsGiven = new Set<string>();
  private mappedNs(h: RealmHandle): boolean {
    return this.nsGiven.has(h.name);
  }
}

/** The judge's reading of the ledger: every flow, the leaks of the scenario's labels, the blocks. */
function judge(run: Run): {
  flows: FlowLine[];
  leaks: LeakLine[];
  sanitised: SanitisedPassage[];
  blocked: FlowLine[];
  /** The refusal that decides a `blocked` outcome (policy/judge.ts `decidingRefusal`). */
  deciding?: { readonly line: FlowLine; readonly stopsAnAttack: boolean };
} {
  const { wf, s } = run;
  const state = wf.machine.state;
  const mica = realmNamer(state);
  const byRd = new Map<number, string>();
  for (const [name, h] of wf.host.realms) byRd.set(h.rd, name);
  const nameOf = (n: string): string => {
    const m = /^realm:(0x[0-9a-f]+)$/i.exec(n);
    return m ? (byRd.get(Number(m[1])) ?? mica(n)) : n;
  };
  const labels = s.inputs.map((i) => i.label);
  const flows: FlowLine[] = [];
  const leaks: LeakLine[] = [];
  const leakSeqs = new Set<number>();
  // What the tenant declared to the machine (Run's constructor), by measurement: its realms,
  // its gateway and its sanitisers. The name a realm goes by is the host's to give.
  const passage = declaredPassage(state);
  /** Realms that received the input's bytes without being one the tenant named. */
  const strangers = new Set<string>();
  // The judge's one leak rule (policy/judge.ts `runLeaks`), one line per input label carried.
  for (const leak of runLeaks(wf.machine.ledger, passage, labels)) {
    const e = leak.event;
    const to = nameOf(e.destination.name);
    leakSeqs.add(e.seq);
    if (leak.kind === 'stranger') strangers.add(to);
    const through = leak.kind === 'stranger' ? 'realm' : e.channel;
    for (const label of leak.labels)
      leaks.push({ seq: e.seq, label, through, to, bytes: e.bytes, why: leak.why });
  }
  const sanitised = new Map<number, SanitisedPassage>();
  for (const e of wf.machine.ledger) {
    if (e.kind !== 'flow') continue;
    const j = judgeFlow(e as LedgerEventOf<'flow'>, nameOf, passage, wf.machine.ledger);
    const to = nameOf(e.destination.name);
    // The allowed way out, reported apart: the input left through a declared sanitiser and the
    // declared gateway.
    const way = labels.some((l) => e.labels.includes(l))
      ? sanitisedPassage(e as LedgerEventOf<'flow'>, passage, nameOf)
      : undefined;
    if (way) sanitised.set(e.seq, way);
    flows.push({
      seq: e.seq,
      from: nameOf(e.source.name),
      to,
      channel: e.channel,
      bytes: e.bytes,
      labels: e.labels,
      verdict: leakSeqs.has(e.seq)
        ? 'leak'
        : way
          ? 'sanitised'
          : j.outcome === 'blocked'
            ? 'blocked'
            : 'allowed',
      clause: e.decision.rule,
      text: way?.text ?? j.text,
    });
  }
  // Realms the tenant did not name that hold the input's bytes in their registers (the RMM
  // handed them those labels with the bytes they loaded, GuestEntry.loadLabels, kept by the
  // scenario guest as `regl:` entries), unless a flow already showed them receiving it. No
  // flow records these, so they are the runner's own addition to the judge's `runLeaks`.
  const members = passage.members;
  for (const rec of Object.values(state.rmm.recs)) {
    const rd = hex(rec.owner);
    const realm = state.rmm.realms[rd];
    if (!realm || members === undefined || Object.hasOwn(members, realm.rim)) continue;
    const name = nameOf(`realm:${rd}`);
    if (strangers.has(name)) continue;
    const held = new Set<string>();
    for (const [k, v] of Object.entries(rec.guest))
      if (k.startsWith('regl:') && typeof v === 'string') for (const l of v.split(',')) held.add(l);
    for (const label of labels)
      if (held.has(label))
        leaks.push({
          seq: Number.MAX_SAFE_INTEGER,
          label,
          through: 'realm',
          to: name,
          bytes: 8,
          why: `its registers hold bytes labelled ${label} and its measurement (RIM ${realm.rim.slice(0, 16)}…) is not one the tenant declared`,
        });
  }
  leaks.sort((a, b) => a.seq - b.seq);
  const blocked = flows.filter((f) => f.verdict === 'blocked');
  // The rule the lessons' judge uses too (policy/judge.ts `decidingRefusal`).
  const decided = decidingRefusal(
    wf.machine.ledger.filter((e): e is LedgerEventOf<'flow'> => e.kind === 'flow'),
  );
  const line = decided && blocked.find((b) => b.seq === decided.event.seq);
  return {
    flows,
    leaks,
    sanitised: [...sanitised.values()],
    blocked,
    ...(line ? { deciding: { line, stopsAnAttack: decided.stopsAnAttack } } : {}),
  };
}

/** Does a blocked flow's clause match the expectation's `clause` (its short form or a part of it)? */
function clauseMatches(flow: FlowLine, clause: string): boolean {
  return shortRule(flow.clause) === clause || flow.clause.includes(clause);
}

/** Compares the judged evidence with the expectation; '' when it holds. */
function compare(
  expect: Expectation,
  outcome: JudgedOutcome,
  leaks: readonly LeakLine[],
  blocked: readonly FlowLine[],
  deciding: FlowLine | undefined,
  verifier: VerifierLine,
): string {
  const wrong: string[] = [];
  if (outcome.outcome !== expect.outcome)
    wrong.push(`expected ${expect.outcome}, the machine says ${outcome.outcome}`);
  if (expect.outcome === 'leak' && !leaks.some((l) => l.through === expect.through))
    wrong.push(
      `expected a leak through ${expect.through}; leaks: ${leaks.map((l) => l.through).join(', ') || 'none'}`,
    );
  // The refusal that decided must be the expected one, not merely any refusal of the run (a
  // later refusal is a consequence of the one that decided: policy/judge.ts `decidingRefusal`).
  if (expect.outcome === 'blocked' && !(deciding && clauseMatches(deciding, expect.clause)))
    wrong.push(
      `expected a block by ${expect.clause}; the refusal that decided is ${deciding ? shortRule(deciding.clause) : 'none'} (blocks: ${[...new Set(blocked.map((b) => shortRule(b.clause)))].join(', ') || 'none'})`,
    );
  const check =
    expect.outcome === 'rejected' || expect.outcome === 'leak' ? expect.check : undefined;
  if (check && !verifier.failed.includes(check))
    wrong.push(
      `expected the verifier to fail check ${check}; failed: ${verifier.failed.join(', ') || 'none'}`,
    );
  const kind =
    expect.outcome === 'no-leak' || expect.outcome === 'blocked' ? expect.verifier : undefined;
  if (kind && verifier.kind !== kind)
    wrong.push(`expected the verifier to say ${kind}, it says ${verifier.kind}`);
  return wrong.join('; ');
}

/**
 * Runs scenario `s` on a fresh machine and judges it. A host step that fails ends the script
 * and is reported (`error`); only a workflow that cannot be built at all throws.
 */
export function runScenarioFile(s: ScenarioFile): RunReport {
  const run = new Run(s);
  let error: string | undefined;
  for (const step of s.host) {
    try {
      run.step(step);
    } catch (e) {
      error = `host step "${step.do}" failed: ${(e as Error).message}`;
      run.note(error);
      break;
    }
  }
  const { flows, leaks, sanitised, blocked, deciding } = judge(run);
  const v = run.verdict;
  const verifier: VerifierLine = v
    ? {
        kind: v.kind,
        reason: v.reason,
        failed: v.checks.filter((c) => c.status === 'fail').map((c) => c.id),
      }
    : { kind: 'none', reason: run.verdictNote, failed: [] };
  // Leak, then a refusal that stopped an attack, then the verifier's rejection, then any other
  // refusal (policy/judge.ts `decidingRefusal`, the lessons' judge's rule too).
  const block: JudgedOutcome | undefined = deciding && {
    outcome: 'blocked',
    clause: shortRule(deciding.line.clause),
    seq: deciding.line.seq,
  };
  const outcome: JudgedOutcome =
    leaks.length > 0
      ? { outcome: 'leak', through: leaks[0]!.through }
      : block && deciding?.stopsAnAttack
        ? block
        : verifier.kind === 'rejected'
          ? { outcome: 'rejected', check: verifier.failed[0]! }
          : (block ?? { outcome: 'no-leak' });
  const mismatch = error ?? compare(s.expect, outcome, leaks, blocked, deciding?.line, verifier);
  const answer = s.workflow.startsWith('llm-') ? llmAnswer(run.wf) : undefined;
  return {
    scenario: s,
    flows,
    leaks,
    sanitised,
    blocked,
    verifier,
    outcome,
    matched: mismatch === '',
    mismatch,
    steps: run.steps,
    ...(answer === undefined ? {} : { answer }),
    ...(v ? { verdict: v } : {}),
    ...(error ? { error } : {}),
    machine: run.wf.machine,
  };
}
