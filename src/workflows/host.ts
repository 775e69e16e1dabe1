/**
 * A host (KVM + VMM) model for Mica scenarios: it builds realms in the order of mica-spec.md
 * §8 item 12 (REALM_CREATE → RTTs, data, REC → DELEGATE+REALM_PD → DELEGATE+DUMMY_PAGE →
 * DELEGATE+RMI_SGT once per machine → SET_PROTECTED_SHARED_RANGE per BAR → REALM_ACTIVATE),
 * runs its RECs (every one the realm started, round-robin, as KVM's vCPU threads share a
 * CPU), and answers their exits like KVM would: a fault in a protected ivshmem BAR is
 * resolved with RMI_DATA_CREATE_UNKNOWN_SHARED on the page of the backing file (§3.4 step 3),
 * MMIO is emulated (and what the realm wrote is what the host saw), host calls are answered,
 * and a PSCI CPU_ON / AFFINITY_INFO the RMM hands over is completed with RMI_PSCI_COMPLETE
 * naming the target vCPU (DEN0137 B4.3.7; cca-spec.md §4.2), as KVM does.
 *
 * Design rationale: pure TypeScript over the Machine facade, the same calls the host shell
 * makes, so lessons and the UI can replay any scenario step by step. A malicious host is the
 * same object with its helpers (`backing`, `mapShared`, `smc`) used against the rules.
 */
import {
  abi,
  encodeRealmParams,
  encodeRecEnter,
  encodeRecEnterFlags,
  encodeRecParams,
  hostSharedObject,
  mpidrOfIndex,
  realmRtts,
  recordGroupToken,
  recordRealm,
  rttEntries,
  type Endpoint,
  type Machine,
  type RecRecord,
  type SmcResult,
} from '../emulator/index.ts';
import { hex64 } from '../lib/bits.ts';
import { readLe, utf8 } from '../lib/bytes.ts';
import {
  IVSHMEM_BAR_BASE,
  IVSHMEM_BAR_STRIDE,
  MICA_IPA_WIDTH,
  SGT_GRANULES_FULL,
  SMC_RMI_DATA_CREATE_UNKNOWN_SHARED,
  SMC_RMI_REALM_DUMMY_PAGE,
  SMC_RMI_REALM_PD,
  SMC_RMI_SET_PROTECTED_SHARED_RANGE,
  SMC_RMI_SGT,
} from '../policy/abi.ts';
import { MICA_EXT, type MicaState } from '../policy/monitor/state.ts';
import { PROGRAM_BASE } from './guest.ts';
import { hex } from '../lib/hex.ts';

/** IPA span of one level-3 RTT (512 pages). */
const L3_TABLE_SPAN = 512 * abi.GRANULE_SIZE;
/** IPA layout of every scenario realm (private pages). */
export const CODE_IPA = 0x0;
export const POLICY_IPA = 0x2000;
export const HOSTCALL_IPA = 0x3000;
export const ATTEST_IPA = 0x4000;
/** First unprotected IPA of a 42-bit realm: the NS console page sits here. */
export const CONSOLE_IPA = 2 ** (MICA_IPA_WIDTH - 1);
/**
 * Unprotected IPA of a realm's network input page (the gateway's NIC receive buffer, NS
 * memory): the tenant's input arrives here, labelled at the device (§5.1; issue 10).
 */
export const NET_IPA = CONSOLE_IPA + 0x10000;
/**
 * Offset in the receive buffer where a packet's payload lands: the buffer's first page is the
 * header's, the payload starts on the next page (header-data split, as NICs built for bulk
 * receive do), so a payload moves page by page with no partial pieces at either end of a copy.
 */
export const NET_PAYLOAD_OFFSET = abi.GRANULE_SIZE;
/**
 * Largest network receive buffer (NS, from {@link NET_IPA}): one 256 KiB object of payload
 * (mica-spec.md §5.1) after the header. The host maps all its pages when it brings the
 * device up (MicaHost `startNetwork`), else the pages a packet needs when it arrives.
 */
export const NET_BUFFER_SIZE = 0x40000 + abi.GRANULE_SIZE;
/** Top of every scenario realm's protected RAM (RIPAS RAM from IPA 0, RTT_INIT_RIPAS). */
export const RAM_TOP = 0x200000;
/** Private RAM of a realm that asked for some ({@link RealmSpec.ram}), e.g. storage's store. */
export const RAM_IPA = 0x100000;
/** Size of the window each protected ivshmem BAR advertises (64 MiB backing files, §3.4). */
export const BAR_SIZE = IVSHMEM_BAR_STRIDE;

