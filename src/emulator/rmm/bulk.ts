/**
 * Bulk guest memory (issue 10 item 3): a realm moves and transforms whole buffers (copy a
 * range, fill, read a range for a computation, write its result) instead of one 64-bit word
 * per access. Every 4 KiB piece is translated and checked like a single access would be
 * (cca-spec.md §3.4 table, A5.2.6): extension mappings (hooks.ts `translate`, the Mica
 * monitor's protected shared memory, mica-spec.md §3.4) are asked before any RTT walk they
 * make unnecessary, then the RTT walk, then the granule protection check of the PAS the piece
 * goes through.
 *
 * Design rationale: a piece that cannot complete directly (an unbacked page the host must
 * fault in, a page the policy or the GPC refuses, emulated MMIO) stops the operation there and
 * is handed back as an ordinary one-byte access stop, the **probe**: the RMM resolves it with
 * its normal semantics (REC exit, SEA, MMIO emulation) and ledger events, and the guest
 * resumes the operation at the same byte once the host has mapped the page. Decisions the
 * extension logged for the refused piece are dropped, because the probe decides again.
 *
 * Provenance stays exact and cheap: labels move as run-length spans (a copy carries each
 * source span to its destination offset; a computed result carries the union of the labels of
 * everything read, so transcoding or XOR do not launder). Ledger events are coalesced per
 * operation: one `flow` per (channel, source, destination, decision, labels, contiguous page
 * run of the realm's IPAs) and one `realm:access` per range, not one per 8 bytes. Nothing on the hot path builds
 * a string: the extension's own decision text aside, strings appear only when a page fails.
 */
import { GRANULE_SIZE } from '../abi/gpt.ts';
import { RTT_PAGE_LEVEL, S2TTE_AP, S2TTE_AP_READ, S2TTE_AP_WRITE } from '../abi/rmi.ts';
import type { Ctx } from '../context.ts';
import { gpcAllows, gpiOf } from '../hw/gpt.ts';
import { replaceLabels } from '../hw/labels.ts';
import { allZero } from '../hw/memory.ts';
import { regionOf } from '../hw/memory-map.ts';
import type { Decision, Endpoint, LedgerEvent, NewLedgerEvent } from '../ledger.ts';
import { CCA_HOST_VISIBLE, NS_MEMORY } from '../provenance.ts';
import type { LabelRun, RealmRecord, RecRecord, RttEntry } from '../state.ts';
import type { GuestStop } from './guest.ts';
import { rttAt, walkRtt } from './rtt.ts';
import { realmActor } from './stage2.ts';

/** A guest access stop (the probe a refused piece becomes). */
type AccessStop = Extract<GuestStop, { kind: 'access' }>;

/** How far a bulk operation got. */
export interface BulkProgress {
  /** Bytes completed (of the destination range). */
  readonly done: number;
  /** The access the RMM must resolve before the operation can go on at `done`, if any. */
  readonly probe?: AccessStop;
}

/** The decision of a bulk range's `realm:access` event (a constant: no string per op). */
const BULK_ACCESS: Decision = {
  verdict: 'allowed',
  rule: 'stage2',
  reason:
    'bulk access: every 4 KiB piece translated by stage 2 (or an extension mapping) and admitted by the granule protection check',
};

const G = GRANULE_SIZE;
/** A page of zeroes: what an absent memory page reads as. */
const ZERO_PAGE = new Uint8Array(G);

/** Where a piece landed. */
interface Piece {
  pa: number;
  ns: boolean;
}

/** A coalesced flow: the event being built and where its ends continue. */
interface FlowRun {
  readonly event: {
    kind: 'flow';
    channel: string;
    source: Endpoint;
    destination: Endpoint;
    bytes: number;
    labels: readonly string[];
    decision: Decision;
  };
  srcNext: number | undefined;
  dstNext: number | undefined;
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameEnd(a: Endpoint, b: Endpoint): boolean {
  return a.kind === b.kind && a.name === b.name;
}

/**
 * One bulk operation of one realm: its translation scratch and its coalesced events. Create
 * one per operation, use it for every range, then {@link BulkOp.finish}.
 */
export class BulkOp {
  private readonly ctx: Ctx;
  private readonly realm: Readonly<RealmRecord>;
  private readonly rec: RecRecord;
  private readonly actor: string;
  private readonly staged: NewLedgerEvent[] = [];
  /** Decisions about the current piece, dropped if it does not complete (the probe decides). */
  private readonly held: NewLedgerEvent[] = [];
  private readonly stagingCtx: Ctx;
  private readonly flows: FlowRun[] = [];
  private readonly accesses: { op: 'read' | 'write'; ipa: number; size: number }[] = [];
  private readonly piece: Piece = { pa: 0, ns: false };
  /** First unprotected IPA and the end of the IPA space. */
  private readonly unprotectedBase: number;
  private readonly ipaEnd: number;
  /**
   * The level-3 table the last walk ended in: the host cannot run during one operation, so
   * the RTTs cannot change, and the next page of a run is one index further in it.
   */
  private table: { base: number; entries: readonly RttEntry[] } | undefined;

