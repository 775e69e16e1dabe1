/**
 * Workflow scenario files (issue 12 "Scenarios"): one versioned JSON document says which
 * machine to build (mode and prototype gap switches, mica-spec.md §6 Status G), which
 * workflow of §5 runs on it (realms in upload order, each with its application or one of its
 * malicious program variants, its policy text, which one holds the network device), what the
 * host does and in which order (the host script, honest or malicious, §6 attacks 5-21), the
 * sensitive inputs and the sanitisers the tenant requires (§1.3, §4.5 step 6), and the
 * expected outcome (no leak, leak through a channel, blocked by a clause, or rejected by the
 * group verifier for a check). The shipped ones live in `scenarios/` at the repository root.
 *
 * Design rationale: this is a *scenario file*, `ScenarioFile` in code, format
 * `mica-lab/workflow-scenario`; it is not the shareable *scenario link* of
 * src/lessons/scenario.ts (format `mica-lab/scenario`: shell commands + mode + lesson). A file
 * describes a run of a workflow and what the machine must conclude about it; a link replays
 * what a learner typed. The loader reads the text with positions (lib/located-json.ts) so
 * every refusal names the line, the column and the key path; it checks `format` and
 * `version` before anything else, so a newer file gets "made by a newer Mica Lab", not a
 * confusing field error; it never throws.
 */
import { realmNameProblem, unknownRealm, type MachineMode } from '../emulator/index.ts';
import {
  jsonIndexPath,
  jsonKeyPath,
  parseLocatedJson,
  type TextPosition,
} from '../lib/located-json.ts';
import { MICA_GAPS, type MicaGap } from '../policy/abi.ts';
import { WORKFLOW_EXAMPLES } from '../policy/examples/index.ts';
import type { WorkflowExample } from '../policy/examples/build.ts';
import { GROUP_CHECKS, type GroupCheckId } from '../policy/group/verify.ts';
import { parsePolicy } from '../policy/parse.ts';
import { PROMPT_LABEL } from './llm.ts';
import { ATTACKS } from './attacks.ts';
import { STAGE_PROGRAMS } from './programs/index.ts';
import { SCENARIO_FILE_FORMAT } from './scenario-format.ts';

export { SCENARIO_FILE_FORMAT };
/** The layout version this lab reads and writes. */
export const SCENARIO_FILE_VERSION = 1;
/** Largest scenario file the loader reads (characters). */
export const SCENARIO_FILE_MAX_CHARS = 256 * 1024;
/** Most host steps a script may have. */
export const SCENARIO_MAX_STEPS = 64;
/** Smallest and largest object size a file may ask for (one page .. the §5.1 256 KiB). */
export const SCENARIO_MIN_OBJECT = 0x1000;
export const SCENARIO_MAX_OBJECT = 0x40000;

/** How the menu groups scenarios (issue 12 "In the page"). */
export const SCENARIO_GROUPS = ['honest', 'stage-attack', 'host-attack', 'prototype-gap'] as const;
export type ScenarioGroup = (typeof SCENARIO_GROUPS)[number];

/** The machine modes a file may ask for. */
const MODES: readonly MachineMode[] = ['mica', 'mica-prototype', 'cca'];

/** One realm of the workflow. */
export interface ScenarioRealm {
  readonly name: string;
  /** `honest` (the stage's application) or a malicious variant of programs/index.ts. */
  readonly program: string;
  /**
   * The policy text it uploads (default: the workflow example's file for this realm). In the
   * file: a string or an array of lines.
   */
  readonly policy?: string;
  /** Holds the network device: the tenant's inputs arrive (and are labelled) here. */
  readonly gateway: boolean;
}

