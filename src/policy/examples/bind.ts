/**
 * One way to turn a shipped example into the policy a realm uploads: parse the example's file
 * for that realm and bind each VM's hash label to the RIM of the realm the example names
 * (mica-spec.md §8 item 3). The realm terminal's `policy show` / `policy upload` and the
 * scenario builder behind the Pipeline's Run all call this, so what `policy show` prints is
 * what is uploaded.
 *
 * Design rationale: the examples stay plain text with the tenant's small labels (0x1, 0x2, ...);
 * binding is a function of the machine (which realms exist, their RIMs), so it happens here, at
 * upload time, and nowhere else.
 */
import { rimLabel } from '../monitor/common.ts';
import type { Policy } from '../model.ts';
import { parsePolicy } from '../parse.ts';
import type { WorkflowExample } from './build.ts';

/** An example's policy for one realm, labels bound where the realm's RIM is known. */
export interface BoundExample {
  readonly policy: Policy;
  /** VMs whose realm does not exist (yet): their labels stay as written. */
  readonly unbound: ReadonlyArray<{
    readonly vm: string;
    readonly realm: string;
    readonly hash: number;
  }>;
}

/**
 * The policy realm `index` of `example` uploads. `rimOf(name)` gives the RIM (hex) of the realm
 * named like the example's realm, or undefined; omit it to keep the written labels (the
 * prototype's first-come labels). Fails with the parser's message if the file does not parse.
 */
export function examplePolicy(
  example: WorkflowExample,
  index: number,
  rimOf?: (realm: string) => string | undefined,
): { ok: true; value: BoundExample } | { ok: false; error: string } {
  const file = example.realms[index];
  if (!file) return { ok: false, error: `example "${example.id}" has no realm #${index}` };
  const parsed = parsePolicy(file.text);
  if (!parsed.ok) return { ok: false, error: parsed.errors.map((e) => e.message).join('; ') };
  return { ok: true, value: bindLabels(example, parsed.policy, rimOf) };
}

/**
 * `policy` (an example's file, parsed) with each VM's label bound to the RIM `rimOf` gives the
 * realm the example names for it; without `rimOf` the labels stay as written. What
 * {@link examplePolicy} does after parsing, for a caller that parsed the file already.
 */
export function bindLabels(
  example: WorkflowExample,
  policy: Policy,
  rimOf?: (realm: string) => string | undefined,
): BoundExample {
  if (!rimOf) return { policy, unbound: [] };
  const unbound: Array<{ vm: string; realm: string; hash: number }> = [];
  const vms = policy.vms.map((vm, j) => {
    const realm = example.realms[j]?.name ?? '';
    const rim = realm ? rimOf(realm) : undefined;
    if (!rim) {
      unbound.push({ vm: vm.name, realm, hash: vm.hash });
      return vm;
    }
    return { ...vm, hash: rimLabel(rim) };
  });
  return { policy: { ...policy, vms }, unbound };
}
