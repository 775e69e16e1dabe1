/**
 * The token inspector's model (lab-ux.md §3.1 item 2; cca-spec.md §6.1-6.3): a tree of named
 * nodes, one per CBOR item that means something (collection, COSE parts, claims, sw component
 * fields, COSE_Key labels), each with the absolute byte range [start, end) it occupies in the
 * token. The UI links hex bytes to claims both ways with `nodePathAt` (byte -> nodes) and a
 * node's `range` (node -> bytes); verifier checks carry the same `path` strings.
 *
 * Design rationale: byte strings that hold CBOR (the two COSE_Sign1s, their protected headers
 * and payloads, the RAK COSE_Key) are walked in place, so the ranges of nested items stay
 * offsets into the token itself. Anything that does not parse simply stays a leaf.
 */
import { toHex } from '../../lib/bytes.ts';
import {
  CCA_CMW_COLLECTION_TAG,
  CCA_PLATFORM_CLAIM_NAMES,
  CCA_PLATFORM_LIFECYCLE,
  CCA_PLATFORM_LIFECYCLE_STATES,
  CCA_PLATFORM_SW_COMPONENTS,
  CCA_PLATFORM_TOKEN,
  CCA_REALM_CLAIM_NAMES,
  CCA_REALM_DELEGATED_TOKEN,
  CCA_REALM_EXTENSIBLE_MEASUREMENTS,
  CCA_REALM_PUBLIC_KEY,
  CCA_SW_COMPONENT_FIELD_NAMES,
  CCA_TOKEN_COLLECTION_TAG,
  COSE_HEADER_ALG,
  COSE_KEY_EC2_CRV,
  COSE_KEY_EC2_X,
  COSE_KEY_EC2_Y,
  COSE_KEY_KTY,
  COSE_SIGN1_TAG,
} from '../abi/token.ts';
import { intOf, walkCbor, type ByteRange, type CborItem } from './cbor.ts';
import { algName } from './cose.ts';

/** One node of the inspector tree. */
export interface TokenNode {
  /** Human label: a claim's spec name, or a structural name ("platform token", "signature"). */
  readonly label: string;
  /** The map key or array index this node sits under, if any. */
  readonly key?: number | string;
  /** Stable path, e.g. `realm/payload/44238` or `platform/payload/2399/0/2`. */
  readonly path: string;
  /** Bytes of the whole node: key and value for a map entry, else the item. */
  readonly range: ByteRange;
  /** Bytes of the value item alone. */
  readonly valueRange: ByteRange;
  /** Short rendering of the value ("32 bytes 0d22e08a...", "\"sha-256\"", "0x3003 (secured)"). */
  readonly summary: string;
  readonly children: readonly TokenNode[];
}

type Schema =
  | 'root'
  | 'collection'
  | 'cose'
  | 'header'
  | 'platform-claims'
  | 'realm-claims'
  | 'sw-components'
  | 'sw-component'
  | 'rems'
  | 'cose-key'
  | 'plain';

const COSE_KEY_LABELS: Readonly<Record<number, string>> = {
  [COSE_KEY_KTY]: 'kty',
  [COSE_KEY_EC2_CRV]: 'crv',
  [COSE_KEY_EC2_X]: 'x',
  [COSE_KEY_EC2_Y]: 'y',
};

/**
 * Builds the inspector tree of a token (or of any CBOR, with generic labels). Returns
 * undefined only when the bytes are not well-formed CBOR at all.
 */
