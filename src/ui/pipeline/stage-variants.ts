/**
 * What each stage of the drawn pipeline can be switched to (issue 12 "In the page": "the
 * learner can switch a stage to one of its malicious variants and re-run"; mica-spec.md §6):
 * the malicious programs of src/workflows/programs that a shipped scenario file plays in that
 * stage, in the machine's mode, with every other stage honest, plus the honest run to switch
 * back. Picking one runs that file, so the outcome shown is the file's, judged by the machine.
 *
 * Design rationale: the files are the one source of what can be run (CI checks each one's
 * expectation), so a variant without a file is not offered rather than run with no expected
 * outcome; a pure function of the loaded files, the drawn realm names and the mode.
 */
import { STAGE_PROGRAMS } from '../../workflows/programs/index.ts';
import type { ScenarioFile } from '../../workflows/scenario-file.ts';

/** One entry of a stage's menu. */
export interface StageVariant {
  /** `honest` or a malicious program id (src/workflows/programs). */
  readonly program: string;
  /** What the program does, in plain words. */
  readonly title: string;
  /** The shipped scenario file that plays it. */
  readonly file: string;
  /** The file's title. */
  readonly scenario: string;
  /** The §6 attack, for a malicious program. */
  readonly attack?: number;
}

/** The honest entry's words. */
export const HONEST_TITLE = 'honest: does its job and nothing else';

/**
 * How close file `f` is to the scenario on the machine: the same workflow counts most, then the
 * same gap switches (so a program played by two files is offered once, as the closer one).
 */
function closeness(f: ScenarioFile, now: ScenarioFile | undefined): number {
  if (!now) return 0;
  const gaps = (x: ScenarioFile) => [...(x.gaps ?? [])].sort().join(',');
  return (f.workflow === now.workflow ? 2 : 0) + (gaps(f) === gaps(now) ? 1 : 0);
}

/**
 * Each drawn realm's menu: variants with a shipped file in `mode` whose realms are all drawn
 * (the same workflow's stages) and whose only non-honest realm is that one; the honest file
 * first. A program two files play is offered once, by the file closest to `now` (the scenario
 * on the machine). Realms with nothing to switch to are absent.
 */
export function stageVariants(
  files: readonly ScenarioFile[],
  drawn: readonly string[],
  mode: string,
  now?: ScenarioFile,
): ReadonlyMap<string, readonly StageVariant[]> {
  const names = new Set(drawn);
  const out = new Map<string, StageVariant[]>();
  const add = (realm: string, v: StageVariant) => {
    const list = out.get(realm) ?? [];
    if (!list.some((x) => x.program === v.program)) list.push(v);
    out.set(realm, list);
  };
  const fitting = files
    .filter(
      (f) => f.mode === mode && f.realms.length > 1 && f.realms.every((r) => names.has(r.name)),
    )
    .sort((a, b) => closeness(b, now) - closeness(a, now) || (a.id < b.id ? -1 : 1));
  const honest = fitting.find(
    (f) => f.group === 'honest' && f.realms.every((r) => r.program === 'honest'),
  );
  const variants: { realm: string; v: StageVariant }[] = [];
  for (const f of fitting) {
    const malicious = f.realms.filter((r) => r.program !== 'honest');
    const only = malicious.length === 1 ? malicious[0]! : undefined;
    const program = only && STAGE_PROGRAMS[only.program];
    if (!only || !program) continue;
    variants.push({
      realm: only.name,
      v: {
        program: only.program,
        title: program.title,
        file: f.id,
        scenario: f.title,
        attack: program.attack,
      },
    });
  }
  // By attack; within one, in the order of closeness (a stable sort keeps it).
  variants.sort((a, b) => (a.v.attack ?? 0) - (b.v.attack ?? 0));
  for (const { realm } of variants)
    if (honest && !out.has(realm))
      add(realm, {
        program: 'honest',
        title: HONEST_TITLE,
        file: honest.id,
        scenario: honest.title,
      });
  for (const { realm, v } of variants) add(realm, v);
  return out;
}

/** The program realm `realm` runs in file `file` (`honest` when the file does not name it). */
export function programIn(file: ScenarioFile | undefined, realm: string): string | undefined {
  return file?.realms.find((r) => r.name === realm)?.program;
}
