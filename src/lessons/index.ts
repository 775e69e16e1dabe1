/**
 * The lessons' public entry: the UI and the CLI import from here only. Pure TypeScript
 * (no DOM, no Svelte): the lesson model and validator, the catalogue, the runner, shareable
 * scenarios (and the Pipeline view's scenarios they can start from) and the save file.
 */
export {
  HINT_TIERS,
  SPEC_SOURCES,
  LESSON_ID,
  PART_ID,
  disabledCommands,
  lessonWithholding,
  formatProblem,
  hostCommandNames,
  validateCatalogue,
  validateLesson,
  type CatalogueEntry,
  type CommandRestrictions,
  type Goal,
  type GoalResult,
  type GoalView,
  type Hint,
  type HintTier,
  type Lesson,
  type LessonPart,
  type LessonProblem,
  type PlannedLesson,
  type SpecRef,
  type SpecSource,
} from './schema.ts';
export {
  COURSE,
  PARTS,
  courseRow,
  lessonTypo,
  loadCatalogue,
  loadLesson,
  nextLessonId,
  type CourseRow,
  type LessonRow,
} from './catalogue.ts';
export {
  lineStep,
  restrictionsOf,
  runSource,
  runTimeline,
  type PipelineRunner,
  type RunStart,
} from './timeline.ts';
export {
  GLOSSARY,
  glossaryEntry,
  lessonGlossary,
  type GlossaryEntry,
  type LessonGlossary,
} from './glossary.ts';
export {
  checkGoals,
  createLessonMachine,
  prepareMachine,
  playSteps,
  refusedSteps,
  replayCommands,
  replaySolution,
  revealHints,
  snapshotSetup,
  startLesson,
  type GoalStatus,
  type LessonSession,
  type Replay,
  type StartOptions,
  type TranscriptEntry,
} from './runner.ts';
export {
  MACHINE_MODES,
  SCENARIO_FORMAT,
  SCENARIO_FRAGMENT,
  SCENARIO_LIMITS,
  SCENARIO_VERSION,
  SHORT_FRAGMENT,
  LINK_CODE,
  makeScenario,
  runScenario,
  scenarioFromJson,
  type Decoded,
  type LinkCode,
  type Scenario,
  type ScenarioRun,
} from './scenario.ts';
// Loaded when first used on the page (LINK_CODE); the CLI and the tests import it here.
export { decodeScenarioLink, encodeScenarioLink, encodeScenarioPayload } from './link.ts';
export {
  PIPELINE_ATTACK_COUNT,
  isPipelineScenario,
  adoptRun,
  loadPipeline,
  pipelineLabel,
  type PipelineMode,
} from './pipeline-ids.ts';
// Types only: the pipeline's code loads when first run (loadPipeline).
export type { GroupAppraisal, PipelineResult, PipelineRun } from './pipeline.ts';
export {
  DEFAULT_SETTINGS,
  JUDGED_PARTS,
  JUDGED_RUNS_MAX,
  JUDGED_RUN_STEPS_MAX,
  RUN_VERDICTS,
  SAVE_FORMAT,
  SAVE_MAX_BYTES,
  SAVE_MIGRATIONS,
  SAVE_VERSION,
  emptySave,
  parseSave,
  saveFileText,
  saveSizeProblem,
  progressAfterCheck,
  serializeSave,
  withJudgedRun,
  withProgress,
  type AttemptUpdate,
  type JudgedRun,
  type LabSave,
  type LabSettings,
  type LessonProgress,
  type ParseSaveOptions,
  type ParsedSave,
  type RunVerdict,
  type SaveMigration,
} from './save.ts';
export {
  openTerminals,
  parseStep,
  realmCommandNames,
  type Step,
  type Terminals,
} from './terminals.ts';
