/**
 * The browser storage the lab keeps what a learner must not lose in (lab-ux.md §0 item 2):
 * the autosave (save-store.svelte.ts) and the policy editor's drafts (policy/editor-model.ts).
 * Tests hand in a Map-backed stand-in.
 */

/** What the lab writes to: localStorage in the page; a Map in tests. */
export interface StorageBackend {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The page's localStorage, or undefined when the browser disabled it (privacy settings). */
export function browserStorage(): StorageBackend | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined;
  }
}
