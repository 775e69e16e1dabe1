/**
 * Machine invariants, checked after every command in tests (code-style.md principle 6;
 * cca-spec.md §3.1 and §7 item 3). Each returns the violations it finds as sentences;
 * an empty list means the machine is consistent.
 */
import { isZero } from '../lib/bytes.ts';
import { GRANULE_SIZE } from './abi/gpt.ts';
import { gpiOf } from './hw/gpt.ts';
import { granuleBase, regionOf } from './hw/memory-map.ts';
import { entrySize, liveEntryCount, paKey, startingRtts } from './rmm/rtt.ts';
import type { MachineState } from './state.ts';
import { hex } from '../lib/hex.ts';

/** One invariant: a name and a checker returning violations. */
export interface Invariant {
  readonly name: string;
  readonly check: (state: MachineState) => string[];
}

/** The granule record at `pa`, or undefined when UNDELEGATED. */
function recordAt(state: MachineState, pa: number) {
  return state.granules[pa / GRANULE_SIZE];
}

/** How many granules the ASSIGNED entries map in all (blocks counted granule by granule). */
function assignedGranuleCount(state: MachineState): number {
  let n = 0;
  for (const rtt of Object.values(state.rmm.rtts)) {
    const granules = entrySize(rtt.level) / GRANULE_SIZE;
    for (const e of rtt.entries) if (e.state === 'ASSIGNED') n += granules;
  }
  return n;
}

/**
 * Every granule an ASSIGNED entry maps, with the realm and IPA it is mapped at. Callers first
 * bound the total with {@link assignedGranuleCount}: a block is enumerated granule by granule.
 */
function dataMappings(state: MachineState): { pa: number; realm: number; ipa: number }[] {
  const out: { pa: number; realm: number; ipa: number }[] = [];
  for (const rtt of Object.values(state.rmm.rtts)) {
    const size = entrySize(rtt.level);
    for (let i = 0; i < rtt.entries.length; i++) {
      const e = rtt.entries[i]!;
      if (e.state !== 'ASSIGNED') continue;
      for (let off = 0; off < size; off += GRANULE_SIZE) {
        out.push({ pa: e.pa + off, realm: rtt.realm, ipa: rtt.base + i * size + off });
      }
    }
  }
  return out;
}

/** RMM records (realms, RECs, RTTs) that disagree with the granule states. */
function recordProblems(state: MachineState): string[] {
  const out: string[] = [];
  const expect = (pa: number, granule: string, realm: number, what: string): void => {
    const g = recordAt(state, pa);
    if (g?.state !== granule || g.realm !== realm) {
      out.push(
        `${what} ${hex(pa)} is ${g?.state ?? 'UNDELEGATED'} of ${g?.realm === undefined ? 'no realm' : hex(g.realm)}, expected ${granule} of ${hex(realm)}`,
      );
    }
  };
  for (const realm of Object.values(state.rmm.realms)) {
    expect(realm.rd, 'RD', realm.rd, 'RD');
    for (const pa of startingRtts(realm)) {
      const rtt = state.rmm.rtts[paKey(pa)];
      if (rtt?.level !== realm.rttLevelStart)
        out.push(
          `starting RTT ${hex(pa)} of realm ${hex(realm.rd)} is missing or at the wrong level`,
        );
    }
  }
  for (const rec of Object.values(state.rmm.recs)) {
    expect(rec.rec, 'REC', rec.owner, 'REC');
    for (const aux of rec.aux) expect(aux, 'REC_AUX', rec.owner, 'REC aux');
    if (!state.rmm.realms[paKey(rec.owner)]) out.push(`REC ${hex(rec.rec)} has no realm`);
  }
  for (const rtt of Object.values(state.rmm.rtts)) {
    expect(rtt.rtt, 'RTT', rtt.realm, 'RTT');
    if (!state.rmm.realms[paKey(rtt.realm)]) out.push(`RTT ${hex(rtt.rtt)} has no realm`);
    for (let i = 0; i < rtt.entries.length; i++) {
      const e = rtt.entries[i]!;
      if (e.state !== 'TABLE') continue;
      const child = state.rmm.rtts[paKey(e.pa)];
      const base = rtt.base + i * entrySize(rtt.level);
      if (child?.level !== rtt.level + 1 || child.base !== base || child.realm !== rtt.realm) {
        out.push(
          `TABLE entry ${i} of RTT ${hex(rtt.rtt)} does not point to a level ${rtt.level + 1} RTT of its realm at IPA ${hex(base)}`,
        );
      }
    }
  }
  for (const [i, g] of Object.entries(state.granules)) {
    if (g.state !== 'RD' && g.state !== 'REC' && g.state !== 'RTT') continue;
    const pa = granuleBase(Number(i));
    const key = paKey(pa);
    const missing =
      (g.state === 'RD' && !state.rmm.realms[key]) ||
      (g.state === 'REC' && !state.rmm.recs[key]) ||
      (g.state === 'RTT' && !state.rmm.rtts[key]);
    if (missing) out.push(`granule ${hex(pa)} is ${g.state} but the RMM has no record of it`);
  }
  return out;
}

