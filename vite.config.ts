/// <reference types="vitest/config" />
// Vite builds the static lab with a relative base so the same build works from any folder;
// Vitest runs the pure layers (everything left of src/ui) in Node.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { offline } from './scripts/offline-plugin.ts';

export default defineConfig({
  base: './',
  plugins: [svelte(), offline()],
  build: { target: 'es2022' },
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
