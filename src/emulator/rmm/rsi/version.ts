/**
 * RSI_VERSION (DEN0137 B5.3.10) and RSI_FEATURES (DEN0137 B5.3.3); cca-spec.md §4.1; and
 * SMCCC_VERSION, which a realm may also call on the SMC conduit (TF-RMM answers 1.2).
 *
 * RSI_VERSION has no spec failure label: the RMM reports the one version it implements in
 * X1 (lower) and X2 (higher) and answers RSI_ERROR_INPUT when the requested version is not
 * that one (TF-RMM: req != 0x10000). The condition is listed here as `req_incompatible`
 * (a lab name, not a spec label).
 */
import { hex64 } from '../../../lib/bits.ts';
import {
  RSI_ABI_VERSION,
  RSI_ERROR_INPUT,
  RSI_SUCCESS,
  SMC_RSI_FEATURES,
  SMC_RSI_VERSION,
} from '../../abi/rsi.ts';
import { SMCCC_VERSION, SMCCC_VERSION_1_2 } from '../../abi/smccc.ts';
import { firstFailure } from '../conditions.ts';
import {
  rsiReturn,
  xn,
  type RsiCall,
  type RsiCommandSpec,
  type RsiFailureCondition,
} from './types.ts';

/** RSI_VERSION failure conditions. */
export const RSI_VERSION_CONDITIONS: readonly RsiFailureCondition<RsiCall>[] = [
  {
    label: 'req_incompatible',
    status: RSI_ERROR_INPUT,
    fails: (c) =>
      xn(c, 1) !== BigInt(RSI_ABI_VERSION) &&
      `requested RSI version ${hex64(xn(c, 1))}; this RMM implements ${hex64(RSI_ABI_VERSION)} (1.0) only`,
  },
];

/** The version family. */
export const VERSION_COMMANDS: readonly RsiCommandSpec[] = [
  {
    fid: SMC_RSI_VERSION,
    name: 'RSI_VERSION',
    section: 'DEN0137 B5.3.10',
    args: ['req'],
    results: ['lower', 'higher'],
    summary: 'RSI interface version the RMM implements (1.0)',
    handler(call) {
      const failure = firstFailure(RSI_VERSION_CONDITIONS, call);
      const status = failure ? RSI_ERROR_INPUT : RSI_SUCCESS;
      // Both outputs are valid whatever the status: they tell the realm what to ask for.
      return {
        ...rsiReturn(status, RSI_ABI_VERSION, RSI_ABI_VERSION),
        ...(failure ? { failure } : {}),
      };
    },
  },
  {
    fid: SMC_RSI_FEATURES,
    name: 'RSI_FEATURES',
    section: 'DEN0137 B5.3.3',
    args: ['index'],
    results: ['value'],
    summary: 'RSI feature register (all zero in RSI 1.0)',
    // Only register 0 (RSI_FEATURE_REGISTER_0_INDEX) exists in 1.0 and it has no features;
    // other indices also read as zero.
    handler: () => rsiReturn(RSI_SUCCESS, 0n),
  },
  {
    fid: SMCCC_VERSION,
    name: 'SMCCC_VERSION',
    section: 'DEN0028 SMCCC_VERSION',
    args: [],
    results: [],
    summary: 'SMC Calling Convention version (1.2)',
    handler: () => rsiReturn(SMCCC_VERSION_1_2),
  },
];