/** One step of the host script (what KVM/the VMM does, in order). */
export type HostStep =
  /** Prefault the realm's protected BARs and upload its policy (`prefault`: how much). */
  | {
      readonly do: 'setup';
      readonly realm: string;
      readonly prefault?: 'all' | 'first-page' | 'none';
    }
  /** `setup` for every workflow realm in upload order (the runbook). */
  | { readonly do: 'setup-all' }
  /** The application phase: the tenant's input arrives and moves down the pipe; then every realm with a malicious program runs it. */
  | { readonly do: 'run-app' }
  /** Runs one realm's program (its variant, or an added realm's). */
  | { readonly do: 'run'; readonly realm: string }
  /** A group token from `realm` (default the first), verified by the tenant. `drop`: the host hides the last blob; `forge`: a blob claims its realm is a gateway. */
  | {
      readonly do: 'attest';
      readonly realm?: string;
      readonly drop?: 'last';
      readonly forge?: string;
    }
  /** Maps an NS page into the realm (a console before upload; a fresh one after). */
  | { readonly do: 'give-ns-page'; readonly realm: string }
  /** Builds a realm that is not in the workflow, with BARs for `objects`. */
  | {
      readonly do: 'add-realm';
      readonly name: string;
      readonly objects: readonly string[];
      /** none: no upload; `solo-read`/`solo-rw`: a one-realm policy over its first object; `copy:<realm>`: uploads that realm's policy. */
      readonly policy: string;
      readonly program?: string;
    }
  /** Maps page `page` of object `object` at window `window` (BAR index) of `realm`. */
  | {
      readonly do: 'map-shared';
      readonly realm: string;
      readonly object: string;
      readonly window: number;
      readonly page?: number;
    }
  /** At the realm's next setup, its window of `object` gets fresh pages (not the peer's). */
  | { readonly do: 'different-pages'; readonly realm: string; readonly object: string }
  /** At the realm's next setup, its window of `object` gets the first page of `to`. */
  | { readonly do: 'alias'; readonly realm: string; readonly object: string; readonly to: string }
  /** Tears the realm down (REC, data, tables, RD). */
  | { readonly do: 'destroy'; readonly realm: string }
  /** Tears the realm down and builds one from another `image` under its name (a substitution). */
  | { readonly do: 'substitute'; readonly realm: string; readonly image: string }
  /** RMI_GRANULE_UNDELEGATE of a page of an object's backing file while it is mapped. */
  | { readonly do: 'undelegate'; readonly object: string; readonly page?: number }
  /** Injects a virtual interrupt at the realm's next entries and runs it once. */
  | { readonly do: 'inject-irq'; readonly realm: string }
  /** Prefaults the first BAR of two realms interleaved, with the monitor unsynchronised. */
  | { readonly do: 'race-prefaults'; readonly realms: readonly [string, string] };

/** The host step kinds. */
export const HOST_STEPS = [
  'setup',
  'setup-all',
  'run-app',
  'run',
  'attest',
  'give-ns-page',
  'add-realm',
  'map-shared',
  'different-pages',
  'alias',
  'destroy',
  'substitute',
  'undelegate',
  'inject-irq',
  'race-prefaults',
] as const satisfies readonly HostStep['do'][];

/** A sensitive input the tenant sends (labelled at the gateway's network device). */
export interface ScenarioInput {
  readonly label: string;
  readonly realm: string;
  /** The bytes as text (the LLM prompt); default: the workflow's own input (the video). */
  readonly text?: string;
}

/** What the machine must conclude (issue 12: no leak / leak through X / blocked by Y / rejected for Z). */
export type Expectation =
  | { readonly outcome: 'no-leak'; readonly verifier?: VerifierExpectation }
  | { readonly outcome: 'leak'; readonly through: string; readonly check?: GroupCheckId }
  | {
      readonly outcome: 'blocked';
      /** The clause of the refusal that decided (policy/judge.ts `decidingRefusal`), short or a part. */
      readonly clause: string;
      readonly verifier?: VerifierExpectation;
    }
  | { readonly outcome: 'rejected'; readonly check: GroupCheckId };

