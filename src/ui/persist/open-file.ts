/**
 * Opening a file the learner hands the page: a progress file (the lesson pane's "Open progress
 * file" button, or dropped anywhere on the page), a workflow scenario file (dropped; run as
 * the Pipeline view's Scenario menu runs a shipped one) or a Mica policy (dropped; into the
 * policy editor, as its Load puts a shipped file there). A dropped file is told apart by its
 * JSON `format` (lessons/save.ts `SAVE_FORMAT`, workflows/scenario-format.ts) or a policy's
 * `"Self"`, then goes through the same path as its button or menu, with the same refusal: a
 * bad file is refused with the message that names what is wrong (and where, for a scenario
 * file), and changes nothing the learner had. Without this a file dropped on the page was opened by the browser,
 * which navigated away from the lab.
 */
import { parseSave, saveFileText, saveSizeProblem, type JudgedRun } from '../../lessons/index.ts';
import { SAVE_FORMAT } from '../../lessons/save.ts';
import { loadLesson } from '../../lessons/catalogue.ts';
import { loadShellCode } from '../../shell/index.ts';
import { SCENARIO_FILE_FORMAT } from '../../workflows/scenario-format.ts';
import { textOfFile, type TextFile } from '../../lib/text-file.ts';
import type { LessonState } from '../lesson/lesson-state.svelte.ts';
import { applyScenario } from './session.ts';

/**
 * A file's text, or why it is not a file the lab reads (too big; binary, as `asText` words it:
 * the save reader says a save file is JSON text).
 */
async function readText(
  file: File,
  asText: (bytes: Uint8Array) => TextFile = textOfFile,
): Promise<TextFile> {
  // A wrong file (a video picked by mistake) is refused by its size, before it is read in.
  const tooBig = saveSizeProblem(file.size);
  if (tooBig) return { ok: false, error: tooBig };
  // A binary file (a picture picked by mistake) is refused as not text, before JSON.
  return asText(new Uint8Array(await file.arrayBuffer()));
}

/**
 * Opens progress file `file` (the "Open progress file" button and a dropped save file): its
 * lessons' progress replaces the browser's, its scenario is put on screen, and every judged run
 * it lists is judged again on a fresh machine. A bad file is refused, nothing changed.
 */
export async function openProgressFile(course: LessonState, file: File): Promise<void> {
  const text = await readText(file, saveFileText);
  const parsed = text.ok ? parseSave(text.value) : text;
  if (!parsed.ok) {
    course.notify(
      'error',
      'That progress file was not opened',
      `${file.name}: ${parsed.error}. Your current progress is unchanged.`,
    );
    return;
  }
  course.store.save = parsed.value.save;
  const current = parsed.value.save.current;
  if (current) {
    const progress = current.lesson ? parsed.value.save.progress[current.lesson] : undefined;
    await applyScenario(course, current, {
      undoLabel: `open ${file.name}`,
      ...(progress ? { progress } : {}),
    });
    if (current.lesson) history.replaceState(null, '', `#/lesson/${current.lesson}`);
  }
  const solved = Object.values(parsed.value.save.progress).filter((p) => p.status === 'solved');
  course.notify(
    'ok',
    'Progress file opened',
    `${file.name}: ${Object.keys(parsed.value.save.progress).length} lessons, ${solved.length} solved.` +
      (parsed.value.warnings.length ? ` Note: ${parsed.value.warnings.join('; ')}.` : ''),
  );
  await recheckOpened(course, parsed.value.save.judgedRuns ?? [], file.name);
}

/**
 * Judges the opened file's runs again, each on a fresh machine from its lesson's start and
 * its recorded steps (judged-run.ts `recheckRun`, what `mica-lab lesson runs` does), one at
 * a time so the page stays responsive; says what the machine says. A hand-in cannot claim
 * a run the machine does not reach.
 */
async function recheckOpened(
  course: LessonState,
  runs: readonly JudgedRun[],
  name: string,
): Promise<void> {
  if (runs.length === 0) return;
  // The replayed steps may need code the page loads when first used (attestation, policies).
  const [{ describeRecheck, recheckRun, rechecked }] = await Promise.all([
    import('../../lessons/judged-run.ts'),
    loadShellCode(),
  ]);
  const results = [];
  for (const run of runs) {
    // One run per task: a replay takes a moment, and the page keeps drawing meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 0));
    results.push(recheckRun(run, await loadLesson(run.lesson)));
  }
  // A run judged by an earlier rule of the lab (`renamed`: the same block, another refusal
  // named as deciding now) agrees, and its line says which clause the lab names now.
  const agreed = results.filter(rechecked).length;
  const others = results.flatMap((r, i) => (r.kind === 'agrees' ? [] : [describeRecheck(r, i)]));
  const renamed = results.some((r) => r.kind === 'renamed');
  course.notify(
    agreed === runs.length ? 'ok' : 'error',
    agreed === runs.length
      ? renamed
        ? 'Judged runs checked: the machine agrees (some name another deciding clause now)'
        : 'Judged runs checked: the machine agrees'
      : 'Judged runs checked: the machine does not agree with every run',
    `${name}: ${agreed}/${runs.length} judged runs agree with the machine (each replayed on a fresh machine).` +
      (others.length > 0 ? `\n${others.join('\n')}` : ''),
  );
}

