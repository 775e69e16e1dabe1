/**
 * The tenant's reference values (cca-spec.md §5.2-§5.5 measurement, §6.4 appraisal; issue 11):
 * the RIM and RPV a realm must have if the host built exactly what the tenant asked for,
 * recomputed from the image and the parameters alone, never read from the RD of the realm
 * the host built. A host that swaps the image (or any measured parameter) at build time gets
 * a realm whose token carries another RIM, and the relying party rejects it.
 *
 * Design rationale: the computation replays the measurements of the VMM's build sequence
 * (vmm.ts createRealm): REALM_CREATE's measured parameters, RTT_INIT_RIPAS over RAM (one
 * descriptor per level-3 entry, since the VMM creates level-3 tables for all of RAM first),
 * DATA_CREATE of the measured image page at GUEST_IMAGE_IPA, and REC_CREATE of the runnable
 * REC 0 (not-runnable RECs leave the RIM unchanged). It uses the measurement functions of
 * rmm/measure, the public algorithm of the spec, and no machine state.
 * NOT part of any Arm specification: a verifier's tooling, kept beside the relying party.
 */
import { hex64 } from '../../lib/bits.ts';
import { toHex, utf8 } from '../../lib/bytes.ts';
import { GRANULE_SIZE } from '../abi/gpt.ts';
import { RMI_HASH_SHA_256, RMI_HASH_SHA_512, RMI_MEASURE_CONTENT } from '../abi/measurement.ts';
import { RMI_RUNNABLE } from '../abi/rmi.ts';
import { GUEST_IMAGE_HEADER_SIZE, buildGuestImage } from '../guest/image.ts';
import { GUEST_IMAGE_IPA } from '../guest/layout.ts';
import { extendRimData, extendRimRec, extendRimRipas, rimInit } from '../rmm/measure/index.ts';

/** What the tenant asked the host to build (every input of the RIM besides the algorithm). */
export interface RealmIntent {
  /** Guest application in the image. */
  readonly image: string;
  readonly ramPages: number;
  readonly net: boolean;
  readonly hashAlgo: 'sha-256' | 'sha-512';
  readonly ipaWidth: number;
  /** Number of RECs; only REC 0 is runnable (and measured). */
  readonly recs: number;
  /** Role string measured into the image after its header (Mica labels, §8 item 3). */
  readonly role?: string;
}

/** Breakpoints and watchpoints the VMM asks for (measured in RmiRealmParams). */
export const VMM_NUM_BPS = 1;
export const VMM_NUM_WPS = 1;

/** RPV the VMM gives a realm: its name, zero-padded to 64 bytes (any value works). */
export function realmRpv(name: string): Uint8Array {
  const rpv = new Uint8Array(64);
  rpv.set(utf8(`realm:${name}`).subarray(0, 64));
  return rpv;
}

/** The measured image page of `intent`: the guest image with the role after its header. */
export function measuredImage(intent: RealmIntent): Uint8Array {
  const page = buildGuestImage({ app: intent.image, ramPages: intent.ramPages, net: intent.net });
  if (intent.role !== undefined)
    page.set(utf8(`role=${intent.role}`).subarray(0, 64), GUEST_IMAGE_HEADER_SIZE);
  return page;
}

/** The RMM hash algorithm parameter of `intent`. */
export function hashAlgoParam(intent: Pick<RealmIntent, 'hashAlgo'>): number {
  return intent.hashAlgo === 'sha-512' ? RMI_HASH_SHA_512 : RMI_HASH_SHA_256;
}

/** The 64-byte stored RIM (hex) a realm built as `intent` must have, recomputed. */
export function referenceRim(intent: RealmIntent): string {
  const algo = intent.hashAlgo;
  let rim = rimInit(algo, {
    flags: 0n,
    s2sz: BigInt(intent.ipaWidth),
    sveVl: 0n,
    numBps: BigInt(VMM_NUM_BPS),
    numWps: BigInt(VMM_NUM_WPS),
    pmuNumCtrs: 0n,
    hashAlgo: BigInt(hashAlgoParam(intent)),
  });
  for (let page = 0; page < intent.ramPages; page++) {
    const base = page * GRANULE_SIZE;
    rim = extendRimRipas(algo, rim, BigInt(base), BigInt(base + GRANULE_SIZE));
  }
  rim = extendRimData(
    algo,
    rim,
    BigInt(GUEST_IMAGE_IPA),
    BigInt(RMI_MEASURE_CONTENT),
    measuredImage(intent),
  );
  if (intent.recs > 0) {
    rim = extendRimRec(algo, rim, {
      flags: BigInt(RMI_RUNNABLE),
      pc: BigInt(GUEST_IMAGE_IPA),
      gprs: [],
    });
  }
  return toHex(rim);
}

/** The intent as one line for the views ("image shell, 16 pages, sha-256, ..."). */
export function intentText(intent: RealmIntent): string {
  return `image "${intent.image}"${intent.role !== undefined ? ` (role ${intent.role})` : ''}, ${intent.ramPages} pages, ${intent.hashAlgo}, ${intent.ipaWidth}-bit IPA, ${intent.recs} REC(s)${intent.net ? ', network' : ''}; entry ${hex64(GUEST_IMAGE_IPA)}`;
}
