/**
 * The terms of lesson 02-realms/05-attest as a learner sees them, written once for the tests
 * that check their order: the Lesson pane's Terms (`lessonGlossary`,
 * tests/lessons/lesson-terms.test.ts) and `mica-lab lesson show` (tests/lessons/cli.test.ts).
 * The order is the lesson's own and not alphabetical (Binding after RAK / CPAK), so a list
 * sorted anywhere on the way fails both.
 */

/** The lesson whose terms are pinned here. */
export const ATTEST_LESSON_ID = '02-realms/05-attest';

/** Its terms, in the order the lesson lists them (GLOSSARY.md spelling). */
export const ATTEST_TERMS: readonly string[] = [
  'CCA token / CCA attestation token',
  'RAK / CPAK',
  'Binding',
  'RIM',
  'REM',
  'RPV',
];
