/**
 * The lesson model (code-style.md §7 principles 9-10): a lesson is data. Its goals are tests
 * on machine state and the flow ledger, never on what the learner typed, so any correct
 * route passes; its reference solution is shell lines the UI inserts into the prompt (it
 * never runs them for the learner); its hints come in tiers, from a nudge to a
 * near-solution (lab-ux.md §0 items 2-3).
 *
 * Design rationale: TypeScript types describe a well-formed lesson, but lessons are content
 * that people edit, and a typo in a command name or a hint tier would only show up in front
 * of a class. So a hand-written validator checks every field at test time (no schema
 * library: the rules are few and the messages matter) and reports every problem it finds,
 * each with the lesson id and the field, instead of stopping at the first.
 */
import type { LedgerEvent, Machine, MachineMode, MachineView } from '../emulator/index.ts';
import { WORKFLOW_EXAMPLES } from '../policy/index.ts';
import { HOST_COMMANDS, splitCommands, tokenize, type Withholding } from '../shell/index.ts';
import { glossaryEntry } from './glossary.ts';
import { parseStep, realmCommandNames } from './terminals.ts';

/** How much a hint gives away, from least to most. */
export type HintTier = 'nudge' | 'stronger' | 'near-solution';

/** The hint tiers in the order the UI reveals them. */
export const HINT_TIERS: readonly HintTier[] = ['nudge', 'stronger', 'near-solution'];

/** One hint. */
export interface Hint {
  readonly tier: HintTier;
  /** Markdown. */
  readonly text: string;
}

/**
 * What a goal may look at: the machine's state (read-only) and the ledger events since the
 * lesson's setup finished, oldest first. Goals must not call anything that changes the
 * machine (no smc/read/write): a host read would itself land in the ledger.
 */
export interface GoalView {
  readonly machine: MachineView;
  readonly ledger: readonly LedgerEvent[];
}

/** A goal's verdict, with a sentence the goal checklist shows under the goal. */
export interface GoalResult {
  readonly done: boolean;
  /** What was observed: what is still missing, or the evidence that it is done. */
  readonly detail: string;
}

/** One named check of a lesson. */
export interface Goal {
  /** Stable kebab-case id (progress files refer to it). */
  readonly id: string;
  /** What the learner must achieve, in one sentence. */
  readonly title: string;
  readonly check: (view: GoalView) => GoalResult;
}

/** A pointer into a specification. */
export interface SpecRef {
  /** `DEN0137` (RMM 1.0-rel0), `DDI0487` (Arm ARM), `cca-spec.md`, `mica-spec.md`. */
  readonly source: SpecSource;
  /** Section, e.g. `B4.3.5` or `§1.2`. */
  readonly section: string;
  /** What is there, in a few words. */
  readonly title: string;
}

/** The documents a lesson may cite. */
export type SpecSource = 'DEN0137' | 'DDI0487' | 'cca-spec.md' | 'mica-spec.md';

/** Every citable source. */
export const SPEC_SOURCES: readonly SpecSource[] = [
  'DEN0137',
  'DDI0487',
  'cca-spec.md',
  'mica-spec.md',
];

/** Which host commands the lesson's shell offers. Give `allowed` or `disabled`, not both. */
export interface CommandRestrictions {
  /** Only these (and `help`) are available. */
  readonly allowed?: readonly string[];
  /** These are switched off; the shell says so when they are typed. */
  readonly disabled?: readonly string[];
}

/** A part of the course (a chapter). */
export interface LessonPart {
  /** Number-prefixed kebab id, e.g. `01-worlds`. */
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  /** `planned` parts are outlined for the UI (greyed) but have no playable lessons yet. */
  readonly status: 'ready' | 'planned';
}

