/**
 * The lab's save file: per-lesson progress, hints used, settings and the current scenario,
 * as one versioned JSON save file; the UI autosaves it in the browser and offers it as an
 * export/import file; an instructor collects these files as hand-ins (lab-ux.md §0 item 2,
 * §5 item 1). Progress is never lost to a version bump: `parseSave` runs the migrations from
 * the file's version to the current one, and refuses only what it cannot read, saying why.
 *
 * Design rationale: the learner's own commands are stored per lesson, not a machine
 * snapshot, because replaying them on the lesson's setup reproduces the machine exactly
 * (the emulator is deterministic) at a fraction of the size, and it survives machine state
 * layout changes that would invalidate a snapshot.
 */
import { jsonSyntaxProblem } from '../lib/located-json.ts';
import { textOfFile } from '../lib/text-file.ts';
import { describeValue, isRecord } from './json-check.ts';
import { courseRow } from './catalogue.ts';
import type { GoalStatus } from './runner.ts';
import { LESSON_ID } from './schema.ts';
import { scenarioFromJson, type Decoded, type Scenario } from './scenario.ts';

/** Identifies a save file among other JSON documents. */
export const SAVE_FORMAT = 'mica-lab/save';
/** The save layout version this lab writes. */
export const SAVE_VERSION = 1;
/**
 * The largest save file read (bytes; as many characters at most): far above what the caps on
 * judged runs and their steps allow, so only a wrong file (a video picked by mistake) is
 * refused, before the page reads it all in.
 */
export const SAVE_MAX_BYTES = 32 * 1024 * 1024;

/** Why a file of `size` bytes is not read as a save file, or undefined when it may be. */
export function saveSizeProblem(size: number): string | undefined {
  if (size <= SAVE_MAX_BYTES) return undefined;
  const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return `the file is ${mib(size)}; a save file is at most ${mib(SAVE_MAX_BYTES)}, so this is not one`;
}

/**
 * A save file's bytes as text, or why they are not a save file's: a save file is UTF-8 JSON
 * text, so a byte that is not UTF-8, or a control character JSON cannot hold, means a
 * binary file (a picture, a video) was picked; the refusal names the first such byte and
 * its offset (`textOfFile`, the check every file reader shares). Never throws.
 */
export function saveFileText(bytes: Uint8Array): Decoded<string> {
  const text = textOfFile(bytes);
  return text.ok
    ? text
    : { ok: false, error: `it is ${text.error}: a Mica Lab save file is JSON text` };
}

/** Progress in one lesson. */
export interface LessonProgress {
  readonly status: 'started' | 'solved';
  /** Goal ids done at the last check. */
  readonly goalsDone: readonly string[];
  /** How many hints the learner revealed (0 = none), in tier order. */
  readonly hintsRevealed: number;
  /** Whether the reference solution was shown (inserted into the prompt). */
  readonly solutionShown: boolean;
  /**
   * The learner's commands in this lesson, oldest first, as steps (`@<realm> <line>` for a
   * realm terminal): replaying them on the lesson's setup (playSteps) restores the machine.
   */
  readonly commands: readonly string[];
  /** When the lesson was first solved (ISO 8601). */
  readonly solvedAt?: string;
}

/** What a judged run came to (the verdict words of the progress file; judged-run.ts). */
export type RunVerdict = 'leaked' | 'rejected' | 'blocked' | 'no-leak';

/** Every verdict, for validation. */
export const RUN_VERDICTS: readonly RunVerdict[] = ['leaked', 'rejected', 'blocked', 'no-leak'];

