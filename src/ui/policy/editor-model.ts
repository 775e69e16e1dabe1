/**
 * The policy editor's model (no DOM): a draft per realm, the parser's located diagnostics
 * turned into underlined ranges (mica-spec.md §2.1-§2.4: the same parser the realm terminal's
 * `policy upload` and the monitor use), what the editor can load (an example's file for the
 * realm, bound as `policy show` binds it; a neighbour's accepted policy) and the realm line an
 * upload becomes (`@<realm> policy upload '<text>'`, typed into that realm's terminal).
 *
 * Design rationale: the editor never uploads by itself. Its text becomes a realm-terminal line,
 * so the upload is the terminal's upload: same prefaults, same RSI_UPLOAD_POLICY, same
 * transcript, undo, lesson recording and ledger.
 */
import type { Machine, MachineState } from '../../emulator/index.ts';
import { hex } from '../../lib/hex.ts';
import {
  WORKFLOW_EXAMPLES,
  acceptedPolicies,
  formatPolicyText,
  micaOf,
  parsePolicy,
  previewUpload,
  type Policy,
  type UploadPreview,
} from '../../policy/index.ts';
import {
  NO_WITHHOLDING,
  examplePolicyText,
  policyUploadLine,
  withholds,
  type Withholding,
} from '../../shell/index.ts';
import { browserStorage, type StorageBackend } from '../persist/storage.ts';

/** One located problem of the draft, with the characters it underlines. */
export interface DraftProblem {
  readonly severity: 'error' | 'warning';
  readonly line: number;
  readonly column: number;
  /** The parser's full sentence (`3:14 Mem2.size: expected …, found …`). */
  readonly message: string;
  /** Offsets into the text, [from, to). */
  readonly from: number;
  readonly to: number;
}

/** The draft as the parser reads it. */
export interface DraftCheck {
  readonly policy?: Policy;
  readonly problems: readonly DraftProblem[];
}

/** Characters that end the token an error points at. */
const TOKEN_END = /[\s,:{}[\]]/;

/** Offset of 1-based line:column in `text` (clamped to the text). */
export function offsetOf(text: string, line: number, column: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', at);
    if (nl < 0) return text.length;
    at = nl + 1;
  }
  return Math.min(at + Math.max(column - 1, 0), text.length);
}

/** The range an error at `from` underlines: its token (a quoted string whole), at least 1 char. */
function tokenRange(text: string, from: number): [number, number] {
  if (from >= text.length) return [Math.max(text.length - 1, 0), text.length];
  let to = from + 1;
  if (text[from] === '"') {
    const close = text.indexOf('"', from + 1);
    to = close < 0 || text.slice(from, close).includes('\n') ? from + 1 : close + 1;
  } else {
    while (to < text.length && !TOKEN_END.test(text[to]!)) to++;
  }
  return [from, to];
}

/**
 * Parses the draft and locates every diagnostic, listed top to bottom as the text reads (the
 * parser reports a file's shape before what its fields mean: a rule's unknown owner came after
 * the errors on the lines below it).
 */
export function checkDraft(text: string): DraftCheck {
  const parsed = parsePolicy(text);
  const diagnostics = (parsed.ok ? parsed.warnings : [...parsed.errors, ...parsed.warnings])
    .slice()
    .sort((a, b) => a.line - b.line || a.column - b.column);
  const problems = diagnostics.map((d) => {
    const [from, to] = tokenRange(text, offsetOf(text, d.line, d.column));
    return {
      severity: d.severity,
      line: d.line,
      column: d.column,
      message: d.message,
      from,
      to,
    };
  });
  return parsed.ok ? { policy: parsed.policy, problems } : { problems };
}

/** A run of the draft's text, underlined when a problem covers it. */
export interface Segment {
  readonly text: string;
  readonly severity?: 'error' | 'warning';
}