  constructor(ctx: Ctx, realm: Readonly<RealmRecord>, rec: RecRecord) {
    this.ctx = ctx;
    this.realm = realm;
    this.rec = rec;
    this.actor = realmActor(realm);
    this.unprotectedBase = 2 ** (realm.ipaWidth - 1);
    this.ipaEnd = 2 ** realm.ipaWidth;
    const staged = this.staged;
    // Extensions decide through this context: their events wait until the piece completes.
    this.stagingCtx = {
      get state() {
        return ctx.state;
      },
      get extensions() {
        return ctx.extensions;
      },
      emit(event: NewLedgerEvent): LedgerEvent {
        staged.push(event);
        return event as LedgerEvent;
      },
      within: (seq, body) => ctx.within(seq, body),
    };
  }

  /** Adds a flow, merging it into the run it continues. */
  private flow(event: NewLedgerEvent): void {
    if (event.kind !== 'flow') {
      this.ctx.emit(event);
      return;
    }
    // A run is contiguous on the realm's side (its IPAs); the memory side names the object
    // and the PA the run starts at (the backing pages of one object need not be contiguous).
    const srcAt = event.source.kind === 'realm' ? event.source.address : undefined;
    const dstAt = event.destination.kind === 'realm' ? event.destination.address : undefined;
    for (let k = this.flows.length - 1; k >= 0; k--) {
      const run = this.flows[k]!;
      const e = run.event;
      if (
        e.channel === event.channel &&
        sameEnd(e.source, event.source) &&
        sameEnd(e.destination, event.destination) &&
        e.decision.verdict === event.decision.verdict &&
        e.decision.rule === event.decision.rule &&
        sameLabels(e.labels, event.labels) &&
        run.srcNext === srcAt &&
        run.dstNext === dstAt
      ) {
        e.bytes += event.bytes;
        run.srcNext = srcAt === undefined ? undefined : srcAt + event.bytes;
        run.dstNext = dstAt === undefined ? undefined : dstAt + event.bytes;
        return;
      }
    }
    this.flows.push({
      event: { ...event, labels: [...event.labels] },
      srcNext: srcAt === undefined ? undefined : srcAt + event.bytes,
      dstNext: dstAt === undefined ? undefined : dstAt + event.bytes,
    });
  }

  /** Notes `size` bytes of a range access done at `ipa` (one event per contiguous range). */
  private access(op: 'read' | 'write', ipa: number, size: number): void {
    for (const a of this.accesses) {
      if (a.op === op && a.ipa + a.size === ipa) {
        a.size += size;
        return;
      }
    }
    this.accesses.push({ op, ipa, size });
  }

  /** The RTT entry mapping the page of `ipa` and the IPA it starts at. */
  private entry(ipa: number): { entry: RttEntry; base: number } {
    const t = this.table;
    if (t && ipa >= t.base && ipa < t.base + t.entries.length * G) {
      const index = Math.floor((ipa - t.base) / G);
      return { entry: t.entries[index]!, base: t.base + index * G };
    }
    const walk = walkRtt(this.ctx.state, this.realm, ipa);
    if (walk.level === RTT_PAGE_LEVEL) {
      const rtt = rttAt(this.ctx.state, walk.rtt);
      this.table = { base: rtt.base, entries: rtt.entries };
    }
    return { entry: walk.entry, base: walk.entryBase };
  }

