/**
 * The host's VMM bookkeeping, kept in the machine's state tree (`state.host`) so snapshots,
 * undo and shared links capture it. This is untrusted host software's memory (NS-EL2 and
 * the VMM process), not RMM state: the RMM never reads it, and nothing a realm relies on
 * may depend on it.
 *
 * Design rationale: the host allocates the granules it hands to the RMM from a pool at the
 * top half of DRAM, so realms the VMM builds do not collide with granules a learner
 * delegates by hand from the bottom of DRAM. NOT part of any Arm specification.
 */
import { toHex } from '../../lib/bytes.ts';
import type { MachineState } from '../state.ts';
import type { RealmIntent } from './reference.ts';
import { hex } from '../../lib/hex.ts';

/** First PA of the VMM's page pool (the lab board's DRAM is 0x8000_0000..0x8800_0000). */
export const HOST_POOL_BASE = 0x8400_0000;
/** End of the pool (exclusive). */
export const HOST_POOL_TOP = 0x8800_0000;

/** A device the VMM emulates for a realm. */
export type HostDeviceName = 'console' | 'net';

/** What the VMM knows about one realm it created. */
export interface HostRealm {
  /** Name the learner gave it (host-side only; the RMM knows the RD PA). */
  name: string;
  /** PA of the RD. */
  rd: number;
  /** PAs of the RECs, REC index order. */
  recs: number[];
  /** PA of the NS RmiRecRun granule the VMM enters RECs with. */
  run: number;
  ipaWidth: number;
  /** Protected RAM the guest was promised: [0, ramPages * 4 KiB). */
  ramPages: number;
  hashAlgo: 'sha-256' | 'sha-512';
  /** Guest application in the image (the guest's measured boot header names it). */
  image: string;
  /** Whether the realm has a network device. */
  net: boolean;
  /** Unprotected IPA (0x-hex) -> NS PA the VMM mapped there. */
  shared: Record<string, number>;
  /** Everything the console device received, as text. */
  console: string;
  /** Every packet the network device sent, as text. */
  network: string[];
  /**
   * Packets the tenant sent to this realm's network device, not yet received by the guest
   * (hex bytes and the label the tenant declared for them). Absent when none were ever sent.
   */
  inbox?: { data: string; label: string }[];
  /** REC exits handled so far. */
  exits: number;
  /**
   * How the VMM will enter each REC next (REC PA 0x-hex -> RmiRecEnter flags and gprs[0]),
   * completing the last exit: emulated MMIO, RIPAS response, host-call results.
   */
  enter: Record<string, { flags: string; gprs: string[] }>;
  /** RECs that are off (PSCI_CPU_OFF) or the whole realm (SYSTEM_OFF). */
  off: boolean;
}

/** The VMM's state. */
export interface HostState {
  realms: Record<string, HostRealm>;
  /** Next never-used pool page. */
  nextPage: number;
  /** Pool pages given back (undelegated), reused first. */
  freePages: number[];
  /** The last attestation token a realm handed to the host, hex. */
  lastToken?: string;
  /**
   * The 64-byte challenge (hex) the realm put in RSI_ATTESTATION_TOKEN_INIT for `lastToken`:
   * the relying party's nonce, so the host side can check freshness (see relying-party.ts).
   */
  lastChallenge?: string;
  /** Name of the realm that produced `lastToken`. */
  lastTokenRealm?: string;
  /**
   * The group tokens realms handed to the host (mica-spec.md §4.3), oldest first, at most
   * {@link HOST_GROUP_TOKENS}: each with the policy blobs that followed it (outside the
   * signature), the challenge the realm put in the group INIT call and the realm's name. The
   * host keeps them for the tenant's verifier; the last one is "last".
   */
  groupTokens?: HostGroupToken[];
  /**
   * Shared-memory devices the VMM wired (ivshmem-style, mica-spec.md §3.4): object name ->
   * its backing pages (page index -> NS PA, one set per object, shared by every realm that
   * maps it) and the windows it is plugged into (realm name, window IPA, size).
   */
  sharedObjects?: Record<string, HostSharedObject>;
  /**
   * What the tenant asked for, per realm name (image and measured parameters): its relying
   * party's record, from which reference.ts recomputes the reference RIM and RPV. Recorded as
   * asked, whatever the host then builds.
   */
  intents?: Record<string, RealmIntent>;
  /**
   * The newest group configuration epoch the tenant's verifier has seen, per pipeline it
   * verifies (the workflow example's id; mica-spec.md §4.3, issue 11 finding 5): a group token
   * of that pipeline with an older epoch is stale. Per pipeline, since upload orders are
   * machine-wide and another pipeline's epoch says nothing about this one.
   */
  groupEpochs?: Record<string, number>;
  /**
   * The name the host gave each realm it built, by RD (0x-hex), kept after the realm is
   * destroyed: the judge and the views name a gone realm's flows by it (policy/judge.ts
   * `realmNamer`). A later realm at the same RD takes the entry over. Every host model writes
   * it ({@link nameRealm}), the lab's VMM and the workflows' scenario host alike.
   */
  names?: Record<string, string>;
}

