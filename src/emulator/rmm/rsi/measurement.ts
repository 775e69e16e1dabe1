/**
 * RSI_MEASUREMENT_READ (DEN0137 B5.3.8) and RSI_MEASUREMENT_EXTEND (DEN0137 B5.3.7);
 * cca-spec.md §4.1, §5.6.
 * Index 0 is the RIM, 1..4 are REM0..REM3. READ returns the 64-byte stored value in X1..X8
 * (little-endian doublewords; SHA-256 values zero-padded). EXTEND sets
 * REM[index-1] := RHA(old digest ‖ first `size` bytes of X3..X10), TF-RMM semantics.
 */
import { fromHex, readLe, toHex, writeLe } from '../../../lib/bytes.ts';
import { MEASUREMENT_SIZE } from '../../abi/measurement.ts';
import {
  RSI_ERROR_INPUT,
  RSI_MEASUREMENT_EXTEND_MAX_SIZE,
  RSI_MEASUREMENT_REM_MAX_INDEX,
  RSI_MEASUREMENT_REM_MIN_INDEX,
  RSI_MEASUREMENT_RIM_INDEX,
  RSI_SUCCESS,
  SMC_RSI_MEASUREMENT_EXTEND,
  SMC_RSI_MEASUREMENT_READ,
} from '../../abi/rsi.ts';
import { assert } from '../../../lib/assert.ts';
import type { RealmRecord } from '../../state.ts';
import { firstFailure } from '../conditions.ts';
import { extendRem } from '../measure/index.ts';
import {
  rsiRefuse,
  rsiReturn,
  xn,
  type RsiCall,
  type RsiCommandSpec,
  type RsiFailureCondition,
} from './types.ts';

/** Doublewords in a 64-byte measurement (X1..X8 / X3..X10). */
const MEASUREMENT_WORDS = MEASUREMENT_SIZE / 8;

/** RSI_MEASUREMENT_READ failure conditions, spec order. */
export const MEASUREMENT_READ_CONDITIONS: readonly RsiFailureCondition<RsiCall>[] = [
  {
    label: 'index_bound',
    status: RSI_ERROR_INPUT,
    fails: (c) =>
      xn(c, 1) > BigInt(RSI_MEASUREMENT_REM_MAX_INDEX) &&
      `index ${xn(c, 1)} is not 0 (RIM) or 1..4 (REM0..REM3)`,
  },
];

/** RSI_MEASUREMENT_EXTEND failure conditions, spec order. */
export const MEASUREMENT_EXTEND_CONDITIONS: readonly RsiFailureCondition<RsiCall>[] = [
  {
    label: 'index_bound',
    status: RSI_ERROR_INPUT,
    fails: (c) => {
      const index = xn(c, 1);
      return (
        (index < BigInt(RSI_MEASUREMENT_REM_MIN_INDEX) ||
          index > BigInt(RSI_MEASUREMENT_REM_MAX_INDEX)) &&
        `index ${index} is not an extensible measurement (1..4 = REM0..REM3; 0, the RIM, is frozen)`
      );
    },
  },
  {
    label: 'size_bound',
    status: RSI_ERROR_INPUT,
    fails: (c) =>
      xn(c, 2) > BigInt(RSI_MEASUREMENT_EXTEND_MAX_SIZE) &&
      `size ${xn(c, 2)} is more than the ${RSI_MEASUREMENT_EXTEND_MAX_SIZE} bytes X3..X10 hold`,
  },
];

/** The stored 64-byte measurement `index` (0 RIM, 1..4 REMs). */
function measurementBytes(realm: RealmRecord, index: number): Uint8Array {
  const value =
    index === RSI_MEASUREMENT_RIM_INDEX
      ? realm.rim
      : realm.rems[index - RSI_MEASUREMENT_REM_MIN_INDEX];
  const bytes = value === undefined ? undefined : fromHex(value);
  if (bytes?.length !== MEASUREMENT_SIZE)
    assert(false, `realm measurement ${index} is not 64 bytes`);
  return bytes;
}

/** The measurement family. */
export const MEASUREMENT_COMMANDS: readonly RsiCommandSpec[] = [
  {
    fid: SMC_RSI_MEASUREMENT_READ,
    name: 'RSI_MEASUREMENT_READ',
    section: 'DEN0137 B5.3.8',
    args: ['index'],
    results: ['value0', 'value1', 'value2', 'value3', 'value4', 'value5', 'value6', 'value7'],
    summary: 'read the RIM (index 0) or REM0..3 (1..4) as 8 doublewords',
    handler(call) {
      const failure = firstFailure(MEASUREMENT_READ_CONDITIONS, call);
      if (failure) return rsiRefuse(failure);
      const bytes = measurementBytes(call.realm, Number(xn(call, 1)));
      const words = Array.from({ length: MEASUREMENT_WORDS }, (_, i) => readLe(bytes, i * 8, 8));
      return rsiReturn(RSI_SUCCESS, ...words);
    },
  },
  {
    fid: SMC_RSI_MEASUREMENT_EXTEND,
    name: 'RSI_MEASUREMENT_EXTEND',
    section: 'DEN0137 B5.3.7',
    args: [
      'index',
      'size',
      'value0',
      'value1',
      'value2',
      'value3',
      'value4',
      'value5',
      'value6',
      'value7',
    ],
    results: [],
    summary: 'extend REM[index-1] with the first size bytes of X3..X10',
    handler(call) {
      const failure = firstFailure(MEASUREMENT_EXTEND_CONDITIONS, call);
      if (failure) return rsiRefuse(failure);
      const index = Number(xn(call, 1));
      const value = new Uint8Array(MEASUREMENT_SIZE);
      for (let i = 0; i < MEASUREMENT_WORDS; i++) writeLe(value, i * 8, 8, xn(call, 3 + i));
      const old = measurementBytes(call.realm, index);
      const next = extendRem(call.realm.hashAlgo, old, value.subarray(0, Number(xn(call, 2))));
      call.realm.rems[index - RSI_MEASUREMENT_REM_MIN_INDEX] = toHex(next);
      return rsiReturn(RSI_SUCCESS);
    },
  },
];