/** What a dropped file is, by its JSON `format`: a progress file, a scenario file, or why neither. */
export type DroppedKind =
  | { readonly kind: 'progress' }
  | { readonly kind: 'scenario' }
  | { readonly kind: 'policy' }
  | { readonly kind: 'other'; readonly why: string };

/** A Mica policy's text names its own VM (mica-spec.md §2.1): `"Self": "VM1"`. */
const POLICY_SELF = /"Self"\s*:/;

/**
 * What dropped text `text` is: its top-level `format` names a save file or a workflow scenario
 * file; anything else says why it is neither (not JSON, no format, another format).
 */
export function droppedKind(text: string): DroppedKind {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // A policy is JSON-like, with hex numbers JSON does not have.
    if (POLICY_SELF.test(text)) return { kind: 'policy' };
    return { kind: 'other', why: 'it is not JSON' };
  }
  const format =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as { format?: unknown }).format
      : undefined;
  if (format === SAVE_FORMAT) return { kind: 'progress' };
  if (format === SCENARIO_FILE_FORMAT) return { kind: 'scenario' };
  if (format === undefined && POLICY_SELF.test(text)) return { kind: 'policy' };
  return {
    kind: 'other',
    why:
      typeof format === 'string'
        ? `its "format" is "${format.slice(0, 40)}"`
        : 'it is JSON with no "format"',
  };
}

/** What the page takes when dropped, for a refusal of a file it does not take. */
const WHAT_THE_PAGE_OPENS =
  `Drop a progress file (format "${SAVE_FORMAT}", as Download progress writes it) or a ` +
  `scenario file (format "${SCENARIO_FILE_FORMAT}", as in scenarios/) anywhere on the page.`;

/**
 * Opens the files dropped on the page: one progress file as {@link openProgressFile} does, or
 * one scenario file, loaded by the same reader as the shipped ones (a refusal names its line,
 * column and key) and run as the Scenario menu runs them; then `show('pipeline')` (the page
 * shows the Pipeline view, where the verdict is). A Mica policy goes into the policy editor
 * (policy/policy-inbox.svelte.ts), as its Load button puts a shipped file there, and the page
 * shows the Policy tab. Anything else is refused with what the page opens; nothing changes.
 */
export async function openDroppedFiles(
  course: LessonState,
  files: readonly File[],
  show: (view: 'pipeline' | 'policy') => void,
): Promise<void> {
  const [file] = files;
  if (!file) return;
  if (files.length > 1) {
    course.notify(
      'error',
      'Nothing was opened',
      `${files.length} files were dropped: drop one file at a time. ${WHAT_THE_PAGE_OPENS}`,
    );
    return;
  }
  const text = await readText(file);
  const what = text.ok ? droppedKind(text.value) : { kind: 'other' as const, why: text.error };
  if (what.kind === 'progress') return openProgressFile(course, file);
  if (what.kind === 'policy' && text.ok) {
    // Into the policy editor, as its Load button puts a shipped file there: checked as the
    // learner reads it, uploaded by "Upload into <realm>".
    const { policyInboxOf } = await import('../policy/policy-inbox.svelte.ts');
    policyInboxOf(course.lab).waiting = text.value;
    show('policy');
    course.notify(
      'ok',
      'Policy put in the editor',
      `${file.name} is in the Policy tab's editor, checked as you edit it; "Upload into <realm>" uploads it. The machine is unchanged.`,
    );
    return;
  }
  if (what.kind === 'other' || !text.ok) {
    course.notify(
      'error',
      'That file was not opened',
      `${file.name}: ${what.kind === 'other' ? what.why : 'unreadable'}. ${WHAT_THE_PAGE_OPENS} Nothing changed.`,
    );
    return;
  }
  const [{ loadScenarioFile, formatScenarioError }, { demoOf }] = await course.whileLoading(
    Promise.all([import('../../workflows/scenario-file.ts'), import('../pipeline/demo.svelte.ts')]),
  );
  const loaded = loadScenarioFile(text.value);
  if (!loaded.ok) {
    course.notify(
      'error',
      'That scenario file was not run',
      `${formatScenarioError(file.name, loaded.error)}. Nothing changed.`,
    );
    return;
  }
  const result = await demoOf(course.lab).startDropped(loaded.scenario, file.name);
  if (result) show('pipeline');
}
