// One spec trail (issue 15; TF-RMM's testbenches cite the spec the same way): the section of
// each RMI/RSI command lives on its command-table row, the conformance tests' `describe`s are
// built from it (spec-title.ts), and every header that cites a section of DEN0137 B4.3 or
// B5.3 (the family's source file, the command's test file) cites the row's section, next to
// the command's name: `RMI_GRANULE_DELEGATE (DEN0137 B4.3.5`.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RMI_COMMANDS, RSI_COMMANDS } from '../../src/emulator/index.ts';
import { COMMAND_ROWS, sectionOf } from './spec-title.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SOURCE_DIRS = ['src/emulator/rmm/rmi', 'src/emulator/rmm/rsi'];
const TEST_DIRS = ['tests/spec/rmi', 'tests/spec/rsi'];
const SECTION = /B[45]\.3\.[0-9x]+(?:-[0-9]+)?/g;
const CITED = /\b((?:RMI|RSI)_[A-Z_]+) \(DEN0137 (B[45]\.3\.\d+)\b/g;

/** The header of a source or test file: its leading comment, as one line of prose. */
function headerOf(text: string): string {
  const block = /^\/\*\*[\s\S]*?\*\//.exec(text) ?? /^(?:\/\/.*\n)+/.exec(text);
  return (block?.[0] ?? '').replace(/\s*\n\s*(?:\*(?!\/)|\/\/)?\s*/g, ' ');
}

/**
 * What is wrong with the sections `header` cites: a section not written as
 * `NAME (DEN0137 section)`, or one that is not NAME's row section. Empty when all agree.
 */
function headerProblems(header: string): string[] {
  const problems: string[] = [];
  const cited = [...header.matchAll(CITED)];
  for (const [, name, section] of cited) {
    const row = COMMAND_ROWS.find((c) => c.name === name);
    if (!row) problems.push(`${name} has no command-table row`);
    else if (row.section !== `DEN0137 ${section}`) {
      problems.push(`${name} is cited as ${section}; its row says ${row.section}`);
    }
  }
  const placed = new Set(cited.map((c) => c.index! + c[0].length - c[2]!.length));
  for (const match of header.matchAll(SECTION)) {
    if (!placed.has(match.index!)) problems.push(`${match[0]} is not cited next to a command name`);
  }
  return problems;
}

function files(dirs: readonly string[], skip: RegExp): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith('.ts') && !skip.test(f))
      .map((f) => join(ROOT, dir, f)),
  );
}

describe('the spec section of each command lives on its table row', () => {
  it('every RMI row names its DEN0137 B4.3 section and every RSI row its B5.3 one, each once', () => {
    for (const row of RMI_COMMANDS) expect(row.section, row.name).toMatch(/^DEN0137 B4\.3\.\d+$/);
    const rsi = RSI_COMMANDS.filter((c) => c.name.startsWith('RSI_'));
    for (const row of rsi) expect(row.section, row.name).toMatch(/^DEN0137 B5\.3\.\d+$/);
    const sections = COMMAND_ROWS.filter((c) => c.section.startsWith('DEN0137')).map(
      (c) => c.section,
    );
    expect(new Set(sections).size).toBe(sections.length);
  });

  it('the header check refuses a wrong section, a bare one and a range; it takes the right one', () => {
    expect(headerProblems('// RMI_GRANULE_DELEGATE (DEN0137 B4.3.5; cca-spec.md §2.3)')).toEqual(
      [],
    );
    expect(headerProblems('// RMI_GRANULE_DELEGATE (DEN0137 B4.3.2)')).toEqual([
      'RMI_GRANULE_DELEGATE is cited as B4.3.2; its row says DEN0137 B4.3.5',
    ]);
    expect(headerProblems('// RMI_VERSION (DEN0137 B4.3.x)')).toEqual([
      'B4.3.x is not cited next to a command name',
    ]);
    expect(headerProblems('/** delegate and undelegate (DEN0137 B4.3.5-6) */')).toHaveLength(1);
  });

  it('every command family cites each of its commands with its row section', () => {
    const problems = files(SOURCE_DIRS, /^(table|types|common|memory)\.ts$/).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const header = headerOf(text);
      const where = relative(ROOT, file);
      const defined = [...text.matchAll(/^\s+name: '((?:RMI|RSI)_[A-Z_]+)',$/gm)].map((m) => m[1]!);
      return [
        ...headerProblems(header).map((p) => `${where}: ${p}`),
        ...defined
          .filter((name) => !header.includes(`${name} (${sectionOf(name)}`))
          .map((name) => `${where}: the header does not cite ${name} (${sectionOf(name)})`),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('every conformance test names its command through specTitle and cites the row section', () => {
    const problems = files(TEST_DIRS, /^(table\.test|helpers|rec-enter-helpers)\.ts$/).flatMap(
      (file) => {
        const text = readFileSync(file, 'utf8');
        const where = relative(ROOT, file);
        const described = [...text.matchAll(/^describe\(specTitle\('([A-Z_]+)'\)/gm)].map(
          (m) => m[1]!,
        );
        const bare = [...text.matchAll(/^describe\('((?:RMI|RSI)_[A-Z_]+)/gm)].map((m) => m[1]!);
        return [
          ...(described.length === 0 ? [`${where}: no describe(specTitle(...))`] : []),
          ...bare.map((name) => `${where}: describe('${name}...') does not come from the row`),
          ...headerProblems(headerOf(text)).map((p) => `${where}: ${p}`),
          ...described
            .filter((name) => name !== 'SMCCC_VERSION')
            .filter((name) => !headerOf(text).includes(`${name} (${sectionOf(name)}`))
            .map((name) => `${where}: the header does not cite ${name} (${sectionOf(name)})`),
        ];
      },
    );
    expect(problems).toEqual([]);
  });
});