/** One judged run, as the progress file lists it (judged by judged-run.ts). */
export interface JudgedRun {
  /** The lesson whose start the run began from. */
  readonly lesson: string;
  /** Who acted: the stage (or `host`) behind the deciding flow; `-` when nothing decided. */
  readonly stage: string;
  readonly verdict: RunVerdict;
  /**
   * What decided: where the bytes went (`leaked`), the clause (`blocked`), the verifier's
   * failed checks (`rejected`); empty for `no-leak`.
   */
  readonly by: string;
  /** The judge's sentence. */
  readonly detail: string;
  /** When it was judged (ISO 8601 UTC). */
  readonly judgedAt: string;
  /**
   * The learner's steps from the lesson's start (`@<realm> <line>` for a realm terminal), so
   * the run can be judged again on a fresh machine (judged-run.ts `recheckRun`). Absent when
   * the run went on from a saved machine rather than the lesson's start, and in files
   * written before runs kept their steps.
   */
  readonly steps?: readonly string[];
}

/** Most steps a judged run keeps (a run past it is recorded without them). */
export const JUDGED_RUN_STEPS_MAX = 2000;

/** Display and classroom settings. */
export interface LabSettings {
  readonly theme: 'system' | 'dark' | 'light';
  /** Projector mode: large type, thick lines, high-contrast palette. */
  readonly projector: boolean;
  readonly reducedMotion: 'system' | 'reduce';
  /** xterm's screen-reader mode for the terminals. */
  readonly screenReader: boolean;
  /** Assessment mode: hints and solutions hidden. */
  readonly assessment: boolean;
}

/** The whole save file. */
export interface LabSave {
  readonly format: typeof SAVE_FORMAT;
  readonly version: typeof SAVE_VERSION;
  /** ISO 8601 time of the save. */
  readonly savedAt: string;
  readonly settings: LabSettings;
  /** By lesson id. */
  readonly progress: Readonly<Record<string, LessonProgress>>;
  /**
   * The judged runs of challenge and fix-it lessons, oldest first: which lesson, which stage
   * acted, and the machine's verdict (leaked / blocked by a clause / the verifier rejects).
   * Optional: files written before judged runs existed have none.
   */
  readonly judgedRuns?: readonly JudgedRun[];
  /** The scenario on screen, if any (restored when the file is opened). */
  readonly current?: Scenario;
}

/** Settings of a fresh lab. */
export const DEFAULT_SETTINGS: LabSettings = {
  theme: 'system',
  projector: false,
  reducedMotion: 'system',
  screenReader: false,
  assessment: false,
};

/** A save with no progress. */
export function emptySave(savedAt = new Date(0).toISOString()): LabSave {
  return {
    format: SAVE_FORMAT,
    version: SAVE_VERSION,
    savedAt,
    settings: DEFAULT_SETTINGS,
    progress: {},
  };
}

/** Returns `save` with one lesson's progress replaced by `progress`. */
export function withProgress(save: LabSave, lessonId: string, progress: LessonProgress): LabSave {
  return { ...save, progress: { ...save.progress, [lessonId]: progress } };
}

/** The parts whose solved lessons are judged runs: the attack challenges and the fix-it lessons. */
export const JUDGED_PARTS: readonly string[] = ['05-attacks', '06-fix-it'];

/** The most judged runs a save keeps (the oldest go first). */
export const JUDGED_RUNS_MAX = 200;

/** Returns `save` with `run` appended to its judged runs (the oldest dropped past the cap). */
export function withJudgedRun(save: LabSave, run: JudgedRun): LabSave {
  return { ...save, judgedRuns: [...(save.judgedRuns ?? []), run].slice(-JUDGED_RUNS_MAX) };
}

/** What the UI knows after a goal check in a lesson. */
export interface AttemptUpdate {
  readonly goals: readonly GoalStatus[];
  /** The learner's steps in this lesson so far (`@<realm> <line>` for a realm terminal). */
  readonly commands: readonly string[];
  /** Hints revealed so far in this attempt. */
  readonly hintsRevealed?: number;
  readonly solutionShown?: boolean;
  /** ISO 8601 time of the check. */
  readonly now: string;
}

/**
 * The lesson's progress after a goal check. Never loses ground: a lesson once solved stays
 * solved (with its first `solvedAt`), and hints or a shown solution stay counted.
 */
