/**
 * RecIndex(mpidr) (spec A2.3.3, B3.38; cca-spec.md §2.3 RMI_REC_CREATE): RECs of a realm
 * are numbered from their MPIDR, and must be created in that order.
 */
import { getField } from '../../lib/bits.ts';
import {
  REC_INDEX_AFF0_SPAN,
  REC_INDEX_AFF_SPAN,
  RMI_MPIDR_AFF0,
  RMI_MPIDR_AFF0_RES0,
  RMI_MPIDR_AFF1,
  RMI_MPIDR_AFF2,
  RMI_MPIDR_AFF3,
} from '../abi/rmi.ts';

/** Bits RmiRecMpidr defines (aff0..aff3); anything else must be zero. */
const MPIDR_DEFINED_BITS = (1n << BigInt(RMI_MPIDR_AFF3.msb + 1)) - 1n;

/** The REC index of `mpidr`, or undefined when it sets bits that must be zero. */
export function recIndexOf(mpidr: bigint): number | undefined {
  if ((mpidr & ~MPIDR_DEFINED_BITS) !== 0n || getField(mpidr, RMI_MPIDR_AFF0_RES0) !== 0n) {
    return undefined;
  }
  const aff0 = Number(getField(mpidr, RMI_MPIDR_AFF0));
  const aff1 = Number(getField(mpidr, RMI_MPIDR_AFF1));
  const aff2 = Number(getField(mpidr, RMI_MPIDR_AFF2));
  const aff3 = Number(getField(mpidr, RMI_MPIDR_AFF3));
  const span1 = REC_INDEX_AFF0_SPAN;
  const span2 = span1 * REC_INDEX_AFF_SPAN;
  const span3 = span2 * REC_INDEX_AFF_SPAN;
  return aff0 + span1 * aff1 + span2 * aff2 + span3 * aff3;
}

/** The MPIDR of REC index `index` (inverse of {@link recIndexOf}). */
export function mpidrOfIndex(index: number): bigint {
  const span1 = REC_INDEX_AFF0_SPAN;
  const span2 = span1 * REC_INDEX_AFF_SPAN;
  const span3 = span2 * REC_INDEX_AFF_SPAN;
  const aff3 = Math.floor(index / span3);
  const aff2 = Math.floor((index % span3) / span2);
  const aff1 = Math.floor((index % span2) / span1);
  const aff0 = index % span1;
  return (
    BigInt(aff0) |
    (BigInt(aff1) << BigInt(RMI_MPIDR_AFF1.lsb)) |
    (BigInt(aff2) << BigInt(RMI_MPIDR_AFF2.lsb)) |
    (BigInt(aff3) << BigInt(RMI_MPIDR_AFF3.lsb))
  );
}
