/**
 * The translation cache of bulk guest accesses (a TLB: Arm ARM D8.13 "Translation Lookaside
 * Buffers"; the stage 2 and granule protection checks it caches are cca-spec.md §3.4 and
 * A5.2.6). A bulk copy of a 256 KiB object translates 64 pages on every pass; without a cache
 * each of them asks the extension mapping (hooks.ts `translate`), walks the RTTs and checks the
 * GPT again although nothing could have changed since the last pass.
 *
 * Design rationale: an entry is (realm, IPA page, read or write) -> where the page lands (PA,
 * PAS) and the extension's decision to record per byte moved, keyed by numbers only, filled
 * only by a translation that succeeded (a refused page is translated afresh every time, and its
 * probe decides). Translations change only when the state changes under them, and every such
 * change is a **flush** (the architectural TLBI), which bumps `generation` and drops every
 * entry:
 *
 * - the machine flushes around every host SMC except RMI_REC_ENTER (an RTT, GPT, RIPAS,
 *   granule, realm or extension change is always one: create, destroy, map, unmap, delegate,
 *   undelegate, share, unshare, attach, detach, activate) and around every SMC a realm makes
 *   inside REC_ENTER (RSI and PSCI, e.g. a policy upload that activates shared mappings);
 * - every replacement of the state (restore, undo, time-travel adopt) flushes, and an entry is
 *   never used with a state object other than the one it was filled from;
 * - the primitives that change a translation flush themselves too (RTT entry writes, RTT
 *   tables, GPT writes, the monitor's mappings), so a path the list above misses still cannot
 *   serve a stale translation.
 *
 * REC_ENTER itself changes no translation (it runs the realm, A4.3), so entries survive from
 * one entry of a streaming realm to the next, which is what makes the cache pay.
 *
 * An entry also keeps the granule's page and label runs as last looked up, so a stream finds
 * them without a lookup per page (`state.memory` and `state.labels` are sparse objects keyed
 * by large granule indexes: V8 keeps them as hash tables). Those are not translations and no
 * flush is needed for them: each is used only while a counter says nothing could have
 * replaced it (hw/memory.ts `wipeCount`, hw/labels.ts `labelVersion`), and looked up again
 * otherwise.
 */
import { GRANULE_SIZE } from '../abi/gpt.ts';
import type { Decision, Endpoint, NewLedgerEvent } from '../ledger.ts';
import type { LabelRun, MachineState } from '../state.ts';

/** The extension's decision a cached page records for every access it completes. */
export interface PageFlow {
  /** Ledger channel of the flow (e.g. `shared-memory`). */
  readonly channel: string;
  /** Name of the realm end (its address is the access's IPA). */
  readonly realm: string;
  /** Name of the memory end. */
  readonly memory: string;
  /** PA of the page as the memory end names it (its address is this plus the offset). */
  readonly memoryPa: number;
  readonly decision: Decision;
}

/**
 * The `flow` event of an access of `bytes` bytes at `ipa` that `flow` decided: written data
 * goes from the realm to the memory, read or fetched data the other way. `labels` are those of
 * the bytes that moved (the value stored, or the bytes loaded); a realm that receives bytes
 * has its measurement `rim` recorded on its end (ledger.ts Endpoint `rim`), so the judge can
 * tell whether it is one the tenant named.
 */
export function pageFlowEvent(
  flow: PageFlow,
  access: 'read' | 'write' | 'fetch',
  ipa: number,
  bytes: number,
  labels: readonly string[],
  rim: string,
): Extract<NewLedgerEvent, { kind: 'flow' }> {
  const memory: Endpoint = {
    kind: 'memory',
    name: flow.memory,
    address: flow.memoryPa + (ipa % GRANULE_SIZE),
  };
  if (access === 'write')
    return {
      kind: 'flow',
      channel: flow.channel,
      source: { kind: 'realm', name: flow.realm, address: ipa },
      destination: memory,
      bytes,
      labels: [...labels],
      decision: flow.decision,
    };
  return {
    kind: 'flow',
    channel: flow.channel,
    source: memory,
    destination: { kind: 'realm', name: flow.realm, address: ipa, rim },
    bytes,
    labels: [...labels],
    decision: flow.decision,
  };
}

