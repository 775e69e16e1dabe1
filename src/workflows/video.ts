/**
 * The video-moderation workflow on a machine (mica-spec.md §5.1, §5.4): gateway, encoder,
 * moderator and storage realms built by the host in the §8 item 12 order, each prefaulting
 * its protected BARs and uploading its policy strictly one after the other (§3.3 "run setup
 * scripts one-by-one"), then an application phase in which the video moves down the pipe.
 * Used by tests, lessons, the CLI demo and the UI.
 *
 * Design rationale: the policies are the shipped examples (src/policy/examples) as the realm
 * terminal's `policy upload` sends them, through the same {@link examplePolicy}: hash labels
 * bound to each realm's RIM in Mica mode (§8 item 3; the tenant's 0x1.. labels in the
 * prototype), rules as written (the locked-down files carry their own EXCEPTION/OTHER rules).
 * Only tests shrink the objects (`size`), for speed. The honest host gives an NS console page
 * to the gateways only: a non-gateway stage's console is an NS channel its runbook switches off
 * (§3.5 note), so a clean run has nothing for the monitor to take away at upload.
 */
import { LAB_ANCHOR_NAME, attest, labFirmware, type Machine } from '../emulator/index.ts';
import { IVSHMEM_BAR_BASE, IVSHMEM_BAR_STRIDE } from '../policy/abi.ts';
import { encodePoly, toPolicyPage } from '../policy/binary.ts';
import { examplePolicy } from '../policy/examples/bind.ts';
import { VIDEO_MODERATION, type WorkflowExample } from '../policy/examples/video-moderation.ts';
import type { Policy } from '../policy/model.ts';
import { ownWindow } from '../policy/monitor/common.ts';
import { createMicaMachine, type MicaMachineOptions } from '../policy/monitor/extension.ts';
import { micaOf } from '../policy/monitor/state.ts';
import {
  expectedMember,
  splitGroupStream,
  type GroupExpectations,
} from '../policy/group/verify.ts';
import {
  attestStream,
  guestLoad,
  prefaultOps,
  programGuest,
  type GuestOp,
  type ProgramGuest,
} from './guest.ts';
import {
  FRAME_COUNT,
  MODERATED_RECORD_BYTES,
  RAW_FRAME_BYTES,
  ENCODED_FRAME_BYTES,
  encodeFrames,
  moderateFrames,
  syntheticVideo,
} from './frames.ts';
import {
  ATTEST_IPA,
  MicaHost,
  destroyRealm,
  NET_IPA,
  NET_PAYLOAD_OFFSET,
  POLICY_IPA,
  RAM_IPA,
  type RealmHandle,
} from './host.ts';

/**
 * The first 64-bit word of the tenant's video (little-endian, as a realm loads it from the
 * first frame): what a register or exit field holding the video's first bytes shows.
 */
export const VIDEO_VALUE = wordOf(syntheticVideo(1));

function wordOf(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let b = 7; b >= 0; b--) v = (v << 8n) | BigInt(bytes[b] ?? 0);
  return v;
}

/** The tenant's video as the bytes it sends: {@link FRAME_COUNT} raw RGB frames. */
export function videoBytes(frames = FRAME_COUNT): Uint8Array {
  return syntheticVideo(frames);
}

/**
 * How a pipeline of shared objects of these sizes moves the video: frames per batch (as many
 * as every object holds at once) and where each stage puts them. Mem1-like objects hold raw
 * frames, Mem2-like ones encoded frames, Mem3-like ones moderated records (verdict, frame).
 */
export interface VideoLayout {
  readonly frames: number;
  /** Frames per pass through the pipeline. */
  readonly batch: number;
  /** Bytes of storage's private store (records of every frame). */
  readonly storeBytes: number;
}

/** The layout for objects of `objectBytes` (the smallest object of the pipeline). */
export function videoLayout(objectBytes: number, frames = FRAME_COUNT): VideoLayout {
  const batch = Math.min(frames, Math.floor(objectBytes / RAW_FRAME_BYTES));
  if (batch < 1)
    throw new Error(
      `video workflow: a ${objectBytes}-byte shared object cannot hold one ${RAW_FRAME_BYTES}-byte frame`,
    );
  return { frames, batch, storeBytes: frames * MODERATED_RECORD_BYTES };
}

