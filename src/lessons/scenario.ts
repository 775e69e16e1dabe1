/**
 * Scenarios: a recipe for a machine state plus commands, shareable as a link (lab-ux.md §0
 * item 4, §3.1 item 3). A scenario names its format and version, the machine mode and its
 * gap switches, optionally a lesson (whose setup, command restrictions and goals then apply)
 * or a Pipeline view scenario (the clean video pipeline or a §6 attack), the command log (the
 * steps typed, `@<realm> <line>` for a realm's terminal), and a title and notes.
 *
 * Link format: `#/s/<codec>.<base64url>` (or the older long prefix `#/scenario/`), where
 * codec `d` is the scenario's JSON as UTF-8 compressed with raw DEFLATE (./deflate.ts). The
 * encoder always writes `d`; the decoder still reads the version 1 codecs `j` (plain JSON)
 * and `z` (the home-made LZ77 of ./lz.ts). The encoder and decoder live in ./link.ts, which
 * the page loads when first used (`LINK_CODE`). Everything lives in the URL fragment, so no
 * server ever sees it.
 *
 * Design rationale: a link carries the recipe, not the state. Opening it rebuilds the
 * machine with the one factory (`createLessonMachine` / the lesson's `prepareMachine` / the
 * pipeline run) and replays the steps; the emulator is deterministic, so that is the same
 * run at 1-2% of a snapshot's size (every shipped lesson and attack run fits in 2 KB). A
 * snapshot is still accepted (version 1 links, save files of a state with no recipe).
 * Old links must keep working and bad links must say what is wrong (CE's broken-link
 * history; lab-ux.md §4.10). So decoding never throws: every layer (fragment, codec,
 * base64url, decompression, UTF-8, JSON, fields, lesson id, pipeline scenario, snapshot)
 * refuses with a message naming the layer and the position or field, and the version is
 * checked before the fields so a newer link gets "made by a newer Mica Lab", not a confusing
 * field error.
 */
import { type Machine, type MachineMode, type MachineSnapshot } from '../emulator/index.ts';
import type { ShellSession } from '../shell/index.ts';
import { lazyCode, type LazyCode } from '../lib/lazy.ts';
import { describeValue, isRecord } from './json-check.ts';
import { courseRow, lessonTypo, loadLesson } from './catalogue.ts';
import { micaAbi } from '../policy/index.ts';
import { SCENARIO_FILE_FORMAT } from '../workflows/scenario-format.ts';
import { adoptRun, isPipelineScenario, loadPipeline } from './pipeline-ids.ts';
import type { PipelineResult } from './pipeline.ts';
import { openTerminals, type Terminals } from './terminals.ts';
import {
  createLessonMachine,
  playSteps,
  startLesson,
  type GoalStatus,
  type TranscriptEntry,
} from './runner.ts';

/** Identifies a scenario among other JSON documents. */
export const SCENARIO_FORMAT = 'mica-lab/scenario';
/**
 * The scenario layout version this lab writes. Version 2 added `gaps` and `pipeline`, and
 * links stopped carrying snapshots; version 1 scenarios still read.
 */
export const SCENARIO_VERSION = 2;
/** What precedes the payload in a link's fragment (the long form; still read). */
export const SCENARIO_FRAGMENT = '#/scenario/';
/** The short prefix the lab's links use. */
export const SHORT_FRAGMENT = '#/s/';
/** The machine modes a scenario may ask for. */
export const MACHINE_MODES: readonly MachineMode[] = ['cca', 'mica', 'mica-prototype'];

/** Limits that keep a hostile link from tying up the tab. */
export const SCENARIO_LIMITS = {
  /** Characters of link payload. */
  payload: 4 * 1024 * 1024,
  commands: 2000,
  commandLength: 2000,
  title: 200,
  notes: 20000,
} as const;

