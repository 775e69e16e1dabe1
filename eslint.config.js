// ESLint flat config. Besides the usual TypeScript and Svelte rules it enforces the layer
// boundaries of ARCHITECTURE.md: lib <- emulator <- policy <- workflows <- shell <- lessons <- ui, with the
// Node CLI (src/cli) allowed everything but ui. Nothing left of ui may touch svelte, xterm,
// d3 or the DOM, statically or through a dynamic import().
import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

const LAYERS = ['lib', 'emulator', 'policy', 'workflows', 'shell', 'lessons', 'ui'];
const UI_PACKAGES = ['svelte', 'svelte/*', '@xterm/*', 'd3', 'd3-*'];
const DOM_GLOBALS = ['window', 'document', 'localStorage', 'sessionStorage', 'navigator'];

/** The layers a file in `layer` may not import: everything to its right. */
function forbiddenFor(layer) {
  const right = layer === 'cli' ? ['ui'] : LAYERS.slice(LAYERS.indexOf(layer) + 1);
  return right.flatMap((name) => [`**/${name}`, `**/${name}/**`, `$${name}`, `$${name}/**`]);
}

function boundary(layer) {
  const forbidden = [...forbiddenFor(layer), ...UI_PACKAGES];
  const message = `src/${layer} may only import layers to its left (see ARCHITECTURE.md) and no UI/DOM packages.`;
  return {
    files: [`src/${layer}/**/*.ts`, `src/${layer}/**/*.svelte`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: forbidden, message }] }],
      'no-restricted-syntax': [
        'error',
        {
          selector: `ImportExpression[source.value=/^(svelte|@xterm|d3)|(^|\\/)(${(layer === 'cli' ? ['ui'] : LAYERS.slice(LAYERS.indexOf(layer) + 1)).join('|') || '$^'})(\\/|$)/]`,
          message,
        },
        {
          selector: 'ImportExpression[source.type!="Literal"]',
          message: 'Dynamic imports with computed paths hide layer crossings; use a literal path.',
        },
      ],
      'no-restricted-globals': ['error', ...DOM_GLOBALS],
    },
  };
}

export default ts.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'tests/fixtures/**', 'test-results/**', '.vite/**'],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: ts.parser,
        svelteConfig,
      },
    },
  },
  ...['lib', 'emulator', 'policy', 'workflows', 'shell', 'lessons', 'cli'].map(boundary),
  {
    // The page loads a lesson when it is first used (src/lessons/catalogue.ts); the module
    // that awaits every lesson is for Node (the CLI, tests) and would put the course back
    // into the first screen.
    files: ['src/ui/**/*.ts', 'src/ui/**/*.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/lessons/loaded.ts', '**/lessons/loaded'],
              message: 'src/ui loads lessons with loadLesson/loadCatalogue (src/lessons/index.ts).',
            },
          ],
        },
      ],
    },
  },
);
