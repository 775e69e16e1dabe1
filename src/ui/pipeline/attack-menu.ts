/**
 * The attacks offered in the Pipeline view's Scenario menu (mica-spec.md §6), without the
 * clean pipeline (number 0). It reads the workflows' titles, so it lives in the Pipeline
 * view's chunk, not in the first screen's.
 */
import { PIPELINE_SCENARIOS } from '../../lessons/pipeline.ts';

/** Number and title (without its "Attack N: " prefix) of each attack. */
export const DEMO_ATTACKS = PIPELINE_SCENARIOS.filter((s) => s.number !== 0).map((s) => ({
  number: s.number,
  title: s.title.replace(/^Attack \d+: /, ''),
}));