export function inspectToken(bytes: Uint8Array): TokenNode | undefined {
  const walked = walkCbor(bytes);
  if (!walked.ok) return undefined;
  return node(bytes, walked.item, 'token', 'token', 'root', undefined, [
    walked.item.start,
    walked.item.end,
  ]);
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Summary of one item's value. */
function summarize(item: CborItem): string {
  switch (item.kind) {
    case 'bstr': {
      const hex = toHex(item.value.subarray(0, 16));
      return `${item.value.length} bytes ${hex}${item.value.length > 16 ? '...' : ''}`;
    }
    case 'tstr':
      return JSON.stringify(item.value);
    case 'uint':
    case 'nint':
      return String(item.value);
    case 'array':
      return plural(item.items.length, 'item');
    case 'map':
      return plural(item.entries.length, 'entry', 'entries');
    case 'tag':
      return `tag ${String(item.tag)}`;
    case 'float':
    case 'simple':
      return String(item.value);
  }
}

function keyOf(item: CborItem): number | string {
  const n = intOf(item);
  if (n !== undefined) return n;
  return item.kind === 'tstr' ? item.value : summarize(item);
}

/** Walks a byte string's content in place; undefined if it is not exactly one CBOR item. */
function inner(bytes: Uint8Array, item: CborItem): CborItem | undefined {
  if (item.kind !== 'bstr' || !item.definite || item.value.length === 0) return undefined;
  const walked = walkCbor(bytes, item.headerEnd, item.end);
  return walked.ok ? walked.item : undefined;
}

function node(
  bytes: Uint8Array,
  item: CborItem,
  label: string,
  path: string,
  schema: Schema,
  key: number | string | undefined,
  range: ByteRange,
): TokenNode {
  const valueRange: ByteRange = [item.start, item.end];
  let summary = summarize(item);
  const children: TokenNode[] = [];
  // Paths must stay unique even in hostile tokens that repeat a key: the UI keys nodes by path.
  const used = new Set<string>();
  const uniq = (p: string): string => {
    let candidate = p;
    for (let n = 2; used.has(candidate); n++) candidate = `${p}#${n}`;
    used.add(candidate);
    return candidate;
  };
  const child = (it: CborItem, l: string, k: number | string, s: Schema, r?: ByteRange): void => {
    children.push(node(bytes, it, l, uniq(`${path}/${k}`), s, k, r ?? [it.start, it.end]));
  };

  if (schema === 'root' && item.kind === 'tag') {
    const form =
      item.tag === CCA_TOKEN_COLLECTION_TAG
        ? 'RMM 1.0 CCA token collection'
        : item.tag === CCA_CMW_COLLECTION_TAG
          ? 'RMM 1.1 CMW collection'
          : 'unknown tag';
    summary = `tag ${String(item.tag)} (${form})`;
    const content = item.content;
    if (content.kind === 'map') {
      for (const { key: k, value } of content.entries) {
        const kk = keyOf(k);
        const which =
          kk === CCA_PLATFORM_TOKEN
            ? 'platform'
            : kk === CCA_REALM_DELEGATED_TOKEN
              ? 'realm'
              : String(kk);
        const labelFor =
          kk === CCA_PLATFORM_TOKEN
            ? 'platform token (44234)'
            : kk === CCA_REALM_DELEGATED_TOKEN
              ? 'realm delegated token (44241)'
              : `unknown entry ${String(kk)}`;
        children.push(
          node(bytes, value, labelFor, uniq(which), 'collection', kk, [k.start, value.end]),
        );
      }
    }
  } else if (schema === 'collection') {
    // 1.0: the value is the bstr holding the COSE_Sign1; 1.1: it is [263, bstr]. In both forms
    // the COSE parts become direct children, so paths (platform/payload/10...) are the same
    // and unique; bytes of the headers in between belong to this node.
    let holder: CborItem | undefined = item;
    if (item.kind === 'array') {
      const [format, inner1] = item.items;
      if (format) child(format, 'content format', 0, 'plain');
      holder = inner1;
    }
    const cose = holder ? inner(bytes, holder) : undefined;
    if (cose) {
      const sub = node(bytes, cose, 'COSE_Sign1', path, 'cose', undefined, [cose.start, cose.end]);
      children.push(...sub.children);
      summary = `${summary}; ${sub.summary}`;
    }
  } else if (schema === 'cose') {
    const tagged = item.kind === 'tag' && item.tag === COSE_SIGN1_TAG;
    const array = item.kind === 'tag' ? item.content : item;
    summary = `${tagged ? 'COSE_Sign1_Tagged (tag 18)' : 'COSE_Sign1'}`;
    if (array.kind === 'array' && array.items.length === 4) {
      const [prot, unprot, payload, sig] = array.items as [CborItem, CborItem, CborItem, CborItem];
      const claims = path.startsWith('realm') ? 'realm-claims' : 'platform-claims';
      child(prot, 'protected header', 'protected', 'header');
      child(unprot, 'unprotected header', 'unprotected', 'plain');
      child(payload, 'payload (claims)', 'payload', claims);
      child(sig, 'signature', 'signature', 'plain');
    }
  } else if (schema === 'header' || schema === 'platform-claims' || schema === 'realm-claims') {
    const map = inner(bytes, item);
    if (map?.kind === 'map') {
      for (const { key: k, value } of map.entries) {
        const kk = keyOf(k);
        const names = schema === 'realm-claims' ? CCA_REALM_CLAIM_NAMES : CCA_PLATFORM_CLAIM_NAMES;
        const name =
          schema === 'header'
            ? kk === COSE_HEADER_ALG
              ? 'alg'
              : `label ${String(kk)}`
            : typeof kk === 'number'
              ? (names[kk] ?? `unknown claim ${kk}`)
              : `unknown claim "${kk}"`;
        let sub: Schema = 'plain';
        if (schema === 'realm-claims' && kk === CCA_REALM_EXTENSIBLE_MEASUREMENTS) sub = 'rems';
        if (schema === 'realm-claims' && kk === CCA_REALM_PUBLIC_KEY) sub = 'cose-key';
        if (schema === 'platform-claims' && kk === CCA_PLATFORM_SW_COMPONENTS)
          sub = 'sw-components';
        const built = node(
          bytes,
          value,
          `${name} (${String(kk)})`,
          uniq(`${path}/${String(kk)}`),
          sub,
          kk,
          [k.start, value.end],
        );
        children.push(decorate(built, schema, kk, value));
      }
      summary = `${summary}; ${plural(map.entries.length, 'entry', 'entries')}`;
    }
  } else if (schema === 'rems' && item.kind === 'array') {
    item.items.forEach((rem, i) => child(rem, `REM${i}`, i, 'plain'));
  } else if (schema === 'sw-components' && item.kind === 'array') {
    item.items.forEach((c, i) => {
      const type = c.kind === 'map' ? c.entries.find((e) => intOf(e.key) === 1)?.value : undefined;
      child(c, `component ${i}${type?.kind === 'tstr' ? ` ${type.value}` : ''}`, i, 'sw-component');
    });
  } else if (schema === 'sw-component' && item.kind === 'map') {
    for (const { key: k, value } of item.entries) {
      const kk = keyOf(k);
      const name =
        typeof kk === 'number' ? (CCA_SW_COMPONENT_FIELD_NAMES[kk] ?? `field ${kk}`) : String(kk);
      child(value, `${name} (${String(kk)})`, kk, 'plain', [k.start, value.end]);
    }
  } else if (schema === 'cose-key') {
    const map = inner(bytes, item);
    if (map?.kind === 'map') {
      summary = `${summary}; COSE_Key`;
      for (const { key: k, value } of map.entries) {
        const kk = keyOf(k);
        const name = typeof kk === 'number' ? (COSE_KEY_LABELS[kk] ?? `label ${kk}`) : String(kk);
        child(value, `${name} (${String(kk)})`, kk, 'plain', [k.start, value.end]);
      }
    } else if (item.kind === 'bstr' && item.value.length === 97 && item.value[0] === 0x04) {
      summary = `${summary}; raw SEC1 P-384 point (pre-rel0)`;
    }
  }
  return {
    label,
    ...(key === undefined ? {} : { key }),
    path,
    range,
    valueRange,
    summary,
    children,
  };
}

/** Adds meaning to summaries where a bare number says little. */
function decorate(
  built: TokenNode,
  schema: Schema,
  key: number | string,
  value: CborItem,
): TokenNode {
  if (schema === 'header' && key === COSE_HEADER_ALG) {
    return { ...built, summary: algName(intOf(value)) };
  }
  if (schema === 'platform-claims' && key === CCA_PLATFORM_LIFECYCLE) {
    const n = intOf(value);
    if (n !== undefined) {
      const state = CCA_PLATFORM_LIFECYCLE_STATES[n >> 8] ?? 'undefined range';
      return { ...built, summary: `0x${n.toString(16).padStart(4, '0')} (${state})` };
    }
  }
  return built;
}

/**
 * The chain of nodes from the root down to the deepest node whose range contains `offset`:
 * the hex view calls this to highlight the claim a hovered byte belongs to.
 */
export function nodePathAt(root: TokenNode, offset: number): TokenNode[] {
  const chain: TokenNode[] = [];
  let current: TokenNode | undefined = root;
  while (current && offset >= current.range[0] && offset < current.range[1]) {
    chain.push(current);
    current = current.children.find((c) => offset >= c.range[0] && offset < c.range[1]);
  }
  return chain;
}

/** Finds a node by its path (as used in verifier checks), or undefined. */
export function findNode(root: TokenNode, path: string): TokenNode | undefined {
  if (root.path === path) return root;
  for (const c of root.children) {
    if (path === c.path || path.startsWith(`${c.path}/`)) {
      const found = findNode(c, path);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Renders the tree for a terminal, one node per line, indented by depth:
 * `[1849..1886) cca-realm-initial-measurement (44238): 32 bytes a0a1a2...`.
 */
export function formatTree(root: TokenNode, maxDepth = Infinity): string {
  const lines: string[] = [];
  const visit = (n: TokenNode, depth: number): void => {
    const range = `[${n.range[0]}..${n.range[1]})`;
    lines.push(`${'  '.repeat(depth)}${range} ${n.label}: ${n.summary}`);
    if (depth < maxDepth) for (const c of n.children) visit(c, depth + 1);
  };
  visit(root, 0);
  return `${lines.join('\n')}\n`;
}