/** What the group verifier must answer, when the script attests. */
export type VerifierExpectation = 'verified' | 'rejected' | 'not verified' | 'none';

/**
 * The outcomes, in the order the judge decides them: a leak outranks everything, a block by
 * the monitor outranks the verifier's rejection (the attack was stopped where it happened).
 */
export const OUTCOMES = ['leak', 'blocked', 'rejected', 'no-leak'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** A loaded workflow scenario file. */
export interface ScenarioFile {
  readonly format: typeof SCENARIO_FILE_FORMAT;
  readonly version: typeof SCENARIO_FILE_VERSION;
  readonly id: string;
  readonly title: string;
  readonly group: ScenarioGroup;
  /** The §6 attack it plays, if any. */
  readonly attack?: number;
  readonly notes?: string;
  readonly mode: MachineMode;
  /** Prototype gap switches (mode `mica-prototype` only; default all). */
  readonly gaps?: readonly MicaGap[];
  /** The workflow example (src/policy/examples) whose realms and policies it runs. */
  readonly workflow: string;
  /** Size of each shared object (default: as the policies say; smaller runs faster). */
  readonly objectSize?: number;
  readonly realms: readonly ScenarioRealm[];
  readonly host: readonly HostStep[];
  readonly inputs: readonly ScenarioInput[];
  readonly sanitisers: readonly string[];
  readonly expect: Expectation;
}

/** A refusal: where and what. */
export interface ScenarioFileError {
  readonly position: TextPosition;
  /** JSON key path of the offending value (`` for the file as a whole). */
  readonly path: string;
  readonly message: string;
}

/** The loader's answer. */
export type ScenarioFileLoad =
  | { readonly ok: true; readonly scenario: ScenarioFile }
  | { readonly ok: false; readonly error: ScenarioFileError };

/** `file:line:col: path: message`, as compilers print it. */
export function formatScenarioError(file: string, e: ScenarioFileError): string {
  const where = e.path === '' ? '' : `${e.path}: `;
  return `${file}:${e.position.line}:${e.position.column}: ${where}${e.message}`;
}

/** The workflow example a scenario names. */
export function workflowOf(id: string): WorkflowExample | undefined {
  return WORKFLOW_EXAMPLES.find((e) => e.id === id);
}

/** The label a workflow's own input carries (the LLM prompt, else the video). */
export function inputLabelOf(example: WorkflowExample): string {
  return example.id.startsWith('llm-') ? PROMPT_LABEL : 'video';
}

class Refusal {
  constructor(
    readonly path: string,
    readonly message: string,
  ) {}
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Field readers over an object at `path`; unknown keys are refused. */
class Fields {
  private readonly seen = new Set<string>();
  constructor(
    readonly obj: Record<string, unknown>,
    readonly path: string,
  ) {}
  static of(v: unknown, path: string, what: string): Fields {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new Refusal(path, `expected ${what} (an object), found ${describe(v)}`);
    return new Fields(v as Record<string, unknown>, path);
  }
  at(key: string): string {
    return jsonKeyPath(this.path, key);
  }
  raw(key: string): unknown {
    this.seen.add(key);
    return Object.hasOwn(this.obj, key) ? this.obj[key] : undefined;
  }
  has(key: string): boolean {
    return Object.hasOwn(this.obj, key);
  }
  string(key: string, opt?: false): string;
  string(key: string, opt: true): string | undefined;
  string(key: string, opt = false): string | undefined {
    const v = this.raw(key);
    if (v === undefined && opt) return undefined;
    if (typeof v !== 'string')
      throw new Refusal(
        this.at(key),
        `expected a string, found ${v === undefined ? 'nothing' : describe(v)}`,
      );
    return v;
  }
  choice<T extends string>(key: string, options: readonly T[], opt?: false): T;
  choice<T extends string>(key: string, options: readonly T[], opt: true): T | undefined;
  choice<T extends string>(key: string, options: readonly T[], opt = false): T | undefined {
    const v = opt ? this.string(key, true) : this.string(key);
    if (v === undefined) return undefined;
    if (!(options as readonly string[]).includes(v))
      throw new Refusal(this.at(key), `"${v}" is not one of ${options.join(', ')}`);
    return v as T;
  }
  int(key: string, min: number, max: number, opt = false): number | undefined {
    const v = this.raw(key);
    if (v === undefined && opt) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw new Refusal(
        this.at(key),
        `expected an integer in ${min}..${max}, found ${v === undefined ? 'nothing' : describe(v)}`,
      );
    return v;
  }
  bool(key: string, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean')
      throw new Refusal(this.at(key), `expected true or false, found ${describe(v)}`);
    return v;
  }
  array(key: string, max: number, opt = false): unknown[] {
    const v = this.raw(key);
    if (v === undefined && opt) return [];
    if (!Array.isArray(v))
      throw new Refusal(
        this.at(key),
        `expected an array, found ${v === undefined ? 'nothing' : describe(v)}`,
      );
    if (v.length > max)
      throw new Refusal(this.at(key), `at most ${max} entries, found ${v.length}`);
    return v;
  }
  strings(key: string, max: number, opt = false): string[] {
    return this.array(key, max, opt).map((x, i) => {
      if (typeof x !== 'string')
        throw new Refusal(
          jsonIndexPath(this.at(key), i),
          `expected a string, found ${describe(x)}`,
        );
      return x;
    });
  }
  /** Refuses keys nobody read. */
  done(): void {
    for (const k of Object.keys(this.obj))
      if (!this.seen.has(k))
        throw new Refusal(this.at(k), `unknown key "${k}" (known: ${[...this.seen].join(', ')})`);
  }
}

/** Reads one host step. `realms` are the names a step may name so far (grows with add-realm). */
function readStep(v: unknown, path: string, realms: Set<string>, objects: Set<string>): HostStep {
  const f = Fields.of(v, path, 'a host step');
  const kind = f.choice('do', HOST_STEPS);
  const realm = (key = 'realm', opt = false): string | undefined => {
    const name = opt ? f.string(key, true) : f.string(key);
    if (name !== undefined && !realms.has(name))
      throw new Refusal(f.at(key), unknownRealm(name, [...realms]));
    return name;
  };
  const object = (key: string): string => {
    const name = f.string(key);
    if (!objects.has(name))
      throw new Refusal(
        f.at(key),
        `no shared object "${name}" (objects: ${[...objects].join(', ')})`,
      );
    return name;
  };
  let step: HostStep;
  switch (kind) {
    case 'setup': {
      const prefault = f.choice('prefault', ['all', 'first-page', 'none'] as const, true);
      step = { do: kind, realm: realm()!, ...(prefault ? { prefault } : {}) };
      break;
    }
    case 'setup-all':
    case 'run-app':
      step = { do: kind };
      break;
    case 'run':
    case 'give-ns-page':
    case 'destroy':
    case 'inject-irq':
      step = { do: kind, realm: realm()! };
      break;
    case 'substitute':
      step = { do: kind, realm: realm()!, image: f.string('image') };
      break;
    case 'attest': {
      const r = realm('realm', true);
      const drop = f.choice('drop', ['last'] as const, true);
      const forge = realm('forge', true);
      step = {
        do: kind,
        ...(r ? { realm: r } : {}),
        ...(drop ? { drop } : {}),
        ...(forge ? { forge } : {}),
      };
      break;
    }
    case 'add-realm': {
      const name = f.string('name');
      const problem = realmNameProblem(name);
      if (problem !== undefined) throw new Refusal(f.at('name'), problem);
      if (realms.has(name)) throw new Refusal(f.at('name'), `there is already a realm "${name}"`);
      // The host may open backing files of its own: new objects are allowed here.
      const objs = f.strings('objects', 4);
      objs.forEach((o, i) => {
        if (!/^[A-Za-z]\w{0,15}$/.test(o))
          throw new Refusal(
            jsonIndexPath(f.at('objects'), i),
            'an object name is a letter then up to 15 letters, digits or _',
          );
      });
      if (objs.length === 0)
        throw new Refusal(f.at('objects'), 'an added realm maps at least one object');
      const policy = f.string('policy');
      const copy = /^copy:(.+)$/.exec(policy);
      if (!['none', 'solo-read', 'solo-rw'].includes(policy) && !(copy && realms.has(copy[1]!)))
        throw new Refusal(
          f.at('policy'),
          `expected none, solo-read, solo-rw or copy:<realm>, found "${policy}"`,
        );
      const program = f.string('program', true);
      if (program !== undefined && !Object.hasOwn(STAGE_PROGRAMS, program))
        throw new Refusal(f.at('program'), `no program "${program}"`);
      realms.add(name);
      for (const o of objs) objects.add(o);
      step = { do: kind, name, objects: objs, policy, ...(program ? { program } : {}) };
      break;
    }
    case 'map-shared': {
      const r = realm()!;
      const o = object('object');
      const window = f.int('window', 0, 7)!;
      const page = f.int('page', 0, 63, true);
      step = { do: kind, realm: r, object: o, window, ...(page === undefined ? {} : { page }) };
      break;
    }
    case 'different-pages':
      step = { do: kind, realm: realm()!, object: object('object') };
      break;
    case 'alias':
      step = { do: kind, realm: realm()!, object: object('object'), to: object('to') };
      break;
    case 'undelegate': {
      const o = object('object');
      const page = f.int('page', 0, 63, true);
      step = { do: kind, object: o, ...(page === undefined ? {} : { page }) };
      break;
    }
    case 'race-prefaults': {
      const names = f.strings('realms', 2);
      if (names.length !== 2) throw new Refusal(f.at('realms'), 'expected two realms');
      names.forEach((n, i) => {
        if (!realms.has(n))
          throw new Refusal(jsonIndexPath(f.at('realms'), i), unknownRealm(n, [...realms]));
      });
      step = { do: kind, realms: [names[0]!, names[1]!] };
      break;
    }
  }
  f.done();
  return step;
}

function readExpect(v: unknown, path: string): Expectation {
  const f = Fields.of(v, path, 'the expected outcome');
  const outcome = f.choice('outcome', OUTCOMES);
  const checks = GROUP_CHECKS.map((c) => c.id);
  const verifier = f.choice(
    'verifier',
    ['verified', 'rejected', 'not verified', 'none'] as const,
    true,
  );
  let e: Expectation;
  switch (outcome) {
    case 'no-leak':
      e = { outcome, ...(verifier ? { verifier } : {}) };
      break;
    case 'leak': {
      const check = f.choice('check', checks, true);
      e = { outcome, through: f.string('through'), ...(check ? { check } : {}) };
      break;
    }
    case 'blocked':
      e = { outcome, clause: f.string('clause'), ...(verifier ? { verifier } : {}) };
      break;
    case 'rejected':
      e = { outcome, check: f.choice('check', checks) };
      break;
  }
  f.done();
  return e;
}

function readScenario(root: unknown): ScenarioFile {
  const f = Fields.of(root, '', 'a scenario file');
  const format = f.raw('format');
  if (format === 'mica-lab/scenario')
    throw new Refusal(
      'format',
      'this is a scenario link (a learner\'s commands), not a workflow scenario file: run it with "mica-lab scenario run"',
    );
  if (format !== SCENARIO_FILE_FORMAT)
    throw new Refusal(
      'format',
      `this is not a workflow scenario file: "format" must be "${SCENARIO_FILE_FORMAT}", found ${format === undefined ? 'nothing' : describe(format)}`,
    );
  const version = f.raw('version');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw new Refusal(
      'version',
      `expected a positive integer version, found ${version === undefined ? 'nothing' : describe(version)}`,
    );
  if (version > SCENARIO_FILE_VERSION)
    throw new Refusal(
      'version',
      `made by a newer Mica Lab: version ${version}, this lab reads version ${SCENARIO_FILE_VERSION}; update the lab`,
    );
  const id = f.string('id');
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(id))
    throw new Refusal(f.at('id'), 'an id is lower-case letters, digits and dashes (at most 64)');
  const title = f.string('title');
  const group = f.choice('group', SCENARIO_GROUPS);
  const attack = f.int('attack', 1, ATTACKS.length, true);
  const notes = f.string('notes', true);
  const mode = f.choice('mode', MODES);
  const gaps = f.has('gaps') ? f.strings('gaps', MICA_GAPS.length) : undefined;
  gaps?.forEach((g, i) => {
    if (!(MICA_GAPS as readonly string[]).includes(g))
      throw new Refusal(
        jsonIndexPath(f.at('gaps'), i),
        `no gap switch "${g}" (known: ${MICA_GAPS.join(', ')})`,
      );
  });
  if (gaps && mode !== 'mica-prototype')
    throw new Refusal(f.at('gaps'), `gap switches belong to mode mica-prototype, not ${mode}`);
  const workflow = f.string('workflow');
  const example = workflowOf(workflow);
  if (!example)
    throw new Refusal(
      f.at('workflow'),
      `no workflow "${workflow}" (known: ${WORKFLOW_EXAMPLES.map((e) => e.id).join(', ')})`,
    );
  const objectSize = f.int('objectSize', SCENARIO_MIN_OBJECT, SCENARIO_MAX_OBJECT, true);
  if (objectSize !== undefined && objectSize % SCENARIO_MIN_OBJECT !== 0)
    throw new Refusal(f.at('objectSize'), 'an object size is a whole number of 4 KiB pages');
  const rawRealms = f.array('realms', example.realms.length);
  if (rawRealms.length !== example.realms.length)
    throw new Refusal(
      f.at('realms'),
      `workflow ${workflow} has ${example.realms.length} realms (${example.realms.map((r) => r.name).join(', ')}), found ${rawRealms.length}`,
    );
  const realms = rawRealms.map((v, i): ScenarioRealm => {
    const path = jsonIndexPath(f.at('realms'), i);
    const r = Fields.of(v, path, 'a realm');
    const name = r.string('name');
    const want = example.realms[i]!.name;
    if (name !== want)
      throw new Refusal(
        r.at('name'),
        name.toLowerCase() === want
          ? `realm #${i + 1} of ${workflow} is "${want}": realm names are lower case and exact`
          : `realm #${i + 1} of ${workflow} is "${want}" (realms are listed in upload order)`,
      );
    const program = r.string('program');
    if (program !== 'honest' && !Object.hasOwn(STAGE_PROGRAMS, program))
      throw new Refusal(
        r.at('program'),
        `no program "${program}" (honest or one of ${Object.keys(STAGE_PROGRAMS).join(', ')})`,
      );
    // The policy text: a string, or an array of its lines (easier to read and edit in JSON).
    const rawPolicy = r.raw('policy');
    const policy = Array.isArray(rawPolicy)
      ? r.strings('policy', 4096).join('\n')
      : r.string('policy', true);
    if (policy !== undefined) {
      const parsed = parsePolicy(policy);
      if (!parsed.ok) {
        const e = parsed.errors[0]!;
        throw new Refusal(
          r.at('policy'),
          `the policy text does not parse: ${e.line}:${e.column}: ${e.message}`,
        );
      }
    }
    const gateway = r.bool('gateway', false);
    if (gateway !== (i === 0))
      throw new Refusal(
        r.at('gateway'),
        'the first realm, and only it, holds the network device ("gateway": true)',
      );
    r.done();
    return { name, program, gateway, ...(policy === undefined ? {} : { policy }) };
  });
  const names = new Set(realms.map((r) => r.name));
  const objects = new Set(
    example.realms.flatMap((r) => [...r.text.matchAll(/"(Mem\w*)"\s*:/g)].map((m) => m[1]!)),
  );
  const inputs = f.array('inputs', 4).map((v, i): ScenarioInput => {
    const r = Fields.of(v, jsonIndexPath(f.at('inputs'), i), 'an input');
    const label = r.string('label');
    if (label !== inputLabelOf(example))
      throw new Refusal(
        r.at('label'),
        `workflow ${workflow} labels its input "${inputLabelOf(example)}"`,
      );
    const realm = r.string('realm');
    if (realm !== realms[0]!.name)
      throw new Refusal(
        r.at('realm'),
        realm.toLowerCase() === realms[0]!.name
          ? unknownRealm(
              realm,
              realms.map((x) => x.name),
            )
          : `inputs arrive at the gateway's network device ("${realms[0]!.name}")`,
      );
    const text = r.string('text', true);
    if (text !== undefined && label !== PROMPT_LABEL)
      throw new Refusal(
        r.at('text'),
        `workflow ${workflow} sends its own synthetic video; "text" is the LLM workflows' prompt`,
      );
    if (text !== undefined && (text.length === 0 || text.length > 64))
      throw new Refusal(r.at('text'), 'an input text has 1 to 64 characters');
    r.done();
    return { label, realm, ...(text === undefined ? {} : { text }) };
  });
  if (inputs.length !== 1) throw new Refusal(f.at('inputs'), 'expected exactly one input');
  const sanitisers = f.strings('sanitisers', 4);
  sanitisers.forEach((s, i) => {
    if (!names.has(s))
      throw new Refusal(jsonIndexPath(f.at('sanitisers'), i), unknownRealm(s, [...names]));
  });
  const known = new Set(names);
  const host = f
    .array('host', SCENARIO_MAX_STEPS)
    .map((v, i) => readStep(v, jsonIndexPath(f.at('host'), i), known, objects));
  const expect = readExpect(f.raw('expect'), f.at('expect'));
  f.done();
  return {
    format: SCENARIO_FILE_FORMAT,
    version: SCENARIO_FILE_VERSION,
    id,
    title,
    group,
    ...(attack === undefined ? {} : { attack }),
    ...(notes === undefined ? {} : { notes }),
    mode,
    ...(gaps ? { gaps: gaps as MicaGap[] } : {}),
    workflow,
    ...(objectSize === undefined ? {} : { objectSize }),
    realms,
    host,
    inputs,
    sanitisers,
    expect,
  };
}

/** The closest located ancestor of `path` (a missing key is reported where its object starts). */
function locate(at: ReadonlyMap<string, TextPosition>, path: string): TextPosition {
  for (let p = path; ;) {
    const pos = at.get(p);
    if (pos) return pos;
    if (p === '') return { line: 1, column: 1 };
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut <= 0 ? '' : p.slice(0, cut);
  }
}

/** Loads a scenario file's text; never throws. */
export function loadScenarioFile(text: string): ScenarioFileLoad {
  if (text.length > SCENARIO_FILE_MAX_CHARS)
    return {
      ok: false,
      error: {
        position: { line: 1, column: 1 },
        path: '',
        message: `the file has ${text.length} characters, more than the ${SCENARIO_FILE_MAX_CHARS} a scenario may have`,
      },
    };
  const parsed = parseLocatedJson(text);
  if (!parsed.ok)
    return {
      ok: false,
      error: { position: parsed.position, path: '', message: `not JSON: ${parsed.message}` },
    };
  try {
    return { ok: true, scenario: readScenario(parsed.value) };
  } catch (error) {
    if (error instanceof Refusal)
      return {
        ok: false,
        error: {
          position: locate(parsed.at, error.path),
          path: error.path,
          message: error.message,
        },
      };
    throw error;
  }
}
