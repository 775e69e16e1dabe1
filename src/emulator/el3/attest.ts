/**
 * EL3 attestation services for the RMM (TF-A rmm-el3-comms-spec; cca-spec.md §1.3, §6.4):
 * RMM_ATTEST_GET_REALM_KEY hands the RMM the Realm Attestation Key (P-384 private scalar) and
 * RMM_ATTEST_GET_PLAT_TOKEN returns the platform token, signed by the CPAK, for the challenge
 * the RMM sends: SHA-256 of the RAK public key's COSE_Key encoding (the binding, §6.4).
 *
 * Design rationale: TF-RMM fetches both once at boot and caches them. Here the RMM fetches
 * them the first time a realm asks for a token on this machine state (so the ledger shows the
 * two EL3 calls, nested in the realm's RSI call) and then reuses them; a restored state asks
 * again. The keys are PUBLIC TEST KEYS (attest/keys.ts).
 */
import { hex64 } from '../../lib/bits.ts';
import { toHex } from '../../lib/bytes.ts';
import {
  E_RMM_NAMES,
  E_RMM_OK,
  RMM_ATTEST_GET_PLAT_TOKEN,
  RMM_ATTEST_GET_REALM_KEY,
} from '../abi/rmm-el3.ts';
import { HASH_ALGO_SHA_256 } from '../abi/token.ts';
import type { EcPrivateKey } from '../attest/cose.ts';
import { digest } from '../attest/hash.ts';
import { ATTESTATION_CODE } from '../attest/lazy.ts';
import type { Ctx } from '../context.ts';
import type { MachineState } from '../state.ts';

/** ECC SECP384R1, the only RAK curve of interface 0.3 (x3 of GET_REALM_KEY). */
const RMM_ATTEST_CURVE_SECP384R1 = 0;

/** What the RMM keeps after asking EL3 at "boot". */
export interface RmmAttestMaterial {
  readonly rak: EcPrivateKey;
  /** The platform token (COSE_Sign1_Tagged) bound to the RAK. */
  readonly platformToken: Uint8Array;
}

const cache = new WeakMap<MachineState, RmmAttestMaterial>();

function el3Call(ctx: Ctx, fid: number, name: string, args: bigint[], results: bigint[]): void {
  const call = ctx.emit({
    kind: 'smc:call',
    world: 'REALM',
    caller: 'rmm',
    fid: hex64(fid),
    name,
    args: args.map(hex64),
  });
  ctx.emit({
    kind: 'smc:return',
    call: call.seq,
    name,
    results: [E_RMM_OK, ...results].map((v) => hex64(v)),
    status: E_RMM_NAMES[E_RMM_OK] ?? 'E_RMM_OK',
    index: 0,
  });
}

/**
 * The RAK and the platform token, fetched from EL3 on first use (RMM_ATTEST_GET_REALM_KEY,
 * then RMM_ATTEST_GET_PLAT_TOKEN with c_size 32) and cached for this machine state.
 */
export function rmmAttestMaterial(ctx: Ctx): RmmAttestMaterial {
  const cached = cache.get(ctx.state);
  if (cached) return cached;
  const { encodeCoseKey, getPlatformToken, getRealmAttestKey, privateKeyFromScalar } =
    ATTESTATION_CODE.get();
  const scalar = getRealmAttestKey();
  el3Call(
    ctx,
    RMM_ATTEST_GET_REALM_KEY,
    'RMM_ATTEST_GET_REALM_KEY',
    [0n, BigInt(scalar.length), BigInt(RMM_ATTEST_CURVE_SECP384R1)],
    [BigInt(scalar.length)],
  );
  const rak = privateKeyFromScalar(scalar, 'P-384');
  const challenge = digest(HASH_ALGO_SHA_256, encodeCoseKey(rak));
  const platformToken = getPlatformToken(challenge);
  el3Call(
    ctx,
    RMM_ATTEST_GET_PLAT_TOKEN,
    'RMM_ATTEST_GET_PLAT_TOKEN',
    [0n, BigInt(platformToken.length), BigInt(challenge.length)],
    [BigInt(platformToken.length), 0n],
  );
  const material = { rak, platformToken };
  cache.set(ctx.state, material);
  return material;
}

/** Hex of the platform challenge (SHA-256 of the RAK's COSE_Key), for views. */
export function platformChallengeHex(material: RmmAttestMaterial): string {
  return toHex(digest(HASH_ALGO_SHA_256, ATTESTATION_CODE.get().encodeCoseKey(material.rak)));
}
