/**
 * Scenario links in the short form `#/s/d.<data>` (the lessons package's payload: the
 * scenario recipe and command log, raw-DEFLATEd; `#/scenario/<payload>` links and the older
 * `j`/`z` codecs keep working). Everything stays in the fragment, so no server ever sees a
 * learner's state. The link code loads when first used (`LINK_CODE`): the callers await its
 * `load()` before they decode or make a link.
 */
import { LINK_CODE, SHORT_FRAGMENT, type Decoded, type Scenario } from '../../lessons/index.ts';

export { LINK_CODE, SHORT_FRAGMENT };

/** The fragment for `scenario`, short form. Await `LINK_CODE.load()` first. */
export function shortFragment(scenario: Scenario): string {
  return SHORT_FRAGMENT + LINK_CODE.get().encodeScenarioPayload(scenario);
}

/**
 * Decodes a `#/s/...` fragment (or a `#/scenario/...` one). Never throws once
 * `LINK_CODE.load()` has settled (before, it names the missing code).
 */
export function decodeFragment(hash: string): Decoded<Scenario> {
  const { decodeScenarioLink } = LINK_CODE.get();
  if (hash.startsWith(SHORT_FRAGMENT)) {
    const payload = hash.slice(SHORT_FRAGMENT.length);
    if (payload === '') {
      return { ok: false, error: 'the link is empty: no scenario data after "#/s/"' };
    }
    return decodeScenarioLink(payload);
  }
  return decodeScenarioLink(hash);
}

/**
 * `#/lesson/<id>` → the id; undefined for other hashes. A query after the id (`?mode=cca`,
 * as routes.ts reads for `#/`, or one a mail client or LMS appended) is not part of the id.
 */
export function lessonRoute(hash: string): string | undefined {
  const m = /^#\/lesson\/([^?]+?)\/?(?:\?.*)?$/.exec(hash);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1];
  }
}
