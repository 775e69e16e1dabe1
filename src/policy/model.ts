/**
 * The policy model: one realm's Mica policy in the dialect-C internal form the RMM stores
 * (mica-spec.md §2.2), plus the dialect-P terms kept for display (§2.3, §2.4, §8 item 1).
 * Realms are referred to by their index in `vms`, exactly as the binary and the 2184-byte record
 * do (§2.2.3, §4.2), so text, `POLY` and record decode to the same value.
 *
 * Design rationale: plain, JSON-safe-ish data (bigint for u64 fields), no classes, so the
 * monitor can store it in machine state and the UI can render it directly.
 */

/** Which surface syntax a policy was written in (§0). */
export type Dialect = 'C' | 'P';

/** Stage-2 access right of one mapping (§2.2.2: R = 1, W = 2, RW = 3). */
export type Prot = 'R' | 'W' | 'RW';

/** Memory object type (§2.2.2). */
export type MemType = 'PROTECTED' | 'UNPROTECTED' | 'OTHER';

/** Control-flow rule type (§2.2.2). */
export type CfType = 'CALL' | 'EXCEPTION' | 'OTHER';

/** Control-flow rule policy (§2.2.2). */
export type CfPolicy = 'BLOCK' | 'ALLOW' | 'OTHER';

/** A realm entry `VM*` (§2.2.1). */
export interface PolicyVm {
  /** The 4-character name (§2.1 truncation already applied). */
  readonly name: string;
  /** u32 label by which every policy of the pipeline refers to this realm (§2.2.4). */
  readonly hash: number;
  readonly isGateway: boolean;
  readonly strict: boolean;
  /** Dialect-P spelling, when the policy was written in P (§2.4): `allowed-other-mappings`. */
  readonly legacy?: { readonly allowedOtherMappings: boolean };
}

/** One mapping of a memory object: a named realm (by index) or the `ANY` wildcard. */
export interface PolicyMapping {
  /** Index into {@link Policy.vms}, or `'ANY'` (VM_IDX_ANY in binary). */
  readonly vm: number | 'ANY';
  /** u64 base IPA of the window in that realm. */
  readonly gpa: bigint;
  readonly prot: Prot;
  /** i32; > 0 or −1 (unlimited) for ANY, 0 for named mappings (§2.2.2). */
  readonly anyCount: number;
}

/** Dialect-P fields with no dialect-C equivalent, kept as emulator flags (§2.4). */
export interface LegacyMem {
  /** `properties` contains FRESH (§3.8). */
  readonly fresh: boolean;
  /** `on-remove: CLEAN` (§3.7). */
  readonly clean: boolean;
  /** `owner`, by VM index, for display (§2.3). */
  readonly owner: number | null;
  /** Author-written lifecycle state (§2.3); derived state in the emulator. */
  readonly mapped: 'NONE' | 'PENDING' | 'ACTIVE';
}

/** A shared memory object `Mem*` (§2.2.4). */
export interface PolicyMem {
  readonly name: string;
  /** u64 bytes (u32 in dialect P). */
  readonly size: bigint;
  readonly type: MemType;
  readonly mappings: readonly PolicyMapping[];
  readonly legacy?: LegacyMem;
}

/** Dialect-P channel a CF rule was translated from (§2.4). */
export interface LegacyChannel {
  /** The `Ch*` name it came from. */
  readonly channel: string;
  readonly range: readonly ('RSI' | 'OTHER')[];
  readonly policy: 'BLOCK' | 'SCRUB' | 'DELEGATE';
}

/** A control-flow rule `CF*` (§2.2.4). */
export interface PolicyCf {
  readonly name: string;
  /** Index into {@link Policy.vms} of the restricted realm, or `'NONE'` (0xFFFF). */
  readonly owner: number | 'NONE';
  readonly type: CfType;
  readonly policy: CfPolicy;
  /** u32 values, at most 8 (ESR EC for CALL/EXCEPTION, pseudo-codes for OTHER). */
  readonly range: readonly number[];
  readonly legacy?: LegacyChannel;
}

/** One realm's policy, from its own point of view (`self`). */
export interface Policy {
  readonly dialect: Dialect;
  /** Index into `vms` of the uploading realm. */
  readonly self: number;
  readonly vms: readonly PolicyVm[];
  readonly mems: readonly PolicyMem[];
  readonly cfs: readonly PolicyCf[];
}

/** A prefault helper file (C4, C5, C9): objects only, no `Self`, never uploaded (§2.8). */
export interface PrefaultSpec {
  readonly vms: readonly PolicyVm[];
  readonly mems: readonly PolicyMem[];
}

/** Numeric encoding of a prot (§2.2.2). */
export function protBits(prot: Prot): number {
  return prot === 'R' ? 1 : prot === 'W' ? 2 : 3;
}

/** True when `prot` grants read access. */
export function canRead(prot: Prot): boolean {
  return prot !== 'W';
}

/** True when `prot` grants write access. */
export function canWrite(prot: Prot): boolean {
  return prot !== 'R';
}

/** The self VM entry of `policy` (undefined only for a malformed hand-built value). */
export function selfVm(policy: Policy): PolicyVm | undefined {
  return policy.vms[policy.self];
}

/** Name of the VM at `index`, `ANY` or `NONE`, for messages. */
export function vmLabel(policy: Policy, index: number | 'ANY' | 'NONE'): string {
  if (index === 'ANY' || index === 'NONE') return index;
  return policy.vms[index]?.name ?? `#${index}`;
}

/**
 * The policy as the RMM would store it: dialect-C only, dialect-P display data dropped.
 * `POLY` cannot carry P terms, so this is what a binary round trip preserves (§2.4).
 */
export function toDialectC(policy: Policy): Policy {
  return {
    dialect: 'C',
    self: policy.self,
    vms: policy.vms.map(({ name, hash, isGateway, strict }) => ({ name, hash, isGateway, strict })),
    mems: policy.mems.map(({ name, size, type, mappings }) => ({
      name,
      size,
      type,
      mappings: mappings.map((m) => ({ ...m })),
    })),
    cfs: policy.cfs.map(({ name, owner, type, policy: p, range }) => ({
      name,
      owner,
      type,
      policy: p,
      range: [...range],
    })),
  };
}
