/**
 * The format name of a workflow scenario file (./scenario-file.ts), on its own so the scenario
 * link decoder (src/lessons/scenario.ts) can recognise one and say so without loading the
 * workflows (the page's first screen, issue 14).
 */

/** Identifies a workflow scenario file among other JSON documents. */
export const SCENARIO_FILE_FORMAT = 'mica-lab/workflow-scenario';