  /**
   * Translates the piece [ipa, ipa + n) (inside one granule) for `access`: extension mapping
   * first, else the RTT walk, then the granule protection check. Undefined when the piece
   * cannot complete directly (the caller probes it).
   */
  private translate(
    access: 'read' | 'write',
    ipa: number,
    n: number,
    labels: readonly string[] | undefined,
  ): Piece | undefined {
    const { ctx, realm } = this;
    if (ipa < 0 || ipa >= this.ipaEnd) return undefined;
    const piece = this.piece;
    if (ipa < this.unprotectedBase) {
      let claimed = false;
      for (const ext of ctx.extensions ?? []) {
        if (!ext.translate) continue;
        this.staged.length = 0;
        const stop = {
          kind: 'access',
          access,
          ipa,
          size: n,
          register: 1,
          ...(labels && labels.length > 0 ? { labels } : {}),
        } as AccessStop;
        const v = ext.translate(this.stagingCtx, realm, this.rec, stop);
        if (!v) continue;
        if (v.kind !== 'pa') return undefined;
        piece.pa = v.pa;
        piece.ns = false;
        claimed = true;
        break;
      }
      if (!claimed) {
        this.staged.length = 0;
        const { entry: e, base } = this.entry(ipa);
        if (e.state !== 'ASSIGNED' || e.ripas !== 'RAM') return undefined;
        piece.pa = e.pa + (ipa - base);
        piece.ns = false;
      }
    } else {
      this.staged.length = 0;
      const { entry: e, base } = this.entry(ipa);
      if (e.state !== 'ASSIGNED_NS') return undefined;
      const ap = Math.floor(e.attr / 2 ** S2TTE_AP.lsb) % 2 ** (S2TTE_AP.msb - S2TTE_AP.lsb + 1);
      if ((ap & (access === 'write' ? S2TTE_AP_WRITE : S2TTE_AP_READ)) === 0) return undefined;
      piece.pa = e.pa + (ipa - base);
      piece.ns = true;
    }
    // The granule protection check of the PAS the piece goes through.
    if (!regionOf(ctx.state.config.memoryMap, piece.pa)) return undefined;
    if (!gpcAllows('REALM', piece.ns ? 'NS' : 'REALM', gpiOf(ctx.state, piece.pa)))
      return undefined;
    // Held until the whole piece completes (a copy's read and write both translated).
    for (const e of this.staged) this.held.push(e);
    this.staged.length = 0;
    return piece;
  }

  /** The piece completed: its decisions join the operation's flows. */
  private commit(): void {
    for (const e of this.held) this.flow(e);
    this.held.length = 0;
  }

  /** The probe of a refused read. */
  private readProbe(ipa: number): AccessStop {
    return { kind: 'access', access: 'read', ipa, size: 1, register: 1 };
  }

  /** The probe of a refused write of `value` carrying `labels`. */
  private writeProbe(ipa: number, value: number, labels: readonly string[]): AccessStop {
    return {
      kind: 'access',
      access: 'write',
      ipa,
      size: 1,
      register: 1,
      value: BigInt(value),
      ...(labels.length > 0 ? { labels } : {}),
    };
  }

  /** Stores n bytes of `src` at `srcOff` into the piece at `pa`, labelled exactly `spans`. */
  private store(
    pa: number,
    src: Uint8Array,
    srcOff: number,
    n: number,
    spans: readonly LabelRun[],
  ): void {
    const state = this.ctx.state;
    replaceLabels(state, pa, n, spans);
    const g = Math.floor(pa / G);
    let page = state.memory[g];
    if (!page) {
      if (allZero(src, srcOff, srcOff + n)) return;
      page = state.memory[g] = new Uint8Array(G);
    }
    page.set(src.subarray(srcOff, srcOff + n), pa % G);
  }

  /** A labelled write through the NS PAS is a flow into host-visible memory. */
  private nsFlow(ipa: number, pa: number, n: number, labels: readonly string[]): void {
    if (labels.length === 0) return;
    this.flow({
      kind: 'flow',
      channel: 'ns-memory',
      source: { kind: 'realm', name: this.actor, address: ipa },
      destination: { kind: 'memory', name: NS_MEMORY, address: pa },
      bytes: n,
      labels,
      decision: CCA_HOST_VISIBLE,
    });
  }

