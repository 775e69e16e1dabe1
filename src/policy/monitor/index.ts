/**
 * The Mica monitor (mica-spec.md §3-§4.3): RMI/RSI commands, enforcement hooks, group
 * attestation, and the three machine modes. Plugs into the emulator as a MachineExtension.
 */
export {
  MICA_RSI,
  createMicaMachine,
  gapsFor,
  micaExtension,
  type MicaExtensionOptions,
  type MicaMachineOptions,
} from './extension.ts';
export {
  BIND_CONDITIONS,
  DATA_CREATE_UNKNOWN_SHARED_CONDITIONS,
  DUMMY_PAGE_CONDITIONS,
  MICA_RMI_COMMANDS,
  REALM_PD_CONDITIONS,
  SET_RANGE_CONDITIONS,
  SGT_CONDITIONS,
} from './rmi.ts';
export { aggregateGroup, discoverGroup, memberBlob, type MemberValues } from './group.ts';
export { cfRule } from './enforce.ts';
export { agreementStateOf, identityRefusals, ruleOf } from './upload.ts';
export { UPLOAD_CODE, type UploadCode } from './lazy.ts';
export {
  acceptedPolicies,
  policyBlock,
  previewUpload,
  type PreviewDifference,
  type PreviewPeer,
  type UploadPreview,
} from './preview.ts';
export { rimLabel } from './common.ts';
export {
  MICA_EXT,
  micaOf,
  policyOf,
  policyOfRecord,
  type MicaRealm,
  type MicaState,
  type RegistryEntry,
  type SgtEntry,
  type SharedMapping,
} from './state.ts';
export {
  micaDecisions,
  micaView,
  pipeOfPage,
  type MicaRealmView,
  type PageOfPipe,
  type MicaView,
  type PipeEnd,
  type PipeView,
} from './views.ts';
