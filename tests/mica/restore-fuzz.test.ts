// Untrusted input cannot hurt (issue 11; ARCHITECTURE.md "Snapshots"): a real Mica pipeline
// snapshot (the video workflow, set up and uploaded) is mutated at random JSON paths, replacing
// a value with null, a number (zero, negative, huge, fractional), a string, an array, an
// object, or deleting it. For every mutant, restore() never throws and returns within bounds;
// a refusal names where the problem is (a JSON path from `state`, or the record an invariant
// names) and never reports an internal error; a refused restore leaves the machine exactly as
// it was. Crafted cases cover the recipes: a level-0 block, a null ledger event, a
// numeric granule state, mode "mica" with prototype gaps.
//
// Cost: refusals at the shape check take well under 1 ms; a mutant that passes it costs one
// clone and one invariant run (~20-30 ms on the 2-core machine). Paths are drawn per section
// of the state so the 18k RTT entries do not crowd out the ledger, the monitor and the host.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MachineSnapshot } from '../../src/emulator/index.ts';
import type { MicaState } from '../../src/policy/monitor/state.ts';
import { micaDecisions, micaView } from '../../src/policy/monitor/views.ts';
import { buildVideoWorkflow } from '../../src/workflows/video.ts';

/** The state of a saved snapshot, as a test edits it. */
type Saved = MachineSnapshot['state'];
const mica = (s: Saved) => s.ext.mica as MicaState;

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const KEPT_EVENTS = 60;

const wf = buildVideoWorkflow({ size: 0x4000 });
const machine = wf.machine;
// A saved snapshot is JSON: the copy is the test's to edit (a live snapshot shares the ledger's
// events, some of whose lists are frozen and shared).
const base = JSON.parse(JSON.stringify(machine.snapshot())) as { state: Record<string, unknown> };
// Keep the ledger small (still densely numbered up to nextSeq) so a mutant is cheap to clone.
const ledger = base.state.ledger as { events: unknown[] };
ledger.events = ledger.events.slice(-KEPT_EVENTS);
expect(machine.restore(structuredClone(base))).toEqual({ ok: true });

type Path = readonly (string | number)[];

/** Every path to a value inside `v` (objects and arrays included), grouped by section. */
function pathsOf(v: unknown, at: Path, out: Path[]): void {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out));
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
  }
}
const sections = new Map<string, Path[]>();
{
  const all: Path[] = [];
  pathsOf(base, [], all);
  for (const p of all) {
    // Section: state.<field>[.<sub>] (rmm.rtts, ext.mica.realms, ...), else the root fields.
    const name = p.slice(0, p[1] === 'rmm' || p[1] === 'ext' ? 4 : 2).join('.');
    let list = sections.get(name);
    if (!list) sections.set(name, (list = []));
    list.push(p);
  }
}
const sectionNames = [...sections.keys()];

const REPLACEMENTS: readonly unknown[] = [
  null,
  0,
  -1,
  0.5,
  2 ** 53,
  1e300,
  -1e300,
  'x',
  '',
  '0xffffffffffffffffffff',
  [],
  [null],
  {},
  true,
  undefined,
];

/** Sets (or deletes, for undefined) the value at `path`; returns the undo. */
function mutate(root: unknown, path: Path, value: unknown): () => void {
  if (path.length === 0) return () => {};
  let parent = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) {
    parent = parent[k] as Record<string | number, unknown>;
    // An earlier mutation replaced an ancestor of this path: nothing left to change here.
    if (typeof parent !== 'object' || parent === null) return () => {};
  }
  const last = path[path.length - 1]!;
  const had = Object.hasOwn(parent, last);
  const old = parent[last];
  if (value === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = value;
  return () => {
    if (had) parent[last] = old;
    else delete parent[last];
  };
}