/** A shareable start state plus commands. */
export interface Scenario {
  readonly format: typeof SCENARIO_FORMAT;
  readonly version: typeof SCENARIO_VERSION;
  readonly mode: MachineMode;
  /**
   * Prototype gap switches in force (mode `mica-prototype` only), when they are not the
   * default (all of them).
   */
  readonly gaps?: readonly string[];
  /** A playable lesson id: its setup, restrictions and goals apply. */
  readonly lesson?: string;
  /**
   * A Pipeline view scenario run first (Mica modes only): 0 the video pipeline with no
   * attack, n attack n of mica-spec.md §6.
   */
  readonly pipeline?: number;
  /**
   * Lines replayed after the start state, one command each: host lines, or `@<realm> <line>`
   * for a realm's terminal.
   */
  readonly commands: readonly string[];
  /** The start state (replaces the lesson setup when both are given). */
  readonly snapshot?: MachineSnapshot;
  readonly title?: string;
  /** Markdown notes for the learner or instructor. */
  readonly notes?: string;
}

/** A decoding result: the value, or a message saying what is wrong. */
export type Decoded<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** What the link code exports (./link.ts). */
export type LinkCode = typeof import('./link.ts');

/**
 * The link code (./link.ts: the encoder and decoder of links, with the DEFLATE and LZ
 * codecs), fetched when first used: the first screen opens no link. The page loads it
 * before it decodes a `#/s/` or `#/scenario/` fragment and before it makes a link; the CLI,
 * the tests and the benchmarks import it from the barrel.
 */
export const LINK_CODE: LazyCode<LinkCode> = lazyCode(
  'the scenario link code',
  () => import('./link.ts'),
);

/** Builds a scenario of the current format and version. */
export function makeScenario(
  fields: Omit<Scenario, 'format' | 'version' | 'mode' | 'commands'> &
    Partial<Pick<Scenario, 'mode' | 'commands'>>,
): Scenario {
  const row = fields.lesson === undefined ? undefined : courseRow(fields.lesson);
  const lesson = row?.status === 'ready' ? row : undefined;
  return {
    format: SCENARIO_FORMAT,
    version: SCENARIO_VERSION,
    mode: fields.mode ?? lesson?.mode ?? 'mica',
    commands: fields.commands ?? [],
    ...(fields.gaps !== undefined ? { gaps: fields.gaps } : {}),
    ...(fields.lesson !== undefined ? { lesson: fields.lesson } : {}),
    ...(fields.pipeline !== undefined ? { pipeline: fields.pipeline } : {}),
    ...(fields.snapshot !== undefined ? { snapshot: fields.snapshot } : {}),
    ...(fields.title !== undefined ? { title: fields.title } : {}),
    ...(fields.notes !== undefined ? { notes: fields.notes } : {}),
  };
}

/** The fields of each scenario version. */
const SCENARIO_KEYS: Readonly<Record<number, readonly string[]>> = {
  1: ['format', 'version', 'mode', 'lesson', 'commands', 'snapshot', 'title', 'notes'],
  2: [
    'format',
    'version',
    'mode',
    'gaps',
    'lesson',
    'pipeline',
    'commands',
    'snapshot',
    'title',
    'notes',
  ],
};

/**
 * Validates parsed JSON as a scenario. `where` prefixes field names in messages (a save
 * file passes `current.`). Checks the snapshot by restoring it on a scratch machine.
 */