/** Options of {@link buildVideoWorkflow}. */
export interface VideoWorkflowOptions extends MicaMachineOptions {
  /** Which workflow (default the §5.1 (a) pipeline, locked down per §5.4). */
  readonly example?: WorkflowExample;
  /** Size of each shared object in bytes (default: as the example says, 0x40000 as in §5.1; tests use less). */
  readonly size?: number;
  /**
   * Which realms the host gives an NS console page before upload: `gateways` (default, the
   * runbook) or `all` (a host that hands every stage an NS channel, attack 1).
   */
  readonly consoles?: 'gateways' | 'all';
  /** Rewrites a realm's policy before upload (malicious or mistaken variants). */
  readonly edit?: (realm: string, policy: Policy) => Policy;
  /** Prefault and upload every realm in order (default true). */
  readonly setup?: boolean;
  /**
   * Where realm `realm` sees object `mem` in the application phase (default: its protected BAR
   * window of the policy). CCA alone passes the host-shared NS windows, so the same stages move
   * the same frames through memory the host reads.
   */
  readonly windowOf?: (realm: string, mem: string, gpa: number) => number | undefined;
}

/** A workflow built on a machine. */
export interface VideoWorkflow {
  readonly machine: Machine;
  readonly host: MicaHost;
  readonly guest: ProgramGuest;
  readonly example: WorkflowExample;
  /** Realm names in upload order. */
  readonly order: readonly string[];
  readonly realms: Readonly<Record<string, RealmHandle>>;
  /** The policies as uploaded (after labels and edits). */
  readonly policies: Record<string, Policy>;
  /** Prefaults and uploads one realm; returns the upload status (RSI x0). */
  setupRealm(name: string): number | undefined;
  /**
   * Tears realm `name` down and builds it again from the same image under the same label,
   * its policy rewritten by `edit`, then prefaults and uploads it (issue 11 finding 5: a
   * verdict must not outlive the configuration it attested). Returns the upload status.
   */
  rebuild(name: string, edit?: (policy: Policy) => Policy): number | undefined;
  /** Runs the application phase: the video moves through the pipeline. */
  runApp(): void;
  /** How the video moves: frames, frames per pass, the sink's store. */
  readonly layout: VideoLayout;
  /** The moderated records (verdict, frame) the sink keeps in its RAM, as it holds them now. */
  stored(): Uint8Array | undefined;
  /** Adds ops to a realm's program and runs it. */
  exec(name: string, ops: readonly GuestOp[]): Readonly<Record<string, unknown>>;
  /** `name` (default: the first realm) requests a group token; the stream it received, split. */
  attest(name?: string, challenge?: Uint8Array): GroupEvidence | undefined;
  /** What the tenant's verifier expects of this workflow (reference RIMs, labels, policies). */
  expectations(): GroupExpectations;
}

/** A group token and its blobs, as the attesting realm received them. */
export interface GroupEvidence {
  readonly token: Uint8Array;
  readonly blobs: Uint8Array[];
  readonly challenge: Uint8Array;
}

/** The default verifier nonce of scenarios. */
export const SCENARIO_CHALLENGE = new Uint8Array(64).map((_, i) => (i * 7 + 1) & 0xff);

/** The example's file for realm `index` (labels bound through `rimOf`, when given). */
function fileOf(
  example: WorkflowExample,
  index: number,
  rimOf?: (realm: string) => string | undefined,
): Policy {
  const r = examplePolicy(example, index, rimOf);
  if (!r.ok) throw new Error(`example policy does not parse: ${r.error}`);
  return r.value.policy;
}

/** The backing files (one per object) and BAR order a realm's policy implies. */
function barsOf(p: Policy): string[] {
  const bars: string[] = [];
  for (const mem of p.mems) {
    const own = ownWindow(p, mem);
    if (!own || mem.type !== 'PROTECTED') continue;
    const n = Math.round((Number(own.gpa) - IVSHMEM_BAR_BASE) / IVSHMEM_BAR_STRIDE);
    bars[n] = `shm-${mem.name}`;
  }
  return Array.from({ length: bars.length }, (_, i) => bars[i] ?? `unused-${i}`);
}

/** The realm's own windows on protected objects it may access with `prot` (R or W): object and IPA. */
function windowsOf(p: Policy, prot: 'R' | 'W'): { mem: string; gpa: number }[] {
  const out: { mem: string; gpa: number }[] = [];
  for (const mem of p.mems) {
    const own = ownWindow(p, mem);
    if (mem.type !== 'PROTECTED' || !own || own.prot === (prot === 'R' ? 'W' : 'R')) continue;
    out.push({ mem: mem.name, gpa: Number(own.gpa) });
  }
  return out;
}

/** Who is told about each workflow machine as it is created (see {@link watchingWorkflows}). */
let watcher: ((machine: Machine) => void) | undefined;

/**
 * Runs `body`, calling `watch` with every workflow machine built inside it before the machine
 * emits its first event. Time travel (src/emulator/timeline.ts) replays a pipeline scenario
 * this way to stop it at an event; the workflow itself never knows it is watched.
 */
