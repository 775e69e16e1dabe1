// Lesson markdown (src/ui/lesson/markdown.ts and Markdown.svelte): CommonMark + GFM tables
// become the render model the pane draws, and the safety rules hold: raw HTML stays text,
// only http(s) and in-app `#/` links become anchors. Issue 9: tables used to show as raw
// `| ... |---|` text.
import { describe, expect, test } from 'vitest';
import { render } from 'svelte/server';
import { LESSONS } from '../../src/lessons/loaded.ts';
import Markdown from '../../src/ui/lesson/Markdown.svelte';
import {
  inlineText,
  parseInline,
  parseMarkdown,
  safeHref,
  type Block,
  type Inline,
} from '../../src/ui/lesson/markdown.ts';

function only<K extends Block['kind']>(blocks: Block[], kind: K): Extract<Block, { kind: K }> {
  expect(blocks.map((b) => b.kind)).toEqual([kind]);
  return blocks[0] as Extract<Block, { kind: K }>;
}

/** Every text run of a block tree, in order. */
function texts(blocks: readonly Block[]): string[] {
  const inl = (runs: readonly Inline[]): string[] =>
    runs.flatMap((r) => ('children' in r ? inl(r.children) : 'text' in r ? [r.text] : []));
  return blocks.flatMap((b): string[] => {
    switch (b.kind) {
      case 'heading':
      case 'paragraph':
      case 'plain':
        return inl(b.children);
      case 'quote':
        return texts(b.children);
      case 'code':
        return [b.text];
      case 'list':
        return b.items.flatMap(texts);
      case 'table':
        return [...b.head, ...b.rows.flat()].flatMap(inl);
      default:
        return [];
    }
  });
}

describe('GFM tables', () => {
  test('the delimiter row sets each column’s alignment (left, center, right, none)', () => {
    const table = only(
      parseMarkdown('| a | b | c | d |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |'),
      'table',
    );
    expect(table.align).toEqual(['left', 'center', 'right', undefined]);
    expect(table.head.map(inlineText)).toEqual(['a', 'b', 'c', 'd']);
    expect(table.rows.map((row) => row.map(inlineText))).toEqual([['1', '2', '3', '4']]);
  });

  test('inline code in a cell stays code, next to plain text', () => {
    const table = only(
      parseMarkdown('| Offset | Field |\n|---|---|\n| 0x008 | `s2sz`, `num_bps` |'),
      'table',
    );
    expect(table.rows[0]?.[1]).toEqual([
      { kind: 'code', text: 's2sz' },
      { kind: 'text', text: ', ' },
      { kind: 'code', text: 'num_bps' },
    ]);
  });

  test('a pipe escaped inside a cell is text, not a column break', () => {
    const table = only(parseMarkdown('| a | b |\n|---|---|\n| x \\| y | z |'), 'table');
    expect(table.rows[0]?.map(inlineText)).toEqual(['x | y', 'z']);
  });

  test('every lesson table is a table: no raw `|---|` text left in any lesson (issue 9)', () => {
    const withTables = LESSONS.filter((lesson) =>
      parseMarkdown(lesson.body).some((b) => b.kind === 'table'),
    ).map((lesson) => lesson.id);
    expect(withTables).toEqual(
      expect.arrayContaining([
        '01-worlds/01-address-spaces',
        '01-worlds/04-failure-conditions',
        '02-realms/01-build',
        '02-realms/03-run',
      ]),
    );
    for (const lesson of LESSONS) {
      expect(texts(parseMarkdown(lesson.body)).join('\n'), lesson.id).not.toMatch(/\|\s*-{3}/);
    }
  });

  test('02-realms/01 lists the RmiRealmParams fields, one row each', () => {
    const build = LESSONS.find((lesson) => lesson.id === '02-realms/01-build');
    const table = parseMarkdown(build?.body ?? '').find((b) => b.kind === 'table');
    expect(table?.kind === 'table' && table.head.map(inlineText)).toEqual([
      'Offset',
      'Field',
      'Meaning',
    ]);
    const fields = table?.kind === 'table' ? table.rows.map((row) => inlineText(row[1] ?? [])) : [];
    expect(fields).toEqual([
      's2sz',
      'num_bps, num_wps',
      'hash_algo',
      'rpv',
      'vmid',
      'rtt_base',
      'rtt_level_start',
      'rtt_num_start',
    ]);
  });
});

