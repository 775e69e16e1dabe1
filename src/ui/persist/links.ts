/**
 * Scenario links in the short form `#/s/d.<data>` (the lessons package's payload: the
 * scenario recipe and command log, raw-DEFLATEd; `#/scenario/<payload>` links and the older
 * `j`/`z` codecs keep working). Everything stays in the fragment, so no server ever sees a
 * learner's state.
 */
import {
  SHORT_FRAGMENT,
  decodeScenarioLink,
  encodeScenarioPayload,
  type Decoded,
  type Scenario,
} from '../../lessons/index.ts';

export { SHORT_FRAGMENT };

/** The fragment for `scenario`, short form. */
export function shortFragment(scenario: Scenario): string {
  return SHORT_FRAGMENT + encodeScenarioPayload(scenario);
}

/** Decodes a `#/s/...` fragment (or a `#/scenario/...` one). Never throws. */
export function decodeFragment(hash: string): Decoded<Scenario> {
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
