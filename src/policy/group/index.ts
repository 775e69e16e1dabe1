/** Group attestation verifier (mica-spec.md §4.5). */
export {
  describeOffendingPath,
  rem0OfBlob,
  splitGroupStream,
  verifyGroup,
  type ExpectedMember,
  type GroupCheck,
  type GroupExpectations,
  type GroupVerdict,
} from './verify.ts';
