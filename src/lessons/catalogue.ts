/**
 * The course: its parts and its lessons, in order. Ids carry a number prefix so the order
 * is visible in the id and a link to a lesson never depends on its position.
 *
 * Later lessons are an outline (status `planned`): the UI shows them greyed so learners see
 * where the course goes, but they carry no goals until the machine can run them (realms,
 * the Mica monitor, attacks). An outline entry never pretends to be playable.
 */
import { ADDRESS_SPACES } from './01-worlds/01-address-spaces.ts';
import { GRANULE_DELEGATION } from './01-worlds/02-granule-delegation.ts';
import { WIPING } from './01-worlds/03-wiping.ts';
import { FAILURE_CONDITIONS } from './01-worlds/04-failure-conditions.ts';
import { BUILD_REALM } from './02-realms/01-build.ts';
import { MEASURE_REALM } from './02-realms/02-measure.ts';
import { RUN_REALM } from './02-realms/03-run.ts';
import { REALM_IDENTITY } from './02-realms/04-identity.ts';
import { ATTEST_REALM } from './02-realms/05-attest.ts';
import { HOST_SEES } from './03-pipeline-cca/01-host-sees.ts';
import { FOUR_STAGES } from './03-pipeline-cca/02-four-stages.ts';
import { ENFORCE } from './04-mica/02-enforce.ts';
import { AGREEMENT } from './04-mica/03-agreement.ts';
import { GROUP_TOKEN } from './04-mica/04-group-token.ts';
import { LATE_JOIN } from './05-attacks/01-late-join.ts';
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
];

function planned(id: string, title: string, summary: string): PlannedLesson {
  return { status: 'planned', id, part: id.slice(0, id.indexOf('/')), title, summary };
}

/** Every lesson, playable or planned, in course order. */
export const CATALOGUE: readonly CatalogueEntry[] = [
  ADDRESS_SPACES,
  GRANULE_DELEGATION,
  WIPING,
  FAILURE_CONDITIONS,
  BUILD_REALM,
  MEASURE_REALM,
  RUN_REALM,
  REALM_IDENTITY,
  ATTEST_REALM,
  HOST_SEES,
  FOUR_STAGES,
  planned(
    '03-pipeline-cca/03-through-the-host',
    'Passing the video along through host memory',
    'With plain CCA, realms can share only unprotected pages the host maps: build the pipeline that way and read every frame in transit.',
  ),
  planned(
    '04-mica/01-declare',
    'Declare every path: a Mica policy',
    'Write the encoder’s policy: its shared objects, their protections, and its control transfers.',
  ),
  ENFORCE,
  AGREEMENT,
  GROUP_TOKEN,
  LATE_JOIN,
  planned(
    '05-attacks/02-copy-to-host',
    'A stage copies the video to host-visible memory',
    'The encoder tries to write frames into unprotected memory after the policies are in force.',
  ),
  planned(
    '05-attacks/03-private-to-shared',
    'A stage turns private pages into shared ones',
    'RSI_IPA_STATE_SET as an exfiltration channel, and the control-flow rule that blocks it.',
  ),
  planned(
    '05-attacks/04-host-in-the-middle',
    'The host gives the two ends different pages',
    'A man-in-the-middle on a shared object, caught by the consistency check.',
  ),
  planned(
    '05-attacks/05-leftovers',
    'The host reads leftovers after teardown',
    'Tear a stage down and look for the video in the returned granules.',
  ),
  planned(
    '05-attacks/06-substitution',
    'Realm substitution in the prototype',
    'Claim a peer’s identity before it uploads; the prototype accepts it, the group token gives it away.',
  ),
];

/** The playable lessons, in order. */
export const LESSONS: readonly Lesson[] = CATALOGUE.filter(
  (e): e is Lesson => e.status === 'ready',
);

/** Finds a catalogue entry by id. */
export function findEntry(id: string): CatalogueEntry | undefined {
  return CATALOGUE.find((e) => e.id === id);
}

/** Finds a playable lesson by id. */
export function findLesson(id: string): Lesson | undefined {
  return LESSONS.find((l) => l.id === id);
}

/** The playable lesson after `id` in course order, if any. */
export function nextLesson(id: string): Lesson | undefined {
  const i = LESSONS.findIndex((l) => l.id === id);
  return i < 0 ? undefined : LESSONS[i + 1];
}
