/**
 * RSI_ATTESTATION_TOKEN_INIT (DEN0137 B5.3.2) and RSI_ATTESTATION_TOKEN_CONTINUE (DEN0137
 * B5.3.1); cca-spec.md §4.1, §6. INIT takes the 64-byte challenge in X1..X8, builds the realm claims at once with
 * the measurements of that moment (REMs extended later are not in this token), signs them
 * with the RAK, wraps them with the platform token EL3 gave the RMM, and reports the upper
 * bound of the token size. CONTINUE copies the token chunk by chunk into a realm granule:
 * RSI_INCOMPLETE while bytes remain, RSI_SUCCESS with the last chunk.
 *
 * Simplification (cca-spec.md §7): signing happens in INIT, not restartably in CONTINUE, and
 * CONTINUE never takes an IRQ exit between signing steps; the bytes the realm receives are
 * the same.
 */
import { hex64 } from '../../../lib/bits.ts';
import { fromHex, toHex, writeLe } from '../../../lib/bytes.ts';
import { assert } from '../../../lib/assert.ts';
import { GRANULE_SIZE } from '../../abi/gpt.ts';
import { LAB_ATTEST_TOKEN_MAX_SIZE } from '../../abi/rmm-impl.ts';
import {
  RSI_ERROR_INPUT,
  RSI_ERROR_STATE,
  RSI_INCOMPLETE,
  RSI_SUCCESS,
  SMC_RSI_ATTESTATION_TOKEN_CONTINUE,
  SMC_RSI_ATTESTATION_TOKEN_INIT,
} from '../../abi/rsi.ts';
import { CCA_REALM_CHALLENGE_SIZE } from '../../abi/token.ts';
import { ATTESTATION_CODE } from '../../attest/lazy.ts';
import { rmmAttestMaterial } from '../../el3/attest.ts';
import { physWrite, RMM_VIA_REALM } from '../../hw/memory.ts';
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
  type RsiOutcome,
} from './types.ts';

/** The challenge from X1..X8, little-endian doublewords. */
export function challengeOf(call: RsiCall): Uint8Array {
  const bytes = new Uint8Array(CCA_REALM_CHALLENGE_SIZE);
  for (let i = 0; i < CCA_REALM_CHALLENGE_SIZE / 8; i++) writeLe(bytes, i * 8, 8, xn(call, 1 + i));
  return bytes;
}

function measurement(hex: string | undefined): Uint8Array {
  const bytes = hex === undefined ? undefined : fromHex(hex);
  assert(bytes, 'realm measurement is not hex');
  return bytes;
}

/** Builds the CCA token for the calling realm now (TOKEN_INIT semantics). */
function tokenFor(call: RsiCall, challenge: Uint8Array): Uint8Array {
  const { realm } = call;
  const material = rmmAttestMaterial(call.ctx);
  const token = ATTESTATION_CODE.get().buildCcaToken({
    challenge,
    rpv: measurement(realm.rpv),
    rim: measurement(realm.rim),
    rems: realm.rems.map(measurement),
    hashAlgo: realm.hashAlgo,
    rak: material.rak,
    platform: material.platformToken,
  });
  if (token.length > LAB_ATTEST_TOKEN_MAX_SIZE)
    assert(
      false,
      `token of ${token.length} bytes exceeds the ${LAB_ATTEST_TOKEN_MAX_SIZE} bytes INIT reports`,
    );
  return token;
}

/** RSI_ATTESTATION_TOKEN_CONTINUE failure conditions, spec order. */
export const TOKEN_CONTINUE_CONDITIONS: readonly RsiFailureCondition<RsiCall>[] = [
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
  {
    label: 'offset_bound',
    status: RSI_ERROR_INPUT,
    fails: (c) =>
      xn(c, 2) >= BigInt(GRANULE_SIZE) && `offset ${hex64(xn(c, 2))} is not inside the granule`,
  },
  {
    label: 'size_overflow',
    status: RSI_ERROR_INPUT,
    fails: (c) => xn(c, 2) + xn(c, 3) >= 2n ** 64n && `offset + size wraps around 2^64`,
  },
  {
    label: 'size_bound',
    status: RSI_ERROR_INPUT,
    fails: (c) =>
      xn(c, 2) + xn(c, 3) > BigInt(GRANULE_SIZE) &&
      `offset + size = ${hex64(xn(c, 2) + xn(c, 3))} runs past the end of the granule`,
  },
  {
    label: 'state',
    status: RSI_ERROR_STATE,
    fails: (c) =>
      c.rec.attest === undefined &&
      'no attestation is in progress on this REC: call RSI_ATTESTATION_TOKEN_INIT first',
  },
];

function tokenContinue(call: RsiCall): RsiOutcome {
  const failure = firstFailure(TOKEN_CONTINUE_CONDITIONS, call);
  if (failure) return rsiRefuse(failure);
  const attest = call.rec.attest!;
  const ipa = Number(xn(call, 1));
  const target = realmGranule(call.ctx, call.realm, ipa);
  if (target.kind === 'empty') {
    // TF-RMM: a buffer at an IPA with RIPAS EMPTY is an input error.
    return rsiRefuse({
      label: 'addr_empty',
      status: RSI_ERROR_INPUT,
      index: 0,
      reason: target.reason,
    });
  }
  if (target.kind === 'exit') return { kind: 'exit', exit: target.exit, advance: false };
  const token = fromHex(attest.token)!;
  const offset = Number(xn(call, 2));
  const size = Number(xn(call, 3));
  const chunk = token.subarray(attest.copied, attest.copied + size);
  if (chunk.length > 0) {
    const wrote = physWrite(call.ctx, RMM_VIA_REALM, target.pa + offset, chunk);
    assert(wrote.ok, 'RMM write into a mapped realm granule faulted');
  }
  attest.copied += chunk.length;
  if (attest.copied < token.length) return rsiReturn(RSI_INCOMPLETE, chunk.length);
  delete call.rec.attest;
  return rsiReturn(RSI_SUCCESS, chunk.length);
}

/** The attestation family. */
export const ATTESTATION_COMMANDS: readonly RsiCommandSpec[] = [
  {
    fid: SMC_RSI_ATTESTATION_TOKEN_INIT,
    name: 'RSI_ATTESTATION_TOKEN_INIT',
    section: 'DEN0137 B5.3.2',
    args: [
      'challenge0',
      'challenge1',
      'challenge2',
      'challenge3',
      'challenge4',
      'challenge5',
      'challenge6',
      'challenge7',
    ],
    results: ['max_size'],
    summary: 'start a token with a 64-byte challenge; returns the size upper bound',
    handler(call) {
      // No failure conditions; any token in progress on this REC is abandoned.
      const challenge = challengeOf(call);
      call.rec.attest = {
        challenge: toHex(challenge),
        token: toHex(tokenFor(call, challenge)),
        copied: 0,
      };
      return rsiReturn(RSI_SUCCESS, LAB_ATTEST_TOKEN_MAX_SIZE);
    },
  },
  {
    fid: SMC_RSI_ATTESTATION_TOKEN_CONTINUE,
    name: 'RSI_ATTESTATION_TOKEN_CONTINUE',
    section: 'DEN0137 B5.3.1',
    args: ['addr', 'offset', 'size'],
    results: ['len'],
    summary: 'copy the next chunk of the token into a realm granule',
    handler: tokenContinue,
  },
];
