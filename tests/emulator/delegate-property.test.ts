// Property: random delegate / undelegate / host read / host write sequences never break the
// invariants, never throw, and the host never obtains a byte of Realm-PAS memory.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { abi, createMachine } from '../../src/emulator/index.ts';

const DRAM = 0x8000_0000;
const GRANULES = 8;

const pa = fc.oneof(
  fc.integer({ min: 0, max: GRANULES - 1 }).map((g) => DRAM + g * abi.GRANULE_SIZE),
  fc.integer({ min: 0, max: GRANULES * abi.GRANULE_SIZE }).map((o) => DRAM + o),
  fc.constantFrom(0x0400_0000, 0x0600_0000, 0x0608_0000, 0x1c09_0000, 0, 0xffff_f000),
);

const step = fc.oneof(
  fc.record({ op: fc.constant('delegate' as const), pa }),
  fc.record({ op: fc.constant('undelegate' as const), pa }),
  fc.record({
    op: fc.constant('read' as const),
    pa,
    len: fc.integer({ min: 1, max: 2 * abi.GRANULE_SIZE }),
  }),
  fc.record({
    op: fc.constant('write' as const),
    pa,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
);

describe('delegate/undelegate/read/write property', () => {
  it('keeps invariants and never leaks Realm-PAS bytes to the host (10k steps)', () => {
    let steps = 0;
    fc.assert(
      fc.property(fc.array(step, { minLength: 40, maxLength: 60 }), (ops) => {
        const m = createMachine();
        for (const s of ops) {
          steps++;
          if (s.op === 'delegate') m.smc(abi.SMC_RMI_GRANULE_DELEGATE, s.pa);
          else if (s.op === 'undelegate') m.smc(abi.SMC_RMI_GRANULE_UNDELEGATE, s.pa);
          else if (s.op === 'write') m.write(s.pa, s.bytes);
          else {
            const touchesRealm = [s.pa, s.pa + s.len - 1].some((a) => m.gpiOf(a) === 'REALM');
            const r = m.read(s.pa, s.len);
            if (touchesRealm) expect(r.ok).toBe(false);
          }
          expect(m.checkInvariants()).toEqual([]);
        }
      }),
      { numRuns: 260 },
    );
    expect(steps).toBeGreaterThanOrEqual(10_000);
  });
});
