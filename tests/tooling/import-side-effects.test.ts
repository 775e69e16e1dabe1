// Importing a module of the pure layers only defines values (issue 14): vite.config.ts tells
// the bundler so (`moduleSideEffects: false` for src/lib ... src/workflows), which is what
// keeps a barrel such as src/emulator/index.ts from dragging the attestation code into the
// first screen. Were a module to register itself, or run a statement for its effect, when
// imported, the bundle would drop that effect whenever none of the module's exports is used;
// this test keeps the declaration true.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');
/** The layers vite.config.ts declares free of import-time side effects. */
const PURE = ['lib', 'emulator', 'policy', 'shell', 'lessons', 'workflows'];

/** Top-level statements that only define or name values. */
function definesOnly(statement: ts.Statement): boolean {
  if (ts.isImportDeclaration(statement)) return statement.importClause !== undefined;
  return (
    ts.isExportDeclaration(statement) ||
    ts.isVariableStatement(statement) ||
    ts.isFunctionDeclaration(statement) ||
    ts.isClassDeclaration(statement) ||
    ts.isInterfaceDeclaration(statement) ||
    ts.isTypeAliasDeclaration(statement) ||
    ts.isEnumDeclaration(statement) ||
    ts.isEmptyStatement(statement)
  );
}

/** `file:line` of every top-level statement of `source` that does more than define values. */
function effects(path: string, source: string): string[] {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true);
  return file.statements
    .filter((s) => !definesOnly(s))
    .map((s) => `${path}:${file.getLineAndCharacterOfPosition(s.getStart()).line + 1}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('importing a module of the pure layers only defines values', () => {
  it('no module runs a statement for its effect or imports another only for its effects', () => {
    const found = PURE.flatMap((layer) =>
      filesUnder(join(SRC, layer)).flatMap((path) =>
        effects(relative(SRC, path), readFileSync(path, 'utf8')),
      ),
    );
    expect(found).toEqual([]);
  });

  it.each([
    ["import './register.ts';\n", 'a side-effect-only import'],
    ['const table = new Map();\ntable.set(1, 2);\n', 'a call run for its effect'],
    ["if (globalThis.x) console.log('x');\n", 'a top-level if'],
  ])('catches %j (%s)', (source) => {
    expect(effects('bad.ts', source)).not.toEqual([]);
  });

  it('lets declarations through, also ones computed at import time', () => {
    const source =
      "import { a } from './a.ts';\nexport const B = a(1);\nexport function f() {}\nexport type T = 1;\nexport { a };\n";
    expect(effects('good.ts', source)).toEqual([]);
  });
});
