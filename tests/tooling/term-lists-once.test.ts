// A lesson's term list is written once in the tests: lesson-terms.test.ts and cli.test.ts both
// spelled out 02-realms/05-attest's six terms, so a change to the lesson's list meant two edits
// that could disagree. A test that pins a list imports it (tests/lessons/attest-terms.ts).
// Read as text: a list counts when three or more of a lesson's terms stand quoted in a row.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LESSONS } from '../../src/lessons/loaded.ts';

const TESTS = resolve(import.meta.dirname, '..');
/** Fewer terms in a row than this is a mention, not the lesson's list. */
const LIST_LENGTH = 3;

/** Every .ts file under `dir`. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** A pattern for `terms` written as quoted strings separated by commas, in that order. */
function listPattern(terms: readonly string[]): RegExp {
  const quoted = terms.map((t) => `(['"\`])${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1`);
  // Each quote gets its own group; renumber the back-references.
  const parts = quoted.map((q, i) => q.replace('\\1', `\\${i + 1}`));
  return new RegExp(parts.join('\\s*,\\s*'));
}

describe("a lesson's term list in the tests", () => {
  it('is written in one file at most', () => {
    const sources = tsFiles(TESTS).map((path) => ({
      path: relative(TESTS, path),
      text: readFileSync(path, 'utf8'),
    }));
    const twice = LESSONS.filter((lesson) => lesson.glossary.length >= LIST_LENGTH).flatMap(
      (lesson) => {
        const pattern = listPattern(lesson.glossary);
        const files = sources.filter((s) => pattern.test(s.text)).map((s) => s.path);
        return files.length > 1 ? [`${lesson.id}: ${files.join(', ')}`] : [];
      },
    );
    expect(twice).toEqual([]);
  });

  it('the reader finds a list across lines and quotes, and not a shorter one', () => {
    const pattern = listPattern(['RAK / CPAK', 'Binding', 'RIM']);
    expect(pattern.test('[\n  \'RAK / CPAK\',\n  "Binding",\n  `RIM`,\n]')).toBe(true);
    expect(pattern.test("['RAK / CPAK', 'Binding']")).toBe(false);
    expect(pattern.test("['RAK / CPAK', 'Binding\", 'RIM']")).toBe(false);
  });
});
