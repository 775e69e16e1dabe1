/**
 * The token inspector's model: which token to show, the verifier's report on it, and the
 * helpers that link bytes and claims both ways (the emulator's inspector tree carries the
 * byte range of every claim; see src/emulator/attest/inspect.ts).
 *
 * The token is the CCA attestation token the RMM would return to the realm for a given
 * challenge (RSI_ATTESTATION_TOKEN_INIT/CONTINUE): the platform token from EL3 plus a realm
 * token over the realm's RPV, RIM, REMs and hash algorithm, signed with the lab's sample
 * RAK and CPAK. Every verdict comes from the lab's one relying party (emulator
 * host/relying-party.ts): the realm's last token is appraised exactly as the host terminal
 * and the Chain tab appraise it (recorded challenge, lab anchor, the realm's reference
 * values), so the three views show one verdict; a flipped byte shows which check catches it.
 */
import {
  LAB_ANCHOR_NAME,
  appraise,
  appraiseLastToken,
  attest,
  type Appraisal,
  type MachineState,
} from '../../emulator/index.ts';
import { fromHex, utf8 } from '../../lib/bytes.ts';

/** What a token is issued for: a realm's measured identity. */
export interface TokenSubject {
  /** RD of the realm, when it is one of the machine's realms. */
  readonly rd?: number;
  readonly title: string;
  readonly hashAlgo: attest.RealmHashAlgo;
  /** 64-byte values as hex (RIM and REMs zero-extended, as the RMM stores them). */
  readonly rpv: string;
  readonly rim: string;
  readonly rems: readonly string[];
}

/** The relying party's nonce for the lab's tokens: 64 bytes, readable in the hex view. */
export const LAB_CHALLENGE: Uint8Array = (() => {
  const bytes = new Uint8Array(64);
  bytes.set(utf8('Mica Lab verifier nonce #1').subarray(0, 64));
  return bytes;
})();

const ZERO64 = '00'.repeat(64);

/** A stand-in subject when the machine has no realm yet. */
export const SAMPLE_SUBJECT: TokenSubject = {
  title: 'sample realm (no realm in the machine yet)',
  hashAlgo: 'sha-256',
  rpv: ZERO64,
  rim: `${'5a'.repeat(32)}${'00'.repeat(32)}`,
  rems: [ZERO64, ZERO64, ZERO64, ZERO64],
};

function bytesOf(hex: string): Uint8Array {
  return fromHex(hex) ?? new Uint8Array(64);
}

/** The token the RMM would issue for `subject` and `challenge`. */
export function issueToken(subject: TokenSubject, challenge = LAB_CHALLENGE): Uint8Array {
  return attest.buildCcaToken({
    challenge,
    rpv: bytesOf(subject.rpv),
    rim: bytesOf(subject.rim),
    rems: subject.rems.map(bytesOf),
    hashAlgo: subject.hashAlgo,
  });
}

/** Reference values a relying party that knows `subject` holds (RIM, RPV, lab firmware). */
function subjectReferences(subject: TokenSubject): attest.ReferenceValues {
  return {
    rim: attest.significantBytes(bytesOf(subject.rim), subject.hashAlgo),
    rpv: bytesOf(subject.rpv),
    swComponents: attest.LAB_PLATFORM_SW_COMPONENTS.map((c) => ({
      measurement: c.measurement,
      signerId: c.signerId,
      ...(c.type !== undefined ? { type: c.type } : {}),
    })),
  };
}

/**
 * The appraisal of a token the tab issued itself for `subject` and `LAB_CHALLENGE`: the
 * relying party's call ({@link appraise}) with that challenge, the lab anchor and the
 * subject's reference values. `bytes` may be a tampered copy.
 */
export function issuedAppraisal(bytes: Uint8Array, subject: TokenSubject): Appraisal {
  return appraise({
    token: bytes,
    challenge: LAB_CHALLENGE,
    anchor: attest.TEST_CPAK_PUBLIC,
    referenceValues: subjectReferences(subject),
    inputs: {
      anchor: LAB_ANCHOR_NAME,
      challenge: 'the nonce this tab issued the token for',
      reference: `RIM and RPV of ${subject.title}; the lab platform's firmware`,
    },
  });
}

/**
 * The appraisal of the realm's last token (the same call as the host's "attest verify last"
 * and the Chain tab): with the challenge the realm recorded, unless the learner typed
 * another `nonce` ('' = none known), and with `bytes` in place of the token if tampered.
 */
export function lastTokenAppraisal(
  state: MachineState,
  options: { readonly bytes?: Uint8Array; readonly nonce?: string } = {},
): Appraisal | undefined {
  const { bytes, nonce } = options;
  const challenge = nonce === undefined ? undefined : (parseNonce(nonce) ?? null);
  return appraiseLastToken(state, {
    ...(bytes ? { token: bytes } : {}),
    ...(challenge !== undefined ? { challenge } : {}),
  });
}

/**
 * The 64-byte challenge a realm sent for `text` as typed after "attest" in a realm
 * terminal: hex digits, left-aligned and zero-padded. Undefined when empty or not hex.
 */