/** Splits `text` at the problems' ranges (errors win over warnings where they overlap). */
export function segments(text: string, problems: readonly DraftProblem[]): Segment[] {
  const marks: ('error' | 'warning' | undefined)[] = new Array<'error' | 'warning' | undefined>(
    text.length,
  );
  for (const p of problems) {
    for (let i = p.from; i < p.to && i < text.length; i++) {
      if (marks[i] !== 'error') marks[i] = p.severity;
    }
  }
  const out: Segment[] = [];
  let start = 0;
  for (let i = 1; i <= text.length; i++) {
    if (i === text.length || marks[i] !== marks[start]) {
      const severity = marks[start];
      out.push(
        severity ? { text: text.slice(start, i), severity } : { text: text.slice(start, i) },
      );
      start = i;
    }
  }
  return out;
}

/** Something the editor can load into the draft. */
export interface LoadOption {
  /** Stable key for the select. */
  readonly id: string;
  readonly label: string;
  /** The text to load, or why it cannot be. */
  readonly text: () => { ok: true; text: string } | { ok: false; error: string };
}

/**
 * What the editor offers to load for `realm`: every example with a realm of that name (its file,
 * labels bound as `policy show` binds them) unless the lesson withholds that realm's files, and
 * every other realm's accepted policy, as `state` (the machine's, read through a tracking getter
 * in the page) holds them.
 */
export function loadOptions(
  machine: Machine,
  state: Readonly<MachineState>,
  realm: string,
  withheld: Withholding = NO_WITHHOLDING,
): LoadOption[] {
  const examples = WORKFLOW_EXAMPLES.filter(
    (e) =>
      e.realms.some((r) => r.name.toLowerCase() === realm) && !withholds(withheld, e.id, realm),
  ).map((e) => ({
    id: `example:${e.id}`,
    label: `${e.id}: ${realm}'s file`,
    text: () => examplePolicyText(machine, realm, e.id),
  }));
  const accepted = acceptedPolicies(state)
    .filter((p) => p.name !== realm)
    .map((p) => ({
      id: `accepted:${p.name}`,
      label: `${p.name}'s accepted policy`,
      text: () => ({ ok: true as const, text: formatPolicyText(p.policy) }),
    }));
  return [...examples, ...accepted];
}

/** RD of the VMM's realm `name`, if it exists. */
export function realmRd(state: Readonly<MachineState>, name: string): number | undefined {
  return state.host?.realms[name]?.rd;
}

/**
 * The realm the editor opens on: the first of `names` that holds no accepted policy yet (the
 * one a lesson asks the learner to write: 04-mica/01's encoder, where the gateway had uploaded
 * and the editor opened on it, refusing the upload), else the first.
 */
export function realmToEdit(state: Readonly<MachineState>, names: readonly string[]): string {
  const monitor = micaOf(state);
  const accepted = (name: string) => {
    const rd = realmRd(state, name);
    return rd !== undefined && (monitor?.realms[hex(rd)]?.order ?? 0) > 0;
  };
  return names.find((n) => !accepted(n)) ?? names[0] ?? '';
}

/** The monitor's preview of uploading `policy` into `realm` (undefined: no such realm). */
export function previewFor(
  state: Readonly<MachineState>,
  realm: string,
  policy: Policy,
): UploadPreview | undefined {
  const rd = realmRd(state, realm);
  return rd === undefined ? undefined : previewUpload(state, rd, policy);
}

/**
 * What the editor says when `realm` already holds an accepted policy: one upload per realm
 * (upload:one-shot, mica-spec.md §3.3), so another file needs the realm rebuilt under the same
 * name and options (same RIM, same label) with its windows plugged in again. Undo takes the
 * upload back only when the learner made it: outside a lesson (`startSeq` undefined), or
 * `acceptedSeq` (the ledger event that accepted it) after `startSeq` (where the lesson's setup
 * ended). An upload the lesson's setup made is part of its start, which Undo and Reset lesson
 * both keep.
 */
