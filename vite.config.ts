/// <reference types="vitest/config" />
// Vite builds the static lab with a relative base so the same build works from any folder;
// Vitest runs the pure layers (everything left of src/ui) in Node.
//
// Tree-shaking (issue 14, first screen <= 250 KB): importing a module of the pure layers
// only defines values (no module registers itself or touches a global when imported), and
// cbor-x only sets up its own encoder tables; so a module of theirs none of whose exports is
// used is left out, and the barrels (src/emulator/index.ts re-exports all of `attest`) do
// not drag the attestation code into the first screen: it is loaded when first used
// (src/lib/lazy.ts, src/emulator/attest/lazy.ts). The first screen's modules (`$initial`:
// reached by static imports from index.html) go in one chunk and xterm in another, each
// under the 500 kB warning, instead of some thirty small shared chunks that each gzip on
// their own; everything loaded later is split as Rolldown chooses. The glossary
// (src/lessons/glossary.ts, 4 KB gzipped) is its own chunk: the barrel and the lesson
// validator reach it statically, so once the Lesson pane used it the `first` group put its
// definitions in the first screen, which never shows them; it now loads with the pane.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { offline } from './scripts/offline-plugin.ts';

export default defineConfig({
  base: './',
  plugins: [svelte(), offline()],
  build: {
    target: 'es2022',
    rolldownOptions: {
      treeshake: {
        moduleSideEffects: [
          {
            test: /\/src\/(lib|emulator|policy|shell|lessons|workflows)\/.*\.ts$/,
            sideEffects: false,
          },
          { test: /\/node_modules\/cbor-x\//, sideEffects: false },
        ],
      },
      output: {
        codeSplitting: {
          groups: [
            { name: 'xterm', test: /node_modules[\\/]@xterm/, priority: 2 },
            { name: 'glossary', test: /src[\\/]lessons[\\/]glossary\.ts$/, priority: 2 },
            { name: 'first', tags: ['$initial'], priority: 1 },
          ],
        },
      },
    },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/setup.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
