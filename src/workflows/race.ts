/**
 * The host racing two realms' set-up prefaults (mica-spec.md §6 attack 21, "Concurrency:
 * racing uploads/prefaults corrupt the SGT"; Appendix A: "the emulator may serialise and show
 * the race"). Used by the scenario host step `race-prefaults` (run.ts) and attack 21
 * (attacks.ts), so both race the same way.
 *
 * Which windows a realm races: every PROTECTED window of its policy except the objects it
 * shares with a realm that sets up before it. Appendix A's sequencing rule: "for each shared
 * object, every realm must prefault *and* upload before the next realm that shares it
 * prefaults". Prefaulting those early is attack 12's reordering (the peer's upload is refused:
 * an unregistered realm maps the object's pages), not the race.
 *
 * Nothing is retried. In Mica the monitor's `sgt:serialised` refusal is of the interleaving,
 * not of the mapping: `dataCreateUnknownShared` (policy/monitor/rmi.ts) takes the update in
 * turn and returns RMI_SUCCESS ("concurrent prefaults lose nothing"). In the prototype the
 * other realm's entry is lost silently (`sgtUpsert`, policy/monitor/sgt.ts; §6 attack 21
 * "None (unsynchronised)"): the host sees success too, and since the page stays mapped no
 * later access faults it in again.
 */
import type { Policy, PolicyMem } from '../policy/model.ts';
import { micaOf } from '../policy/monitor/state.ts';
import { prefaultOps, type GuestOp, type ProgramGuest } from './guest.ts';
import type { MicaHost, RealmHandle } from './host.ts';

/** A PROTECTED object a realm maps for itself, with the IPA of its own window. */
export interface ProtectedWindow {
  readonly mem: PolicyMem;
  readonly gpa: number;
}

/** The PROTECTED objects policy `p` maps for its own realm, less the objects named in `skip`. */
export function protectedWindows(
  p: Policy | undefined,
  skip: ReadonlySet<string> = new Set(),
): ProtectedWindow[] {
  const out: ProtectedWindow[] = [];
  for (const mem of p?.mems ?? []) {
    const own = mem.mappings.find((mp) => mp.vm === p!.self);
    if (mem.type === 'PROTECTED' && own && !skip.has(mem.name))
      out.push({ mem, gpa: Number(own.gpa) });
  }
  return out;
}

/**
 * Per realm, the objects it shares with a realm set up before it (`rank`: smaller sets up
 * first; Infinity for a realm never set up): what it may not prefault before that peer
 * uploaded (Appendix A sequencing rule).
 */
export function notFirstToSetUp(
  policies: ReadonlyMap<string, Policy | undefined>,
  rank: (name: string) => number,
): Map<string, Set<string>> {
  const mappers = new Map<string, string[]>();
  for (const [name, p] of policies)
    for (const { mem } of protectedWindows(p))
      mappers.set(mem.name, [...(mappers.get(mem.name) ?? []), name]);
  const out = new Map<string, Set<string>>();
  for (const [mem, names] of mappers)
    for (const name of names)
      if (names.some((other) => other !== name && rank(other) < rank(name)))
        out.set(name, (out.get(name) ?? new Set()).add(mem));
  return out;
}

/** One realm of a race: its handle, its policy and the objects it leaves out. */
export interface Racer {
  readonly name: string;
  readonly handle: RealmHandle;
  readonly policy: Policy | undefined;
  readonly skip?: ReadonlySet<string>;
}

/**
 * Races the racers' prefaults of their windows with the monitor's `concurrent` flag on,
 * interleaved one REC entry (one fault or one read) at a time until every program is done.
 * Returns, per racer, the objects it raced.
 */
export function racePrefaults(
  host: MicaHost,
  guest: ProgramGuest,
  racers: readonly Racer[],
): string[][] {
  const m = micaOf(host.m.state);
  if (m) m.concurrent = true;
  const raced = racers.map((r) => protectedWindows(r.policy, r.skip));
  const left = racers.map((r, k) => {
    const ops: GuestOp[] = raced[k]!.flatMap(({ mem, gpa }) => prefaultOps(gpa, Number(mem.size)));
    guest.add(r.handle.rd, ops);
    // A bound, not a count to reach: one entry per fault, one per read, one to see it done.
    return 2 * ops.length + 1;
  });
  try {
    while (left.some((n) => n > 0))
      racers.forEach((r, k) => {
        if (left[k]! <= 0) return;
        left[k] = host.run(r.handle, 1).done ? 0 : left[k]! - 1;
      });
  } finally {
    if (m) m.concurrent = false;
  }
  return raced.map((ws) => ws.map((w) => w.mem.name));
}