/** A playable lesson. */
export interface Lesson {
  readonly status: 'ready';
  /** `<part id>/<NN-slug>`, e.g. `01-worlds/02-granule-delegation`. */
  readonly id: string;
  /** The part id (the id's first segment). */
  readonly part: string;
  readonly title: string;
  /** One or two sentences for the lesson list. */
  readonly summary: string;
  /** What the learner will be able to do or explain afterwards. */
  readonly objectives: readonly string[];
  /** The lesson text, markdown. */
  readonly body: string;
  /** The machine mode the lesson runs in. */
  readonly mode: MachineMode;
  readonly commands: CommandRestrictions;
  /**
   * Realms (as the shipped examples name them, e.g. `encoder`) whose policy the lesson asks the
   * learner to write: the realm terminals' `policy show|upload` refuse every shipped file of
   * theirs and the Policy tab does not offer them, so no goal is met by uploading an answer.
   */
  readonly withheld?: readonly string[];
  /**
   * Examples whose files stay on offer for the withheld realms: the draft a fix-it lesson
   * hands out to be fixed (`fix-too-open`).
   */
  readonly drafts?: readonly string[];
  /**
   * Builds the start state on a fresh machine, through the front door (smc/read/write, or
   * `machine.restore(snapshot)`). Its ledger events are not shown to the goals.
   */
  readonly setup: (machine: Machine) => void;
  readonly goals: readonly Goal[];
  /** In tier order: every tier at least once. */
  readonly hints: readonly Hint[];
  /**
   * Reference solution, one command per line, inserted into the prompt and never auto-run.
   * A line `@<realm> <command>` belongs in that realm's terminal; any other in the host's.
   */
  readonly solution: readonly string[];
  /** Glossary terms (exact GLOSSARY.md spelling) the lesson relies on. */
  readonly glossary: readonly string[];
  readonly specRefs: readonly SpecRef[];
  /**
   * The explain-after-solve note (lab-ux.md §3.1 item 8), markdown: what happened, which rule
   * or check decided, and where in the spec. Shown once every goal is done, never before.
   */
  readonly explain?: string;
  /**
   * A sandbox lesson stays open when a scenario run replaces the machine (the Pipeline view's
   * Run): its goals judge whatever ran. Other lessons are left, as their goals assume their setup.
   */
  readonly sandbox?: true;
}

/** A lesson outlined but not written yet: shown greyed, with no goals. */
export interface PlannedLesson {
  readonly status: 'planned';
  readonly id: string;
  readonly part: string;
  readonly title: string;
  readonly summary: string;
}

/** An entry of the catalogue. */
export type CatalogueEntry = Lesson | PlannedLesson;

/** One thing wrong with a lesson. */
export interface LessonProblem {
  /** The lesson's id, or `(no id)` / `(entry N)` when even that is missing. */
  readonly lessonId: string;
  /** Dotted path of the field, e.g. `hints[2].tier`. */
  readonly field: string;
  readonly message: string;
}

/** `lessonId: field: message`, one line. */
export function formatProblem(p: LessonProblem): string {
  return `${p.lessonId}: ${p.field}: ${p.message}`;
}

/** A lesson id: `NN-slug/NN-slug`. */
export const LESSON_ID = /^(\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*)\/\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** A part id: `NN-slug`. */
export const PART_ID = /^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$/;
const GOAL_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MODES: readonly MachineMode[] = ['cca', 'mica', 'mica-prototype'];
/** Longest title the lesson list shows without wrapping. */
const MAX_TITLE = 72;

/** The host command names a lesson may mention (`help` is always on). */
export function hostCommandNames(): string[] {
  return HOST_COMMANDS.map((c) => c.name);
}

/** The shipped policy files `lesson` withholds from its realm terminals and Policy tab. */
export function lessonWithholding(lesson: Pick<Lesson, 'withheld' | 'drafts'>): Withholding {
  return { realms: lesson.withheld ?? [], drafts: lesson.drafts ?? [] };
}