/** The invariants of the machine. */
export const INVARIANTS: Invariant[] = [
  {
    name: 'delegated granules are zero',
    check: (state) =>
      Object.entries(state.granules)
        .filter(([, g]) => g.state === 'DELEGATED' && g.ext === undefined)
        // An absent page reads as zero; only stored pages need looking at.
        .filter(([i]) => {
          const page = state.memory[Number(i)];
          return page !== undefined && !isZero(page);
        })
        .map(([i]) => `DELEGATED granule ${hex(granuleBase(Number(i)))} holds non-zero bytes`),
  },
  {
    name: 'the GPT agrees with every granule state',
    check: (state) => {
      const out: string[] = [];
      for (const [i, g] of Object.entries(state.granules)) {
        const pa = granuleBase(Number(i));
        if (gpiOf(state, pa) !== 'REALM') {
          out.push(`granule ${hex(pa)} is ${g.state} but its GPI is ${gpiOf(state, pa)}`);
        }
      }
      for (const i of Object.keys(state.gpt)) {
        const pa = granuleBase(Number(i));
        const gpi = gpiOf(state, pa);
        if (gpi === 'REALM' && !state.granules[Number(i)]) {
          out.push(`granule ${hex(pa)} has GPI REALM but the RMM thinks it UNDELEGATED`);
        }
        if (!regionOf(state.config.memoryMap, pa)?.delegable) {
          out.push(`GPT entry of non-delegable granule ${hex(pa)} was changed`);
        }
      }
      return out;
    },
  },
  {
    name: 'RMM records agree with granule states',
    check: recordProblems,
  },
  {
    name: 'reference counts match the RTT entries and RECs',
    check: (state) => {
      const out: string[] = [];
      for (const rtt of Object.values(state.rmm.rtts)) {
        const refcount = recordAt(state, rtt.rtt)?.refcount;
        const live = liveEntryCount(rtt);
        if (refcount !== live)
          out.push(`RTT ${hex(rtt.rtt)} has refcount ${refcount} but ${live} live entries`);
      }
      for (const realm of Object.values(state.rmm.realms)) {
        const recs = Object.values(state.rmm.recs).filter((r) => r.owner === realm.rd).length;
        const refcount = recordAt(state, realm.rd)?.refcount;
        if (refcount !== recs || realm.numRecs !== recs) {
          out.push(
            `RD ${hex(realm.rd)} has refcount ${refcount} and num_recs ${realm.numRecs} but ${recs} RECs`,
          );
        }
      }
      return out;
    },
  },
  {
    name: 'every DATA granule is mapped at exactly one IPA of its realm',
    check: (state) => {
      const out: string[] = [];
      // Each DATA granule is mapped once, so the RTTs map exactly as many granules as are
      // DATA: checked by arithmetic first, so a restored level-1 block (2^18 granules) or a
      // table of them is refused without enumerating it (issue 11, bounded restore).
      const data = Object.values(state.granules).filter((g) => g.state === 'DATA').length;
      const mapped = assignedGranuleCount(state);
      if (mapped > data) {
        return [`the RTTs map ${mapped} granules as DATA, but only ${data} granules are DATA`];
      }
      const seen = new Map<number, number>();
      for (const m of dataMappings(state)) {
        seen.set(m.pa, (seen.get(m.pa) ?? 0) + 1);
        const g = recordAt(state, m.pa);
        if (g?.state !== 'DATA' || g.realm !== m.realm) {
          out.push(
            `IPA ${hex(m.ipa)} of realm ${hex(m.realm)} maps ${hex(m.pa)}, which is ${g?.state ?? 'UNDELEGATED'}, not DATA of that realm`,
          );
        }
      }
      for (const [i, g] of Object.entries(state.granules)) {
        const pa = granuleBase(Number(i));
        const count = seen.get(pa) ?? 0;
        if (g.state === 'DATA' && count !== 1)
          out.push(`DATA granule ${hex(pa)} is mapped at ${count} IPAs`);
      }
      return out;
    },
  },
];

/** Runs every invariant; returns all violations. */
export function checkInvariants(state: MachineState): string[] {
  return INVARIANTS.flatMap((inv) => inv.check(state).map((v) => `${inv.name}: ${v}`));
}
