/**
 * The Data view's model (issue 12 "In the page"; mica-spec.md §5.1 (a), §5.2, §1.3): the
 * tenant's data as the machine holds it now. For the video workflow, the frames each stage
 * holds (raw at the gateway, encoded at the encoder, moderated records with their verdicts at
 * the moderator and at storage) and what the host obtained (labelled bytes in host-visible
 * memory, exit registers, the console or the network); for the LLM guardrail, the prompt, the
 * filtered prompt, the answer and the screened answer as text.
 *
 * Design rationale: everything is read from the machine's state, never from a copy the UI or
 * the workflow keeps, and nothing is read through the machine's front door (a checked access
 * appends ledger events, so looking would change what is shown): the model walks each realm's
 * RTT (`walkRtt`) and copies bytes out of `state.memory` read-only. Which realms form the
 * pipeline is found from the memory too: the gateway is the realm whose network receive buffer
 * holds the declared input (the ledger's `source:declared` flow names its label), and each next
 * stage is the realm that maps the object the previous one wrote (the same physical pages).
 * Which bytes the host obtained is the ledger's, as the judge reads it (policy/judge.ts
 * `runLeaks`, the one leak rule the run report and the built-in attacks use too): every flow
 * that brought the input's label to a host-visible place other than by the declared gateway's
 * sanitised exit is a theft, drawn with its path; other labelled bytes the host can read (the
 * upload as it arrived) are shown as what they are. So is every flow that brought the label
 * into a realm the tenant did not name (mica-spec.md §1.3), one finding per realm.
 * Decoding follows the stage's role (src/workflows/frames.ts), found from the machine, not
 * from the stage's position: the moderator is the realm the tenant declared a sanitiser
 * (`state.tenant`, by RIM), or else the one whose output is whole moderated records; the
 * stages before it encode, those after it store. So the §5.1 (c) ring (RG → RE → RN → RG)
 * shows RE encoding and RN moderating whatever order they were built in, and the result that
 * comes back to the gateway and leaves through its network device is shown as `published`.
 * Before any shared object carries the input on (a lesson's gateway took a short text in), the
 * view lists the realms' pages that hold bytes with its label instead (`heldBytes`).
 */
import {
  SOURCE_RULE,
  abi,
  declaredSanitiser,
  gpcAllows,
  isPassedMark,
  labelSpans,
  rawRead,
  readTranslated,
  rttEntries,
  walkRtt,
  type LedgerEvent,
  type LedgerEventOf,
  type MachineView,
  type RealmRecord,
} from '../../emulator/index.ts';
import { IVSHMEM_BAR_BASE, IVSHMEM_BAR_STRIDE } from '../../policy/abi.ts';
import { declaredPassage, micaOf, realmNamer, runLeaks } from '../../policy/index.ts';
import {
  CHANNELS,
  ENCODED_FRAME_BYTES,
  ENCODED_HEIGHT,
  ENCODED_WIDTH,
  FRAME_HEIGHT,
  FRAME_WIDTH,
  MODERATED_RECORD_BYTES,
  QUANT_BITS,
  RAW_FRAME_BYTES,
  VERDICT_BYTES,
  encodeFrame,
  moderateFrame,
} from '../../workflows/frames.ts';
import { NET_BUFFER_SIZE, NET_IPA, NET_PAYLOAD_OFFSET, RAM_IPA } from '../../workflows/host.ts';
import { PROMPT_LABEL } from '../../workflows/llm.ts';
import { CCA_WINDOW_BASE, CCA_WINDOW_STRIDE } from '../../workflows/run.ts';
import { PUBLISH_IPA } from '../../workflows/video.ts';
import { TEXT_MAX_BYTES } from '../../workflows/text-model.ts';
import { realmNameOf } from '../state/realm-names.ts';
import { hex } from '../../lib/hex.ts';

/** Bytes of a granule (cca-spec.md §1.2). */
const GRANULE = 0x1000;
/** Largest object a stage's window is read for: one 256 KiB object of §5.1, as the NIC buffer. */
const OBJECT_MAX = NET_BUFFER_SIZE;
/** BAR windows looked at per realm (the §5 workflows use at most a few). */
const MAX_WINDOWS = 8;
/** A share in per mille is at most this. */
const PER_MILLE = 1000;
/** Highest value of a re-quantised channel. */
const QUANT_MAX = (1 << QUANT_BITS) - 1;

/** How bytes decode: raw RGB frames, encoded frames, moderated records, or text. */
export type Format = 'raw' | 'encoded' | 'records' | 'text' | 'bytes';

/** One frame, ready to draw (RGBA, row-major). */
export interface FrameThumb {
  /** Frame number in the video, when the place says (storage keeps records by frame). */
  readonly frame?: number;
  /** Position in the place that holds it. */
  readonly slot: number;
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8ClampedArray;
  /** The moderator's verdict, for records. */
  readonly verdict?: { readonly unsafe: boolean; readonly perMille: number };
}