describe('links: only http(s) and in-app #/ targets become anchors', () => {
  test('a javascript: link stays text', () => {
    const para = only(parseMarkdown('[click me](javascript:alert(1)) now'), 'paragraph');
    expect(para.children).toEqual([
      { kind: 'text', text: 'click me' },
      { kind: 'text', text: ' now' },
    ]);
  });

  test('data:, vbscript:, relative, protocol-relative and bare #anchor targets are refused', () => {
    for (const url of [
      'JavaScript:alert(1)',
      ' javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox',
      'lessons/02',
      '//evil.example/x',
      '#top',
      'https:/one-slash',
    ]) {
      expect(safeHref(url), url).toBeUndefined();
    }
  });

  test('http(s) links are external anchors; #/ links stay in the app', () => {
    const para = only(
      parseMarkdown(
        'See [the spec](https://developer.arm.com/den0137) or [lesson 2](#/lesson/02-realms/01-build).',
      ),
      'paragraph',
    );
    expect(para.children.filter((r) => r.kind === 'link')).toEqual([
      {
        kind: 'link',
        href: 'https://developer.arm.com/den0137',
        external: true,
        children: [{ kind: 'text', text: 'the spec' }],
      },
      {
        kind: 'link',
        href: '#/lesson/02-realms/01-build',
        external: false,
        children: [{ kind: 'text', text: 'lesson 2' }],
      },
    ]);
  });

  test('a reference-style link obeys the same rule as an inline one', () => {
    const para = only(
      parseMarkdown('[ok][a] and [bad][b]\n\n[a]: http://x.test\n[b]: javascript:x'),
      'paragraph',
    );
    expect(para.children.map((r) => r.kind)).toEqual(['link', 'text', 'text']);
  });

  test('an image is drawn as its alt text, never fetched', () => {
    const para = only(parseMarkdown('![the GPT](https://x.test/gpt.png)'), 'paragraph');
    expect(para.children).toEqual([{ kind: 'text', text: 'the GPT' }]);
  });
});

describe('raw HTML stays text', () => {
  test('a <script> block is a paragraph of text', () => {
    const para = only(parseMarkdown('<script>alert(1)</script>'), 'paragraph');
    expect(para.children).toEqual([{ kind: 'text', text: '<script>alert(1)</script>' }]);
  });

  test('inline tags and placeholders such as <pa> keep their angle brackets', () => {
    const para = only(parseMarkdown('read <pa> then <b>hi</b> **bold**'), 'paragraph');
    expect(inlineText(para.children)).toBe('read <pa> then <b>hi</b> bold');
    expect(para.children.at(-1)).toEqual({
      kind: 'strong',
      children: [{ kind: 'text', text: 'bold' }],
    });
  });

  test('the rendered component has no element from the source: <script> and onerror are text', () => {
    const source =
      '<script>alert(1)</script>\n\nHi <img src=x onerror=alert(1)> [x](javascript:alert(1))\n\n| a |\n|---|\n| <b>b</b> |';
    const { body } = render(Markdown, { props: { source } });
    expect(body).not.toMatch(/<script|<img|<b>|href="javascript/i);
    expect(body).toContain('&lt;script>alert(1)&lt;/script>');
    expect(body).toMatch(/<table[ >]/);
  });
});

describe('blocks the lessons use', () => {
  test('headings, paragraphs, emphasis, strong and inline code', () => {
    const blocks = parseMarkdown('## Title\n\nSome *soft* and **hard** `code`.');
    expect(blocks.map((b) => b.kind)).toEqual(['heading', 'paragraph']);
    expect(blocks[0]).toMatchObject({ level: 2 });
    expect(blocks[1]).toEqual({
      kind: 'paragraph',
      children: [
        { kind: 'text', text: 'Some ' },
        { kind: 'em', children: [{ kind: 'text', text: 'soft' }] },
        { kind: 'text', text: ' and ' },
        { kind: 'strong', children: [{ kind: 'text', text: 'hard' }] },
        { kind: 'text', text: ' ' },
        { kind: 'code', text: 'code' },
        { kind: 'text', text: '.' },
      ],
    });
  });

  test('a tight list nests a list and keeps continuation lines in its item', () => {
    const list = only(parseMarkdown('1. one\n   `more`\n2. two\n   * a\n   * b\n3. three'), 'list');
    expect(list.ordered).toBe(true);
    expect(list.items.map((item) => item.map((b) => b.kind))).toEqual([
      ['plain'],
      ['plain', 'list'],
      ['plain'],
    ]);
    const nested = list.items[1]?.[1];
    expect(nested?.kind === 'list' && !nested.ordered && nested.items.length).toBe(2);
  });

  test('a loose list keeps its paragraphs; an ordered list keeps its start number', () => {
    const list = only(parseMarkdown('3. one\n\n4. two'), 'list');
    expect(list.start).toBe(3);
    expect(list.items.map((item) => item.map((b) => b.kind))).toEqual([
      ['paragraph'],
      ['paragraph'],
    ]);
  });

  test('fenced code keeps its lines and is not parsed further', () => {
    const code = only(parseMarkdown('```\n**not bold**\n| a |\n```'), 'code');
    expect(code.text).toBe('**not bold**\n| a |');
  });

  test('a block quote holds blocks', () => {
    const quote = only(parseMarkdown('> RIM := Hash(RIM || x)'), 'quote');
    expect(texts(quote.children)).toEqual(['RIM := Hash(RIM || x)']);
  });
});

describe('inline text (hints, goal details)', () => {
  test('no blocks: a detail starting with "1." or "#" stays text', () => {
    expect(parseInline('1. first # not a heading')).toEqual([
      { kind: 'text', text: '1. first # not a heading' },
    ]);
  });

  test('code and emphasis still work', () => {
    expect(parseInline('use `read` *now*')).toEqual([
      { kind: 'text', text: 'use ' },
      { kind: 'code', text: 'read' },
      { kind: 'text', text: ' ' },
      { kind: 'em', children: [{ kind: 'text', text: 'now' }] },
    ]);
  });
});
