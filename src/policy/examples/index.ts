/**
 * Every workflow example (mica-spec.md §5.1, §5.2, §5.4), for the lesson catalogue and the UI's
 * policy editor: one policy text per realm, the verifier's question and the expected answers.
 */
import { FIX_IT_EXAMPLES } from './fix-it.ts';
import { LLM_EXAMPLES } from './llm-guardrail.ts';
import { VIDEO_EXAMPLES } from './video-moderation.ts';
import type { WorkflowExample } from './build.ts';

export type { ExampleRealm, ExpectedRefusal, WorkflowExample } from './build.ts';
export { FIX_ANY_WINDOW, FIX_IT_EXAMPLES, FIX_NO_EXCEPTION, FIX_TOO_OPEN } from './fix-it.ts';
export { LLM_EXAMPLES, LLM_GUARDRAIL_LOCKED, LLM_GUARDRAIL_SHIPPED } from './llm-guardrail.ts';
export {
  VIDEO_BROKEN,
  VIDEO_EXAMPLES,
  VIDEO_MODERATION,
  VIDEO_PUBLISH,
  VIDEO_PUBLISH_BYPASS,
  VIDEO_RING_LOCKED,
  VIDEO_RING_SHIPPED,
} from './video-moderation.ts';

/** All examples: video, the fix-it drafts (part 06 of the course), LLM. */
export const WORKFLOW_EXAMPLES: readonly WorkflowExample[] = [
  ...VIDEO_EXAMPLES,
  ...FIX_IT_EXAMPLES,
  ...LLM_EXAMPLES,
];
export { examplePolicy, type BoundExample } from './bind.ts';
