/**
 * Scenario links in the short form `#/s/<codec>.<data>` (the lessons package's payload after
 * a shorter prefix; `#/scenario/<payload>` links keep working through the page's router).
 * Everything stays in the fragment, so no server ever sees a learner's state.
 */
import {
  SCENARIO_FRAGMENT,
  decodeScenarioLink,
  encodeScenarioLink,
  type Decoded,
  type Scenario,
} from '../../lessons/index.ts';

/** The short prefix of a scenario link. */
export const SHORT_FRAGMENT = '#/s/';

/** The fragment for `scenario`, short form. */
export function shortFragment(scenario: Scenario): string {
  return SHORT_FRAGMENT + encodeScenarioLink(scenario).slice(SCENARIO_FRAGMENT.length);
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

/** `#/lesson/<id>` → the id; undefined for other hashes. */
export function lessonRoute(hash: string): string | undefined {
  const m = /^#\/lesson\/(.+?)\/?$/.exec(hash);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1];
  }
}