/** What one stage of the pipeline holds. */
export interface StageData {
  readonly realm: string;
  readonly rd: number;
  /**
   * Role in the pipeline: `gateway`, `encoder`, `moderator`, `storage` (video), `published`
   * (what the gateway sent out of its network device), or `stage n`.
   */
  readonly role: string;
  /** For `published`: the sanitiser marks the sent bytes carry (`passed:moderator`). */
  readonly passed?: readonly string[];
  readonly format: Format;
  /** Where the bytes are, in words (object window or private RAM, IPA). */
  readonly where: string;
  /** True when the host can read these pages (NS memory: CCA alone). */
  readonly hostVisible: boolean;
  /** True for a shared object: it holds the last pass only (storage keeps every frame). */
  readonly lastPass: boolean;
  readonly frames: readonly FrameThumb[];
  /** Labelled bytes read. */
  readonly bytes: number;
  /** Text, for the LLM workflow's mailboxes. */
  readonly text?: string;
}

/** Something the host or the network obtained that carries the input's label. */
export interface HostFinding {
  /** `leak`: a flow the ledger records (the judge's leak); `arrival`: the declared upload. */
  readonly kind: 'leak' | 'arrival';
  /** Where: `NS memory at 0x…`, `exit.gprs[0] …`, `console`, `network`, `realm <name>`. */
  readonly where: string;
  /** The path, from the ledger: who put it there, by which channel, the flow's number. */
  readonly path: string;
  /** Bytes obtained (the flows' extent; for NS memory, the bytes there now). */
  readonly bytes: number;
  /**
   * For NS memory: how many of those bytes carry the label now (labels are kept per byte, and
   * a realm that prints 32 bytes of which 11 are the frame hands over 11 labelled bytes).
   * Undefined where the bytes are not in memory the view can read (registers, the console).
   */
  readonly labelled?: number;
  readonly format: Format;
  readonly frames: readonly FrameThumb[];
  /** Text, when the bytes are text; hex of the first bytes when they are neither. */
  readonly text?: string;
  readonly hex?: string;
  /** Ledger sequence numbers of the flows behind it. */
  readonly seqs: readonly number[];
}

/**
 * Bytes carrying the input's label that a realm holds in a page it maps (its private RAM, its
 * receive buffer): where the data is before, or without, any shared object carrying it on.
 */
export interface HeldBytes {
  readonly realm: string;
  readonly rd: number;
  readonly ipa: number;
  readonly bytes: number;
  /** True when the page is NS memory (the host reads it). */
  readonly hostVisible: boolean;
  /** The bytes as text when they are printable, else undefined (see `hex`). */
  readonly text?: string;
  readonly hex: string;
}

/** Most places {@link heldBytes} lists, and bytes read from each for its text. */
const HELD_PLACES = 8;
const HELD_TEXT_BYTES = 64;

/** The LLM workflow's texts, read from the realms' memory. */
export interface GuardrailTexts {
  readonly prompt?: string;
  readonly filtered?: string;
  readonly answer?: string;
  readonly screened?: string;
}

/** The whole view. */
export interface DataModel {
  /** `none`: no declared input on this machine (nothing has run). */
  readonly workflow: 'none' | 'video' | 'text';
  /** The input's label (`video`, `prompt`). */
  readonly label?: string;
  readonly stages: readonly StageData[];
  /**
   * When no stage holds the input in a shared object: the realms' pages that hold bytes
   * labelled with it (a realm took the input in but nothing carried it on yet).
   */
  readonly held?: readonly HeldBytes[];
  readonly host: readonly HostFinding[];
  readonly texts?: GuardrailTexts;
}

/** Where a realm's IPA maps, without an access: the PA and whether the host can read it. */
interface Mapped {
  readonly pa: number;
  readonly ns: boolean;
}

function realmAt(view: MachineView, rd: number): Readonly<RealmRecord> | undefined {
  return view.state.rmm.realms[hex(rd)];
}

/**
 * The PA behind `ipa` of `realm` (protected RAM, a Mica shared page or an NS page), or none.
 * A Mica shared leaf is the monitor's (mica-spec.md Appendix A): the real page once ACTIVE,
 * the realm's zeroed dummy page before its policy is uploaded.
 */
function mapped(view: MachineView, realm: Readonly<RealmRecord>, ipa: number): Mapped | undefined {
  if (ipa < 0 || ipa >= 2 ** realm.ipaWidth) return undefined;
  const mr = micaOf(view.state)?.realms[hex(realm.rd)];
  const page = ipa - (ipa % GRANULE);
  const shared = mr?.mappings[hex(page)];
  if (shared) {
    const pa = shared.state === 'ACTIVE' ? shared.pa : mr!.dummy;
    return { pa: pa + (ipa - page), ns: false };
  }
  const walk = walkRtt(view.state as Parameters<typeof walkRtt>[0], realm, ipa);
  const e = walk.entry;
  if (e.state === 'ASSIGNED' && e.ripas === 'RAM')
    return { pa: e.pa + (ipa - walk.entryBase), ns: false };
  if (e.state === 'ASSIGNED_NS') return { pa: e.pa + (ipa - walk.entryBase), ns: true };
  return undefined;
}