/** The first path where `a` and `b` differ ('' when equal). */
function firstDifference(a: unknown, b: unknown, at = ''): string {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return a === b
      ? ''
      : `${at}: ${JSON.stringify(a)?.slice(0, 80)} vs ${JSON.stringify(b)?.slice(0, 80)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const d = firstDifference(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
      `${at}.${k}`,
    );
    if (d) return d;
  }
  return '';
}

/** Where a refusal may point: a JSON path from the snapshot, or a record or address. */
const LOCATED =
  /^(state[.[]|"format"|"version"|the snapshot|"state")|inconsistent machine: .*(0x[0-9a-f]+|granule|realm|RTT|REC|RD)/;

function restoreUnchanged(mutant: unknown): { ok: boolean; error?: string } {
  const before = machine.state;
  // A hang is caught by the test's timeout; no wall-clock bound per restore (a loaded CI
  // machine took 2.1 s for one once): bounded work is checked by the crafted cases' messages.
  const r = machine.restore(mutant);
  if (!r.ok) {
    expect(r.error).toMatch(LOCATED);
    expect(r.error).not.toContain('internal error');
    expect(machine.state).toBe(before);
  }
  return r;
}

describe('restore of untrusted snapshots (issue 11)', () => {
  it(`never throws, never hangs, locates every refusal, keeps the machine (${RUNS} mutants)`, () => {
    const reference = JSON.stringify(machine.snapshot());
    const stats = { refused: 0, accepted: 0 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sectionNames.length - 1 }),
        fc.nat(),
        fc.integer({ min: 0, max: REPLACEMENTS.length - 1 }),
        fc.boolean(),
        (section, pick, replacement, second) => {
          const list = sections.get(sectionNames[section]!)!;
          const undo = [mutate(base, list[pick % list.length]!, REPLACEMENTS[replacement])];
          if (second) {
            const other = list[(pick * 7919 + 13) % list.length]!;
            undo.push(mutate(base, other, REPLACEMENTS[(replacement + 5) % REPLACEMENTS.length]));
          }
          let r: { ok: boolean };
          try {
            r = restoreUnchanged(base);
          } finally {
            for (const u of undo.reverse()) u();
          }
          // An accepted mutant (a renamed realm, a reworded ledger note) simply becomes the
          // machine the next mutant must leave untouched.
          if (r.ok) {
            stats.accepted++;
            // What restore accepts, the views and decisions can read.
            expect(() => micaView(machine.state)).not.toThrow();
            expect(() => micaDecisions(machine.ledger, 'allowed')).not.toThrow();
          } else stats.refused++;
        },
      ),
      { numRuns: RUNS, seed: 0x11 },
    );
    // The mutations were all undone: the base snapshot restores to the same machine.
    expect(machine.restore(base)).toEqual({ ok: true });
    expect(
      firstDifference(JSON.parse(JSON.stringify(machine.snapshot())), JSON.parse(reference)),
    ).toBe('');
    expect(stats.refused).toBeGreaterThan(RUNS / 2);
  }, 600_000);

  const crafted: [string, (s: Saved) => void, RegExp][] = [
    [
      'a level-0 block (512 GiB of granules) is refused at once',
      (s) => {
        const rtt = Object.values(s.rmm.rtts).find((t) => t.level === 0)!;
        rtt.entries[1] = { state: 'ASSIGNED', ripas: 'RAM', pa: 0 };
      },
      /^state\.rmm\.rtts\["0x[0-9a-f]+"\]\.entries\[1\]: an ASSIGNED entry at level 0 is not allowed/,
    ],
    [
      'a level-1 block (1 GiB) is refused without enumerating it',
      (s) => {
        const rtt = Object.values(s.rmm.rtts).find((t) => t.level === 1)!;
        rtt.entries[511] = { state: 'ASSIGNED', ripas: 'RAM', pa: 0 };
      },
      // Refused by whichever invariant sees it first, without enumerating the block.
      /inconsistent machine: .*(RTT 0x|the RTTs map \d+ granules as DATA)/,
    ],
    [
      'a null ledger event',
      (s) => (s.ledger.events[3] = null as never),
      /^state\.ledger\.events\[3\]: expected an object, got null/,
    ],
    [
      'a numeric granule state',
      (s) => {
        const k = Object.keys(s.granules)[0]!;
        s.granules[Number(k)]!.state = 7 as never;
      },
      /^state\.granules\.\d+|^state\.granules\["\d+"\]\.state: expected one of/,
    ],
    [
      'mode "mica" with prototype gaps switched on',
      (s) => {
        Object.assign(s.config, { gaps: ['gap-first-come-labels'] });
        Object.assign(mica(s), { gaps: ['gap-first-come-labels'] });
      },
      /^state\.config\.gaps: mode "mica" runs with no prototype gaps/,
    ],
    [
      'monitor state claiming gaps the machine config does not have',
      (s) => Object.assign(mica(s), { gaps: ['gap-first-come-labels'] }),
      /^state\.ext\.mica\.gaps: mode "mica" runs with no prototype gaps/,
    ],
    [
      'a PD record that does not decode',
      (s) => {
        const r = Object.values(mica(s).realms)[0]!;
        r.record = 'ff'.repeat(2184);
      },
      /^state\.ext\.mica\.realms\["0x[0-9a-f]+"\]\.record: the PD record does not decode/,
    ],
    [
      'an SGT beyond its capacity',
      (s) => {
        const sgt = mica(s).sgt;
        sgt.entries = Array.from({ length: 5000 }, () => sgt.entries[0]!);
      },
      /^state\.ext\.mica\.sgt\.entries: at most 4096 items allowed/,
    ],
    [
      "a tenant intent whose image is not a name (the relying party's reference input)",
      (s) => {
        s.host = { realms: {}, nextPage: 0x8400_0000, freePages: [] };
        s.host.intents = {
          gateway: {
            image: 5,
            ramPages: 16,
            net: false,
            hashAlgo: 'sha-256',
            ipaWidth: 42,
            recs: 1,
          },
        } as never;
      },
      /^state\.host\.intents\.gateway\.image|^state\.host\.intents\["gateway"\]\.image/,
    ],
    [
      'a remembered group epoch that is negative',
      (s) => {
        s.host = { realms: {}, nextPage: 0x8400_0000, freePages: [] };
        s.host.groupEpochs = { 'video-moderation': -1 };
      },
      /^state\.host\.groupEpochs/,
    ],
  ];
  for (const [name, edit, message] of crafted) {
    it(`refuses ${name}, with its location`, () => {
      const mutant = structuredClone(base) as unknown as { state: Saved };
      edit(mutant.state);
      const r = restoreUnchanged(mutant);
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(message);
    });
  }
});