/** What a realm is built from. */
export interface RealmSpec {
  readonly name: string;
  /** Backing file of each protected ivshmem device, in BAR order (BAR n at base + n × stride). */
  readonly bars: readonly string[];
  /** Map an NS console page at {@link CONSOLE_IPA} (default true). */
  readonly console?: boolean;
  /** Content of the measured code page (default: the name); changes the RIM. */
  readonly image?: string;
  /** Attach PD, dummy page, SGT and BAR ranges when Mica is installed (default true). */
  readonly micaSetup?: boolean;
  /** Activate the realm (default true); false leaves it NEW. */
  readonly activate?: boolean;
  /** Give it a network input page at {@link NET_IPA} (default false; the gateway has one). */
  readonly net?: boolean;
  /**
   * Bytes of unmeasured private RAM at {@link RAM_IPA} (default none): the host backs each
   * page with RMI_DATA_CREATE_UNKNOWN at the realm's first touch, as KVM does.
   */
  readonly ram?: number;
  /**
   * vCPUs (RECs) of the realm (default 1): REC 0 runs the program, the others are created
   * NOT_RUNNABLE for the realm to start with PSCI_CPU_ON (they do not change the RIM,
   * cca-spec.md §5.4) at an entry point in the program; {@link MicaHost.run} runs each one
   * started from there.
   */
  readonly recs?: number;
}

/** Where the tenant's input comes from (one shared, never-changed endpoint). */
const TENANT = { kind: 'network', name: 'tenant' } as const;

/** A built realm. */
export interface RealmHandle {
  readonly name: string;
  readonly rd: number;
  /** REC 0, the vCPU that starts the realm's program. */
  readonly rec: number;
  /** Every REC of the realm, in index order (MPIDR `mpidrOfIndex(k)` for `recs[k]`). */
  readonly recs: readonly number[];
  /** NS RmiRecRun granule. */
  readonly run: number;
  readonly bars: readonly { readonly ipa: number; readonly file: string }[];
  /** NS page of the console, if mapped. */
  readonly console?: number;
  /** Bytes of private RAM at {@link RAM_IPA} the host backs when the realm first touches it. */
  readonly ram?: number;
}

/** One exit the host handled. */
export interface HostEvent {
  readonly realm: string;
  readonly what: string;
}

/**
 * The tenant's packets that arrived on one realm's device in a row with one label: one log
 * entry however long the stream (a string and an entry per packet grew the log with the
 * bytes moved, issue 10 P4), worded when read.
 */
class TenantInput implements HostEvent {
  readonly realm: string;
  readonly label: string;
  packets = 1;
  bytes: number;

  constructor(realm: string, label: string, bytes: number) {
    this.realm = realm;
    this.label = label;
    this.bytes = bytes;
  }

  get what(): string {
    const packets = this.packets === 1 ? '' : `${this.packets} packets, `;
    return `tenant input: ${packets}${this.bytes} bytes labelled ${this.label}`;
  }
}

/** Outcome of running a realm until its program is done. */
export interface RunOutcome {
  /** Every vCPU that is on ran to the end of the program. */
  readonly done: boolean;
  /** REC_ENTER calls made, over all vCPUs. */
  readonly entries: number;
}

/** The host. */
export class MicaHost {
  readonly m: Machine;
  private next = 0x8000_0000;
  private vmid = 1;
  readonly realms = new Map<string, RealmHandle>();
  /** Everything the host saw of realm data: MMIO writes, host-call registers, NS pages. */
  readonly saw: bigint[] = [];
  readonly log: HostEvent[] = [];
  /** Optional override of the page backing a fault (a malicious host). */
  alias?: (realm: RealmHandle, ipa: number) => number | undefined;
  /**
   * Realms with a network device -> the PAs of its receive buffer's NS pages mapped so far, in
   * IPA order (all of them once {@link MicaHost.startNetwork} brought the device up; until
   * then a realm that never receives anything uses no page and every other PA stays where it
   * was).
   */
  private readonly nets = new Map<string, number[]>();
  /** Virtual interrupt the host injects at the next entries (list register value), if any. */
  inject?: bigint;
  /** The RmiRecEnter each entry encodes before writing it (the write copies it). */
  private readonly enterScratch = new Uint8Array(abi.RMI_REC_RUN_HALF_SIZE);
  /** How the last {@link MicaHost.turn} of a vCPU ended. */
  private ended: TurnEnd = 'spent';

  constructor(m: Machine) {
    this.m = m;
  }

  /** Issues an RMI call (throws on SMCCC_NOT_SUPPORTED only if `strict`). */
  smc(fid: number, ...args: (number | bigint)[]): SmcResult {
    return this.m.smc(fid, ...args);
  }

  /** A fresh NS granule. */
  alloc(): number {
    const pa = this.next;
    this.next += abi.GRANULE_SIZE;
    return pa;
  }

  /** A fresh DELEGATED granule; throws if delegation fails (a scenario bug). */
  delegated(): number {
    const pa = this.alloc();
    this.must(this.smc(abi.SMC_RMI_GRANULE_DELEGATE, pa), 'delegate');
    return pa;
  }

