// A heading's look is defined once: LessonPane.svelte and LessonTerms.svelte each carried the
// same `h4` rule and `.count` rule (the Lesson tab's section headings), so a change to one
// left the Terms heading looking different from Goals and Help. The shared rule lives in
// src/ui/app.css (`.section-heading`); no two components may repeat a heading rule.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const UI = resolve(import.meta.dirname, '../../src/ui');

/** Every .svelte file under `dir`. */
function svelteFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return svelteFiles(path);
    return entry.name.endsWith('.svelte') ? [path] : [];
  });
}

/**
 * The plain rules (`selector { declarations }`, no at-rules) of a component's style block,
 * each as one normalised line: selector, then its declarations sorted.
 */
function styleRules(source: string): string[] {
  const css = (/<style>([\s\S]*?)<\/style>/.exec(source)?.[1] ?? '').replace(
    /\/\*[\s\S]*?\*\//g,
    '',
  );
  return [...css.matchAll(/([^{}@;]+)\{([^{}]*)\}/g)].map((rule) => {
    const selector = (rule[1] ?? '').trim().replace(/\s+/g, ' ');
    const declarations = (rule[2] ?? '')
      .split(';')
      .map((d) => d.trim().replace(/\s+/g, ' '))
      .filter(Boolean)
      .sort();
    return `${selector} { ${declarations.join('; ')} }`;
  });
}

/** A rule that styles a heading element (h1-h6) itself, or the count beside one. */
const HEADING_RULE = /^(?:h[1-6]\b[^{]*|\.count) \{/;

describe('heading styles', () => {
  it('no two components repeat a heading rule: the shared one is in app.css', () => {
    const seen = new Map<string, string[]>();
    for (const file of svelteFiles(UI)) {
      for (const rule of new Set(styleRules(readFileSync(file, 'utf8')))) {
        if (!HEADING_RULE.test(rule)) continue;
        seen.set(rule, [...(seen.get(rule) ?? []), relative(UI, file)]);
      }
    }
    const repeated = [...seen]
      .filter(([, files]) => files.length > 1)
      .map(([rule, files]) => `${rule} in ${files.join(', ')}`);
    expect(repeated).toEqual([]);
  });

  it('the rule reader sees a repeated heading rule whatever the declarations order', () => {
    const a = '<style>\n  h4 {\n    margin: 0;\n    gap: 8px;\n  }\n</style>';
    const b = '<style>\n  /* x */\n  h4 { gap: 8px; margin: 0 }\n</style>';
    expect(styleRules(a)).toEqual(styleRules(b));
    expect(styleRules(a).every((rule) => HEADING_RULE.test(rule))).toBe(true);
  });
});
