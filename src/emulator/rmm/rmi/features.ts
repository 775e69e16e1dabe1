/**
 * RMI_FEATURES (DEN0137 B4.3.4; cca-spec.md §2.3): no failure conditions. Index 0 returns
 * RmiFeatureRegister0 describing what this RMM supports; any other index returns 0. The
 * supported values are the lab's implementation choices (abi/rmm-impl.ts).
 */
import { packFields } from '../../../lib/bits.ts';
import {
  RMI_FEATURE_REGISTER_0_GICV3_NUM_LRS,
  RMI_FEATURE_REGISTER_0_HASH_SHA_256,
  RMI_FEATURE_REGISTER_0_HASH_SHA_512,
  RMI_FEATURE_REGISTER_0_INDEX,
  RMI_FEATURE_REGISTER_0_LPA2,
  RMI_FEATURE_REGISTER_0_MAX_RECS_ORDER,
  RMI_FEATURE_REGISTER_0_NUM_BPS,
  RMI_FEATURE_REGISTER_0_NUM_WPS,
  RMI_FEATURE_REGISTER_0_PMU_EN,
  RMI_FEATURE_REGISTER_0_PMU_NUM_CTRS,
  RMI_FEATURE_REGISTER_0_S2SZ,
  RMI_FEATURE_REGISTER_0_SVE_EN,
  RMI_FEATURE_REGISTER_0_SVE_VL,
  SMC_RMI_FEATURES,
} from '../../abi/rmi.ts';
import {
  LAB_FEAT_LPA2,
  LAB_FEAT_PMU,
  LAB_FEAT_SVE,
  LAB_GICV3_NUM_LRS,
  LAB_HASH_SHA_256,
  LAB_HASH_SHA_512,
  LAB_MAX_IPA_WIDTH,
  LAB_MAX_RECS_ORDER,
  LAB_MAX_SVE_VL,
  LAB_NUM_BPS,
  LAB_NUM_WPS,
  LAB_PMU_NUM_CTRS,
} from '../../abi/rmm-impl.ts';
import { success, type RmiCommandSpec } from './types.ts';

/** RmiFeatureRegister0 of this RMM. */
export const FEATURE_REGISTER_0: bigint = packFields([
  [RMI_FEATURE_REGISTER_0_S2SZ, LAB_MAX_IPA_WIDTH],
  [RMI_FEATURE_REGISTER_0_LPA2, LAB_FEAT_LPA2],
  [RMI_FEATURE_REGISTER_0_SVE_EN, LAB_FEAT_SVE],
  [RMI_FEATURE_REGISTER_0_SVE_VL, LAB_MAX_SVE_VL],
  [RMI_FEATURE_REGISTER_0_NUM_BPS, LAB_NUM_BPS],
  [RMI_FEATURE_REGISTER_0_NUM_WPS, LAB_NUM_WPS],
  [RMI_FEATURE_REGISTER_0_PMU_EN, LAB_FEAT_PMU],
  [RMI_FEATURE_REGISTER_0_PMU_NUM_CTRS, LAB_PMU_NUM_CTRS],
  [RMI_FEATURE_REGISTER_0_HASH_SHA_256, LAB_HASH_SHA_256],
  [RMI_FEATURE_REGISTER_0_HASH_SHA_512, LAB_HASH_SHA_512],
  [RMI_FEATURE_REGISTER_0_GICV3_NUM_LRS, LAB_GICV3_NUM_LRS],
  [RMI_FEATURE_REGISTER_0_MAX_RECS_ORDER, LAB_MAX_RECS_ORDER],
]);

/** Features family. */
export const FEATURES_COMMANDS: readonly RmiCommandSpec[] = [
  {
    fid: SMC_RMI_FEATURES,
    name: 'RMI_FEATURES',
    section: 'DEN0137 B4.3.4',
    args: ['index'],
    results: ['value'],
    summary: 'read a feature register of the RMM (index 0: RmiFeatureRegister0)',
    handler: (_ctx, [index = 0n]) =>
      success(index === BigInt(RMI_FEATURE_REGISTER_0_INDEX) ? FEATURE_REGISTER_0 : 0n),
  },
];