  private must(r: SmcResult, what: string): SmcResult {
    if (r.status !== 'RMI_SUCCESS') {
      throw new Error(
        `scenario host: ${what} failed: ${r.status} ${r.failure?.label ?? ''} ${r.failure?.reason ?? ''}`,
      );
    }
    return r;
  }

  private nsPage(bytes: Uint8Array): number {
    const pa = this.alloc();
    this.m.write(pa, bytes);
    return pa;
  }

  /** Creates RTTs down to `level` covering `ipa`. */
  tables(rd: number, ipa: number, level = 3): void {
    for (let l = 1; l <= level; l++) {
      const span = 2 ** (12 + 9 * (4 - l));
      const base = Math.floor(ipa / span) * span;
      const read = this.smc(abi.SMC_RMI_RTT_READ_ENTRY, rd, base, l - 1);
      if (read.x[2] === BigInt(abi.RMI_TABLE)) continue;
      this.must(
        this.smc(abi.SMC_RMI_RTT_CREATE, rd, this.delegated(), base, l),
        `RTT_CREATE L${l}`,
      );
    }
  }

  /** True when the Mica monitor is installed. */
  get mica(): MicaState | undefined {
    return this.m.state.ext[MICA_EXT] as MicaState | undefined;
  }

  /** Donates the SGT granules (once per machine, §8 item 12). */
  ensureSgt(): void {
    const m = this.mica;
    if (!m || m.sgt.granules.length > 0) return;
    for (let i = 0; i < SGT_GRANULES_FULL; i++)
      this.must(this.smc(SMC_RMI_SGT, this.delegated()), 'RMI_SGT');
  }

  /** Builds, populates and activates a realm (§8 item 12 ordering). */
  createRealm(spec: RealmSpec): RealmHandle {
    const rtt = this.delegated();
    const rd = this.delegated();
    const rpv = new Uint8Array(64);
    rpv.set(utf8(`rpv:${spec.name}`).subarray(0, 64));
    const params = this.nsPage(
      encodeRealmParams({
        s2sz: BigInt(MICA_IPA_WIDTH),
        numBps: 1n,
        numWps: 1n,
        hashAlgo: BigInt(abi.RMI_HASH_SHA_512),
        rpv,
        vmid: BigInt(this.vmid++),
        rttBase: BigInt(rtt),
        rttLevelStart: 0n,
        rttNumStart: 1n,
      }),
    );
    this.must(this.smc(abi.SMC_RMI_REALM_CREATE, rd, params), 'REALM_CREATE');
    this.tables(rd, 0, 2);
    this.must(this.smc(abi.SMC_RMI_RTT_INIT_RIPAS, rd, 0, RAM_TOP), 'RTT_INIT_RIPAS');
    this.tables(rd, 0, 3);
    const code = new Uint8Array(abi.GRANULE_SIZE);
    code.set(utf8(`image:${spec.image ?? spec.name}`));
    const pages: [number, Uint8Array, number][] = [
      [CODE_IPA, code, abi.RMI_MEASURE_CONTENT],
      [POLICY_IPA, new Uint8Array(abi.GRANULE_SIZE), abi.RMI_NO_MEASURE_CONTENT],
      [HOSTCALL_IPA, new Uint8Array(abi.GRANULE_SIZE), abi.RMI_NO_MEASURE_CONTENT],
      [ATTEST_IPA, new Uint8Array(abi.GRANULE_SIZE), abi.RMI_NO_MEASURE_CONTENT],
    ];
    for (const [ipa, content, flags] of pages) {
      const src = this.nsPage(content);
      this.must(
        this.smc(abi.SMC_RMI_DATA_CREATE, rd, this.delegated(), ipa, src, flags),
        'DATA_CREATE',
      );
    }
    const recs: number[] = [];
    for (let k = 0; k < Math.max(1, spec.recs ?? 1); k++) {
      const rec = this.delegated();
      const aux = Array.from({ length: abi.LAB_REC_AUX_COUNT }, () => BigInt(this.delegated()));
      const recParams = this.nsPage(
        encodeRecParams({
          flags: BigInt(k === 0 ? abi.RMI_RUNNABLE : abi.RMI_NOT_RUNNABLE),
          mpidr: mpidrOfIndex(k),
          pc: BigInt(PROGRAM_BASE),
          numAux: BigInt(abi.LAB_REC_AUX_COUNT),
          aux,
        }),
      );
      this.must(this.smc(abi.SMC_RMI_REC_CREATE, rd, rec, recParams), 'REC_CREATE');
      recs.push(rec);
    }
    let consolePa: number | undefined;
    if (spec.console !== false) {
      this.tables(rd, CONSOLE_IPA, 3);
      consolePa = this.alloc();
      const desc =
        BigInt(consolePa) |
        (BigInt(abi.S2TTE_AP_RW) << 6n) |
        (BigInt(abi.S2TTE_MEMATTR_FWB_NORMAL_WB) << 2n);
      this.must(
        this.smc(abi.SMC_RMI_RTT_MAP_UNPROTECTED, rd, CONSOLE_IPA, 3, desc),
        'MAP_UNPROTECTED',
      );
    }
    if (spec.net) this.nets.set(spec.name, []);
    const bars = spec.bars.map((file, n) => ({
      ipa: IVSHMEM_BAR_BASE + n * IVSHMEM_BAR_STRIDE,
      file,
    }));
    if (this.mica && spec.micaSetup !== false) {
      this.must(this.smc(SMC_RMI_REALM_PD, rd, this.delegated()), 'RMI_REALM_PD');
      this.must(this.smc(SMC_RMI_REALM_DUMMY_PAGE, rd, this.delegated()), 'RMI_REALM_DUMMY_PAGE');
      this.ensureSgt();
      for (const b of bars)
        this.must(
          this.smc(SMC_RMI_SET_PROTECTED_SHARED_RANGE, rd, b.ipa, BAR_SIZE),
          'SET_PROTECTED_SHARED_RANGE',
        );
    }
    const mr = this.mica?.realms[hex(rd)];
    if (mr) mr.name = spec.name;
    if (spec.activate !== false)
      this.must(this.smc(abi.SMC_RMI_REALM_ACTIVATE, rd), 'REALM_ACTIVATE');
    const handle: RealmHandle = {
      name: spec.name,
      rd,
      rec: recs[0]!,
      recs,
      run: this.nsPage(new Uint8Array(abi.GRANULE_SIZE)),
      bars,
      ...(consolePa === undefined ? {} : { console: consolePa }),
      ...(spec.ram ? { ram: spec.ram } : {}),
    };
    this.realms.set(spec.name, handle);
    this.record(handle, spec);
    return handle;
  }

