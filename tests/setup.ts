// Unit tests run lines the way the CLI does: the code the page loads when first used (the
// attestation code, the group verifier; src/shell/lazy.ts) is loaded once before any test.
// tests/shell/lazy-code.test.ts checks the page's way (prepare, then execute) on its own code.
import { loadShellCode } from '../src/shell/index.ts';

await loadShellCode();