export function progressAfterCheck(
  previous: LessonProgress | undefined,
  update: AttemptUpdate,
): LessonProgress {
  const solvedNow = update.goals.length > 0 && update.goals.every((g) => g.done);
  const solvedAt = previous?.solvedAt ?? (solvedNow ? update.now : undefined);
  return {
    status: solvedAt !== undefined ? 'solved' : 'started',
    goalsDone: update.goals.filter((g) => g.done).map((g) => g.id),
    hintsRevealed: Math.max(previous?.hintsRevealed ?? 0, update.hintsRevealed ?? 0),
    solutionShown: (previous?.solutionShown ?? false) || (update.solutionShown ?? false),
    commands: [...update.commands],
    ...(solvedAt !== undefined ? { solvedAt } : {}),
  };
}

/** Serialises a save as pretty JSON (it is a file people may open). */
export function serializeSave(save: LabSave): string {
  return JSON.stringify(save, null, 2) + '\n';
}

/**
 * Upgrades a save object of version `n` to version `n + 1`. Register one per old version in
 * {@link SAVE_MIGRATIONS}; each is a pure function on plain JSON.
 */
export type SaveMigration = (old: Record<string, unknown>) => Record<string, unknown>;

/** Migrations by the version they upgrade from. Version 1 is the first: none yet. */
export const SAVE_MIGRATIONS: Readonly<Record<number, SaveMigration>> = {};

/** A parsed save with what the reader had to say about it. */
export interface ParsedSave {
  readonly save: LabSave;
  /** Non-fatal findings, e.g. progress for a lesson this lab does not have. */
  readonly warnings: readonly string[];
  /** The file's version, when it was migrated. */
  readonly migratedFrom?: number;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/**
 * The settings of a save. A setting the lab cannot use is a display preference, not the
 * learner's work: it falls back to its default with a warning in `warnings`, and the rest of
 * the save (the progress above all) is kept.
 */
function readSettings(v: unknown, warnings: string[]): LabSettings {
  if (v === undefined) return DEFAULT_SETTINGS;
  if (!isRecord(v)) {
    warnings.push(
      `"settings" is ${describeValue(v)}, not an object: the default settings are used`,
    );
    return DEFAULT_SETTINGS;
  }
  const choices: Record<keyof LabSettings, readonly unknown[]> = {
    theme: ['system', 'dark', 'light'],
    projector: [true, false],
    reducedMotion: ['system', 'reduce'],
    screenReader: [true, false],
    assessment: [true, false],
  };
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [key, allowed] of Object.entries(choices)) {
    if (v[key] === undefined) continue;
    if (!allowed.includes(v[key])) {
      warnings.push(
        `"settings.${key}" is ${describeValue(v[key])}, not ${allowed.map((a) => JSON.stringify(a)).join(' or ')}: ${JSON.stringify(out[key])} is used`,
      );
      continue;
    }
    out[key] = v[key];
  }
  return out as unknown as LabSettings;
}

function readProgress(id: string, v: unknown): Decoded<LessonProgress> {
  const at = (f: string) => `"progress.${id}.${f}"`;
  const fail = (error: string): Decoded<LessonProgress> => ({ ok: false, error });
  if (!isRecord(v)) return fail(`"progress.${id}" is ${describeValue(v)}, expected an object`);
  if (v.status !== 'started' && v.status !== 'solved') {
    return fail(`${at('status')} is ${describeValue(v.status)}; expected "started" or "solved"`);
  }
  for (const key of ['goalsDone', 'commands'] as const) {
    const list = v[key];
    if (!Array.isArray(list))
      return fail(`${at(key)} is ${describeValue(list)}, expected a list of strings`);
    const bad = list.findIndex((x) => typeof x !== 'string');
    if (bad >= 0)
      return fail(`${at(`${key}[${bad}]`)} is ${describeValue(list[bad])}, expected a string`);
  }
  const hints = v.hintsRevealed;
  if (typeof hints !== 'number' || !Number.isInteger(hints) || hints < 0 || hints > 100) {
    return fail(
      `${at('hintsRevealed')} is ${describeValue(hints)}, expected a whole number from 0`,
    );
  }
  if (typeof v.solutionShown !== 'boolean') {
    return fail(
      `${at('solutionShown')} is ${describeValue(v.solutionShown)}, expected true or false`,
    );
  }
  if (v.solvedAt !== undefined && (typeof v.solvedAt !== 'string' || !ISO_TIME.test(v.solvedAt))) {
    return fail(`${at('solvedAt')} is ${describeValue(v.solvedAt)}, expected an ISO 8601 UTC time`);
  }
  return {
    ok: true,
    value: {
      status: v.status,
      goalsDone: v.goalsDone as string[],
      hintsRevealed: hints,
      solutionShown: v.solutionShown,
      commands: v.commands as string[],
      ...(v.solvedAt !== undefined ? { solvedAt: v.solvedAt as string } : {}),
    },
  };
}

