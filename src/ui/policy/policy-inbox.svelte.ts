/**
 * A policy text handed to the policy editor from outside it: a file dropped on the page
 * (persist/open-file.ts). The editor takes it as its text, as its Load button takes a shipped
 * file's (PolicyEditor.svelte), whether it is on screen already or mounts when its tab is shown;
 * the text is then checked as the learner types and uploaded by "Upload into <realm>".
 * mica-spec.md §2 (the policy format).
 */

/** One lab's inbox of policy text for its editor. */
export class PolicyInbox {
  /** The text waiting for the editor, if any (the editor empties it when it takes it). */
  waiting = $state.raw<string | undefined>(undefined);
}

const inboxes = new WeakMap<object, PolicyInbox>();

/** The policy inbox of `lab` (one per lab, made on first use). */
export function policyInboxOf(lab: object): PolicyInbox {
  let inbox = inboxes.get(lab);
  if (!inbox) inboxes.set(lab, (inbox = new PolicyInbox()));
  return inbox;
}