  /**
   * Copies [from, from + len) to [to, to + len) from byte `start` on, labels span by span
   * (the read-a-frame / write-a-frame primitive); the labels moved are added to `seen`.
   */
  copy(from: number, to: number, len: number, start = 0, seen?: Set<string>): BulkProgress {
    const state = this.ctx.state;
    const spans: LabelRun[] = [];
    const names: string[] = [];
    let done = start;
    while (done < len) {
      const s = from + done;
      const d = to + done;
      const n = Math.min(len - done, G - (s % G), G - (d % G));
      this.held.length = 0;
      const src = this.translate('read', s, n, undefined);
      if (!src) return { done, probe: this.readProbe(s) };
      const srcPa = src.pa;
      const srcPage = state.memory[Math.floor(srcPa / G)] ?? ZERO_PAGE;
      const srcOff = srcPa % G;
      // The labels of the piece, as spans relative to its start, and their names.
      spans.length = 0;
      names.length = 0;
      const runs = state.labels?.[Math.floor(srcPa / G)];
      if (runs) {
        for (const [a, b, label] of runs) {
          const lo = Math.max(a, srcOff);
          const hi = Math.min(b, srcOff + n);
          if (lo >= hi) continue;
          spans.push([lo - srcOff, hi - srcOff, label]);
          if (!names.includes(label)) names.push(label);
        }
        names.sort();
      }
      const dst = this.translate('write', d, n, names);
      if (!dst) return { done, probe: this.writeProbe(d, srcPage[srcOff] ?? 0, names) };
      this.commit();
      this.access('read', s, n);
      this.access('write', d, n);
      this.store(dst.pa, srcPage, srcOff, n, spans);
      if (seen) for (const name of names) seen.add(name);
      if (dst.ns) this.nsFlow(d, dst.pa, n, names);
      done += n;
    }
    return { done };
  }

  /**
   * Reads [ipa, ipa + out.length) into `out` and adds the labels of every byte read to
   * `labels` (the input of a computation).
   */
  read(ipa: number, out: Uint8Array, labels: Set<string>): BulkProgress {
    const state = this.ctx.state;
    let done = 0;
    while (done < out.length) {
      const at = ipa + done;
      const n = Math.min(out.length - done, G - (at % G));
      this.held.length = 0;
      const p = this.translate('read', at, n, undefined);
      if (!p) return { done, probe: this.readProbe(at) };
      this.commit();
      const off = p.pa % G;
      const page = state.memory[Math.floor(p.pa / G)];
      if (page) out.set(page.subarray(off, off + n), done);
      else out.fill(0, done, done + n);
      const runs = state.labels?.[Math.floor(p.pa / G)];
      if (runs) for (const [a, b, label] of runs) if (a < off + n && b > off) labels.add(label);
      this.access('read', at, n);
      done += n;
    }
    return { done };
  }

  /**
   * Writes `bytes` at `ipa` from byte `start` on, every byte labelled with all of `labels`
   * (the result of a computation inherits the union of what it read). `repeat` writes the
   * first `bytes.length` bytes over and over (a fill) up to `len`.
   */
  write(
    ipa: number,
    bytes: Uint8Array,
    labels: readonly string[],
    start = 0,
    len = bytes.length,
  ): BulkProgress {
    const repeat = len !== bytes.length;
    const spans: LabelRun[] = [];
    let done = start;
    while (done < len) {
      const at = ipa + done;
      const n = Math.min(len - done, G - (at % G));
      this.held.length = 0;
      const p = this.translate('write', at, n, labels);
      const srcOff = repeat ? 0 : done;
      if (!p) return { done, probe: this.writeProbe(at, bytes[srcOff] ?? 0, labels) };
      this.commit();
      this.access('write', at, n);
      spans.length = 0;
      for (const label of labels) spans.push([0, n, label]);
      this.store(p.pa, bytes, srcOff, n, spans);
      if (p.ns) this.nsFlow(at, p.pa, n, labels);
      done += n;
    }
    return { done };
  }

  /** Emits the operation's coalesced `realm:access` and `flow` events. */
  finish(): void {
    for (const a of this.accesses) {
      this.ctx.emit({
        kind: 'realm:access',
        actor: this.actor,
        rec: this.rec.rec,
        op: a.op,
        ipa: a.ipa,
        size: a.size,
        outcome: 'done',
        decision: BULK_ACCESS,
      });
    }
    for (const run of this.flows) this.ctx.emit(run.event);
    this.accesses.length = 0;
    this.flows.length = 0;
  }
}
