/**
 * The video-moderation workflow on a machine (mica-spec.md §5.1, §5.4): gateway, encoder,
 * moderator and storage realms built by the host in the §8 item 12 order, each prefaulting
 * its protected BARs and uploading its policy strictly one after the other (§3.3 "run setup
 * scripts one-by-one"), then an application phase in which the video moves down the pipe and,
 * where the policies declare a way back to the gateway (storage's Mem4 in `video-publish`, the
 * ring's Mem3 in §5.1 (c)), comes back to the gateway, which sends the published (moderated)
 * result out of its network device. Used by tests, lessons, the CLI demo and the UI.
 *
 * Design rationale: the policies are the shipped examples (src/policy/examples) as the realm
 * terminal's `policy upload` sends them, through the same {@link examplePolicy}: hash labels
 * bound to each realm's RIM in Mica mode (§8 item 3; the tenant's 0x1.. labels in the
 * prototype), rules as written (the locked-down files carry their own EXCEPTION/OTHER rules).
 * Only tests shrink the objects (`size`), for speed. The honest host gives an NS console page
 * to the gateways only: a non-gateway stage's console is an NS channel its runbook switches off
 * (§3.5 note), so a clean run has nothing for the monitor to take away at upload.
 *
 * What each realm does is its role ({@link videoRoles}), read from the policies' data flow and
 * the tenant's sanitisers, never from its place in the upload order: the gateway is the first
 * realm whose own file makes it a gateway, the sanitisers moderate, a realm fed by a sanitiser
 * stores and hands back, any other realm on the way from the gateway encodes.
 */
import {
  LAB_ANCHOR_NAME,
  abi,
  attest,
  labFirmware,
  readTranslated,
  walkRtt,
  type Machine,
  type RealmRecord,
} from '../emulator/index.ts';
import { IVSHMEM_BAR_BASE, IVSHMEM_BAR_STRIDE } from '../policy/abi.ts';
import { encodePoly, toPolicyPage } from '../policy/binary.ts';
import { bindLabels, examplePolicy } from '../policy/examples/bind.ts';
import { VIDEO_MODERATION, type WorkflowExample } from '../policy/examples/video-moderation.ts';
import type { Policy } from '../policy/model.ts';
import { ownWindow } from '../policy/monitor/common.ts';
import { createMicaMachine, type MicaMachineOptions } from '../policy/monitor/extension.ts';
import { splitGroupStream } from '../policy/monitor/group.ts';
import { micaOf } from '../policy/monitor/state.ts';
import { expectedMember, type GroupExpectations } from '../policy/group/verify.ts';
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
  NET_BUFFER_SIZE,
  NET_IPA,
  NET_PAYLOAD_OFFSET,
  POLICY_IPA,
  RAM_IPA,
  type RealmHandle,
} from './host.ts';
import { stageReference } from './reference.ts';
import { hex } from '../lib/hex.ts';

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

/** The tenant's video by frame count, generated once (it is a pure function of the count). */
const videos = new Map<number, Uint8Array>();