/** `len` bytes at `ipa` of `realm`, page by page (undefined when a page is not mapped). */
export function readRealm(
  view: MachineView,
  realm: Readonly<RealmRecord>,
  ipa: number,
  len: number,
): Uint8Array | undefined {
  return readTranslated(
    view.state as Parameters<typeof readTranslated>[0],
    ipa,
    len,
    (at) => mapped(view, realm, at)?.pa,
  );
}

/**
 * Bytes from `ipa` of `realm` that carry `label` without a gap, up to `max`: how much of a
 * window the stage wrote with the input's data (labels follow the bytes, so this is a fact).
 */
export function labelledExtent(
  view: MachineView,
  realm: Readonly<RealmRecord>,
  ipa: number,
  label: string,
  max = OBJECT_MAX,
): number {
  let done = 0;
  while (done < max) {
    const m = mapped(view, realm, ipa + done);
    if (!m) break;
    const n = Math.min(max - done, GRANULE - (m.pa % GRANULE));
    let covered = 0;
    for (const s of labelSpans(view.state as Parameters<typeof labelSpans>[0], m.pa, n))
      if (s.label === label && s.offset <= covered)
        covered = Math.max(covered, s.offset + s.length);
    done += Math.min(covered, n);
    if (covered < n) break;
  }
  return done;
}

/**
 * The first run of bytes carrying `label` in the first page of the window at `ipa`, as text:
 * what a stage of a text pipeline holds there (a lesson's frame at +0x20 of Mem1, a prompt at
 * PROMPT_OFFSET of the guardrail's mailbox); undefined when nothing there carries it. Read
 * where the label is, so unlabelled bytes in the window are never shown as the input.
 */
export function labelledText(
  view: MachineView,
  realm: Readonly<RealmRecord>,
  ipa: number,
  label: string,
): { text: string; bytes: number } | undefined {
  const m = mapped(view, realm, ipa);
  if (!m) return undefined;
  const spans = labelSpans(view.state as Parameters<typeof labelSpans>[0], m.pa, GRANULE);
  const first = spans
    .filter((x) => x.label === label)
    .reduce<number | undefined>(
      (at, x) => (at === undefined ? x.offset : Math.min(at, x.offset)),
      undefined,
    );
  if (first === undefined) return undefined;
  const len = labelledExtent(view, realm, ipa + first, label, TEXT_MAX_BYTES);
  const bytes = readRealm(view, realm, ipa + first, len);
  return bytes ? { text: textOf(bytes), bytes: len } : undefined;
}

/** Unpacks 4-bit samples (two per byte, low nibble first) and scales them to 8 bits. */
function encodedRgba(bytes: Uint8Array, at: number): Uint8ClampedArray {
  const pixels = ENCODED_WIDTH * ENCODED_HEIGHT;
  const out = new Uint8ClampedArray(pixels * 4);
  const scale = 255 / QUANT_MAX;
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < CHANNELS; c++) {
      const s = p * CHANNELS + c;
      const byte = bytes[at + (s >> 1)] ?? 0;
      out[p * 4 + c] = ((s & 1 ? byte >> 4 : byte) & QUANT_MAX) * scale;
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}

function rawRgba(bytes: Uint8Array, at: number): Uint8ClampedArray {
  const pixels = FRAME_WIDTH * FRAME_HEIGHT;
  const out = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < CHANNELS; c++) out[p * 4 + c] = bytes[at + p * CHANNELS + c] ?? 0;
    out[p * 4 + 3] = 255;
  }
  return out;
}

/** Bytes of one unit of `format` (a frame or a record). */
export function unitBytes(format: Format): number {
  return format === 'raw'
    ? RAW_FRAME_BYTES
    : format === 'encoded'
      ? ENCODED_FRAME_BYTES
      : format === 'records'
        ? MODERATED_RECORD_BYTES
        : 1;
}

/**
 * Decodes the whole frames (or records) of `bytes` as `format`; `numbered` gives each the
 * frame number of its slot (storage keeps record f at offset f × record size).
 */
