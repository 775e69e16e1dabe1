/**
 * Every lesson, loaded (for Node: the CLI and the tests), and the pipeline scenarios' code.
 * The page never imports this file (an ESLint rule says so): it loads a lesson when it is
 * first used (`loadLesson` in ./catalogue.ts) and the pipeline when one is first run
 * (`loadPipeline`), so the first screen carries neither.
 */
import { loadCatalogue } from './catalogue.ts';
import type { CatalogueEntry, Lesson } from './schema.ts';

export { PIPELINE_SCENARIOS, runPipeline } from './pipeline.ts';

/** Every lesson, playable or planned, in course order. */
export const CATALOGUE: readonly CatalogueEntry[] = await loadCatalogue();

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