export function parseNonce(text: string): Uint8Array | undefined {
  const hex = text.trim().replace(/^0x/i, '');
  if (hex === '' || nonceProblem(text) !== undefined) return undefined;
  const bytes = fromHex(hex.length % 2 ? `${hex}0` : hex);
  if (!bytes) return undefined;
  const out = new Uint8Array(64);
  out.set(bytes);
  return out;
}

/** Hex digits in the longest nonce: a realm challenge is 64 bytes (cca-spec.md §4.1). */
const NONCE_MAX_DIGITS = 128;

/**
 * Why `text`, typed as a nonce, is not one (parseNonce refuses it), saying where; undefined
 * when it is one or is empty (no nonce known). A typed nonce that cannot be read is never
 * taken silently for "none": the inspector says so beside the field.
 */
export function nonceProblem(text: string): string | undefined {
  const trimmed = text.trim();
  const prefix = /^0x/i.test(trimmed) ? 2 : 0;
  const digits = trimmed.slice(prefix);
  if (trimmed === '') return undefined;
  if (digits === '') return 'no hex digits after "0x"';
  const bad = digits.search(/[^0-9a-f]/i);
  if (bad >= 0)
    return `${JSON.stringify(digits[bad])} at character ${prefix + bad + 1} is not a hex digit`;
  if (digits.length > NONCE_MAX_DIGITS)
    return `${digits.length} hex digits; a challenge is at most 64 bytes (${NONCE_MAX_DIGITS} digits)`;
  return undefined;
}

/**
 * The recorded challenge as the learner would type it: its hex without the zero padding
 * (parseNonce pads it back to the same 64 bytes); '' when none was recorded.
 */
export function recordedNonce(challengeHex: string | undefined): string {
  if (!challengeHex) return '';
  const trimmed = challengeHex.replace(/(00)+$/, '');
  return trimmed === '' ? '00' : trimmed;
}

/** Hex of the RIM digest carried by a token, read through the inspector tree. */
export function tokenRim(
  bytes: Uint8Array,
  tree: attest.TokenNode | undefined,
): string | undefined {
  const find = (n: attest.TokenNode): attest.TokenNode | undefined =>
    n.path === 'realm/payload/44238' ? n : n.children.map(find).find(Boolean);
  const node = tree ? find(tree) : undefined;
  if (!node) return undefined;
  const [start, end] = node.valueRange;
  // A 32- or 64-byte bstr: the digest is the value's last bytes (after the CBOR header).
  const size = end - start > 64 ? 64 : 32;
  return Array.from(bytes.subarray(end - size, end), hexByte).join('');
}

/** `bytes` with byte `offset` XORed with `mask` (a tampering experiment). */
export function flipByte(bytes: Uint8Array, offset: number, mask = 0x01): Uint8Array {
  const copy = bytes.slice();
  if (offset >= 0 && offset < copy.length) copy[offset]! ^= mask;
  return copy;
}

/** One row of the tree view. */
export interface TreeRow {
  readonly node: attest.TokenNode;
  readonly depth: number;
  readonly hasChildren: boolean;
}

/** The tree flattened in display order, skipping children of collapsed nodes. */
export function treeRows(root: attest.TokenNode, collapsed: ReadonlySet<string>): TreeRow[] {
  const rows: TreeRow[] = [];
  const visit = (node: attest.TokenNode, depth: number) => {
    rows.push({ node, depth, hasChildren: node.children.length > 0 });
    if (collapsed.has(node.path)) return;
    for (const c of node.children) visit(c, depth + 1);
  };
  visit(root, 0);
  return rows;
}

/** Paths collapsed at first: the platform's software components (long and rarely read). */
export function initialCollapsed(root: attest.TokenNode): ReadonlySet<string> {
  const collapsed = new Set<string>();
  const visit = (node: attest.TokenNode) => {
    if (/^platform\/payload\/2399\/\d+$/.test(node.path) || node.path === 'platform/protected') {
      collapsed.add(node.path);
    }
    node.children.forEach(visit);
  };
  visit(root);
  return collapsed;
}

/** `set` with `path` toggled (a new set). */
export function toggled(set: ReadonlySet<string>, path: string): ReadonlySet<string> {
  const next = new Set(set);
  if (next.has(path)) next.delete(path);
  else next.add(path);
  return next;
}

/** The ancestors' paths of `path` (so a selected node can be revealed). */
export function ancestorsOf(root: attest.TokenNode, offset: number): string[] {
  return attest.nodePathAt(root, offset).map((n) => n.path);
}

/** The deepest node containing byte `offset`. */
export function nodeAt(root: attest.TokenNode, offset: number): attest.TokenNode | undefined {
  return attest.nodePathAt(root, offset).at(-1);
}

/** Rows of the hex view: 16 bytes each. */
export const HEX_WIDTH = 16;

export function hexByte(b: number): string {
  return b.toString(16).padStart(2, '0');
}

export function offsetLabel(offset: number): string {
  return offset.toString(16).padStart(4, '0');
}