/** The tenant's video as the bytes it sends: {@link FRAME_COUNT} raw RGB frames (a fresh copy). */
export function videoBytes(frames = FRAME_COUNT): Uint8Array {
  let video = videos.get(frames);
  if (!video) {
    video = syntheticVideo(frames);
    videos.set(frames, video);
  }
  return video.slice();
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

/**
 * Unprotected IPA of the gateway's network transmit buffer (NS memory, the NIC sends from
 * there): right after the largest receive buffer. The published records land here, record f
 * at f × {@link MODERATED_RECORD_BYTES}.
 */
export const PUBLISH_IPA = NET_IPA + NET_BUFFER_SIZE;

/** What a realm does in the video application (mica-spec.md §5.1). */
export type VideoRole = 'gateway' | 'encoder' | 'moderator' | 'storage';

/** One window of a realm on a protected object, and who else writes and reads the object. */
export interface RoleWindow {
  readonly mem: string;
  /** The realm's own window (its BAR IPA in the policy). */
  readonly gpa: number;
  readonly prot: 'R' | 'W' | 'RW';
  readonly writers: readonly string[];
  readonly readers: readonly string[];
}

/** The realm's windows on protected objects, with the object's other writers and readers. */
export function roleWindows(order: readonly string[], p: Policy): RoleWindow[] {
  const out: RoleWindow[] = [];
  for (const mem of p.mems) {
    const own = ownWindow(p, mem);
    if (mem.type !== 'PROTECTED' || !own) continue;
    const others = (can: (prot: string) => boolean) =>
      mem.mappings
        .filter((mp) => mp.vm !== p.self && typeof mp.vm === 'number' && can(mp.prot))
        .map((mp) => order[mp.vm as number] ?? `VM${String(mp.vm)}`);
    out.push({
      mem: mem.name,
      gpa: Number(own.gpa),
      prot: own.prot,
      writers: others((prot) => prot !== 'R'),
      readers: others((prot) => prot !== 'W'),
    });
  }
  return out;
}

/**
 * The role of every realm of a video workflow, from the data flow its policies declare and the
 * tenant's sanitisers (§4.5): the gateway is the first realm (in upload order, the order every
 * §5 runbook sets them up in) whose own file says it is a gateway; a sanitiser is the
 * moderator; a realm that reads an object a sanitiser (or a storage realm) writes stores; any
 * other realm that reads what the gateway or an encoder writes encodes. Only one-way objects
 * count (one end W, the reader R: the video's §5.4 layout); the LLM's RW mailboxes give no
 * video role. Realms on no such path have no role (the application does not run them).
 */
export function videoRoles(
  order: readonly string[],
  policies: Readonly<Record<string, Policy>>,
  sanitisers: readonly string[],
): Readonly<Record<string, VideoRole>> {
  const roles: Record<string, VideoRole> = {};
  const gateway = order.find((name) => {
    const p = policies[name];
    return p?.vms[p.self]?.isGateway === true;
  });
  if (gateway === undefined) return roles;
  roles[gateway] = 'gateway';
  for (const name of order)
    if (name !== gateway && sanitisers.includes(name)) roles[name] = 'moderator';
  const feeds = (name: string, from: (w: string) => boolean) =>
    roleWindows(order, policies[name]!).some((w) => w.prot === 'R' && w.writers.some(from));
  // Until nothing changes: a realm's role follows from who feeds it.
  for (let changed = true; changed;) {
    changed = false;
    for (const name of order) {
      if (roles[name] !== undefined || !policies[name]) continue;
      const role: VideoRole | undefined = feeds(
        name,
        (w) => roles[w] === 'moderator' || roles[w] === 'storage',
      )
        ? 'storage'
        : feeds(name, (w) => roles[w] === 'gateway' || roles[w] === 'encoder')
          ? 'encoder'
          : undefined;
      if (role) {
        roles[name] = role;
        changed = true;
      }
    }
  }
  return roles;
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
  /**
   * vCPUs the host gives each realm (default 1, host.ts `RealmSpec.recs`): REC 0 runs the
   * stage, the others wait for the realm's PSCI_CPU_ON (they leave every RIM as it is) and
   * then run from the entry point it named.
   */
  readonly recs?: number;
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
   * A malicious host tears realm `name` down and builds another realm from `image` under the
   * same name, BARs and devices (§6 attack 13 at build time), without setting it up.
   */
  substitute(name: string, image: string): void;
  /**
   * Tears realm `name` down and builds it again from the same image under the same label,
   * its policy rewritten by `edit`, then prefaults and uploads it (issue 11 finding 5: a
   * verdict must not outlive the configuration it attested). Returns the upload status.
   */
  rebuild(name: string, edit?: (policy: Policy) => Policy): number | undefined;
  /**
   * Runs the application phase: the video moves through the pipeline, batch by batch, and
   * what comes back to the gateway is published. `also(name)` gives ops a stage runs right
   * after its own work on each batch (a malicious stage that tampers with its output).
   */
  runApp(also?: (name: string) => readonly GuestOp[]): void;
  /** Each realm's role in the application ({@link videoRoles}). */
  readonly roles: Readonly<Record<string, VideoRole>>;
  /** The tenant's gateway (undefined when no realm's policy makes it one). */
  readonly gateway: string | undefined;
  /** How the video moves: frames, frames per pass, the sink's store. */
  readonly layout: VideoLayout;
  /** The moderated records (verdict, frame) the sink keeps in its RAM, as it holds them now. */
  stored(): Uint8Array | undefined;
  /**
   * What the gateway sent out of its network device as it holds it now (its transmit buffer
   * at {@link PUBLISH_IPA}), undefined when nothing was published.
   */
  published(): Uint8Array | undefined;
  /** Adds ops to a realm's program and runs it. */
  exec(name: string, ops: readonly GuestOp[]): Readonly<Record<string, unknown>>;
  /**
   * `name` (default: the first realm) requests a group token; the stream it received, split,
   * as the host hands it to the tenant's verifier: `relay` is what the host does to it on the
   * way (an honest host passes it on as it is). The host keeps what it hands on in the machine
   * (`state.host.groupTokens`, {@link MicaHost.keepGroupToken}).
   */
  attest(
    name?: string,
    challenge?: Uint8Array,
    relay?: (evidence: GroupEvidence) => GroupEvidence,
  ): GroupEvidence | undefined;
  /**
   * What the tenant's verifier expects of this workflow: reference RIMs and RPVs recomputed
   * from what the tenant asked for (reference.ts), its labels and policies.
   */
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

/**
 * The backing files (one per object, named as the object, as `mica share` names it) and BAR
 * order a realm's policy implies.
 */
function barsOf(p: Policy): string[] {
  const bars: string[] = [];
  for (const mem of p.mems) {
    const own = ownWindow(p, mem);
    if (!own || mem.type !== 'PROTECTED') continue;
    const n = Math.round((Number(own.gpa) - IVSHMEM_BAR_BASE) / IVSHMEM_BAR_STRIDE);
    bars[n] = mem.name;
  }
  return Array.from({ length: bars.length }, (_, i) => bars[i] ?? `unused-${i}`);
}

/**
 * `len` bytes the host can read at `ipa` of `realm` (its NS pages, as the NIC reads them),
 * read from the state without an access (looking adds no ledger event).
 */
function nsLoad(
  machine: Machine,
  realm: Readonly<RealmRecord>,
  ipa: number,
  len: number,
): Uint8Array | undefined {
  const state = machine.state as Parameters<typeof walkRtt>[0];
  return readTranslated(state, ipa, len, (at) => {
    const walk = walkRtt(state, realm, at);
    return walk.entry.state === 'ASSIGNED_NS' ? walk.entry.pa + (at - walk.entryBase) : undefined;
  });
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
    recs: _recs,
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
  const order = example.realms.map((r) => r.name);
  // Roles from the example's own files (the tenant's design); edits cannot move the network
  // device or the store to another realm.
  const roles = videoRoles(
    order,
    Object.fromEntries(order.map((name, i) => [name, texts[i]!])),
    example.sanitisers,
  );
  const gateway = order.find((name) => roles[name] === 'gateway');
  example.realms.forEach((r, i) => {
    const p = texts[i]!;
    const withConsole = options.consoles === 'all' || p.vms[p.self]?.isGateway === true;
    specs[r.name] = {
      name: r.name,
      bars: barsOf(p),
      console: withConsole,
      // The tenant's input arrives on the gateway's network device; storage keeps the records.
      net: r.name === gateway,
      ...(roles[r.name] === 'storage' ? { ram: layout.storeBytes } : {}),
      ...(options.recs === undefined ? {} : { recs: options.recs }),
    };
    realms[r.name] = host.createRealm(specs[r.name]!);
  });
  // The tenant's reference values of each stage, recomputed from its intent once per
  // workflow (every label that names the stage and the verifier's expectations use them).
  const references = new Map<string, ReturnType<typeof stageReference>>();
  const referenceOf = (name: string): ReturnType<typeof stageReference> => {
    let ref = references.get(name);
    if (!ref) references.set(name, (ref = stageReference({ name })));
    return ref;
  };
  const m = micaOf(machine.state);
  const bound = m !== undefined && !m.gaps.includes('gap-first-come-labels');
  // The tenant binds each label to the RIM of the realm it asked for (its intent), not to
  // whatever the host built under that name.
  const rimOf = (name: string) => (realms[name] ? referenceOf(name).rim : undefined);
  const policies: Record<string, Policy> = {};
  example.realms.forEach((r, i) => {
    // The file parsed above, its labels bound (parsing it again would give the same policy).
    let p = bindLabels(example, texts[i]!, bound ? rimOf : undefined).policy;
    p = {
      ...p,
      mems: p.mems.map((mem) =>
        mem.type === 'PROTECTED' ? { ...mem, size: resize(mem.size) } : mem,
      ),
    };
    policies[r.name] = options.edit ? options.edit(r.name, p) : p;
  });

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

  function substitute(name: string, image: string): void {
    destroyRealm(host, realms[name]!);
    realms[name] = host.createRealm({ ...specs[name]!, image });
  }

  function rebuild(name: string, edit?: (policy: Policy) => Policy): number | undefined {
    destroyRealm(host, realms[name]!);
    realms[name] = host.createRealm(specs[name]!);
    if (edit) policies[name] = edit(policies[name]!);
    return setupRealm(name);
  }

  /** Where realm `name` sees window `w` in the application phase (undefined: it does not). */
  function at(name: string, w: { mem: string; gpa: number }): number | undefined {
    return options.windowOf ? options.windowOf(name, w.mem, w.gpa) : w.gpa;
  }

  /** The realm's windows it may read (R/RW) whose object a realm of role `from` writes. */
  function inputsFrom(name: string, from: (role: VideoRole | undefined) => boolean): number[] {
    return roleWindows(order, policies[name]!)
      .filter((w) => w.prot !== 'W' && w.writers.some((x) => from(roles[x])))
      .map((w) => at(name, w))
      .filter((x) => x !== undefined);
  }

  /** The realm's windows it may write (W/RW), optionally only those a realm of role `to` reads. */
  function outputs(name: string, to?: (role: VideoRole | undefined) => boolean): number[] {
    return roleWindows(order, policies[name]!)
      .filter((w) => w.prot !== 'R' && (!to || w.readers.some((x) => to(roles[x]))))
      .map((w) => at(name, w))
      .filter((x) => x !== undefined);
  }

  /**
   * What realm `name` runs on frames [first, first + n) in its role: the gateway copies the
   * tenant's frames from its network buffer into the objects it writes, an encoder transcodes
   * them into its objects, the moderator writes a verdict and the (sanitised) frame per frame,
   * storage copies the records into its RAM and hands the batch back into the objects the
   * gateway reads. Whole ranges move with the bulk ops; the guest computes on bytes and never
   * names a label: the output inherits what it read.
   */
  function stageOps(name: string, first: number, n: number, video: Uint8Array): GuestOp[] {
    const role = roles[name];
    if (role === 'gateway') {
      host.tenantSend(
        realms[name]!,
        video.subarray(first * RAW_FRAME_BYTES, (first + n) * RAW_FRAME_BYTES),
      );
      return outputs(name).map((to): GuestOp => ({
        op: 'copy',
        from: NET_IPA + NET_PAYLOAD_OFFSET,
        to,
        len: n * RAW_FRAME_BYTES,
      }));
    }
    if (role === 'storage') {
      const input = inputsFrom(name, (r) => r === 'moderator' || r === 'storage')[0];
      if (input === undefined) return [];
      const len = n * MODERATED_RECORD_BYTES;
      const kept = RAM_IPA + first * MODERATED_RECORD_BYTES;
      return [
        { op: 'copy', from: input, to: kept, len },
        // The published batch, for the gateway (the records as kept, verdicts and frames).
        ...outputs(name, (r) => r === 'gateway').map((to): GuestOp => ({
          op: 'copy',
          from: kept,
          to,
          len,
        })),
      ];
    }
    const encoder = role === 'encoder';
    const input = inputsFrom(name, (r) =>
      encoder ? r === 'gateway' || r === 'encoder' : r === 'encoder',
    )[0];
    if (input === undefined || role === undefined) return [];
    const len = n * (encoder ? RAW_FRAME_BYTES : ENCODED_FRAME_BYTES);
    const fn = encoder ? encodeFrames : moderateFrames;
    return outputs(name).map((to): GuestOp => ({
      op: 'map',
      from: [{ ipa: input, len }],
      to,
      fn: ([x]) => fn(x!),
    }));
  }

  /**
   * The gateway sends what came back to it (records of frames [first, first + n), from the
   * objects storage or the moderator write for it) out of its network device: a copy into the
   * NIC's transmit buffer, so the bytes keep the moderator's mark.
   */
  function publishOps(first: number, n: number): GuestOp[] {
    if (gateway === undefined) return [];
    const back = inputsFrom(gateway, (r) => r === 'storage' || r === 'moderator')[0];
    if (back === undefined) return [];
    if (!transmitMapped) mapTransmit(realms[gateway]!);
    const len = n * MODERATED_RECORD_BYTES;
    return [{ op: 'copy', from: back, to: PUBLISH_IPA + first * MODERATED_RECORD_BYTES, len }];
  }

  let transmitMapped = false;
  /** The host maps the gateway's transmit buffer (NS pages for every record of the video). */
  function mapTransmit(h: RealmHandle): void {
    const bytes = layout.frames * MODERATED_RECORD_BYTES;
    for (let k = 0; k * abi.GRANULE_SIZE < bytes; k++) {
      const ipa = PUBLISH_IPA + k * abi.GRANULE_SIZE;
      host.tables(h.rd, ipa, 3);
      const desc =
        BigInt(host.alloc()) |
        (BigInt(abi.S2TTE_AP_RW) << 6n) |
        (BigInt(abi.S2TTE_MEMATTR_FWB_NORMAL_WB) << 2n);
      host.smc(abi.SMC_RMI_RTT_MAP_UNPROTECTED, h.rd, ipa, 3, desc);
    }
    transmitMapped = true;
  }

  /** Stage order of a pass: the gateway, encoders, moderators, storage (upload order within). */
  const RANK: Readonly<Record<VideoRole, number>> = {
    gateway: 0,
    encoder: 1,
    moderator: 2,
    storage: 3,
  };
  const pass = order
    .filter((name) => roles[name] !== undefined)
    .sort((a, b) => RANK[roles[a]!] - RANK[roles[b]!]);

  function runApp(also?: (name: string) => readonly GuestOp[]): void {
    const video = videoBytes(layout.frames);
    for (let first = 0; first < layout.frames; first += layout.batch) {
      const n = Math.min(layout.batch, layout.frames - first);
      for (const name of pass)
        exec(name, [...stageOps(name, first, n, video), ...(also?.(name) ?? [])]);
      const publish = publishOps(first, n);
      if (publish.length > 0) exec(gateway!, publish);
    }
  }

  function stored(): Uint8Array | undefined {
    const sink = order.find((name) => roles[name] === 'storage');
    if (sink === undefined) return undefined;
    const rd = hex(realms[sink]!.rd);
    const realm = machine.state.rmm.realms[rd];
    return realm && guestLoad(machine.state, realm, RAM_IPA, layout.storeBytes);
  }

  function published(): Uint8Array | undefined {
    if (!transmitMapped || gateway === undefined) return undefined;
    const realm = machine.state.rmm.realms[hex(realms[gateway]!.rd)];
    return realm && nsLoad(machine, realm, PUBLISH_IPA, layout.frames * MODERATED_RECORD_BYTES);
  }

  function attestGroup(
    name = order[0]!,
    challenge = SCENARIO_CHALLENGE,
    relay?: (evidence: GroupEvidence) => GroupEvidence,
  ): GroupEvidence | undefined {
    const g = exec(name, [{ op: 'attestGroup', challenge, buffer: ATTEST_IPA }]);
    const stream = attestStream(host.recOf(realms[name]!));
    if (!stream || typeof g.agCount !== 'number') return undefined;
    const split = splitGroupStream(stream, g.agCount);
    const received: GroupEvidence = { ...split, challenge };
    const handed = relay ? relay(received) : received;
    host.keepGroupToken(realms[name]!, handed.token, handed.blobs, handed.challenge);
    return handed;
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
      // Reference RIM and RPV from the tenant's intent (reference.ts), never from the RD of
      // the realm the host built: a substituted realm is caught by its measurement.
      members: order.map((name) => expectedMember(name, policies[name]!, referenceOf(name))),
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
    substitute,
    rebuild,
    runApp,
    roles,
    gateway,
    layout,
    stored,
    published,
    exec,
    attest: attestGroup,
    expectations,
  };
  if (options.setup !== false) {
    for (const name of order) setupRealm(name);
    // The pipeline is up: the host brings the gateway's network device up before the tenant's
    // first packet, so no packet waits for its receive buffer to be mapped.
    if (gateway !== undefined) host.startNetwork(realms[gateway]!);
  }
  return wf;
}
