/**
 * Invariants of the monitor's state (mica-spec.md §3.2, §3.4, §3.7, §8 item 13, Appendix A;
 * issue 11 finding 1), checked with the machine's own (emulator invariants.ts) after every
 * operation in tests and on every restore:
 *
 * - every shared mapping belongs to a live realm and points at a granule still DELEGATED and
 *   tagged `mica:shared`, which the SGT lists for that realm: the page cannot have left
 *   the monitor's control while a realm can still reach it;
 * - a granule tagged `mica:shared` is mapped by at least one realm (else it is `mica:stale` or
 *   wiped);
 * - no entry of the realm table, the SGT, the registry or the range table names a dead realm.
 *
 * Design rationale: each invariant is a named check returning plain-word problems, like the
 * machine's. A prototype gap that deliberately breaks one (gap-undelegate-shared lets a mapped
 * page go; gap-sgt-race loses SGT updates) switches that part off, so the check states what the
 * mode promises and no more.
 */
import { abi, type MachineState } from '../../emulator/index.ts';
import { fromHex } from '../../lib/bytes.ts';
import { expectedSgtBytes } from './sgt.ts';
import { gapOn, micaOf, type MicaState } from './state.ts';
import { hex } from '../../lib/hex.ts';

/** One named invariant of the monitor state. */
interface MicaInvariant {
  readonly name: string;
  readonly check: (state: Readonly<MachineState>, monitor: MicaState) => string[];
}

const live = (state: Readonly<MachineState>, rd: number) => state.rmm.realms[hex(rd)] !== undefined;

const granule = (state: Readonly<MachineState>, pa: number) =>
  state.granules[Math.floor(pa / abi.GRANULE_SIZE)];

/** The monitor's invariants, in the order they are reported. */
export const MICA_INVARIANTS: readonly MicaInvariant[] = [
  {
    name: 'no monitor table names a dead realm',
    check: (state, monitor) => [
      ...Object.values(monitor.realms)
        .filter((r) => !live(state, r.rd))
        .map((r) => `the monitor keeps realm ${hex(r.rd)} (${r.name}), which no longer exists`),
      ...monitor.sgt.entries
        .filter((e) => !live(state, e.rd))
        .map((e) => `SGT entry (${hex(e.pa)} at ${hex(e.gpa)}) names dead realm ${hex(e.rd)}`),
      ...monitor.registry
        .filter((e) => !live(state, e.rd))
        .map((e) => `registry entry names dead realm ${hex(e.rd)}`),
      ...monitor.ranges
        .filter((e) => !live(state, e.rd))
        .map((e) => `shared range ${hex(e.ipa)} names dead realm ${hex(e.rd)}`),
    ],
  },
  {
    name: 'every shared mapping points at a shared page the SGT lists',
    check: (state, monitor) => {
      const out: string[] = [];
      for (const r of Object.values(monitor.realms)) {
        for (const mapping of Object.values(r.mappings)) {
          const g = granule(state, mapping.pa);
          const where = `${r.name}'s shared mapping at IPA ${hex(mapping.ipa)} -> ${hex(mapping.pa)}`;
          if (
            !gapOn(monitor, 'gap-undelegate-shared') &&
            (g?.state !== 'DELEGATED' || g.ext !== 'mica:shared')
          ) {
            out.push(
              `${where}: the granule is ${g?.state ?? 'UNDELEGATED'}${g?.ext ? ` (${g.ext})` : ''}, not a DELEGATED mica:shared page`,
            );
          }
          // The SGT keeps one entry per (realm, page): a page aliased at two IPAs is one entry.
          const listed = monitor.sgt.entries.some((e) => e.rd === r.rd && e.pa === mapping.pa);
          if (!listed && !gapOn(monitor, 'gap-sgt-race'))
            out.push(`${where}: the SGT does not list it`);
        }
      }
      return out;
    },
  },
  {
    name: 'in mode mica every activated realm has a PD',
    check: (state, m) =>
      m.mode !== 'mica'
        ? []
        : Object.values(state.rmm.realms)
            .filter((realm) => realm.state !== 'NEW' && (m.realms[hex(realm.rd)]?.pd ?? 0) === 0)
            .map(
              (realm) =>
                `realm ${hex(realm.rd)} is ${realm.state} without a policy descriptor (Appendix A: REALM_ACTIVATE needs one)`,
            ),
  },
  {
    name: 'a shared page is mapped by some realm',
    check: (state, monitor) => {
      const mapped = new Set(
        Object.values(monitor.realms).flatMap((r) =>
          Object.values(r.mappings).map((mapping) => mapping.pa),
        ),
      );
      return Object.entries(state.granules)
        .filter(([, g]) => g.ext === 'mica:shared')
        .map(([i]) => Number(i) * abi.GRANULE_SIZE)
        .filter((pa) => !mapped.has(pa))
        .map((pa) => `granule ${hex(pa)} is tagged mica:shared but no realm maps it`);
    },
  },
];

/** Every problem with the monitor state of `state` (none when the monitor is dormant). */
export function checkMicaInvariants(state: Readonly<MachineState>): string[] {
  const monitor = micaOf(state);
  if (!monitor) return [];
  return MICA_INVARIANTS.flatMap((inv) => inv.check(state, monitor));
}

/**
 * What the monitor's granules hold (issue 11: what a learner inspects is what the machine
 * does): each PD granule holds its realm's 2184-byte record (zeroes while there is none), and
 * the SGT granules hold the table as §3.2 stores it (zeroes while it is empty). Not part of
 * the restore invariants: snapshots saved before the monitor stored these bytes lack them.
 * The property test (tests/mica/operations-property.test.ts) checks it after every operation.
 */
export function checkMicaStorage(state: Readonly<MachineState>): string[] {
  const m = micaOf(state);
  if (!m) return [];
  const out: string[] = [];
  for (const r of Object.values(m.realms)) {
    if (r.pd === 0) continue;
    const page = state.memory[Math.floor(r.pd / abi.GRANULE_SIZE)];
    if (!sameBytes(page, recordBytes(r.record)))
      out.push(
        `${r.name}'s PD granule ${hex(r.pd)} does not hold its record (${r.record === '' ? 'expected zeroes' : 'bytes differ'})`,
      );
  }
  if (m.sgt.granules.length === 0) return out;
  const want = expectedSgtBytes(m);
  for (const [i, g] of m.sgt.granules.entries()) {
    const page = state.memory[Math.floor(g / abi.GRANULE_SIZE)];
    const part = want.subarray(i * abi.GRANULE_SIZE, (i + 1) * abi.GRANULE_SIZE);
    if (!sameBytes(page, part)) {
      out.push(
        `SGT granule ${hex(g)} does not hold its part of the table of ${m.sgt.entries.length} entries`,
      );
      break;
    }
  }
  return out;
}

const records = new Map<string, Uint8Array>();

/** The bytes of a record (hex), cached: the same few records are checked after every step. */
function recordBytes(hex: string): Uint8Array {
  let b = records.get(hex);
  if (!b) {
    b = hex === '' ? new Uint8Array(0) : fromHex(hex)!;
    if (records.size > 64) records.clear();
    records.set(hex, b);
  }
  return b;
}

/** True when `page` (absent = zeroes) starts with `want` and is zero after it. */
function sameBytes(page: Uint8Array | undefined, want: Uint8Array): boolean {
  if (!page) return want.every((b) => b === 0);
  for (let i = 0; i < page.length; i++) if (page[i] !== (want[i] ?? 0)) return false;
  return true;
}
