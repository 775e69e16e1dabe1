/**
 * RSI_REALM_CONFIG (DEN0137 B5.3.9; cca-spec.md §4.1): the RMM writes RsiRealmConfig
 * (ipa_width @0x000, hash_algo @0x008, rpv @0x200, rest zero) into the granule at X1.
 */
import { hex64 } from '../../../lib/bits.ts';
import { assert } from '../../../lib/assert.ts';
import { fromHex, writeLe } from '../../../lib/bytes.ts';
import { GRANULE_SIZE } from '../../abi/gpt.ts';
import {
  RSI_ERROR_INPUT,
  RSI_HASH_SHA_256,
  RSI_HASH_SHA_512,
  RSI_REALM_CONFIG,
  RSI_REALM_CONFIG_SIZE,
  RSI_SUCCESS,
  SMC_RSI_REALM_CONFIG,
} from '../../abi/rsi.ts';
import { physWrite, RMM_VIA_REALM } from '../../hw/memory.ts';
import type { RealmRecord } from '../../state.ts';
import { firstFailure } from '../conditions.ts';
import { inIpaSpace, isProtectedIpa } from '../rtt.ts';
import { realmGranule } from './memory.ts';
import {
  rsiRefuse,
  rsiReturn,
  xn,
  type RsiCall,
  type RsiCommandSpec,
  type RsiFailureCondition,
} from './types.ts';

/** RSI_REALM_CONFIG failure conditions, spec order. */
export const REALM_CONFIG_CONDITIONS: readonly RsiFailureCondition<RsiCall>[] = [
  {
    label: 'addr_align',
    status: RSI_ERROR_INPUT,
    fails: (c) =>
      xn(c, 1) % BigInt(GRANULE_SIZE) !== 0n && `addr ${hex64(xn(c, 1))} is not 4 KiB aligned`,
  },
  {
    label: 'addr_bound',
    status: RSI_ERROR_INPUT,
    fails: (c) => {
      const ipa = xn(c, 1);
      const ok =
        ipa < 2n ** 53n && inIpaSpace(c.realm, Number(ipa)) && isProtectedIpa(c.realm, Number(ipa));
      return !ok && `addr ${hex64(ipa)} is not a protected IPA of this realm`;
    },
  },
];

/** The RsiRealmConfig bytes for `realm`. */
export function encodeRealmConfig(realm: Readonly<RealmRecord>): Uint8Array {
  const out = new Uint8Array(RSI_REALM_CONFIG_SIZE);
  const f = RSI_REALM_CONFIG;
  writeLe(out, f.ipa_width.offset, f.ipa_width.size, realm.ipaWidth);
  const algo = realm.hashAlgo === 'sha-512' ? RSI_HASH_SHA_512 : RSI_HASH_SHA_256;
  writeLe(out, f.hash_algo.offset, f.hash_algo.size, algo);
  const rpv = fromHex(realm.rpv);
  assert(rpv?.length === f.rpv.size, 'realm RPV is not 64 bytes');
  out.set(rpv, f.rpv.offset);
  return out;
}

/** The realm-config family. */
export const CONFIG_COMMANDS: readonly RsiCommandSpec[] = [
  {
    fid: SMC_RSI_REALM_CONFIG,
    name: 'RSI_REALM_CONFIG',
    section: 'DEN0137 B5.3.9',
    args: ['addr'],
    results: [],
    summary: 'write RsiRealmConfig (IPA width, hash algorithm, RPV) into a realm granule',
    handler(call) {
      const failure = firstFailure(REALM_CONFIG_CONDITIONS, call);
      if (failure) return rsiRefuse(failure);
      const target = realmGranule(call.ctx, call.realm, Number(xn(call, 1)));
      if (target.kind === 'empty') {
        // TF-RMM: a config granule at an IPA with RIPAS EMPTY is an input error.
        return rsiRefuse({
          label: 'addr_empty',
          status: RSI_ERROR_INPUT,
          index: 0,
          reason: target.reason,
        });
      }
      if (target.kind === 'exit') return { kind: 'exit', exit: target.exit, advance: false };
      const wrote = physWrite(call.ctx, RMM_VIA_REALM, target.pa, encodeRealmConfig(call.realm));
      assert(wrote.ok, 'RMM write into a mapped realm granule faulted');
      return rsiReturn(RSI_SUCCESS);
    },
  },
];
