/**
 * What the tenant declares to the machine before any host step (mica-spec.md §1.3: the realms
 * its data may reach; §4.5: its gateway, the one realm facing U, and the sanitisers its data
 * must pass; emulator provenance.ts `declareRealm`). Each realm is named by the measurement of
 * what the tenant asked for (reference.ts `stageReference`), never by the name the host gives
 * it: labelled bytes reaching a realm measured otherwise are a leak (policy/judge.ts
 * `undeclaredRecipient`), and so are labelled bytes leaving by any realm but a gateway measured
 * so, unless a declared sanitiser marked them. With each realm it declares what its group
 * verifier expects of it (its reference RPV and policy), and where the verifier's path search
 * starts (the example's source), so the verdict on a token the host kept is the machine's to
 * recompute. The scenario files (run.ts) and the built-in attacks (attacks.ts) declare the
 * same way, so the views judge both from the machine alone.
 */
import type { TenantRole } from '../emulator/index.ts';
import { declareExpectation } from '../policy/group/declared.ts';
import { stageReference } from './reference.ts';
import type { VideoWorkflow } from './video.ts';

/**
 * Declares `members` (realm names of `wf`'s pipeline) as the tenant's realms, `wf`'s gateway,
 * the `sanitisers` that exist and the example's source.
 */
export function declareTenant(
  wf: VideoWorkflow,
  members: readonly string[],
  sanitisers: readonly string[],
): void {
  const io = wf.machine.hostIo;
  const declare = (name: string, role: TenantRole): void => {
    const reference = stageReference({ name });
    const policy = wf.policies[name];
    const expects = policy && declareExpectation(policy, reference);
    io.declaredRealm({ rim: reference.rim, name, role, ...(expects ? { expects } : {}) });
  };
  for (const name of members) declare(name, 'member');
  if (wf.gateway !== undefined && wf.realms[wf.gateway]) declare(wf.gateway, 'gateway');
  for (const name of sanitisers) if (wf.realms[name]) declare(name, 'sanitiser');
  if (wf.realms[wf.example.source]) declare(wf.example.source, 'source');
}
