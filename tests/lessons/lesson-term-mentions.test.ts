// A lesson's terms where the learner meets them (src/ui/lesson/markdown.ts `markTerms`, the
// Lesson pane's text; product.md "Lesson pane"): every term a lesson lists must be mentioned in
// its text, so its first mention becomes the link to the definition. A term listed but never
// matched (the prose says `FEAT_RME`, `RMI_REC_ENTER` in code, "the ledger", "undelegating")
// is only in the list under the text, never where the word is used. Run on the pane's own
// parser and matcher, so a spelling counts exactly when the page would mark it.
import { describe, expect, it } from 'vitest';
import { LESSONS } from '../../src/lessons/loaded.ts';
import { markTerms, parseMarkdown, type Block, type Inline } from '../../src/ui/lesson/markdown.ts';

/** The terms `markTerms` marked in a block tree, wherever it marks (tables' bodies too). */
function markedTerms(blocks: readonly Block[]): Set<string> {
  const found = new Set<string>();
  const inline = (runs: readonly Inline[]): void => {
    for (const run of runs) {
      if (run.kind === 'term') found.add(run.term);
      else if ('children' in run) inline(run.children);
    }
  };
  const walk = (items: readonly Block[]): void => {
    for (const b of items) {
      switch (b.kind) {
        case 'heading':
        case 'paragraph':
        case 'plain':
          inline(b.children);
          break;
        case 'quote':
          walk(b.children);
          break;
        case 'list':
          b.items.forEach(walk);
          break;
        case 'table':
          [...b.head, ...b.rows.flat()].forEach(inline);
          break;
        default:
          break;
      }
    }
  };
  walk(blocks);
  return found;
}

/** One line per term of `terms` that the text `body` (lesson markdown) never mentions. */
function unmentioned(id: string, body: string, terms: readonly string[]): string[] {
  const marked = markedTerms(markTerms(parseMarkdown(body), terms));
  return terms
    .filter((term) => !marked.has(term))
    .map((term) => `lesson ${id}: term ${term} is listed but never mentioned`);
}

describe('lesson terms in the text', () => {
  it('every term a lesson lists is mentioned in its text, where the learner meets it', () => {
    const missing = LESSONS.flatMap((lesson) =>
      unmentioned(lesson.id, lesson.body, lesson.glossary),
    );
    expect(missing).toEqual([]);
  });

  it('a mention only in code, inside a longer word or in a heading does not count', () => {
    const body = [
      '## The RIM',
      '',
      'An Arm CCA machine (FEAT_RME) asks with `RMI_GRANULE_DELEGATE`, then **undelegating**.',
    ].join('\n');
    expect(unmentioned('x', body, ['RME', 'RMI', 'Delegate / undelegate', 'RIM'])).toEqual([
      'lesson x: term RME is listed but never mentioned',
      'lesson x: term RMI is listed but never mentioned',
      'lesson x: term Delegate / undelegate is listed but never mentioned',
      'lesson x: term RIM is listed but never mentioned',
    ]);
    expect(
      unmentioned('x', 'The RME, an RMI call, then undelegate.\n\n| a |\n|---|\n| the RIM |', [
        'RME',
        'RMI',
        'Delegate / undelegate',
        'RIM',
      ]),
    ).toEqual([]);
  });
});
