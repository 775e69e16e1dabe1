/**
 * Bytes handed to the token inspector by another view (the Chain tab's "show the bytes"):
 * a token, possibly tampered, with the report and verdict that view already has for it and
 * the inspector path to pin. One per lab (`handoffOf(lab)`), like the lesson and demo state.
 *
 * Design rationale: the inspector never appraises a handed-over token itself. A group token
 * is judged by the group verifier with the tenant's inputs, which the inspector does not
 * have; so it shows the bytes, the decoded claims and the checks it was given, with the
 * verdict it was given, in the one vocabulary (emulator attest/verdict.ts).
 */
import type { attest } from '../../emulator/index.ts';
import type { LabMachine } from '../state/machine.svelte.ts';

/** A token shown on another view's behalf. */
export interface TokenHandoff {
  /** What it is, e.g. "Group token of the last Mica run, blob 2 flipped". */
  readonly title: string;
  readonly bytes: Uint8Array;
  /** The bytes before any tampering (changed bytes are marked). */
  readonly original: Uint8Array;
  /** The CCA verifier's report on `bytes` (its tree and checks). */
  readonly report: attest.VerifierReport;
  /** The verdict the handing view shows. */
  readonly verdict: {
    readonly kind: attest.VerdictKind;
    readonly summary: string;
    readonly text: string;
  };
  /** The verifier's inputs, in words. */
  readonly inputs: {
    readonly anchor: string;
    readonly challenge: string;
    readonly reference: string;
  };
  /** Inspector path to pin (the failed check's bytes). */
  readonly path?: string;
}

export class TokenHandoffState {
  /** The token handed over last, if any. */
  request = $state.raw<TokenHandoff | undefined>(undefined);
  /** Counts hand-overs, so the inspector re-pins even when the same path comes twice. */
  serial = $state(0);

  /** Hands `request` to the inspector. */
  show(request: TokenHandoff): void {
    this.request = request;
    this.serial++;
  }
}

const registry = new WeakMap<LabMachine, TokenHandoffState>();

/** The token hand-over of `lab`, created on first use. */
export function handoffOf(lab: LabMachine): TokenHandoffState {
  let state = registry.get(lab);
  if (!state) {
    state = new TokenHandoffState();
    registry.set(lab, state);
  }
  return state;
}
