/**
 * Malicious stage programs (issue 12 "Malicious stages ... as programs"; mica-spec.md §6
 * attacks 1-4, 7, 16, 18): what an attacker who controls one stage of a workflow would run,
 * written as guest programs over the data the stage really received. Each program only
 * loads, stores, calls the RSI and uploads, like any realm; it names no label and reports no
 * verdict. Whether it leaked is decided afterwards from the machine's ledger (run.ts judge),
 * whether the verifier notices from the group token.
 *
 * Design rationale: a program is a function from what the stage can see (the windows it reads
 * and writes, its policy) to a list of guest operations, so the same variant runs in any
 * stage of any workflow and in every mode; it runs after the stage's honest application
 * phase, on the data it was handed ("does its job, and also leaks"). A variant that tampers
 * with what its stage hands on (`inApp`) runs inside the application instead, right after its
 * stage's own work on each batch, so the next stage takes the tampered batch.
 */
import { abi } from '../../emulator/index.ts';
import { encodePoly, toPolicyPage } from '../../policy/binary.ts';
import { IVSHMEM_BAR_BASE, IVSHMEM_BAR_STRIDE } from '../../policy/abi.ts';
import type { Policy } from '../../policy/model.ts';
import type { GuestOp } from '../guest.ts';
import { CONSOLE_IPA, HOSTCALL_IPA, POLICY_IPA } from '../host.ts';

/** Offset in a window where a stage's data sits (the video word, the prompt). */
export const DATA_OFFSET = 0x20;
/**
 * An unprotected IPA no host maps: a store there is an emulatable MMIO write whose value the
 * host reads from the exit registers (§1.3 "exit registers").
 */
export const MMIO_IPA = CONSOLE_IPA + 0x5000;
/** The XOR key of the "encode before leaking" variant. */
export const SCRAMBLE_KEY = 0x5a5a_5a5a_5a5a_5a5an;

/** One window of a shared object as the stage sees it. */
export interface StageWindow {
  readonly mem: string;
  /** Where its data sits (window base + {@link DATA_OFFSET}). */
  readonly ipa: number;
  /** The window's base (where the workflows put whole frames) and the object's size. */
  readonly base: number;
  readonly size: number;
  /** The other realms that may write it (from the policy). */
  readonly writers: readonly string[];
  /** The other realms that may read it (from the policy). */
  readonly readers: readonly string[];
}

/** What a program can see of its stage. */
export interface ProgramContext {
  readonly realm: string;
  /** Its policy as uploaded (undefined for a realm without one). */
  readonly policy?: Policy;
  /** Windows it may read and write. */
  readonly inputs: readonly StageWindow[];
  readonly outputs: readonly StageWindow[];
  /** The sanitisers the tenant requires. */
  readonly sanitisers: readonly string[];
}

/** A malicious program variant. */
export interface StageProgram {
  /** One sentence: what it does, in plain words. */
  readonly title: string;
  /** The §6 attack it plays. */
  readonly attack: number;
  /** Runs after its stage's own work on every batch of the application, not after it. */
  readonly inApp?: true;
  readonly ops: (ctx: ProgramContext) => GuestOp[];
}

/** Loads the stage's first input into register `v` (nothing to load: no ops). */
function loadInput(ctx: ProgramContext, windows = ctx.inputs): GuestOp[] {
  const w = windows[0];
  return w ? [{ op: 'read', ipa: w.ipa, into: 'v' }] : [];
}

/** Every mapping of `p` made RW (a looser policy than the one agreed). */
function loosened(p: Policy): Policy {
  return {
    ...p,
    mems: p.mems.map((m) => ({
      ...m,
      mappings: m.mappings.map((mp) => ({ ...mp, prot: 'RW' as const })),
    })),
  };
}