function readJudgedRun(i: number, v: unknown): Decoded<JudgedRun> {
  const at = (f: string) => `"judgedRuns[${i}].${f}"`;
  const fail = (error: string): Decoded<JudgedRun> => ({ ok: false, error });
  if (!isRecord(v)) return fail(`"judgedRuns[${i}]" is ${describeValue(v)}, expected an object`);
  if (typeof v.lesson !== 'string' || !LESSON_ID.test(v.lesson))
    return fail(`${at('lesson')} is ${describeValue(v.lesson)}, expected a lesson id`);
  if (!RUN_VERDICTS.includes(v.verdict as RunVerdict)) {
    return fail(
      `${at('verdict')} is ${describeValue(v.verdict)}; expected ${RUN_VERDICTS.map((r) => `"${r}"`).join(', ')}`,
    );
  }
  for (const key of ['stage', 'by', 'detail'] as const) {
    if (typeof v[key] !== 'string' || (v[key] as string).length > 1000)
      return fail(`${at(key)} is ${describeValue(v[key])}, expected a string`);
  }
  if (typeof v.judgedAt !== 'string' || !ISO_TIME.test(v.judgedAt))
    return fail(`${at('judgedAt')} is ${describeValue(v.judgedAt)}, expected an ISO 8601 UTC time`);
  const steps = v.steps;
  if (steps !== undefined) {
    if (!Array.isArray(steps) || steps.length > JUDGED_RUN_STEPS_MAX)
      return fail(
        `${at('steps')} is ${describeValue(steps)}, expected a list of at most ${JUDGED_RUN_STEPS_MAX} strings`,
      );
    const bad = steps.findIndex((x) => typeof x !== 'string');
    if (bad >= 0)
      return fail(`${at(`steps[${bad}]`)} is ${describeValue(steps[bad])}, expected a string`);
  }
  return {
    ok: true,
    value: {
      lesson: v.lesson,
      stage: v.stage as string,
      verdict: v.verdict as RunVerdict,
      by: v.by as string,
      detail: v.detail as string,
      judgedAt: v.judgedAt,
      ...(steps !== undefined ? { steps: steps as string[] } : {}),
    },
  };
}

/**
 * Options for {@link parseSave}. Both default to this lab's; tests override them to run the
 * migration chain before a second save version exists.
 */
export interface ParseSaveOptions {
  readonly migrations?: Readonly<Record<number, SaveMigration>>;
  /** The version the chain migrates up to. */
  readonly currentVersion?: number;
}

/**
 * Reads a save file. Never throws: refuses with a message naming what is wrong (not JSON,
 * wrong format, a version newer than this lab or with no migration, a bad field with its
 * path). Progress for lessons this lab does not know is kept and reported as a warning, so
 * a file from a newer lab loses nothing when it is saved again.
 */
