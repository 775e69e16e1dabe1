/**
 * The shipped workflow scenario files (`scenarios/*.json` at the repository root, issue 12 "In
 * the page") for the Pipeline view's Scenario menu, grouped as the menu shows them: honest
 * runs, attacks by a malicious stage, attacks by the host, prototype gaps. Vite bundles the
 * files' text; each goes through the same loader as `mica-lab run`.
 *
 * Design rationale: the files are the one source (instructors edit them, CI runs them, the
 * page lists them); a file the loader refuses is listed as such with its located message
 * rather than dropped silently.
 */
import {
  SCENARIO_GROUPS,
  formatScenarioError,
  loadScenarioFile,
  type ScenarioFile,
  type ScenarioGroup,
} from '../../workflows/scenario-file.ts';

const TEXTS = import.meta.glob('../../../scenarios/*.json', {
  eager: true,
  query: '?raw',
  import: 'default',
}) as Record<string, string>;

/** How the menu names each group. */
export const GROUP_LABELS: Readonly<Record<ScenarioGroup, string>> = {
  honest: 'Honest runs',
  'stage-attack': 'Attacks by a stage',
  'host-attack': 'Attacks by the host',
  'prototype-gap': 'Prototype gaps',
};

/** One group of the menu. */
export interface ScenarioMenuGroup {
  readonly group: ScenarioGroup;
  readonly label: string;
  readonly files: readonly ScenarioFile[];
}

const loaded: ScenarioFile[] = [];
/** Files the loader refused (`file:line:col: path: message`). */
export const REFUSED_FILES: string[] = [];
for (const [path, text] of Object.entries(TEXTS).sort(([a], [b]) => (a < b ? -1 : 1))) {
  const l = loadScenarioFile(text);
  if (l.ok) loaded.push(l.scenario);
  else REFUSED_FILES.push(formatScenarioError(path.replace(/^.*\//, 'scenarios/'), l.error));
}

/** The menu: every group, its files in name order. */
export const SCENARIO_MENU: readonly ScenarioMenuGroup[] = SCENARIO_GROUPS.map((group) => ({
  group,
  label: GROUP_LABELS[group],
  files: loaded.filter((s) => s.group === group),
}));

/** The shipped file with id `id`. */
export function scenarioFile(id: string): ScenarioFile | undefined {
  return loaded.find((s) => s.id === id);
}