  /**
   * Writes what this host built into the VMM's records in the machine (emulator
   * host/state.ts `recordRealm`, as the lab's VMM does): the realm by name, with its REC, run
   * granule, IPA space and the NS console page it mapped, and each protected BAR as a window
   * of its backing file's shared object. So the lab's VMM can run the realm once the lab
   * adopts the run (a realm terminal, `realm list`, the memory view's windows), and a
   * snapshot keeps it.
   */
  private record(h: RealmHandle, spec: RealmSpec): void {
    recordRealm(this.m.state, {
      name: h.name,
      rd: h.rd,
      recs: [...h.recs],
      run: h.run,
      ipaWidth: MICA_IPA_WIDTH,
      ramPages: RAM_TOP / abi.GRANULE_SIZE,
      hashAlgo: 'sha-512',
      image: spec.image ?? spec.name,
      net: spec.net === true,
      shared: h.console === undefined ? {} : { [hex64(CONSOLE_IPA)]: h.console },
      console: '',
      network: [],
      exits: 0,
      enter: {},
      off: false,
    });
    for (const bar of h.bars)
      hostSharedObject(this.m.state, bar.file).ends.push({
        realm: h.name,
        ipa: bar.ipa,
        size: BAR_SIZE,
      });
  }

  /**
   * Brings realm `h`'s network device up: maps all of its receive buffer
   * ({@link NET_BUFFER_SIZE} bytes of NS memory at {@link NET_IPA}), as a NIC driver sets its
   * buffer up before traffic flows rather than at the first packet (a workflow does it once
   * the pipeline is set up, so streaming pays no mapping). A device nobody brought up maps
   * the pages a packet needs when it arrives ({@link MicaHost.tenantSend}).
   */
  startNetwork(h: RealmHandle): void {
    this.receiveBuffer(h, NET_BUFFER_SIZE);
  }

  /**
   * The PAs of realm `h`'s receive buffer, in IPA order, its first `bytes` bytes mapped (one
   * RMI_RTT_MAP_UNPROTECTED per page not mapped yet). Throws if the realm has no network
   * device (a scenario bug).
   */
  private receiveBuffer(h: RealmHandle, bytes: number): readonly number[] {
    const net = this.nets.get(h.name);
    if (!net) throw new Error(`scenario host: ${h.name} has no network device`);
    const G = abi.GRANULE_SIZE;
    for (let k = net.length; k * G < bytes; k++) {
      const pa = this.alloc();
      const desc =
        BigInt(pa) |
        (BigInt(abi.S2TTE_AP_RW) << 6n) |
        (BigInt(abi.S2TTE_MEMATTR_FWB_NORMAL_WB) << 2n);
      const ipa = NET_IPA + k * G;
      // One level-3 table covers 2 MiB: walk for tables only when entering a new one.
      if (k === 0 || ipa % L3_TABLE_SPAN === 0) this.tables(h.rd, ipa, 3);
      this.must(this.smc(abi.SMC_RMI_RTT_MAP_UNPROTECTED, h.rd, ipa, 3, desc), 'MAP_UNPROTECTED');
      net.push(pa);
    }
    return net;
  }