/** The malicious variants by id. */
export const STAGE_PROGRAMS: Readonly<Record<string, StageProgram>> = {
  'copy-to-ns': {
    title: 'copies what it received into its NS console page (host-visible memory)',
    attack: 1,
    ops: (ctx) => [
      ...loadInput(ctx),
      { op: 'write', ipa: CONSOLE_IPA + DATA_OFFSET, value: { from: 'v' } },
    ],
  },
  'ipa-state-set': {
    title:
      'asks the RMM to turn its first private page shared (RSI_IPA_STATE_SET) so the host can read it',
    attack: 2,
    ops: () => [
      {
        op: 'smc',
        fid: abi.SMC_RSI_IPA_STATE_SET,
        args: [0n, BigInt(abi.GRANULE_SIZE), BigInt(abi.RSI_EMPTY), 0n],
      },
    ],
  },
  'hostcall-smuggle': {
    title: 'puts what it received in the registers of a host call',
    attack: 3,
    ops: (ctx) => [
      ...loadInput(ctx),
      { op: 'write', ipa: HOSTCALL_IPA + abi.RSI_HOST_CALL.gprs.offset, value: { from: 'v' } },
      { op: 'hostCall', struct: HOSTCALL_IPA },
    ],
  },
  'exit-smuggle': {
    title:
      'writes what it received to an emulated MMIO address, so it leaves in the exit registers',
    attack: 4,
    ops: (ctx) => [...loadInput(ctx), { op: 'write', ipa: MMIO_IPA, value: { from: 'v' } }],
  },
  'encode-then-leak': {
    title: 'scrambles what it received (XOR) before writing it to an MMIO address',
    attack: 4,
    ops: (ctx) => [
      ...loadInput(ctx),
      { op: 'write', ipa: MMIO_IPA, value: { from: 'v', map: ([v]) => (v ?? 0n) ^ SCRAMBLE_KEY } },
    ],
  },
  'undeclared-window': {
    title: 'reads a window its policy does not declare (BAR 2) and forwards it',
    attack: 7,
    ops: (ctx) => {
      const ipa = IVSHMEM_BAR_BASE + 2 * IVSHMEM_BAR_STRIDE + DATA_OFFSET;
      const out = ctx.outputs[0];
      return [
        { op: 'read', ipa, into: 'v' },
        ...(out ? [{ op: 'write' as const, ipa: out.ipa, value: { from: 'v' } }] : []),
      ];
    },
  },
  'relay-peer': {
    title:
      'hands what it received to a colluding peer, through an object the sanitiser never reads',
    attack: 18,
    ops: (ctx) => {
      const side = ctx.outputs.filter(
        (w) => w.readers.length > 0 && !w.readers.some((r) => ctx.sanitisers.includes(r)),
      );
      return side.length === 0
        ? []
        : [
            ...loadInput(ctx),
            ...side.map((w) => ({ op: 'write' as const, ipa: w.ipa, value: { from: 'v' } })),
          ];
    },
  },
  'relay-out': {
    title: 'prints on its console what a colluding peer (not the sanitiser) handed it',
    attack: 18,
    ops: (ctx) => {
      const relayed = ctx.inputs.filter(
        (w) => w.writers.length > 0 && !w.writers.some((r) => ctx.sanitisers.includes(r)),
      );
      return [
        ...loadInput(ctx, relayed),
        ...(relayed.length > 0
          ? [{ op: 'write' as const, ipa: CONSOLE_IPA + DATA_OFFSET, value: { from: 'v' } }]
          : []),
      ];
    },
  },
  'publish-unmoderated': {
    title:
      'hands back, for the gateway to publish, the unmoderated frames a non-sanitiser wrote, instead of the moderated records',
    attack: 18,
    inApp: true,
    ops: (ctx) => {
      const raw = ctx.inputs.find(
        (w) => w.writers.length > 0 && !w.writers.some((r) => ctx.sanitisers.includes(r)),
      );
      if (!raw) return [];
      return ctx.outputs.map((out) => ({
        op: 'copy' as const,
        from: raw.base,
        to: out.base,
        len: Math.min(raw.size, out.size),
      }));
    },
  },
  'change-policy': {
    title: 'uploads a looser policy (every mapping RW) after the agreement',
    attack: 16,
    ops: (ctx) => {
      if (!ctx.policy) return [];
      const enc = encodePoly(loosened(ctx.policy));
      if (!enc.ok) return [];
      return [{ op: 'upload', page: POLICY_IPA, bytes: toPolicyPage(enc.bytes)! }];
    },
  },
};