export function parseSave(
  text: string,
  options: ParseSaveOptions = {},
): { ok: true; value: ParsedSave } | { ok: false; error: string } {
  const migrations = options.migrations ?? SAVE_MIGRATIONS;
  const current = options.currentVersion ?? SAVE_VERSION;
  const fail = (error: string) => ({ ok: false as const, error });
  if (typeof text !== 'string') return fail('a save file must be text');
  const tooBig = saveSizeProblem(text.length);
  if (tooBig) return fail(tooBig);
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    // The engine's message gives at most an offset; a hand-edited file needs line and column.
    return fail(`the file is not JSON: ${jsonSyntaxProblem(text, error)}`);
  }
  if (!isRecord(input))
    return fail(`a save file must be a JSON object, not ${describeValue(input)}`);
  if (input.format !== SAVE_FORMAT) {
    return fail(
      `"format" is ${describeValue(input.format)}, expected "${SAVE_FORMAT}": this is not a Mica Lab save file`,
    );
  }
  const version = input.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return fail(`"version" is ${describeValue(version)}; expected a whole number from 1`);
  }
  if (version > current) {
    return fail(
      `save version ${version} was written by a newer Mica Lab; this one reads up to ${current}`,
    );
  }
  let doc: Record<string, unknown> = input;
  for (let v = version; v < current; v++) {
    const migrate = migrations[v];
    if (!migrate)
      return fail(`no migration from save version ${v} to ${v + 1}; this file cannot be read`);
    try {
      doc = { ...migrate(doc), format: SAVE_FORMAT, version: v + 1 };
    } catch (error) {
      return fail(`migrating from save version ${v} failed: ${String(error)}`);
    }
  }
  const savedAt = doc.savedAt;
  if (typeof savedAt !== 'string' || !ISO_TIME.test(savedAt)) {
    return fail(`"savedAt" is ${describeValue(savedAt)}, expected an ISO 8601 UTC time`);
  }
  const warnings: string[] = [];
  const settings = readSettings(doc.settings, warnings);
  if (!isRecord(doc.progress)) {
    return fail(`"progress" is ${describeValue(doc.progress)}, expected an object by lesson id`);
  }
  const progress: Record<string, LessonProgress> = {};
  for (const [id, entry] of Object.entries(doc.progress)) {
    if (!LESSON_ID.test(id))
      return fail(`"progress" has the key ${describeValue(id)}, not a lesson id`);
    const read = readProgress(id, entry);
    if (!read.ok) return read;
    progress[id] = read.value;
    const known = courseRow(id);
    if (!known) warnings.push(`progress for "${id}", a lesson this lab does not have, was kept`);
    else if (known.status !== 'ready')
      warnings.push(`progress for "${id}", a planned lesson, was kept`);
  }
  const judgedRuns: JudgedRun[] = [];
  if (doc.judgedRuns !== undefined) {
    if (!Array.isArray(doc.judgedRuns))
      return fail(`"judgedRuns" is ${describeValue(doc.judgedRuns)}, expected a list`);
    if (doc.judgedRuns.length > JUDGED_RUNS_MAX)
      return fail(
        `"judgedRuns" has ${doc.judgedRuns.length} runs; a save keeps ${JUDGED_RUNS_MAX}`,
      );
    for (const [i, entry] of doc.judgedRuns.entries()) {
      const read = readJudgedRun(i, entry);
      if (!read.ok) return read;
      judgedRuns.push(read.value);
      if (!courseRow(read.value.lesson))
        warnings.push(
          `a judged run of "${read.value.lesson}", a lesson this lab does not have, was kept`,
        );
    }
  }
  let scenario: Scenario | undefined;
  if (doc.current !== undefined) {
    const s = scenarioFromJson(doc.current, 'current.');
    if (!s.ok) return fail(`the current scenario: ${s.error}`);
    scenario = s.value;
  }
  return {
    ok: true,
    value: {
      save: {
        format: SAVE_FORMAT,
        version: SAVE_VERSION,
        savedAt,
        settings,
        progress,
        ...(doc.judgedRuns !== undefined ? { judgedRuns } : {}),
        ...(scenario ? { current: scenario } : {}),
      },
      warnings,
      ...(version !== current ? { migratedFrom: version } : {}),
    },
  };
}