export function watchingWorkflows<T>(watch: (machine: Machine) => void, body: () => T): T {
  const previous = watcher;
  watcher = watch;
  try {
    return body();
  } finally {
    watcher = previous;
  }
}

/** Builds the workflow on a fresh machine in the requested mode. */
export function buildVideoWorkflow(options: VideoWorkflowOptions = {}): VideoWorkflow {
  const example = options.example ?? VIDEO_MODERATION;
  const guest = programGuest();
  // Only the machine's own options reach the machine: the workflow's (an `edit` function
  // above all) would land in its config and make the state impossible to snapshot.
  const {
    example: _example,
    size: _size,
    consoles: _consoles,
    edit: _edit,
    setup: _setup,
    windowOf: _windowOf,
    ...machineOptions
  } = options;
  const machine = createMicaMachine({ ...machineOptions, guest });
  watcher?.(machine);
  const host = new MicaHost(machine);
  const size = options.size ?? 0x40000;
  const texts = example.realms.map((_, i) => fileOf(example, i));
  const realms: Record<string, RealmHandle> = {};
  const specs: Record<string, Parameters<MicaHost['createRealm']>[0]> = {};
  // Object sizes: the i-th distinct size of the example becomes (i + 1) × `size`, so distinct
  // sizes stay distinct (a size mismatch stays a mismatch) while tests stay small.
  const distinct = [
    ...new Set(
      texts.flatMap((t) => t.mems.filter((x) => x.type === 'PROTECTED').map((x) => x.size)),
    ),
  ].sort((a, b) => (a < b ? -1 : 1));
  const resize = (original: bigint): bigint =>
    options.size === undefined ? original : BigInt(size) * BigInt(distinct.indexOf(original) + 1);
  // Frames per pass: as many as the smallest object holds (all 24 in 256 KiB objects).
  const smallest = Math.min(
    ...texts.flatMap((t) =>
      t.mems.filter((x) => x.type === 'PROTECTED').map((x) => Number(resize(x.size))),
    ),
  );
  const layout = videoLayout(smallest);
  example.realms.forEach((r, i) => {
    const p = texts[i]!;
    const withConsole = options.consoles === 'all' || p.vms[p.self]?.isGateway === true;
    // A stage past the gateway that writes no object is the sink: it keeps the records in RAM.
    const sink = i > 0 && windowsOf(p, 'W').length === 0;
    // The first realm is the gateway: the tenant's input arrives on its network device.
    specs[r.name] = {
      name: r.name,
      bars: barsOf(p),
      console: withConsole,
      net: i === 0,
      ...(sink ? { ram: layout.storeBytes } : {}),
    };
    realms[r.name] = host.createRealm(specs[r.name]!);
  });
  const m = micaOf(machine.state);
  const bound = m !== undefined && !m.gaps.includes('gap-first-come-labels');
  const rimOf = (name: string) => {
    const h = realms[name];
    return h ? host.rimOf(h) : undefined;
  };
  const policies: Record<string, Policy> = {};
  example.realms.forEach((r, i) => {
    let p = fileOf(example, i, bound ? rimOf : undefined);
    p = {
      ...p,
      mems: p.mems.map((mem) =>
        mem.type === 'PROTECTED' ? { ...mem, size: resize(mem.size) } : mem,
      ),
    };
    policies[r.name] = options.edit ? options.edit(r.name, p) : p;
  });
  const order = example.realms.map((r) => r.name);

  function exec(name: string, ops: readonly GuestOp[]) {
    const h = realms[name]!;
    guest.add(h.rd, ops);
    host.run(h);
    return host.recOf(h).guest;
  }

  function setupRealm(name: string): number | undefined {
    const p = policies[name]!;
    const ops: GuestOp[] = [];
    for (const mem of p.mems) {
      const own = mem.mappings.find((mp) => mp.vm === p.self);
      if (mem.type === 'PROTECTED' && own)
        ops.push(...prefaultOps(Number(own.gpa), Number(mem.size)));
    }
    // The sink's store is touched too, so the host backs it before the video arrives.
    const ram = realms[name]!.ram;
    if (ram !== undefined) ops.push(...prefaultOps(RAM_IPA, ram));
    const enc = encodePoly(p);
    if (!enc.ok)
      throw new Error(
        `policy of ${name} does not encode: ${enc.errors.map((e) => e.message).join('; ')}`,
      );
    const at = guest.program(realms[name]!.rd).length + ops.length;
    ops.push({ op: 'upload', page: POLICY_IPA, bytes: toPolicyPage(enc.bytes)! });
    const g = exec(name, ops);
    const x0 = g[`x0@${at}`];
    return typeof x0 === 'string' ? Number(BigInt(x0)) : undefined;
  }

  function rebuild(name: string, edit?: (policy: Policy) => Policy): number | undefined {
    destroyRealm(host, realms[name]!);
    realms[name] = host.createRealm(specs[name]!);
    if (edit) policies[name] = edit(policies[name]!);
    return setupRealm(name);
  }

  /**
   * What stage `i` runs on frames [first, first + n): the gateway copies the tenant's frames
   * from its network buffer into its object(s), the encoder transcodes them into its object,
   * the moderator writes a verdict and the (sanitised) frame per frame, the sink copies the
   * records into its RAM. Whole ranges move with the bulk ops; the guest computes on bytes
   * and never names a label: the output inherits what it read.
   */
  function stageOps(
    name: string,
    i: number,
    first: number,
    n: number,
    video: Uint8Array,
  ): GuestOp[] {
    const p = policies[name]!;
    const at = (w: { mem: string; gpa: number }): number | undefined =>
      options.windowOf ? options.windowOf(name, w.mem, w.gpa) : w.gpa;
    const writes = windowsOf(p, 'W')
      .map(at)
      .filter((x) => x !== undefined);
    if (i === 0) {
      host.tenantSend(
        realms[name]!,
        video.subarray(first * RAW_FRAME_BYTES, (first + n) * RAW_FRAME_BYTES),
      );
      return writes.map((to): GuestOp => ({
        op: 'copy',
        from: NET_IPA + NET_PAYLOAD_OFFSET,
        to,
        len: n * RAW_FRAME_BYTES,
      }));
    }
    const reads = windowsOf(p, 'R')[0];
    const input = reads && at(reads);
    if (input === undefined) return [];
    if (writes.length === 0) {
      const len = n * MODERATED_RECORD_BYTES;
      return [{ op: 'copy', from: input, to: RAM_IPA + first * MODERATED_RECORD_BYTES, len }];
    }
    const encoder = i === 1;
    const len = n * (encoder ? RAW_FRAME_BYTES : ENCODED_FRAME_BYTES);
    const fn = encoder ? encodeFrames : moderateFrames;
    return writes.map((to): GuestOp => ({
      op: 'map',
      from: [{ ipa: input, len }],
      to,
      fn: ([x]) => fn(x!),
    }));
  }

  function runApp(): void {
    const video = videoBytes(layout.frames);
    for (let first = 0; first < layout.frames; first += layout.batch) {
      const n = Math.min(layout.batch, layout.frames - first);
      order.forEach((name, i) => exec(name, stageOps(name, i, first, n, video)));
    }
  }

  function stored(): Uint8Array | undefined {
    const sink = order.find((name, i) => i > 0 && windowsOf(policies[name]!, 'W').length === 0);
    if (sink === undefined) return undefined;
    const rd = '0x' + realms[sink]!.rd.toString(16);
    const realm = machine.state.rmm.realms[rd];
    return realm && guestLoad(machine.state, realm, RAM_IPA, layout.storeBytes);
  }

  function attestGroup(
    name = order[0]!,
    challenge = SCENARIO_CHALLENGE,
  ): GroupEvidence | undefined {
    const g = exec(name, [{ op: 'attestGroup', challenge, buffer: ATTEST_IPA }]);
    const stream = attestStream(host.recOf(realms[name]!));
    if (!stream || typeof g.agCount !== 'number') return undefined;
    const split = splitGroupStream(stream, g.agCount);
    return { ...split, challenge };
  }

  function expectations(): GroupExpectations {
    // The tenant's inputs, all explicit: the lab's trust anchor (its public TEST CPAK, which
    // signs every platform token this machine makes), the nonce sent, the lab firmware, and
    // each member's RIM, RPV and policy as the tenant built them.
    return {
      anchor: attest.TEST_CPAK_PUBLIC,
      anchorName: LAB_ANCHOR_NAME,
      challenge: SCENARIO_CHALLENGE,
      platform: labFirmware(),
      source: example.source,
      sanitisers: example.sanitisers,
      members: order.map((name) =>
        expectedMember(
          name,
          policies[name]!,
          machine.state.rmm.realms['0x' + realms[name]!.rd.toString(16)]!,
        ),
      ),
    };
  }

  const wf: VideoWorkflow = {
    machine,
    host,
    guest,
    example,
    order,
    realms,
    policies,
    setupRealm,
    rebuild,
    runApp,
    layout,
    stored,
    exec,
    attest: attestGroup,
    expectations,
  };
  if (options.setup !== false) for (const name of order) setupRealm(name);
  return wf;
}