export function scenarioFromJson(input: unknown, where = ''): Decoded<Scenario> {
  const fail = (error: string): Decoded<Scenario> => ({ ok: false, error });
  const at = (field: string) => `"${where}${field}"`;
  if (!isRecord(input))
    return fail(`a scenario must be a JSON object, not ${describeValue(input)}`);
  if (input.format === SCENARIO_FILE_FORMAT) {
    return fail(
      `this is a workflow scenario file ("${SCENARIO_FILE_FORMAT}"), not a scenario link: run it with "mica-lab run <file>" or open it from the Pipeline view's menu`,
    );
  }
  if (input.format !== SCENARIO_FORMAT) {
    return fail(
      `${at('format')} is ${describeValue(input.format)}, expected "${SCENARIO_FORMAT}": this is not a Mica Lab scenario`,
    );
  }
  const version = input.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return fail(`${at('version')} is ${describeValue(version)}; expected a whole number from 1`);
  }
  if (version > SCENARIO_VERSION) {
    return fail(
      `scenario version ${version} was made by a newer Mica Lab; this one reads version ${SCENARIO_VERSION}`,
    );
  }
  const keys = SCENARIO_KEYS[version] ?? [];
  const unknown = Object.keys(input).filter((k) => !keys.includes(k));
  if (unknown.length > 0) {
    return fail(`unknown field ${at(unknown[0]!)} in a version ${version} scenario`);
  }
  if (!MACHINE_MODES.includes(input.mode as MachineMode)) {
    return fail(
      `${at('mode')} is ${describeValue(input.mode)}; expected ${MACHINE_MODES.join(', ')}`,
    );
  }
  const mode = input.mode as MachineMode;
  if (input.lesson !== undefined) {
    if (typeof input.lesson !== 'string') {
      return fail(`${at('lesson')} is ${describeValue(input.lesson)}, expected a lesson id`);
    }
    const entry = courseRow(input.lesson);
    if (!entry) {
      return fail(
        `${at('lesson')} names an unknown lesson "${input.lesson}"${lessonTypo(input.lesson)}`,
      );
    }
    if (entry.status !== 'ready') {
      return fail(`${at('lesson')} "${input.lesson}" is planned, not playable yet`);
    }
    if (entry.mode !== mode) {
      return fail(`${at('mode')} is "${mode}" but lesson "${entry.id}" runs in "${entry.mode}"`);
    }
  }
  if (input.gaps !== undefined) {
    const gaps = input.gaps;
    if (!Array.isArray(gaps)) {
      return fail(`${at('gaps')} is ${describeValue(gaps)}, expected a list of gap names`);
    }
    if (mode !== 'mica-prototype') {
      return fail(`${at('gaps')} is given but gap switches apply only to "mica-prototype"`);
    }
    for (const [i, g] of gaps.entries()) {
      if (!(micaAbi.MICA_GAPS as readonly unknown[]).includes(g)) {
        return fail(
          `${at(`gaps[${i}]`)} is ${describeValue(g)}, not a prototype gap (${micaAbi.MICA_GAPS.join(', ')})`,
        );
      }
      if (gaps.indexOf(g) !== i) return fail(`${at(`gaps[${i}]`)} repeats "${String(g)}"`);
    }
  }
  if (input.pipeline !== undefined) {
    const n = input.pipeline;
    if (typeof n !== 'number' || !isPipelineScenario(n)) {
      return fail(
        `${at('pipeline')} is ${describeValue(n)}; expected 0 (the video pipeline) or an attack number`,
      );
    }
    if (mode === 'cca')
      return fail(`${at('pipeline')} needs a Mica mode, but ${at('mode')} is "cca"`);
    if (input.lesson !== undefined)
      return fail(`${at('pipeline')} and ${at('lesson')} cannot both be given`);
    if (input.snapshot !== undefined) {
      return fail(`${at('pipeline')} and ${at('snapshot')} cannot both be given`);
    }
  }
  const commands = input.commands;
  if (!Array.isArray(commands)) {
    return fail(`${at('commands')} is ${describeValue(commands)}, expected a list of strings`);
  }
  if (commands.length > SCENARIO_LIMITS.commands) {
    return fail(
      `${at('commands')} has ${commands.length} lines; at most ${SCENARIO_LIMITS.commands}`,
    );
  }
  for (const [i, c] of commands.entries()) {
    if (typeof c !== 'string') {
      return fail(`${at(`commands[${i}]`)} is ${describeValue(c)}, expected a string`);
    }
    if (c.length > SCENARIO_LIMITS.commandLength) {
      return fail(
        `${at(`commands[${i}]`)} is longer than ${SCENARIO_LIMITS.commandLength} characters`,
      );
    }
  }
  for (const key of ['title', 'notes'] as const) {
    const v = input[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') return fail(`${at(key)} is ${describeValue(v)}, expected a string`);
    if (v.length > SCENARIO_LIMITS[key]) {
      return fail(`${at(key)} is longer than ${SCENARIO_LIMITS[key]} characters`);
    }
  }
  if (input.snapshot !== undefined) {
    // The lab's own machine (monitor included): a Mica snapshot needs the monitor's state.
    const restored = createLessonMachine(mode).restore(input.snapshot);
    if (!restored.ok) return fail(`${at('snapshot')}: ${restored.error}`);
    const snapMode = (input.snapshot as MachineSnapshot).state.config.mode;
    if (snapMode !== mode) {
      return fail(`${at('snapshot')} is a "${snapMode}" machine but ${at('mode')} is "${mode}"`);
    }
  }
  return {
    ok: true,
    value: makeScenario({
      mode,
      commands: commands as string[],
      ...(input.gaps !== undefined ? { gaps: input.gaps as string[] } : {}),
      ...(input.lesson !== undefined ? { lesson: input.lesson } : {}),
      ...(input.pipeline !== undefined ? { pipeline: input.pipeline as number } : {}),
      ...(input.snapshot !== undefined ? { snapshot: input.snapshot as MachineSnapshot } : {}),
      ...(input.title !== undefined ? { title: input.title as string } : {}),
      ...(input.notes !== undefined ? { notes: input.notes as string } : {}),
    }),
  };
}