/** How many group tokens the host keeps (a snapshot holds them all: ~20 KB of hex each). */
export const HOST_GROUP_TOKENS = 4;

/** A group token as the host received it (hex strings, so a snapshot keeps it). */
export interface HostGroupToken {
  token: string;
  blobs: string[];
  challenge: string;
  realm: string;
}

/** One host shared-memory object (a backing file every QEMU opens). */
export interface HostSharedObject {
  pages: Record<string, number>;
  ends: { realm: string; ipa: number; size: number }[];
}

/** Records that the host calls the realm at `rd` `name` ({@link HostState.names}). */
export function nameRealm(state: MachineState, rd: number, name: string): void {
  (hostState(state).names ??= {})[hex(rd)] = name;
}

/**
 * Records `realm` in the VMM's records under its name, and the host's name of its RD
 * ({@link nameRealm}): what makes a realm runnable by the lab's VMM (host/vmm.ts `runRealm`)
 * and gives it a terminal. Every host model that builds a realm writes it, the lab's VMM and
 * the workflows' scenario host alike, so a realm a Pipeline Run built is the learner's to
 * inspect once the lab adopts the run. A realm built again under the same name replaces the
 * record, and the shared-object windows the old one plugged are unplugged (its VM is gone).
 */
export function recordRealm(state: MachineState, realm: HostRealm): void {
  const hs = hostState(state);
  if (hs.realms[realm.name]) unplugShared(hs, realm.name);
  hs.realms[realm.name] = realm;
  nameRealm(state, realm.rd, realm.name);
}

/** Unplugs every shared-object window realm `name` had. */
export function unplugShared(hs: HostState, name: string): void {
  for (const object of Object.values(hs.sharedObjects ?? {})) {
    object.ends = object.ends.filter((end) => end.realm !== name);
  }
}

/** The host shared-memory object `name` of `state` (mica-spec.md §3.4), created empty on first use. */
export function hostSharedObject(state: MachineState, name: string): HostSharedObject {
  return ((hostState(state).sharedObjects ??= {})[name] ??= { pages: {}, ends: [] });
}

/** The host state of `state`, created empty on first use. */
export function hostState(state: MachineState): HostState {
  return (state.host ??= { realms: {}, nextPage: HOST_POOL_BASE, freePages: [] });
}

/**
 * Records the token realm `realm` obtained for `challenge` as the host's "last" token, with
 * the challenge and the realm's name, so every verifier view appraises it with the same inputs.
 */
export function recordToken(
  state: MachineState,
  realm: string,
  token: Uint8Array,
  challenge: Uint8Array,
): void {
  const host = hostState(state);
  host.lastToken = toHex(token);
  host.lastChallenge = toHex(challenge);
  host.lastTokenRealm = realm;
}

/** Records the group token `realm` obtained for `challenge`, with its blobs, as the host's last. */
export function recordGroupToken(
  state: MachineState,
  realm: string,
  token: Uint8Array,
  blobs: readonly Uint8Array[],
  challenge: Uint8Array,
): void {
  const host = hostState(state);
  const kept = (host.groupTokens ??= []);
  kept.push({
    token: toHex(token),
    blobs: blobs.map((b) => toHex(b)),
    challenge: toHex(challenge),
    realm,
  });
  if (kept.length > HOST_GROUP_TOKENS) kept.splice(0, kept.length - HOST_GROUP_TOKENS);
}