export function decodeFrames(bytes: Uint8Array, format: Format, numbered = false): FrameThumb[] {
  if (format !== 'raw' && format !== 'encoded' && format !== 'records') return [];
  const unit = unitBytes(format);
  const out: FrameThumb[] = [];
  for (let slot = 0; (slot + 1) * unit <= bytes.length; slot++) {
    const at = slot * unit;
    const base = { slot, ...(numbered ? { frame: slot } : {}) };
    if (format === 'raw') {
      out.push({ ...base, width: FRAME_WIDTH, height: FRAME_HEIGHT, rgba: rawRgba(bytes, at) });
    } else if (format === 'encoded') {
      out.push({
        ...base,
        width: ENCODED_WIDTH,
        height: ENCODED_HEIGHT,
        rgba: encodedRgba(bytes, at),
      });
    } else {
      // A verdict is a flag (0 or 1) and a share of at most 1000‰; other bytes in its place
      // are not one the moderator wrote (a stage that handed on something else), so none shows.
      const flag = bytes[at] ?? 0;
      const perMille = (bytes[at + 1] ?? 0) | ((bytes[at + 2] ?? 0) << 8);
      const verdict =
        flag <= 1 && perMille <= PER_MILLE ? { unsafe: flag === 1, perMille } : undefined;
      out.push({
        ...base,
        width: ENCODED_WIDTH,
        height: ENCODED_HEIGHT,
        rgba: encodedRgba(bytes, at + VERDICT_BYTES),
        ...(verdict ? { verdict } : {}),
      });
    }
  }
  return out;
}

/** The record the moderator would keep for one unit of `format` at `at` of `bytes`. */
function recordOf(bytes: Uint8Array, at: number, format: Format): Uint8Array | undefined {
  if (format === 'records') return bytes.subarray(at, at + MODERATED_RECORD_BYTES);
  if (format === 'encoded') return moderateFrame(bytes.subarray(at, at + ENCODED_FRAME_BYTES));
  if (format === 'raw') return moderateFrame(encodeFrame(bytes, at));
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array, at: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[at + i]) return false;
  return true;
}

/**
 * Gives each frame the number of the one record in storage's memory it becomes (the frame
 * through the same transcode and detector, byte for byte); frames that match none, or more
 * than one, keep their slot only. The numbers come from the machine's bytes, not from a count.
 */
export function numberFrames(
  frames: readonly FrameThumb[],
  bytes: Uint8Array,
  format: Format,
  store: Uint8Array | undefined,
): FrameThumb[] {
  if (!store) return [...frames];
  const unit = unitBytes(format);
  return frames.map((f) => {
    const rec = recordOf(bytes, f.slot * unit, format);
    if (!rec) return f;
    const hits: number[] = [];
    for (let k = 0; (k + 1) * MODERATED_RECORD_BYTES <= store.length; k++)
      if (sameBytes(rec, store, k * MODERATED_RECORD_BYTES)) hits.push(k);
    return hits.length === 1 ? { ...f, frame: hits[0]! } : f;
  });
}

