/**
 * What the monitor would say about a policy before it is uploaded (mica-spec.md §3.3 steps
 * 4-5, §2.5-§2.7): the identity check of §8 item 3 and the agreement check against every
 * registered peer, run with the monitor's own functions over the machine's current state. The
 * policy editor shows it as a diff against the neighbours' accepted copies: which object (or
 * VM, or CF rule), which field, whose copy, and both copies of the object side by side.
 *
 * Design rationale: no second agreement implementation. The preview calls `identityRefusals`
 * and `validateUpload` on `agreementStateOf`, exactly what RSI_UPLOAD_POLICY calls, and lists
 * every refusal (the monitor logs only the first). The SGT checks (every page faulted in, one
 * physical page everywhere) need the upload itself and are left to it; the preview says so.
 */
import type { MachineState } from '../../emulator/index.ts';
import { validateUpload, type Refusal } from '../agreement.ts';
import { formatPolicyText } from '../format.ts';
import type { Policy } from '../model.ts';
import { agreementStateOf, identityRefusals } from './upload.ts';
import { micaOf, policyOf } from './state.ts';
import { hex } from '../../lib/hex.ts';

/** A neighbour whose accepted policy the preview compared against. */
export interface PreviewPeer {
  readonly name: string;
  readonly policy: Policy;
}

/** One disagreement, with the two copies of what it is about. */
export interface PreviewDifference {
  readonly refusal: Refusal;
  /** The uploader's copy of the object, VM or rule the refusal names (dialect-C text). */
  readonly mine: string;
  /** The neighbour's copy, when the refusal names a neighbour that holds one. */
  readonly theirs?: string;
}

/** The monitor's answer-to-be. */
export type UploadPreview =
  | { readonly kind: 'no-monitor' }
  | { readonly kind: 'no-realm'; readonly realm: string }
  | { readonly kind: 'already-uploaded'; readonly realm: string }
  | {
      readonly kind: 'checked';
      readonly realm: string;
      /** The neighbours with accepted policies, in upload order. */
      readonly peers: readonly PreviewPeer[];
      readonly differences: readonly PreviewDifference[];
    };

/**
 * The top-level block of `text` (dialect C as formatPolicyText writes it) whose key is `name`:
 * `"Mem2": { … }` or the one-line `"VM2": { … }` entry. Empty when the file has none.
 */
export function policyBlock(policy: Policy, name: string): string {
  const lines = formatPolicyText(policy).split('\n');
  const start = lines.findIndex((l) => l.startsWith(`  "${name}":`));
  if (start < 0) return '';
  if (lines[start]!.trimEnd().endsWith('{')) {
    const end = lines.findIndex((l, i) => i > start && /^ {2}\}/.test(l));
    return lines
      .slice(start, end < 0 ? undefined : end + 1)
      .join('\n')
      .replace(/,$/, '');
  }
  return lines[start]!.replace(/,$/, '');
}

/** The key a refusal's difference is about: a VM for flag fields, else the object or rule. */
function subjectOf(r: Refusal): string | undefined {
  const vm = /^(VM\w*)\.(is-gateway|strict|hash)$/.exec(r.field ?? '');
  return vm ? vm[1] : r.object;
}

/**
 * Previews an upload of `policy` by the realm whose RD is `rd`: every refusal the identity and
 * agreement checks give against the accepted policies on `state`, each with both copies.
 */
export function previewUpload(
  state: Readonly<MachineState>,
  rd: number,
  policy: Policy,
): UploadPreview {
  const m = micaOf(state);
  if (!m) return { kind: 'no-monitor' };
  const r = m.realms[hex(rd)];
  const rim = state.rmm.realms[hex(rd)]?.rim;
  if (!r || rim === undefined) return { kind: 'no-realm', realm: hex(rd) };
  if (r.uploaded) return { kind: 'already-uploaded', realm: r.name };
  const agreement = agreementStateOf(m);
  const identity = identityRefusals(m, r.name, rim, policy);
  const refusals =
    identity.length > 0 ? identity : validateUpload(agreement, { policy, name: r.name }).refusals;
  const peers = agreement.registered.map((p) => ({
    name: p.name ?? p.policy.vms[p.policy.self]?.name ?? '?',
    policy: p.policy,
  }));
  const differences = refusals.map((refusal) => {
    const subject = subjectOf(refusal);
    const peer = peers.find((p) => p.name === refusal.peer);
    const theirs = subject && peer ? policyBlock(peer.policy, subject) : '';
    return {
      refusal,
      mine: subject ? policyBlock(policy, subject) : '',
      ...(theirs ? { theirs } : {}),
    };
  });
  return { kind: 'checked', realm: r.name, peers, differences };
}

/** The accepted policy of every realm that has one, in upload order (for the editor's loader). */
export function acceptedPolicies(state: Readonly<MachineState>): PreviewPeer[] {
  const m = micaOf(state);
  if (!m) return [];
  return Object.values(m.realms)
    .filter((r) => r.uploaded)
    .sort((a, b) => a.order - b.order)
    .flatMap((r) => {
      const policy = policyOf(r);
      return policy ? [{ name: r.name, policy }] : [];
    });
}