/** A cached translation of one page for one kind of access. */
export interface CachedTranslation {
  /** PA of the page. */
  readonly pa: number;
  /** Its granule index (`pa` / GRANULE_SIZE): where its bytes and labels are kept. */
  readonly granule: number;
  /** Through the NS PAS (an unprotected IPA the host mapped), else the Realm PAS. */
  readonly ns: boolean;
  /** The extension mapping's decision to record per access, if an extension mapped it. */
  readonly flow: PageFlow | undefined;
  /**
   * The granule's page as last looked up, if it had one: still its page while `wipes` equals
   * hw/memory.ts `wipeCount()` (a page leaves memory only by a wipe).
   */
  page: Uint8Array | undefined;
  wipes: number;
  /**
   * The granule's label runs as last looked up: still its runs while `labelVersion` equals
   * hw/labels.ts `labelVersion()` (no run list changed anywhere since).
   */
  runs: readonly LabelRun[] | undefined;
  labelVersion: number;
}

/** A `flow` event as a bulk operation builds it, before the ledger numbers it. */
export type BulkFlowEvent = Extract<NewLedgerEvent, { kind: 'flow' }>;

/**
 * What a whole-page bulk range operation did, kept to do it again (rmm/bulk.ts "replay"):
 * the pages it read and wrote, the labels it moved and the flows it recorded. Valid while
 * nothing it depended on can have changed: the translations (the plan lives in its realm's
 * {@link RealmTranslations}, which every flush drops), the pages (`wipes`, hw/memory.ts
 * `wipeCount`) and every label run (`labelVersion`, hw/labels.ts). A plan is made only of an
 * operation that completed, whose source and destination granules are disjoint and present.
 */
export interface BulkPlan {
  readonly op: 'copy' | 'read';
  /** Source IPA, destination IPA (the source again for a read) and length, page-aligned. */
  readonly from: number;
  readonly to: number;
  readonly len: number;
  readonly wipes: number;
  readonly labelVersion: number;
  /**
   * The source bytes as runs of pages adjacent in one slab (hw/pages.ts), in order; for a copy
   * the destination run each is copied to (a run ends where either side's pages stop being
   * adjacent), for a read the offset into the range each run is read to. A replay is one `set`
   * per run: a 256 KiB object made in order is one (its pages were created in a row).
   */
  readonly src: readonly Uint8Array[];
  readonly dst: readonly Uint8Array[];
  readonly at: readonly number[];
  /** The distinct labels the operation moved. */
  readonly names: readonly string[];
  /** Its flow runs as they ended (frozen: each replay's events share their parts). */
  readonly flows: readonly {
    readonly event: Readonly<BulkFlowEvent>;
    readonly srcNext: number | undefined;
    readonly dstNext: number | undefined;
  }[];
}

/** Plans kept per realm (a streaming realm repeats one or two operations). */
export const PLANS_PER_REALM = 4;

/** The cached pages of one realm, by IPA page index, one table per access kind. */
export interface RealmTranslations {
  readonly read: Map<number, CachedTranslation>;
  readonly write: Map<number, CachedTranslation>;
  /** Its last bulk plans, newest last (at most {@link PLANS_PER_REALM}). */
  readonly plans: BulkPlan[];
}

/** The machine's translation cache (one per machine; see the file comment for its flushes). */
export class TranslationCache {
  /** Bumped by every flush: an entry is valid only in the generation that filled it. */
  generation = 0;
  private owner: MachineState | undefined;
  private realms = new Map<number, RealmTranslations>();

  /** Drops every entry (a change that may alter a translation happened). */
  flush(): void {
    this.generation++;
    if (this.realms.size > 0) this.realms = new Map();
  }

  /**
   * The cached pages of the realm at `rd` in `state` (empty after a flush). A state other
   * than the one the entries were filled from flushes first.
   */
  forRealm(state: MachineState, rd: number): RealmTranslations {
    if (state !== this.owner) {
      this.flush();
      this.owner = state;
    }
    let t = this.realms.get(rd);
    if (!t) {
      t = { read: new Map(), write: new Map(), plans: [] };
      this.realms.set(rd, t);
    }
    return t;
  }
}
