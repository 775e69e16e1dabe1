// The layer boundaries of ARCHITECTURE.md are enforced by eslint.config.js. These tests
// prove the rule fires on deliberately bad code placed (virtually) in each pure layer, and
// stays quiet on allowed imports, so a broken config cannot pass silently.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? 'parse-error');
}

describe('layer boundary lint rule', () => {
  it.each([
    ['src/emulator/bad.ts', "import { mount } from 'svelte';\nexport const m = mount;\n"],
    ['src/emulator/bad.ts', "import { x } from '../policy/index.ts';\nexport const y = x;\n"],
    ['src/emulator/rmm/bad.ts', "import { x } from '../../shell/index.ts';\nexport const y = x;\n"],
    ['src/lib/bad.ts', "import { x } from '../emulator/index.ts';\nexport const y = x;\n"],
    ['src/policy/bad.ts', "import { select } from 'd3-selection';\nexport const s = select;\n"],
    ['src/policy/bad.ts', "import { x } from '../workflows/index.ts';\nexport const y = x;\n"],
    ['src/workflows/bad.ts', "import { x } from '../shell/index.ts';\nexport const y = x;\n"],
    ['src/shell/bad.ts', "import { Terminal } from '@xterm/xterm';\nexport const t = Terminal;\n"],
    ['src/lessons/bad.ts', "import { x } from '../ui/App.svelte';\nexport const y = x;\n"],
    ['src/cli/bad.ts', "import { x } from '../ui/state/machine.svelte.ts';\nexport const y = x;\n"],
    // Every lesson loaded eagerly is for Node; the page loads a lesson when first used.
    [
      'src/ui/lesson/bad.ts',
      "import { LESSONS } from '../../lessons/loaded.ts';\nexport const l = LESSONS;\n",
    ],
  ])('%s may not import: %s', async (file, code) => {
    expect(await ruleIds(code, file)).toContain('no-restricted-imports');
  });

  it('refuses a dynamic import of a UI package from a pure layer', async () => {
    const ids = await ruleIds("export const load = () => import('svelte');\n", 'src/shell/bad.ts');
    expect(ids).toContain('no-restricted-syntax');
  });

  it('refuses DOM globals in a pure layer', async () => {
    const ids = await ruleIds('export const b = document.body;\n', 'src/emulator/bad.ts');
    expect(ids).toContain('no-restricted-globals');
  });

  it('allows imports from layers to the left', async () => {
    const code =
      "import { createMachine } from '../emulator/index.ts';\nimport { toHex } from '../lib/bytes.ts';\nexport const a = [createMachine, toHex];\n";
    expect(await ruleIds(code, 'src/shell/good.ts')).toEqual([]);
  });
});
