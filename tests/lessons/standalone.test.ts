// Lessons stand alone (issue 15, learnGitBranching levels own their start): a lesson module
// imports nothing from any lesson folder (its own included) nor the catalogue, so no lesson
// builds its start from another lesson's solution or borrows its helpers. What lessons share
// lives in src/lessons/fixtures/ under names that say what they build.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const LESSONS = resolve(import.meta.dirname, '../../src/lessons');
/** A lesson part folder: `01-worlds`, `05-attacks`, ... */
const PART = /^\d\d-[a-z0-9-]+$/;
/** Modules of src/lessons a lesson may not import: they reach every lesson. */
const REACHES_LESSONS = new Set(['catalogue.ts', 'loaded.ts', 'index.ts']);

/** The relative import specifiers of a TypeScript source (static and dynamic). */
function importsOf(source: string): string[] {
  const found: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const match of source.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/** Why `specifier`, imported by the lesson module at `file`, breaks the rule; or undefined. */
function crossLessonImport(file: string, specifier: string): string | undefined {
  const target = relative(LESSONS, resolve(dirname(file), specifier));
  const [top, ...rest] = target.split('/');
  if (top === undefined || top.startsWith('..')) return undefined;
  if (PART.test(top) && rest.length > 0) return `imports the lesson folder ${top}/ (${target})`;
  if (rest.length === 0 && REACHES_LESSONS.has(top))
    return `imports ${top}, which reaches every lesson`;
  return undefined;
}

function lessonModules(): string[] {
  return readdirSync(LESSONS, { withFileTypes: true })
    .filter((d) => d.isDirectory() && PART.test(d.name))
    .flatMap((d) =>
      readdirSync(join(LESSONS, d.name))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(LESSONS, d.name, f)),
    );
}

describe('lessons stand alone', () => {
  it('the rule catches an import of another lesson, a sibling, the catalogue; it lets fixtures through', () => {
    const late = join(LESSONS, '05-attacks/01-late-join.ts');
    expect(crossLessonImport(late, '../04-mica/workflow.ts')).toMatch(/04-mica/);
    expect(crossLessonImport(late, './02-other.ts')).toMatch(/05-attacks/);
    expect(crossLessonImport(late, '../catalogue.ts')).toMatch(/catalogue/);
    expect(crossLessonImport(late, '../fixtures/mica-pipeline.ts')).toBeUndefined();
    expect(crossLessonImport(late, '../schema.ts')).toBeUndefined();
    expect(crossLessonImport(late, '../../emulator/index.ts')).toBeUndefined();
    expect(importsOf(`import { a } from './x.ts';\nconst b = await import('../y.ts');`)).toEqual([
      './x.ts',
      '../y.ts',
    ]);
  });

  it('no lesson module imports from a lesson folder or the catalogue', () => {
    const modules = lessonModules();
    expect(modules.length).toBeGreaterThan(10);
    const problems = modules.flatMap((file) =>
      importsOf(readFileSync(file, 'utf8'))
        .map((specifier) => crossLessonImport(file, specifier))
        .filter((why) => why !== undefined)
        .map((why) => `${relative(LESSONS, file)} ${why}`),
    );
    expect(problems).toEqual([]);
  });
});