/** The text of `bytes` up to its first NUL. */
export function textOf(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** The first `max` bytes as spaced hex pairs (`de ad be ef`). */
function hexPairs(bytes: Uint8Array, max = 16): string {
  return [...bytes.subarray(0, max)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** The windows a realm has on shared objects: Mica BARs (protected) and CCA NS windows. */
function windowsOf(
  view: MachineView,
  realm: Readonly<RealmRecord>,
): { ipa: number; first: Mapped }[] {
  const out: { ipa: number; first: Mapped }[] = [];
  for (let n = 0; n < MAX_WINDOWS; n++) {
    for (const ipa of [
      IVSHMEM_BAR_BASE + n * IVSHMEM_BAR_STRIDE,
      CCA_WINDOW_BASE + n * CCA_WINDOW_STRIDE,
    ]) {
      const first = mapped(view, realm, ipa);
      if (first) out.push({ ipa, first });
    }
  }
  return out;
}

/** What each video role writes (§5.1): the gateway raw frames, an encoder encoded ones. */
const ROLE_FORMAT: Readonly<Record<string, Format>> = {
  gateway: 'raw',
  encoder: 'encoded',
  moderator: 'records',
  storage: 'records',
};

/**
 * Whether `len` bytes are whole moderated records and not whole encoded or raw frames: a
 * record is {@link VERDICT_BYTES} longer than an encoded frame, so below 216 frames no length
 * is both (a raw frame is 8 encoded ones).
 */
function wholeRecords(len: number): boolean {
  return len > 0 && len % MODERATED_RECORD_BYTES === 0 && len % ENCODED_FRAME_BYTES !== 0;
}

/**
 * The position in `chain` of the moderator: the first stage past the gateway that the tenant
 * declared a sanitiser (the machine keeps the declaration by RIM, `state.tenant`), else the
 * first whose labelled output is whole moderated records ({@link wholeRecords}). Undefined
 * when neither shows.
 */
function moderatorAt(
  view: MachineView,
  chain: readonly { rd: number; out?: { ipa: number } }[],
  label: string,
): number | undefined {
  const at = chain.findIndex((c, i) => {
    const rim = realmAt(view, c.rd)?.rim;
    return i > 0 && rim !== undefined && declaredSanitiser(view.state, rim) !== undefined;
  });
  if (at > 0) return at;
  const byLength = chain.findIndex((c, i) => {
    if (i === 0 || !c.out) return false;
    return wholeRecords(labelledExtent(view, realmAt(view, c.rd)!, c.out.ipa, label));
  });
  return byLength > 0 ? byLength : undefined;
}

/** Builds the Data view's model from the machine's state and ledger (no access, no event). */
export function buildDataModel(view: MachineView, ledger: readonly LedgerEvent[]): DataModel {
  const source = ledger.find(
    (e): e is LedgerEventOf<'flow'> => e.kind === 'flow' && e.decision.rule === SOURCE_RULE,
  );
  const label = source?.labels[0];
  if (!source || label === undefined) return { workflow: 'none', stages: [], host: [] };
  const state = view.state;
  const rds = Object.keys(state.rmm.realms)
    .map(Number)
    .sort((a, b) => a - b);
  // CCA alone keeps no realm names in the machine: the ledger names the gateway (the input's
  // destination), the others are named by their role in the pipeline with their RD.
  const roleNames = new Map<number, string>();
  const nameOf = (rd: number): string => {
    const n = realmNameOf(state, rd);
    if (!n.startsWith('RD ')) return n;
    if (rd === gatewayRd) return source.destination.name;
    const role = roleNames.get(rd);
    return role ? `${role} (${n})` : n;
  };
  // The gateway: the realm whose receive buffer holds the declared input's label, at the IPA
  // the declaration names (the lab's VMM and the workflows' host put the buffer apart).
  const inputIpa = source.destination.address ?? NET_IPA + NET_PAYLOAD_OFFSET;
  let gatewayRd: number | undefined;
  for (const rd of rds) {
    const realm = realmAt(view, rd)!;
    if (labelledExtent(view, realm, inputIpa, label, GRANULE) > 0) {
      gatewayRd = rd;
      break;
    }
  }
  const video = source.bytes % RAW_FRAME_BYTES === 0;
  const workflow = video ? 'video' : 'text';
  // The chain: each next stage maps the object the previous one wrote.
  const chain: { rd: number; out?: { ipa: number; pa: number; ns: boolean } }[] = [];
  const used = new Set<number>();
  let prevOut: number | undefined;
  for (let rd = gatewayRd; rd !== undefined;) {
    used.add(rd);
    const realm = realmAt(view, rd)!;
    const wins = windowsOf(view, realm);
    const outWin = wins.find((w) => w.first.pa !== prevOut);
    chain.push({
      rd,
      ...(outWin ? { out: { ipa: outWin.ipa, pa: outWin.first.pa, ns: outWin.first.ns } } : {}),
    });
    if (!outWin) break;
    prevOut = outWin.first.pa;
    const target = outWin.first.pa;
    rd = rds.find(
      (r) => !used.has(r) && windowsOf(view, realmAt(view, r)!).some((w) => w.first.pa === target),
    );
  }

  const stages: StageData[] = [];
  const roleOf = new Map<number, Format>();
  // Roles from what the machine shows, not from positions: the gateway holds the input, the
  // moderator is the declared sanitiser (or writes whole records), stages before it encode,
  // stages after it store. A chain back into the gateway (storage's hand-back, the ring's
  // Mem3) ends the walk; what the gateway then sent out is shown as `published`.
  const moderator = video ? moderatorAt(view, chain, label) : undefined;
  const roleAt = (i: number): string =>
    !video
      ? `stage ${i + 1}`
      : i === 0
        ? 'gateway'
        : moderator === undefined
          ? `stage ${i + 1}`
          : i < moderator
            ? 'encoder'
            : i === moderator
              ? 'moderator'
              : 'storage';
  chain.forEach((c, i) => roleNames.set(c.rd, roleAt(i)));
  // What each stage's object holds, to number its frames by storage's records afterwards.
  const held: { stage: number; bytes: Uint8Array; format: Format }[] = [];
  let store: Uint8Array | undefined;
  chain.forEach((c, i) => {
    const realm = realmAt(view, c.rd)!;
    const role = roleAt(i);
    // Storage keeps the records of every frame in its private RAM, frame f at f × record.
    const kept = video && role === 'storage' ? labelledExtent(view, realm, RAM_IPA, label) : 0;
    if (!video) {
      if (!c.out) return;
      const held = labelledText(view, realm, c.out.ipa, label);
      stages.push({
        realm: nameOf(c.rd),
        rd: c.rd,
        role,
        format: 'text',
        where: `object window at ${hex(c.out.ipa)}`,
        hostVisible: c.out.ns,
        lastPass: true,
        frames: [],
        bytes: held?.bytes ?? 0,
        ...(held ? { text: held.text } : {}),
      });
      return;
    }
    if (c.out && kept === 0) {
      const format = ROLE_FORMAT[role] ?? 'encoded';
      roleOf.set(c.rd, format);
      const len = labelledExtent(view, realm, c.out.ipa, label);
      const bytes = readRealm(view, realm, c.out.ipa, len) ?? new Uint8Array();
      held.push({ stage: stages.length, bytes, format });
      stages.push({
        realm: nameOf(c.rd),
        rd: c.rd,
        role,
        format,
        where: `${c.out.ns ? 'NS window (host-shared)' : 'protected shared object'} at ${hex(c.out.ipa)}`,
        hostVisible: c.out.ns,
        lastPass: true,
        frames: decodeFrames(bytes, format),
        bytes: len,
      });
    } else {
      // The sink keeps the records of every frame in its private RAM, frame f at f × record.
      const len = kept > 0 ? kept : labelledExtent(view, realm, RAM_IPA, label);
      // What it hands back (the return object, NS on CCA alone) is records too.
      roleOf.set(c.rd, 'records');
      const bytes = readRealm(view, realm, RAM_IPA, len) ?? new Uint8Array();
      store = bytes;
      stages.push({
        realm: nameOf(c.rd),
        rd: c.rd,
        role,
        format: 'records',
        where: `private RAM at ${hex(RAM_IPA)}`,
        hostVisible: false,
        lastPass: false,
        frames: decodeFrames(bytes, 'records', true),
        bytes: len,
      });
    }
  });

  // What the gateway sent out of its network device: the published records in its transmit
  // buffer (NS memory the NIC reads; the judge's sanitised exit when they passed the moderator).
  const gw = gatewayRd === undefined ? undefined : realmAt(view, gatewayRd);
  const out = video && gw ? labelledExtent(view, gw, PUBLISH_IPA, label) : 0;
  if (gw && out > 0) {
    const bytes = readRealm(view, gw, PUBLISH_IPA, out) ?? new Uint8Array();
    // With no storage (the ring) the published records number the frames, record f at f.
    store ??= bytes;
    const passed = [
      ...new Set(
        labelSpans(
          view.state as Parameters<typeof labelSpans>[0],
          mapped(view, gw, PUBLISH_IPA)!.pa,
          Math.min(out, GRANULE),
        )
          .map((x) => x.label)
          .filter(isPassedMark),
      ),
    ];
    stages.push({
      realm: nameOf(gw.rd),
      rd: gw.rd,
      role: 'published',
      format: 'records',
      where: `network transmit buffer at ${hex(PUBLISH_IPA)}`,
      hostVisible: true,
      lastPass: false,
      frames: decodeFrames(bytes, 'records', true),
      bytes: out,
      ...(passed.length > 0 ? { passed } : {}),
    });
  }

  for (const h of held) {
    const st = stages[h.stage]!;
    stages[h.stage] = { ...st, frames: numberFrames(st.frames, h.bytes, h.format, store) };
  }
  const host = hostFindings(
    view,
    ledger,
    label,
    workflow,
    roleOf,
    nameOf,
    gatewayRd,
    store,
    inputIpa,
  );
  // The guardrail's four texts only for the LLM's prompt; a video sent as a short text (the
  // lessons' stand-in frame) is still the video, shown stage by stage.
  const texts = label === PROMPT_LABEL ? guardrailTexts(view, ledger, chain) : undefined;
  const inRealms = stages.length === 0 ? heldBytes(view, rds, label, nameOf) : [];
  return {
    workflow,
    label,
    stages,
    ...(inRealms.length > 0 ? { held: inRealms } : {}),
    host,
    ...(texts ? { texts } : {}),
  };
}

/**
 * Where the realms `rds` hold bytes labelled `label`, page run by page run in IPA order (a
 * run goes on across pages while the IPAs and the labelled bytes do), at most
 * {@link HELD_PLACES}: read from the RTTs and the label runs, no access made.
 */
export function heldBytes(
  view: MachineView,
  rds: readonly number[],
  label: string,
  nameOf: (rd: number) => string,
): HeldBytes[] {
  const state = view.state as Parameters<typeof rttEntries>[0];
  const out: HeldBytes[] = [];
  for (const rd of rds) {
    const runs: { ipa: number; bytes: number; ns: boolean }[] = [];
    for (const e of rttEntries(state, rd)) {
      const mappedHere = e.entry.state === 'ASSIGNED' || e.entry.state === 'ASSIGNED_NS';
      if (!mappedHere || e.level !== abi.RTT_PAGE_LEVEL) continue;
      for (const [start, end, l] of state.labels?.[e.entry.pa / GRANULE] ?? []) {
        if (l !== label) continue;
        const ipa = e.ipa + start;
        const last = runs.at(-1);
        if (last && last.ipa + last.bytes === ipa) last.bytes += end - start;
        else runs.push({ ipa, bytes: end - start, ns: e.entry.state === 'ASSIGNED_NS' });
      }
    }
    const realm = realmAt(view, rd)!;
    for (const r of runs) {
      if (out.length === HELD_PLACES) return out;
      const bytes = readRealm(view, realm, r.ipa, Math.min(r.bytes, HELD_TEXT_BYTES));
      const shown = bytes ?? new Uint8Array();
      const printable = shown.length > 0 && shown.every((b) => b >= 0x20 && b < 0x7f);
      out.push({
        realm: nameOf(rd),
        rd,
        ipa: r.ipa,
        bytes: r.bytes,
        hostVisible: r.ns,
        ...(printable ? { text: textOf(shown) } : {}),
        hex: hexPairs(shown),
      });
    }
  }
  return out;
}

/**
 * The guardrail's four texts, read where the machine shows the realms wrote them (the ledger's
 * prompt-labelled writes into shared objects, whose PAs the flows name), not at offsets a
 * workflow happens to use: the lessons' mailboxes differ from the scenario runs'. The prompt is
 * the gateway's first write; the filtered prompt the filter's first write into another object;
 * the answer the model's first write; the screened answer the filter's first write, after the
 * answer, into the gateway's object.
 */
function guardrailTexts(
  view: MachineView,
  ledger: readonly LedgerEvent[],
  chain: readonly { rd: number }[],
): GuardrailTexts {
  const nameOf = realmNamer(view.state);
  const [gw, filter, model] = chain.map((c) => nameOf(`realm:0x${c.rd.toString(16)}`));
  const writes = ledger.filter(
    (e): e is LedgerEventOf<'flow'> =>
      e.kind === 'flow' &&
      e.channel === 'shared-memory' &&
      e.source.kind === 'realm' &&
      e.destination.kind === 'memory' &&
      e.destination.address !== undefined &&
      e.labels.includes(PROMPT_LABEL),
  );
  const first = (realm: string | undefined, after = -1, where?: (object: string) => boolean) =>
    realm === undefined
      ? undefined
      : writes.find(
          (e) =>
            e.seq > after &&
            nameOf(e.source.name) === realm &&
            (where ? where(e.destination.name) : true),
        );
  const text = (e: LedgerEventOf<'flow'> | undefined): string | undefined => {
    if (!e) return undefined;
    const t = textOf(rawRead(view.state, e.destination.address!, TEXT_MAX_BYTES));
    return t === '' ? undefined : t;
  };
  const prompt = first(gw);
  const object = prompt?.destination.name;
  const filtered = first(filter, -1, (o) => o !== object);
  const answer = first(model);
  const screened = answer && first(filter, answer.seq, (o) => o === object);
  return {
    prompt: text(prompt),
    filtered: text(filtered),
    answer: text(answer),
    screened: text(screened),
  };
}

/** One contiguous run of leaked bytes in a realm's IPA space. */
interface LeakRange {
  rd: number;
  /** Host physical addresses the bytes landed at (the flows' destinations, NS memory). */
  pa: number;
  end: number;
  channel: string;
  seqs: number[];
}

/**
 * How many of a finding's bytes carry the label, in words: `32 bytes`, or `11 of 32 bytes`
 * when only part of what the host holds is the input (the view adds "labelled video").
 */
export function labelledWords(h: HostFinding): string {
  return h.labelled === undefined || h.labelled === h.bytes
    ? `${h.bytes} bytes`
    : `${h.labelled} of ${h.bytes} bytes`;
}

/** What the host or network obtained: the ledger's leaks of `label`, then the arrival. */
function hostFindings(
  view: MachineView,
  ledger: readonly LedgerEvent[],
  label: string,
  workflow: 'video' | 'text',
  roleOf: ReadonlyMap<number, Format>,
  nameOf: (rd: number) => string,
  gatewayRd: number | undefined,
  store: Uint8Array | undefined,
  inputIpa: number,
): HostFinding[] {
  const out: HostFinding[] = [];
  const ranges: LeakRange[] = [];
  const other = new Map<string, HostFinding>();
  const passage = declaredPassage(view.state);
  // The judge's one leak rule (policy/judge.ts `runLeaks`): what reached a host-visible place
  // other than by the declared gateway's sanitised exit, and what reached a realm the tenant
  // did not name (mica-spec §1.3 "any realm not named"), one finding per realm.
  const strangers = new Map<
    string,
    { first: LedgerEventOf<'flow'>; why: string; seqs: number[]; bytes: number }
  >();
  const realmName = realmNamer(view.state);
  for (const leak of runLeaks(ledger, passage, [label])) {
    const e = leak.event;
    if (leak.kind === 'stranger') {
      const to = realmName(e.destination.name);
      const seen = strangers.get(to);
      if (seen) {
        seen.seqs.push(e.seq);
        seen.bytes += e.bytes;
      } else strangers.set(to, { first: e, why: leak.why, seqs: [e.seq], bytes: e.bytes });
      continue;
    }
    const rdMatch = /^realm:(0x[0-9a-f]+)$/i.exec(e.source.name);
    const rd = rdMatch
      ? Number(rdMatch[1])
      : Number(
          Object.entries(view.state.rmm.realms).find(
            ([key]) => realmNameOf(view.state, Number(key)) === e.source.name,
          )?.[0] ?? NaN,
        );
    const pa = e.destination.address;
    if (e.destination.kind === 'memory' && pa !== undefined && !Number.isNaN(rd)) {
      // Adjacent or repeated stores into the same place are one range (the latest bytes count).
      const r = ranges.find((x) => x.rd === rd && pa <= x.end && pa + e.bytes >= x.pa);
      if (r) {
        r.pa = Math.min(r.pa, pa);
        r.end = Math.max(r.end, pa + e.bytes);
        r.seqs.push(e.seq);
      } else ranges.push({ rd, pa, end: pa + e.bytes, channel: e.channel, seqs: [e.seq] });
      continue;
    }
    // Registers, the console, the network: bytes that are not in memory the view can read.
    const key = `${e.source.name}|${e.destination.name}|${e.channel}`;
    const from = Number.isNaN(rd) ? e.source.name : nameOf(rd);
    const seen = other.get(key);
    other.set(key, {
      kind: 'leak',
      where: e.destination.name,
      path: `${from} → ${e.destination.name} (${e.channel}, flow #${e.seq})`,
      bytes: (seen?.bytes ?? 0) + e.bytes,
      format: 'bytes',
      frames: [],
      seqs: [...(seen?.seqs ?? []), e.seq],
    });
  }
  for (const r of ranges) {
    // What the host holds now: the bytes where they landed, read from physical memory.
    const bytes =
      readTranslated(
        view.state as Parameters<typeof readTranslated>[0],
        r.pa,
        r.end - r.pa,
        (at) => at,
      ) ?? new Uint8Array();
    const format: Format =
      workflow === 'text'
        ? 'text'
        : wholeRecords(bytes.length)
          ? 'records'
          : (roleOf.get(r.rd) ?? (bytes.length % RAW_FRAME_BYTES === 0 ? 'raw' : 'bytes'));
    const frames = numberFrames(decodeFrames(bytes, format), bytes, format, store);
    const last = r.seqs[r.seqs.length - 1]!;
    const labelled = labelSpans(
      view.state as Parameters<typeof labelSpans>[0],
      r.pa,
      r.end - r.pa,
    ).reduce((n, x) => n + (x.label === label ? x.length : 0), 0);
    out.push({
      kind: 'leak',
      where: `NS memory at PA ${hex(r.pa)}`,
      path: `${nameOf(r.rd)} → NS memory (${r.channel}, ${r.seqs.length} flow${r.seqs.length === 1 ? '' : 's'}, last #${last})`,
      bytes: bytes.length,
      labelled,
      format: frames.length > 0 || format === 'text' ? format : 'bytes',
      frames,
      ...(format === 'text'
        ? { text: textOf(bytes) }
        : frames.length === 0
          ? { hex: hexPairs(bytes) }
          : {}),
      seqs: r.seqs,
    });
  }
  out.push(...other.values());
  for (const [to, { first, why, seqs, bytes }] of strangers) {
    const flows =
      seqs.length === 1 ? `flow #${first.seq}` : `${seqs.length} flows, first #${first.seq}`;
    out.push({
      kind: 'leak',
      where: `realm ${to}`,
      path: `${realmName(first.source.name)} → ${to} (${first.channel}, ${flows}): ${why}`,
      bytes,
      format: 'bytes',
      frames: [],
      seqs,
    });
  }
  // The upload as it arrived: the gateway's receive buffer is NS memory (the NIC writes it).
  const gw = gatewayRd === undefined ? undefined : realmAt(view, gatewayRd);
  if (gw) {
    const ipa = inputIpa;
    const m = mapped(view, gw, ipa);
    const len = labelledExtent(view, gw, ipa, label);
    const visible = m && gpcAllows('NS', 'NS', view.gpiOf(m.pa));
    if (m && visible && len > 0) {
      const bytes = readRealm(view, gw, ipa, len) ?? new Uint8Array();
      const format: Format = workflow === 'video' ? 'raw' : 'text';
      out.push({
        kind: 'arrival',
        where: `the gateway's network receive buffer (NS memory at PA ${hex(m.pa)})`,
        path: `tenant → ${nameOf(gatewayRd!)} (tenant-input: the declared input, labelled ${label} where it arrives)`,
        bytes: len,
        format,
        frames: numberFrames(decodeFrames(bytes, format), bytes, format, store),
        ...(format === 'text' ? { text: textOf(bytes) } : {}),
        seqs: [],
      });
    }
  }
  return out;
}
