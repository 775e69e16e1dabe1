/**
 * The course: its parts and its lessons, in order. Ids carry a number prefix so the order
 * is visible in the id and a link to a lesson never depends on its position.
 *
 * Later lessons are an outline (status `planned`): the UI shows them greyed so learners see
 * where the course goes, but they carry no goals until the machine can run them (realms,
 * the Mica monitor, attacks). An outline entry never pretends to be playable.
 *
 * Design rationale: a lesson's module (its text, setup, goals) is loaded when first used,
 * so the page's first screen does not carry the course (issue 14, "first screen <= 250 KB").
 * `COURSE` is the one table: a playable lesson is a row `ready(id, mode, () => import(...))`
 * (the id and the machine mode are what links and save files are checked against without
 * loading anything); `loadLesson` / `loadCatalogue` fetch the modules. Node callers that
 * want every lesson at once (the CLI, tests) import `./loaded.ts`, which awaits them all.
 */
import type { MachineMode } from '../emulator/index.ts';
import { loadShellCode } from '../shell/index.ts';
import { didYouMean } from '../lib/suggest.ts';
import type { CatalogueEntry, Lesson, LessonPart, PlannedLesson } from './schema.ts';

/** The parts of the course, in order (product.md "The story it tells"). */
export const PARTS: readonly LessonPart[] = [
  {
    id: '01-worlds',
    title: 'Worlds',
    summary:
      'A CCA machine: four physical address spaces, the GPT, and a host that cannot read realm memory.',
    status: 'ready',
  },
  {
    id: '02-realms',
    title: 'Realms',
    summary: 'A realm is built, measured, run and attested; its token proves what it is.',
    status: 'ready',
  },
  {
    id: '03-pipeline-cca',
    title: 'The video pipeline with plain CCA',
    summary:
      'Three companies run the moderation stages in realms; with plain CCA the video passes through the host, and the host sees it.',
    status: 'ready',
  },
  {
    id: '04-mica',
    title: 'Mica policies',
    summary:
      'Each realm declares every path it uses; the monitor enforces it, neighbours must agree, and a group token proves where the video can go.',
    status: 'ready',
  },
  {
    id: '05-attacks',
    title: 'Attacks',
    summary:
      'Malicious stages and a malicious host try every trick; see which mechanism stops each one, and where the prototype has gaps.',
    status: 'ready',
  },
  {
    id: '06-fix-it',
    title: 'Fix it',
    summary:
      'Start from a refused or leaking pipeline and edit the policy until the leak is closed and the video still arrives.',
    status: 'ready',
  },
  {
    id: '07-capstone',
    title: 'Capstone',
    summary: 'The guard-railed LLM pipeline, built, declared, used and attested from nothing.',
    status: 'ready',
  },
  {
    id: '08-sandbox',
    title: 'Sandbox',
    summary:
      'Every shipped scenario and every terminal, nothing to pass: explore, and let the machine judge each run.',
    status: 'ready',
  },
];

// An outline entry is a `PlannedLesson` row ({ status: 'planned', id, part, title, summary }),
// shown greyed. Every lesson of the course is playable today, so COURSE holds none.

/** A playable lesson before its module is loaded: what links and saves are checked against. */
export interface LessonRow {
  readonly status: 'ready';
  readonly id: string;
  readonly part: string;
  /** The machine mode the lesson runs in (its module's `mode`; the catalogue test checks). */
  readonly mode: MachineMode;
  /** Loads the lesson's module (once) and returns its `Lesson`. */
  readonly load: () => Promise<Lesson>;
}

/** A row of the course: a playable lesson's loader, or a planned outline. */
export type CourseRow = LessonRow | PlannedLesson;

/** The `Lesson` among a module's exports whose id is `id`. */
function lessonIn(module: Record<string, unknown>, id: string): Lesson {
  for (const value of Object.values(module)) {
    const candidate = value as Partial<Lesson> | null;
    if (typeof value === 'object' && candidate?.status === 'ready' && candidate.id === id) {
      return value as Lesson;
    }
  }
  throw new Error(`catalogue: the module of lesson "${id}" exports no lesson with that id`);
}

/**
 * A playable lesson: its id, its machine mode and its module, e.g.
 * `ready('01-worlds/03-wiping', 'cca', () => import('./01-worlds/03-wiping.ts'))`. The
 * module exports the `Lesson` (under any name); the import must be a literal so the bundler
 * makes it a chunk of its own.
 */
function ready(
  id: string,
  mode: MachineMode,
  importModule: () => Promise<Record<string, unknown>>,
): LessonRow {
  let loading: Promise<Lesson> | undefined;
  const load = () => (loading ??= importModule().then((module) => lessonIn(module, id)));
  return { status: 'ready', id, part: id.slice(0, id.indexOf('/')), mode, load };
}

