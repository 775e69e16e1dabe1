/** Group attestation verifier (mica-spec.md §4.5). */
export {
  GROUP_CHECKS,
  authenticEpoch,
  rememberGroupEpoch,
  describeOffendingPath,
  expectedMember,
  rem0OfBlob,
  unappraised,
  verifyGroup,
  type BlobFinding,
  type ExpectedMember,
  type GroupCheck,
  type GroupCheckId,
  type GroupExpectations,
  type GroupVerdict,
} from './verify.ts';
export { splitGroupStream } from '../monitor/group.ts';
export { declareExpectation, declaredExpectations, declaredVerdict } from './declared.ts';
