/**
 * Loading and judging a whole workflow (one policy text per realm, in upload order): parse every
 * file (mica-spec.md §2.1-§2.4), run the agreement check (§2.5-§2.7), build the verifier's flow
 * graph and ask the sanitiser question (§4.5). The one call lessons and the UI need.
 */
import { checkAgreement, type AgreementResult, type RealmPolicy } from './agreement.ts';
import type { TextDiagnostic } from './diagnostics.ts';
import {
  buildFlowGraph,
  findUnsanitisedPath,
  type FlowGraph,
  type SanitiserVerdict,
} from './flow.ts';
import { parsePolicy } from './parse.ts';

/** A realm's policy text with its display name. */
export interface RealmText {
  readonly name: string;
  readonly text: string;
}

/** Result of {@link loadWorkflow}. */
export type WorkflowLoad =
  | { readonly ok: true; readonly set: readonly RealmPolicy[] }
  | {
      readonly ok: false;
      readonly errors: ReadonlyArray<{
        readonly realm: string;
        readonly errors: readonly TextDiagnostic[];
      }>;
    };

/** Parses every realm's text; fails with each file's located errors. */
export function loadWorkflow(realms: readonly RealmText[]): WorkflowLoad {
  const set: RealmPolicy[] = [];
  const errors: Array<{ realm: string; errors: readonly TextDiagnostic[] }> = [];
  for (const r of realms) {
    const parsed = parsePolicy(r.text);
    if (parsed.ok) set.push({ name: r.name, policy: parsed.policy });
    else errors.push({ realm: r.name, errors: parsed.errors });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, set };
}

/** Everything the verifier view shows about a loaded workflow. */
export interface WorkflowVerdict {
  readonly agreement: AgreementResult;
  readonly graph: FlowGraph;
  readonly flow: SanitiserVerdict;
}

/** Agreement, flow graph and sanitiser verdict for a loaded set. */
export function judgeWorkflow(
  set: readonly RealmPolicy[],
  source: string,
  sanitisers: readonly string[],
): WorkflowVerdict {
  const graph = buildFlowGraph(set);
  return {
    agreement: checkAgreement(set),
    graph,
    flow: findUnsanitisedPath(graph, { source, sanitisers }),
  };
}
