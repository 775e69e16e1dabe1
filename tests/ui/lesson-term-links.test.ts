// A lesson's glossary terms in its text (src/ui/lesson/markdown.ts `markTerms`, drawn by
// Markdown.svelte): the first mention of each term becomes a button to its definition; every
// other mention, code, links, headings and table headers stay as they were, and no text is
// lost or added.
import { describe, expect, test } from 'vitest';
import { render } from 'svelte/server';
import { LESSONS } from '../../src/lessons/loaded.ts';
import Markdown from '../../src/ui/lesson/Markdown.svelte';
import {
  inlineText,
  markTerms,
  parseMarkdown,
  type Block,
  type Inline,
  type TermLinks,
} from '../../src/ui/lesson/markdown.ts';

/** The term runs of a block tree, in document order, as `term=text as written`. */
function marked(blocks: readonly Block[]): string[] {
  const inl = (runs: readonly Inline[]): string[] =>
    runs.flatMap((r) =>
      r.kind === 'term' ? [`${r.term}=${r.text}`] : 'children' in r ? inl(r.children) : [],
    );
  return blocks.flatMap((b): string[] => {
    switch (b.kind) {
      case 'heading':
      case 'paragraph':
      case 'plain':
        return inl(b.children);
      case 'quote':
        return marked(b.children);
      case 'list':
        return b.items.flatMap(marked);
      case 'table':
        return [...b.head, ...b.rows.flat()].flatMap(inl);
      default:
        return [];
    }
  });
}

const mark = (source: string, terms: readonly string[]) =>
  marked(markTerms(parseMarkdown(source), terms));

describe('markTerms', () => {
  test('only the first mention of each term is marked, in document order', () => {
    expect(mark('The RIM and the REM.\n\nAnother RIM, another REM.', ['REM', 'RIM'])).toEqual([
      'RIM=RIM',
      'REM=REM',
    ]);
  });

  test('a term in capitals matches whole words in capitals only, plural included', () => {
    expect(mark('REMOVE it; rem; RSI_REM_EXTEND; the REMs.', ['REM'])).toEqual(['REM=REMs']);
  });

  test('a term with small letters matches in any case; each spelling of `A / B` counts', () => {
    expect(mark('Realms first. Then the GPI of each granule.', ['Realm', 'GPT / GPI'])).toEqual([
      'Realm=Realms',
      'GPT / GPI=GPI',
    ]);
    expect(mark('Neighbours keep a chain of custody.', ['Agreement / chain of custody'])).toEqual([
      'Agreement / chain of custody=chain of custody',
    ]);
  });

  test('a spelling of several words matches where the prose wraps between them', () => {
    expect(mark('the bytes carry a provenance\nlabel from here on', ['Provenance label'])).toEqual([
      'Provenance label=provenance\nlabel',
    ]);
    expect(
      mark('- the inductive chain of\n  custody check', ['Agreement / chain of custody']),
    ).toEqual(['Agreement / chain of custody=chain of\ncustody']);
  });

  test('never in headings, code, links or table headers: the next mention is marked', () => {
    const source = [
      '## The RIM',
      '',
      '`RIM` and [the RIM](https://example.com/rim) and **the RIM** at last.',
      '',
      '| RD | x |',
      '|----|---|',
      '| an RD | y |',
    ].join('\n');
    expect(mark(source, ['RIM', 'RD'])).toEqual(['RIM=RIM', 'RD=RD']);
    const blocks = markTerms(parseMarkdown(source), ['RIM', 'RD']);
    const para = blocks[1] as Extract<Block, { kind: 'paragraph' }>;
    expect(para.children.map((r) => r.kind)).toEqual([
      'code',
      'text',
      'link',
      'text',
      'strong',
      'text',
    ]);
    const table = blocks[2] as Extract<Block, { kind: 'table' }>;
    expect(table.head[0]).toEqual([{ kind: 'text', text: 'RD' }]);
    expect(table.rows[0]![0]).toEqual([
      { kind: 'text', text: 'an ' },
      { kind: 'term', term: 'RD', text: 'RD' },
    ]);
  });

  test('a term the text never mentions is not marked, and nothing else changes', () => {
    const blocks = parseMarkdown('Nothing here.');
    expect(markTerms(blocks, ['SGT'])).toEqual(blocks);
  });

  test('every lesson keeps its text: marking only wraps words it already had', () => {
    const flat = (blocks: readonly Block[]): string[] =>
      blocks.flatMap((b): string[] => {
        switch (b.kind) {
          case 'heading':
          case 'paragraph':
          case 'plain':
            return [`${b.kind}:${inlineText(b.children)}`];
          case 'quote':
            return ['quote', ...flat(b.children)];
          case 'list':
            return ['list', ...b.items.flatMap(flat)];
          case 'table':
            return ['table', ...[...b.head, ...b.rows.flat()].map(inlineText)];
          case 'code':
            return [`code:${b.text}`];
          default:
            return [b.kind];
        }
      });
    for (const lesson of LESSONS) {
      const blocks = parseMarkdown(lesson.body);
      const withTerms = markTerms(blocks, lesson.glossary);
      expect(flat(withTerms), lesson.id).toEqual(flat(blocks));
      const terms = marked(withTerms).map((m) => m.split('=')[0]);
      expect(new Set(terms).size, lesson.id).toBe(terms.length);
      for (const t of terms) expect(lesson.glossary, lesson.id).toContain(t);
    }
  });
});

describe('Markdown.svelte draws a marked term', () => {
  const links: TermLinks = {
    names: ['REM'],
    definition: (term) => `${term}: Realm Extensible Measurements`,
    open: () => {},
  };

  test('as a button titled with its definition, the text as written', () => {
    const { body } = render(Markdown, { props: { source: 'Two REMs, one REM.', terms: links } });
    expect(body).toMatch(
      /<button type="button" class="term-ref[^"]*" data-term="REM" title="REM: Realm Extensible Measurements"[^>]*>REMs<\/button>/,
    );
    expect(body.match(/<button/g)).toHaveLength(1);
  });

  test('without terms, as plain text', () => {
    const { body } = render(Markdown, { props: { source: 'Two REMs.' } });
    expect(body).not.toContain('<button');
  });
});