  /** The frozen endpoint of realm `name`'s receive buffer at `address` (the ledger keeps it). */
  private netEnd(name: string, address: number): Endpoint {
    let ends = this.netEnds.get(name);
    if (!ends) this.netEnds.set(name, (ends = new Map()));
    let end = ends.get(address);
    if (!end) ends.set(address, (end = Object.freeze({ kind: 'realm', name, address })));
    return end;
  }
  /** {@link MicaHost.netEnd}'s endpoints: a stream's packets share one, not one each. */
  private readonly netEnds = new Map<string, Map<number, Endpoint>>();

  /**
   * The tenant's input arrives on realm `h`'s network device: the NIC writes `bytes` into its
   * receive buffer and the device labels them `label` there in the same pass, the scenario's
   * declared source (`machine.hostIo.deviceInput`). The realm reads them at {@link NET_IPA} +
   * {@link NET_PAYLOAD_OFFSET}. Throws if the realm has no network device (a scenario bug).
   */
  tenantSend(h: RealmHandle, bytes: Uint8Array, label = 'video'): void {
    if (!this.nets.has(h.name)) throw new Error(`scenario host: ${h.name} has no network device`);
    if (NET_PAYLOAD_OFFSET + bytes.length > NET_BUFFER_SIZE)
      throw new Error(
        `scenario host: a ${bytes.length}-byte packet does not fit the ${NET_BUFFER_SIZE}-byte receive buffer`,
      );
    const G = abi.GRANULE_SIZE;
    const net = this.receiveBuffer(h, NET_PAYLOAD_OFFSET + bytes.length);
    // The NIC writes the payload and the device labels it, one physically contiguous run at a
    // time (the buffer's pages are contiguous unless something was allocated between them).
    for (let done = 0; done < bytes.length;) {
      const at = NET_PAYLOAD_OFFSET + done;
      const first = Math.floor(at / G);
      let last = first;
      while ((last + 1) * G < NET_PAYLOAD_OFFSET + bytes.length && net[last + 1] === net[last]! + G)
        last++;
      const n = Math.min(bytes.length - done, (last + 1) * G - at);
      const pa = net[first]! + (at % G);
      const input = {
        pa,
        bytes: n,
        label,
        channel: 'tenant-input',
        source: TENANT,
        destination: this.netEnd(h.name, NET_IPA + at),
      };
      if (!this.m.hostIo.deviceInput(input, bytes.subarray(done, done + n)).ok)
        throw new Error('scenario host: the NIC cannot write');
      done += n;
    }
    const last = this.log[this.log.length - 1];
    if (last instanceof TenantInput && last.realm === h.name && last.label === label) {
      last.packets++;
      last.bytes += bytes.length;
    } else this.log.push(new TenantInput(h.name, label, bytes.length));
  }

  /**
   * Keeps the group token realm `h` obtained for `challenge`, with the policy blobs the host
   * hands the tenant's verifier, in the machine (`state.host.groupTokens`, as the lab's VMM
   * does: emulator host/state.ts `recordGroupToken`), so a snapshot carries what the verifier
   * was given. Once per attestation.
   */
  keepGroupToken(
    h: RealmHandle,
    token: Uint8Array,
    blobs: readonly Uint8Array[],
    challenge: Uint8Array,
  ): void {
    recordGroupToken(this.m.state, h.name, token, blobs, challenge);
    this.log.push({ realm: h.name, what: `group token kept (${blobs.length} blob(s))` });
  }

  /** The REC record of a realm. */
  recOf(h: RealmHandle): RecRecord {
    return this.m.state.rmm.recs[hex(h.rec)]!;
  }

  /** The RIM (hex) of a realm. */
  rimOf(h: RealmHandle): string {
    return this.m.state.rmm.realms[hex(h.rd)]!.rim;
  }

  /**
   * The page of backing file `file` at index `k` (allocated on first use), kept in the
   * machine's host records (`state.host.sharedObjects`, the pages every QEMU that opens the
   * file shares), where the lab's VMM finds it for a realm it runs after the lab adopted
   * this run.
   */
  backing(file: string, k: number, pa?: number): number {
    const pages = hostSharedObject(this.m.state, file).pages;
    if (pa !== undefined) pages[k] = pa;
    let page = pages[k];
    if (page === undefined) {
      page = this.alloc();
      pages[k] = page;
    }
    return page;
  }