/** A scenario replayed on a fresh machine. */
export interface ScenarioRun {
  readonly machine: Machine;
  readonly shell: ShellSession;
  /** The host terminal and the realm terminals the commands used. */
  readonly terminals: Terminals;
  readonly transcript: readonly TranscriptEntry[];
  /** The lesson's goals after the commands, when the scenario names a lesson. */
  readonly goals?: readonly GoalStatus[];
  /** Ledger sequence number where the start state ended. */
  readonly startSeq: number;
  /** The pipeline scenario's report, when the scenario names one. */
  readonly pipeline?: PipelineResult;
}

/**
 * Builds the scenario's start state (snapshot, else the lesson's setup, else the pipeline
 * scenario's run, else a fresh machine in its mode and gap switches) and replays its commands through the host shell (with the lesson's
 * restrictions when it names one). Async: a lesson's module is loaded when first used.
 */
export async function runScenario(scenario: Scenario): Promise<ScenarioRun> {
  const lesson = scenario.lesson === undefined ? undefined : await loadLesson(scenario.lesson);
  if (scenario.lesson !== undefined && !lesson) {
    // A caller bug: scenarios come from scenarioFromJson/decodeScenarioLink, which refuse this.
    throw new Error(`runScenario: unvalidated scenario names unknown lesson "${scenario.lesson}"`);
  }
  if (lesson) {
    const session = startLesson(lesson, scenario.snapshot ? { snapshot: scenario.snapshot } : {});
    const transcript = playSteps(session.terminals, scenario.commands);
    return {
      machine: session.machine,
      shell: session.shell,
      terminals: session.terminals,
      transcript,
      startSeq: session.startSeq,
      goals: session.check(),
    };
  }
  const machine = createLessonMachine(scenario.mode, scenario.gaps);
  let pipeline: PipelineResult | undefined;
  if (scenario.pipeline !== undefined) {
    if (scenario.mode === 'cca') throw new Error('runScenario: unvalidated pipeline in cca mode');
    const { runPipeline } = await loadPipeline();
    const run = runPipeline(scenario.pipeline, scenario.mode);
    pipeline = run.result;
    const adopted = adoptRun(machine, run);
    if (!adopted.ok)
      throw new Error(`runScenario: the pipeline run does not fit: ${adopted.error}`);
  } else if (scenario.snapshot) {
    const restored = machine.restore(scenario.snapshot);
    if (!restored.ok) throw new Error(`runScenario: unvalidated snapshot: ${restored.error}`);
  }
  const startSeq = machine.ledger[machine.ledger.length - 1]?.seq ?? 0;
  const terminals = openTerminals(machine);
  const transcript = playSteps(terminals, scenario.commands);
  return {
    machine,
    shell: terminals.host,
    terminals,
    transcript,
    startSeq,
    ...(pipeline ? { pipeline } : {}),
  };
}
