/**
 * Lesson markdown (lesson bodies, hints, goal details) as a small render model that
 * Markdown.svelte draws element by element. Parsing is CommonMark plus GFM tables, done by
 * `mdast-util-from-markdown` with `micromark-extension-gfm-table` / `mdast-util-gfm-table`
 * (the syntax tree is mdast); this module only maps that tree to the few shapes the pane
 * draws.
 *
 * Design rationale: the hand-written reader this replaces could not read tables (issue 9:
 * 01-worlds/01, /04 and 02-realms/01, /03 showed raw `| ... |---|` text) and every new
 * construct meant another regular expression. A maintained parser gets the CommonMark
 * corner cases right; keeping our own model between its tree and Svelte is what makes the
 * safety rules checkable in a unit test without a DOM:
 * - nothing becomes HTML: raw HTML in the source (`<script>`, `<b>`) is kept as text, and
 *   Markdown.svelte has no `{@html}`;
 * - a link becomes an anchor only for `http(s)://` and in-app `#/` targets ({@link safeHref});
 *   any other link (`javascript:`, `data:`, relative paths) is drawn as its text;
 * - images are drawn as their alt text, so lesson text never makes the page fetch anything.
 * A lesson's glossary terms are found in the text by {@link markTerms} on this model, never by
 * rewriting the markdown source.
 *
 * Size: the parser adds about 19 kB gzipped to the page (measured with `npm run build`). In
 * the browser build micromark decodes named character references (`&amp;`) with
 * `decode-named-character-reference`'s DOM variant, which sets a detached element's
 * innerHTML to `&name;`; micromark only passes it ASCII letters and digits (at most 31), so no
 * markup can form. Its Node variant would avoid that at the cost of another 12 kB gzipped.
 */
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmTableFromMarkdown } from 'mdast-util-gfm-table';
import { gfmTable } from 'micromark-extension-gfm-table';
import type {
  AlignType,
  Definition,
  ListItem,
  Nodes,
  PhrasingContent,
  Root,
  RootContent,
  TableRow,
} from 'mdast';

/** A run of text inside a block. */
export type Inline =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'code'; readonly text: string }
  | { readonly kind: 'strong' | 'em'; readonly children: readonly Inline[] }
  | {
      readonly kind: 'link';
      readonly href: string;
      /** True for `http(s)://` targets: they open in a new tab, the lab stays open. */
      readonly external: boolean;
      readonly children: readonly Inline[];
    }
  | { readonly kind: 'break' }
  /** The first mention of a lesson's glossary term ({@link markTerms}): `text` as written. */
  | { readonly kind: 'term'; readonly term: string; readonly text: string };

/** Column alignment of a table, from the `|:---|:---:|---:|` delimiter row. */
export type Align = 'left' | 'center' | 'right' | undefined;

/** A block of the document. */
export type Block =
  | { readonly kind: 'heading'; readonly level: number; readonly children: readonly Inline[] }
  | { readonly kind: 'paragraph'; readonly children: readonly Inline[] }
  /** A paragraph in a tight list item: drawn without a `<p>` around it. */
  | { readonly kind: 'plain'; readonly children: readonly Inline[] }
  | { readonly kind: 'quote'; readonly children: readonly Block[] }
  | { readonly kind: 'code'; readonly text: string }
  | {
      readonly kind: 'list';
      readonly ordered: boolean;
      /** First number of an ordered list (`3.` starts at 3). */
      readonly start: number;
      readonly items: readonly (readonly Block[])[];
    }
  | {
      readonly kind: 'table';
      readonly align: readonly Align[];
      readonly head: readonly (readonly Inline[])[];
      readonly rows: readonly (readonly (readonly Inline[])[])[];
    }
  | { readonly kind: 'rule' };

/**
 * The href a markdown link may carry, or undefined when it must stay text: only absolute
 * `http:`/`https:` URLs and in-app routes starting `#/` pass. Everything else (`javascript:`,
 * `data:`, `vbscript:`, protocol-relative `//host`, relative paths, bare `#anchors`) is refused.
 */
export function safeHref(url: string): string | undefined {
  const href = url.trim();
  if (/^https?:\/\/[^\s/]/i.test(href) || href.startsWith('#/')) return href;
  return undefined;
}

/** The micromark constructs that make blocks; switched off to read one line of inline text. */
const BLOCK_CONSTRUCTS = [
  'blockQuote',
  'codeFenced',
  'codeIndented',
  'definition',
  'headingAtx',
  'htmlFlow',
  'list',
  'setextUnderline',
  'thematicBreak',
];