/** The host commands that stay switched off in `lesson`'s shell. */
export function disabledCommands(lesson: Pick<Lesson, 'commands'>): string[] {
  const { allowed, disabled } = lesson.commands;
  if (allowed) return hostCommandNames().filter((n) => !allowed.includes(n));
  return [...(disabled ?? [])];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isText(v: unknown): v is string {
  return typeof v === 'string' && v.trim().length > 0;
}

/** Collects problems for one entry. */
class Problems {
  readonly list: LessonProblem[] = [];
  constructor(private readonly id: string) {}
  add(field: string, message: string): void {
    this.list.push({ lessonId: this.id, field, message });
  }
  text(entry: Record<string, unknown>, field: string, max?: number): void {
    const v = entry[field];
    if (!isText(v)) this.add(field, 'must be a non-empty string');
    else if (max !== undefined && v.length > max) {
      this.add(field, `is ${v.length} characters; at most ${max}`);
    }
  }
  textList(entry: Record<string, unknown>, field: string, nonEmpty: boolean): string[] {
    const v = entry[field];
    if (!Array.isArray(v)) {
      this.add(field, 'must be an array of strings');
      return [];
    }
    if (nonEmpty && v.length === 0) this.add(field, 'must not be empty');
    v.forEach((x, i) => {
      if (!isText(x)) this.add(`${field}[${i}]`, 'must be a non-empty string');
    });
    return v.filter(isText);
  }
}

function checkIdAndPart(entry: Record<string, unknown>, p: Problems): void {
  const id = entry.id;
  if (typeof id !== 'string' || !LESSON_ID.test(id)) {
    p.add('id', `must look like "01-worlds/02-granule-delegation", not ${JSON.stringify(id)}`);
  } else if (entry.part !== LESSON_ID.exec(id)?.[1]) {
    p.add('part', `is ${JSON.stringify(entry.part)} but the id says "${LESSON_ID.exec(id)?.[1]}"`);
  }
}

function checkCommands(entry: Record<string, unknown>, p: Problems): Set<string> {
  const known = hostCommandNames();
  const commands = entry.commands;
  if (!isRecord(commands)) {
    p.add('commands', 'must be an object with "allowed" or "disabled" (or neither)');
    return new Set(known);
  }
  if (commands.allowed !== undefined && commands.disabled !== undefined) {
    p.add('commands', 'give "allowed" or "disabled", not both');
  }
  for (const key of ['allowed', 'disabled'] as const) {
    const list = commands[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      p.add(`commands.${key}`, 'must be an array of host command names');
      continue;
    }
    list.forEach((name, i) => {
      if (name === 'help') p.add(`commands.${key}[${i}]`, '"help" is always available');
      else if (typeof name !== 'string' || !known.includes(name)) {
        p.add(
          `commands.${key}[${i}]`,
          `${JSON.stringify(name)} is not a host command (${known.join(', ')})`,
        );
      }
    });
  }
  const allowed = Array.isArray(commands.allowed) ? (commands.allowed as unknown[]) : undefined;
  const disabled = Array.isArray(commands.disabled) ? (commands.disabled as unknown[]) : [];
  return new Set(
    known.filter((n) => (allowed ? allowed.includes(n) : !disabled.includes(n))).concat('help'),
  );
}

/** Each withheld realm must be one the shipped examples have files for. */
function checkWithheld(entry: Record<string, unknown>, p: Problems): void {
  const list = entry.withheld;
  if (list === undefined) return;
  if (!Array.isArray(list)) {
    p.add('withheld', 'must be an array of realm names');
    return;
  }
  const realms = [
    ...new Set(WORKFLOW_EXAMPLES.flatMap((e) => e.realms.map((r) => r.name.toLowerCase()))),
  ];
  list.forEach((name, i) => {
    if (typeof name !== 'string' || !realms.includes(name))
      p.add(
        `withheld[${i}]`,
        `${JSON.stringify(name)} is no realm of a shipped example (${realms.join(', ')})`,
      );
  });
  const drafts = entry.drafts;
  if (drafts === undefined) return;
  const ids = WORKFLOW_EXAMPLES.map((e) => e.id);
  if (!Array.isArray(drafts)) return p.add('drafts', 'must be an array of example ids');
  drafts.forEach((id, i) => {
    if (typeof id !== 'string' || !ids.includes(id))
      p.add(`drafts[${i}]`, `${JSON.stringify(id)} is not a shipped example (${ids.join(', ')})`);
  });
}

function checkGoals(entry: Record<string, unknown>, p: Problems): void {
  const goals = entry.goals;
  if (!Array.isArray(goals) || goals.length === 0) {
    p.add('goals', 'must be a non-empty array of goals');
    return;
  }
  const seen = new Set<string>();
  goals.forEach((g, i) => {
    const at = `goals[${i}]`;
    if (!isRecord(g)) return p.add(at, 'must be an object with id, title and check');
    if (typeof g.id !== 'string' || !GOAL_ID.test(g.id)) {
      p.add(`${at}.id`, `must be kebab-case, not ${JSON.stringify(g.id)}`);
    } else if (seen.has(g.id)) p.add(`${at}.id`, `"${g.id}" is used twice`);
    else seen.add(g.id);
    if (!isText(g.title)) p.add(`${at}.title`, 'must be a non-empty string');
    if (typeof g.check !== 'function') p.add(`${at}.check`, 'must be a function (view) => result');
    else if (g.check.length > 1) p.add(`${at}.check`, 'takes one argument, the goal view');
  });
}

function checkHints(entry: Record<string, unknown>, p: Problems): void {
  const hints = entry.hints;
  if (!Array.isArray(hints)) return p.add('hints', 'must be an array of { tier, text }');
  let last = 0;
  const seen = new Set<string>();
  hints.forEach((h, i) => {
    const at = `hints[${i}]`;
    if (!isRecord(h)) return p.add(at, 'must be an object { tier, text }');
    const rank = HINT_TIERS.indexOf(h.tier as HintTier);
    if (rank < 0) {
      p.add(`${at}.tier`, `must be one of ${HINT_TIERS.join(', ')}, not ${JSON.stringify(h.tier)}`);
    } else {
      if (rank < last) {
        p.add(`${at}.tier`, `"${String(h.tier)}" comes after a stronger hint; order by tier`);
      }
      last = Math.max(last, rank);
      seen.add(h.tier as string);
    }
    if (!isText(h.text)) p.add(`${at}.text`, 'must be a non-empty string');
  });
  const missing = HINT_TIERS.filter((t) => !seen.has(t));
  if (missing.length > 0) p.add('hints', `needs at least one hint of tier ${missing.join(', ')}`);
}

function checkSolution(entry: Record<string, unknown>, p: Problems, enabled: Set<string>): void {
  const lines = p.textList(entry, 'solution', true);
  const realmNames = realmCommandNames();
  lines.forEach((line, i) => {
    const at = `solution[${i}]`;
    if (splitCommands(line).length !== 1) return p.add(at, 'must hold exactly one command');
    const step = parseStep(line);
    if (step.terminal === 'invalid') return p.add(at, step.error);
    const tokens = tokenize(step.line);
    if (!tokens.ok) return p.add(at, tokens.error);
    const name = tokens.words[0] ?? '';
    if (step.terminal === 'realm' && !realmNames.includes(name)) {
      p.add(at, `uses "${name}", which is not a realm terminal command`);
    } else if (step.terminal === 'host' && !enabled.has(name)) {
      p.add(at, `uses "${name}", which is not available in this lesson's shell`);
    }
  });
}

function checkRefs(entry: Record<string, unknown>, p: Problems): void {
  const terms = p.textList(entry, 'glossary', false);
  terms.forEach((t, i) => {
    if (!glossaryEntry(t)) p.add(`glossary[${i}]`, `"${t}" is not a GLOSSARY.md term`);
    else if (terms.indexOf(t) < i) {
      p.add(`glossary[${i}]`, `"${t}" is listed twice (first at glossary[${terms.indexOf(t)}])`);
    }
  });
  const refs = entry.specRefs;
  if (!Array.isArray(refs)) return p.add('specRefs', 'must be an array of spec references');
  refs.forEach((r, i) => {
    const at = `specRefs[${i}]`;
    if (!isRecord(r)) return p.add(at, 'must be an object { source, section, title }');
    if (!SPEC_SOURCES.includes(r.source as SpecSource)) {
      p.add(`${at}.source`, `must be one of ${SPEC_SOURCES.join(', ')}`);
    }
    if (!isText(r.section)) p.add(`${at}.section`, 'must be a non-empty string');
    if (!isText(r.title)) p.add(`${at}.title`, 'must be a non-empty string');
  });
}

/**
 * Checks one catalogue entry (a playable or a planned lesson) and returns every problem
 * found; an empty list means the entry is well formed. Takes `unknown` so broken content
 * is reported, not trusted.
 */
export function validateLesson(input: unknown, position = 0): LessonProblem[] {
  if (!isRecord(input)) {
    return [{ lessonId: `(entry ${position})`, field: '', message: 'is not an object' }];
  }
  const id = typeof input.id === 'string' && input.id !== '' ? input.id : '(no id)';
  const p = new Problems(id);
  checkIdAndPart(input, p);
  p.text(input, 'title', MAX_TITLE);
  p.text(input, 'summary');
  if (input.status === 'planned') return p.list;
  if (input.status !== 'ready') {
    p.add('status', `must be "ready" or "planned", not ${JSON.stringify(input.status)}`);
  }
  p.textList(input, 'objectives', true);
  p.text(input, 'body');
  if (!MODES.includes(input.mode as MachineMode)) {
    p.add('mode', `must be one of ${MODES.join(', ')}, not ${JSON.stringify(input.mode)}`);
  }
  const enabled = checkCommands(input, p);
  checkWithheld(input, p);
  if (typeof input.setup !== 'function') p.add('setup', 'must be a function (machine) => void');
  checkGoals(input, p);
  checkHints(input, p);
  checkSolution(input, p, enabled);
  checkRefs(input, p);
  if (input.explain !== undefined) p.text(input, 'explain');
  if (input.sandbox !== undefined && input.sandbox !== true)
    p.add('sandbox', `must be true or absent, not ${JSON.stringify(input.sandbox)}`);
  return p.list;
}

/**
 * Checks the whole catalogue: every entry, and across entries: unique ids, ascending
 * number prefixes, parts that exist, and no playable lesson inside a planned part.
 */
export function validateCatalogue(
  parts: readonly unknown[],
  entries: readonly unknown[],
): LessonProblem[] {
  const problems: LessonProblem[] = [];
  const partIds = new Map<string, string>();
  parts.forEach((part, i) => {
    const id = isRecord(part) && typeof part.id === 'string' ? part.id : `(part ${i})`;
    const add = (field: string, message: string) => problems.push({ lessonId: id, field, message });
    if (!isRecord(part)) return add('', 'is not an object');
    if (!PART_ID.test(id)) add('id', `must look like "01-worlds", not ${JSON.stringify(part.id)}`);
    if (partIds.has(id)) add('id', 'is used twice');
    if (!isText(part.title)) add('title', 'must be a non-empty string');
    if (!isText(part.summary)) add('summary', 'must be a non-empty string');
    if (part.status !== 'ready' && part.status !== 'planned') {
      add('status', 'must be "ready" or "planned"');
    }
    partIds.set(id, String(part.status));
  });
  const seen = new Set<string>();
  let previous = '';
  entries.forEach((entry, i) => {
    problems.push(...validateLesson(entry, i));
    if (!isRecord(entry) || typeof entry.id !== 'string') return;
    const id = entry.id;
    const add = (field: string, message: string) => problems.push({ lessonId: id, field, message });
    if (seen.has(id)) add('id', 'is used twice in the catalogue');
    seen.add(id);
    if (id <= previous) add('id', `is out of order: it must sort after "${previous}"`);
    previous = id;
    const partStatus = partIds.get(String(entry.part));
    if (partStatus === undefined) add('part', `"${String(entry.part)}" is not a catalogue part`);
    else if (partStatus === 'planned' && entry.status === 'ready') {
      add('status', `is "ready" but its part "${String(entry.part)}" is planned`);
    }
  });
  return problems;
}
