// Re-exports for the guest tests.
export { GUEST_MODEL, createMachine, hostRealm } from '../../src/emulator/index.ts';
export type { OutputLine as OutputLineLike } from '../../src/shell/index.ts';