/** Parses lesson markdown (CommonMark + GFM tables) into blocks. */
export function parseMarkdown(source: string): Block[] {
  const root = fromMarkdown(source, {
    extensions: [gfmTable()],
    mdastExtensions: [gfmTableFromMarkdown()],
  });
  return new Converter(root).blocks(root.children, false);
}

/**
 * Parses one run of inline markdown (a hint, a goal detail): emphasis, code and links, but
 * no blocks, so a detail that happens to start with `1.` or `#` stays text.
 */
export function parseInline(source: string): Inline[] {
  const root = fromMarkdown(source, { extensions: [{ disable: { null: BLOCK_CONSTRUCTS } }] });
  const convert = new Converter(root);
  const out: Inline[] = [];
  for (const node of root.children) {
    if (node.type !== 'paragraph') continue;
    if (out.length) out.push({ kind: 'text', text: ' ' });
    out.push(...convert.inlines(node.children));
  }
  return out;
}

/** The plain text of a run, e.g. for a table's accessible name. */
export function inlineText(runs: readonly Inline[]): string {
  return runs
    .map((run) => {
      switch (run.kind) {
        case 'text':
        case 'code':
        case 'term':
          return run.text;
        case 'break':
          return ' ';
        default:
          return inlineText(run.children);
      }
    })
    .join('');
}

/** Maps one mdast tree to the render model; holds the tree's link definitions. */
class Converter {
  readonly #definitions = new Map<string, Definition>();

  constructor(root: Root) {
    const collect = (node: Nodes): void => {
      if (node.type === 'definition' && !this.#definitions.has(node.identifier)) {
        this.#definitions.set(node.identifier, node);
      }
      if ('children' in node) for (const child of node.children) collect(child);
    };
    collect(root);
  }

  blocks(nodes: readonly RootContent[], tight: boolean): Block[] {
    return nodes.flatMap((node) => this.block(node, tight));
  }

  inlines(nodes: readonly PhrasingContent[]): Inline[] {
    return nodes.flatMap((node) => this.inline(node));
  }

  private block(node: RootContent, tight: boolean): Block[] {
    switch (node.type) {
      case 'heading':
        return [{ kind: 'heading', level: node.depth, children: this.inlines(node.children) }];
      case 'paragraph':
        return [{ kind: tight ? 'plain' : 'paragraph', children: this.inlines(node.children) }];
      case 'blockquote':
        return [{ kind: 'quote', children: this.blocks(node.children, false) }];
      case 'code':
        return [{ kind: 'code', text: node.value }];
      case 'html':
        return [{ kind: 'paragraph', children: [{ kind: 'text', text: node.value }] }];
      case 'list':
        return [
          {
            kind: 'list',
            ordered: node.ordered === true,
            start: node.start ?? 1,
            items: node.children.map((item) => this.item(item, node.spread !== true)),
          },
        ];
      case 'table': {
        const [head, ...rows] = node.children.map((row) => this.row(row));
        return [
          {
            kind: 'table',
            align: (node.align ?? []).map(align),
            head: head ?? [],
            rows,
          },
        ];
      }
      case 'thematicBreak':
        return [{ kind: 'rule' }];
      default:
        // Definitions are read in the constructor; footnotes or frontmatter would need an
        // extension we do not load.
        return [];
    }
  }

  private item(item: ListItem, tight: boolean): Block[] {
    // A list is tight unless the parser saw a blank line between its items or inside one.
    return this.blocks(item.children, tight && item.spread !== true);
  }

  private row(row: TableRow): Inline[][] {
    return row.children.map((cell) => this.inlines(cell.children));
  }

  private inline(node: PhrasingContent): Inline[] {
    switch (node.type) {
      case 'text':
      case 'html':
        return [{ kind: 'text', text: node.value }];
      case 'inlineCode':
        return [{ kind: 'code', text: node.value }];
      case 'strong':
        return [{ kind: 'strong', children: this.inlines(node.children) }];
      case 'emphasis':
        return [{ kind: 'em', children: this.inlines(node.children) }];
      case 'break':
        return [{ kind: 'break' }];
      case 'link':
        return this.link(node.url, this.inlines(node.children));
      case 'linkReference': {
        const definition = this.#definitions.get(node.identifier);
        const children = this.inlines(node.children);
        return definition ? this.link(definition.url, children) : children;
      }
      case 'image':
      case 'imageReference':
        return node.alt ? [{ kind: 'text', text: node.alt }] : [];
      default:
        return [];
    }
  }