export function oneShotAdvice(
  realm: string,
  acceptedSeq: number | undefined,
  startSeq: number | undefined,
): string {
  const redeploy = `redeploy ${realm} (host terminal: realm destroy ${realm}, realm create ${realm} with the same options, mica share its windows again), then upload`;
  const head = `${realm} already holds an accepted policy: one upload per realm (upload:one-shot, §3.3).`;
  return startSeq === undefined || (acceptedSeq !== undefined && acceptedSeq > startSeq)
    ? `${head} To upload another, Undo (Alt+Z) back to before that upload, or ${redeploy}; your text stays here.`
    : `${head} That upload was part of the lesson's start, so Undo and Reset keep it: ${redeploy}; your text stays here.`;
}

/** The line the upload types into the host terminal's router: `@<realm> policy upload '…'`. */
export function uploadStep(realm: string, text: string): string {
  return `@${realm} ${policyUploadLine(text)}`;
}

/** A blank file to start from: the root keys every policy needs (§2.1). */
export const STARTER = `{
  "Self": "VM1",
  "VM1": { "hash": 0x0, "is-gateway": false, "strict": true }
}
`;

/** Where the editor's drafts live in the browser; the suffix is the layout version. */
export const DRAFTS_KEY = 'mica-lab/policy-drafts/v1';
/** The longest draft kept (a policy's text is a few KiB; a pasted file may be more). */
export const DRAFT_MAX_CHARS = 0x10000;
/** Drafts kept at most; the least recently written goes first. */
export const DRAFTS_MAX = 64;

/**
 * The editor's drafts, one per realm name and lesson (`scope`: a lesson id, or `sandbox`),
 * written to storage as they are typed so that a reload or a closed tab loses nothing the
 * learner typed. A draft that is only the starter text is not kept. What storage holds is
 * read defensively: anything but string drafts is ignored, never thrown.
 */
export class PolicyDrafts {
  readonly #backend: StorageBackend | undefined;
  /** `<scope> <realm>` -> text, least recently written first. */
  readonly #drafts = new Map<string, string>();

  constructor(backend: StorageBackend | undefined = browserStorage()) {
    this.#backend = backend;
    let stored: unknown;
    try {
      stored = JSON.parse(backend?.getItem(DRAFTS_KEY) ?? '{}');
    } catch {
      stored = {};
    }
    if (stored !== null && typeof stored === 'object' && !Array.isArray(stored))
      for (const [key, text] of Object.entries(stored))
        if (typeof text === 'string' && text.length <= DRAFT_MAX_CHARS) this.#drafts.set(key, text);
  }

  /** The draft of `realm` in `scope`, if one was kept. */
  get(scope: string, realm: string): string | undefined {
    return this.#drafts.get(`${scope} ${realm}`);
  }

  /** Keeps `text` as the draft of `realm` in `scope` and writes the drafts to storage. */
  set(scope: string, realm: string, text: string): void {
    const key = `${scope} ${realm}`;
    if (this.#drafts.get(key) === text) return;
    this.#drafts.delete(key);
    if (text !== STARTER && text.length <= DRAFT_MAX_CHARS) this.#drafts.set(key, text);
    while (this.#drafts.size > DRAFTS_MAX) this.#drafts.delete(this.#drafts.keys().next().value!);
    try {
      this.#backend?.setItem(DRAFTS_KEY, JSON.stringify(Object.fromEntries(this.#drafts)));
    } catch {
      // Storage full or refused: the drafts stay in memory for this page.
    }
  }
}

const drafts = new WeakMap<object, PolicyDrafts>();

/** The drafts of one lab's page (read from storage the first time). */
export function draftsOf(lab: object): PolicyDrafts {
  let d = drafts.get(lab);
  if (!d) drafts.set(lab, (d = new PolicyDrafts()));
  return d;
}