  /** RMI_DATA_CREATE_UNKNOWN_SHARED of `pa` at `ipa` (delegating and creating RTTs as needed). */
  mapShared(h: RealmHandle, ipa: number, pa: number): SmcResult {
    if (this.m.granuleOf(pa).state === 'UNDELEGATED') this.smc(abi.SMC_RMI_GRANULE_DELEGATE, pa);
    let r = this.smc(SMC_RMI_DATA_CREATE_UNKNOWN_SHARED, h.rd, pa, ipa);
    if (r.status === 'RMI_ERROR_RTT' && r.failure?.label === 'rtt_walk') {
      this.tables(h.rd, ipa, 3);
      r = this.smc(SMC_RMI_DATA_CREATE_UNKNOWN_SHARED, h.rd, pa, ipa);
    }
    return r;
  }

  /**
   * KVM's answer to a fault in a protected BAR: back it with the file's page (§3.4 step 3);
   * in the realm's RAM: back it with a fresh granule (RMI_DATA_CREATE_UNKNOWN), on demand.
   */
  private prefault(h: RealmHandle, ipa: number): boolean {
    const page = ipa - (ipa % abi.GRANULE_SIZE);
    if (h.ram !== undefined && page >= RAM_IPA && page < RAM_IPA + h.ram) {
      const r = this.smc(abi.SMC_RMI_DATA_CREATE_UNKNOWN, h.rd, this.delegated(), page);
      this.log.push({ realm: h.name, what: `RAM fault at ${hex(page)}: ${r.status}` });
      return r.status === 'RMI_SUCCESS';
    }
    const bar = h.bars.find((b) => ipa >= b.ipa && ipa < b.ipa + BAR_SIZE);
    if (!bar) return false;
    const pa = this.alias?.(h, page) ?? this.backing(bar.file, (page - bar.ipa) / abi.GRANULE_SIZE);
    const r = this.mapShared(h, page, pa);
    this.log.push({ realm: h.name, what: `fault at ${hex(page)} → ${hex(pa)}: ${r.status}` });
    return r.status === 'RMI_SUCCESS';
  }

  /**
   * Runs the realm's vCPUs until their programs are done (or `maxEntries` entries in all).
   * A realm with one REC has it entered until its program is done (the streaming path: no
   * work per entry beyond that). Several RECs are run round-robin, as KVM's vCPU threads
   * share a CPU: each RUNNABLE one (REC 0 unless it is off, the others once the realm's
   * PSCI_CPU_ON started them) in turn, until its program is done or it waits (an IRQ exit
   * with work left: WFI, or the RMM's step limit), pass after pass until one finds every
   * vCPU that is on done. Not done when the realm or a vCPU stopped for good (SYSTEM_OFF, a
   * refused entry or PSCI completion), the entries ran out, or no vCPU is on.
   */
  run(h: RealmHandle, maxEntries = 2000): RunOutcome {
    const recs = h.recs;
    if (recs.length === 1) {
      const n = this.turn(h, h.rec, maxEntries, false);
      return { done: this.ended === 'done', entries: n };
    }
    let entries = 0;
    for (;;) {
      let on = 0;
      let done = 0;
      for (let k = 0; k < recs.length; k++) {
        const rec = recs[k]!;
        if (this.m.state.rmm.recs[hex(rec)]?.runnable !== true) continue;
        if (entries >= maxEntries) return { done: false, entries };
        on++;
        entries += this.turn(h, rec, maxEntries - entries, true);
        if (this.ended === 'stopped') return { done: false, entries };
        if (this.ended === 'done') done++;
      }
      if (on === 0 || entries >= maxEntries) return { done: false, entries };
      if (done === on) return { done: true, entries };
    }
  }