  private link(url: string, children: Inline[]): Inline[] {
    const href = safeHref(url);
    if (href === undefined) return children;
    return [{ kind: 'link', href, external: !href.startsWith('#/'), children }];
  }
}

function align(value: AlignType): Align {
  return value ?? undefined;
}

/** A lesson's glossary terms, as the lesson text links them to their definitions. */
export interface TermLinks {
  /** The lesson's `glossary` list. */
  readonly names: readonly string[];
  /** The term's definition as plain text (the mention's title). */
  definition(term: string): string;
  /** Opens the term's definition where the pane lists it. */
  open(term: string): void;
}

/**
 * One matcher per spelling of a glossary term: `GPT / GPI` is written `GPT` or `GPI`. A
 * spelling in capitals (`REM`, `SMCCC`) matches only in capitals; one with small letters
 * (`Realm`, `chain of custody`) in any case. Whole words only (`REM` is not in `REMOVE` nor
 * in `RSI_REM_EXTEND`), with an optional plural `s`/`es` (`REMs`, `granules`). The words of a
 * spelling may be split by any white space, a line break included: prose wraps where it likes.
 */
function termMatchers(term: string): RegExp[] {
  return term
    .split(' / ')
    .map((spelling) => spelling.trim())
    .filter((spelling) => spelling.length > 0)
    .map((spelling) => {
      // A soft line break stays a newline in the text run: a space matches any white space.
      const escaped = spelling.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
      const flags = /\p{Ll}/u.test(spelling) ? 'iu' : 'u';
      return new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?:e?s)?(?![\\p{L}\\p{N}_])`, flags);
    });
}

/** The earliest mention of any term still unmarked in `text` (the longest when two start together). */
function firstMention(
  text: string,
  matchers: ReadonlyMap<string, readonly RegExp[]>,
): { term: string; index: number; length: number } | undefined {
  let best: { term: string; index: number; length: number } | undefined;
  for (const [term, regexps] of matchers) {
    for (const re of regexps) {
      const m = re.exec(text);
      if (!m) continue;
      const found = { term, index: m.index, length: m[0].length };
      if (
        !best ||
        found.index < best.index ||
        (found.index === best.index && found.length > best.length)
      ) {
        best = found;
      }
    }
  }
  return best;
}

/**
 * The blocks with the first mention of each of `terms` (a lesson's glossary list) marked as
 * a `term` run, in document order: in paragraphs, list items, quotes and table bodies, never
 * in headings, table headers, code or links (a mention there is left as it is, and the
 * term's next mention is marked). A term the text never mentions is simply not marked; the
 * pane's Terms section lists it anyway. Pure: `blocks` is not changed.
 */
export function markTerms(blocks: readonly Block[], terms: readonly string[]): Block[] {
  const matchers = new Map(terms.map((term) => [term, termMatchers(term)] as const));
  const runs = (parts: readonly Inline[]): Inline[] => parts.flatMap((part) => run(part));
  const run = (part: Inline): Inline[] => {
    switch (part.kind) {
      case 'text':
        return splitText(part.text);
      case 'strong':
      case 'em':
        return [{ kind: part.kind, children: runs(part.children) }];
      default:
        return [part];
    }
  };
  const splitText = (text: string): Inline[] => {
    const out: Inline[] = [];
    let rest = text;
    for (;;) {
      const hit = matchers.size > 0 ? firstMention(rest, matchers) : undefined;
      if (!hit) break;
      matchers.delete(hit.term);
      if (hit.index > 0) out.push({ kind: 'text', text: rest.slice(0, hit.index) });
      out.push({
        kind: 'term',
        term: hit.term,
        text: rest.slice(hit.index, hit.index + hit.length),
      });
      rest = rest.slice(hit.index + hit.length);
    }
    if (rest.length > 0 || out.length === 0) out.push({ kind: 'text', text: rest });
    return out;
  };
  const block = (b: Block): Block => {
    switch (b.kind) {
      case 'paragraph':
      case 'plain':
        return { kind: b.kind, children: runs(b.children) };
      case 'quote':
        return { kind: 'quote', children: b.children.map(block) };
      case 'list':
        return { ...b, items: b.items.map((item) => item.map(block)) };
      case 'table':
        return { ...b, rows: b.rows.map((row) => row.map(runs)) };
      default:
        return b;
    }
  };
  return blocks.map(block);
}
