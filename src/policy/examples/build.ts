/**
 * Shared shapes and a small builder for the workflow examples (mica-spec.md §5): one policy file
 * per stage, every file listing all VMs in the same order and the objects that stage maps, as
 * §2.1 requires, rendered to dialect-C text with formatPolicyText.
 */
import { DATA_EXCEPTION_RANGE, ESR_EC_SMC64, OTHER_RANGE } from '../abi.ts';
import { formatPolicyText } from '../format.ts';
import type { AgreementCheck } from '../agreement.ts';
import type { Policy, PolicyCf, PolicyMem, PolicyVm, Prot } from '../model.ts';

/** One realm of an example: display name, role and its policy file. */
export interface ExampleRealm {
  readonly name: string;
  readonly role: string;
  readonly text: string;
}

/** A refusal an example expects (matched on the fields given). */
export interface ExpectedRefusal {
  readonly check: AgreementCheck;
  readonly realm: string;
  readonly peer?: string;
  readonly object?: string;
  readonly field?: string;
}

/** A workflow: files in upload order, the verifier's question and the expected answers. */
export interface WorkflowExample {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** In upload order (the runbooks' strictly sequential set-up, §2.5). */
  readonly realms: readonly ExampleRealm[];
  /** The realm that receives the sensitive input, and the designated sanitisers (§4.5). */
  readonly source: string;
  readonly sanitisers: readonly string[];
  readonly expect: {
    /** `accept`, or the refusals the agreement check must report. */
    readonly agreement: 'accept' | readonly ExpectedRefusal[];
    /** `accept`, or the nodes of the offending path (source first, U last). */
    readonly flow: 'accept' | readonly string[];
  };
}

/** BAR2 of the first and second protected ivshmem device (§3.4 step 1, §8 item 17). */
export const BAR0 = 0x18000000000n;
export const BAR1 = 0x18004000000n;

/** One pipeline stage: display name, role and its VM entry. */
export interface Stage {
  readonly name: string;
  readonly role: string;
  readonly vm: PolicyVm;
}

/** A shared object: which stages map it, where and how. */
export interface Share {
  readonly size?: bigint;
  readonly mem: string;
  readonly ends: ReadonlyArray<readonly [stage: number, gpa: bigint, prot: Prot]>;
}

/** A VM entry. */
export function vm(name: string, hash: number, isGateway: boolean, strict: boolean): PolicyVm {
  return { name, hash, isGateway, strict };
}

/** One file per stage: every VM, the objects that stage maps, the given CF rules. */
export function files(
  stages: readonly Stage[],
  shares: readonly Share[],
  cfs: readonly PolicyCf[],
): Policy[] {
  return stages.map((_, self) => {
    const mems: PolicyMem[] = shares
      .filter((s) => s.ends.some(([stage]) => stage === self))
      .map((s) => ({
        name: s.mem,
        size: s.size ?? 0x40000n,
        type: 'PROTECTED',
        mappings: s.ends.map(([stage, gpa, prot]) => ({ vm: stage, gpa, prot, anyCount: 0 })),
      }));
    return { dialect: 'C', self, vms: stages.map((s) => s.vm), mems, cfs };
  });
}

/** A CF rule BLOCKing the SMC class (CALL 0x17) of `owner` (§2.2.4, §5.4). */
export function block(name: string, owner: number): PolicyCf {
  return { name, owner, type: 'CALL', policy: 'BLOCK', range: [ESR_EC_SMC64] };
}

/**
 * The exit-class rules of mica-spec.md §8 item 6 for every non-gateway stage: an EXCEPTION rule
 * BLOCKing every exception class that carries realm data (abi.ts DATA_EXCEPTION_RANGE: data
 * aborts, EC 0x24, whose MMIO exits hand the stored value and a realm-chosen fault address to
 * the host; instruction aborts, EC 0x20, a realm-chosen fault address), and an OTHER rule
 * BLOCKing host-injected IRQ, FIQ and SError. Named after the rules already in the file
 * (`CF<n+1>`, `CF<n+2>`, ...), in stage order. The prototype records them without enforcing
 * them (§2.2.4); Mica enforces them.
 *
 * WFx (EC 0x01) is left open on purpose: it carries no data (timing only, §1.3, §6 row 4), and
 * a BLOCKed WFx is a NOP, so an idle stage would spin instead of giving its vCPU back to the host.
 */
export function exitBlocks(stages: readonly Stage[], first: number): PolicyCf[] {
  const out: PolicyCf[] = [];
  stages.forEach((stage, owner) => {
    if (stage.vm.isGateway) return;
    out.push({
      name: `CF${first + out.length}`,
      owner,
      type: 'EXCEPTION',
      policy: 'BLOCK',
      range: [...DATA_EXCEPTION_RANGE],
    });
    out.push({
      name: `CF${first + out.length}`,
      owner,
      type: 'OTHER',
      policy: 'BLOCK',
      range: [...OTHER_RANGE],
    });
  });
  return out;
}

/** Renders each stage's policy as text. */
export function realms(stages: readonly Stage[], policies: readonly Policy[]): ExampleRealm[] {
  return stages.map((s, i) => ({
    name: s.name,
    role: s.role,
    text: formatPolicyText(policies[i]!),
  }));
}
