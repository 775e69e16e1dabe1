/**
 * A small markdown reader for lesson text, hints and scenario notes: headings, paragraphs,
 * ordered and unordered lists, block quotes, fenced code, and inline `code`, **bold** and
 * *emphasis*. It returns a tree that Svelte renders, so text from a shared link is never
 * parsed as HTML (no `{@html}`, nothing to sanitise).
 *
 * Design rationale: lessons use a handful of constructs (see src/lessons/*); a full markdown
 * library would add weight to every page load for features no lesson uses.
 */

/** A run of inline text. */
export interface Inline {
  readonly kind: 'text' | 'code' | 'strong' | 'em';
  readonly text: string;
}

/** A block of the document. */
export type Block =
  | { readonly kind: 'heading'; readonly level: number; readonly inline: readonly Inline[] }
  | { readonly kind: 'paragraph'; readonly inline: readonly Inline[] }
  | { readonly kind: 'quote'; readonly inline: readonly Inline[] }
  | { readonly kind: 'code'; readonly text: string }
  | {
      readonly kind: 'list';
      readonly ordered: boolean;
      readonly items: readonly (readonly Inline[])[];
    };

const INLINE = /(`[^`]+`|\*\*[^*]+\*\*|\*[^*\s][^*]*\*)/;

/** Splits a line of text into code, bold, emphasis and plain runs. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  for (const part of text.split(INLINE)) {
    if (part === '') continue;
    if (part.startsWith('`') && part.endsWith('`') && part.length > 1) {
      out.push({ kind: 'code', text: part.slice(1, -1) });
    } else if (part.startsWith('**') && part.endsWith('**') && part.length > 4) {
      out.push({ kind: 'strong', text: part.slice(2, -2) });
    } else if (part.startsWith('*') && part.endsWith('*') && part.length > 2) {
      out.push({ kind: 'em', text: part.slice(1, -1) });
    } else out.push({ kind: 'text', text: part });
  }
  return out;
}

const ITEM = /^\s*(?:([-*])|(\d+)\.)\s+(.*)$/;

/** Parses markdown into blocks. Continuation lines join the paragraph or item above. */
export function parseMarkdown(source: string): Block[] {
  const blocks: Block[] = [];
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  let para: string[] = [];
  let list: { ordered: boolean; items: string[] } | undefined;
  const flush = () => {
    if (para.length) blocks.push({ kind: 'paragraph', inline: parseInline(para.join(' ')) });
    para = [];
    if (list) {
      blocks.push({ kind: 'list', ordered: list.ordered, items: list.items.map(parseInline) });
    }
    list = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim().startsWith('```')) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i]!.trim().startsWith('```'); i++) code.push(lines[i]!);
      blocks.push({ kind: 'code', text: code.join('\n') });
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      blocks.push({ kind: 'heading', level: heading[1]!.length, inline: parseInline(heading[2]!) });
      continue;
    }
    if (line.startsWith('>')) {
      flush();
      blocks.push({ kind: 'quote', inline: parseInline(line.replace(/^>\s?/, '')) });
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      if (para.length) flush();
      const ordered = item[2] !== undefined;
      if (list && list.ordered !== ordered) flush();
      list ??= { ordered, items: [] };
      list.items.push(item[3]!);
      continue;
    }
    if (list && /^\s+/.test(line)) {
      list.items[list.items.length - 1] += ` ${line.trim()}`;
      continue;
    }
    if (list) flush();
    para.push(line.trim());
  }
  flush();
  return blocks;
}
