// The policy editor's drafts (src/ui/policy/editor-model.ts PolicyDrafts): what a learner
// typed survives a reload (lab-ux.md §0 item 2: never lose work), per lesson and realm, and
// whatever storage holds is read without throwing.
import { describe, expect, it } from 'vitest';
import {
  DRAFTS_KEY,
  DRAFTS_MAX,
  DRAFT_MAX_CHARS,
  PolicyDrafts,
  STARTER,
} from '../../src/ui/policy/editor-model.ts';
import type { StorageBackend } from '../../src/ui/persist/storage.ts';

function memory(
  initial: Record<string, string> = {},
): StorageBackend & { data: Map<string, string> } {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
  };
}

describe('policy drafts', () => {
  it('a draft typed before a reload is there after it, for its lesson and realm only', () => {
    const storage = memory();
    new PolicyDrafts(storage).set('04-mica/01-declare', 'encoder', '{ "Self": "VM2" }');
    const reloaded = new PolicyDrafts(storage);
    expect(reloaded.get('04-mica/01-declare', 'encoder')).toBe('{ "Self": "VM2" }');
    expect(reloaded.get('04-mica/01-declare', 'gateway')).toBeUndefined();
    expect(reloaded.get('sandbox', 'encoder')).toBeUndefined();
  });

  it('the starter text is not kept, and setting it back drops the draft', () => {
    const storage = memory();
    const drafts = new PolicyDrafts(storage);
    drafts.set('sandbox', 'gw', 'edited');
    drafts.set('sandbox', 'gw', STARTER);
    expect(new PolicyDrafts(storage).get('sandbox', 'gw')).toBeUndefined();
  });

  it('keeps the most recently written drafts when there are too many, and none too long', () => {
    const storage = memory();
    const drafts = new PolicyDrafts(storage);
    for (let i = 0; i <= DRAFTS_MAX; i++) drafts.set('sandbox', `r${i}`, `draft ${i}`);
    drafts.set('sandbox', 'huge', 'x'.repeat(DRAFT_MAX_CHARS + 1));
    const reloaded = new PolicyDrafts(storage);
    expect(reloaded.get('sandbox', 'r0')).toBeUndefined();
    expect(reloaded.get('sandbox', `r${DRAFTS_MAX}`)).toBe(`draft ${DRAFTS_MAX}`);
    expect(reloaded.get('sandbox', 'huge')).toBeUndefined();
  });

  it('storage that holds something else is read as no drafts, without throwing', () => {
    for (const stored of ['{', '[1]', 'null', '{"sandbox gw": 3, "sandbox enc": "ok"}']) {
      const drafts = new PolicyDrafts(memory({ [DRAFTS_KEY]: stored }));
      expect(drafts.get('sandbox', 'gw')).toBeUndefined();
    }
    expect(
      new PolicyDrafts(memory({ [DRAFTS_KEY]: '{"sandbox enc": "ok"}' })).get('sandbox', 'enc'),
    ).toBe('ok');
  });

  it('a storage that refuses writes keeps the drafts in memory', () => {
    const drafts = new PolicyDrafts({
      getItem: () => null,
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    });
    drafts.set('sandbox', 'gw', 'kept');
    expect(drafts.get('sandbox', 'gw')).toBe('kept');
  });
});