  /**
   * Enters REC `rec` of realm `h` and answers its exits until its program is done, it is off
   * or stopped, `maxEntries` entries are spent, or (with `yieldOnWait`) it waits; how it ended
   * is left in {@link MicaHost.ended}. Returns the entries made.
   */
  private turn(h: RealmHandle, rec: number, maxEntries: number, yieldOnWait: boolean): number {
    const key = hex(rec);
    let flags = 0n;
    let gprs: bigint[] = NO_GPRS;
    for (let n = 0; n < maxEntries; n++) {
      const lrs = this.inject === undefined ? NO_GPRS : [this.inject];
      this.m.write(h.run, encodeRecEnter({ flags, gprs, gicv3Lrs: lrs }, this.enterScratch));
      const r = this.smc(abi.SMC_RMI_REC_ENTER, rec, h.run);
      if (r.status !== 'RMI_SUCCESS') {
        this.log.push({ realm: h.name, what: `REC_ENTER failed: ${r.failure?.label ?? r.status}` });
        this.ended = 'stopped';
        return n + 1;
      }
      // KVM reads the RmiRecExit half of the run granule it shares with the RMM (not the
      // RmiRecEnter it wrote itself) and takes the fields the exit reason makes it act on.
      const fault = this.m.readLent(
        h.run + abi.RMI_REC_RUN_EXIT,
        abi.RMI_REC_RUN_HALF_SIZE,
        takeExit,
      );
      if (fault) takeExit(NO_EXIT);
      const { reason, esr, far, hpfar, gpr0, gpr1, imm, ripasBase, ripasTop } = taken;
      const regs = taken.gprs;
      flags = 0n;
      gprs = NO_GPRS;
      if (this.m.state.rmm.recs[key]?.guest.done === true) {
        this.ended = 'done';
        return n + 1;
      }
      if (reason === abi.RMI_EXIT_SYNC) {
        const ec = Number((esr >> 26n) & 0x3fn);
        if (ec === abi.ESR_EL2_EC_DATA_ABORT || ec === abi.ESR_EL2_EC_INST_ABORT) {
          const ipa = Number(hpfar << 8n) + Number(far % BigInt(abi.GRANULE_SIZE));
          const isv = ((esr >> 24n) & 1n) === 1n;
          if (ipa < CONSOLE_IPA && this.prefault(h, ipa)) continue;
          if (isv) {
            const write = ((esr >> 6n) & 1n) === 1n;
            if (write) this.saw.push(gpr0);
            this.log.push({
              realm: h.name,
              what: `MMIO ${write ? 'write' : 'read'} at ${hex(ipa)}`,
            });
            flags = encodeRecEnterFlags({ emulMmio: true });
            continue;
          }
          flags = encodeRecEnterFlags({ injectSea: true });
          continue;
        }
        continue;
      }
      if (reason === abi.RMI_EXIT_HOST_CALL) {
        this.saw.push(...regs);
        this.log.push({
          realm: h.name,
          what: `host call ${imm}: ${regs
            .slice(0, 2)
            .map((v) => hex(Number(v)))
            .join(' ')}`,
        });
        continue;
      }
      if (reason === abi.RMI_EXIT_PSCI) {
        const next = this.completePsci(h, rec, Number(gpr0), gpr1);
        if (next === 'run') continue;
        this.ended = next;
        return n + 1;
      }
      if (reason === abi.RMI_EXIT_RIPAS_CHANGE) {
        this.log.push({
          realm: h.name,
          what: `RIPAS change ${hex(Number(ripasBase))}..${hex(Number(ripasTop))} (host rejects)`,
        });
        flags = encodeRecEnterFlags({ ripasReject: true });
        continue;
      }
      // An IRQ exit of a REC whose program is not done: it waits (WFI), or the RMM's step
      // limit ended the entry; with other vCPUs to run, they get their turn.
      if (yieldOnWait && reason === abi.RMI_EXIT_IRQ) {
        this.ended = 'waits';
        return n + 1;
      }
    }
    this.ended = 'spent';
    return maxEntries;
  }

  /**
   * KVM's answer to a PSCI call of REC `rec` of realm `h` that the RMM handed over
   * (RMI_EXIT_PSCI: `fid` and, for CPU_ON / AFFINITY_INFO, the target's MPIDR in the exit's
   * gprs; DEN0137 A4.3.7, B6, cca-spec.md §4.2). CPU_ON and AFFINITY_INFO of another vCPU
   * leave the REC waiting (`rec_psci`; the RMM answers one naming the caller itself): the
   * host names the target vCPU with RMI_PSCI_COMPLETE (B4.3.7) and PSCI_SUCCESS, as KVM does
   * (`realm_psci_complete`): a stopped vCPU starts, one already on gets PSCI_ALREADY_ON from
   * the RMM, and the RMM answers AFFINITY_INFO from the target's state itself. CPU_SUSPEND
   * needs no answer. 'run' when the REC can be entered again; 'off' when this vCPU is off;
   * 'stopped' when the realm is off or the REC cannot run again (the RMM refused the
   * completion, or the request names a vCPU this host did not create).
   */
  private completePsci(h: RealmHandle, rec: number, fid: number, mpidr: bigint): PsciNext {
    const name = abi.PSCI_NAMES[fid] ?? hex(fid);
    if (fid === abi.PSCI_SYSTEM_OFF || fid === abi.PSCI_SYSTEM_RESET) {
      this.log.push({ realm: h.name, what: `${name}: the realm is off` });
      return 'stopped';
    }
    if (fid === abi.PSCI_CPU_OFF) {
      this.log.push({ realm: h.name, what: `${name}: the vCPU is off` });
      return 'off';
    }
    if (fid !== abi.PSCI_CPU_ON_AARCH64 && fid !== abi.PSCI_AFFINITY_INFO_AARCH64) return 'run';
    const target = h.recs.find((_, k) => mpidrOfIndex(k) === mpidr);
    if (target === undefined) {
      this.log.push({ realm: h.name, what: `${name} ${hex(Number(mpidr))}: no such vCPU` });
      return 'stopped';
    }
    const r = this.smc(abi.SMC_RMI_PSCI_COMPLETE, rec, target, abi.PSCI_SUCCESS);
    const why = r.failure ? ` (${r.failure.label})` : '';
    this.log.push({
      realm: h.name,
      what: `${name} ${hex(Number(mpidr))}: RMI_PSCI_COMPLETE(PSCI_SUCCESS) ${r.status}${why}`,
    });
    return r.status === 'RMI_SUCCESS' ? 'run' : 'stopped';
  }