/** Every lesson, playable or planned, in course order. */
export const COURSE: readonly CourseRow[] = [
  ready('01-worlds/01-address-spaces', 'cca', () => import('./01-worlds/01-address-spaces.ts')),
  ready(
    '01-worlds/02-granule-delegation',
    'cca',
    () => import('./01-worlds/02-granule-delegation.ts'),
  ),
  ready('01-worlds/03-wiping', 'cca', () => import('./01-worlds/03-wiping.ts')),
  ready(
    '01-worlds/04-failure-conditions',
    'cca',
    () => import('./01-worlds/04-failure-conditions.ts'),
  ),
  ready('02-realms/01-build', 'cca', () => import('./02-realms/01-build.ts')),
  ready('02-realms/02-measure', 'cca', () => import('./02-realms/02-measure.ts')),
  ready('02-realms/03-run', 'cca', () => import('./02-realms/03-run.ts')),
  ready('02-realms/04-identity', 'cca', () => import('./02-realms/04-identity.ts')),
  ready('02-realms/05-attest', 'cca', () => import('./02-realms/05-attest.ts')),
  ready('03-pipeline-cca/01-host-sees', 'cca', () => import('./03-pipeline-cca/01-host-sees.ts')),
  ready(
    '03-pipeline-cca/02-four-stages',
    'cca',
    () => import('./03-pipeline-cca/02-four-stages.ts'),
  ),
  ready(
    '03-pipeline-cca/03-through-the-host',
    'cca',
    () => import('./03-pipeline-cca/03-through-the-host.ts'),
  ),
  ready('04-mica/01-declare', 'mica', () => import('./04-mica/01-declare.ts')),
  ready('04-mica/02-enforce', 'mica', () => import('./04-mica/02-enforce.ts')),
  ready('04-mica/03-agreement', 'mica', () => import('./04-mica/03-agreement.ts')),
  ready('04-mica/04-group-token', 'mica', () => import('./04-mica/04-group-token.ts')),
  ready('05-attacks/01-late-join', 'mica-prototype', () => import('./05-attacks/01-late-join.ts')),
  ready('05-attacks/02-copy-to-host', 'mica', () => import('./05-attacks/02-copy-to-host.ts')),
  ready(
    '05-attacks/03-private-to-shared',
    'mica',
    () => import('./05-attacks/03-private-to-shared.ts'),
  ),
  ready('05-attacks/04-host-call', 'mica', () => import('./05-attacks/04-host-call.ts')),
  ready(
    '05-attacks/05-host-in-the-middle',
    'mica',
    () => import('./05-attacks/05-host-in-the-middle.ts'),
  ),
  ready('05-attacks/06-leftovers', 'mica', () => import('./05-attacks/06-leftovers.ts')),
  ready(
    '05-attacks/07-substitution',
    'mica-prototype',
    () => import('./05-attacks/07-substitution.ts'),
  ),
  ready(
    '05-attacks/08-gap-caught',
    'mica-prototype',
    () => import('./05-attacks/08-gap-caught.ts'),
  ),
  ready(
    '05-attacks/09-gap-uncaught',
    'mica-prototype',
    () => import('./05-attacks/09-gap-uncaught.ts'),
  ),
  ready('06-fix-it/01-too-open', 'mica', () => import('./06-fix-it/01-too-open.ts')),
  ready('06-fix-it/02-any-window', 'mica', () => import('./06-fix-it/02-any-window.ts')),
  ready('06-fix-it/03-exception-rule', 'mica', () => import('./06-fix-it/03-exception-rule.ts')),
  ready('06-fix-it/04-bypass', 'mica', () => import('./06-fix-it/04-bypass.ts')),
  ready('07-capstone/01-llm-guardrail', 'mica', () => import('./07-capstone/01-llm-guardrail.ts')),
  ready('08-sandbox/01-every-scenario', 'mica', () => import('./08-sandbox/01-every-scenario.ts')),
];

/** The course row of `id` (no module is loaded). */
export function courseRow(id: string): CourseRow | undefined {
  return COURSE.find((row) => row.id === id);
}

/**
 * ` (did you mean "<id>"?)` when `id`, which names no lesson, is a typo of a playable
 * lesson's id; the empty string otherwise (lib/suggest.ts).
 */
export function lessonTypo(id: string): string {
  return didYouMean(
    id,
    COURSE.filter((row) => row.status === 'ready').map((row) => row.id),
  );
}

/** Loads the playable lesson `id`; undefined when there is none (unknown or planned). */
export async function loadLesson(id: string): Promise<Lesson | undefined> {
  const row = courseRow(id);
  if (row?.status !== 'ready') return undefined;
  // A lesson's setup and steps run lines at once: the code the shells load when first used
  // (the attestation code, the group verifier) comes with it.
  const [lesson] = await Promise.all([row.load(), loadShellCode()]);
  return lesson;
}

/** Loads every playable lesson: the whole catalogue, in course order. */
export function loadCatalogue(): Promise<readonly CatalogueEntry[]> {
  return Promise.all(COURSE.map((row) => (row.status === 'ready' ? row.load() : row)));
}

/** The id of the playable lesson after `id` in course order, if any. */
export function nextLessonId(id: string): string | undefined {
  const playable = COURSE.filter((row) => row.status === 'ready');
  const i = playable.findIndex((row) => row.id === id);
  return i < 0 ? undefined : playable[i + 1]?.id;
}
