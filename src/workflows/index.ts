/** The workflows layer (issue 12): realm applications, the host model, the video workflow and the §6 attacks, between the Mica monitor and verifier (src/policy) and the shells. */
export {
  PROGRAM_BASE,
  attestStream,
  guestLoad,
  prefaultOps,
  programGuest,
  type GuestOp,
  type ProgramGuest,
} from './guest.ts';
export {
  ATTEST_IPA,
  BAR_SIZE,
  CODE_IPA,
  CONSOLE_IPA,
  HOSTCALL_IPA,
  MicaHost,
  POLICY_IPA,
  destroyRealm,
  type HostEvent,
  type RealmHandle,
  type RealmSpec,
  type RunOutcome,
} from './host.ts';
export {
  SCENARIO_CHALLENGE,
  VIDEO_VALUE,
  buildVideoWorkflow,
  watchingWorkflows,
  type GroupEvidence,
  type VideoWorkflow,
  type VideoWorkflowOptions,
} from './video.ts';
export { declareTenant } from './tenant.ts';
export {
  ATTACKS,
  runAttack,
  type AttackOutcome,
  type AttackResult,
  type AttackSpec,
} from './attacks.ts';