  /** Reads an NS page the way the host does (what a leak through NS memory looks like). */
  readNs(pa: number, len = 8): bigint | undefined {
    const r = this.m.read(pa, len);
    if (!r.ok) return undefined;
    let v = 0n;
    for (let i = len - 1; i >= 0; i--) v = (v << 8n) | BigInt(r.bytes[i]!);
    return v;
  }
}

/**
 * How a vCPU's turn in {@link MicaHost.run} ended: its program is done, it waits (an IRQ
 * exit with work left), it is off (PSCI_CPU_OFF), it stopped for good (SYSTEM_OFF, a refused
 * entry or PSCI completion), or the entries were spent.
 */
type TurnEnd = 'done' | 'waits' | 'off' | 'stopped' | 'spent';

/** What the host does after answering a PSCI exit: enter the REC again, or end its turn. */
type PsciNext = 'run' | 'off' | 'stopped';

/** No registers (the RmiRecEnter of an entry that hands the realm nothing; never changed). */
const NO_GPRS: bigint[] = [];

/** An RmiRecExit of zeroes (what the host acts on when it cannot read the run granule). */
const NO_EXIT = new Uint8Array(abi.RMI_REC_RUN_HALF_SIZE);

/** The RmiRecExit fields the host acts on, as {@link takeExit} last read them. */
const taken = {
  reason: 0,
  esr: 0n,
  far: 0n,
  hpfar: 0n,
  /** gprs[0] (an emulatable write's value; a PSCI exit's function ID). */
  gpr0: 0n,
  /** gprs[1] (a PSCI CPU_ON / AFFINITY_INFO exit's target MPIDR). */
  gpr1: 0n,
  /** X0..X30, read only for a host call (else empty). */
  gprs: NO_GPRS,
  imm: 0n,
  ripasBase: 0n,
  ripasTop: 0n,
};

/** Field `f` of the RmiRecExit bytes `exit` (offsets from abi/rmi-structs.ts). */
function field(exit: Uint8Array, f: { readonly offset: number; readonly size: number }): bigint {
  return readLe(exit, f.offset, f.size);
}

/** Reads the fields the host acts on from the lent RmiRecExit bytes into {@link taken}. */
function takeExit(exit: Uint8Array): void {
  const E = abi.RMI_REC_EXIT;
  taken.reason = Number(field(exit, E.exit_reason));
  taken.esr = field(exit, E.esr);
  taken.far = field(exit, E.far);
  taken.hpfar = field(exit, E.hpfar);
  taken.gpr0 = field(exit, E.gprs);
  taken.gpr1 = readLe(exit, E.gprs.offset + E.gprs.size, E.gprs.size);
  taken.imm = field(exit, E.imm);
  taken.ripasBase = field(exit, E.ripas_base);
  taken.ripasTop = field(exit, E.ripas_top);
  taken.gprs = NO_GPRS;
  if (taken.reason === abi.RMI_EXIT_HOST_CALL) {
    const f = E.gprs;
    const out: bigint[] = [];
    for (let i = 0; i < f.count; i++) out.push(readLe(exit, f.offset + i * f.size, f.size));
    taken.gprs = out;
  }
}

/** Tears a realm down the way KVM does: RECs, data, NS mappings, RTTs bottom-up, then the RD. */
export function destroyRealm(host: MicaHost, h: RealmHandle): SmcResult {
  const rd = h.rd;
  for (const rec of h.recs) host.smc(abi.SMC_RMI_REC_DESTROY, rec);
  for (const v of rttEntries(host.m.state, rd)) {
    if (v.entry.state === 'ASSIGNED') host.smc(abi.SMC_RMI_DATA_DESTROY, rd, v.ipa);
    if (v.entry.state === 'ASSIGNED_NS')
      host.smc(abi.SMC_RMI_RTT_UNMAP_UNPROTECTED, rd, v.ipa, v.level);
  }
  const realm = host.m.state.rmm.realms[hex(rd)];
  const tables = realmRtts(host.m.state, rd)
    .filter((t) => realm && t.level > realm.rttLevelStart)
    .sort((a, b) => b.level - a.level);
  for (const t of tables) host.smc(abi.SMC_RMI_RTT_DESTROY, rd, t.base, t.level);
  return host.smc(abi.SMC_RMI_REALM_DESTROY, rd);
}
