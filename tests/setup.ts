// Unit tests run lines the way the CLI does: the code the page loads when first used (the
// attestation code, the group verifier; src/shell/lazy.ts) is loaded once before any test,
// and so is the scenario link code (LINK_CODE, src/lessons/scenario.ts), which the page's
// link helpers (src/ui/persist/links.ts) take from its LazyCode.
// tests/shell/lazy-code.test.ts checks the page's way (prepare, then execute) on its own code.
import { LINK_CODE } from '../src/lessons/scenario.ts';
import { loadShellCode } from '../src/shell/index.ts';

await Promise.all([loadShellCode(), LINK_CODE.load()]);
