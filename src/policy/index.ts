/**
 * Public entry of the Mica policy front end (mica-spec.md §2, §4.2, §4.5): everything outside
 * src/policy imports from here. Pure: no emulator state, no I/O, never throws on bad input.
 */
export * as micaAbi from './abi.ts';
export type { MicaGap } from './abi.ts';
export type {
  BinaryDiagnostic,
  TextDiagnostic,
  TextErrorCode,
  TextLocation,
} from './diagnostics.ts';
export { compilerLine } from './diagnostics.ts';
export type {
  CfPolicy,
  CfType,
  Dialect,
  LegacyChannel,
  LegacyMem,
  MemType,
  Policy,
  PolicyCf,
  PolicyMapping,
  PolicyMem,
  PolicyVm,
  PrefaultSpec,
  Prot,
} from './model.ts';
export { canRead, canWrite, protBits, selfVm, toDialectC, vmLabel } from './model.ts';
export { readSyntax, type SyntaxNode, type SyntaxResult } from './syntax.ts';
export {
  parsePolicy,
  parsePrefault,
  truncateName,
  type ParseOptions,
  type PolicyParseResult,
  type PrefaultParseResult,
} from './parse.ts';
export {
  describePolicy,
  formatPolicyText,
  formatPolicyTextP,
  hex,
  type DialectPText,
} from './format.ts';
export {
  checkEncodable,
  decodePayl,
  decodePolicyBinary,
  decodePoly,
  encodePoly,
  polySize,
  toPolicyPage,
  type DecodeResult,
  type EncodeError,
  type EncodeResult,
} from './binary.ts';
export {
  decodeRecord,
  encodeRecord,
  recordCfOffset,
  recordMapOffset,
  recordMemOffset,
  recordVmOffset,
  type RecordDecodeResult,
} from './record.ts';
export {
  checkAgreement,
  emptyAgreementState,
  formatRefusal,
  realmLabel,
  validateUpload,
  type AgreementCheck,
  type AgreementResult,
  type AgreementState,
  type RealmPolicy,
  type Refusal,
  type TransitionEntry,
  type UploadVerdict,
} from './agreement.ts';
export {
  UNTRUSTED,
  buildFlowGraph,
  findUnsanitisedPath,
  formatEdge,
  type FieldRef,
  type FlowEdge,
  type FlowEdgeKind,
  type FlowGraph,
  type FlowOptions,
  type SanitiserQuery,
  type SanitiserVerdict,
} from './flow.ts';
export {
  FIX_ANY_WINDOW,
  FIX_IT_EXAMPLES,
  FIX_NO_EXCEPTION,
  FIX_TOO_OPEN,
  LLM_EXAMPLES,
  LLM_GUARDRAIL_LOCKED,
  LLM_GUARDRAIL_SHIPPED,
  VIDEO_BROKEN,
  VIDEO_EXAMPLES,
  VIDEO_MODERATION,
  VIDEO_PUBLISH,
  VIDEO_PUBLISH_BYPASS,
  VIDEO_RING_LOCKED,
  VIDEO_RING_SHIPPED,
  WORKFLOW_EXAMPLES,
  examplePolicy,
  type BoundExample,
  type ExampleRealm,
  type ExpectedRefusal,
  type WorkflowExample,
} from './examples/index.ts';
export {
  judgeWorkflow,
  loadWorkflow,
  type RealmText,
  type WorkflowLoad,
  type WorkflowVerdict,
} from './workflow.ts';
// The Mica monitor, the group verifier and the scenario helpers (issue 6).
export * from './monitor/index.ts';
export * from './group/index.ts';
export {
  decidingRefusal,
  declaredPassage,
  gapOf,
  judgeFlow,
  callFailureOf,
  failureOwner,
  refuserOf,
  leakOf,
  realmNamer,
  runLeaks,
  sanitisedPassage,
  shortRule,
  stopsAnAttack,
  bringsLabelledBytesIn,
  undeclaredRecipient,
  type AllowedPassage,
  type DecidingRefusal,
  type UndeclaredRecipient,
  type FlowJudgement,
  type SanitisedPassage,
  type FlowOutcome,
  type LeakKind,
  type LeakReason,
  type NameOf,
  type RunLeak,
} from './judge.ts';
