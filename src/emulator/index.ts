/**
 * The emulator's public entry: everything outside src/emulator imports from here only.
 * A pure Arm CCA machine (RMM 1.0-rel0): memory, GPT, EL3, RMM, ledger.
 */
export { adoptHeld, createMachine, holdState } from './machine.ts';
export type {
  HeldState,
  Machine,
  MachineCheckpoint,
  MachineEvents,
  MachineExtension,
  MachineOptions,
  MachineView,
  SmcResult,
} from './machine.ts';
export type {
  AccessVerdict,
  ExitEvent,
  ExitVerdict,
  MachineHooks,
  RealmSmcVerdict,
} from './hooks.ts';
export type { Ctx } from './context.ts';
export { guestStore } from './rmm/stage2.ts';
export { BulkOp, type BulkProgress } from './rmm/bulk.ts';
export { granuleState } from './rmm/granule.ts';
export type {
  Actor,
  Decision,
  Endpoint,
  LedgerEvent,
  LedgerEventOf,
  LedgerKind,
  NewLedgerEvent,
} from './ledger.ts';
export { SNAPSHOT_FORMAT, type MachineSnapshot } from './snapshot.ts';
export {
  TIMELINE_MAX_CHECKPOINTS,
  TIMELINE_SPACING,
  Timeline,
  viewOf,
  type PastState,
  type ReplayStep,
  type TimelineOptions,
  type TimelineSource,
} from './timeline.ts';
export {
  STATE_VERSION,
  TENANT_ROLES,
  type DeclaredRealm,
  type DeclaredExpectation,
  type MachineConfig,
  type MachineMode,
  type MachineState,
  type TenantRole,
} from './state.ts';
export type { ReadResult, WriteResult, AccessFault } from './hw/memory.ts';
export type { RmiCommandSpec, RmiOutcome } from './rmm/rmi/types.ts';
export { refuse, success } from './rmm/rmi/types.ts';
export type { Failure, FailureCondition } from './rmm/conditions.ts';
export { firstFailure } from './rmm/conditions.ts';
export { GRANULE_COMMANDS } from './rmm/rmi/granule.ts';
export { granuleIndex, granuleBase, regionOf } from './hw/memory-map.ts';
export { gpcAllows } from './hw/gpt.ts';
export { rawRead, rawWrite, readTranslated, wipeGranule } from './hw/memory.ts';
export * as abi from './abi/index.ts';
export * as measure from './rmm/measure/index.ts';
export * as attest from './attest/index.ts';
export { ATTESTATION_CODE, type AttestationCode } from './attest/lazy.ts';
export type {
  RealmLifecycle,
  RealmRecord,
  RecLifecycle,
  RecPending,
  RecRecord,
  RttEntry,
  RttRecord,
} from './state.ts';
export type { RmmHashAlgo } from './rmm/measure/index.ts';
export { RMI_COMMANDS, rmiCommandByFid } from './rmm/rmi/table.ts';
export { FEATURE_REGISTER_0 } from './rmm/rmi/features.ts';
export { listRealms, listRecs, realmOf, recOf, rttOf } from './rmm/views.ts';
export {
  entrySize,
  isProtectedIpa,
  levelShift,
  numStartingRtts,
  realmRtts,
  rttConfigProblem,
  rttEntries,
  walkRtt,
  type RttEntryView,
  type RttWalk,
} from './rmm/rtt.ts';
export { mpidrOfIndex, recIndexOf } from './rmm/rec-index.ts';
export { psciGoesToHost } from './rmm/realm-calls.ts';
export {
  decodeRealmParams,
  decodeRecEnter,
  decodeRecEnterFlags,
  decodeRecExit,
  decodeRecParams,
  emptyRecExit,
  encodeRealmParams,
  encodeRecEnter,
  encodeRecEnterFlags,
  encodeRecExit,
  encodeRecParams,
  type RealmParams,
  type RecEnter,
  type RecEnterFlags,
  type RecExit,
  type RecParams,
} from './rmm/structs.ts';
export {
  IDLE_GUEST,
  SYSTEM_OFF_GUEST,
  gpr,
  scriptedGuest,
  setGpr,
  smcStop,
  type GuestEntry,
  type GuestRunner,
  type GuestScriptStep,
  type GuestStop,
  type RsiHandler,
  type RsiResult,
} from './rmm/guest.ts';
export {
  hostSharedObject,
  hostState,
  nameRealm,
  recordGroupToken,
  recordRealm,
  recordToken,
  type HostRealm,
  HOST_GROUP_TOKENS,
  type HostGroupToken,
  type HostSharedObject,
  type HostState,
} from './host/state.ts';
export {
  LAB_ANCHOR_NAME,
  appraise,
  appraiseLastToken,
  labFirmware,
  lastTokenEvidence,
  tenantReference,
  type Appraisal,
  type Evidence,
  type EvidenceOverrides,
} from './host/relying-party.ts';
export {
  intentText,
  measuredImage,
  realmRpv,
  referenceRim,
  type RealmIntent,
} from './host/reference.ts';
export {
  allocHostPage,
  createRealm,
  hostRealm,
  hostRealms,
  addHostAbortHandler,
  withHostTables,
  type RealmSetup,
  runRealm,
  REALM_NAME_PATTERN,
  realmNameProblem,
  unknownRealm,
  unknownHostRealm,
  STUCK_REPEATS,
  type CreateRealmResult,
  type HostAbortAnswer,
  type HostAbortHandler,
  type ExitReport,
  type HostCall,
  type RealmSpec,
  type RunOptions,
  type RunReport,
  type RunStop,
} from './host/vmm.ts';
export {
  GUEST_MODEL,
  enqueueGuestOps,
  guestIsIdle,
  guestScratch,
  takeGuestResults,
  type GuestScratch,
} from './guest/model.ts';
export type { GuestOp, GuestRegSource, GuestResult } from './guest/ops.ts';
export {
  guestApp,
  guestApps,
  registerGuestApp,
  type GuestApp,
  type GuestAppContext,
} from './guest/apps.ts';
export * as guestMap from './guest/layout.ts';
export { buildGuestImage, parseGuestImage, type GuestImageInfo } from './guest/image.ts';
export { RSI_COMMANDS, rsiCommandByFid } from './rmm/rsi/table.ts';
export { realmGranule, type RealmGranule } from './rmm/rsi/memory.ts';
export { RSI_EXIT_CALLS } from './rmm/rsi/exit-calls.ts';
export type { RsiCall, RsiCommandSpec, RsiOutcome } from './rmm/rsi/types.ts';
export {
  CCA_HOST_VISIBLE,
  NS_MEMORY,
  isHostVisible,
  SOURCE_RULE,
  leaksOf,
  PASSED_PREFIX,
  passedMark,
  isPassedMark,
  sanitisersPassed,
  computedLabels,
  declaredSanitiser,
  type FlowReport,
  type RealmDeclaration,
  type SourceDeclaration,
} from './provenance.ts';
export {
  NET_PACKET_MAX,
  TENANT_INPUT_LABEL,
  tenantSend,
  type TenantSendError,
} from './host/devices.ts';
export { labelSpans, labelledByteCount, labelsIn, type LabelSpan } from './hw/labels.ts';
