// End-to-end tests: real headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core against the production build served from dist/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    // Expectations computed headless in this process (runAttack, lessons) load the lazily
    // loaded code first, as the CLI and the unit tests do.
    setupFiles: ['tests/setup.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
