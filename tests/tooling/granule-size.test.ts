// Spec constants are named as in the spec (code-style.md): the granule size is GRANULE_SIZE
// (DEN0137 A2.2, `abi/gpt.ts`), never a bare 0x1000 in code outside `abi/` (issue 15 found
// `const G = 0x1000` and 15 bare uses in src/policy/monitor). Strings and comments may say
// 0x1000: a learner types `@gw net recv 0x1000`.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');
/** The layers where machine code computes with granules. */
const CHECKED = ['emulator', 'policy', 'workflows', 'shell'];

/**
 * An exported, named constant that happens to be 0x1000 (an IPA such as `PROGRAM_BASE`):
 * named and documented, so not a bare number. A private `const G = 0x1000` is not one.
 */
function isExportedConstant(node: ts.Node): boolean {
  const declaration = node.parent;
  if (!ts.isVariableDeclaration(declaration) || declaration.initializer !== node) return false;
  const statement = declaration.parent.parent;
  return (
    ts.isVariableStatement(statement) &&
    (statement.modifiers ?? []).some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)
  );
}

/** Lines (1-based) where `source` has the numeric literal 0x1000 in code. */
function bareGranuleSizes(source: string): number[] {
  const file = ts.createSourceFile('x.ts', source, ts.ScriptTarget.Latest, true);
  const lines: number[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isNumericLiteral(node) &&
      node.getText(file).toLowerCase() === '0x1000' &&
      !isExportedConstant(node)
    ) {
      lines.push(file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return lines;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return d.name === 'abi' ? [] : sources(path);
    return d.name.endsWith('.ts') && d.name !== 'abi.ts' ? [path] : [];
  });
}

describe('the granule size is named GRANULE_SIZE', () => {
  it('the scan finds 0x1000 in code and not in strings or comments', () => {
    expect(
      bareGranuleSizes('const G = 0x1000;\n// 0x1000\nconst s = `ipa=0x1000 ${a % 0x1000}`;'),
    ).toEqual([1, 3]);
    expect(bareGranuleSizes("const s = '0x1000'; /* 0x1000 */")).toEqual([]);
    expect(bareGranuleSizes('const s = `${a} at ipa=0x1000 ${b}`;')).toEqual([]);
    expect(bareGranuleSizes('export const PROGRAM_BASE = 0x1000;\nconst PAGE = 0x1000;')).toEqual([
      2,
    ]);
  });

  it(`no bare 0x1000 in src/{${CHECKED.join(',')}} outside abi/`, () => {
    const found = CHECKED.flatMap((layer) => sources(join(SRC, layer))).flatMap((file) =>
      bareGranuleSizes(readFileSync(file, 'utf8')).map((line) => `${relative(SRC, file)}:${line}`),
    );
    expect(found).toEqual([]);
  });
});
